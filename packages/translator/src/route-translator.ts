import type { Any } from '@bufbuild/protobuf/wkt';
import type { HeaderValueOption, RetryPolicy, Route, RouteAction, RouteConfiguration, VirtualHost, WeightedCluster_ClusterWeight } from '@amesh/proto';
import type { ApisixTimeout, ApisixUpstream } from './apisix-types.js';
import type { FieldIssue } from './field-issue.js';
import type { CaptureScope } from './listener-scope.js';
import type { ReportItem } from './translation-report.js';
import { durationSeconds as seconds } from './duration.js';
import { hasKeys } from './has-keys.js';
import { corsPlugin } from './plugins/cors.js';
import { directResponsePlugin } from './plugins/fault-injection.js';
import { mergeHeaderMutations, requestHeadersConfig, responseHeadersConfig, type HeaderSource } from './plugins/header-mutation.js';
import { perFilterPlugins } from './plugins/per-filter-config.js';
import { proxyMirrorPlugin } from './plugins/proxy-mirror.js';
import { rewriteConfig } from './plugins/proxy-rewrite.js';
import { redirectPlugin } from './plugins/redirect.js';
import { sharedRouteMatch, snake, translateRouteMatch, type TranslatedMatch } from './route-match.js';
import { orderingMode, type OrderingMode } from './route-ordering.js';
import { upstreamParamsFor } from './route-upstream-params.js';
import type { UpstreamRef, UpstreamVariants } from './upstream-variants.js';
import { vhostHosts, type HostClaims } from './vhost-hosts.js';

/** Where a RouteConfiguration is served: one listener port (undefined when no listener says). */
export interface HttpScope {
  readonly listener: string;
  readonly port: number | undefined;
  /** The listener's bind address when it is a specific one (not 0.0.0.0 / ::). */
  readonly address?: string;
  /** For wildcard scopes: addresses that have their own listener on this port. */
  excludeAddresses?: string[];
  /** Direction and Host-port defaults, for portMatch `capture` (absent: outbound, port 80). */
  readonly capture?: CaptureScope;
  /** The HCM strips the Host port before matching domains (strip_matching/any_host_port). */
  readonly hostPortIgnored?: boolean;
  /** Filter-level configs of the HCM's http_filters (fault, local_ratelimit), by filter name. */
  readonly filterDefaults?: { readonly [filter: string]: Any };
  readonly routeConfig: RouteConfiguration;
  /** Report target: the resource that holds the route config, and the path prefix inside it. */
  readonly reportKind: 'RouteConfiguration' | 'Listener';
  readonly reportName: string;
  readonly reportPrefix: string;
}

/** What the route side needs from the cluster side. */
export interface ClusterLookup {
  /** The base upstream of a cluster that may be used now (complete), else undefined. */
  usable(cluster: string): ApisixUpstream | undefined;
  /** Why a cluster cannot be used (for the report). */
  whyNot(cluster: string): string;
  /**
   * Like `usable`, for callers that read the upstream's nodes (a mirror target). Route drafts
   * otherwise read only an upstream's id, type and connect timeout, so an incremental translator
   * need not redo them when only endpoints change. Defaults to `usable`.
   */
  usableWithNodes?(cluster: string): ApisixUpstream | undefined;
}

/** The upstream fields route drafts read (besides nodes, read through `usableWithNodes` only). */
export function sameRouteFacet(a: ApisixUpstream, b: ApisixUpstream): boolean {
  return a === b || (a.id === b.id && a.type === b.type && a.timeout?.connect === b.timeout?.connect);
}

/** A translated Envoy route, before ids of upstream variants are known. */
export interface RouteDraft {
  readonly index: number;
  readonly idKey: string;
  readonly name: string;
  readonly match: TranslatedMatch;
  readonly plugins: Record<string, Record<string, unknown>>;
  readonly upstream?: UpstreamRef;
  readonly weighted?: readonly { ref: UpstreamRef; weight: number }[];
  readonly timeout?: ApisixTimeout;
  readonly websocket: boolean;
}

export interface VhostDraft {
  readonly scope: HttpScope;
  readonly vhostIndex: number;
  readonly vhostKey: string;
  readonly hosts: readonly string[];
  /** The vhost matches any authority (`*` among its domains): its routes are also emitted host-less. */
  readonly anyHost: boolean;
  readonly mode: OrderingMode;
  readonly routes: readonly RouteDraft[];
  /** Some route always matches (no conditions, key `/`): no request can fall through this vhost. */
  readonly catchAll: boolean;
}

