import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import forge from 'node-forge';
import { IstioCertificateService, type IstioCertificateRequest } from '@amesh/proto/gen/amesh/istio_ca_pb';

/**
 * A small CA speaking istiod's CreateCertificate contract, for tests and demos where there is no
 * istiod. It checks what istiod checks first (bearer token, ClusterID, the CSR's signature and its
 * single SPIFFE URI) and signs with a root it generates; it is not a production CA (no token
 * review, no identity-to-token binding beyond `identities`).
 */
export interface LocalIstioCaOptions {
  /** Bearer token required in `authorization`; unset accepts any (and none). */
  token?: string;
  /** Required `ClusterID` header; unset accepts any. */
  clusterId?: string;
  /** SPIFFE URIs it will sign; unset signs any `spiffe://` URI. */
  identities?: readonly string[];
  /** Longest lifetime issued (s), default 24 h; shorter requests are honoured. */
  maxValiditySeconds?: number;
  host?: string;
  port?: number;
}

export interface LocalIstioCa {
  /** `grpcs://127.0.0.1:<port>`. */
  readonly url: string;
  /** PEM root: trust it for the connection (caFile) and expect it as ROOTCA. */
  readonly rootCert: string;
  /** Requests answered with a certificate, and refused ones with their reason. */
  readonly issued: { uri: string; validitySeconds: number; serialNumber: string }[];
  readonly refused: string[];
  /** Changes the token it accepts (to simulate a revoked/rotated token or an auth outage). */
  setToken(token: string | undefined): void;
  close(): Promise<void>;
}

interface KeyPair {
  key: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
}

const DEFAULT_MAX_VALIDITY_SECONDS = 24 * 3600;

export async function startLocalIstioCa(options: LocalIstioCaOptions = {}): Promise<LocalIstioCa> {
  const host = options.host ?? '127.0.0.1';
  const root = newKeyPair();
  const rootSubject = [{ name: 'organizationName', value: 'amesh local CA' }];
  const rootCert = sign(root.publicKey, root.key, rootSubject, rootSubject, 3650 * 86400, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  const serving = newKeyPair();
  const servingCert = sign(serving.publicKey, root.key, [{ name: 'commonName', value: host }], rootSubject, 3650 * 86400, [
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, /^[\d.]+$/.test(host) ? { type: 7, ip: host } : { type: 2, value: host }] },
  ]);
  const rootPem = forge.pki.certificateToPem(rootCert);
  let token = options.token;
  const issued: LocalIstioCa['issued'] = [];
  const refused: string[] = [];
  const maxValidity = options.maxValiditySeconds ?? DEFAULT_MAX_VALIDITY_SECONDS;

  const createCertificate = (req: IstioCertificateRequest, ctx: HandlerContext) => {
    try {
      if (token !== undefined && ctx.requestHeader.get('authorization') !== `Bearer ${token}`) {
        throw new ConnectError('bearer token missing or not accepted', Code.Unauthenticated);
      }
      if (options.clusterId !== undefined && ctx.requestHeader.get('clusterid') !== options.clusterId) {
        throw new ConnectError(`ClusterID header ${JSON.stringify(ctx.requestHeader.get('clusterid'))} is not ${options.clusterId}`, Code.Unauthenticated);
      }
      let csr: forge.pki.CertificateSigningRequest;
      try {
        csr = forge.pki.certificationRequestFromPem(req.csr);
      } catch (err) {
        throw new ConnectError(`csr is not a PEM PKCS#10 request: ${(err as Error).message}`, Code.InvalidArgument);
      }
      if (!csr.verify()) throw new ConnectError('csr signature does not verify', Code.InvalidArgument);
      const uris = csrUris(csr);
      if (uris.length !== 1 || !uris[0]!.startsWith('spiffe://')) throw new ConnectError(`csr must carry exactly one spiffe:// URI SAN, has ${JSON.stringify(uris)}`, Code.InvalidArgument);
      const uri = uris[0]!;
      if (options.identities && !options.identities.includes(uri)) throw new ConnectError(`not authorized for ${uri}`, Code.PermissionDenied);
      const requested = Number(req.validityDuration);
      const validity = requested > 0 ? Math.min(requested, maxValidity) : maxValidity;
      const leaf = sign(csr.publicKey as forge.pki.rsa.PublicKey, root.key, [], rootSubject, validity, [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
        // An empty subject makes the SAN the identity, hence critical (RFC 5280 4.2.1.6).
        { name: 'subjectAltName', critical: true, altNames: [{ type: 6, value: uri }] },
      ]);
      issued.push({ uri, validitySeconds: validity, serialNumber: leaf.serialNumber });
      return { certChain: [forge.pki.certificateToPem(leaf), rootPem] };
    } catch (err) {
      refused.push((err as Error).message);
      throw err;
    }
  };

  const handler = connectNodeAdapter({ routes: (router) => router.service(IstioCertificateService, { createCertificate }) });
  const server = http2.createSecureServer(
    { cert: forge.pki.certificateToPem(servingCert), key: forge.pki.privateKeyToPem(serving.key), allowHTTP1: false },
    handler,
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve((server.address() as AddressInfo).port));
  });
  return {
    url: `grpcs://${host}:${port}`,
    rootCert: rootPem,
    issued,
    refused,
    setToken: (t) => void (token = t),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function newKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { key, publicKey: forge.pki.rsa.setPublicKey(key.n, key.e) };
}

function sign(
  publicKey: forge.pki.rsa.PublicKey,
  issuerKey: forge.pki.rsa.PrivateKey,
  subject: forge.pki.CertificateField[],
  issuer: forge.pki.CertificateField[],
  validitySeconds: number,
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive 128-bit serial (leading byte below 0x80).
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  const now = Date.now();
  // X.509 times have second precision: start at the current second so the lifetime is not cut short.
  cert.validity.notBefore = new Date(Math.floor(now / 1000) * 1000);
  cert.validity.notAfter = new Date(Math.floor(now / 1000) * 1000 + validitySeconds * 1000);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  cert.setExtensions(extensions);
  cert.sign(issuerKey, forge.md.sha256.create());
  return cert;
}

function csrUris(csr: forge.pki.CertificateSigningRequest): string[] {
  const req = csr.getAttribute({ name: 'extensionRequest' }) as { extensions?: { name: string; altNames?: { type: number; value?: string }[] }[] } | null;
  const san = req?.extensions?.find((e) => e.name === 'subjectAltName');
  return (san?.altNames ?? []).filter((n) => n.type === 6 && n.value !== undefined).map((n) => n.value!);
}
