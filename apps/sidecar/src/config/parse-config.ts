import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { parseStorageSpec, StorageConfigError } from '@amesh/storage';
import { DEFAULT_CAPTURE_PORTS, parsePortMatch, type PortMatch } from '@amesh/translator';
import {
  ConfigError,
  LOG_LEVELS,
  type Command,
  type LogLevel,
  type NodeIdentity,
  type SidecarConfig,
  type StorageChoice,
  type XdsSource,
} from './sidecar-config.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** Facts about the host the parser needs but must not look up itself (it stays pure). */
export interface HostFacts {
  hostname: string;
  /** The first non-loopback address, as Amesh guesses INSTANCE_IP when it is unset. */
  detectedIp: string;
  /** The example mesh `demo` serves when `--xds` is not given. */
  demoXdsPath: string;
}

/** api7/Amesh's default control plane (plaintext istiod). */
export const DEFAULT_XDS_SOURCE = 'grpc://istiod.istio-system.svc.cluster.local:15010';
export const DEFAULT_STATUS_PORT = 15020;
/** Where Istio mounts the mesh root CA and the projected token in an injected pod. */
export const DEFAULT_CA_CERT_PATH = '/var/run/secrets/istio/root-cert.pem';
export const DEFAULT_TOKEN_PATH = '/var/run/secrets/tokens/istio-token';
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';

const XDS_EXPECTED = 'expected grpc://host:port, grpcs://host:port or file:PATH';

export const USAGE = `usage: amesh-sidecar <command> [flags]

commands:
  run        connect to the control plane and keep APISIX's configuration in sync
  demo       run on the bundled example mesh (examples/bookinfo) with memory storage
  iptables   set up traffic interception (istio-iptables compatible flags)
  help       this text

flags of run and demo (environment variable in brackets; flags win):
  --xds SRC            grpc://host:port | grpcs://host:port | file:PATH   [ISTIO_XDS_SOURCE]
                       default ${DEFAULT_XDS_SOURCE} (demo: the example mesh)
  --storage SPEC       memory | etcd://host:port[/prefix] | yaml:PATH | shdict:SOCKET   [AMESH_STORAGE]
                       default memory
  --status-port N      status/debug/metrics HTTP port, 0 = any free port   [STATUS_SERVER_PORT]
                       default ${DEFAULT_STATUS_PORT}
  --status-host ADDR   address the status server binds (default 0.0.0.0; demo 127.0.0.1)
  --debug-remote       serve /debug/* (config dump, explain) to remote clients too; by default only
                       loopback clients get them (/healthz/ready, /status, /metrics are always
                       served)   [AMESH_DEBUG_REMOTE=true|false]
  --protocol P         delta | sotw (default delta)   [AMESH_XDS_PROTOCOL]
  --port-match M       capture | server_port | none: how routes of different listeners are told
                       apart: capture = REDIRECT interception (amesh-sidecar iptables), server_port =
                       TPROXY or APISIX on the service ports   [AMESH_PORT_MATCH] (default capture)
  --capture-ports O,I  the outbound and inbound capture ports, as iptables -p / -z
                       (default ${DEFAULT_CAPTURE_PORTS.outbound},${DEFAULT_CAPTURE_PORTS.inbound})   [AMESH_CAPTURE_PORTS]
  --log-level L        ${LOG_LEVELS.join(' | ')} (default info)   [AMESH_LOG_LEVEL]
  --ca-cert PATH       CA of istiod's certificate for grpcs   [XDS_ROOT_CA] (default ${DEFAULT_CA_CERT_PATH})
  --token PATH         bearer token for grpcs (default ${DEFAULT_TOKEN_PATH}; skipped if missing)
  --ca URL|none        istiod's CA for the workload certificate (SDS default/ROOTCA), grpcs://host:port
                       [CA_ADDR] (default: the --xds server when it is grpcs://, else none)
  --trust-domain TD    SPIFFE trust domain of the certificate's identity   [TRUST_DOMAIN] (default ${DEFAULT_TRUST_DOMAIN})

node identity (Istio's downward-API environment): POD_NAME, POD_NAMESPACE, INSTANCE_IP,
SERVICE_ACCOUNT, ISTIO_META_CLUSTER_ID and every other ISTIO_META_* variable.
`;

