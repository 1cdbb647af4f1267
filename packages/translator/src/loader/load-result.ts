import type { ReportItem } from '../translation-report.js';
import type { XdsKind, XdsResources } from '../xds-resources.js';

/** The document formats of testdata/xds/PROVENANCE.md the loader recognises. */
export type XdsDocumentFormat =
  | 'config-dump' // Envoy admin /config_dump: {configs: [{"@type": …ConfigDump}]}
  | 'discovery-response' // {versionInfo, resources: [Any], typeUrl, nonce}
  | 'resource-list' // {resources: [Any | {name, resource}]} (Kuma plugin goldens)
  | 'xds-map' // Kuma e2e golden: {xds: {<typeUrl>: {<name>: resource}}}
  | 'bare-list' // a list of resources (Envoy Gateway goldens); type from @type or the file name
  | 'bootstrap' // Envoy static bootstrap: {static_resources: {listeners, clusters, secrets}}
  | 'resource'; // one resource with an "@type"

/**
 * A loader finding. Items about a resource use its kind; items about the document itself (a
 * section or resource type amesh does not read) use `Document`.
 */
export interface LoadReportItem extends Omit<ReportItem, 'kind'> {
  kind: XdsKind | 'Document';
  /** The file the item comes from. */
  source: string;
}

/** Where one loaded resource came from. */
export interface LoadedResourceRef {
  kind: XdsKind;
  name: string;
  /** JSON path of the resource inside its document. */
  path: string;
  /** `version_info` of the resource (config dumps) or of its DiscoveryResponse, when present. */
  versionInfo?: string;
  /** `static` for bootstrap resources of a config dump, `dynamic` for xDS-delivered ones. */
  origin?: 'static' | 'dynamic';
}

export interface LoadedSource {
  source: string;
  format: XdsDocumentFormat;
  /** The document-level version (DiscoveryResponse `version_info`), when present. */
  versionInfo?: string;
  resources: LoadedResourceRef[];
}

export interface LoadResult {
  resources: XdsResources;
  /** What was kept without being understood, skipped, or replaced; never silent. */
  report: LoadReportItem[];
  sources: LoadedSource[];
}
