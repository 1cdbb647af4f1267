import * as fs from 'node:fs';
import { create, type JsonObject, type JsonValue } from '@bufbuild/protobuf';
import { NodeSchema, type Node } from '@amesh/proto';

export type Env = Readonly<Record<string, string | undefined>>;

export interface IstioNodeOptions {
  /** Node type: `sidecar` (default) or `router` for gateways. */
  type?: 'sidecar' | 'router';
  /** Overrides the amesh version reported as user agent version. */
  version?: string;
  /** Where pilot-agent reads pod labels (downward API); used when ISTIO_METAJSON_LABELS is unset. */
  labelsFile?: string;
}

/** Identity and addressing from the environment, as Istio's injector sets it on the proxy container. */
export interface IstioIdentity {
  podName: string;
  namespace: string;
  ip: string;
  instanceIps: string[];
  serviceAccount: string;
  clusterId: string;
  domain: string;
}

function required(env: Env, names: string[], what: string): string {
  for (const name of names) if (env[name]) return env[name]!;
  throw new Error(`Istio identity: ${what} is unknown; set ${names.join(' or ')} (the sidecar injector sets it from the downward API)`);
}

export function istioIdentityFromEnv(env: Env = process.env): IstioIdentity {
  const podName = required(env, ['POD_NAME'], 'the pod name');
  const namespace = required(env, ['POD_NAMESPACE'], 'the pod namespace');
  const ip = required(env, ['INSTANCE_IP'], 'the pod IP');
  const instanceIps = (env.INSTANCE_IPS ?? ip).split(',').map((s) => s.trim()).filter(Boolean);
  return {
    podName,
    namespace,
    ip,
    instanceIps: instanceIps.includes(ip) ? instanceIps : [ip, ...instanceIps],
    serviceAccount: env.SERVICE_ACCOUNT ?? 'default',
    clusterId: env.ISTIO_META_CLUSTER_ID ?? env.CLUSTER_ID ?? 'Kubernetes',
    domain: `${namespace}.svc.${env.DNS_DOMAIN ?? 'cluster.local'}`,
  };
}

/** Kubernetes downward-API labels file: `key="value"` per line. */
export function parseLabelsFile(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const raw = line.slice(eq + 1).trim();
    labels[line.slice(0, eq).trim()] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  return labels;
}

function parseJson(name: string, text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new Error(`${name} is not valid JSON (${(err as Error).message}); pilot-agent expects ISTIO_METAJSON_* values to be JSON`);
  }
}

/**
 * The Node istiod expects from a sidecar, as pilot-agent builds it: id
 * `sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local`, cluster `<app>.<ns>`, and metadata with the
 * well-known keys plus every ISTIO_META_* (string) and ISTIO_METAJSON_* (JSON) variable.
 */
export function buildIstioNode(env: Env = process.env, options: IstioNodeOptions = {}): Node {
  const id = istioIdentityFromEnv(env);
  const metadata: JsonObject = {};
  let labels: JsonObject = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (key.startsWith('ISTIO_METAJSON_')) {
      const parsed = parseJson(key, value);
      if (key === 'ISTIO_METAJSON_LABELS' && parsed && typeof parsed === 'object' && !Array.isArray(parsed)) labels = parsed;
      else metadata[key.slice('ISTIO_METAJSON_'.length)] = parsed;
    } else if (key.startsWith('ISTIO_META_')) {
      metadata[key.slice('ISTIO_META_'.length)] = value;
    }
  }
  const labelsFile = options.labelsFile ?? '/etc/istio/pod/labels';
  if (Object.keys(labels).length === 0 && fs.existsSync(labelsFile)) labels = parseLabelsFile(fs.readFileSync(labelsFile, 'utf8'));
  const app = (labels['service.istio.io/canonical-name'] ?? labels.app ?? labels['app.kubernetes.io/name']) as string | undefined;
  const workload = (metadata.WORKLOAD_NAME as string | undefined) ?? id.podName.replace(/-[a-z0-9]{5}$/, '').replace(/-[a-f0-9]{8,10}$/, '');
  Object.assign(metadata, {
    ISTIO_VERSION: env.ISTIO_VERSION ?? metadata.ISTIO_VERSION ?? '1.24.0',
    NAMESPACE: id.namespace,
    NAME: id.podName,
    LABELS: labels,
    INSTANCE_IPS: id.instanceIps.join(','),
    SERVICE_ACCOUNT: id.serviceAccount,
    CLUSTER_ID: id.clusterId,
    MESH_ID: metadata.MESH_ID ?? env.TRUST_DOMAIN ?? 'cluster.local',
    INTERCEPTION_MODE: metadata.INTERCEPTION_MODE ?? 'REDIRECT',
    WORKLOAD_NAME: workload,
    OWNER: metadata.OWNER ?? `kubernetes://apis/apps/v1/namespaces/${id.namespace}/deployments/${workload}`,
    ENVOY_STATUS_PORT: 15021,
    ENVOY_PROMETHEUS_PORT: 15090,
    PILOT_SAN: metadata.PILOT_SAN ?? [`spiffe://${env.TRUST_DOMAIN ?? 'cluster.local'}/ns/istio-system/sa/istiod`],
    PROXY_CONFIG: metadata.PROXY_CONFIG ?? { discoveryAddress: env.PILOT_ADDRESS ?? 'istiod.istio-system.svc:15012' },
  });
  const type = options.type ?? 'sidecar';
  return create(NodeSchema, {
    id: `${type}~${id.ip}~${id.podName}.${id.namespace}~${id.domain}`,
    cluster: app ? `${app}.${id.namespace}` : 'istio-proxy',
    metadata,
    userAgentName: 'amesh',
    userAgentVersionType: { case: 'userAgentVersion', value: options.version ?? '0.1.0' },
  });
}
