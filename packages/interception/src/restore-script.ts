// A tiny model of an iptables-restore input: per table, the chains to (re)declare and the rules.
// Declaring a chain under --noflush creates it or empties it, which is what makes re-runs idempotent.

export type TableName = 'raw' | 'mangle' | 'nat';

export interface TableSection {
  readonly table: TableName;
  /** Chains declared with ":NAME - [0:0]". */
  readonly chains: string[];
  /** Rule lines, e.g. "-A AMESH_OUTPUT -j RETURN". */
  readonly rules: string[];
}

export function newSection(table: TableName): TableSection {
  return { table, chains: [], rules: [] };
}

/** Appends a rule to a chain, declaring the chain the first time it is used unless it is built in. */
export function appendRule(section: TableSection, chain: string, ...spec: string[]): void {
  if (!BUILT_IN_CHAINS.has(chain) && !section.chains.includes(chain)) section.chains.push(chain);
  section.rules.push(['-A', chain, ...spec].join(' '));
}

export const BUILT_IN_CHAINS: ReadonlySet<string> = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

export function renderSections(sections: readonly TableSection[]): string {
  const lines: string[] = [];
  for (const section of sections) {
    if (section.chains.length === 0 && section.rules.length === 0) continue;
    lines.push(`*${section.table}`);
    for (const chain of section.chains) lines.push(`:${chain} - [0:0]`);
    lines.push(...section.rules, 'COMMIT');
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
