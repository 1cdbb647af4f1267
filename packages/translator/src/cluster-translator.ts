import type { Cluster, ClusterLoadAssignment, Secret } from '@amesh/proto';
import { Cluster_DiscoveryType } from '@amesh/proto';
import type { ApisixSsl, ApisixUpstream, ApisixUpstreamNode } from './apisix-types.js';
import { clusterFieldsReport } from './cluster-fields.js';
import { durationSeconds } from './duration.js';
import { nodesFromAssignment, type EndpointOptions } from './endpoint-translator.js';
import { checksFromCluster } from './health-checks.js';
import { httpProtocolOf } from './http-protocol.js';
import { stableId, upstreamIdFor } from './ids.js';
import { DEFAULT_HASH_KEY, lbFromCluster } from './lb-policy.js';
import { ReportSink } from './report-sink.js';
import { clientSslFor, secretMaterials, serverSsls, sslIdFor, tlsCertificateMaterial, type SecretMaterial } from './secret-translator.js';
import type { ReportItem } from './translation-report.js';
import { canonicalUpstream, fitName, MAX_DESC_LENGTH, MAX_NAME_LENGTH } from './upstream-variant.js';
import { AGGREGATE_CLUSTER_TYPE, aggregateChildren, aggregateNodes } from './aggregate-cluster.js';
import { anyTypeName } from './any-decode.js';
import { jsonEqual } from './json-equal.js';
import { sameItems } from './same-items.js';
import { ClusterRejected, clusterSockets, planWithoutEndpoints, type SocketPlan } from './upstream-tls.js';
import { refsOf, type XdsRef } from './xds-resources.js';

/** Local copy of the enum: the package re-export is a getter, read on every use (hot path). */
const DiscoveryType = { ...Cluster_DiscoveryType };

/** What the route side may want to know about a cluster beyond its upstream. */
export interface ClusterInfo {
  /** Envoy discovery type name (STATIC, STRICT_DNS, LOGICAL_DNS, EDS, ORIGINAL_DST, or AGGREGATE). */
  discovery: string;
  /** The upstream speaks TLS (scheme https/grpcs; use `tls` for stream routes). */
  tls: boolean;
  /** The upstream speaks HTTP/2 (scheme grpc/grpcs). */
  http2: boolean;
  /** The ssl id of the client certificate, when the cluster presents one. */
  clientSslId?: string;
}

export interface ClusterSide {
  /** Base upstream per Envoy cluster name (id = upstreamIdFor(cluster name)). Passthrough clusters have none. */
  upstreams: Map<string, ApisixUpstream>;
  /**
   * Clusters that have an upstream but are not complete (EDS clusters whose ClusterLoadAssignment
   * has not arrived, aggregates of those). Complete are the others with an upstream, and the
   * passthrough ones (see isComplete): a mesh's clusters are nearly all complete, so this set
   * is small and a lookup in it cheap.
   */
  incomplete: Set<string>;
  /** Clusters meaning "pass through to the original destination" (ORIGINAL_DST, PassthroughCluster). */
  passthrough: Set<string>;
  /** Client ssl objects the upstreams reference, and server ssl objects of the certificate secrets (sorted by id). */
  ssls: ApisixSsl[];
  report: ReportItem[];
  /** Per cluster name: TLS / HTTP/2 facts (kept by incremental runs); empty when not asked for. */
  info: Map<string, ClusterInfo>;
  /** PEM material of every usable Secret by name, for the listener side (serverSslFor). */
  secrets: Map<string, SecretMaterial>;
}

/** The cluster may be used now: an upstream with its endpoints, or a passthrough cluster. */
export function isComplete(side: ClusterSide, name: string): boolean {
  return side.upstreams.has(name) ? !side.incomplete.has(name) : side.passthrough.has(name);
}

