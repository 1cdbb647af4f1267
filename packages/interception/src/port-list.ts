// Port values and comma-separated port lists as istio-iptables accepts them.

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** A single TCP port, 1..65535. */
export function parsePort(text: string, what: string): Parsed<number> {
  const trimmed = text.trim();
  if (!/^\d{1,5}$/.test(trimmed) || Number(trimmed) < 1 || Number(trimmed) > 65535) {
    return { ok: false, error: `${what}: "${text}" is not a port (expected an integer 1..65535)` };
  }
  return { ok: true, value: Number(trimmed) };
}

/** One list entry: a port "8080" or an inclusive range "8000:8100" (iptables --dport syntax). */
function parsePortEntry(entry: string, what: string): Parsed<string> {
  const bounds = entry.split(':');
  if (bounds.length > 2) return { ok: false, error: `${what}: "${entry}" is not a port or a range "low:high"` };
  const values: number[] = [];
  for (const bound of bounds) {
    const port = parsePort(bound, what);
    if (!port.ok) return { ok: false, error: `${port.error}${bounds.length === 2 ? ` in range "${entry}"` : ''}` };
    values.push(port.value);
  }
  if (values.length === 2 && values[0]! > values[1]!) {
    return { ok: false, error: `${what}: range "${entry}" has its low end above its high end` };
  }
  return { ok: true, value: values.join(':') };
}

/** Splits "a,b,,c" into non-empty trimmed items (istio ignores empty items too). */
export function splitList(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** A list of ports; duplicates are dropped so each rule appears once. */
export function parsePortList(text: string, what: string): Parsed<string[]> {
  const ports: string[] = [];
  for (const entry of splitList(text)) {
    if (entry === '*') return { ok: false, error: `${what}: "*" is not allowed here, list the ports` };
    const port = parsePortEntry(entry, what);
    if (!port.ok) return port;
    if (!ports.includes(port.value)) ports.push(port.value);
  }
  return { ok: true, value: ports };
}

/** Like parsePortList, but "*" alone selects every port. */
export function parsePortSelection(text: string, what: string): Parsed<'*' | string[]> {
  if (text.trim() === '*') return { ok: true, value: '*' };
  return parsePortList(text, what);
}
