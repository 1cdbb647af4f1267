/**
 * The APISIX 3.x objects the translator emits, typed after APISIX's own schemas
 * (packages/schema/schemas). Only fields we set are listed; every object carries a string `id`.
 */

export type UpstreamType = 'roundrobin' | 'chash' | 'least_conn' | 'ewma';

export interface ApisixUpstreamNode {
  host: string;
  port: number;
  weight: number;
  priority?: number;
  metadata?: Record<string, unknown>;
}

export interface ApisixTimeout {
  connect?: number;
  send?: number;
  read?: number;
}

export interface ApisixUpstream {
  id: string;
  name?: string;
  desc?: string;
  type: UpstreamType;
  nodes: ApisixUpstreamNode[];
  hash_on?: 'vars' | 'header' | 'cookie' | 'consumer' | 'vars_combinations';
  key?: string;
  scheme?: 'http' | 'https' | 'grpc' | 'grpcs' | 'tcp' | 'tls' | 'udp';
  pass_host?: 'pass' | 'node' | 'rewrite';
  upstream_host?: string;
  retries?: number;
  retry_timeout?: number;
  timeout?: ApisixTimeout;
  checks?: Record<string, unknown>;
  tls?: { client_cert_id?: string; verify?: boolean };
  keepalive_pool?: { size?: number; idle_timeout?: number; requests?: number };
  labels?: Record<string, string>;
}

/** A lua-resty-expr expression list, e.g. `[["http_x_user", "==", "jason"]]`. */
export type ApisixVars = unknown[];

export interface ApisixRoute {
  id: string;
  name?: string;
  desc?: string;
  uri?: string;
  uris?: string[];
  host?: string;
  hosts?: string[];
  methods?: string[];
  remote_addrs?: string[];
  vars?: ApisixVars;
  priority?: number;
  upstream_id?: string;
  plugins?: Record<string, Record<string, unknown>>;
  plugin_config_id?: string;
  timeout?: ApisixTimeout;
  enable_websocket?: boolean;
  status?: 0 | 1;
  labels?: Record<string, string>;
}

export interface ApisixSsl {
  id: string;
  desc?: string;
  type?: 'server' | 'client';
  cert?: string;
  key?: string;
  certs?: string[];
  keys?: string[];
  /** A single SNI; `*` is APISIX's catch-all (the `snis` list form cannot express it). */
  sni?: string;
  snis?: string[];
  client?: { ca: string; depth?: number };
  labels?: Record<string, string>;
}

export interface ApisixStreamRoute {
  id: string;
  desc?: string;
  server_addr?: string;
  server_port?: number;
  remote_addr?: string;
  sni?: string;
  upstream_id?: string;
  plugins?: Record<string, Record<string, unknown>>;
}

export interface ApisixPluginConfig {
  id: string;
  desc?: string;
  plugins: Record<string, Record<string, unknown>>;
  labels?: Record<string, string>;
}

export interface ApisixGlobalRule {
  id: string;
  plugins: Record<string, Record<string, unknown>>;
}

/** A complete APISIX configuration, in the shape of `apisix.yaml` (lists sorted by id). */
export interface ApisixConfig {
  routes: ApisixRoute[];
  upstreams: ApisixUpstream[];
  ssls: ApisixSsl[];
  stream_routes: ApisixStreamRoute[];
  plugin_configs: ApisixPluginConfig[];
  global_rules: ApisixGlobalRule[];
}

/** The resource kinds of an ApisixConfig, as APISIX names them in keys (`/routes/<id>`). */
export type ApisixResourceKind = keyof ApisixConfig;

export const APISIX_RESOURCE_KINDS: readonly ApisixResourceKind[] = [
  'upstreams',
  'ssls',
  'plugin_configs',
  'global_rules',
  'routes',
  'stream_routes',
];

export function emptyApisixConfig(): ApisixConfig {
  return { routes: [], upstreams: [], ssls: [], stream_routes: [], plugin_configs: [], global_rules: [] };
}