/** The upstream of a complete cluster, else undefined (one lookup in the large map). */
export function completeUpstream(side: ClusterSide, name: string): ApisixUpstream | undefined {
  const u = side.upstreams.get(name);
  return u !== undefined && (side.incomplete.size === 0 || !side.incomplete.has(name)) ? u : undefined;
}

/** Every complete cluster (for tests and tools; the translation asks isComplete). */
export function completeClusters(side: ClusterSide): string[] {
  const out = [...side.passthrough];
  for (const name of side.upstreams.keys()) if (!side.incomplete.has(name)) out.push(name);
  return out;
}

/**
 * Istio's pass-through clusters; ORIGINAL_DST clusters of any name are pass-through too, except
 * Istio inbound clusters (`inbound|<port>||…`), which go to the local application.
 */
const PASSTHROUGH_NAMES = new Set(['PassthroughCluster', 'InboundPassthroughClusterIpv4', 'InboundPassthroughClusterIpv6', 'InboundPassthroughCluster']);
const DEFAULT_CONNECT_TIMEOUT = 5;
/** APISIX's own send/read defaults (nginx 60s); routes override them with their timeouts. */
const DEFAULT_IO_TIMEOUT = 60;
const MAX_WEIGHT = 1000;
const MAX_CHASH_WEIGHT = 100;

/**
 * What one cluster's translation did, kept by an incremental translator so that a cluster whose
 * message, assignment and the snapshot's secrets are the same objects as last time is replayed
 * instead of translated again (its upstream stays the same object).
 */
export interface ClusterOutcome {
  readonly cluster: XdsRef<Cluster>;
  /** The assignment the cluster asks for (EDS service name, else its own name), and the one there was. */
  readonly claKey: string;
  readonly cla: XdsRef<ClusterLoadAssignment> | undefined;
  upstream?: ApisixUpstream;
  complete: boolean;
  passthrough: boolean;
  info?: ClusterInfo;
  /** Report items of the cluster and of its assignment, in the order they were made. */
  items: ReportItem[];
  /** The assignment name it took (marked used on replay). */
  claName?: string;
  aggregate?: string[];
  clientSecret?: string;
  inlineSsl?: ApisixSsl;
}

/** Cluster outcomes across translations; owned by one incremental translator (no global state). */
export class ClusterMemo {
  secrets: readonly Secret[] = [];
  outcomes = new Map<string, ClusterOutcome>();
}

/** Clusters + endpoints + secrets -> upstreams and ssls. Pure; never throws on bad input. */
export function translateClusters(clusters: readonly Cluster[], clusterLoadAssignments: readonly ClusterLoadAssignment[], secrets: readonly Secret[]): ClusterSide {
  const refs = refsOf({ clusters, clusterLoadAssignments });
  return translateClusterRefs(refs.clusters, refs.clusterLoadAssignments, secrets);
}

