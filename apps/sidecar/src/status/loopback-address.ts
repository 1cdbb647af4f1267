import { isIP } from 'node:net';

/**
 * Whether a peer address (a socket's remoteAddress) is the host itself: 127.0.0.0/8, ::1, or 127.x
 * as an IPv4-mapped IPv6 address (what a dual-stack socket reports for an IPv4 loopback client).
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  // Node reports IPv6 peers in compressed form.
  return address === '::1';
}
