// argv -> validated InterceptionOptions, or the first problem found, worded so the user can fix it.
// Nothing here touches the network: the only reads are the account and resolver files, injectable.
import { readFileSync } from 'node:fs';
import { FLAGS, findFlag, type FlagKey, type FlagSpec } from './flags.js';
import { resolveIds, type AccountFiles } from './identity.js';
import { parseCidr, hostCidr, type Cidr } from './ip-cidr.js';
import { DEFAULT_OPTIONS, type CidrSelection, type InterceptionMode, type InterceptionOptions } from './options.js';
import { parsePort, parsePortList, parsePortSelection, splitList, type Parsed } from './port-list.js';

export interface ParseContext {
  readonly accounts?: AccountFiles;
  /** Contents of /etc/resolv.conf, read only for --redirect-dns without --capture-all-dns. */
  readonly resolvConf?: () => string;
}

export type ParseResult =
  | { readonly ok: true; readonly options: InterceptionOptions; readonly help: boolean }
  | { readonly ok: false; readonly error: string };

const systemAccounts: AccountFiles = {
  passwd: () => readFileSync('/etc/passwd', 'utf8'),
  group: () => readFileSync('/etc/group', 'utf8'),
};

type RawValues = Partial<Record<FlagKey, string>>;

function flagLabel(flag: FlagSpec): string {
  return flag.short ? `-${flag.short}/--${flag.long}` : `--${flag.long}`;
}

function parseBoolean(flag: FlagSpec, text: string): Parsed<string> {
  if (text === 'true' || text === 'false') return { ok: true, value: text };
  return { ok: false, error: `${flagLabel(flag)}: "${text}" is not a boolean (use true or false)` };
}

/** Splits argv into raw flag values: -p 1, -p1, -p=1, --envoy-port 1, --envoy-port=1, -n, --dry-run[=bool]. */
function scanArgv(argv: readonly string[]): Parsed<RawValues> {
  const values: RawValues = {};
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    let flag: FlagSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      flag = findFlag(name, false);
      if (!flag) return { ok: false, error: `unknown flag "--${name}"; run with --help for the list` };
    } else if (arg.startsWith('-') && arg.length >= 2) {
      flag = findFlag(arg[1]!, true);
      if (!flag) return { ok: false, error: `unknown flag "-${arg[1]}"; run with --help for the list` };
      const rest = arg.slice(2);
      inline = rest === '' ? undefined : rest.startsWith('=') ? rest.slice(1) : rest;
    } else {
      return { ok: false, error: `unexpected argument "${arg}": values follow their flag, e.g. -p 15001` };
    }
    if (flag.boolean) {
      const parsed = inline === undefined ? { ok: true as const, value: 'true' } : parseBoolean(flag, inline);
      if (!parsed.ok) return parsed;
      values[flag.key] = parsed.value;
      continue;
    }
    if (inline === undefined) {
      index += 1;
      if (index >= argv.length) return { ok: false, error: `${flagLabel(flag)} needs a value` };
      inline = argv[index]!;
    }
    values[flag.key] = inline;
  }
  return { ok: true, value: values };
}

function parseCidrSelection(text: string, what: string): Parsed<CidrSelection> {
  if (text.trim() === '*') return { ok: true, value: '*' };
  return parseCidrList(text, what);
}

function parseCidrList(text: string, what: string): Parsed<Cidr[]> {
  const cidrs: Cidr[] = [];
  for (const entry of splitList(text)) {
    if (entry === '*') return { ok: false, error: `${what}: "*" is not allowed here, list the CIDRs` };
    const parsed = parseCidr(entry);
    if (!parsed.ok) return { ok: false, error: `${what}: ${parsed.error}` };
    if (!cidrs.some((c) => c.text === parsed.cidr.text)) cidrs.push(parsed.cidr);
  }
  return { ok: true, value: cidrs };
}

function parseNumber(text: string, what: string, min: number, max: number): Parsed<number> {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min || Number(text) > max) {
    return { ok: false, error: `${what}: "${text}" is not an integer in ${min}..${max}` };
  }
  return { ok: true, value: Number(text) };
}

function parseRouteTable(text: string, what: string): Parsed<number> {
  const table = parseNumber(text, what, 1, 4294967295);
  // 253-255 are the kernel's default, main and local tables: taking them over would break routing.
  if (table.ok && table.value >= 253 && table.value <= 255) {
    return { ok: false, error: `${what}: table ${table.value} is reserved (default/main/local); pick another, e.g. 133` };
  }
  return table;
}

function parseMode(text: string, what: string): Parsed<InterceptionMode> {
  const mode = text.trim().toUpperCase();
  if (mode === 'REDIRECT' || mode === 'TPROXY') return { ok: true, value: mode };
  return { ok: false, error: `${what}: "${text}" is not a mode (expected REDIRECT or TPROXY)` };
}

const INTERFACE_NAME = /^[A-Za-z0-9_.:@-]{1,15}$/;

function parseInterfaces(text: string, what: string): Parsed<string[]> {
  const names = splitList(text);
  const bad = names.find((name) => !INTERFACE_NAME.test(name));
  if (bad !== undefined) return { ok: false, error: `${what}: "${bad}" is not an interface name (1-15 of A-Z a-z 0-9 _ . : @ -)` };
  return { ok: true, value: [...new Set(names)] };
}