const RUN_OPTIONS = {
  xds: { type: 'string' },
  storage: { type: 'string' },
  'status-port': { type: 'string' },
  'status-host': { type: 'string' },
  'debug-remote': { type: 'boolean' },
  protocol: { type: 'string' },
  'port-match': { type: 'string' },
  'capture-ports': { type: 'string' },
  'log-level': { type: 'string' },
  'ca-cert': { type: 'string' },
  token: { type: 'string' },
  ca: { type: 'string' },
  'trust-domain': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Parses the command line and the environment into a Command. Pure: everything it needs is passed
 * in. Throws ConfigError listing every problem (flag or variable, the value, what is expected).
 */
export function parseCommand(argv: readonly string[], env: Env, host: HostFacts): Command {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { command: 'help', text: USAGE };
    case 'version':
    case '--version':
      return { command: 'version' };
    case 'iptables':
      return { command: 'iptables', argv: rest };
    case 'run':
    case 'demo': {
      const parsed = parseRunFlags(rest);
      if (parsed === 'help') return { command: 'help', text: USAGE };
      return { command, config: buildConfig(command, parsed, env, host) };
    }
    default:
      throw new ConfigError([`unknown command "${command}": expected run, demo, iptables or help`]);
  }
}

type RunFlags = Partial<Record<Exclude<keyof typeof RUN_OPTIONS, 'help' | 'debug-remote'>, string>> & { 'debug-remote'?: boolean };

function parseRunFlags(args: readonly string[]): RunFlags | 'help' {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...args], options: RUN_OPTIONS, strict: true, allowPositionals: true }));
  } catch (err) {
    throw new ConfigError([describeParseArgsError(err)]);
  }
  if (values.help) return 'help';
  if (positionals.length > 0) {
    throw new ConfigError([`unexpected argument "${positionals[0]}": flags take the form --name value (see --help)`]);
  }
  const flags: RunFlags = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === 'string') (flags as Record<string, string>)[k] = v;
  if (values['debug-remote'] === true) flags['debug-remote'] = true;
  return flags;
}

function describeParseArgsError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const m = /'([^']+)'/.exec(e.message ?? '');
    return `unknown flag ${m ? m[1] : ''}: expected one of ${Object.keys(RUN_OPTIONS).map((k) => `--${k}`).join(', ')}`;
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const m = /Option '(--[a-z-]+)/.exec(e.message ?? '');
    const flag = m ? m[1] : 'a flag';
    return /argument missing/.test(e.message ?? '') ? `flag ${flag} needs a value` : `flag ${flag} takes no value`;
  }
  return e.message ?? String(err);
}

