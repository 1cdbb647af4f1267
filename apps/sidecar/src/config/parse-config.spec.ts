import { DEFAULT_STATUS_PORT, DEFAULT_XDS_SOURCE, parseCommand, parseXdsSource, type HostFacts } from './parse-config.js';
import { ConfigError, type Command, type SidecarConfig } from './sidecar-config.js';

const host: HostFacts = { hostname: 'pod-abc', detectedIp: '10.1.2.3', demoXdsPath: '/repo/examples/bookinfo' };

function config(argv: string[], env: Record<string, string> = {}): SidecarConfig {
  const c: Command = parseCommand(argv, env, host);
  if (c.command !== 'run' && c.command !== 'demo') throw new Error(`expected run/demo, got ${c.command}`);
  return c.config;
}

function problems(argv: string[], env: Record<string, string> = {}): string[] {
  try {
    parseCommand(argv, env, host);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseCommand', () => {
  it('gives run the defaults of Amesh and Istio', () => {
    const c = config(['run']);
    expect(c.xds).toEqual({ kind: 'grpc', url: DEFAULT_XDS_SOURCE, host: 'istiod.istio-system.svc.cluster.local', port: 15010, tls: false });
    expect(c.storage.spec).toBe('memory');
    expect(c.statusPort).toBe(DEFAULT_STATUS_PORT);
    expect(c.statusHost).toBe('0.0.0.0');
    expect(c.protocol).toBe('delta');
    expect(c.logLevel).toBe('info');
    expect(c.node).toEqual({
      podName: 'pod-abc',
      podNamespace: 'default',
      instanceIp: '10.1.2.3',
      serviceAccount: 'default',
      clusterId: 'Kubernetes',
      meta: {},
    });
  });

  it('reads Amesh and Istio environment variables', () => {
    const c = config(['run'], {
      ISTIO_XDS_SOURCE: 'grpcs://istiod.istio-system.svc:15012',
      STATUS_SERVER_PORT: '9999',
      AMESH_STORAGE: 'etcd://127.0.0.1:2379/mesh',
      POD_NAME: 'reviews-v1-abc',
      POD_NAMESPACE: 'bookinfo',
      INSTANCE_IP: '10.0.0.7',
      SERVICE_ACCOUNT: 'bookinfo-reviews',
      ISTIO_META_CLUSTER_ID: 'east',
      ISTIO_META_MESH_ID: 'mesh1',
      XDS_ROOT_CA: '/etc/ca.pem',
    });
    expect(c.xds).toMatchObject({ kind: 'grpc', tls: true, port: 15012, host: 'istiod.istio-system.svc' });
    expect(c.statusPort).toBe(9999);
    expect(c.storage.parsed).toEqual({ backend: 'etcd', hosts: ['127.0.0.1:2379'], prefix: '/mesh' });
    expect(c.node).toEqual({
      podName: 'reviews-v1-abc',
      podNamespace: 'bookinfo',
      instanceIp: '10.0.0.7',
      serviceAccount: 'bookinfo-reviews',
      clusterId: 'east',
      meta: { CLUSTER_ID: 'east', MESH_ID: 'mesh1' },
    });
    expect(c.caCertPath).toBe('/etc/ca.pem');
  });

  it('lets flags win over the environment', () => {
    const c = config(['run', '--xds', 'file:/tmp/x.yaml', '--status-port', '0', '--storage', 'yaml:/tmp/a.yaml', '--protocol', 'sotw', '--log-level', 'debug'], {
      ISTIO_XDS_SOURCE: 'grpc://a:1',
      STATUS_SERVER_PORT: '1234',
      AMESH_STORAGE: 'memory',
    });
    expect(c.xds).toEqual({ kind: 'file', path: '/tmp/x.yaml' });
    expect(c.statusPort).toBe(0);
    expect(c.storage.parsed).toEqual({ backend: 'yaml', file: '/tmp/a.yaml' });
    expect(c.protocol).toBe('sotw');
    expect(c.logLevel).toBe('debug');
  });

  it('gives demo the example mesh, memory storage and a loopback status server, and accepts run flags', () => {
    const c = config(['demo'], { ISTIO_XDS_SOURCE: 'grpc://ignored:1' });
    expect(c.xds).toEqual({ kind: 'file', path: '/repo/examples/bookinfo' });
    expect(c.statusHost).toBe('127.0.0.1');
    expect(config(['demo', '--storage', 'yaml:/tmp/apisix.yaml']).storage.spec).toBe('yaml:/tmp/apisix.yaml');
  });

  it('serves /debug/* to loopback only unless --debug-remote or AMESH_DEBUG_REMOTE says otherwise', () => {
    expect(config(['run']).debugRemote).toBe(false);
    expect(config(['demo']).debugRemote).toBe(false);
    expect(config(['run', '--debug-remote']).debugRemote).toBe(true);
    expect(config(['run'], { AMESH_DEBUG_REMOTE: 'true' }).debugRemote).toBe(true);
    expect(config(['run'], { AMESH_DEBUG_REMOTE: '0' }).debugRemote).toBe(false);
    expect(config(['run', '--debug-remote'], { AMESH_DEBUG_REMOTE: 'false' }).debugRemote).toBe(true);
    expect(problems(['run'], { AMESH_DEBUG_REMOTE: 'yes please' })).toEqual(['AMESH_DEBUG_REMOTE="yes please": expected true or false']);
    expect(problems(['run', '--debug-remote=x'])).toEqual(['flag --debug-remote takes no value']);
  });

  it('accepts --flag=value', () => {
    expect(config(['run', '--status-port=15021']).statusPort).toBe(15021);
  });

  it('names every bad flag and variable and says what is expected', () => {
    const p = problems(['run', '--xds', 'http://x', '--storage', 'redis://x', '--protocol', 'rest', '--status-port', '70000'], {
      INSTANCE_IP: 'not-an-ip',
      POD_NAMESPACE: 'Bad_NS',
    });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^--xds="http:\/\/x": expected grpc:\/\/host:port, grpcs:\/\/host:port or file:PATH/),
        expect.stringMatching(/^--storage="redis:\/\/x": .*memory.*etcd:\/\//),
        expect.stringMatching(/^--protocol="rest": expected delta or sotw/),
        expect.stringMatching(/^--status-port="70000": expected a port number 0-65535/),
        expect.stringMatching(/^INSTANCE_IP="not-an-ip": expected an IPv4 or IPv6 address/),
        expect.stringMatching(/^POD_NAMESPACE="Bad_NS": expected a Kubernetes namespace name/),
      ]),
    );
    expect(p).toHaveLength(6);
  });

  it('scopes routes for REDIRECT capture by default; --port-match / AMESH_PORT_MATCH and --capture-ports / AMESH_CAPTURE_PORTS change it', () => {
    expect(config(['run']).portMatch).toEqual({ mode: 'capture', ports: { outbound: 15001, inbound: 15006 } });
    expect(config(['demo']).portMatch).toEqual({ mode: 'capture', ports: { outbound: 15001, inbound: 15006 } });
    expect(config(['run', '--capture-ports', '15101,15106']).portMatch).toEqual({ mode: 'capture', ports: { outbound: 15101, inbound: 15106 } });
    expect(config(['run'], { AMESH_CAPTURE_PORTS: '16001,16006' }).portMatch).toEqual({ mode: 'capture', ports: { outbound: 16001, inbound: 16006 } });
    expect(config(['run'], { AMESH_PORT_MATCH: 'server_port' }).portMatch).toBe('server_port');
    expect(config(['run', '--port-match', 'none'], { AMESH_PORT_MATCH: 'server_port' }).portMatch).toBe('none');
    expect(problems(['run', '--port-match', 'tproxy'])).toEqual(['--port-match="tproxy": expected capture, server_port or none (got "tproxy")']);
    expect(problems(['run'], { AMESH_PORT_MATCH: 'redirect' })).toEqual(['AMESH_PORT_MATCH="redirect": expected capture, server_port or none (got "redirect")']);
    expect(problems(['run', '--capture-ports', '15001'])).toEqual([
      '--capture-ports="15001": expected OUT,IN, two different ports 1-65535 such as 15001,15006 (got "15001")',
    ]);
    expect(problems(['run'], { AMESH_CAPTURE_PORTS: '15006,15006' })[0]).toMatch(/^AMESH_CAPTURE_PORTS="15006,15006": expected OUT,IN, two different ports/);
  });

  it('names the variable when the bad value comes from the environment', () => {
    expect(problems(['run'], { STATUS_SERVER_PORT: 'abc' })).toEqual([
      'STATUS_SERVER_PORT="abc": expected a port number 0-65535 (0 = any free port)',
    ]);
    expect(problems(['run'], { ISTIO_XDS_SOURCE: 'istiod:15010' })[0]).toMatch(/^ISTIO_XDS_SOURCE="istiod:15010": expected grpc:\/\//);
  });

  it('rejects unknown flags, missing values, stray arguments and unknown commands', () => {
    expect(problems(['run', '--nope', 'x'])[0]).toMatch(/^unknown flag --nope: expected one of --xds, --storage/);
    expect(problems(['run', '--xds'])).toEqual(['flag --xds needs a value']);
    expect(problems(['run', 'extra'])[0]).toMatch(/^unexpected argument "extra"/);
    expect(problems(['serve'])[0]).toMatch(/^unknown command "serve": expected run, demo, iptables or help/);
  });

  it('passes iptables arguments through untouched and answers help', () => {
    expect(parseCommand(['iptables', '-p', '15001', '--dry-run'], {}, host)).toEqual({ command: 'iptables', argv: ['-p', '15001', '--dry-run'] });
    const help = parseCommand([], {}, host);
    expect(help.command).toBe('help');
    expect(parseCommand(['run', '--help'], {}, host).command).toBe('help');
  });
});

