// The option combinations covered by the golden files, shared by the golden spec (text) and the
// network-namespace spec (the real iptables-restore must accept every one of them).
export const ISTIO_INJECTOR_ARGS = ['-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020'];

export const GOLDEN_CASES: Readonly<Record<string, readonly string[]>> = {
  'istio-iptables-defaults': [],
  'istio-injector-defaults': ISTIO_INJECTOR_ARGS,
  'include-lists': ['-b', '8080,9090', '-i', '203.0.113.0/24,198.51.100.0/24', '-q', '3306'],
  'exclusions': ['-b', '*', '-d', '8081,9000:9010', '-i', '*', '-x', '192.0.2.0/24', '-o', '5432', '-c', 'eth9'],
  'tproxy': ['-m', 'TPROXY', '-b', '*', '-d', '15090', '-i', '*'],
  'tproxy-port-list': ['-m', 'tproxy', '-t', '2000', '-r', '200', '-b', '8080', '-i', '*'],
  'dual-stack': ['--dual-stack', '-b', '*', '-i', '*', '-x', '2001:db8:ff::/48,192.0.2.0/24'],
  'redirect-dns': ['--redirect-dns', '--dual-stack', '-b', '*', '-i', '*'],
  'capture-all-dns': ['--redirect-dns', '--capture-all-dns', '-b', '*', '-i', '*'],
  'several-owners': ['-u', 'istio-proxy,apisix', '-g', '1337', '-b', '*', '-i', '*'],
  'cleanup-only': ['--cleanup-only'],
};

/** Account and resolver files the goldens were generated with (names must not depend on the host). */
export const GOLDEN_CONTEXT = {
  accounts: {
    passwd: () => 'root:x:0:0:root:/root:/bin/bash\nistio-proxy:x:1337:1337::/home/istio-proxy:/bin/sh\napisix:x:636:636::/usr/local/apisix:/bin/sh\n',
    group: () => 'root:x:0:\nistio-proxy:x:1337:\napisix:x:636:\n',
  },
  resolvConf: () => 'search svc.cluster.local\nnameserver 192.0.2.53\nnameserver 2001:db8::53\noptions ndots:5\n',
};
