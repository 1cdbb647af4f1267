import type { ApisixRoute } from './apisix-types.js';
import { hasKeys } from './has-keys.js';
import { stableId } from './ids.js';
import { trafficSplitPlugin } from './plugins/traffic-split.js';
import { ANY_URIS, nativeUris, routePriority, TERMINAL_PRIORITY } from './route-ordering.js';
import { scopeKey as fallScope, scopeVars, type PortMatch } from './listener-scope.js';
import type { HttpScope, RouteDraft, VhostDraft } from './route-translator.js';
import { fitName, MAX_DESC_LENGTH, MAX_NAME_LENGTH } from './upstream-variant.js';

export type { PortMatch };

/**
 * Virtual host drafts -> APISIX routes, once upstream ids are resolved. Each vhost yields its
 * routes for its hosts and, when it matches any authority, host-less copies; every route carries
 * the listener port condition. A terminal 404 route per hosted vhost stops APISIX from falling
 * through to a wildcard host or to host-less routes when none of the vhost's routes match (Envoy
 * answers 404 there); it is left out when nothing could be reached or a route always matches.
 */
export function emitRoutes(
  vhosts: readonly VhostDraft[],
  portMatch: PortMatch,
  memo?: EmitMemo,
  /** With `memo`: last time's instance of a route that came out the same. */
  intern: (r: ApisixRoute) => ApisixRoute = (r) => r,
): ApisixRoute[] {
  const out: ApisixRoute[] = [];
  // Where a request can fall through a hosted vhost: host-less routes of the port, or a wildcard
  // host of the port that also covers one of the vhost's hosts.
  const hostlessPorts = new Set<string>();
  const wildcards = new Map<string, string[]>();
  const portKeys = new Map<HttpScope, string>();
  const partsOf = new Map<HttpScope, ScopeParts>();
  const parts = (v: VhostDraft): ScopeParts => {
    let p = partsOf.get(v.scope);
    if (p === undefined) partsOf.set(v.scope, (p = scopeParts(v.scope, portMatch)));
    return p;
  };
  const portKey = (v: VhostDraft): string => {
    let pk = portKeys.get(v.scope);
    if (pk === undefined) portKeys.set(v.scope, (pk = fallScope(v.scope, portMatch)));
    return pk;
  };
  for (const v of vhosts) {
    if (!v.routes.length) continue;
    if (v.anyHost) hostlessPorts.add(portKey(v));
    for (const h of v.hosts) if (h.startsWith('*')) (wildcards.get(portKey(v)) ?? wildcards.set(portKey(v), []).get(portKey(v))!).push(h);
  }
  const canFallThrough = (v: VhostDraft): boolean => {
    if (hostlessPorts.size === 0 && wildcards.size === 0) return false;
    const pk = portKey(v);
    if (hostlessPorts.has(pk)) return true;
    const ws = wildcards.get(pk);
    return !!ws && v.hosts.some((h) => ws.some((w) => w !== h && h.endsWith(w.slice(1))));
  };
  for (const v of vhosts) {
    if (memo) {
      // A reused draft whose upstream ids and fallthrough are as before emits the same objects.
      const fall = v.hosts.length > 0 && !v.catchAll && canFallThrough(v);
      const prev = memo.get(v);
      if (prev && prev.fall === fall && sameIds(prev.ids, v)) {
        for (const r of prev.routes) out.push(r);
        continue;
      }
      const start = out.length;
      emitVhost(v, parts(v), fall, true, out);
      for (let k = start; k < out.length; k++) out[k] = intern(out[k]!);
      memo.set(v, { fall, ids: refIds(v), routes: out.slice(start) });
      continue;
    }
    emitVhost(v, parts(v), v.hosts.length > 0 && !v.catchAll && canFallThrough(v), false, out);
  }
  return out;
}

/** Emitted routes per vhost draft, kept by an incremental translator. */
export type EmitMemo = WeakMap<VhostDraft, { fall: boolean; ids: readonly string[]; routes: readonly ApisixRoute[] }>;

function refIds(v: VhostDraft): string[] {
  const ids: string[] = [];
  for (const d of v.routes) {
    if (d.weighted) for (const w of d.weighted) ids.push(w.ref.id);
    else if (d.upstream) ids.push(d.upstream.id);
  }
  // Kept per vhost: an exact-size copy (an array grown by push holds room for 16 more).
  return ids.slice();
}

function sameIds(ids: readonly string[], v: VhostDraft): boolean {
  let k = 0;
  for (const d of v.routes) {
    if (d.weighted) {
      for (const w of d.weighted) if (ids[k++] !== w.ref.id) return false;
    } else if (d.upstream && ids[k++] !== d.upstream.id) return false;
  }
  return k === ids.length;
}

