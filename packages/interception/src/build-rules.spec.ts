// Golden tests: the dry-run text for the main option combinations, compared with reviewed files in
// testdata/. Regenerate with UPDATE_GOLDEN=1 and review the diff before keeping it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderDryRun } from './cli.js';
import { parseInterceptionArgs } from './parse-args.js';
import { GOLDEN_CASES, GOLDEN_CONTEXT, ISTIO_INJECTOR_ARGS } from './testdata/golden-cases.js';

function dryRun(argv: readonly string[]): string {
  const parsed = parseInterceptionArgs(['-n', ...argv], GOLDEN_CONTEXT);
  if (!parsed.ok) throw new Error(parsed.error);
  return renderDryRun(parsed.options);
}

describe('buildRules goldens', () => {
  for (const [name, argv] of Object.entries(GOLDEN_CASES)) {
    it(`${name}: ${argv.join(' ') || '(no flags)'}`, () => {
      const file = join(__dirname, 'testdata', `${name}.golden`);
      const actual = dryRun(argv);
      if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(file, actual);
      expect(actual).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('accepts api7/Amesh flag names as aliases of the istio-iptables ones', () => {
    const amesh = ['--apisix-port', '15001', '--apisix-inbound-capture-port', '15006', '--apisix-user', '1337', '-m', 'REDIRECT', '-i', '*', '--inbound-ports', '*', '--inbound-exclude-ports', '15090,15021,15020', '--outbound-ports', '', '--outbound-exclude-ports', ''];
    expect(dryRun(amesh)).toBe(dryRun(ISTIO_INJECTOR_ARGS));
    const named = dryRun(['--apisix-user', 'apisix', '--outbound-exclude-ports', '5432', '--outbound-ports', '3306', '-i', '*']);
    expect(named).toContain('-A AMESH_OUTPUT -m owner --uid-owner 636 -j RETURN');
    expect(named).toContain('-A AMESH_OUTPUT -p tcp --dport 5432 -j RETURN');
    expect(named).toContain('-A AMESH_OUTPUT -p tcp --dport 3306 -j AMESH_REDIRECT');
  });

  it('writes every chain it jumps to, and only AMESH_* chains', () => {
    for (const argv of Object.values(GOLDEN_CASES)) {
      const text = dryRun(argv);
      const declared = new Set([...text.matchAll(/^:(\S+) - \[0:0\]$/gm)].map((m) => m[1]));
      for (const [, target] of text.matchAll(/ -j (AMESH_\S+)/g)) expect(declared).toContain(target);
      for (const name of declared) expect(name).toMatch(/^AMESH_/);
    }
  });
});
