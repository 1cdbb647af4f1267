import type { DataSource, Secret, TlsCertificate } from '@amesh/proto';
import type { ApisixSsl } from './apisix-types.js';
import { stableId } from './ids.js';
import { nodeHost } from './node-address.js';
import { certificateDnsNames } from './x509-dns-names.js';
import type { ReportSink } from './report-sink.js';

/** PEM material of one Envoy Secret (or inline certificate), as APISIX ssl objects need it. */
export interface SecretMaterial {
  /** Certificate chain (PEM) and private key (PEM) of a tls_certificate. */
  cert?: string;
  key?: string;
  /** Trusted CA bundle (PEM) of a validation_context. */
  ca?: string;
}

/** APISIX ssl id for an Envoy secret name: the agent that serves SDS `default` uses the same. */
export function sslIdFor(secretName: string, type: 'client' | 'server'): string {
  return stableId('s', type, secretName);
}

/** An upstream client certificate (ssl `type: client`), referenced by upstream `tls.client_cert_id`. */
export function clientSslFor(id: string, desc: string, material: SecretMaterial): ApisixSsl | undefined {
  if (!material.cert || !material.key) return undefined;
  return { id, desc: describe(desc), type: 'client', cert: material.cert, key: material.key };
}

/**
 * A server certificate for the listener side: `snis` from filter chain server names, none meaning
 * any SNI (APISIX's catch-all `sni: "*"`, what a sidecar's inbound mTLS listener needs); `ca`
 * turns on client certificate verification.
 */
export function serverSslFor(secretName: string, material: SecretMaterial, snis: readonly string[], ca?: string): ApisixSsl | undefined {
  if (!material.cert || !material.key) return undefined;
  const ssl: ApisixSsl = { id: sslIdFor(secretName, 'server'), desc: describe(secretName), type: 'server', cert: material.cert, key: material.key };
  if (snis.length > 0) ssl.snis = [...new Set(snis)].sort();
  else ssl.sni = '*';
  if (ca) ssl.client = { ca };
  return ssl;
}

/** Secrets -> material by name. Secrets without usable PEM are reported and left out. */
export function secretMaterials(secrets: readonly Secret[], sinkFor: (name: string) => ReportSink): Map<string, SecretMaterial> {
  const out = new Map<string, SecretMaterial>();
  for (const secret of secrets) {
    const report = sinkFor(secret.name);
    try {
      if (out.has(secret.name)) {
        report.add('name', 'dropped', 'duplicate secret name; the first one is used');
        continue;
      }
      const t = secret.type;
      if (t.case === 'tlsCertificate') {
        const m = tlsCertificateMaterial(t.value, 'tls_certificate', report);
        if (m) out.set(secret.name, m);
      } else if (t.case === 'validationContext') {
        const ca = pemFrom(t.value.trustedCa, 'validation_context.trusted_ca', 'CERTIFICATE', report);
        if (ca) out.set(secret.name, { ca });
        else if (!t.value.trustedCa) report.add('validation_context', 'ignored', 'validation context without trusted_ca has nothing APISIX can use');
      } else {
        report.add(t.case ?? 'type', 'ignored', `secret type ${t.case ?? 'unset'} has no APISIX counterpart`);
      }
    } catch (err) {
      report.add('', 'dropped', `secret could not be translated: ${String(err)}`);
    }
    report.finish();
  }
  return out;
}

