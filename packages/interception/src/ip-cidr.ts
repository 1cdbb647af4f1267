// CIDR parsing for the outbound include/exclude lists. iptables normalises host bits silently;
// we reject them instead, so a typo such as 192.0.2.7/24 is caught before anything is applied.
import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 4 | 6;

export interface Cidr {
  readonly family: IpFamily;
  /** Canonical text, e.g. "192.0.2.0/24" or "2001:db8::/32". */
  readonly text: string;
}

export type CidrResult = { ok: true; cidr: Cidr } | { ok: false; error: string };

function ipv4Bytes(address: string): number[] {
  return address.split('.').map((part) => Number(part));
}

function ipv6Bytes(address: string): number[] {
  let text = address;
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hex groups.
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail) {
    const [a, b, c, d] = ipv4Bytes(v4Tail[1]!);
    text = text.slice(0, -v4Tail[1]!.length) + `${((a! << 8) | b!).toString(16)}:${((c! << 8) | d!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = [...headGroups, ...fill, ...tailGroups].map((g) => parseInt(g, 16));
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

function formatIpv6(bytes: number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // RFC 5952: compress the longest run (length >= 2) of zero groups, the first one on ties.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function maskBytes(bytes: number[], prefix: number): number[] {
  return bytes.map((byte, index) => {
    const bits = Math.max(0, Math.min(8, prefix - index * 8));
    return byte & ((0xff << (8 - bits)) & 0xff);
  });
}

/** Parses "a.b.c.d/len" or "ipv6/len"; the prefix length is required, as in istio-iptables. */
export function parseCidr(input: string): CidrResult {
  const text = input.trim();
  const slash = text.indexOf('/');
  if (slash < 0) {
    return { ok: false, error: `"${text}" is not a CIDR: add a prefix length, e.g. ${text}/${isIPv6(text) ? 128 : 32}` };
  }
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const family: IpFamily | undefined = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  if (family === undefined) {
    return { ok: false, error: `"${text}" is not a CIDR: "${address}" is not an IPv4 or IPv6 address` };
  }
  const maxPrefix = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) {
    return { ok: false, error: `"${text}" is not a CIDR: prefix length must be 0..${maxPrefix}` };
  }
  const prefix = Number(prefixText);
  const bytes = family === 4 ? ipv4Bytes(address) : ipv6Bytes(address);
  const network = maskBytes(bytes, prefix);
  const networkText = family === 4 ? network.join('.') : formatIpv6(network);
  if (network.some((byte, index) => byte !== bytes[index])) {
    return { ok: false, error: `"${text}" has host bits set: did you mean ${networkText}/${prefix}?` };
  }
  return { ok: true, cidr: { family, text: `${networkText}/${prefix}` } };
}

/** A single address as a host CIDR (/32 or /128), used for DNS server addresses. */
export function hostCidr(address: string): Cidr | undefined {
  if (isIPv4(address)) return { family: 4, text: `${address}/32` };
  if (isIPv6(address)) return { family: 6, text: `${formatIpv6(ipv6Bytes(address))}/128` };
  return undefined;
}
