// Our chains all carry this prefix: cleanup recognises what we own by it and touches nothing else.
export const CHAIN_PREFIX = 'AMESH_';

export const Chain = {
  /** nat: inbound port selection; mangle (TPROXY): the same selection feeding AMESH_TPROXY. */
  inbound: `${CHAIN_PREFIX}INBOUND`,
  /** nat: REDIRECT to the outbound capture port. */
  redirect: `${CHAIN_PREFIX}REDIRECT`,
  /** nat: REDIRECT to the inbound capture port. */
  inRedirect: `${CHAIN_PREFIX}IN_REDIRECT`,
  /** nat: outbound selection; mangle (TPROXY): marks for traffic looping back through lo. */
  output: `${CHAIN_PREFIX}OUTPUT`,
  /** nat and raw: DNS capture. */
  outputDns: `${CHAIN_PREFIX}OUTPUT_DNS`,
  /** raw: conntrack zone for DNS replies. */
  inboundDns: `${CHAIN_PREFIX}INBOUND_DNS`,
  /** mangle (TPROXY): the single entry from PREROUTING, so the save-mark runs after inbound. */
  prerouting: `${CHAIN_PREFIX}PREROUTING`,
  /** mangle (TPROXY): mark established inbound packets so policy routing delivers them locally. */
  divert: `${CHAIN_PREFIX}DIVERT`,
  /** mangle (TPROXY): hand new inbound connections to the capture port. */
  tproxy: `${CHAIN_PREFIX}TPROXY`,
} as const;

export function isOwnChain(name: string): boolean {
  return name.startsWith(CHAIN_PREFIX);
}
