import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { requestWorkloadCertificate, type IstioCaClientOptions } from './istio-ca-client.js';
import { startLocalIstioCa, type LocalIstioCa } from './local-istio-ca.js';
import { WorkloadCertificateManager } from './workload-certificate-manager.js';
import type { WorkloadCertificate } from './workload-certificate.js';

// There is no istiod here: the CA is our own startLocalIstioCa, real gRPC over loopback TLS, which
// checks the bearer token and ClusterID and signs CSRs with a root generated per test run.
const IDENTITY = { trustDomain: 'cluster.local', namespace: 'bookinfo', serviceAccount: 'reviews' };
const SPIFFE = 'spiffe://cluster.local/ns/bookinfo/sa/reviews';
const TOKEN = 'projected-token-1';

describe('requestWorkloadCertificate against a CA over gRPC + TLS', () => {
  let dir: string;
  let ca: LocalIstioCa;
  let options: IstioCaClientOptions;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-ca-'));
    ca = await startLocalIstioCa({ token: TOKEN, clusterId: 'Kubernetes', identities: [SPIFFE] });
    fs.writeFileSync(path.join(dir, 'root.pem'), ca.rootCert);
    fs.writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`);
    options = { server: ca.url, caFile: path.join(dir, 'root.pem'), tokenFile: path.join(dir, 'token'), clusterId: 'Kubernetes', identity: IDENTITY, validitySeconds: 3600 };
  });
  afterAll(async () => {
    await ca.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends a CSR for the SPIFFE identity and returns chain, key and root', async () => {
    const cert = await requestWorkloadCertificate(options);
    const leaf = new X509Certificate(cert.certChain);
    expect(leaf.subjectAltName).toBe(`URI:${SPIFFE}`);
    expect(cert.uris).toEqual([SPIFFE]);
    expect(cert.rootCert.trim()).toBe(ca.rootCert.trim());
    expect(leaf.verify(new X509Certificate(ca.rootCert).publicKey)).toBe(true);
    expect(cert.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(cert.notAfter - cert.notBefore).toBe(3600_000);
    expect(cert.serialNumber).toBe(leaf.serialNumber);
    expect(ca.issued.at(-1)).toMatchObject({ uri: SPIFFE, validitySeconds: 3600 });
  });

  it('is refused without the right token or ClusterID, and when the CA is not trusted', async () => {
    fs.writeFileSync(path.join(dir, 'bad-token'), 'someone-else');
    await expect(requestWorkloadCertificate({ ...options, tokenFile: path.join(dir, 'bad-token') })).rejects.toThrow(/unauthenticated.*bearer token/i);
    await expect(requestWorkloadCertificate({ ...options, clusterId: 'other' })).rejects.toThrow(/ClusterID header "other" is not Kubernetes/);
    await expect(requestWorkloadCertificate({ ...options, identity: { ...IDENTITY, serviceAccount: 'ratings' } })).rejects.toThrow(/not authorized for spiffe:\/\/cluster.local\/ns\/bookinfo\/sa\/ratings/);
    const other = await startLocalIstioCa();
    try {
      fs.writeFileSync(path.join(dir, 'other.pem'), other.rootCert);
      await expect(requestWorkloadCertificate({ ...options, caFile: path.join(dir, 'other.pem') })).rejects.toThrow(/certificate|verify|signature/i);
    } finally {
      await other.close();
    }
  });
});

describe('WorkloadCertificateManager with a real CA', () => {
  let dir: string;
  let ca: LocalIstioCa;
  let options: IstioCaClientOptions;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-ca-'));
    // Certificates of a few seconds (the CA caps requests at 4 s): rotation is observable here.
    ca = await startLocalIstioCa({ token: TOKEN, maxValiditySeconds: 4 });
    fs.writeFileSync(path.join(dir, 'root.pem'), ca.rootCert);
    fs.writeFileSync(path.join(dir, 'token'), TOKEN);
    options = { server: ca.url, caFile: path.join(dir, 'root.pem'), tokenFile: path.join(dir, 'token'), identity: IDENTITY };
  });
  afterEach(async () => {
    await ca.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('renews before expiry (at 80% of the lifetime)', async () => {
    // When each issuance started (key generation and the TLS call take a while on a busy machine).
    const calls: number[] = [];
    const issue = () => {
      calls.push(Date.now());
      return requestWorkloadCertificate({ ...options, validitySeconds: 60 });
    };
    const manager = new WorkloadCertificateManager({ issue });
    const seen: { cert: WorkloadCertificate; at: number }[] = [];
    manager.on('certificate', (cert) => seen.push({ cert, at: calls.at(-1)! }));
    manager.start();
    try {
      const first = await manager.whenReady(5000);
      expect(manager.status()).toMatchObject({ state: 'ready', issued: 1, certificate: { uris: [SPIFFE], serialNumber: first.serialNumber } });
      await eventually(() => seen.length >= 2, 8000, 'a renewal');
      const [a, b] = seen;
      expect(b!.cert.serialNumber).not.toBe(a!.cert.serialNumber);
      // Renewal started while the first one was still valid, not before ~80% of its lifetime.
      expect(b!.at).toBeLessThan(a!.cert.notAfter);
      expect(b!.at).toBeGreaterThanOrEqual(a!.cert.notBefore + 0.8 * (a!.cert.notAfter - a!.cert.notBefore) - 50);
      expect(manager.current()).toBe(b!.cert);
      expect(ca.issued.map((i) => i.validitySeconds)).toEqual(expect.arrayContaining([4, 4]));
    } finally {
      manager.close();
    }
    expect(manager.status().state).toBe('closed');
  });

  it('keeps the previous certificate while the CA refuses, reports it, and recovers with backoff', async () => {
    const manager = new WorkloadCertificateManager({ issue: () => requestWorkloadCertificate({ ...options, validitySeconds: 2 }), renewAt: 0.3, backoff: { initialMs: 100, maxMs: 400 } });
    const errors: Error[] = [];
    manager.on('error', (e) => errors.push(e));
    manager.start();
    try {
      const first = await manager.whenReady(5000);
      ca.setToken('rotated-elsewhere');
      await eventually(() => errors.length >= 2, 5000, 'failed renewals');
      expect(manager.current()).toBe(first);
      const failing = manager.status();
      expect(failing.state).toMatch(/^(renewal-failing|expired)$/);
      expect(failing.consecutiveFailures).toBeGreaterThanOrEqual(2);
      expect(failing.lastError).toMatch(/bearer token missing or not accepted/);
      expect(failing.certificate?.serialNumber).toBe(first.serialNumber);
      expect(Date.parse(failing.nextAttemptAt!)).toBeGreaterThan(Date.parse(failing.lastErrorAt!));
      // Past notAfter, still failing: reported as expired, still the old certificate (nothing better).
      await eventually(() => Date.now() > first.notAfter + 50 && manager.status().consecutiveFailures > 0, 5000, 'expiry');
      expect(manager.status().state).toBe('expired');
      ca.setToken(TOKEN);
      await eventually(() => manager.current() !== first, 5000, 'recovery');
      expect(manager.status()).toMatchObject({ state: 'ready', consecutiveFailures: 0 });
      expect(manager.status().lastError).toMatch(/bearer/); // history kept for /status
    } finally {
      manager.close();
    }
  });

  it('whenReady rejects with the CA error when no certificate can be had', async () => {
    fs.writeFileSync(path.join(dir, 'token'), 'wrong');
    const manager = new WorkloadCertificateManager({ issue: () => requestWorkloadCertificate(options), backoff: { initialMs: 100 } });
    manager.start();
    try {
      await expect(manager.whenReady(1500)).rejects.toThrow(/no workload certificate after 1500 ms: .*bearer token/);
      expect(manager.status()).toMatchObject({ state: 'pending', issued: 0 });
      expect(manager.current()).toBeUndefined();
    } finally {
      manager.close();
    }
  });

  it('rejects a renewal fraction outside (0, 1)', () => {
    expect(() => new WorkloadCertificateManager({ issue: () => requestWorkloadCertificate(options), renewAt: 1.5 })).toThrow(/renewAt 1.5 must be a fraction/);
  });
});

async function eventually<T>(probe: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
