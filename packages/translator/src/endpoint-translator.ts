import type { ClusterLoadAssignment, LbEndpoint, LocalityLbEndpoints } from '@amesh/proto';
import { HealthStatus } from '@amesh/proto';
import type { ApisixUpstreamNode } from './apisix-types.js';
import { nodeAddress } from './node-address.js';
import { integerWeights } from './node-weights.js';
import type { ReportSink } from './report-sink.js';

/** Local copy of the enum: the package re-export is a getter, read on every use (hot path). */
const Health = { ...HealthStatus };

export interface EndpointOptions {
  /** Locality weights count (locality_weighted_lb_config); otherwise only endpoint weights do. */
  readonly localityWeighted: boolean;
  /** Largest integer weight to emit (see node-weights.ts). */
  readonly maxWeight: number;
  /** Envoy's healthy_panic_threshold in percent (default 50). */
  readonly panicThreshold: number;
  /** LOGICAL_DNS: Envoy uses only the first endpoint. */
  readonly firstOnly: boolean;
  /** Report path prefix: '' for an EDS ClusterLoadAssignment, 'load_assignment.' when inline. */
  readonly pathPrefix: string;
  /** When the cluster picks its transport socket per endpoint: the socket index for an endpoint. */
  readonly socketOf?: (lbEndpoint: LbEndpoint, locality: LocalityLbEndpoints) => number;
}

export interface EndpointNodes {
  nodes: ApisixUpstreamNode[];
  /** Parallel to nodes, present when options.socketOf was given. */
  sockets?: number[];
}

interface Candidate {
  host: string;
  port: number;
  /** Envoy priority (0 = highest); degraded hosts are moved below every healthy priority. */
  priority: number;
  degraded: boolean;
  locality: number;
  weight: number;
  socket: number;
}

interface LocalityStats {
  weight: number;
  total: number;
  healthy: number;
  weightSum: number;
}

/**
 * ClusterLoadAssignment -> APISIX nodes. Unhealthy, draining and timed-out endpoints are left out;
 * a node's weight is its share of its priority level: endpoint weight, times the locality's
 * (health-scaled) weight when locality weighting is on. Envoy priority p becomes APISIX priority
 * -p (APISIX tries higher values first); degraded hosts go below every healthy level, where
 * Envoy uses them too. Duplicate addresses in a level are merged by adding their shares.
 */
