import { DEFAULT_OPTIONS } from './options.js';
import { parseInterceptionArgs, type ParseContext } from './parse-args.js';

const context: ParseContext = {
  accounts: {
    passwd: () => 'root:x:0:0::/root:/bin/sh\nistio-proxy:x:1337:1337::/:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n',
    group: () => 'root:x:0:\nistio-proxy:x:1337:\nnogroup:x:65534:\n',
  },
  resolvConf: () => 'nameserver 192.0.2.53\n',
};

function ok(argv: string[]) {
  const result = parseInterceptionArgs(argv, context);
  if (!result.ok) throw new Error(result.error);
  return result.options;
}

function error(argv: string[], ctx: ParseContext = context): string {
  const result = parseInterceptionArgs(argv, ctx);
  if (result.ok) throw new Error(`expected ${argv.join(' ')} to be rejected`);
  return result.error;
}

describe('parseInterceptionArgs', () => {
  it('gives istio-iptables defaults without flags', () => {
    expect(ok([])).toEqual(DEFAULT_OPTIONS);
  });

  it('reads every flag form: -p v, -pv, -p=v, --long v, --long=v, booleans with and without value', () => {
    const forms = [['-p', '1'], ['-p1'], ['-p=1'], ['--envoy-port', '1'], ['--envoy-port=1'], ['--apisix-port', '1']];
    for (const form of forms) expect(ok(form).proxyPort).toBe(1);
    expect(ok(['-n']).dryRun).toBe(true);
    expect(ok(['--dry-run=false']).dryRun).toBe(false);
    expect(ok(['--dual-stack']).dualStack).toBe(true);
  });

  it('parses lists, wildcards, ranges and modes', () => {
    const options = ok(['-b', '*', '-d', '8081, 9000:9010,,8081', '-i', '198.51.100.0/24', '-x', '203.0.113.0/24', '-q', '3306', '-o', '5432', '-c', 'eth1,eth2', '-m', 'tproxy', '-t', '7', '-r', '100']);
    expect(options).toMatchObject({
      inboundPorts: '*',
      inboundExcludePorts: ['8081', '9000:9010'],
      outboundCidrs: [{ family: 4, text: '198.51.100.0/24' }],
      outboundExcludeCidrs: [{ family: 4, text: '203.0.113.0/24' }],
      outboundPorts: ['3306'],
      outboundExcludePorts: ['5432'],
      excludeInterfaces: ['eth1', 'eth2'],
      mode: 'TPROXY',
      tproxyMark: 7,
      tproxyRouteTable: 100,
    });
    expect(ok(['-i', '*']).outboundCidrs).toBe('*');
  });

  it('resolves user and group names, keeps numeric ids, and defaults the gid to the uid', () => {
    expect(ok(['-u', 'istio-proxy'])).toMatchObject({ proxyUids: [1337], proxyGids: [1337] });
    expect(ok(['--apisix-user', 'nobody', '-g', 'nogroup,0'])).toMatchObject({ proxyUids: [65534], proxyGids: [65534, 0] });
    expect(ok(['-u', '4242'])).toMatchObject({ proxyUids: [4242], proxyGids: [4242] });
  });

  it('reads resolvers from resolv.conf for --redirect-dns', () => {
    expect(ok(['--redirect-dns']).dnsServers).toEqual([{ family: 4, text: '192.0.2.53/32' }]);
    expect(ok(['--redirect-dns', '--capture-all-dns']).dnsServers).toEqual([]);
  });

  it.each([
    [['-p', '0'], '-p/--envoy-port: "0" is not a port (expected an integer 1..65535)'],
    [['--apisix-inbound-capture-port', '70000'], '-z/--inbound-capture-port: "70000" is not a port'],
    [['-b', '80,http'], '-b/--istio-inbound-ports: "http" is not a port'],
    [['-d', '*'], '-d/--istio-local-exclude-ports: "*" is not allowed here, list the ports'],
    [['-q', '9010:9000'], '-q/--istio-outbound-ports: range "9010:9000" has its low end above its high end'],
    [['-o', '1:2:3'], '-o/--istio-local-outbound-ports-exclude: "1:2:3" is not a port or a range "low:high"'],
    [['-i', '10.0.0.0/33'], '-i/--istio-service-cidr: "10.0.0.0/33" is not a CIDR: prefix length must be 0..32'],
    [['-x', '192.0.2.1/24'], '-x/--istio-service-exclude-cidr: "192.0.2.1/24" has host bits set: did you mean 192.0.2.0/24?'],
    [['-x', '2001:db8::/32'], 'IPv6 range 2001:db8::/32 given without --dual-stack'],
    [['-u', 'istio'], '-u/--proxy-uid: unknown user "istio" (not in /etc/passwd); pass an existing name or a numeric id'],
    [['-g', 'wheel'], '-g/--proxy-gid: unknown group "wheel" (not in /etc/group)'],
    [['-u', ''], '-u/--proxy-uid: give at least one user name or uid'],
    [['-m', 'NAT'], '-m/--istio-inbound-interception-mode: "NAT" is not a mode (expected REDIRECT or TPROXY)'],
    [['-r', '254'], '-r/--istio-inbound-tproxy-route-table: table 254 is reserved'],
    [['-t', '0'], '-t/--istio-inbound-tproxy-mark: "0" is not an integer in 1..4294967295'],
    [['-c', 'a-very-long-interface'], '-c/--istio-exclude-interfaces: "a-very-long-interface" is not an interface name'],
    [['-p', '15006'], 'are both 15006'],
    [['--envoy-port'], '-p/--envoy-port needs a value'],
    [['--no-such-flag'], 'unknown flag "--no-such-flag"'],
    [['-Y'], 'unknown flag "-Y"'],
    [['15001'], 'unexpected argument "15001"'],
    [['--dry-run=yes'], '-n/--dry-run: "yes" is not a boolean'],
  ])('rejects %j with a precise message', (argv, message) => {
    expect(error(argv)).toContain(message);
  });

  it('explains resolver problems for --redirect-dns', () => {
    expect(error(['--redirect-dns'], { ...context, resolvConf: () => 'search example\n' })).toContain('/etc/resolv.conf lists no nameserver; add --capture-all-dns');
    const unreadable = () => {
      throw new Error('ENOENT');
    };
    expect(error(['--redirect-dns'], { ...context, resolvConf: unreadable })).toContain('cannot read /etc/resolv.conf (ENOENT)');
  });

  it('resolves names through the real /etc/passwd by default', () => {
    const result = parseInterceptionArgs(['-u', 'root']);
    expect(result.ok && result.options.proxyUids).toEqual([0]);
  });
});