function buildConfig(command: 'run' | 'demo', flags: RunFlags, env: Env, host: HostFacts): SidecarConfig {
  const problems: string[] = [];
  /** The flag's value, else the variable's, else the default; `from` names where it came from. */
  const pick = (flag: StringFlag, envName: string | undefined, dflt: string): { value: string; from: string } => {
    const f = flags[flag];
    if (f !== undefined) return { value: f, from: `--${flag}` };
    const e = envName ? env[envName] : undefined;
    if (e !== undefined && e !== '') return { value: e, from: envName as string };
    return { value: dflt, from: `default of --${flag}` };
  };

  const xdsIn = pick('xds', command === 'demo' ? undefined : 'ISTIO_XDS_SOURCE', command === 'demo' ? `file:${host.demoXdsPath}` : DEFAULT_XDS_SOURCE);
  const xds = parseXdsSource(xdsIn.value);
  if (typeof xds === 'string') problems.push(`${xdsIn.from}=${JSON.stringify(xdsIn.value)}: ${xds}`);

  const storageIn = pick('storage', 'AMESH_STORAGE', 'memory');
  const storage = checkStorageSpec(storageIn.value);
  if (typeof storage === 'string') problems.push(`${storageIn.from}=${JSON.stringify(storageIn.value)}: ${storage}`);

  const portIn = pick('status-port', 'STATUS_SERVER_PORT', String(DEFAULT_STATUS_PORT));
  const statusPort = parsePort(portIn.value);
  if (statusPort === undefined) {
    problems.push(`${portIn.from}=${JSON.stringify(portIn.value)}: expected a port number 0-65535 (0 = any free port)`);
  }

  const statusHost = flags['status-host'] ?? (command === 'demo' ? '127.0.0.1' : '0.0.0.0');
  if (!isIP(statusHost) && statusHost !== 'localhost') {
    problems.push(`--status-host=${JSON.stringify(statusHost)}: expected an IP address to bind (e.g. 0.0.0.0 or 127.0.0.1)`);
  }

  const debugRemote = parseDebugRemote(flags, env, problems);

  const protocolIn = pick('protocol', 'AMESH_XDS_PROTOCOL', 'delta');
  if (protocolIn.value !== 'delta' && protocolIn.value !== 'sotw') {
    problems.push(`${protocolIn.from}=${JSON.stringify(protocolIn.value)}: expected delta or sotw`);
  }

  const portMatch = parsePortMatchFlags(pick, problems);

  const logIn = pick('log-level', 'AMESH_LOG_LEVEL', 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(logIn.value)) {
    problems.push(`${logIn.from}=${JSON.stringify(logIn.value)}: expected one of ${LOG_LEVELS.join(', ')}`);
  }

  const node = parseNodeIdentity(env, host, problems);
  const caCertPath = pick('ca-cert', 'XDS_ROOT_CA', DEFAULT_CA_CERT_PATH).value;
  const tokenPath = flags.token ?? DEFAULT_TOKEN_PATH;
  const ca = parseCaFlags(pick, xds, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    xds: xds as XdsSource,
    storage: storage as StorageChoice,
    statusPort: statusPort as number,
    statusHost,
    debugRemote,
    protocol: protocolIn.value as 'delta' | 'sotw',
    logLevel: logIn.value as LogLevel,
    portMatch: portMatch as PortMatch,
    node,
    caCertPath,
    tokenPath,
    ...(ca ? { ca } : {}),
  };
}

/**
 * --ca / CA_ADDR (`none` turns it off) and --trust-domain / TRUST_DOMAIN. Off by default unless the
 * xDS server is grpcs://: istiod's CA listens on its TLS port, as pilot-agent assumes.
 */
function parseCaFlags(pick: Pick, xds: XdsSource | string, problems: string[]): SidecarConfig['ca'] {
  const xdsTls = typeof xds !== 'string' && xds.kind === 'grpc' && xds.tls ? xds.url : undefined;
  const caIn = pick('ca', 'CA_ADDR', xdsTls ?? 'none');
  const tdIn = pick('trust-domain', 'TRUST_DOMAIN', DEFAULT_TRUST_DOMAIN);
  if (!/^[a-z0-9._-]+$/.test(tdIn.value)) {
    problems.push(`${tdIn.from}=${JSON.stringify(tdIn.value)}: expected a SPIFFE trust domain (lower-case letters, digits, '.', '-', '_'), e.g. cluster.local`);
  }
  if (caIn.value === 'none') return undefined;
  const source = parseXdsSource(caIn.value);
  if (typeof source === 'string' || source.kind !== 'grpc') {
    problems.push(`${caIn.from}=${JSON.stringify(caIn.value)}: expected grpcs://host:port (istiod's 15012), grpc://host:port or none`);
    return undefined;
  }
  return { url: source.url, tls: source.tls, trustDomain: tdIn.value };
}

type StringFlag = Exclude<keyof RunFlags, 'debug-remote'>;
type Pick = (flag: StringFlag, envName: string | undefined, dflt: string) => { value: string; from: string };

