import { typeNameOf } from '@amesh/proto';
import type { ReportSeverity } from '../translation-report.js';
import type { XdsKind } from '../xds-resources.js';
import { field, fieldKey, isObject, joinPath, type JsonObject } from './json-path.js';
import type { XdsDocumentFormat } from './load-result.js';
import { kindFromFileName, kindInfo, kindOfType, RESOURCE_WRAPPER_TYPE, type ResourceKindInfo } from './resource-kinds.js';
import { XdsLoadError } from './xds-load-error.js';

/** One resource found in a document, still as proto-JSON (without its `@type`). */
export interface RawEntry {
  info: ResourceKindInfo;
  json: JsonObject;
  /** JSON path of the resource in the file. */
  path: string;
  /** The name given outside the resource (Kuma maps, {name, resource} wrappers, dump secrets). */
  nameHint?: string;
  versionInfo?: string;
  origin?: 'static' | 'dynamic';
}

/** A finding about the document rather than a resource (skipped sections, unsupported types). */
export interface DocumentNote {
  path: string;
  severity: ReportSeverity;
  reason: string;
}

export interface ExtractedDocument {
  format: XdsDocumentFormat;
  versionInfo?: string;
  entries: RawEntry[];
  notes: DocumentNote[];
}

const SHAPES_EXPECTED =
  'expected an Envoy config_dump ({"configs": [...]}), a DiscoveryResponse or resource list ({"resources": [...]}), ' +
  'a Kuma xds map ({"xds": {...}}), a bootstrap ({"static_resources": {...}}), a list of resources, or one resource with "@type"';

/** Finds the resources of one parsed document, whatever its format. Pure. */
export function extractEntries(doc: unknown, source: string, base: string): ExtractedDocument {
  const out: ExtractedDocument = { format: 'resource', entries: [], notes: [] };
  const ctx = new Extraction(source, out);
  if (Array.isArray(doc)) {
    out.format = 'bare-list';
    const fromName = kindFromFileName(source);
    ctx.list(doc, base, fromName && { info: fromName, binding: false });
  } else if (!isObject(doc)) {
    throw new XdsLoadError(source, base, `found ${typeof doc} ${JSON.stringify(doc)}: ${SHAPES_EXPECTED}`, 'shape');
  } else if (field(doc, 'configs') !== undefined) {
    out.format = 'config-dump';
    ctx.configDump(doc, base);
  } else if (field(doc, 'static_resources') !== undefined) {
    out.format = 'bootstrap';
    ctx.bootstrap(doc, base);
  } else if (isObject(doc['xds'])) {
    out.format = 'xds-map';
    ctx.xdsMap(doc['xds'], joinPath(base, 'xds'));
  } else if (field(doc, 'resources') !== undefined) {
    ctx.discoveryResponse(doc, base);
  } else if (typeof doc['@type'] === 'string') {
    out.format = 'resource';
    ctx.resource(doc, base, undefined, {});
  } else {
    const keys = Object.keys(doc).slice(0, 6).join(', ');
    throw new XdsLoadError(source, base, `unknown top-level shape (keys: ${keys || 'none'}): ${SHAPES_EXPECTED}`, 'shape');
  }
  return out;
}

type EntryMeta = Pick<RawEntry, 'nameHint' | 'versionInfo' | 'origin'>;

/**
 * The kind the context promises for resources without "@type". A binding hint (a DiscoveryResponse
 * typeUrl, a config-dump section) also rejects a resource whose "@type" says otherwise; a file-name
 * hint only fills in.
 */
interface KindHint {
  info: ResourceKindInfo;
  binding: boolean;
}

const bind = (info: ResourceKindInfo): KindHint => ({ info, binding: true });

class Extraction {
  constructor(
    private readonly source: string,
    private readonly out: ExtractedDocument,
  ) {}

  private fail(path: string, problem: string): never {
    throw new XdsLoadError(this.source, path, problem);
  }