export function nodesFromAssignment(
  cla: ClusterLoadAssignment,
  options: EndpointOptions,
  report: ReportSink,
): EndpointNodes {
  const fast = simpleAssignment(cla, options);
  if (fast) return fast;
  const prefix = options.pathPrefix;
  const candidates: Candidate[] = [];
  const localities: LocalityStats[] = [];
  const priorityTotals = new Map<number, { total: number; healthy: number }>();
  const overprovisioning = (cla.policy?.overprovisioningFactor ?? 140) / 100;
  let taken = 0;

  for (let li = 0; li < cla.endpoints.length; li++) {
    const loc = cla.endpoints[li]!;
    const stats: LocalityStats = { weight: loc.loadBalancingWeight ?? 0, total: 0, healthy: 0, weightSum: 0 };
    localities.push(stats);
    const locPath = `${prefix}endpoints[${li}]`;
    let lbEndpoints = loc.lbEndpoints;
    if (loc.lbConfig.case === 'loadBalancerEndpoints') lbEndpoints = lbEndpoints.concat(loc.lbConfig.value.lbEndpoints);
    else if (loc.lbConfig.case === 'ledsClusterLocalityConfig') {
      report.fold('leds', `${locPath}.leds_cluster_locality_config`, 'dropped', 'LEDS endpoint collections are not supported; the locality has no nodes');
    }
    if (options.localityWeighted && !loc.loadBalancingWeight && lbEndpoints.length > 0) {
      report.fold(
        'locality-weight-0',
        `${locPath}.load_balancing_weight`,
        'dropped',
        loc.loadBalancingWeight === 0
          ? 'locality weight 0 is invalid in Envoy (must be >= 1); the locality gets no traffic'
          : 'locality without load_balancing_weight under locality-weighted balancing: Envoy sends it no traffic, so its endpoints are left out',
      );
    }
    const priority = loc.priority;
    let ptotals = priorityTotals.get(priority);
    if (!ptotals) priorityTotals.set(priority, (ptotals = { total: 0, healthy: 0 }));

    for (let ei = 0; ei < lbEndpoints.length; ei++) {
      const lbe = lbEndpoints[ei]!;
      const epPath = `${locPath}.lb_endpoints[${ei}]`;
      if (options.firstOnly && taken > 0) {
        report.fold('logical-dns-extra', epPath, 'ignored', 'LOGICAL_DNS clusters use only their first endpoint, as Envoy does');
        continue;
      }
      let endpoint = lbe.hostIdentifier.case === 'endpoint' ? lbe.hostIdentifier.value : undefined;
      if (lbe.hostIdentifier.case === 'endpointName') {
        endpoint = cla.namedEndpoints[lbe.hostIdentifier.value];
        if (!endpoint) {
          report.fold('named-missing', `${epPath}.endpoint_name`, 'dropped', `named endpoint "${lbe.hostIdentifier.value}" is not in named_endpoints; skipped`);
          continue;
        }
      }
      const addr = nodeAddress(endpoint?.address);
      if (!addr.ok) {
        report.fold(addr.code, `${epPath}.endpoint.${addr.field}`, 'dropped', addr.reason);
        continue;
      }
      if (addr.udp) report.fold('udp', `${epPath}.endpoint.address.socket_address.protocol`, 'approximated', 'UDP endpoint: APISIX proxies it as TCP unless a UDP stream route uses it');
      const weight = lbe.loadBalancingWeight ?? 1;
      if (weight === 0) {
        report.fold('weight-0', `${epPath}.load_balancing_weight`, 'dropped', 'endpoint weight 0 is invalid in Envoy (must be >= 1); the endpoint gets no traffic');
        continue;
      }
      taken++;
      stats.total++;
      ptotals.total++;
      const hs = lbe.healthStatus;
      if (hs === Health.UNHEALTHY || hs === Health.DRAINING || hs === Health.TIMEOUT) continue;
      stats.healthy++;
      ptotals.healthy++;
      stats.weightSum += weight;
      candidates.push({
        host: addr.host,
        port: addr.port,
        priority,
        degraded: hs === Health.DEGRADED,
        locality: li,
        weight,
        socket: options.socketOf ? options.socketOf(lbe, loc) : 0,
      });
    }
  }

  reportPriorityEffects(priorityTotals, options.panicThreshold, prefix, report);
  if (candidates.length === 0) return options.socketOf ? { nodes: [], sockets: [] } : { nodes: [] };

  const shares = options.localityWeighted
    ? localityShares(candidates, localities, overprovisioning)
    : candidates.map((c) => c.weight);
  return buildNodes(candidates, shares, options, report);
}

/**
 * Envoy picks a locality by weight (scaled down when under overprovisioned health), then an
 * endpoint by weight inside it. Exact integers when every locality is healthy enough.
 */
/**
 * The common case, done without the general machinery (a 10,000-service mesh has 10,000 of
 * these): one locality, every endpoint healthy with a valid socket address, no duplicates.
 * Returns undefined to fall back to the general path, which then reports what it must.
 */
function simpleAssignment(cla: ClusterLoadAssignment, options: EndpointOptions): EndpointNodes | undefined {
  if (cla.endpoints.length !== 1 || options.firstOnly) return undefined;
  const loc = cla.endpoints[0]!;
  if (loc.lbConfig.case !== undefined || (options.localityWeighted && !loc.loadBalancingWeight)) return undefined;
  const eps = loc.lbEndpoints;
  if (eps.length > 16) return undefined;
  // Sized up front (any endpoint left out returns undefined): these arrays end up in the output.
  const nodes = new Array<ApisixUpstreamNode>(eps.length);
  const sockets: number[] | undefined = options.socketOf ? new Array<number>(eps.length) : undefined;
  let sameWeight = -1;
  for (let i = 0; i < eps.length; i++) {
    const lbe = eps[i]!;
    const hs = lbe.healthStatus;
    if (hs !== Health.HEALTHY && hs !== Health.UNKNOWN) return undefined;
    const weight = lbe.loadBalancingWeight ?? 1;
    if (weight === 0) return undefined;
    const id = lbe.hostIdentifier;
    if (id.case !== 'endpoint') return undefined;
    const addr = nodeAddress(id.value.address);
    if (!addr.ok || addr.udp) return undefined;
    for (let j = 0; j < i; j++) if (nodes[j]!.host === addr.host && nodes[j]!.port === addr.port) return undefined;
    sameWeight = sameWeight === -1 || sameWeight === weight ? weight : -2;
    nodes[i] = { host: addr.host, port: addr.port, weight, priority: 0 };
    if (sockets) sockets[i] = options.socketOf!(lbe, loc);
  }
  if (sameWeight > 0) {
    for (const n of nodes) n.weight = 1;
  } else if (nodes.length > 0) {
    const w = integerWeights(nodes.map((n) => n.weight), options.maxWeight);
    if (w.approximated) return undefined;
    for (let i = 0; i < nodes.length; i++) nodes[i]!.weight = w.weights[i]!;
  }
  const priority = loc.priority === 0 ? 0 : -loc.priority;
  if (priority !== 0) for (const n of nodes) n.priority = priority;
  return sockets ? { nodes, sockets } : { nodes };
}

