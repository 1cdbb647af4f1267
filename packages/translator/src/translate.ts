import type { Listener, RouteConfiguration } from '@amesh/proto';
import { emptyApisixConfig, type ApisixConfig, type ApisixRoute, type ApisixStreamRoute, type ApisixUpstream } from './apisix-types.js';
import { ClusterMemo, completeUpstream, translateClusterRefs, type ClusterSide } from './cluster-translator.js';
import type { FieldIssue } from './field-issue.js';
import type { SecretMaterial } from './secret-translator.js';
import { IdOrder } from './id-order.js';
import { sortById } from './sort-by-id.js';
import { sameItems, sameReport } from './same-items.js';
import { translateListeners } from './listener-translator.js';
import { linkScopes, scopeKey, type PortMatch } from './listener-scope.js';
import { emitRoutes, type EmitMemo } from './route-emitter.js';
import { translateRouteConfiguration, type ClusterLookup, type HttpScope, type VhostDraft, type VhostRecord } from './route-translator.js';
import { translateTcpChain, type TcpChain } from './stream-route-translator.js';
import type { ReportItem, TranslationReport } from './translation-report.js';
import { UpstreamVariants, type VariantMemo } from './upstream-variants.js';
import type { HostClaims } from './vhost-hosts.js';
import { refsOf, type XdsKind, type XdsRefs, type XdsResources } from './xds-resources.js';

export interface TranslateOptions {
  /**
   * How APISIX tells listeners apart (see README, "Listener ports"). `server_port` (default) adds
   * `["server_port","==",P]` to each route, plus `["server_addr","==",IP]` for listeners bound to
   * one IP (and the negation on the wildcard listener of that port): right when APISIX sees the
   * original destination (TPROXY interception, or listening on the service ports). `capture`
   * (REDIRECT interception to the capture ports, the sidecar's default) matches the capture port
   * of the listener's direction and the original port in the Host header. `none` adds no
   * condition (exact for a mesh whose HTTP routes do not differ by port or direction).
   */
  readonly portMatch?: PortMatch;
}

export interface TranslateResult {
  config: ApisixConfig;
  report: TranslationReport;
}

/**
 * Translates a consistent xDS snapshot into an APISIX configuration. Pure: no I/O, no logging,
 * no globals; the same input gives the same output, byte for byte. Never throws on bad input:
 * what cannot be translated is left out and described in the report.
 */
export function translate(xds: XdsResources, options: TranslateOptions = {}): TranslateResult {
  return runTranslation(refsOf(xds), options.portMatch ?? 'server_port', undefined);
}

/**
 * What an incremental translator keeps between runs (see createTranslator). Every part is keyed
 * by the identity of the messages it was made from, and checked against what it depended on.
 */
export class TranslationMemo {
  readonly clusters = new ClusterMemo();
  readonly variants: VariantMemo = new Map();
  readonly emitted: EmitMemo = new WeakMap();
  /** The listener stage of the last run and the messages it was made from. */
  listeners: { listeners: readonly Listener[]; routeConfigurations: readonly RouteConfiguration[]; stage: ListenerStage } | undefined;
  /** Per scope of the last run: its vhost records (complete = every vhost has one). */
  vhosts = new Map<HttpScope, (VhostRecord | undefined)[]>();
  vhostsComplete = false;
  readonly upstreamOrder = new IdOrder<ApisixUpstream>();
  readonly routeOrder = new IdOrder<ApisixRoute>();
  report: { raw: readonly ReportItem[]; sorted: ReportItem[] } | undefined;
  /** The last run's input and result, for updates that change only upstreams (see upstreamUpdate). */
  last: LastRun | undefined;
}

export interface LastRun {
  /** What was translated (kept, not copied: the caller does not mutate it, see Translator.translate). */
  input: XdsRefs;
  result: TranslateResult;
  secretMaterials: ReadonlyMap<string, SecretMaterial>;
  /**
   * Assignment name -> the clusters that took it, besides the cluster of the same name (whose
   * outcome tells: Istio names an EDS cluster's assignment after it, so this is nearly always empty).
   */
  otherUsersOfCla: Map<string, string[]>;
  /** False when the run had what an upstream-only update cannot redo (aggregates, repeated assignments). */
  upstreamOnly: boolean;
  /** Clusters used by stream routes through L4 variants, and clusters whose nodes a route read. */
  l4: Set<string>;
  nodeReaders: Set<string>;
}

/** Listeners -> scopes and TCP chains, with the report items it made. */
interface ListenerStage {
  scopes: HttpScope[];
  tcp: TcpChain[];
  items: ReportItem[];
}