export interface RouteSideContext {
  readonly clusters: ClusterLookup;
  readonly variants: UpstreamVariants;
  readonly claims: HostClaims;
  /** Which claims a scope shares with others (scopes that can see the same requests). */
  readonly claimScope: (scope: HttpScope) => string;
  readonly issue: (scope: HttpScope, issue: FieldIssue) => void;
}

/** Envoy's default route timeout when `timeout` is unset. */
const DEFAULT_ROUTE_TIMEOUT = 15;
/** APISIX's own connect timeout default, used when a route timeout must name one. */
const DEFAULT_CONNECT_TIMEOUT = 60;

/**
 * One virtual host's translation in one scope, kept by an incremental translator. The host part
 * (domains, claims, vhost-level report) depends only on the route configurations and scopes; the
 * route part also on what the cluster side said about the clusters it looked up (`deps`).
 */
export interface VhostRecord {
  readonly vh: VirtualHost;
  readonly hostItems: readonly ReportItem[];
  /** Undefined when the vhost was dropped (no usable domain) or failed. */
  readonly draft: VhostDraft | undefined;
  readonly deps: readonly ClusterDep[];
  readonly routeItems: readonly ReportItem[];
  readonly refs: readonly UpstreamRef[];
}

/** What a lookup of one cluster answered: its usable upstream, or why there is none. */
export interface ClusterDep {
  readonly name: string;
  readonly upstream: ApisixUpstream | undefined;
  readonly why: string | undefined;
  /** The nodes were read too: any change of the upstream matters, not only its route facet. */
  readonly nodes: boolean;
}

/** Recording for an incremental translator: the report as it is made, last run's records, this run's. */
export interface VhostRecording {
  /** The report array `ctx.issue` appends to (items are sliced off it per vhost). */
  readonly log: ReportItem[];
  /** Records of this scope from the last run, when the scopes and claims cannot have changed. */
  readonly previous: readonly (VhostRecord | undefined)[] | undefined;
  readonly next: (VhostRecord | undefined)[];
}

