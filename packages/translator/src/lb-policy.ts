import type { Cluster } from '@amesh/proto';
import { Cluster_LbPolicy } from '@amesh/proto';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import { anyTypeName, decodeAny } from './any-decode.js';
import type { LocalityLbConfig, SlowStartConfig } from '@amesh/proto/gen/envoy/extensions/load_balancing_policies/common/v3/common_pb';
import { ClientSideWeightedRoundRobinSchema } from '@amesh/proto/gen/envoy/extensions/load_balancing_policies/client_side_weighted_round_robin/v3/client_side_weighted_round_robin_pb';
import { ClusterProvidedSchema } from '@amesh/proto/gen/envoy/extensions/load_balancing_policies/cluster_provided/v3/cluster_provided_pb';
import { LeastRequestSchema } from '@amesh/proto/gen/envoy/extensions/load_balancing_policies/least_request/v3/least_request_pb';
import { MaglevSchema } from '@amesh/proto/gen/envoy/extensions/load_balancing_policies/maglev/v3/maglev_pb';
import { RandomSchema } from '@amesh/proto/gen/envoy/extensions/load_balancing_policies/random/v3/random_pb';
import { RingHashSchema } from '@amesh/proto/gen/envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash_pb';
import { RoundRobinSchema } from '@amesh/proto/gen/envoy/extensions/load_balancing_policies/round_robin/v3/round_robin_pb';
import { WrrLocalitySchema } from '@amesh/proto/gen/envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality_pb';
import type { LoadBalancingPolicy } from '@amesh/proto/gen/envoy/config/cluster/v3/cluster_pb';
import type { UpstreamType } from './apisix-types.js';
import type { ReportSink } from './report-sink.js';

/** Local copy of the enum: the package re-export is a getter, read on every use (hot path). */
const LbPolicy = { ...Cluster_LbPolicy };

/** The chash key an upstream gets until a route's hash_policy says otherwise. */
export const DEFAULT_HASH_KEY = 'remote_addr';

export interface LbChoice {
  type: UpstreamType;
  /** Locality weights apply (locality_weighted_lb_config, or wrr_locality). */
  localityWeighted: boolean;
  /** healthy_panic_threshold in percent. */
  panicThreshold: number;
}

const LB_POLICY_NAMES: Record<number, string> = {
  [LbPolicy.ROUND_ROBIN]: 'ROUND_ROBIN',
  [LbPolicy.LEAST_REQUEST]: 'LEAST_REQUEST',
  [LbPolicy.RING_HASH]: 'RING_HASH',
  [LbPolicy.RANDOM]: 'RANDOM',
  [LbPolicy.MAGLEV]: 'MAGLEV',
  [LbPolicy.CLUSTER_PROVIDED]: 'CLUSTER_PROVIDED',
  [LbPolicy.LOAD_BALANCING_POLICY_CONFIG]: 'LOAD_BALANCING_POLICY_CONFIG',
};

const LEAST_REQUEST_REASON =
  'LEAST_REQUEST -> least_conn: APISIX picks the node with the fewest active connections (weighted), not Envoy\'s power-of-two-choices on active requests';
const RANDOM_REASON = 'RANDOM -> roundrobin: APISIX has no random balancer; traffic shares are the same on average';
const HASH_REASON = `consistent hashing -> chash with key "${DEFAULT_HASH_KEY}" unless the route's hash_policy sets one; ring/table sizes and hash function are APISIX's own (Envoy picks a random host when a request carries no hash key)`;

/**
 * Cluster lb_policy (enum form) or load_balancing_policy (typed form, which wins when set, as in
 * Envoy) -> APISIX upstream `type`. What APISIX does differently is reported.
 */
