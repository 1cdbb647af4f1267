import { X509Certificate, createPrivateKey } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { SecretSchema, TypeUrl, type Secret } from '@amesh/proto';
import { LazyReceivedSnapshot, type XdsSnapshot } from './xds-snapshot.js';

/** Istio's SDS names, which the agent serves: the workload certificate and the mesh root CA. */
export const WORKLOAD_SECRET_NAME = 'default';
export const ROOT_CA_SECRET_NAME = 'ROOTCA';

/** A certificate istiod issued for this workload, with the key it was requested for. */
export interface WorkloadCertificate {
  /** PEM chain as the CA returned it, leaf first. */
  certChain: string;
  /** PKCS#8 PEM private key of the leaf. */
  privateKey: string;
  /** PEM root of trust of the mesh (ROOTCA). */
  rootCert: string;
  /** Validity of the leaf, epoch ms. */
  notBefore: number;
  notAfter: number;
  /** URI SANs of the leaf (the SPIFFE identity). */
  uris: string[];
  serialNumber: string;
}

/**
 * Checks a CA response and makes it a WorkloadCertificate: the leaf must parse and match our key.
 * The root is the chain's last element when there are several (as istiod sends it), else
 * `fallbackRoot` (the mesh root CA the agent trusts istiod with).
 */
export function workloadCertificateFrom(chain: readonly string[], privateKey: string, fallbackRoot?: string): WorkloadCertificate {
  const pems = chain.map((c) => c.trim()).filter((c) => c.length > 0);
  if (pems.length === 0) throw new Error('the CA returned an empty certificate chain');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(pems[0]!);
  } catch (err) {
    throw new Error(`the CA returned a leaf certificate that does not parse as PEM X.509: ${(err as Error).message}`);
  }
  if (!leaf.checkPrivateKey(createPrivateKey(privateKey))) {
    throw new Error(`the CA returned a certificate (serial ${leaf.serialNumber}) for another key than the one in our CSR`);
  }
  const rootCert = pems.length > 1 ? pems[pems.length - 1]! : fallbackRoot?.trim();
  if (!rootCert) throw new Error('the CA returned only the leaf certificate and no mesh root CA is configured to serve as ROOTCA');
  return {
    certChain: pems.join('\n') + '\n',
    privateKey,
    rootCert: rootCert + '\n',
    notBefore: Date.parse(leaf.validFrom),
    notAfter: Date.parse(leaf.validTo),
    uris: uriSans(leaf),
    serialNumber: leaf.serialNumber,
  };
}

/** The SDS secrets Envoy would get from pilot-agent: `default` (chain + key) and `ROOTCA` (trusted CA). */
export function workloadSecrets(cert: WorkloadCertificate): Secret[] {
  const inline = (value: string) => ({ specifier: { case: 'inlineString' as const, value } });
  return [
    create(SecretSchema, {
      name: WORKLOAD_SECRET_NAME,
      type: { case: 'tlsCertificate', value: { certificateChain: inline(cert.certChain), privateKey: inline(cert.privateKey) } },
    }),
    create(SecretSchema, { name: ROOT_CA_SECRET_NAME, type: { case: 'validationContext', value: { trustedCa: inline(cert.rootCert) } } }),
  ];
}

/**
 * The secrets of a snapshot with the agent's own in place of any the control plane sent under the
 * same names (istiod never sends these for a sidecar; a test server might).
 */
export function mergeSecrets(secrets: readonly Secret[], own: readonly Secret[]): Secret[] {
  const names = new Set(own.map((s) => s.name));
  return [...secrets.filter((s) => !names.has(s.name)), ...own];
}

/**
 * A snapshot with the agent's `default` and `ROOTCA` added (what Envoy would get over SDS from
 * pilot-agent), so translation makes the ssl objects mTLS upstreams and listeners reference.
 * Without a certificate yet, the snapshot is returned as it is.
 */
export function withWorkloadSecrets(snapshot: XdsSnapshot, cert: WorkloadCertificate | undefined): XdsSnapshot {
  if (!cert) return snapshot;
  const own = workloadSecrets(cert);
  const names = new Set(own.map((s) => s.name));
  // `received` is made when read (the debug dump), from this snapshot only: no chain is kept.
  return new LazyReceivedSnapshot({ ...snapshot.resources, secrets: mergeSecrets(snapshot.resources.secrets, own) }, snapshot.versions, () => [
    ...snapshot.received.filter((r) => !(r.typeUrl === TypeUrl.Secret && names.has(r.name))),
    // The serial is the secret's version, as the agent's SDS would report it.
    ...own.map((s) => ({ typeUrl: TypeUrl.Secret, name: s.name, version: cert.serialNumber })),
  ]);
}

function uriSans(cert: X509Certificate): string[] {
  // Node renders subjectAltName as "URI:spiffe://…, DNS:…".
  return (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((part) => part.startsWith('URI:'))
    .map((part) => part.slice(4));
}
