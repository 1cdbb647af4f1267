import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { startLocalIstioCa, type LocalIstioCa } from '@amesh/transport';
import { parseCommand } from '../config/parse-config.js';
import type { SidecarConfig } from '../config/sidecar-config.js';
import { startSidecar, type RunningSidecar } from './start-sidecar.js';

// No istiod here: the CA is transport's startLocalIstioCa (real gRPC over loopback TLS, checks the
// token and ClusterID); the xDS side is the agent's own file control plane serving an Istio-style
// auto-mTLS cluster. Storage is memory, read back as APISIX objects.
const log = pino({ level: 'silent' });
const CLUSTER = 'outbound|9080||reviews.bookinfo.svc.cluster.local';
const MESH = `resources:
- '@type': type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: ${CLUSTER}
  type: EDS
  eds_cluster_config: {eds_config: {ads: {}, resource_api_version: V3}, service_name: ${CLUSTER}}
  connect_timeout: 10s
  transport_socket_matches:
  - name: tlsMode-istio
    match: {tlsMode: istio}
    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        '@type': type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
        sni: outbound_.9080_._.reviews.bookinfo.svc.cluster.local
        common_tls_context:
          alpn_protocols: [istio-peer-exchange, istio]
          tls_certificate_sds_secret_configs: [{name: default, sds_config: {ads: {}, resource_api_version: V3}}]
          combined_validation_context:
            default_validation_context: {}
            validation_context_sds_secret_config: {name: ROOTCA, sds_config: {ads: {}, resource_api_version: V3}}
  - name: tlsMode-disabled
    match: {}
    transport_socket: {name: envoy.transport_sockets.raw_buffer}
- '@type': type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment
  cluster_name: ${CLUSTER}
  endpoints:
  - lb_endpoints:
    - endpoint: {address: {socket_address: {address: 10.244.1.7, port_value: 9080}}}
      metadata: {filter_metadata: {envoy.transport_socket_match: {tlsMode: istio}}}
`;

type Ssl = { id: string; type?: string; cert?: string; key?: string };

describe('agent with --ca: workload certificate as SDS default/ROOTCA', () => {
  let dir: string;
  let ca: LocalIstioCa;
  let agent: RunningSidecar | undefined;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-agent-ca-'));
    ca = await startLocalIstioCa({ token: 'pod-token', clusterId: 'east', identities: ['spiffe://cluster.local/ns/bookinfo/sa/reviews'], maxValiditySeconds: 3 });
    fs.writeFileSync(path.join(dir, 'root.pem'), ca.rootCert);
    fs.writeFileSync(path.join(dir, 'token'), 'pod-token');
    fs.writeFileSync(path.join(dir, 'mesh.yaml'), MESH);
  });
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
    await ca.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function config(): SidecarConfig {
    const argv = ['run', '--xds', `file:${path.join(dir, 'mesh.yaml')}`, '--ca', ca.url, '--ca-cert', path.join(dir, 'root.pem'), '--token', path.join(dir, 'token'), '--status-port', '0', '--status-host', '127.0.0.1'];
    const c = parseCommand(argv, { POD_NAMESPACE: 'bookinfo', SERVICE_ACCOUNT: 'reviews', ISTIO_META_CLUSTER_ID: 'east', INSTANCE_IP: '10.244.1.9' }, { hostname: 'reviews-v1', detectedIp: '10.244.1.9', demoXdsPath: '/nonexistent' });
    if (c.command !== 'run') throw new Error('expected run');
    return c.config;
  }

  async function written(a: RunningSidecar): Promise<{ ssls: Ssl[]; upstreams: { id: string; scheme?: string; tls?: { client_cert_id?: string } }[] }> {
    await a.pipeline.whenIdle();
    const state = await a.storage.readAll();
    return { ssls: [...(state.get('ssls')?.values() ?? [])] as Ssl[], upstreams: [...(state.get('upstreams')?.values() ?? [])] as never };
  }

  it('writes the client ssl the mTLS upstream references, with the issued certificate, and rotates it', async () => {
    agent = await startSidecar(config(), {}, log);
    await agent.whenReady(10_000);
    await waitFor(async () => agent!.workloadCertificate()?.state === 'ready' && (await written(agent!)).ssls.length > 0, 10_000, 'the certificate in storage');
    const first = agent.workloadCertificate()!;
    expect(first.certificate?.uris).toEqual(['spiffe://cluster.local/ns/bookinfo/sa/reviews']);
    const secrets = agent.pipeline.appliedSnapshot!.resources.secrets.map((s) => s.name).sort();
    expect(secrets).toEqual(['ROOTCA', 'default']);

    const w = await written(agent);
    const upstream = w.upstreams.find((u) => u.scheme === 'https')!;
    const client = w.ssls.find((s) => s.id === upstream.tls?.client_cert_id)!;
    expect(client.type).toBe('client');
    expect(client.cert).toContain('-----BEGIN CERTIFICATE-----');
    expect(new (await import('node:crypto')).X509Certificate(client.cert!).serialNumber).toBe(first.certificate!.serialNumber);

    // Three-second certificates: a renewal replaces the ssl's certificate before the first expires.
    await waitFor(async () => (await written(agent!)).ssls.find((s) => s.id === client.id)?.cert !== client.cert, 10_000, 'the renewed certificate in storage');
    expect(agent.workloadCertificate()!.certificate!.serialNumber).not.toBe(first.certificate!.serialNumber);
    expect(agent.workloadCertificate()!.issued).toBeGreaterThanOrEqual(2);
  });

  it('keeps the written certificate when the CA refuses, and reports the failure', async () => {
    agent = await startSidecar(config(), {}, log);
    await agent.whenReady(10_000);
    await waitFor(async () => (await written(agent!)).ssls.some((s) => s.type === 'client'), 10_000, 'the certificate in storage');
    const cert = (await written(agent)).ssls.find((s) => s.type === 'client')!.cert;
    fs.writeFileSync(path.join(dir, 'token'), 'revoked'); // read again on every request
    await waitFor(async () => (agent!.workloadCertificate()?.consecutiveFailures ?? 0) > 0, 10_000, 'a failed renewal');
    const status = agent.workloadCertificate()!;
    expect(status.state).toMatch(/^(renewal-failing|expired)$/);
    expect(status.lastError).toMatch(/bearer token missing or not accepted/);
    expect((await written(agent)).ssls.find((s) => s.type === 'client')!.cert).toBe(cert);
    // Operators see it on /status too.
    const body = (await (await fetch(`${agent.status.url}/status`)).json()) as { workload_certificate: { state: string; lastError?: string } };
    expect(body.workload_certificate.state).toMatch(/^(renewal-failing|expired)$/);
    expect(body.workload_certificate.lastError).toMatch(/bearer token missing or not accepted/);
  });
});

async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
