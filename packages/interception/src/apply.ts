// The edge: installs or removes the rules through an Exec. Each family is changed with a single
// `iptables-restore --noflush` transaction that first removes whatever of ours is installed (read
// from iptables-save) and then adds the new rules, so a re-run converges to the same state.
import { buildRules } from './build-rules.js';
import { planCleanup } from './cleanup-plan.js';
import { processExec, run, type Exec } from './exec.js';
import type { IpFamily } from './ip-cidr.js';
import { DEFAULT_OPTIONS, type InterceptionOptions } from './options.js';
import { countFwmarkRules, hasLocalDefaultRoute, routeArgs, ruleArgs, tproxyFamilies } from './route-commands.js';

const TOOLS: Record<IpFamily, { save: string; restore: string }> = {
  4: { save: 'iptables-save', restore: 'iptables-restore' },
  6: { save: 'ip6tables-save', restore: 'ip6tables-restore' },
};

/** The settings cleanup needs: which TPROXY mark/table to look for. */
export type CleanupOptions = Pick<InterceptionOptions, 'tproxyMark' | 'tproxyRouteTable'>;

async function replaceFamily(exec: Exec, family: IpFamily, script: string): Promise<void> {
  const saved = await run(exec, TOOLS[family].save, []);
  const combined = planCleanup(saved.stdout) + script;
  if (combined !== '') await run(exec, TOOLS[family].restore, ['--noflush'], combined);
}

/** Removes our IPv6 rules when IPv6 is not (or no longer) wanted; a host without ip6tables has none. */
async function removeOptionalFamily(exec: Exec, family: IpFamily): Promise<void> {
  const saved = await exec(TOOLS[family].save, []);
  if (saved.code !== 0) return;
  const script = planCleanup(saved.stdout);
  if (script !== '') await run(exec, TOOLS[family].restore, ['--noflush'], script);
}

async function addTproxyRoutes(exec: Exec, options: InterceptionOptions): Promise<void> {
  for (const family of tproxyFamilies(options)) {
    const rules = await run(exec, 'ip', [`-${family}`, 'rule', 'show']);
    if (countFwmarkRules(rules.stdout, options.tproxyMark, options.tproxyRouteTable) === 0) {
      await run(exec, 'ip', ruleArgs(family, options.tproxyMark, options.tproxyRouteTable, 'add'));
    }
    await run(exec, 'ip', routeArgs(family, options.tproxyRouteTable, 'replace'));
  }
}

async function removeTproxyRoutes(exec: Exec, options: CleanupOptions, families: readonly IpFamily[]): Promise<void> {
  for (const family of families) {
    const rules = await exec('ip', [`-${family}`, 'rule', 'show']);
    if (rules.code !== 0) continue; // family disabled in this kernel: nothing of ours there
    const count = countFwmarkRules(rules.stdout, options.tproxyMark, options.tproxyRouteTable);
    for (let i = 0; i < count; i += 1) await run(exec, 'ip', ruleArgs(family, options.tproxyMark, options.tproxyRouteTable, 'del'));
    const routes = await exec('ip', [`-${family}`, 'route', 'show', 'table', String(options.tproxyRouteTable)]);
    if (routes.code === 0 && hasLocalDefaultRoute(routes.stdout)) await run(exec, 'ip', routeArgs(family, options.tproxyRouteTable, 'del'));
  }
}

/** Installs the capture rules for validated options; throws ExecError naming the failing command. */
export async function applyRules(options: InterceptionOptions, exec: Exec = processExec()): Promise<void> {
  const scripts = buildRules(options);
  await replaceFamily(exec, 4, scripts.ipv4);
  if (scripts.ipv6 !== undefined) await replaceFamily(exec, 6, scripts.ipv6);
  else await removeOptionalFamily(exec, 6);
  if (options.mode === 'TPROXY') await addTproxyRoutes(exec, options);
  else await removeTproxyRoutes(exec, options, [4, 6]);
}

/** Removes our chains, the jumps into them and our TPROXY routing; leaves everything else alone. */
export async function cleanupRules(exec: Exec = processExec(), options: CleanupOptions = DEFAULT_OPTIONS): Promise<void> {
  const saved = await run(exec, TOOLS[4].save, []);
  const script = planCleanup(saved.stdout);
  if (script !== '') await run(exec, TOOLS[4].restore, ['--noflush'], script);
  await removeOptionalFamily(exec, 6);
  await removeTproxyRoutes(exec, options, [4, 6]);
}
