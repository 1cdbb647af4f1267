// TPROXY needs policy routing: packets carrying our mark are looked up in our table, whose only
// route delivers everything locally, so the kernel hands them to the transparent listener.
import type { IpFamily } from './ip-cidr.js';
import type { InterceptionOptions } from './options.js';

export interface IpCommand {
  readonly args: readonly string[];
}

export function tproxyFamilies(options: InterceptionOptions): IpFamily[] {
  return options.dualStack ? [4, 6] : [4];
}

export function ruleArgs(family: IpFamily, mark: number, table: number, verb: 'add' | 'del'): string[] {
  return [`-${family}`, 'rule', verb, 'fwmark', String(mark), 'lookup', String(table)];
}

export function routeArgs(family: IpFamily, table: number, verb: 'replace' | 'del'): string[] {
  return [`-${family}`, 'route', verb, 'local', 'default', 'dev', 'lo', 'table', String(table)];
}

/** The commands apply runs (the rule only when absent, see countFwmarkRules); printed by dry run. */
export function buildRouteCommands(options: InterceptionOptions): IpCommand[] {
  if (options.mode !== 'TPROXY') return [];
  return tproxyFamilies(options).flatMap((family) => [
    { args: ruleArgs(family, options.tproxyMark, options.tproxyRouteTable, 'add') },
    { args: routeArgs(family, options.tproxyRouteTable, 'replace') },
  ]);
}

/** How many "fwmark <mark> lookup <table>" rules `ip rule show` lists (the mark prints in hex). */
export function countFwmarkRules(ruleShowOutput: string, mark: number, table: number): number {
  const pattern = new RegExp(`\\bfwmark 0x${mark.toString(16)}(?:/0xffffffff)? lookup ${table}\\s*$`);
  return ruleShowOutput.split('\n').filter((line) => pattern.test(line.trim())).length;
}

/** Whether `ip route show table <table>` holds our local default route. */
export function hasLocalDefaultRoute(routeShowOutput: string): boolean {
  return routeShowOutput.split('\n').some((line) => /^local default dev lo\b/.test(line.trim()));
}