/** --port-match / AMESH_PORT_MATCH and --capture-ports / AMESH_CAPTURE_PORTS; undefined after a problem. */
function parsePortMatchFlags(pick: Pick, problems: string[]): PortMatch | undefined {
  const modeIn = pick('port-match', 'AMESH_PORT_MATCH', 'capture');
  const mode = parsePortMatch(modeIn.value);
  if ('problem' in mode) {
    problems.push(`${modeIn.from}=${JSON.stringify(modeIn.value)}: ${mode.problem}`);
    return undefined;
  }
  const portsIn = pick('capture-ports', 'AMESH_CAPTURE_PORTS', `${DEFAULT_CAPTURE_PORTS.outbound},${DEFAULT_CAPTURE_PORTS.inbound}`);
  const withPorts = parsePortMatch(modeIn.value, portsIn.value);
  if ('problem' in withPorts) {
    problems.push(`${portsIn.from}=${JSON.stringify(portsIn.value)}: ${withPorts.problem.replace(/^capture ports: /, '')}`);
    return undefined;
  }
  return withPorts.portMatch;
}

/** --debug-remote (a switch) or AMESH_DEBUG_REMOTE=true|false|1|0; off unless asked for. */
function parseDebugRemote(flags: RunFlags, env: Env, problems: string[]): boolean {
  if (flags['debug-remote']) return true;
  const text = env.AMESH_DEBUG_REMOTE;
  if (text === undefined || text === '') return false;
  if (/^(true|1)$/i.test(text)) return true;
  if (/^(false|0)$/i.test(text)) return false;
  problems.push(`AMESH_DEBUG_REMOTE=${JSON.stringify(text)}: expected true or false`);
  return false;
}

/** `grpc://h:p`, `grpcs://h:p` or `file:PATH`; a string is the reason it is not. */
export function parseXdsSource(text: string): XdsSource | string {
  if (text.startsWith('file:')) {
    const path = text.slice('file:'.length);
    return path ? { kind: 'file', path } : `${XDS_EXPECTED} (file: needs a path)`;
  }
  const m = /^(grpcs?):\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]\s]+):(\d+)\/?$/.exec(text);
  if (!m) return XDS_EXPECTED;
  const port = parsePort(m[3]);
  if (!port) return `${XDS_EXPECTED} (port ${m[3]} is not 1-65535)`;
  const hostname = m[2].startsWith('[') ? m[2].slice(1, -1) : m[2];
  return { kind: 'grpc', url: text.replace(/\/$/, ''), host: hostname, port, tls: m[1] === 'grpcs' };
}

/** The storage spec checked by @amesh/storage's own parser; a string is the reason it is not valid. */
function checkStorageSpec(text: string): StorageChoice | string {
  try {
    return { spec: text, parsed: parseStorageSpec(text) };
  } catch (err) {
    if (err instanceof StorageConfigError) return err.message.replace(/^storage spec "[^"]*": /, '');
    throw err;
  }
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

function parseNodeIdentity(env: Env, host: HostFacts, problems: string[]): NodeIdentity {
  const instanceIp = env.INSTANCE_IP || host.detectedIp;
  if (!isIP(instanceIp)) problems.push(`INSTANCE_IP=${JSON.stringify(instanceIp)}: expected an IPv4 or IPv6 address`);
  const podNamespace = env.POD_NAMESPACE || 'default';
  // A DNS-1123 label, as Kubernetes requires of namespaces; the node id embeds it.
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(podNamespace)) {
    problems.push(`POD_NAMESPACE=${JSON.stringify(podNamespace)}: expected a Kubernetes namespace name (lower-case letters, digits, '-')`);
  }
  const podName = env.POD_NAME || host.hostname;
  if (/[~\s]/.test(podName)) problems.push(`POD_NAME=${JSON.stringify(podName)}: must not contain '~' or spaces (it is part of the node id)`);
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('ISTIO_META_') && k.length > 'ISTIO_META_'.length && v !== undefined) meta[k.slice(11)] = v;
  }
  return {
    podName,
    podNamespace,
    instanceIp,
    serviceAccount: env.SERVICE_ACCOUNT || 'default',
    clusterId: env.ISTIO_META_CLUSTER_ID || 'Kubernetes',
    meta,
  };
}