  private note(path: string, severity: ReportSeverity, reason: string): void {
    this.out.notes.push({ path, severity, reason });
  }

  private array(obj: JsonObject, snake: string, base: string): { items: unknown[]; path: string } {
    const key = fieldKey(obj, snake);
    const path = joinPath(base, key);
    const value = obj[key];
    if (value === undefined || value === null) return { items: [], path };
    if (!Array.isArray(value)) this.fail(path, `expected a list, got ${describe(value)}`);
    return { items: value, path };
  }

  private object(value: unknown, path: string, what: string): JsonObject {
    if (!isObject(value)) this.fail(path, `expected ${what} (an object), got ${describe(value)}`);
    return value;
  }

  private version(obj: JsonObject, path: string): string | undefined {
    const v = field(obj, 'version_info');
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(joinPath(path, fieldKey(obj, 'version_info')), `expected a string, got ${describe(v)}`);
    return v;
  }

  /** A bare list: each item is a resource with "@type", a {name, resource} wrapper, or of `kind`. */
  list(items: unknown[], base: string, hint: KindHint | undefined, meta: EntryMeta = {}): void {
    items.forEach((item, i) => this.resource(item, joinPath(base, i), hint, meta));
  }

  /** One resource: an Any (`@type`), a Resource wrapper, or plain JSON of the fallback kind. */
  resource(value: unknown, path: string, hint: KindHint | undefined, meta: EntryMeta): void {
    const obj = this.object(value, path, 'a resource');
    const type = obj['@type'];
    if (type !== undefined && typeof type !== 'string') this.fail(joinPath(path, '@type'), `expected a type URL string, got ${describe(type)}`);
    if (type !== undefined && typeNameOf(type) === RESOURCE_WRAPPER_TYPE) return this.wrapper(obj, path, hint, meta);
    if (type === undefined && isObject(obj['resource']) && isWrapper(obj)) return this.wrapper(obj, path, hint, meta);
    const { ['@type']: _t, ...json } = obj;
    void _t;
    let info: ResourceKindInfo | undefined;
    if (type !== undefined) {
      info = kindOfType(type);
      if (!info) {
        this.note(path, 'ignored', `resource type ${typeNameOf(type)} is not one amesh translates (Listener, RouteConfiguration, Cluster, ClusterLoadAssignment, Secret): skipped`);
        return;
      }
      if (hint?.binding && hint.info.kind !== info.kind) this.fail(joinPath(path, '@type'), `expected a ${hint.info.kind} here, got ${typeNameOf(type)}`);
    } else {
      info = hint?.info ?? guessKind(obj);
      if (!info) this.fail(path, 'cannot tell the resource type: expected an "@type" field (e.g. "type.googleapis.com/envoy.config.cluster.v3.Cluster") or a file name such as x.clusters.yaml');
    }
    this.out.entries.push({ info, json, path, ...meta });
  }

  private wrapper(obj: JsonObject, path: string, hint: KindHint | undefined, meta: EntryMeta): void {
    const name = obj['name'];
    const version = obj['version'];
    this.resource(obj['resource'], joinPath(path, 'resource'), hint, {
      ...meta,
      ...(typeof name === 'string' ? { nameHint: name } : {}),
      ...(typeof version === 'string' && version ? { versionInfo: version } : {}),
    });
  }

  discoveryResponse(doc: JsonObject, base: string): void {
    const typeUrl = field(doc, 'type_url');
    const isResponse = typeUrl !== undefined || field(doc, 'version_info') !== undefined || doc['nonce'] !== undefined;
    this.out.format = isResponse ? 'discovery-response' : 'resource-list';
    if (typeUrl !== undefined && typeof typeUrl !== 'string') this.fail(joinPath(base, fieldKey(doc, 'type_url')), `expected a type URL string, got ${describe(typeUrl)}`);
    const versionInfo = this.version(doc, base);
    if (versionInfo !== undefined) this.out.versionInfo = versionInfo;
    let hint: KindHint | undefined;
    if (typeUrl) {
      const info = kindOfType(typeUrl);
      if (!info) {
        this.note(base, 'ignored', `DiscoveryResponse of type ${typeNameOf(typeUrl)}, which amesh does not translate: skipped`);
        return;
      }
      hint = bind(info);
    }
    const { items, path } = this.array(doc, 'resources', base);
    this.list(items, path, hint, versionInfo !== undefined ? { versionInfo } : {});
  }