/**
 * Sharing, documented because callers could mutate what they get: the routes of one vhost share
 * their `hosts` array, and the routes of one scope share the inner arrays of `vars` (the port
 * conditions); each route's own `vars`, `uris` and `plugins` containers are distinct. A one-shot
 * translation (`copyHosts` false) also hands out the draft's hosts array: nothing else keeps it.
 */
function emitVhost(v: VhostDraft, parts: ScopeParts, fall: boolean, copyHosts: boolean, out: ApisixRoute[]): void {
  const hosts = v.hosts.length ? (copyHosts ? [...v.hosts] : (v.hosts as string[])) : undefined;
  if (hosts) emitGroup(v, hosts, 'h', fall, parts, out);
  if (v.anyHost) emitGroup(v, undefined, '*', false, parts, out);
}

/** What the routes of one scope share: port conditions, the id part and the start of `desc`. */
interface ScopeParts {
  readonly portVars: unknown[][];
  readonly idKey: string;
  /** `desc` up to the vhost index: `<listener> port <p> route_config <name> virtual_hosts[`. */
  readonly where: string;
}

function scopeParts(scope: HttpScope, portMatch: PortMatch): ScopeParts {
  const port = scope.port === undefined ? '' : ` ${scope.address ? `${scope.address}:` : 'port '}${scope.port}`;
  return {
    portVars: scopeVars(scope, portMatch),
    idKey: `${scope.address ? `${scope.address}|` : ''}${scope.port ?? ''}|${scope.routeConfig.name}`,
    where: `${scope.listener}${port} route_config ${scope.routeConfig.name} virtual_hosts[`,
  };
}

/** The vhost's routes for its hosts (`h`) or host-less (`*`), then the terminal route if `fall`. */
function emitGroup(v: VhostDraft, hosts: string[] | undefined, tag: string, fall: boolean, parts: ScopeParts, out: ApisixRoute[]): void {
  const g = { hosts, tag };
  const n = v.routes.length;
  for (let i = 0; i < n; i++) out.push(emitRoute(v, v.routes[i]!, i, n, g, parts));
  if (hosts && fall) {
    const portVars = parts.portVars;
    const r: ApisixRoute = {
      id: stableId('r', parts.idKey, v.vhostKey, '#terminal'),
      name: fitName(`${v.vhostKey}/#no-route`, MAX_NAME_LENGTH),
      desc: fitName(['404 when no route of ', parts.where, v.vhostIndex, '] matches (no fallthrough to other hosts)'].join(''), MAX_DESC_LENGTH),
      uris: [...ANY_URIS],
      hosts,
      priority: TERMINAL_PRIORITY,
      plugins: { 'fault-injection': { abort: { http_status: 404, body: '', percentage: 100 } } },
    };
    if (portVars.length) r.vars = portVars.slice();
    out.push(r);
  }
}

function emitRoute(
  v: VhostDraft,
  d: RouteDraft,
  i: number,
  n: number,
  g: { hosts: string[] | undefined; tag: string },
  parts: ScopeParts,
): ApisixRoute {
  const portVars = parts.portVars;
  const m = d.match;
  const ordered = v.mode === 'ordered' || m.key.kind === 'any';
  const pathVars = ordered ? m.pathVars : m.keyVars;
  const vars = pathVars.length || m.vars.length ? [...portVars, ...pathVars, ...m.vars] : portVars.slice();
  const r: ApisixRoute = {
    id: stableId('r', parts.idKey, v.vhostKey, d.idKey, g.tag),
    name: fitName(d.name, MAX_NAME_LENGTH),
    // Joined, not concatenated: one flat string instead of a chain of pieces (kept in the output).
    desc: fitName([parts.where, v.vhostIndex, '].routes[', d.index, g.hosts ? ']' : '] (any host)'].join(''), MAX_DESC_LENGTH),
    uris: ordered ? [...ANY_URIS] : nativeUris(m.key),
    priority: routePriority(i, n),
  };
  if (g.hosts) r.hosts = g.hosts;
  if (vars.length) r.vars = vars;
  if (d.weighted && d.weighted.length > 1) {
    r.plugins = { ...d.plugins, 'traffic-split': trafficSplitPlugin(d.weighted.map((w) => ({ upstreamId: w.ref.id, weight: w.weight }))) };
  } else if (hasKeys(d.plugins)) r.plugins = { ...d.plugins };
  if (d.upstream) r.upstream_id = d.upstream.id;
  if (d.timeout) r.timeout = d.timeout;
  if (d.websocket) r.enable_websocket = true;
  return r;
}
