import type { Address } from '@amesh/proto';
import { SocketAddress_Protocol } from '@amesh/proto';

/** Local copy of the enum: the package re-export is a getter, read on every use (hot path). */
const Protocol = { ...SocketAddress_Protocol };

/** An endpoint address as an APISIX node host/port, or why it cannot be one. */
export type NodeAddress =
  | { ok: true; host: string; port: number; udp: boolean }
  | { ok: false; field: string; code: string; reason: string };

/**
 * Envoy Address -> APISIX node host/port. IPv6 literals get brackets (APISIX keeps `[::1]` as the
 * host, as its own parse_addr does); pipes and internal addresses have no APISIX counterpart.
 */
export function nodeAddress(address: Address | undefined): NodeAddress {
  const a = address?.address;
  if (!a || a.case === undefined) {
    return { ok: false, field: 'address', code: 'no-address', reason: 'endpoint has no address; skipped' };
  }
  if (a.case === 'pipe') {
    return {
      ok: false,
      field: 'address.pipe',
      code: 'pipe',
      reason: `Unix socket endpoints (${a.value.path}) cannot be APISIX upstream nodes; skipped`,
    };
  }
  if (a.case === 'envoyInternalAddress') {
    return {
      ok: false,
      field: 'address.envoy_internal_address',
      code: 'internal',
      reason: 'Envoy internal listener addresses have no APISIX counterpart; skipped',
    };
  }
  const sa = a.value;
  const spec = sa.portSpecifier;
  if (spec.case !== 'portValue') {
    return {
      ok: false,
      field: spec.case === 'namedPort' ? 'address.socket_address.named_port' : 'address.socket_address.port_value',
      code: 'port',
      reason: spec.case === 'namedPort' ? 'named ports cannot be resolved by APISIX; skipped' : 'endpoint has no port; skipped',
    };
  }
  const port = spec.value;
  if (!(port >= 1 && port <= 65535)) {
    return { ok: false, field: 'address.socket_address.port_value', code: 'port', reason: `port ${port} is outside 1..65535; skipped` };
  }
  const host = nodeHost(sa.address);
  if (host === undefined) {
    return {
      ok: false,
      field: 'address.socket_address.address',
      code: 'host',
      reason: `address "${sa.address.slice(0, 80)}" is not a valid APISIX node host (IP or DNS name); skipped`,
    };
  }
  return { ok: true, host, port, udp: sa.protocol === Protocol.UDP };
}

/** Normalises a host for APISIX (brackets for IPv6) or returns undefined when APISIX would reject it. */
export function nodeHost(raw: string): string | undefined {
  if (raw.length === 0 || raw.length > 253 + 2) return undefined;
  let host = raw;
  if (host.indexOf(':') >= 0 && host.charCodeAt(0) !== 0x5b /* [ */) host = `[${host}]`;
  return isValidHostChars(host) ? host : undefined;
}

/** APISIX's node host pattern `^\*?[0-9a-zA-Z-._\[\]:]+$` without a regex (hot path); no `*` here. */
function isValidHostChars(host: string): boolean {
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    const ok =
      (c >= 0x30 && c <= 0x39) || // 0-9
      (c >= 0x41 && c <= 0x5a) || // A-Z
      (c >= 0x61 && c <= 0x7a) || // a-z
      c === 0x2d || c === 0x2e || c === 0x5f || // - . _
      c === 0x5b || c === 0x5d || c === 0x3a; // [ ] :
    if (!ok) return false;
  }
  return true;
}