/** TlsCertificate -> cert/key PEM, or undefined (reported) when APISIX could not use it. */
export function tlsCertificateMaterial(tc: TlsCertificate, path: string, report: ReportSink): SecretMaterial | undefined {
  if (tc.pkcs12) report.add(`${path}.pkcs12`, 'dropped', 'PKCS#12 bundles are not supported; use PEM certificate_chain/private_key');
  if (tc.privateKeyProvider) report.add(`${path}.private_key_provider`, 'dropped', 'private key providers (HSM offload) have no APISIX counterpart');
  if (tc.ocspStaple || tc.signedCertificateTimestamp.length > 0) report.add(`${path}.ocsp_staple`, 'ignored', 'OCSP staples and SCTs are not configurable per certificate in APISIX');
  const cert = pemFrom(tc.certificateChain, `${path}.certificate_chain`, 'CERTIFICATE', report);
  const key = pemFrom(tc.privateKey, `${path}.private_key`, 'PRIVATE KEY', report);
  if (!cert || !key) return undefined;
  if (tc.password) report.add(`${path}.password`, 'dropped', 'encrypted private keys are not supported; provide an unencrypted PEM key');
  return { cert, key };
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** DataSource -> PEM text within APISIX's length limits, or undefined (reported). */
function pemFrom(ds: DataSource | undefined, path: string, what: string, report: ReportSink): string | undefined {
  const spec = ds?.specifier;
  if (!spec || spec.case === undefined) {
    report.add(path, 'dropped', `no ${what} given`);
    return undefined;
  }
  if (spec.case === 'filename' || spec.case === 'environmentVariable') {
    report.add(`${path}.${spec.case === 'filename' ? 'filename' : 'environment_variable'}`, 'dropped', `the translator is pure and reads no ${spec.case === 'filename' ? 'files' : 'environment'}: load the PEM inline (the loader or the agent can do it)`);
    return undefined;
  }
  const text = spec.case === 'inlineBytes' ? decoder.decode(spec.value) : spec.value;
  const min = what === 'PRIVATE KEY' ? 64 : 128;
  if (text.indexOf('-----BEGIN') < 0 || text.length < min || text.length > 65536) {
    const hint = text.startsWith('[redacted]') ? ' (redacted in a config dump)' : '';
    report.add(`${path}.${spec.case === 'inlineBytes' ? 'inline_bytes' : 'inline_string'}`, 'dropped', `not a usable PEM ${what}${hint}`);
    return undefined;
  }
  return text;
}

function describe(name: string): string {
  return name.length <= 256 ? name : `${name.slice(0, 240)}…${stableId('s', name).slice(-12)}`;
}

/** Istio's SDS names: the workload certificate and the mesh root CA (served by the agent). */
export const ISTIO_WORKLOAD_SECRET = 'default';
export const ISTIO_ROOT_CA_SECRET = 'ROOTCA';

/**
 * Server ssl objects for the certificate secrets: Istio's workload certificate answers any SNI
 * (what the sidecar's inbound mTLS listener does) and verifies clients against ROOTCA; other
 * certificates serve the DNS names of their subjectAltName. Certificates without DNS names get
 * none here: the listener side knows their SNIs (serverSslFor).
 */
export function serverSsls(materials: ReadonlyMap<string, SecretMaterial>, sinkFor: (name: string) => ReportSink): ApisixSsl[] {
  const out: ApisixSsl[] = [];
  for (const [name, m] of materials) {
    if (!m.cert || !m.key) continue;
    if (name === ISTIO_WORKLOAD_SECRET) {
      const ca = materials.get(ISTIO_ROOT_CA_SECRET)?.ca;
      const ssl = serverSslFor(name, m, [], ca);
      if (ssl) out.push(ssl);
      sinkFor(name).add(
        '',
        'approximated',
        `served for any SNI (sni "*"), as a sidecar's inbound mTLS listener does${ca ? '; client certificates are verified against ROOTCA (SAN/SPIFFE checks are left to authorization policies)' : '; ROOTCA is not in the snapshot, so client certificates are not verified'}`,
      );
      continue;
    }
    const names = certificateDnsNames(m.cert);
    const snis = (names ?? []).filter((n) => nodeHost(n.startsWith('*.') ? n.slice(2) : n) === (n.startsWith('*.') ? n.slice(2) : n));
    if (snis.length === 0) {
      sinkFor(name).add('tls_certificate.certificate_chain', 'ignored', `${names ? 'no DNS subjectAltName' : 'certificate not readable'}: no server ssl from this secret (the listener side can make one for its SNIs)`);
      continue;
    }
    const ssl = serverSslFor(name, m, snis);
    if (ssl) out.push(ssl);
  }
  return out;
}