/** One RouteConfiguration in one scope -> virtual host drafts. Never throws: bad parts are reported. */
export function translateRouteConfiguration(scope: HttpScope, ctx: RouteSideContext, recording?: VhostRecording): VhostDraft[] {
  const rc = scope.routeConfig;
  const out: VhostDraft[] = [];
  const seenVhostNames = new Set<string>();
  const report = (issue: FieldIssue) => ctx.issue(scope, scope.reportPrefix ? { ...issue, path: scope.reportPrefix + issue.path } : issue);
  if (rc.internalOnlyHeaders.length) report({ path: 'internal_only_headers', severity: 'ignored', reason: 'internal-only headers are not stripped from external requests' });
  if (rc.requestMirrorPolicies.length) report({ path: 'request_mirror_policies', severity: 'ignored', reason: 'route-configuration-wide mirroring not translated (route and vhost level are)' });
  for (let i = 0; i < rc.virtualHosts.length; i++) {
    const vh = rc.virtualHosts[i]!;
    // Added and tested in one set operation: a repeated name does not grow the set.
    const size = seenVhostNames.size;
    const vhostKey = seenVhostNames.add(vh.name).size === size ? `${vh.name}#${i}` : vh.name;
    if (!recording) {
      const draft = translateVhost(scope, rc, vh, i, vhostKey, ctx, report);
      if (draft) out.push(draft);
      continue;
    }
    const log = recording.log;
    const prev = recording.previous?.[i];
    if (prev && prev.vh === vh) {
      for (const item of prev.hostItems) log.push(item);
      if (!prev.draft || depsHold(prev.deps, ctx.clusters)) {
        for (const item of prev.routeItems) log.push(item);
        for (const ref of prev.refs) ctx.variants.adopt(ref);
        if (prev.draft) out.push(prev.draft);
        recording.next[i] = prev;
        continue;
      }
      // Same hosts, but a cluster it uses changed: only its routes are translated again.
      const rec = recordRoutes(prev.draft, vh, rc, scope, ctx, report, log);
      recording.next[i] = rec && vhostRecord(vh, prev.hostItems, rec);
      if (rec?.draft) out.push(rec.draft);
      continue;
    }
    const start = log.length;
    let hostItems: readonly ReportItem[] = NONE;
    let host: VhostHost | undefined;
    try {
      host = vhostHost(scope, rc, vh, i, vhostKey, ctx, report);
    } catch (e) {
      report({ path: `virtual_hosts[${i}]`, severity: 'dropped', reason: `internal error: ${(e as Error).message}` });
      recording.next[i] = undefined;
      continue;
    }
    hostItems = kept(log, start);
    if (!host) {
      recording.next[i] = { vh, hostItems, draft: undefined, deps: NONE, routeItems: NONE, refs: NONE };
      continue;
    }
    const rec = recordRoutes(host, vh, rc, scope, ctx, report, log);
    recording.next[i] = rec && vhostRecord(vh, hostItems, rec);
    if (rec?.draft) out.push(rec.draft);
  }
  return out;
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * What a vhost record keeps of a list, from `start`: an exact-size copy (an array grown by push
 * holds room for 16 more), or one shared empty list (most vhosts report nothing).
 */
function kept<T>(list: readonly T[], start = 0): readonly T[] {
  return list.length > start ? list.slice(start) : NONE;
}

/** Every field in one literal, not spread in: a spread adds the rest out of line (an extra array per record). */
function vhostRecord(vh: VirtualHost, hostItems: readonly ReportItem[], rec: Pick<VhostRecord, 'draft' | 'deps' | 'routeItems' | 'refs'>): VhostRecord {
  return { vh, hostItems, draft: rec.draft, deps: rec.deps, routeItems: rec.routeItems, refs: rec.refs };
}

/** The part of a vhost draft its domains decide. */
type VhostHost = Pick<VhostDraft, 'vhostIndex' | 'vhostKey' | 'hosts' | 'anyHost'>;

/** Whether every cluster lookup a vhost made would answer the same now. */
function depsHold(deps: readonly ClusterDep[], clusters: ClusterLookup): boolean {
  for (const d of deps) {
    const u = clusters.usable(d.name);
    if (u === undefined || d.upstream === undefined) {
      if (u !== d.upstream || clusters.whyNot(d.name) !== d.why) return false;
    } else if (d.nodes ? u !== d.upstream : !sameRouteFacet(u, d.upstream)) return false;
  }
  return true;
}

/** Translates a vhost's routes, noting the cluster lookups, upstream refs and report items made. */
function recordRoutes(
  host: VhostHost,
  vh: VirtualHost,
  rc: RouteConfiguration,
  scope: HttpScope,
  ctx: RouteSideContext,
  report: (issue: FieldIssue) => void,
  log: ReportItem[],
): Pick<VhostRecord, 'draft' | 'deps' | 'routeItems' | 'refs'> | undefined {
  const deps: ClusterDep[] = [];
  const refs: UpstreamRef[] = [];
  const lookup = (name: string, nodes: boolean): ApisixUpstream | undefined => {
    const upstream = ctx.clusters.usable(name);
    deps.push({ name, upstream, why: upstream ? undefined : ctx.clusters.whyNot(name), nodes });
    return upstream;
  };
  const clusters: ClusterLookup = {
    usable: (name) => lookup(name, false),
    usableWithNodes: (name) => lookup(name, true),
    whyNot: (name) => ctx.clusters.whyNot(name),
  };
  const start = log.length;
  ctx.variants.recording = refs;
  try {
    const draft = vhostRoutes(host, scope, rc, vh, { ...ctx, clusters }, report);
    return { draft, deps: kept(deps), routeItems: kept(log, start), refs: kept(refs) };
  } catch (e) {
    report({ path: `virtual_hosts[${host.vhostIndex}]`, severity: 'dropped', reason: `internal error: ${(e as Error).message}` });
    return undefined;
  } finally {
    ctx.variants.recording = undefined;
  }
}

function translateVhost(
  scope: HttpScope,
  rc: RouteConfiguration,
  vh: VirtualHost,
  i: number,
  vhostKey: string,
  ctx: RouteSideContext,
  report: (issue: FieldIssue) => void,
): VhostDraft | undefined {
  try {
    const host = vhostHost(scope, rc, vh, i, vhostKey, ctx, report);
    return host && vhostRoutes(host, scope, rc, vh, ctx, report);
  } catch (e) {
    report({ path: `virtual_hosts[${i}]`, severity: 'dropped', reason: `internal error: ${(e as Error).message}` });
    return undefined;
  }
}

/** Domains -> hosts (claiming them in the scope) and vhost-level report; undefined: dropped. */
function vhostHost(
  scope: HttpScope,
  rc: RouteConfiguration,
  vh: VirtualHost,
  i: number,
  vhostKey: string,
  ctx: RouteSideContext,
  report: (issue: FieldIssue) => void,
): VhostHost | undefined {
  // Paths are built when something is reported (rarely, on a mesh's many vhosts).
  const issues: FieldIssue[] = [];
  const { hosts, anyHost } = vhostHosts(vh.domains, scope.port, ctx.claimScope(scope), `${rc.name}/${vhostKey}`, ctx.claims, () => `virtual_hosts[${i}].domains`, issues, rc.ignorePortInHostMatching || scope.hostPortIgnored === true);
  for (const issue of issues) report(issue);
  if (!hosts.length && !anyHost) {
    report({ path: `virtual_hosts[${i}]`, severity: 'dropped', reason: 'virtual host has no domain APISIX can match' });
    return undefined;
  }
  vhostUnsupported(vh, i, report);
  return { vhostIndex: i, vhostKey, hosts, anyHost };
}

function vhostRoutes(
  host: VhostHost,
  scope: HttpScope,
  rc: RouteConfiguration,
  vh: VirtualHost,
  ctx: RouteSideContext,
  report: (issue: FieldIssue) => void,
): VhostDraft {
  const at = `virtual_hosts[${host.vhostIndex}]`;
  // Sized up front (the drafts live until emitted; a pushed-to empty array reserves room for 17).
  const routes = new Array<RouteDraft>(vh.routes.length);
  let taken = 0;
  // Route names key the ids (stable when routes are inserted); repeats fall back to the index.
  const names = vh.routes.length > 1 ? new Set<string>() : undefined;
  for (let j = 0; j < vh.routes.length; j++) {
    const r = vh.routes[j]!;
    const idKey = r.name && !names?.has(r.name) ? r.name : `${r.name}#${j}`;
    names?.add(r.name);
    const rIssues: FieldIssue[] = [];
    let draft: RouteDraft | undefined;
    try {
      draft = translateRoute(r, j, idKey, vh, rc, scope, at, `${at}.routes[${j}]`, ctx, rIssues);
    } catch (e) {
      rIssues.push({ path: `${at}.routes[${j}]`, severity: 'dropped', reason: `internal error: ${(e as Error).message}` });
    }
    for (const issue of rIssues) report(issue);
    if (draft) routes[taken++] = draft;
  }
  routes.length = taken;
  const mode = routes.length < 2 ? 'native' : orderingMode(routes.map((d) => d.match.key));
  const catchAll = routes.some(
    (d) => d.match.key.kind === 'prefix' && d.match.key.prefix === '/' && d.match.vars.length === 0 && d.match.keyVars.length === 0,
  );
  return { scope, vhostIndex: host.vhostIndex, vhostKey: host.vhostKey, hosts: host.hosts, anyHost: host.anyHost, mode, routes, catchAll };
}

function vhostUnsupported(vh: VirtualHost, index: number, report: (i: FieldIssue) => void): void {
  if (!vh.requireTls && !vh.rateLimits.length && !vh.hedgePolicy && !vh.matcher && !vh.includeRequestAttemptCount && !vh.includeAttemptCountInResponse) return;
  const at = `virtual_hosts[${index}]`;
  if (vh.requireTls) report({ path: `${at}.require_tls`, severity: 'ignored', reason: 'TLS requirement not enforced by the route' });
  if (vh.rateLimits.length) report({ path: `${at}.rate_limits`, severity: 'ignored', reason: 'global rate limit service not supported' });
  if (vh.hedgePolicy) report({ path: `${at}.hedge_policy`, severity: 'ignored', reason: 'no request hedging in APISIX' });
  if (vh.matcher) report({ path: `${at}.matcher`, severity: 'ignored', reason: 'generic matcher tree not supported' });
  if (vh.includeRequestAttemptCount || vh.includeAttemptCountInResponse) {
    report({ path: `${at}.include_request_attempt_count`, severity: 'ignored', reason: 'x-envoy-attempt-count is not added' });
  }
}

function translateRoute(
  r: Route,
  index: number,
  idKey: string,
  vh: VirtualHost,
  rc: RouteConfiguration,
  scope: HttpScope,
  vhAt: string,
  at: string,
  ctx: RouteSideContext,
  issues: FieldIssue[],
): RouteDraft | undefined {
  const match = sharedRouteMatch(r.match) ?? translateRouteMatch(r.match, `${at}.match`);
  for (const i of match.issues) issues.push(i);
  if (match.fatal) {
    issues.push({ path: `${at}.match`, severity: 'dropped', reason: match.fatal });
    return undefined;
  }
  const name = `${vh.name}/${r.name || index}`;
  const plugins: Record<string, Record<string, unknown>> = {};
  const base = { index, idKey, name, match, plugins, websocket: false };

  // Plugins from typed_per_filter_config (route entries replace vhost entries of the same filter).
  const filterDefaults = scope.filterDefaults ?? NO_CONFIGS;
  if (hasKeys(filterDefaults) || hasKeys(vh.typedPerFilterConfig) || hasKeys(r.typedPerFilterConfig)) {
    Object.assign(
      plugins,
      perFilterPlugins(
        [
          { configs: filterDefaults, at: `(listener ${scope.listener}).http_filters` },
          { configs: vh.typedPerFilterConfig, at: `${vhAt}.typed_per_filter_config` },
          { configs: r.typedPerFilterConfig, at: `${at}.typed_per_filter_config` },
        ],
        issues,
      ),
    );
  }
  const wcHeaders = isWeighted(r) ? weightedClusterHeaders(r, `${at}.route.weighted_clusters`, issues) : undefined;
  const hasResponseHeaders = hasResponseMutations(r) || hasResponseMutations(vh) || hasResponseMutations(rc) || (wcHeaders && hasResponseMutations(wcHeaders.cluster));
  const responseSources: HeaderSource[] = !hasResponseHeaders ? NO_SOURCES : specificLast(rc, [
    ...(wcHeaders ? [{ toAdd: wcHeaders.cluster.responseHeadersToAdd, toRemove: wcHeaders.cluster.responseHeadersToRemove, at: wcHeaders.at, addField: 'response_headers_to_add', removeField: 'response_headers_to_remove' }] : []),
    { toAdd: r.responseHeadersToAdd, toRemove: r.responseHeadersToRemove, at: `${at}.`, addField: 'response_headers_to_add', removeField: 'response_headers_to_remove' },
    { toAdd: vh.responseHeadersToAdd, toRemove: vh.responseHeadersToRemove, at: `${vhAt}.`, addField: 'response_headers_to_add', removeField: 'response_headers_to_remove' },
    { toAdd: rc.responseHeadersToAdd, toRemove: rc.responseHeadersToRemove, at: '', addField: 'response_headers_to_add', removeField: 'response_headers_to_remove' },
  ]);
  const respMutation = hasResponseHeaders ? mergeHeaderMutations(responseSources, issues) : undefined;
  if (respMutation) {
    const headers = responseHeadersConfig(respMutation, issues, `${at}.response_headers_to_add`);
    if (headers) plugins['response-rewrite'] = { headers };
  }

  const action = r.action;
  switch (action.case) {
    case 'redirect': {
      const p = redirectPlugin(action.value, match, `${at}.redirect`, issues);
      if (!p) {
        issues.push({ path: `${at}.redirect`, severity: 'dropped', reason: 'redirect cannot be expressed' });
        return undefined;
      }
      plugins.redirect = p;
      return base;
    }
    case 'directResponse': {
      const p = directResponsePlugin(action.value, `${at}.direct_response`, issues);
      if (!p) return undefined;
      plugins['fault-injection'] = p;
      return base;
    }
    case 'route':
      return routeActionDraft(r, action.value, base, vh, rc, wcHeaders, vhAt, at, ctx, issues);
    default:
      issues.push({ path: at, severity: 'dropped', reason: `action ${action.case ? snake(action.case) : '(none)'} has no APISIX equivalent` });
      return undefined;
  }
}

function routeActionDraft(
  r: Route,
  a: RouteAction,
  base: Omit<RouteDraft, 'upstream' | 'weighted' | 'timeout'>,
  vh: VirtualHost,
  rc: RouteConfiguration,
  wcHeaders: WeightedClusterHeaders | undefined,
  vhAt: string,
  routeAt: string,
  ctx: RouteSideContext,
  issues: FieldIssue[],
): RouteDraft | undefined {
  const at = `${routeAt}.route`;
  const plugins = base.plugins;

  // Which clusters, with which weights.
  // `k`: the index in weighted_clusters (-1: the single `cluster`), for report paths only.
  let targets: { name: string; weight: number; k: number }[];
  const cs = a.clusterSpecifier;
  switch (cs.case) {
    case 'cluster':
      targets = [{ name: cs.value, weight: 1, k: -1 }];
      break;
    case 'weightedClusters': {
      const wc = cs.value;
      targets = wc.clusters.map((c, k) => ({ name: c.name, weight: c.weight ?? 0, k }));
      wc.clusters.forEach((c, k) => {
        const cAt = `${at}.weighted_clusters.clusters[${k}]`;
        if (c.clusterHeader) issues.push({ path: `${cAt}.cluster_header`, severity: 'dropped', reason: 'cluster from a header is not supported' });
        if (Object.keys(c.typedPerFilterConfig).length) issues.push({ path: `${cAt}.typed_per_filter_config`, severity: 'ignored', reason: 'per-cluster filter config not supported' });
        if (c.hostRewriteSpecifier.case) issues.push({ path: `${cAt}.host_rewrite_literal`, severity: 'ignored', reason: 'per-cluster host rewrite not supported' });
        if (c.metadataMatch) issues.push({ path: `${cAt}.metadata_match`, severity: 'ignored', reason: 'subset load balancing not supported' });
      });
      const sum = targets.reduce((s, t) => s + t.weight, 0);
      if (wc.totalWeight !== undefined && wc.totalWeight !== sum) {
        issues.push({ path: `${at}.weighted_clusters.total_weight`, severity: 'approximated', reason: `total_weight ${wc.totalWeight} differs from the sum of weights ${sum}; weights used as relative` });
      }
      if (wc.runtimeKeyPrefix) issues.push({ path: `${at}.weighted_clusters.runtime_key_prefix`, severity: 'ignored', reason: 'runtime overrides not supported' });
      if (wc.randomValueSpecifier.case) issues.push({ path: `${at}.weighted_clusters.header_name`, severity: 'ignored', reason: 'random value from a header not supported' });
      targets = targets.filter((t) => t.weight > 0 && t.name);
      if (!targets.length) {
        issues.push({ path: `${at}.weighted_clusters`, severity: 'dropped', reason: 'no cluster with a positive weight' });
        return undefined;
      }
      break;
    }
    default:
      issues.push({ path: cs.case ? `${at}.${snake(cs.case)}` : at, severity: 'dropped', reason: `cluster selection by ${cs.case ? snake(cs.case) : '(nothing)'} is not supported` });
      return undefined;
  }
  // Completeness gate: every cluster must be known and have its endpoints.
  const upstreams = new Array<ApisixUpstream>(targets.length);
  for (let k = 0; k < targets.length; k++) {
    const t = targets[k]!;
    const u = ctx.clusters.usable(t.name);
    if (!u) {
      const path = t.k < 0 ? `${at}.cluster` : `${at}.weighted_clusters.clusters[${t.k}]`;
      issues.push({ path, severity: 'dropped', reason: `cluster ${t.name} ${ctx.clusters.whyNot(t.name)}` });
      return undefined;
    }
    upstreams[k] = u;
  }
  if (a.metadataMatch) issues.push({ path: `${at}.metadata_match`, severity: 'ignored', reason: 'subset load balancing not supported' });

  // Upstream-side settings: retries, hash key, host passing -> per-route variants.
  const retry: RetryPolicy | undefined = a.retryPolicy ?? vh.retryPolicy;
  const retryAt = !retry ? '' : a.retryPolicy ? `${at}.retry_policy` : `${vhAt}.retry_policy`;
  let upstream: UpstreamRef | undefined;
  let weighted: { ref: UpstreamRef; weight: number }[] | undefined;
  if (targets.length === 1) {
    upstream = ctx.variants.use(targets[0]!.name, upstreamParamsFor(a, retry, retryAt, upstreams[0]!, at, issues), upstreams[0]!);
  } else {
    weighted = targets.map((t, k) => {
      const params = upstreamParamsFor(a, retry, retryAt, upstreams[k]!, at, issues);
      return { ref: ctx.variants.use(t.name, params, upstreams[k]!), weight: t.weight };
    });
    upstream = weighted[0]!.ref;
  }
  // Report once per route, not once per target.
  dedupeIssues(issues);

  // Timeouts: Envoy's route timeout (default 15 s, 0 = none) and idle timeout -> route timeout.
  const total = a.timeout === undefined ? DEFAULT_ROUTE_TIMEOUT : (seconds(a.timeout) ?? 0);
  const idle = seconds(a.idleTimeout);
  let timeout: ApisixTimeout | undefined;
  const rw = idle && idle > 0 ? (total > 0 ? Math.min(idle, total) : idle) : total;
  if (rw > 0) {
    timeout = { connect: upstreams[0]!.timeout?.connect ?? DEFAULT_CONNECT_TIMEOUT, send: rw, read: rw };
    if (total > 0 && a.timeout !== undefined) {
      issues.push({ path: `${at}.timeout`, severity: 'approximated', reason: 'APISIX bounds each read/send, not the whole request' });
    }
  }

  // Request side: rewrite + header changes -> proxy-rewrite.
  const rewrite = rewriteConfig(a, base.match, at, issues);
  const hasRequestHeaders = hasRequestMutations(r) || hasRequestMutations(vh) || hasRequestMutations(rc) || (wcHeaders !== undefined && hasRequestMutations(wcHeaders.cluster));
  const reqMutation = !hasRequestHeaders ? undefined : mergeHeaderMutations(
    specificLast(rc, [
      ...(wcHeaders ? [{ toAdd: wcHeaders.cluster.requestHeadersToAdd, toRemove: wcHeaders.cluster.requestHeadersToRemove, at: wcHeaders.at, addField: 'request_headers_to_add', removeField: 'request_headers_to_remove' }] : []),
      { toAdd: r.requestHeadersToAdd, toRemove: r.requestHeadersToRemove, at: `${routeAt}.`, addField: 'request_headers_to_add', removeField: 'request_headers_to_remove' },
      { toAdd: vh.requestHeadersToAdd, toRemove: vh.requestHeadersToRemove, at: `${vhAt}.`, addField: 'request_headers_to_add', removeField: 'request_headers_to_remove' },
      { toAdd: rc.requestHeadersToAdd, toRemove: rc.requestHeadersToRemove, at: '', addField: 'request_headers_to_add', removeField: 'request_headers_to_remove' },
    ]),
    issues,
  );
  if (reqMutation) {
    const headers = requestHeadersConfig(reqMutation);
    if (Object.keys(headers).length) rewrite.headers = headers;
  }
  if (hasKeys(rewrite)) plugins['proxy-rewrite'] = rewrite;

  const mirror =
    (a.requestMirrorPolicies.length || vh.requestMirrorPolicies.length) &&
    proxyMirrorPlugin(
      a.requestMirrorPolicies.length ? a.requestMirrorPolicies : vh.requestMirrorPolicies,
      (c) => (ctx.clusters.usableWithNodes ? ctx.clusters.usableWithNodes(c) : ctx.clusters.usable(c)),
      a.requestMirrorPolicies.length ? `${at}.request_mirror_policies` : `${vhAt}.request_mirror_policies`,
      issues,
    );
  if (mirror) plugins['proxy-mirror'] = mirror;
  const cors = a.cors ?? vh.cors;
  if (cors && !plugins.cors) {
    const p = corsPlugin(cors, a.cors ? `${at}.cors` : `${vhAt}.cors`, issues);
    if (p) plugins.cors = p;
  }

  let websocket = false;
  for (let k = 0; k < a.upgradeConfigs.length; k++) {
    const u = a.upgradeConfigs[k]!;
    if (u.upgradeType.toLowerCase() === 'websocket' && u.enabled !== false) websocket = true;
    else issues.push({ path: `${at}.upgrade_configs[${k}]`, severity: 'ignored', reason: `upgrade ${u.upgradeType} not supported` });
  }
  if (a.hedgePolicy) issues.push({ path: `${at}.hedge_policy`, severity: 'ignored', reason: 'no request hedging in APISIX' });
  if (a.rateLimits.length) issues.push({ path: `${at}.rate_limits`, severity: 'ignored', reason: 'global rate limit service not supported' });
  if (a.internalRedirectPolicy) issues.push({ path: `${at}.internal_redirect_policy`, severity: 'ignored', reason: 'internal redirects not supported' });
  if (a.maxStreamDuration) issues.push({ path: `${at}.max_stream_duration`, severity: 'ignored', reason: 'no stream duration limit in APISIX' });

  return {
    index: base.index,
    idKey: base.idKey,
    name: base.name,
    match: base.match,
    // The shared empty object when no plugin was set: drafts live until the routes are emitted.
    plugins: hasKeys(plugins) ? plugins : NO_PLUGINS,
    websocket,
    timeout,
    upstream,
    weighted,
  };
}

/** Shared empties (frozen: never written to), instead of a new one per route. */
const NO_CONFIGS: { readonly [filter: string]: Any } = Object.freeze({});
const NO_SOURCES = Object.freeze([]) as unknown as HeaderSource[];
const NO_PLUGINS: Record<string, Record<string, unknown>> = Object.freeze({});

function isWeighted(r: Route): boolean {
  return r.action.case === 'route' && r.action.value.clusterSpecifier.case === 'weightedClusters';
}

function dedupeIssues(issues: FieldIssue[]): void {
  if (issues.length < 2) return;
  const seen = new Set<string>();
  let w = 0;
  for (const i of issues) {
    const k = `${i.path}\u0000${i.reason}`;
    if (seen.has(k)) continue;
    seen.add(k);
    issues[w++] = i;
  }
  issues.length = w;
}

interface HeaderMutationFields {
  requestHeadersToAdd: readonly unknown[];
  requestHeadersToRemove: readonly unknown[];
  responseHeadersToAdd: readonly unknown[];
  responseHeadersToRemove: readonly unknown[];
}

function hasRequestMutations(x: HeaderMutationFields): boolean {
  return x.requestHeadersToAdd.length > 0 || x.requestHeadersToRemove.length > 0;
}

function hasResponseMutations(x: HeaderMutationFields): boolean {
  return x.responseHeadersToAdd.length > 0 || x.responseHeadersToRemove.length > 0;
}

/**
 * Header sources come route, vhost, route configuration: applied in that order, the least
 * specific wins on `set` (Envoy's default). most_specific_header_mutations_wins reverses it.
 */
function specificLast(rc: RouteConfiguration, sources: HeaderSource[]): HeaderSource[] {
  return rc.mostSpecificHeaderMutationsWins ? sources.reverse() : sources;
}

interface WeightedClusterHeaders {
  readonly cluster: WeightedCluster_ClusterWeight;
  readonly at: string;
}

/**
 * Header changes of weighted clusters can only be applied when they do not depend on the
 * traffic-split choice: every cluster with a positive weight must carry the same ones. Then they
 * are the most specific header source of the route; otherwise they are reported.
 */
function weightedClusterHeaders(r: Route, at: string, issues: FieldIssue[]): WeightedClusterHeaders | undefined {
  if (r.action.case !== 'route' || r.action.value.clusterSpecifier.case !== 'weightedClusters') return undefined;
  const clusters = r.action.value.clusterSpecifier.value.clusters;
  const withChanges = clusters.findIndex((c) => hasRequestMutations(c) || hasResponseMutations(c));
  if (withChanges < 0) return undefined;
  const positive = clusters.map((c, k) => [c, k] as const).filter(([c]) => (c.weight ?? 0) > 0);
  const sig = (c: WeightedCluster_ClusterWeight) =>
    JSON.stringify([c.requestHeadersToAdd.map(headerSig), c.requestHeadersToRemove, c.responseHeadersToAdd.map(headerSig), c.responseHeadersToRemove]);
  const first = positive[0];
  if (first && positive.every(([c]) => sig(c) === sig(first[0]))) return { cluster: first[0], at: `${at}.clusters[${first[1]}].` };
  issues.push({ path: `${at}.clusters[${withChanges}]`, severity: 'ignored', reason: 'per-cluster header changes differ between clusters and cannot follow traffic-split choices' });
  return undefined;
}

function headerSig(h: HeaderValueOption): unknown[] {
  return [h.header?.key, h.header?.value, h.append, h.appendAction];
}