export function lbFromCluster(cluster: Cluster, report: ReportSink): LbChoice {
  const choice: LbChoice = { type: 'roundrobin', localityWeighted: false, panicThreshold: 50 };
  const common = cluster.commonLbConfig;
  if (common) {
    if (common.healthyPanicThreshold) choice.panicThreshold = common.healthyPanicThreshold.value;
    const spec = common.localityConfigSpecifier;
    if (spec.case === 'localityWeightedLbConfig') choice.localityWeighted = true;
    else if (spec.case === 'zoneAwareLbConfig') {
      report.add('common_lb_config.zone_aware_lb_config', 'ignored', 'zone-aware routing needs the local zone, which APISIX balancers do not know');
    }
    if (common.consistentHashingLbConfig) report.add('common_lb_config.consistent_hashing_lb_config', 'ignored', 'APISIX chash has no hash balance factor or hostname hashing');
    if (common.updateMergeWindow) report.add('common_lb_config.update_merge_window', 'ignored', 'APISIX applies endpoint updates as they come');
    if (common.ignoreNewHostsUntilFirstHc) report.add('common_lb_config.ignore_new_hosts_until_first_hc', 'ignored', 'APISIX sends traffic to new nodes at once');
    if (common.closeConnectionsOnHostSetChange) report.add('common_lb_config.close_connections_on_host_set_change', 'ignored', 'APISIX keeps pooled connections when nodes change');
    if (common.overrideHostStatus) report.add('common_lb_config.override_host_status', 'ignored', 'no host override in APISIX');
  }

  const typed = cluster.loadBalancingPolicy;
  if (typed && typed.policies.length > 0) {
    applyTypedPolicy(typed, 'load_balancing_policy', choice, report);
    return choice;
  }

  switch (cluster.lbPolicy) {
    case LbPolicy.ROUND_ROBIN:
    case LbPolicy.CLUSTER_PROVIDED:
      break;
    case LbPolicy.LEAST_REQUEST:
      choice.type = 'least_conn';
      report.add('lb_policy', 'approximated', LEAST_REQUEST_REASON);
      break;
    case LbPolicy.RANDOM:
      report.add('lb_policy', 'approximated', RANDOM_REASON);
      break;
    case LbPolicy.RING_HASH:
    case LbPolicy.MAGLEV:
      choice.type = 'chash';
      report.add('lb_policy', 'approximated', `${LB_POLICY_NAMES[cluster.lbPolicy]} ${HASH_REASON}`);
      break;
    case LbPolicy.LOAD_BALANCING_POLICY_CONFIG:
      report.add('lb_policy', 'approximated', 'LOAD_BALANCING_POLICY_CONFIG without load_balancing_policy: roundrobin');
      break;
    default:
      report.add('lb_policy', 'approximated', `unknown lb_policy ${cluster.lbPolicy}: roundrobin`);
  }
  const cfg = cluster.lbConfig;
  if (cfg.case === 'leastRequestLbConfig') {
    if (cfg.value.choiceCount !== undefined || cfg.value.activeRequestBias) {
      report.add('least_request_lb_config', 'ignored', 'choice_count / active_request_bias have no least_conn counterpart');
    }
    if (cfg.value.slowStartConfig) report.add('least_request_lb_config.slow_start_config', 'ignored', 'APISIX has no slow start');
  } else if (cfg.case === 'roundRobinLbConfig' && cfg.value.slowStartConfig) {
    report.add('round_robin_lb_config.slow_start_config', 'ignored', 'APISIX has no slow start');
  }
  return choice;
}

/** Envoy uses the first policy in the list it supports; so do we. */
function applyTypedPolicy(policy: LoadBalancingPolicy, path: string, choice: LbChoice, report: ReportSink): void {
  for (let i = 0; i < policy.policies.length; i++) {
    const p = policy.policies[i]!;
    const at = `${path}.policies[${i}].typed_extension_config.typed_config`;
    const any = p.typedExtensionConfig?.typedConfig;
    if (!any) continue;
    if (applyPolicyAny(any, at, choice, report)) {
      if (i > 0) report.add(`${path}.policies`, 'approximated', `first ${i} polic${i === 1 ? 'y is' : 'ies are'} not supported; used policies[${i}]`);
      return;
    }
  }
  const names = policy.policies.map((p) => p.typedExtensionConfig?.typedConfig?.typeUrl.split('/').pop() ?? '?');
  report.add(`${path}.policies`, 'approximated', `no supported policy among ${names.join(', ')}: roundrobin`);
}