  xdsMap(map: JsonObject, base: string): void {
    for (const [typeUrl, byName] of Object.entries(map)) {
      const path = joinPath(base, typeUrl);
      const info = kindOfType(typeUrl);
      if (!info) {
        this.note(path, 'ignored', `resource type ${typeNameOf(typeUrl)} is not one amesh translates: skipped`);
        continue;
      }
      const resources = this.object(byName, path, `a map of ${info.kind} names to resources`);
      for (const [name, resource] of Object.entries(resources)) this.resource(resource, joinPath(path, name), bind(info), { nameHint: name });
    }
  }

  bootstrap(doc: JsonObject, base: string): void {
    const key = fieldKey(doc, 'static_resources');
    const statics = this.object(doc[key], joinPath(base, key), 'static resources');
    const path = joinPath(base, key);
    for (const [section, kind] of [['listeners', 'Listener'], ['clusters', 'Cluster'], ['secrets', 'Secret']] as const) {
      const { items, path: at } = this.array(statics, section, path);
      this.list(items, at, bind(kindInfo(kind)), { origin: 'static' });
    }
  }

  configDump(doc: JsonObject, base: string): void {
    const { items, path } = this.array(doc, 'configs', base);
    items.forEach((item, i) => {
      const at = joinPath(path, i);
      const section = this.object(item, at, 'a config dump section');
      const type = section['@type'];
      if (typeof type !== 'string') this.fail(joinPath(at, '@type'), 'expected the type URL of an envoy.admin.v3 config dump section (e.g. ClustersConfigDump)');
      this.dumpSection(typeNameOf(type), section, at);
    });
  }

  private dumpSection(type: string, s: JsonObject, at: string): void {
    switch (type) {
      case 'envoy.admin.v3.BootstrapConfigDump':
        return; // its static resources appear again in the sections below
      case 'envoy.admin.v3.ClustersConfigDump':
        this.dumpItems(s, at, 'static_clusters', 'cluster', 'Cluster', 'static');
        this.dumpItems(s, at, 'dynamic_active_clusters', 'cluster', 'Cluster', 'dynamic');
        return this.warming(s, at, 'dynamic_warming_clusters', 'clusters');
      case 'envoy.admin.v3.EndpointsConfigDump':
        this.dumpItems(s, at, 'static_endpoint_configs', 'endpoint_config', 'ClusterLoadAssignment', 'static');
        return this.dumpItems(s, at, 'dynamic_endpoint_configs', 'endpoint_config', 'ClusterLoadAssignment', 'dynamic');
      case 'envoy.admin.v3.RoutesConfigDump':
        this.dumpItems(s, at, 'static_route_configs', 'route_config', 'RouteConfiguration', 'static');
        return this.dumpItems(s, at, 'dynamic_route_configs', 'route_config', 'RouteConfiguration', 'dynamic');
      case 'envoy.admin.v3.SecretsConfigDump':
        this.dumpItems(s, at, 'static_secrets', 'secret', 'Secret', 'static');
        this.dumpItems(s, at, 'dynamic_active_secrets', 'secret', 'Secret', 'dynamic');
        return this.warming(s, at, 'dynamic_warming_secrets', 'secrets');
      case 'envoy.admin.v3.ListenersConfigDump':
        this.dumpItems(s, at, 'static_listeners', 'listener', 'Listener', 'static');
        return this.dynamicListeners(s, at);
      case 'envoy.admin.v3.ScopedRoutesConfigDump':
        if (Object.keys(s).some((k) => k !== '@type' && !isEmpty(s[k]))) {
          this.note(at, 'ignored', 'scoped route configurations (SRDS) are not translated: skipped');
        }
        return;
      default:
        this.note(at, 'ignored', `config dump section ${type} holds no resource amesh translates: skipped`);
    }
  }

