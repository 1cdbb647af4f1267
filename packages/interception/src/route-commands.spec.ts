import { DEFAULT_OPTIONS } from './options.js';
import { buildRouteCommands, countFwmarkRules, hasLocalDefaultRoute } from './route-commands.js';

describe('TPROXY route commands', () => {
  it('are needed only in TPROXY mode, for each family in use', () => {
    expect(buildRouteCommands(DEFAULT_OPTIONS)).toEqual([]);
    const commands = buildRouteCommands({ ...DEFAULT_OPTIONS, mode: 'TPROXY', dualStack: true }).map((c) => c.args.join(' '));
    expect(commands).toEqual([
      '-4 rule add fwmark 1337 lookup 133',
      '-4 route replace local default dev lo table 133',
      '-6 rule add fwmark 1337 lookup 133',
      '-6 route replace local default dev lo table 133',
    ]);
  });

  it('recognise our rule and route in ip output (mark in hex)', () => {
    const rules = '0:\tfrom all lookup local\n32765:\tfrom all fwmark 0x539 lookup 133\n32764:\tfrom all fwmark 0x539 lookup 1330\n32766:\tfrom all lookup main\n';
    expect(countFwmarkRules(rules, 1337, 133)).toBe(1);
    expect(countFwmarkRules(rules, 1338, 133)).toBe(0);
    expect(hasLocalDefaultRoute('local default dev lo scope host \n')).toBe(true);
    expect(hasLocalDefaultRoute('default via 192.0.2.1 dev eth0\n')).toBe(false);
  });
});