/** translateClusters with clusters and assignments by reference, reusing and refreshing `memo`. */
export function translateClusterRefs(
  clusters: readonly XdsRef<Cluster>[],
  clusterLoadAssignments: readonly XdsRef<ClusterLoadAssignment>[],
  secrets: readonly Secret[],
  memo?: ClusterMemo,
  /** Fill `side.info` (default); translate's one-shot path reads none of it. */
  withInfo = true,
): ClusterSide {
  const report: ReportItem[] = [];
  const side: ClusterSide = {
    upstreams: new Map(),
    incomplete: new Set(),
    passthrough: new Set(),
    ssls: [],
    report,
    info: new Map(),
    secrets: secretMaterials(secrets, (name) => new ReportSink(report, 'Secret', name)),
  };
  // Filled last to first with one map operation per assignment (a mesh has one per service):
  // of repeated names the first assignment is set last, so it is the one kept; each repeat is
  // noticed by the map not growing. (Map order is then reversed: nothing depends on it.)
  const clas: Assignments = new Map();
  let repeats: string[] | undefined;
  for (let i = clusterLoadAssignments.length - 1; i >= 0; i--) {
    const cla = clusterLoadAssignments[i]!;
    const size = clas.size;
    if (clas.set(cla.name, { cla, used: false }).size === size) (repeats ??= []).push(cla.name);
  }
  if (repeats) {
    for (let k = repeats.length - 1; k >= 0; k--) {
      report.push({ kind: 'ClusterLoadAssignment', name: repeats[k]!, path: 'cluster_name', severity: 'dropped', reason: 'duplicate ClusterLoadAssignment; the first one is used' });
    }
  }
  const ssls = new Map<string, ApisixSsl>();
  const ctx: Context = { clas, side, ssls, secretSslIds: new Map(), missingSecrets: new Map(), aggregates: [], withInfo: withInfo || memo !== undefined };
  // Every cluster may read the secrets: when one changed, nothing of the last run is reused.
  const previous = memo && sameItems(memo.secrets, secrets) ? memo.outcomes : undefined;
  const outcomes = memo ? new Map<string, ClusterOutcome>() : undefined;
  const seen = new Set<string>();
  for (const ref of clusters) {
    const name = ref.name;
    const size = seen.size;
    // Added and tested in one set operation: a repeated name does not grow the set.
    if (!name || seen.add(name).size === size) {
      const sink = new ReportSink(report, 'Cluster', name);
      sink.add('name', 'dropped', name ? 'duplicate cluster name; the first one is used' : 'cluster without a name');
      sink.finish();
      continue;
    }
    if (!outcomes) {
      translateOne(ref.message(), ctx);
      continue;
    }
    let outcome = previous?.get(name);
    // Same reference and the same assignment as last time: replayed without decoding the message.
    if (outcome && outcome.cluster === ref && outcome.cla === clas.get(outcome.claKey)?.cla) replay(outcome, ctx);
    else {
      const cluster = ref.message();
      const claKey = sameString(edsServiceName(cluster), ref.name);
      const start = report.length;
      ctx.current = outcome = { cluster: ref, claKey, cla: clas.get(claKey)?.cla, complete: false, passthrough: false, items: [] };
      translateOne(cluster, ctx);
      ctx.current = undefined;
      outcome.items = report.slice(start);
      let upstream = side.upstreams.get(name);
      // Unchanged upstream (e.g. a cluster field APISIX does not use changed): keep its instance.
      const before = previous?.get(name)?.upstream;
      if (upstream && before && jsonEqual(before, upstream)) side.upstreams.set(name, (upstream = before));
      if (upstream) outcome.upstream = upstream;
      outcome.complete = isComplete(side, name);
      outcome.passthrough = side.passthrough.has(name);
      const info = side.info.get(name);
      if (info) outcome.info = info;
    }
    outcomes.set(name, outcome);
  }
  if (memo && outcomes) {
    memo.secrets = secrets;
    memo.outcomes = outcomes;
  }
  // Aggregate clusters last: they are made of the other clusters' upstreams.
  for (const { cluster, children } of ctx.aggregates) {
    const sink = new ReportSink(report, 'Cluster', cluster.name);
    guarded(cluster, side, sink, () => translateAggregate(cluster, children, ctx, sink));
    sink.finish();
  }
  for (const [secretName, users] of ctx.missingSecrets) {
    const material = side.secrets.get(secretName);
    report.push({
      kind: 'Secret',
      name: secretName,
      path: '',
      severity: 'approximated',
      reason: `not in the snapshot${material ? ' as a certificate with key' : ''} but used as client certificate by ${users.length} cluster(s) (${users.slice(0, 3).join(', ')}${users.length > 3 ? ', …' : ''}): their upstreams reference ssl ${sslIdFor(secretName, 'client')}, which whoever serves this secret (the agent, for Istio's "default") must provide`,
    });
  }
  let unused = false;
  for (const entry of clas.values()) if (!entry.used) unused = true;
  // In input order (the map's is reversed), each name once: where its first assignment is.
  if (unused) {
    for (const cla of clusterLoadAssignments) {
      const entry = clas.get(cla.name)!;
      if (entry.cla !== cla || entry.used) continue;
      report.push({ kind: 'ClusterLoadAssignment', name: cla.name, path: '', severity: 'ignored', reason: 'no EDS cluster uses this ClusterLoadAssignment' });
      entry.used = true; // reported: once, even if the same message is listed twice
    }
  }
  for (const ssl of serverSsls(side.secrets, (name) => new ReportSink(report, 'Secret', name))) ssls.set(ssl.id, ssl);
  side.ssls = [...ssls.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return side;
}

/**
 * One cluster translated on its own with its assignment, as `translateClusters` would (for an
 * incremental translator's upstream-only updates). Only for clusters whose last outcome shows no
 * aggregate and no client certificate: those read state shared with other clusters.
 */
export function retranslateCluster(ref: XdsRef<Cluster>, cla: XdsRef<ClusterLoadAssignment> | undefined, secrets: ReadonlyMap<string, SecretMaterial>): ClusterOutcome {
  const report: ReportItem[] = [];
  const side: ClusterSide = { upstreams: new Map(), incomplete: new Set(), passthrough: new Set(), ssls: [], report, info: new Map(), secrets: new Map(secrets) };
  const clas: Assignments = new Map();
  if (cla) clas.set(cla.name, { cla, used: false });
  const ctx: Context = { clas, side, ssls: new Map(), secretSslIds: new Map(), missingSecrets: new Map(), aggregates: [], withInfo: true };
  const name = ref.name;
  const cluster = ref.message();
  const outcome: ClusterOutcome = (ctx.current = { cluster: ref, claKey: sameString(edsServiceName(cluster), ref.name), cla, complete: false, passthrough: false, items: [] });
  translateOne(cluster, ctx);
  outcome.items = report;
  const upstream = side.upstreams.get(name);
  if (upstream) outcome.upstream = upstream;
  outcome.complete = isComplete(side, name);
  outcome.passthrough = side.passthrough.has(name);
  const info = side.info.get(name);
  if (info) outcome.info = info;
  return outcome;
}

function translateOne(cluster: Cluster, ctx: Context): void {
  const sink = new ReportSink(ctx.side.report, 'Cluster', cluster.name);
  // As guarded does, without a closure per cluster.
  try {
    translateCluster(cluster, ctx, sink);
  } catch (err) {
    dropFailed(cluster, ctx.side, sink, err);
  }
  sink.finish();
}

/** Does again what a recorded translation did to the shared state, without translating. */
function replay(o: ClusterOutcome, ctx: Context): void {
  const side = ctx.side;
  const name = o.cluster.name;
  for (const item of o.items) side.report.push(item);
  if (o.upstream) side.upstreams.set(name, o.upstream);
  if (o.upstream && !o.complete) side.incomplete.add(name);
  if (o.passthrough) side.passthrough.add(name);
  if (o.info) side.info.set(name, o.info);
  if (o.claName !== undefined) ctx.clas.get(o.claName)!.used = true;
  if (o.aggregate) ctx.aggregates.push({ cluster: o.cluster.message(), children: o.aggregate });
  if (o.clientSecret !== undefined) secretClientSsl(o.clientSecret, name, ctx);
  if (o.inlineSsl) ctx.ssls.set(o.inlineSsl.id, o.inlineSsl);
}

/** `s`, as the `known` string object when they are equal (the memo keeps one copy, not two). */
function sameString(s: string, known: string): string {
  return s === known ? known : s;
}

/** The ClusterLoadAssignment name an EDS cluster asks for (other clusters: their own name, unused). */
function edsServiceName(cluster: Cluster): string {
  return cluster.edsClusterConfig?.serviceName || cluster.name;
}

/** Runs one cluster's translation; whatever it throws drops that cluster only, reported. */
function guarded(cluster: Cluster, side: ClusterSide, sink: ReportSink, work: () => void): void {
  try {
    work();
  } catch (err) {
    dropFailed(cluster, side, sink, err);
  }
}

/** What a cluster whose translation threw leaves behind: nothing but its report item. */
function dropFailed(cluster: Cluster, side: ClusterSide, sink: ReportSink, err: unknown): void {
  side.upstreams.delete(cluster.name);
  side.incomplete.delete(cluster.name);
  side.info.delete(cluster.name);
  if (err instanceof ClusterRejected) sink.add(err.path, 'dropped', `cluster dropped: ${err.message}`);
  else sink.add('', 'dropped', `cluster could not be translated: ${err instanceof Error ? err.message : String(err)}`);
}

/** Assignments by cluster name (the first of repeated names), marked when an EDS cluster takes one. */
type Assignments = Map<string, { cla: XdsRef<ClusterLoadAssignment>; used: boolean }>;

interface Context {
  /** Whether side.info is filled. */
  withInfo: boolean;
  /** Assignments by cluster name, marked when an EDS cluster takes theirs. */
  clas: Assignments;
  side: ClusterSide;
  ssls: Map<string, ApisixSsl>;
  /** Client ssl id per referenced SDS secret name (computed once per run). */
  secretSslIds: Map<string, string>;
  /** Referenced secrets that are not in the snapshot: name -> the clusters that need them. */
  missingSecrets: Map<string, string[]>;
  /** Aggregate clusters, translated after every other cluster. */
  aggregates: { cluster: Cluster; children: string[] }[];
  /** The outcome being recorded, when an incremental translator keeps them. */
  current?: ClusterOutcome;
}

const DISCOVERY_NAMES: Record<number, string> = {
  [DiscoveryType.STATIC]: 'STATIC',
  [DiscoveryType.STRICT_DNS]: 'STRICT_DNS',
  [DiscoveryType.LOGICAL_DNS]: 'LOGICAL_DNS',
  [DiscoveryType.EDS]: 'EDS',
  [DiscoveryType.ORIGINAL_DST]: 'ORIGINAL_DST',
};

/**
 * ClusterInfo without a client certificate, one frozen object per combination (internal, read
 * only), instead of one per cluster that lives as long as the translation.
 */
const SHARED_INFO = new Map<string, ClusterInfo>(
  Object.values(DISCOVERY_NAMES).flatMap((discovery) =>
    [false, true].flatMap((tls) => [false, true].map((http2) => [infoKey(discovery, tls, http2), Object.freeze({ discovery, tls, http2 })] as const)),
  ),
);

function infoKey(discovery: string, tls: boolean, http2: boolean): string {
  return `${discovery}${tls ? '+tls' : ''}${http2 ? '+h2' : ''}`;
}

function sharedInfo(discovery: string, tls: boolean, http2: boolean): ClusterInfo {
  return SHARED_INFO.get(infoKey(discovery, tls, http2)) ?? { discovery, tls, http2 };
}

function translateCluster(cluster: Cluster, ctx: Context, sink: ReportSink): void {
  const name = cluster.name;
  const dt = cluster.clusterDiscoveryType;
  if (dt.case === 'clusterType') {
    const any = dt.value.typedConfig;
    if (any && anyTypeName(any) === AGGREGATE_CLUSTER_TYPE) {
      const children = aggregateChildren(any);
      if (children) {
        ctx.aggregates.push({ cluster, children });
        if (ctx.current) ctx.current.aggregate = children;
      }
      else sink.add('cluster_type.typed_config', 'dropped', 'corrupt aggregate ClusterConfig');
      return;
    }
    sink.add('cluster_type', 'dropped', `custom cluster type ${dt.value.name} (dynamic forward proxy, …) has no APISIX counterpart`);
    return;
  }
  const discovery = dt.case === 'type' ? dt.value : DiscoveryType.STATIC;
  const discoveryName = DISCOVERY_NAMES[discovery];
  if (!discoveryName) {
    sink.add('type', 'dropped', `unknown discovery type ${discovery}`);
    return;
  }
  clusterFieldsReport(cluster, sink);
  const inboundPort = discovery === DiscoveryType.ORIGINAL_DST ? istioInboundPort(name) : undefined;
  if (inboundPort === undefined && (discovery === DiscoveryType.ORIGINAL_DST || PASSTHROUGH_NAMES.has(name))) {
    ctx.side.passthrough.add(name);
    if (cluster.lbConfig.case === 'originalDstLbConfig' && (cluster.lbConfig.value.useHttpHeader || cluster.lbConfig.value.httpHeaderName)) {
      sink.add('original_dst_lb_config.use_http_header', 'ignored', 'APISIX cannot take the destination from a request header');
    }
    return;
  }

  const lb = lbFromCluster(cluster, sink);
  const sockets = clusterSockets(cluster, sink);
  const endpointOptions: EndpointOptions = {
    localityWeighted: lb.localityWeighted,
    maxWeight: lb.type === 'chash' ? MAX_CHASH_WEIGHT : MAX_WEIGHT,
    panicThreshold: lb.panicThreshold,
    firstOnly: discovery === DiscoveryType.LOGICAL_DNS,
    pathPrefix: discovery === DiscoveryType.EDS ? '' : 'load_assignment.',
    socketOf: sockets.socketOf,
  };

  let nodes: ApisixUpstreamNode[] = [];
  let nodeSockets: number[] | undefined;
  let complete = true;
  if (inboundPort !== undefined) {
    // Istio >= 1.10 delivers inbound traffic to the original destination (the pod IP) from
    // 127.0.0.6; APISIX has no original-destination upstream, so the local app is reached on
    // loopback, as Istio itself did before 1.10.
    nodes = [{ host: '127.0.0.1', port: inboundPort, weight: 1, priority: 0 }];
    sink.add('type', 'approximated', `ORIGINAL_DST inbound cluster -> 127.0.0.1:${inboundPort}: the application must listen on loopback or all interfaces`);
  } else if (discovery === DiscoveryType.EDS) {
    const serviceName = edsServiceName(cluster);
    const entry = ctx.clas.get(serviceName);
    if (entry) {
      entry.used = true;
      if (ctx.current) ctx.current.claName = serviceName;
      const cla = entry.cla.message();
      const claSink = new ReportSink(ctx.side.report, 'ClusterLoadAssignment', entry.cla.name);
      const r = nodesFromAssignment(cla, endpointOptions, claSink);
      claSink.finish();
      nodes = r.nodes;
      nodeSockets = r.sockets;
    } else complete = false;
  } else if (cluster.loadAssignment) {
    const r = nodesFromAssignment(cluster.loadAssignment, endpointOptions, sink);
    nodes = r.nodes;
    nodeSockets = r.sockets;
  }
  if (discovery === DiscoveryType.STRICT_DNS || discovery === DiscoveryType.LOGICAL_DNS) {
    sink.add('type', 'approximated', `${discoveryName}: APISIX resolves node hostnames with its own resolver (dns_lookup_family, dns_refresh_rate, respect_dns_ttl do not apply${discovery === DiscoveryType.STRICT_DNS ? '; one address per hostname is used' : ''})`);
  }
  if (complete && nodes.length === 0 && discovery !== DiscoveryType.EDS) {
    sink.add(cluster.loadAssignment ? 'load_assignment' : 'type', 'approximated', 'cluster has no usable endpoints: requests fail (Envoy answers 503 "no healthy upstream", APISIX 502/503)');
  }

  // One transport socket for the whole upstream: the one most endpoints need.
  let planIndex = sockets.plans.length - 1;
  if (sockets.socketOf) {
    if (nodeSockets && nodeSockets.length > 0) {
      const pick = pickPlan(sockets.plans, nodeSockets);
      planIndex = pick.index;
      const before = nodes.length;
      const perNode = nodeSockets;
      if (perNode.some((sock) => pick.keys[sock] !== pick.key)) nodes = nodes.filter((_, i) => pick.keys[perNode[i]!] === pick.key);
      if (nodes.length < before) {
        sink.add('transport_socket_matches', 'approximated', `${before - nodes.length} of ${before} endpoints need a different transport socket than the rest; APISIX has one scheme per upstream, so they were left out`);
      }
    } else planIndex = planWithoutEndpoints(cluster, sockets);
  }
  const plan = sockets.plans[planIndex]!;
  const http = httpProtocolOf(cluster, sink);
  const clientSslId = plan.tls ? clientCertificate(cluster, plan, ctx, sink) : undefined;

  let connect = durationSeconds(cluster.connectTimeout) ?? (cluster.connectTimeout ? 0 : DEFAULT_CONNECT_TIMEOUT);
  if (!(connect > 0)) {
    sink.add('connect_timeout', 'approximated', `connect_timeout must be > 0; ${DEFAULT_CONNECT_TIMEOUT}s (Envoy's default) is used`);
    connect = DEFAULT_CONNECT_TIMEOUT;
  }
  const checks = checksFromCluster(cluster, plan.tls, sink);
  // Keys in canonicalUpstream's order, built directly (hot path).
  const id = upstreamIdFor(name);
  const shortName = fitName(name, MAX_NAME_LENGTH);
  const desc = fitName(name, MAX_DESC_LENGTH);
  const scheme = plan.tls ? (http.http2 ? 'grpcs' : 'https') : http.http2 ? 'grpc' : 'http';
  const timeout = { connect, send: DEFAULT_IO_TIMEOUT, read: DEFAULT_IO_TIMEOUT };
  const upstream: ApisixUpstream =
    lb.type === 'chash'
      ? { id, name: shortName, desc, type: lb.type, hash_on: 'vars', key: DEFAULT_HASH_KEY, nodes, scheme, timeout }
      : { id, name: shortName, desc, type: lb.type, nodes, scheme, timeout };
  if (checks) upstream.checks = checks as unknown as Record<string, unknown>;
  if (clientSslId) upstream.tls = { client_cert_id: clientSslId };
  if (http.keepalive) upstream.keepalive_pool = http.keepalive;

  ctx.side.upstreams.set(name, upstream);
  if (!complete) ctx.side.incomplete.add(name);
  if (!ctx.withInfo) return;
  const info: ClusterInfo = clientSslId ? { discovery: discoveryName, tls: plan.tls, http2: http.http2, clientSslId } : sharedInfo(discoveryName, plan.tls, http.http2);
  ctx.side.info.set(name, info);
}

/** An aggregate cluster: its children's nodes, failing over in order, with the first child's settings. */
function translateAggregate(cluster: Cluster, children: readonly string[], ctx: Context, sink: ReportSink): void {
  const name = cluster.name;
  const { nodes, first } = aggregateNodes(children, ctx.side.upstreams, sink);
  if (!first) {
    sink.add('cluster_type.typed_config.clusters', 'dropped', 'no child cluster has an upstream');
    return;
  }
  sink.add('cluster_type', 'approximated', 'aggregate cluster -> one upstream with the children\'s nodes at successive priorities; load balancing, timeouts and TLS of the first usable child apply to all');
  const upstream = canonicalUpstream({ ...first, id: upstreamIdFor(name), name: fitName(name, MAX_NAME_LENGTH), desc: fitName(name, MAX_DESC_LENGTH), nodes });
  ctx.side.upstreams.set(name, upstream);
  // Envoy skips children it does not know; the known ones must have their endpoints.
  if (!children.every((c) => !ctx.side.upstreams.has(c) || !ctx.side.incomplete.has(c))) ctx.side.incomplete.add(name);
  const firstInfo = [...children].map((c) => ctx.side.info.get(c)).find((i) => i !== undefined);
  if (firstInfo) ctx.side.info.set(name, { ...firstInfo, discovery: 'AGGREGATE' });
}

/** The port of an Istio inbound cluster name `inbound|<port>|<subset>|<host>`, if it is one. */
function istioInboundPort(name: string): number | undefined {
  if (!name.startsWith('inbound|')) return undefined;
  const end = name.indexOf('|', 8);
  const text = end < 0 ? '' : name.slice(8, end);
  const port = text.length > 0 && text.length <= 5 && /^[0-9]+$/.test(text) ? Number(text) : 0;
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** The plan most endpoints need (ties: TLS first, then match order). Plans that act alike share a key. */
function pickPlan(plans: readonly SocketPlan[], nodeSockets: readonly number[]): { index: number; key: string; keys: string[] } {
  const keys = plans.map(planKey);
  const first = nodeSockets[0]!;
  let uniform = true;
  for (let i = 1; i < nodeSockets.length && uniform; i++) if (keys[nodeSockets[i]!] !== keys[first]) uniform = false;
  if (uniform) return { index: first, key: keys[first]!, keys };
  const counts = new Map<string, number>();
  for (const s of nodeSockets) counts.set(keys[s]!, (counts.get(keys[s]!) ?? 0) + 1);
  let best = -1;
  let bestCount = -1;
  for (let i = 0; i < plans.length; i++) {
    const c = counts.get(keys[i]!) ?? 0;
    if (c > bestCount || (c === bestCount && plans[i]!.tls && !plans[best]!.tls)) {
      best = i;
      bestCount = c;
    }
  }
  return { index: best, key: keys[best]!, keys };
}

function planKey(p: SocketPlan): string {
  if (!p.tls) return 'plain';
  if (p.clientSecret !== undefined) return `tls sds ${p.clientSecret}`;
  return p.inlineCert ? `tls inline ${p.path}` : 'tls';
}

/** The client certificate ssl for a TLS plan: from an SDS secret (or its stable id) or inline. */
function clientCertificate(cluster: Cluster, plan: SocketPlan, ctx: Context, sink: ReportSink): string | undefined {
  if (plan.clientSecret !== undefined) {
    if (ctx.current) ctx.current.clientSecret = plan.clientSecret;
    return secretClientSsl(plan.clientSecret, cluster.name, ctx);
  }
  if (plan.inlineCert) {
    const tc = plan.inlineCert.context.commonTlsContext!.tlsCertificates[0]!;
    const material = tlsCertificateMaterial(tc, plan.inlineCert.path, sink);
    const id = stableId('s', 'client-inline', cluster.name);
    const ssl = material ? clientSslFor(id, `${cluster.name} inline client certificate`, material) : undefined;
    if (!ssl) return undefined;
    ctx.ssls.set(id, ssl);
    if (ctx.current) ctx.current.inlineSsl = ssl;
    return id;
  }
  return undefined;
}

/** The client ssl id of an SDS secret, making its ssl object once per run (or noting it missing). */
function secretClientSsl(secretName: string, clusterName: string, ctx: Context): string {
  let id = ctx.secretSslIds.get(secretName);
  if (id === undefined) {
    id = sslIdFor(secretName, 'client');
    ctx.secretSslIds.set(secretName, id);
    const material = ctx.side.secrets.get(secretName);
    const ssl = material ? clientSslFor(id, secretName, material) : undefined;
    if (ssl) ctx.ssls.set(id, ssl);
    else ctx.missingSecrets.set(secretName, []);
  }
  // One report item per missing secret (on the Secret), naming the clusters that need it.
  ctx.missingSecrets.get(secretName)?.push(clusterName);
  return id;
}