  private dumpItems(s: JsonObject, at: string, list: string, inner: string, kind: XdsKind, origin: 'static' | 'dynamic'): void {
    const { items, path } = this.array(s, list, at);
    items.forEach((item, i) => {
      const itemPath = joinPath(path, i);
      const wrapper = this.object(item, itemPath, `a ${list} entry`);
      const key = fieldKey(wrapper, inner);
      const name = wrapper['name'];
      const versionInfo = this.version(wrapper, itemPath);
      this.resource(wrapper[key], joinPath(itemPath, key), bind(kindInfo(kind)), {
        origin,
        ...(typeof name === 'string' ? { nameHint: name } : {}),
        ...(versionInfo !== undefined ? { versionInfo } : {}),
      });
    });
  }

  private warming(s: JsonObject, at: string, list: string, what: string): void {
    const { items, path } = this.array(s, list, at);
    if (items.length > 0) this.note(path, 'ignored', `${items.length} warming ${what} (not yet active in Envoy): skipped`);
  }

  private dynamicListeners(s: JsonObject, at: string): void {
    const { items, path } = this.array(s, 'dynamic_listeners', at);
    items.forEach((item, i) => {
      const itemPath = joinPath(path, i);
      const entry = this.object(item, itemPath, 'a dynamic listener');
      const name = typeof entry['name'] === 'string' ? entry['name'] : undefined;
      const activeKey = fieldKey(entry, 'active_state');
      const active = entry[activeKey];
      if (active !== undefined && active !== null) {
        const statePath = joinPath(itemPath, activeKey);
        const state = this.object(active, statePath, 'a listener state');
        const versionInfo = this.version(state, statePath);
        const key = fieldKey(state, 'listener');
        this.resource(state[key], joinPath(statePath, key), bind(kindInfo('Listener')), {
          origin: 'dynamic',
          ...(name !== undefined ? { nameHint: name } : {}),
          ...(versionInfo !== undefined ? { versionInfo } : {}),
        });
      }
      for (const other of ['warming_state', 'draining_state', 'error_state']) {
        if (isEmpty(field(entry, other))) continue;
        const why = other === 'error_state' ? 'an update Envoy rejected' : other === 'warming_state' ? 'not yet active in Envoy' : 'being removed by Envoy';
        this.note(joinPath(itemPath, fieldKey(entry, other)), 'ignored', `listener ${name ?? `#${i}`}: ${other} (${why}) skipped; only the active state is read`);
      }
    });
  }
}

const WRAPPER_KEYS = new Set(['name', 'resource', 'version', 'aliases', 'ttl', 'cache_control', 'cacheControl', 'metadata', 'resource_name', 'resourceName']);

function isWrapper(obj: JsonObject): boolean {
  return Object.keys(obj).every((k) => WRAPPER_KEYS.has(k));
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isObject(value)) return Object.keys(value).length === 0;
  return false;
}

/** Recognises a resource without "@type" by the fields only its kind has. */
function guessKind(obj: JsonObject): ResourceKindInfo | undefined {
  const has = (snake: string): boolean => field(obj, snake) !== undefined;
  if (has('virtual_hosts') || has('vhds')) return kindInfo('RouteConfiguration');
  if (has('cluster_name') && (has('endpoints') || has('policy'))) return kindInfo('ClusterLoadAssignment');
  if (has('filter_chains') || has('listener_filters') || has('default_filter_chain')) return kindInfo('Listener');
  if (has('tls_certificate') || has('validation_context') || has('session_ticket_keys') || has('generic_secret')) return kindInfo('Secret');
  if (has('connect_timeout') || has('eds_cluster_config') || has('load_assignment') || has('lb_policy') || has('cluster_type')) return kindInfo('Cluster');
  return undefined;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`;
}
