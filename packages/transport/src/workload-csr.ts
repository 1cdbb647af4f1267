import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

/** Who the workload is: the SPIFFE identity istiod issues certificates for. */
export interface WorkloadIdentity {
  /** Mesh trust domain, `cluster.local` unless the mesh config says otherwise. */
  trustDomain: string;
  namespace: string;
  serviceAccount: string;
}

/** A fresh private key and the PKCS#10 request for it. */
export interface WorkloadKeyAndCsr {
  /** PKCS#8 PEM (`BEGIN PRIVATE KEY`), never leaves the agent. */
  privateKey: string;
  /** PEM certificate request carrying the SPIFFE URI as its only subjectAltName. */
  csr: string;
}

const generateKeyPairAsync = promisify(generateKeyPair);
// SPIFFE path segments: what Kubernetes names and trust domains can hold, nothing that needs escaping.
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** `spiffe://<trust-domain>/ns/<ns>/sa/<sa>`, the identity Istio puts in workload certificates. */
export function spiffeId(identity: WorkloadIdentity): string {
  for (const [field, value] of Object.entries(identity) as [keyof WorkloadIdentity, string][]) {
    if (!SEGMENT.test(value)) {
      throw new Error(`workload identity ${field} ${JSON.stringify(value)} is not a valid SPIFFE path segment (letters, digits, '.', '_', '-'); check the pod's namespace/service account and the trust domain`);
    }
  }
  return `spiffe://${identity.trustDomain}/ns/${identity.namespace}/sa/${identity.serviceAccount}`;
}

/**
 * An RSA 2048 key (what pilot-agent uses by default; generated natively, off the event loop) and a
 * CSR with an empty subject and the SPIFFE URI SAN, signed with SHA-256.
 */
export async function createWorkloadCsr(identity: WorkloadIdentity): Promise<WorkloadKeyAndCsr> {
  const uri = spiffeId(identity);
  const { privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.rsa.setPublicKey(key.n, key.e);
  csr.setSubject([]);
  // altName type 6 = uniformResourceIdentifier.
  csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames: [{ type: 6, value: uri }] }] }]);
  csr.sign(key, forge.md.sha256.create());
  return { privateKey, csr: forge.pki.certificationRequestToPem(csr) };
}
