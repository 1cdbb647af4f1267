import type { StorageSpec } from '@amesh/storage';
import type { PortMatch } from '@amesh/translator';

/** The agent's configuration after flags and environment were parsed and checked. */

export type XdsSource =
  /** A control plane over gRPC; `tls` for `grpcs://` (istiod's 15012). */
  | { kind: 'grpc'; url: string; host: string; port: number; tls: boolean }
  /** xDS resources from a file, served by an in-process ADS server on loopback. */
  | { kind: 'file'; path: string };

/** A storage spec as given (`memory`, `etcd://…`, `yaml:…`, `shdict:…`) and as @amesh/storage parsed it. */
export interface StorageChoice {
  spec: string;
  parsed: StorageSpec;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** What the node sends istiod: pilot-agent's view of the pod, taken from the downward-API env. */
export interface NodeIdentity {
  podName: string;
  podNamespace: string;
  instanceIp: string;
  serviceAccount: string;
  clusterId: string;
  /** Every `ISTIO_META_*` variable, prefix removed (`ISTIO_META_MESH_ID` -> `MESH_ID`). */
  meta: Record<string, string>;
}

export interface SidecarConfig {
  xds: XdsSource;
  storage: StorageChoice;
  statusPort: number;
  /** Address the status server binds (all interfaces in a pod, loopback for the demo). */
  statusHost: string;
  /**
   * Serve /debug/* to non-loopback clients too. Off by default: in a pod the status port is on all
   * interfaces for the kubelet's probe, and the dumps show the whole mesh configuration.
   */
  debugRemote: boolean;
  protocol: 'delta' | 'sotw';
  logLevel: LogLevel;
  /**
   * How routes of different listeners are told apart (translator option): `capture` (default;
   * REDIRECT interception to the capture ports), `server_port` (TPROXY) or `none`.
   */
  portMatch: PortMatch;
  node: NodeIdentity;
  /** CA bundle that signs istiod's serving certificate (grpcs only). */
  caCertPath: string;
  /** Projected service-account token sent as `authorization: Bearer` (grpcs only; skipped if absent). */
  tokenPath: string;
  /**
   * istiod's CA, asked for the workload certificate served as SDS `default`/`ROOTCA` (as
   * pilot-agent does); undefined = off. Same CA file, token and ClusterID as the xDS connection.
   */
  ca?: { url: string; tls: boolean; trustDomain: string };
}

/** Which subcommand the command line asked for, with its configuration. */
export type Command =
  | { command: 'run'; config: SidecarConfig }
  | { command: 'demo'; config: SidecarConfig }
  | { command: 'iptables'; argv: string[] }
  | { command: 'help'; text: string }
  | { command: 'version' };

/** Bad flags or environment: every problem, each naming the flag/variable and what is expected. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}
