import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import forge from 'node-forge';
import { ClusterLoadAssignmentSchema, ClusterSchema, SecretSchema, TypeUrl, UpstreamTlsContextSchema } from '@amesh/proto';
import { decodeRefs, refsOf, translate } from '@amesh/translator';
import { requestWorkloadCertificate } from './istio-ca-client.js';
import { startLocalIstioCa } from './local-istio-ca.js';
import { createWorkloadCsr, spiffeId } from './workload-csr.js';
import { ROOT_CA_SECRET_NAME, WORKLOAD_SECRET_NAME, withWorkloadSecrets, workloadCertificateFrom, type WorkloadCertificate } from './workload-certificate.js';
import type { XdsSnapshot } from './xds-snapshot.js';

const IDENTITY = { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'productpage' };
const CLUSTER = 'outbound|9080||reviews.default.svc.cluster.local';

/** An Istio auto-mTLS cluster as istiod sends it: tlsMode-istio endpoints get TLS with SDS default/ROOTCA. */
function autoMtlsSnapshot(): XdsSnapshot {
  const tls = create(UpstreamTlsContextSchema, {
    sni: 'outbound_.9080_._.reviews.default.svc.cluster.local',
    commonTlsContext: {
      alpnProtocols: ['istio-peer-exchange', 'istio'],
      tlsCertificateSdsSecretConfigs: [{ name: 'default', sdsConfig: { resourceApiVersion: 2 } }],
      validationContextType: { case: 'combinedValidationContext', value: { validationContextSdsSecretConfig: { name: 'ROOTCA' } } },
    },
  });
  const cluster = create(ClusterSchema, {
    name: CLUSTER,
    clusterDiscoveryType: { case: 'type', value: 3 },
    edsClusterConfig: { serviceName: CLUSTER },
    connectTimeout: { seconds: 10n },
    transportSocketMatches: [
      { name: 'tlsMode-istio', match: { fields: { tlsMode: { kind: { case: 'stringValue', value: 'istio' } } } }, transportSocket: { name: 'envoy.transport_sockets.tls', configType: { case: 'typedConfig', value: anyPack(UpstreamTlsContextSchema, tls) } } },
      { name: 'tlsMode-disabled', match: {}, transportSocket: { name: 'envoy.transport_sockets.raw_buffer' } },
    ],
  });
  const cla = create(ClusterLoadAssignmentSchema, {
    clusterName: CLUSTER,
    endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: 'endpoint', value: { address: { address: { case: 'socketAddress', value: { address: '10.244.1.7', portSpecifier: { case: 'portValue', value: 9080 } } } } } }, metadata: { filterMetadata: { 'envoy.transport_socket_match': { fields: { tlsMode: { kind: { case: 'stringValue', value: 'istio' } } } } } } }] }],
  });
  return { resources: refsOf({ clusters: [cluster], clusterLoadAssignments: [cla] }), versions: {}, received: [] };
}