/** The translation, one-shot (`memo` undefined) or reusing and refreshing what `memo` holds. */
export function runTranslation(xds: XdsRefs, portMatch: PortMatch, memo: TranslationMemo | undefined): TranslateResult {
  const report: ReportItem[] = [];
  const add = (kind: XdsKind, name: string, i: FieldIssue) => report.push({ kind, name, path: i.path, severity: i.severity, reason: i.reason });
  const clusterList = xds.clusters ?? [];

  let side: ClusterSide;
  let clusterFailure = false;
  try {
    side = translateClusterRefs(clusterList, xds.clusterLoadAssignments ?? [], xds.secrets ?? [], memo?.clusters, memo !== undefined);
  } catch (e) {
    add('Cluster', '*', { path: '', severity: 'dropped', reason: `cluster translation failed: ${(e as Error).message}` });
    side = { upstreams: new Map(), incomplete: new Set(), passthrough: new Set(), ssls: [], report: [], info: new Map(), secrets: new Map() };
    if (memo) memo.clusters.outcomes.clear();
    clusterFailure = true;
  }
  for (const r of side.report) report.push(r);

  let known: Set<string> | undefined;
  const clusters: ClusterLookup = {
    usable: (c) => completeUpstream(side, c),
    whyNot: (c) =>
      side.passthrough.has(c)
        ? 'passes through to the original destination, which APISIX cannot express'
        : (known ??= new Set(clusterList.map((x) => x.name))).has(c)
          ? 'has no endpoints yet'
          : 'is unknown',
  };
  const variants = memo
    ? new UpstreamVariants(side.upstreams, side.incomplete, memo.variants, (u) => memo.upstreamOrder.intern(u))
    : new UpstreamVariants(side.upstreams, side.incomplete);

  // Listeners -> scopes (route configuration per port) and TCP chains.
  const listeners = xds.listeners ?? [];
  const routeConfigurations = xds.routeConfigurations ?? [];
  const prevListeners = memo?.listeners;
  let stage: ListenerStage;
  // Same listeners and route configurations: same scopes, so the hosts each vhost claims are too.
  const sameTopology = prevListeners !== undefined && sameItems(prevListeners.listeners, listeners) && sameItems(prevListeners.routeConfigurations, routeConfigurations);
  if (sameTopology) {
    stage = prevListeners.stage;
    for (const item of stage.items) report.push(item);
  } else {
    const start = report.length;
    stage = listenerStage(listeners, routeConfigurations, add);
    if (memo) memo.listeners = { listeners, routeConfigurations, stage: { ...stage, items: report.slice(start) } };
  }

  const claims: HostClaims = new Map();
  const claimScopes = new Map<HttpScope, string>();
  const claimScope = (s: HttpScope): string => {
    let key = claimScopes.get(s);
    if (key === undefined) claimScopes.set(s, (key = scopeKey(s, portMatch)));
    return key;
  };
  const vhosts: VhostDraft[] = [];
  const reuseHosts = memo !== undefined && sameTopology && memo.vhostsComplete;
  const records = memo ? new Map<HttpScope, (VhostRecord | undefined)[]>() : undefined;
  let complete = true;
  const ctx = { clusters, variants, claims, claimScope, issue: (s: HttpScope, i: FieldIssue) => add(s.reportKind, s.reportName, i) };
  for (const scope of stage.scopes) {
    const recording = records && { log: report, previous: reuseHosts ? memo!.vhosts.get(scope) : undefined, next: [] as (VhostRecord | undefined)[] };
    try {
      // A loop, not push(...): a route configuration may hold more vhosts than a call takes arguments.
      for (const v of translateRouteConfiguration(scope, ctx, recording)) vhosts.push(v);
    } catch (e) {
      add(scope.reportKind, scope.reportName, { path: scope.reportPrefix, severity: 'dropped', reason: `internal error: ${(e as Error).message}` });
      complete = false;
    }
    if (recording) {
      if (recording.next.length !== scope.routeConfig.virtualHosts.length || recording.next.includes(undefined)) complete = false;
      records!.set(scope, recording.next);
    }
  }
  if (memo) {
    memo.vhosts = records!;
    memo.vhostsComplete = complete;
  }

  const streamRoutes: ApisixStreamRoute[] = [];
  for (const chain of stage.tcp) {
    const issues: FieldIssue[] = [];
    try {
      streamRoutes.push(...translateTcpChain(chain, clusters, (c) => variants.stream(c), issues));
    } catch (e) {
      issues.push({ path: chain.at, severity: 'dropped', reason: `internal error: ${(e as Error).message}` });
    }
    for (const i of issues) add('Listener', chain.listener, i);
  }

  const config = emptyApisixConfig();
  const upstreams = variants.resolve();
  const routes = memo ? emitRoutes(vhosts, portMatch, memo.emitted, (r) => memo.routeOrder.intern(r)) : emitRoutes(vhosts, portMatch);
  // Incremental runs first try last run's order: the same ids go to the same places, no sorting.
  config.upstreams = memo?.upstreamOrder.place(upstreams) ?? sortedById(upstreams, memo?.upstreamOrder);
  config.routes =
    memo?.routeOrder.place(routes) ??
    sortedById(routes, memo?.routeOrder, (r) =>
      add('RouteConfiguration', r.name ?? r.id, { path: '', severity: 'dropped', reason: `route ${r.id} (${r.desc ?? ''}) duplicates another route's id` }),
    );
  config.stream_routes = sortedById(streamRoutes);
  config.ssls = [...side.ssls];
  sortById(config.ssls);
  const result = { config, report: reportOf(report, memo) };
  if (memo) memo.last = clusterFailure ? undefined : lastRun(xds, result, side, memo, variants);
  return result;
}