function nameservers(resolvConf: string): Cidr[] {
  const servers: Cidr[] = [];
  for (const line of resolvConf.split('\n')) {
    const match = /^\s*nameserver\s+(\S+)/.exec(line);
    const cidr = match ? hostCidr(match[1]!.replace(/%.*$/, '')) : undefined;
    if (cidr && !servers.some((s) => s.text === cidr.text)) servers.push(cidr);
  }
  return servers;
}

/** Runs each field parser in turn and stops at the first error, naming the flag. */
class FieldReader {
  error: string | undefined;
  constructor(private readonly raw: RawValues) {}

  read<T>(key: FlagKey, fallback: T, parse: (text: string, what: string) => Parsed<T>): T {
    const text = this.raw[key];
    if (this.error !== undefined || text === undefined) return fallback;
    const flag = FLAGS.find((f) => f.key === key)!;
    const parsed = parse(text, flagLabel(flag));
    if (!parsed.ok) {
      this.error = parsed.error;
      return fallback;
    }
    return parsed.value;
  }

  flag(key: FlagKey): boolean {
    return this.raw[key] === 'true';
  }
}

export function parseInterceptionArgs(argv: readonly string[], context: ParseContext = {}): ParseResult {
  const scanned = scanArgv(argv);
  if (!scanned.ok) return scanned;
  const raw = scanned.value;
  const r = new FieldReader(raw);
  const d = DEFAULT_OPTIONS;
  const accounts = context.accounts ?? systemAccounts;

  const proxyUids = r.read('proxyUid', d.proxyUids, (text, what) => {
    const entries = splitList(text);
    if (entries.length === 0) return { ok: false, error: `${what}: give at least one user name or uid` };
    return resolveIds(entries, 'user', accounts, what);
  });
  // As in istio-iptables, the group defaults to the user's id.
  const proxyGids = r.read('proxyGid', proxyUids, (text, what) => resolveIds(splitList(text), 'group', accounts, what));
  const options: InterceptionOptions = {
    proxyPort: r.read('proxyPort', d.proxyPort, parsePort),
    inboundCapturePort: r.read('inboundCapturePort', d.inboundCapturePort, parsePort),
    proxyUids,
    proxyGids,
    mode: r.read('mode', d.mode, parseMode),
    tproxyMark: r.read('tproxyMark', d.tproxyMark, (text, what) => parseNumber(text, what, 1, 4294967295)),
    tproxyRouteTable: r.read('tproxyRouteTable', d.tproxyRouteTable, parseRouteTable),
    inboundPorts: r.read('inboundPorts', d.inboundPorts, parsePortSelection),
    inboundExcludePorts: r.read('inboundExcludePorts', d.inboundExcludePorts, parsePortList),
    outboundCidrs: r.read('outboundCidrs', d.outboundCidrs, parseCidrSelection),
    outboundExcludeCidrs: r.read('outboundExcludeCidrs', d.outboundExcludeCidrs, parseCidrList),
    outboundPorts: r.read('outboundPorts', d.outboundPorts, parsePortList),
    outboundExcludePorts: r.read('outboundExcludePorts', d.outboundExcludePorts, parsePortList),
    excludeInterfaces: r.read('excludeInterfaces', d.excludeInterfaces, parseInterfaces),
    dualStack: r.flag('dualStack'),
    redirectDns: r.flag('redirectDns'),
    captureAllDns: r.flag('captureAllDns'),
    dnsServers: [],
    dnsCapturePort: d.dnsCapturePort,
    dryRun: r.flag('dryRun'),
    cleanupOnly: r.flag('cleanupOnly'),
  };
  if (r.error !== undefined) return { ok: false, error: r.error };
  const help = r.flag('help');
  if (help || options.cleanupOnly) return { ok: true, options, help };

  const crossCheck = checkCombination(options);
  if (crossCheck) return { ok: false, error: crossCheck };
  if (!options.redirectDns || options.captureAllDns) return { ok: true, options, help };

  let resolv: string;
  try {
    resolv = (context.resolvConf ?? (() => readFileSync('/etc/resolv.conf', 'utf8')))();
  } catch (error) {
    return { ok: false, error: `--redirect-dns: cannot read /etc/resolv.conf (${(error as Error).message}); add --capture-all-dns to capture all DNS instead` };
  }
  const dnsServers = nameservers(resolv);
  if (dnsServers.length === 0) {
    return { ok: false, error: '--redirect-dns: /etc/resolv.conf lists no nameserver; add --capture-all-dns to capture all DNS instead' };
  }
  return { ok: true, options: { ...options, dnsServers }, help };
}

function checkCombination(options: InterceptionOptions): string | undefined {
  if (!options.dualStack) {
    const v6 = [...(options.outboundCidrs === '*' ? [] : options.outboundCidrs), ...options.outboundExcludeCidrs].find((c) => c.family === 6);
    if (v6) return `IPv6 range ${v6.text} given without --dual-stack: add --dual-stack to write ip6tables rules, or drop it`;
  }
  if (options.proxyPort === options.inboundCapturePort) {
    return `-p/--envoy-port and -z/--inbound-capture-port are both ${options.proxyPort}: inbound and outbound captures need different listeners`;
  }
  return undefined;
}
