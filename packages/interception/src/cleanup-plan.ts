// Pure: from `iptables-save` output, the iptables-restore lines that remove exactly what we own:
// jumps into AMESH_* chains from other chains, then the AMESH_* chains themselves.
import { isOwnChain } from './chains.js';

interface TableState {
  readonly table: string;
  readonly ownChains: string[];
  readonly jumpRules: string[];
}

function parseSave(saveOutput: string): TableState[] {
  const tables: TableState[] = [];
  let current: TableState | undefined;
  for (const line of saveOutput.split('\n')) {
    if (line.startsWith('*')) {
      current = { table: line.slice(1).trim(), ownChains: [], jumpRules: [] };
      tables.push(current);
    } else if (current && line.startsWith(':')) {
      const name = line.slice(1).split(' ')[0]!;
      if (isOwnChain(name)) current.ownChains.push(name);
    } else if (current && line.startsWith('-A ')) {
      const [, chain] = line.split(' ');
      const target = /\s-[jg]\s+(\S+)/.exec(line)?.[1];
      if (chain && !isOwnChain(chain) && target && isOwnChain(target)) current.jumpRules.push(line);
    }
  }
  return tables;
}

/** The removal script; empty when nothing of ours is installed. */
export function planCleanup(saveOutput: string): string {
  const lines: string[] = [];
  for (const state of parseSave(saveOutput)) {
    if (state.ownChains.length === 0 && state.jumpRules.length === 0) continue;
    lines.push(`*${state.table}`);
    lines.push(...state.jumpRules.map((rule) => `-D${rule.slice(2)}`));
    // Flush all before deleting any: our chains jump into each other.
    lines.push(...state.ownChains.map((chain) => `-F ${chain}`));
    lines.push(...state.ownChains.map((chain) => `-X ${chain}`));
    lines.push('COMMIT');
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
