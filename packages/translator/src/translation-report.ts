import type { XdsKind } from './xds-resources.js';

/**
 * What happened to a part of the input that did not translate one-to-one.
 * - `dropped`: the part (a route, a cluster, …) produced no APISIX object.
 * - `approximated`: it produced an object whose behaviour differs from Envoy's, as `reason` says.
 * - `ignored`: the field has no APISIX counterpart and was left out; behaviour may differ.
 */
export type ReportSeverity = 'dropped' | 'approximated' | 'ignored';

export interface ReportItem {
  kind: XdsKind;
  /** The resource name (cluster name, listener name, …). */
  name: string;
  /** A field path inside the resource, proto field names: `virtual_hosts[0].routes[2].match.grpc`. */
  path: string;
  severity: ReportSeverity;
  reason: string;
}

export type TranslationReport = ReportItem[];
