import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApisixRoute, ApisixUpstream, PortMatch } from '@amesh/translator';
import { RESOURCE_KINDS, type StorageHealth } from '@amesh/storage';
import type { AdsClientStatus, NackRecord, WorkloadCertificateStatus } from '@amesh/transport';
import type { Logger } from 'pino';
import { explain } from '../explain/explain.js';
import { parseExplainQuery } from '../explain/explain-request.js';
import type { SidecarMetrics } from '../observability/sidecar-metrics.js';
import type { SyncPipeline } from '../pipeline/sync-pipeline.js';
import { buildConfigDump } from './config-dump.js';
import { isLoopbackAddress } from './loopback-address.js';

/** What the status server reads; everything is read at request time. */
export interface StatusSource {
  pipeline: SyncPipeline;
  metrics: SidecarMetrics;
  xdsStatus(): AdsClientStatus | undefined;
  storageHealth(): StorageHealth;
  /** Where the agent gets xDS from and writes to, for /status. */
  describe: { xds: string; storage: string; startedAt: number };
  /** How the translator scoped routes (the agent's --port-match), so /debug/explain matches as nginx does. */
  portMatch: PortMatch;
  /** The workload certificate from the Istio CA; undefined when the agent runs without a CA. */
  workloadCertificate?(): WorkloadCertificateStatus | undefined;
}

export interface StatusServerOptions {
  /**
   * Serve /debug/* to any client, not only loopback ones (--debug-remote). /healthz/ready, /status
   * and /metrics are served to everyone either way: the kubelet and Prometheus are remote.
   */
  debugRemote?: boolean;
}

const DEBUG_LOOPBACK_ONLY =
  'the /debug/* endpoints are served to loopback clients only (they show the whole mesh configuration); ' +
  'query from inside the pod (kubectl exec / port-forward) or start the agent with --debug-remote (AMESH_DEBUG_REMOTE=true)';

export interface StatusServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the status/debug/metrics HTTP server (node:http) on host:port (0 = any free port). */
export async function startStatusServer(
  source: StatusSource,
  host: string,
  port: number,
  log: Logger,
  options: StatusServerOptions = {},
): Promise<StatusServer> {
  const server = http.createServer((req, res) => {
    handle(source, options, req, res).catch((err: unknown) => {
      log.error({ err, url: req.url }, 'status request failed');
      if (!res.headersSent) sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    port: actual,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(source: StatusSource, options: StatusServerOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://status');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { error: `${req.method} not allowed: the status server is read-only (GET)` });
    return;
  }
  if (url.pathname.startsWith('/debug/') && !options.debugRemote && !isLoopbackAddress(req.socket.remoteAddress)) {
    sendJson(res, 403, { error: DEBUG_LOOPBACK_ONLY });
    return;
  }
  const { pipeline } = source;
  switch (url.pathname) {
    case '/healthz/ready':
      if (pipeline.ready) sendText(res, 200, 'ready\n');
      else sendText(res, 503, `not ready: ${pipeline.lastError ? pipeline.lastError.message : 'no complete snapshot written yet'}\n`);
      return;
    case '/status':
      sendJson(res, 200, statusBody(source));
      return;
    case '/debug/config_dump': {
      const name = url.searchParams.get('name') ?? undefined;
      const snapshot = pipeline.snapshot;
      sendJson(
        res,
        200,
        buildConfigDump(
          { snapshot, written: pipeline.writtenState.toLists(), nacks: nacksOf(source), report: pipeline.report },
          name,
        ),
      );
      return;
    }
    case '/debug/explain': {
      const request = parseExplainQuery(url.searchParams);
      if (typeof request === 'string') {
        sendJson(res, 400, { error: request });
        return;
      }
      const lists = pipeline.writtenState.toLists();
      sendJson(
        res,
        200,
        explain(
          {
            xds: pipeline.appliedSnapshot?.resources,
            routes: lists.routes as unknown as ApisixRoute[],
            upstreams: lists.upstreams as unknown as ApisixUpstream[],
            report: pipeline.report,
            portMatch: source.portMatch,
          },
          request,
        ),
      );
      return;
    }
    case '/metrics': {
      const body = await source.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': source.metrics.registry.contentType });
      res.end(body);
      return;
    }
    case '/':
      sendJson(res, 200, {
        endpoints: ['/healthz/ready', '/status', '/debug/config_dump?name=', '/debug/explain?host=&path=&port=&direction=inbound|outbound', '/metrics'],
      });
      return;
    default:
      sendJson(res, 404, { error: `no such endpoint ${url.pathname}; see /` });
  }
}

function nacksOf(source: StatusSource): NackRecord[] {
  return source.xdsStatus()?.nacks ?? [];
}

function statusBody(source: StatusSource): Record<string, unknown> {
  const { pipeline } = source;
  const xds = source.xdsStatus();
  return {
    ready: pipeline.ready,
    started_at: new Date(source.describe.startedAt).toISOString(),
    xds: {
      source: source.describe.xds,
      ...(xds
        ? {
            state: xds.state,
            protocol: xds.protocol,
            server: xds.server,
            versions: xds.versions,
            reconnects: xds.reconnects,
            last_error: xds.lastError,
            connected_at: xds.connectedAt && new Date(xds.connectedAt).toISOString(),
            last_message_at: xds.lastMessageAt && new Date(xds.lastMessageAt).toISOString(),
            nacks: xds.nacks.length,
          }
        : { state: 'idle' }),
    },
    applied: pipeline.applied && {
      at: new Date(pipeline.applied.at).toISOString(),
      versions: pipeline.applied.versions,
      changes: pipeline.applied.changes,
      applies: pipeline.applies,
    },
    pending: pipeline.busy,
    last_error: pipeline.lastError && { ...pipeline.lastError, at: new Date(pipeline.lastError.at).toISOString() },
    storage: { spec: source.describe.storage, ...source.storageHealth() },
    objects: Object.fromEntries(RESOURCE_KINDS.map((k) => [k, pipeline.writtenState.count(k)])),
    report: { items: pipeline.report.length },
    workload_certificate: source.workloadCertificate?.() ?? { state: 'disabled' },
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