function lastRun(xds: XdsRefs, result: TranslateResult, side: ClusterSide, memo: TranslationMemo, variants: UpstreamVariants): LastRun {
  const clas = xds.clusterLoadAssignments ?? [];
  const otherUsersOfCla = new Map<string, string[]>();
  let upstreamOnly = new Set(clas.map((c) => c.name)).size === clas.length;
  for (const [name, o] of memo.clusters.outcomes) {
    if (o.aggregate) upstreamOnly = false;
    if (o.claName === undefined || o.claName === name) continue;
    const users = otherUsersOfCla.get(o.claName);
    otherUsersOfCla.set(o.claName, users ? [...users, name] : [name]);
  }
  const nodeReaders = new Set<string>();
  for (const records of memo.vhosts.values()) {
    for (const r of records) if (r) for (const d of r.deps) if (d.nodes) nodeReaders.add(d.name);
  }
  return {
    input: xds,
    result,
    secretMaterials: side.secrets,
    otherUsersOfCla,
    upstreamOnly: upstreamOnly && memo.vhostsComplete,
    l4: new Set(variants.streamClusters()),
    nodeReaders,
  };
}

function listenerStage(listeners: readonly Listener[], routeConfigurations: readonly RouteConfiguration[], add: (kind: XdsKind, name: string, i: FieldIssue) => void): ListenerStage {
  const rcs = new Map<string, RouteConfiguration>();
  for (const rc of routeConfigurations) rcs.set(rc.name, rc);
  const ls = translateListeners(listeners, rcs, (name, i) => add('Listener', name, i));
  const scopes: HttpScope[] = ls.scopes;
  for (const rc of routeConfigurations) {
    if (ls.referenced.has(rc.name)) continue;
    if (listeners.length) {
      add('RouteConfiguration', rc.name, { path: '', severity: 'ignored', reason: 'no listener references this route configuration' });
      continue;
    }
    // Route configurations alone (no listeners in the input): served on the port their name says.
    const port = /^(?:.*:)?(\d{1,5})$/.exec(rc.name);
    scopes.push({ listener: '', port: port ? Number(port[1]) : undefined, routeConfig: rc, reportKind: 'RouteConfiguration', reportName: rc.name, reportPrefix: '' });
  }
  linkScopes(scopes);
  return { scopes, tcp: ls.tcp, items: [] };
}

/**
 * Sorted by id, each id once: the sort is stable, so repeats follow their first occurrence and
 * are dropped (reported through `dropped`) without a set of ids.
 */
function sortedById<T extends { id: string }>(list: T[], order?: IdOrder<T>, dropped?: (x: T) => void): T[] {
  sortById(list);
  let w = 0;
  for (let i = 0; i < list.length; i++) {
    const x = list[i]!;
    if (w > 0 && list[w - 1]!.id === x.id) {
      dropped?.(x);
      continue;
    }
    list[w++] = x;
  }
  list.length = w;
  order?.remember(list);
  return list;
}

/** The sorted report; an incremental run whose items equal last run's returns last run's list. */
function reportOf(raw: ReportItem[], memo: TranslationMemo | undefined): ReportItem[] {
  const prev = memo?.report;
  if (prev && prev.raw.length === raw.length && sameReport(raw, prev.raw)) return prev.sorted;
  const sorted = sortReport(raw.slice());
  if (memo) memo.report = { raw, sorted };
  return sorted;
}

/** Report in a stable order, each item once (a route configuration served on two ports reports once). */
function sortReport(report: ReportItem[]): ReportItem[] {
  report.sort((a, b) => cmp(a.kind, b.kind) || cmp(a.name, b.name) || cmp(a.path, b.path) || cmp(a.reason, b.reason) || cmp(a.severity, b.severity));
  // Equal items are adjacent after sorting: drop repeats without building keys.
  const out: ReportItem[] = [];
  let prev: ReportItem | undefined;
  for (const r of report) {
    if (prev && prev.kind === r.kind && prev.name === r.name && prev.path === r.path && prev.reason === r.reason && prev.severity === r.severity) continue;
    out.push(r);
    prev = r;
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
