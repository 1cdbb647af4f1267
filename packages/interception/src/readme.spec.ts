// The README documents every flag and shows the real dry-run output: keep it from drifting.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLAGS } from './flags.js';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

describe('README', () => {
  it('has a table row for every flag with its aliases and default', () => {
    for (const flag of FLAGS.filter((f) => f.key !== 'help')) {
      const row = readme.split('\n').find((line) => line.startsWith('|') && line.includes(`\`--${flag.long}\``));
      expect({ flag: flag.long, row }).toEqual({ flag: flag.long, row: expect.any(String) });
      for (const alias of flag.aliases) expect(row).toContain(`\`--${alias}\``);
      expect(row).toContain(flag.defaultText.replace('(empty)', 'empty'));
    }
  });

  it('shows the current dry-run output for the defaults and for Istio\'s injector flags', () => {
    for (const name of ['istio-iptables-defaults', 'istio-injector-defaults']) {
      expect(readme).toContain(readFileSync(join(__dirname, 'testdata', `${name}.golden`), 'utf8'));
    }
  });
});
