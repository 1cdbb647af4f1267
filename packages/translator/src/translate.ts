import type { RouteConfiguration } from '@amesh/proto';
import { emptyApisixConfig, type ApisixConfig, type ApisixStreamRoute, type ApisixUpstream } from './apisix-types.js';
import { translateClusters, type ClusterSide } from './cluster-translator.js';
import type { FieldIssue } from './field-issue.js';
import { translateListeners } from './listener-translator.js';
import { linkScopes, scopeKey, type PortMatch } from './listener-scope.js';
import { emitRoutes } from './route-emitter.js';
import { translateRouteConfiguration, type ClusterLookup, type HttpScope, type VhostDraft } from './route-translator.js';
import { translateTcpChain } from './stream-route-translator.js';
import type { ReportItem, TranslationReport } from './translation-report.js';
import { UpstreamVariants } from './upstream-variants.js';
import type { HostClaims } from './vhost-hosts.js';
import type { XdsKind, XdsResources } from './xds-resources.js';

export interface TranslateOptions {
  /**
   * How APISIX tells listeners apart (see README, "Listener ports"). `server_port` (default) adds
   * `["server_port","==",P]` to each route, plus `["server_addr","==",IP]` for listeners bound to
   * one IP (and the negation on the wildcard listener of that port): right when APISIX sees the
   * original destination (TPROXY interception, or listening on the service ports). `none` adds no
   * condition (REDIRECT interception; exact for a mesh whose HTTP routes do not differ by port).
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
  const portMatch: PortMatch = options.portMatch ?? 'server_port';
  const report: ReportItem[] = [];
  const add = (kind: XdsKind, name: string, i: FieldIssue) => report.push({ kind, name, path: i.path, severity: i.severity, reason: i.reason });

  let side: ClusterSide;
  try {
    side = translateClusters(xds.clusters ?? [], xds.clusterLoadAssignments ?? [], xds.secrets ?? []);
  } catch (e) {
    add('Cluster', '*', { path: '', severity: 'dropped', reason: `cluster translation failed: ${(e as Error).message}` });
    side = { upstreams: new Map(), complete: new Set(), passthrough: new Set(), ssls: [], report: [], info: new Map(), secrets: new Map() };
  }
  for (const r of side.report) report.push(r);

  const usableBase = new Map<string, ApisixUpstream>();
  for (const [name, u] of side.upstreams) if (side.complete.has(name)) usableBase.set(name, u);
  const known = new Set((xds.clusters ?? []).map((c) => c.name));
  const clusters: ClusterLookup = {
    usable: (c) => usableBase.get(c),
    whyNot: (c) =>
      side.passthrough.has(c)
        ? 'passes through to the original destination, which APISIX cannot express'
        : known.has(c)
          ? 'has no endpoints yet'
          : 'is unknown',
  };
  const variants = new UpstreamVariants(usableBase);

  // Listeners -> scopes (route configuration per port) and TCP chains.
  const rcs = new Map<string, RouteConfiguration>();
  for (const rc of xds.routeConfigurations ?? []) rcs.set(rc.name, rc);
  const ls = translateListeners(xds.listeners ?? [], rcs, (name, i) => add('Listener', name, i));
  const scopes: HttpScope[] = ls.scopes;
  for (const rc of xds.routeConfigurations ?? []) {
    if (ls.referenced.has(rc.name)) continue;
    if ((xds.listeners ?? []).length) {
      add('RouteConfiguration', rc.name, { path: '', severity: 'ignored', reason: 'no listener references this route configuration' });
      continue;
    }
    // Route configurations alone (no listeners in the input): served on the port their name says.
    const port = /^(?:.*:)?(\d{1,5})$/.exec(rc.name);
    scopes.push({ listener: '', port: port ? Number(port[1]) : undefined, routeConfig: rc, reportKind: 'RouteConfiguration', reportName: rc.name, reportPrefix: '' });
  }

  linkScopes(scopes);
  const claims: HostClaims = new Map();
  const claimScope = (s: HttpScope) => scopeKey(s, portMatch);
  const vhosts: VhostDraft[] = [];
  for (const scope of scopes) {
    try {
      // A loop, not push(...): a route configuration may hold more vhosts than a call takes arguments.
      for (const v of translateRouteConfiguration(scope, { clusters, variants, claims, claimScope, issue: (s, i) => add(s.reportKind, s.reportName, i) })) vhosts.push(v);
    } catch (e) {
      add(scope.reportKind, scope.reportName, { path: scope.reportPrefix, severity: 'dropped', reason: `internal error: ${(e as Error).message}` });
    }
  }

  const streamRoutes: ApisixStreamRoute[] = [];
  for (const chain of ls.tcp) {
    const issues: FieldIssue[] = [];
    try {
      streamRoutes.push(...translateTcpChain(chain, clusters, (c) => variants.stream(c), issues));
    } catch (e) {
      issues.push({ path: chain.at, severity: 'dropped', reason: `internal error: ${(e as Error).message}` });
    }
    for (const i of issues) add('Listener', chain.listener, i);
  }

  const config = emptyApisixConfig();
  config.upstreams = variants.resolve();
  config.routes = dedupeById(emitRoutes(vhosts, portMatch), (r) =>
    add('RouteConfiguration', r.name ?? r.id, { path: '', severity: 'dropped', reason: `route ${r.id} (${r.desc ?? ''}) duplicates another route's id` }),
  );
  config.stream_routes = dedupeById(streamRoutes);
  config.ssls = [...side.ssls];
  sortById(config.upstreams);
  sortById(config.routes);
  sortById(config.stream_routes);
  sortById(config.ssls);
  return { config, report: sortReport(report) };
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function sortById<T extends { id: string }>(list: T[]): void {
  list.sort(byId);
}

function dedupeById<T extends { id: string }>(list: T[], dropped?: (x: T) => void): T[] {
  const seen = new Set<string>();
  return list.filter((x) => {
    if (!seen.has(x.id)) return seen.add(x.id), true;
    dropped?.(x);
    return false;
  });
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
