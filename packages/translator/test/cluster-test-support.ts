// Builders and checks shared by the cluster-side specs (hand-built resources, schema validation).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import {
  ClusterLoadAssignmentSchema,
  ClusterSchema,
  HealthStatus,
  SecretSchema,
  UpstreamTlsContextSchema,
  type Cluster,
  type ClusterLoadAssignment,
  type Secret,
} from '@amesh/proto';
import { ApisixValidator } from '@amesh/schema';
import type { ClusterSide } from '../src/cluster-translator.js';

type LbEndpointInit = NonNullable<MessageInitShape<typeof ClusterLoadAssignmentSchema>['endpoints']>[number]['lbEndpoints'];

export interface EpSpec {
  host: string;
  port: number;
  weight?: number;
  health?: HealthStatus;
  tlsMode?: string;
}

export function lbEndpoints(eps: readonly EpSpec[]): NonNullable<LbEndpointInit> {
  return eps.map((e) => ({
    hostIdentifier: {
      case: 'endpoint' as const,
      value: { address: { address: { case: 'socketAddress' as const, value: { address: e.host, portSpecifier: { case: 'portValue' as const, value: e.port } } } } },
    },
    ...(e.weight !== undefined ? { loadBalancingWeight: e.weight } : {}),
    healthStatus: e.health ?? HealthStatus.HEALTHY,
    ...(e.tlsMode ? { metadata: { filterMetadata: { 'envoy.transport_socket_match': { tlsMode: e.tlsMode } } } } : {}),
  }));
}

export interface LocalitySpec {
  eps: EpSpec[];
  weight?: number;
  priority?: number;
  zone?: string;
}

export function cla(clusterName: string, localities: readonly LocalitySpec[]): ClusterLoadAssignment {
  return create(ClusterLoadAssignmentSchema, {
    clusterName,
    endpoints: localities.map((l) => ({
      locality: { zone: l.zone ?? '' },
      lbEndpoints: lbEndpoints(l.eps),
      ...(l.weight !== undefined ? { loadBalancingWeight: l.weight } : {}),
      priority: l.priority ?? 0,
    })),
  });
}

export type ClusterInit = Exclude<MessageInitShape<typeof ClusterSchema>, Cluster>;

export function edsCluster(name: string, extra: ClusterInit = {}): Cluster {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: 3 },
    edsClusterConfig: { serviceName: '' },
    connectTimeout: { seconds: 10n, nanos: 0 },
    ...extra,
  });
}

export function staticCluster(name: string, eps: EpSpec[], type = 0, extra: ClusterInit = {}): Cluster {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: type },
    loadAssignment: { clusterName: name, endpoints: [{ lbEndpoints: lbEndpoints(eps) }] },
    ...extra,
  });
}

/** An Istio-style transport_socket_matches pair: tlsMode-istio -> mTLS over SDS, else plaintext. */
export function istioTlsMatches(sni: string): ClusterInit['transportSocketMatches'] {
  const ctx = create(UpstreamTlsContextSchema, {
    sni,
    commonTlsContext: {
      alpnProtocols: ['istio-peer-exchange', 'istio'],
      tlsCertificateSdsSecretConfigs: [{ name: 'default' }],
      validationContextType: { case: 'combinedValidationContext', value: { validationContextSdsSecretConfig: { name: 'ROOTCA' } } },
    },
  });
  return [
    { name: 'tlsMode-istio', match: { tlsMode: 'istio' }, transportSocket: { name: 'envoy.transport_sockets.tls', configType: { case: 'typedConfig', value: anyPack(UpstreamTlsContextSchema, ctx) } } },
    { name: 'tlsMode-disabled', match: {}, transportSocket: { name: 'envoy.transport_sockets.raw_buffer' } },
  ];
}

/** A syntactically PEM-looking block long enough for APISIX's length checks (not a real key). */
export function fakePem(label: string, seed: string): string {
  const body = Buffer.from(`${seed}:`.repeat(40)).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

export function tlsSecret(name: string): Secret {
  return create(SecretSchema, {
    name,
    type: {
      case: 'tlsCertificate',
      value: {
        certificateChain: { specifier: { case: 'inlineString', value: fakePem('CERTIFICATE', name) } },
        privateKey: { specifier: { case: 'inlineBytes', value: new TextEncoder().encode(fakePem('PRIVATE KEY', name)) } },
      },
    },
  });
}

let validator: ApisixValidator | undefined;

/** Every upstream and ssl of a cluster side, checked against APISIX's schemas; returns violations. */
export function schemaViolations(side: ClusterSide): string[] {
  validator ??= new ApisixValidator();
  const out: string[] = [];
  for (const [name, u] of side.upstreams) {
    for (const v of validator.validate('upstream', u)) out.push(`upstream ${name}${v.path}: ${v.message}`);
  }
  for (const s of side.ssls) for (const v of validator.validate('ssl', s)) out.push(`ssl ${s.id}${v.path}: ${v.message}`);
  return out;
}

/** A real self-signed certificate from the openssl CLI (installed on this machine and in CI). */
export function opensslCertificate(subjectAltName?: string): { cert: string; key: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-cert-'));
  try {
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '1', '-subj', '/CN=amesh-test'];
    if (subjectAltName) args.push('-addext', `subjectAltName=${subjectAltName}`);
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore', timeout: 20_000 });
    return { cert: fs.readFileSync(path.join(dir, 'c.pem'), 'utf8'), key: fs.readFileSync(path.join(dir, 'k.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