describe('parseXdsSource', () => {
  it('parses IPv6 literals and rejects port 0', () => {
    expect(parseXdsSource('grpc://[::1]:15010')).toMatchObject({ host: '::1', port: 15010 });
    expect(parseXdsSource('grpc://istiod:0')).toMatch(/port 0 is not 1-65535/);
    expect(parseXdsSource('file:')).toMatch(/file: needs a path/);
  });
});

describe('--ca / CA_ADDR and --trust-domain', () => {
  it('asks the grpcs xDS server for the workload certificate by default; off for grpc:// and file:', () => {
    expect(config(['run', '--xds', 'grpcs://istiod.istio-system.svc:15012']).ca).toEqual({ url: 'grpcs://istiod.istio-system.svc:15012', tls: true, trustDomain: 'cluster.local' });
    expect(config(['run']).ca).toBeUndefined();
    expect(config(['run', '--xds', 'file:/tmp/x.yaml']).ca).toBeUndefined();
    expect(config(['demo']).ca).toBeUndefined();
  });

  it('takes the CA address and trust domain from flags or pilot-agent variables; none turns it off', () => {
    expect(config(['run'], { CA_ADDR: 'grpcs://ca.example:15012', TRUST_DOMAIN: 'mesh.example' }).ca).toEqual({ url: 'grpcs://ca.example:15012', tls: true, trustDomain: 'mesh.example' });
    expect(config(['run', '--ca', 'grpc://127.0.0.1:9000', '--trust-domain', 'td'], { CA_ADDR: 'grpcs://ca.example:15012' }).ca).toEqual({ url: 'grpc://127.0.0.1:9000', tls: false, trustDomain: 'td' });
    expect(config(['run', '--xds', 'grpcs://istiod:15012', '--ca', 'none']).ca).toBeUndefined();
  });

  it('names a bad CA address or trust domain', () => {
    expect(problems(['run', '--ca', 'file:/x'])).toEqual([expect.stringMatching(/^--ca="file:\/x": expected grpcs:\/\/host:port/)]);
    expect(problems(['run'], { CA_ADDR: 'istiod:15012', TRUST_DOMAIN: 'Bad Domain' })).toEqual([
      expect.stringMatching(/^TRUST_DOMAIN="Bad Domain": expected a SPIFFE trust domain/),
      expect.stringMatching(/^CA_ADDR="istiod:15012": expected grpcs:\/\/host:port/),
    ]);
  });
});