function applyPolicyAny(any: Any, at: string, choice: LbChoice, report: ReportSink): boolean {
  const typeName = anyTypeName(any);
  // A corrupt config of a known policy counts as unsupported: Envoy would reject it.
  const unpack = <D extends DescMessage>(schema: D): MessageShape<D> | undefined => {
    const d = decodeAny(any, schema);
    if (d.ok) return d.message;
    report.add(at, 'ignored', d.error);
    return undefined;
  };
  switch (typeName) {
    case RoundRobinSchema.typeName: {
      const m = unpack(RoundRobinSchema);
      if (!m) return false;
      choice.type = 'roundrobin';
      slowStart(m.slowStartConfig, at, report);
      locality(m.localityLbConfig, at, choice, report);
      return true;
    }
    case LeastRequestSchema.typeName: {
      const m = unpack(LeastRequestSchema);
      if (!m) return false;
      choice.type = 'least_conn';
      report.add(at, 'approximated', LEAST_REQUEST_REASON);
      if ((m.choiceCount !== undefined || m.activeRequestBias || m.selectionMethod !== 0 || m.enableFullScan !== undefined)) {
        report.add(`${at}.choice_count`, 'ignored', 'choice_count / active_request_bias / selection method have no least_conn counterpart');
      }
      slowStart(m.slowStartConfig, at, report);
      locality(m.localityLbConfig, at, choice, report);
      return true;
    }
    case RandomSchema.typeName: {
      const m = unpack(RandomSchema);
      if (!m) return false;
      choice.type = 'roundrobin';
      report.add(at, 'approximated', RANDOM_REASON);
      locality(m.localityLbConfig, at, choice, report);
      return true;
    }
    case RingHashSchema.typeName: {
      const m = unpack(RingHashSchema);
      if (!m) return false;
      choice.type = 'chash';
      report.add(at, 'approximated', `RingHash ${HASH_REASON}`);
      if (m.localityWeightedLbConfig) choice.localityWeighted = true;
      return true;
    }
    case MaglevSchema.typeName: {
      const m = unpack(MaglevSchema);
      if (!m) return false;
      choice.type = 'chash';
      report.add(at, 'approximated', `Maglev ${HASH_REASON}`);
      if (m.localityWeightedLbConfig) choice.localityWeighted = true;
      return true;
    }
    case WrrLocalitySchema.typeName: {
      const m = unpack(WrrLocalitySchema);
      if (!m) return false;
      choice.localityWeighted = true;
      if (m.endpointPickingPolicy && m.endpointPickingPolicy.policies.length > 0) {
        applyTypedPolicy(m.endpointPickingPolicy, `${at}.endpoint_picking_policy`, choice, report);
      }
      return true;
    }
    case ClientSideWeightedRoundRobinSchema.typeName:
      choice.type = 'roundrobin';
      report.add(at, 'approximated', 'client-side weighted round robin (ORCA load reports) -> roundrobin on the endpoint weights');
      return true;
    case ClusterProvidedSchema.typeName:
      return true;
    default:
      report.add(at, 'ignored', `load balancing policy ${typeName} is not supported by APISIX`);
      return false;
  }
}

function slowStart(cfg: SlowStartConfig | undefined, at: string, report: ReportSink): void {
  if (cfg) report.add(`${at}.slow_start_config`, 'ignored', 'APISIX has no slow start: new nodes get their full weight at once');
}

function locality(cfg: LocalityLbConfig | undefined, at: string, choice: LbChoice, report: ReportSink): void {
  const spec = cfg?.localityConfigSpecifier;
  if (spec?.case === 'localityWeightedLbConfig') choice.localityWeighted = true;
  else if (spec?.case === 'zoneAwareLbConfig') {
    report.add(`${at}.locality_lb_config.zone_aware_lb_config`, 'ignored', 'zone-aware routing needs the local zone, which APISIX balancers do not know');
  }
}