describe('workload certificate -> SDS secrets -> APISIX ssl', () => {
  let cert: WorkloadCertificate;
  let rootCert: string;
  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-ca-'));
    const ca = await startLocalIstioCa();
    try {
      fs.writeFileSync(path.join(dir, 'root.pem'), ca.rootCert);
      cert = await requestWorkloadCertificate({ server: ca.url, caFile: path.join(dir, 'root.pem'), identity: IDENTITY });
      rootCert = ca.rootCert;
    } finally {
      await ca.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('merges default and ROOTCA into the snapshot, replacing same-named secrets', () => {
    const snap = autoMtlsSnapshot();
    snap.resources.secrets = [create(SecretSchema, { name: 'default' }), create(SecretSchema, { name: 'gateway-cert' })];
    snap.received = [{ typeUrl: TypeUrl.Secret, name: 'default', version: 'from-server' }];
    const merged = withWorkloadSecrets(snap, cert);
    expect(merged.resources.secrets.map((s) => s.name)).toEqual(['gateway-cert', WORKLOAD_SECRET_NAME, ROOT_CA_SECRET_NAME]);
    const def = merged.resources.secrets.find((s) => s.name === 'default')!;
    expect(def.type.case === 'tlsCertificate' && def.type.value.certificateChain?.specifier.value).toBe(cert.certChain);
    const root = merged.resources.secrets.find((s) => s.name === 'ROOTCA')!;
    expect(root.type.case === 'validationContext' && root.type.value.trustedCa?.specifier.value).toBe(cert.rootCert);
    expect(merged.received).toEqual([
      { typeUrl: TypeUrl.Secret, name: 'default', version: cert.serialNumber },
      { typeUrl: TypeUrl.Secret, name: 'ROOTCA', version: cert.serialNumber },
    ]);
    expect(snap.resources.secrets).toHaveLength(2); // the input is not modified
    expect(withWorkloadSecrets(snap, undefined)).toBe(snap);
  });

  it('the mTLS upstream references a client ssl holding the issued certificate; inbound verifies with ROOTCA', () => {
    const before = translate(decodeRefs(autoMtlsSnapshot().resources));
    const upstream = before.config.upstreams.find((u) => u.desc?.includes('reviews') || u.name?.includes('reviews'))!;
    expect(upstream.scheme).toBe('https');
    const clientId = upstream.tls?.client_cert_id;
    expect(clientId).toBeDefined();
    expect(before.config.ssls.find((s) => s.id === clientId)).toBeUndefined();

    const after = translate(decodeRefs(withWorkloadSecrets(autoMtlsSnapshot(), cert).resources));
    const client = after.config.ssls.find((s) => s.id === clientId)!;
    expect(client).toMatchObject({ type: 'client', cert: cert.certChain, key: cert.privateKey });
    expect(after.config.upstreams.find((u) => u.id === upstream.id)?.tls?.client_cert_id).toBe(clientId);
    const server = after.config.ssls.find((s) => s.type === 'server')!;
    expect(server).toMatchObject({ sni: '*', cert: cert.certChain, client: { ca: cert.rootCert } });
    expect(cert.rootCert.trim()).toBe(rootCert.trim());
  });

  it('rejects a CA answer that is empty, for another key, or without a root', async () => {
    const other = await createWorkloadCsr(IDENTITY);
    expect(() => workloadCertificateFrom([], cert.privateKey)).toThrow(/empty certificate chain/);
    expect(() => workloadCertificateFrom(['not a certificate'], cert.privateKey)).toThrow(/does not parse as PEM X.509/);
    expect(() => workloadCertificateFrom([cert.certChain], other.privateKey)).toThrow(/for another key than the one in our CSR/);
    const leafOnly = cert.certChain.split(/(?<=-----END CERTIFICATE-----)\s*/)[0]!;
    expect(() => workloadCertificateFrom([leafOnly], cert.privateKey)).toThrow(/only the leaf certificate and no mesh root CA/);
    expect(workloadCertificateFrom([leafOnly], cert.privateKey, rootCert).rootCert.trim()).toBe(rootCert.trim());
  });
});

describe('workload CSR', () => {
  it('carries the SPIFFE URI as its only SAN and verifies', async () => {
    const { csr, privateKey } = await createWorkloadCsr(IDENTITY);
    const parsed = forge.pki.certificationRequestFromPem(csr);
    expect(parsed.verify()).toBe(true);
    const ext = parsed.getAttribute({ name: 'extensionRequest' }) as { extensions: { name: string; altNames: { type: number; value: string }[] }[] };
    expect(ext.extensions.find((e) => e.name === 'subjectAltName')?.altNames).toEqual([expect.objectContaining({ type: 6, value: 'spiffe://cluster.local/ns/default/sa/productpage' })]);
    expect(privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('refuses identities that are not SPIFFE path segments', () => {
    expect(spiffeId(IDENTITY)).toBe('spiffe://cluster.local/ns/default/sa/productpage');
    expect(() => spiffeId({ ...IDENTITY, serviceAccount: 'a/b' })).toThrow(/serviceAccount "a\/b" is not a valid SPIFFE path segment/);
    expect(() => spiffeId({ ...IDENTITY, namespace: '' })).toThrow(/namespace ""/);
  });
});