function localityShares(candidates: readonly Candidate[], localities: readonly LocalityStats[], overprovisioning: number): number[] {
  const factors = localities.map((l) => (l.total === 0 ? 0 : Math.min(1, (overprovisioning * l.healthy) / l.total)));
  const exact = factors.every((f, i) => f === 1 || localities[i]!.weightSum === 0);
  if (exact) {
    let m = 1;
    for (const l of localities) if (l.weightSum > 0 && l.weight > 0) m = lcm(m, l.weightSum);
    if (Number.isSafeInteger(m)) {
      const out = candidates.map((c) => {
        const l = localities[c.locality]!;
        return l.weight * c.weight * (m / l.weightSum);
      });
      if (out.every((x) => Number.isSafeInteger(x))) return out;
    }
  }
  return candidates.map((c) => {
    const l = localities[c.locality]!;
    return l.weightSum > 0 ? (l.weight * factors[c.locality]! * c.weight) / l.weightSum : 0;
  });
}

function buildNodes(
  candidates: readonly Candidate[],
  shares: readonly number[],
  options: EndpointOptions,
  report: ReportSink,
): EndpointNodes {
  let maxPriority = 0;
  for (const c of candidates) if (c.priority > maxPriority) maxPriority = c.priority;
  // Group by APISIX priority, merging duplicate addresses; first-seen order is kept.
  const groups = new Map<number, { keys: Map<string, number>; cands: Candidate[]; shares: number[] }>();
  let degraded = 0;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (shares[i]! <= 0) continue;
    const level = c.degraded ? maxPriority + 1 + c.priority : c.priority;
    if (c.degraded) degraded++;
    let g = groups.get(level);
    if (!g) groups.set(level, (g = { keys: new Map(), cands: [], shares: [] }));
    const key = `${c.host} ${c.port}`;
    const at = g.keys.get(key);
    if (at === undefined) {
      g.keys.set(key, g.cands.length);
      g.cands.push(c);
      g.shares.push(shares[i]!);
    } else {
      g.shares[at]! += shares[i]!;
    }
  }
  if (degraded > 0) {
    report.add(`${options.pathPrefix}endpoints`, 'approximated', `${degraded} DEGRADED endpoint(s) moved to a lower APISIX priority: they get traffic only when healthier nodes fail`);
  }
  const levels = [...groups.keys()].sort((a, b) => a - b);
  const nodes: ApisixUpstreamNode[] = [];
  const sockets: number[] | undefined = options.socketOf ? [] : undefined;
  let approximated = false;
  for (const level of levels) {
    const g = groups.get(level)!;
    const w = integerWeights(g.shares, options.maxWeight);
    if (w.approximated) approximated = true;
    const priority = level === 0 ? 0 : -level;
    for (let i = 0; i < g.cands.length; i++) {
      const c = g.cands[i]!;
      const weight = w.weights[i]!;
      if (weight <= 0) continue;
      nodes.push({ host: c.host, port: c.port, weight, priority });
      sockets?.push(c.socket);
    }
  }
  if (approximated) {
    report.add(`${options.pathPrefix}endpoints`, 'approximated', `endpoint/locality weight ratios rounded to integers of at most ${options.maxWeight}`);
  }
  return sockets ? { nodes, sockets } : { nodes };
}

function reportPriorityEffects(
  totals: ReadonlyMap<number, { total: number; healthy: number }>,
  panicThreshold: number,
  prefix: string,
  report: ReportSink,
): void {
  let levels = 0;
  let partial = false;
  for (const [priority, t] of totals) {
    if (t.total === 0) continue;
    levels++;
    if (t.healthy < t.total) partial = true;
    if (t.healthy < t.total && panicThreshold > 0 && (t.healthy * 100) / t.total < panicThreshold) {
      report.add(
        `${prefix}endpoints`,
        'approximated',
        `priority ${priority}: ${t.healthy}/${t.total} endpoints healthy, below the ${panicThreshold}% panic threshold where Envoy would balance over all of them; APISIX gets only the healthy ones`,
      );
    }
  }
  if (levels > 1 && partial) {
    report.add(
      `${prefix}endpoints`,
      'approximated',
      'partially healthy priority levels: Envoy spills a share of traffic to the next level, APISIX uses lower-priority nodes only when higher ones fail',
    );
  }
}

function lcm(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return (a / x) * b;
}
