import * as fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createStorage, type Storage, type StorageEvent, type StoredState } from '@amesh/storage';
import { createTranslator, type TranslationReport } from '@amesh/translator';
import { AdsClient, buildIstioNode, startFileControlPlane, type FileControlPlane, type WorkloadCertificateStatus } from '@amesh/transport';
import type { Logger } from 'pino';
import type { Env } from '../config/parse-config.js';
import type { SidecarConfig } from '../config/sidecar-config.js';
import { SidecarMetrics, typeLabel } from '../observability/sidecar-metrics.js';
import { WrittenIndex } from '../pipeline/config-diff.js';
import { SyncPipeline } from '../pipeline/sync-pipeline.js';
import { startStatusServer, type StatusServer } from '../status/status-server.js';
import { heapCompactor } from './heap-compactor.js';
import { releaseFreeMallocMemory } from './malloc-trim.js';
import { memoryReducingGc } from './memory-reducing-gc.js';
import { workloadCertificates, type WorkloadCertificates } from './workload-certificates.js';

export interface RunningSidecar {
  readonly config: SidecarConfig;
  readonly pipeline: SyncPipeline;
  readonly metrics: SidecarMetrics;
  readonly status: StatusServer;
  readonly storage: Storage;
  /** The gRPC address the ADS client talks to (the in-process server's for `file:`). */
  readonly xdsServer: string;
  /** The last translation report (after the first apply). */
  report(): TranslationReport;
  /** The workload certificate from istiod's CA (`--ca`), or the failure that keeps the old one; undefined when off. */
  workloadCertificate(): WorkloadCertificateStatus | undefined;
  /** Resolves once the first complete snapshot is written, rejects after `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<void>;
  /** Closes the stream, lets a running apply finish, flushes and closes storage, stops serving. */
  close(): Promise<void>;
}

/** Heap compaction after large applies, when node exposes gc (the launcher runs it with --expose-gc). */
function compactorOf(gc: (() => void) | undefined, log: Logger): ReturnType<typeof heapCompactor> {
  return heapCompactor({ gc, reducingGc: gc && memoryReducingGc(gc), releaseFreeMemory: releaseFreeMallocMemory, log });
}

/** How long start-up keeps trying to read what storage holds before giving up. */
const READ_ALL_DEADLINE_MS = 30_000;
/** How long shutdown waits for queued writes. */
const FLUSH_DEADLINE_MS = 10_000;

/** Wires transport -> translator -> diff -> storage, with the status server, and starts it all. */
export async function startSidecar(config: SidecarConfig, env: Env, log: Logger): Promise<RunningSidecar> {
  const metrics = new SidecarMetrics({ processMetrics: true });
  const storage = createStorage(config.storage.spec, { onEvent: (e) => countStorageEvent(metrics, e, log) });
  const startedAt = Date.now();
  let fileServer: FileControlPlane | undefined;
  let client: AdsClient | undefined;
  let status: StatusServer | undefined;
  let certs: WorkloadCertificates | undefined;
  try {
    const baseline = WrittenIndex.fromStored(await readAllWithRetry(storage, log));
    if (baseline.size > 0) log.info({ objects: baseline.size, storage: config.storage.spec }, 'resuming from what storage holds');
    const pipeline = new SyncPipeline(
      // Incremental: unchanged resources reuse their translation and their APISIX objects (cheap diff).
      {
        storage,
        metrics,
        log,
        translate: createTranslator({ portMatch: config.portMatch }).translateRefs,
        onApplied: compactorOf((globalThis as { gc?: () => void }).gc, log),
      },
      baseline,
    );

    let server: string;
    if (config.xds.kind === 'file') {
      // The real path even for a file: an ADS server on loopback, watched for edits.
      fileServer = await startFileControlPlane({
        from: config.xds.path,
        port: 0,
        host: '127.0.0.1',
        watch: true,
        log: (line, level) => log[level]({ source: 'xds-file' }, line),
      });
      server = fileServer.url;
      log.info({ path: config.xds.path, server }, 'serving the xDS file from an in-process ADS server');
    } else {
      server = config.xds.url;
    }

    const node = buildIstioNode(nodeEnv(config, env));
    const ads = new AdsClient({
      server,
      node,
      protocol: config.protocol,
      clusterId: config.node.clusterId,
      ...(config.xds.kind === 'grpc' && config.xds.tls ? tlsOptions(config, log) : {}),
    });
    client = ads;
    // The CA connection is the xDS one's (CA file, token, ClusterID), as pilot-agent's.
    const caTls = config.ca?.tls ? tlsOptions(config, log) : {};
    const certificates = workloadCertificates(config, { clusterId: config.node.clusterId, ...caTls }, (snapshot) => pipeline.submit(snapshot), log);
    certs = certificates;
    ads.on('snapshot', (snapshot) => certificates.submit(snapshot));
    ads.on('nack', (nack) => {
      metrics.nacks.inc({ type: typeLabel(nack.typeUrl) });
      log.warn({ typeUrl: nack.typeUrl, names: nack.names, reason: nack.reason, kept: nack.keptVersion }, 'NACK: resources rejected');
    });
    ads.on('disconnect', (err) => log.warn({ err: err.message }, 'xDS stream lost; keeping the last written configuration and reconnecting'));

    status = await startStatusServer(
      {
        pipeline,
        metrics,
        xdsStatus: () => ads.status(),
        storageHealth: () => storage.health(),
        describe: { xds: config.xds.kind === 'file' ? `file:${config.xds.path} (via ${server})` : server, storage: config.storage.spec, startedAt },
        portMatch: config.portMatch,
        workloadCertificate: () => certs?.status(),
      },
      config.statusHost,
      config.statusPort,
      log,
      { debugRemote: config.debugRemote },
    );
    log.info({ url: status.url, node: node.id, xds: server, storage: config.storage.spec, protocol: config.protocol }, 'amesh-sidecar started');
    ads.start();
    certificates.start();

    const statusServer = status;
    const fileSrv = fileServer;
    let closing: Promise<void> | undefined;
    return {
      config,
      pipeline,
      metrics,
      status: statusServer,
      storage,
      xdsServer: server,
      report: () => pipeline.report,
      workloadCertificate: () => certificates.status(),
      whenReady: (timeoutMs) => waitUntil(() => pipeline.ready, timeoutMs, () => pipeline.lastError?.message ?? 'no complete snapshot yet'),
      close() {
        closing ??= (async () => {
          await ads.close();
          certificates.close();
          await pipeline.whenIdle();
          // Bounded: with the backend down, waiting for ever would only get the pod SIGKILLed.
          const flushed = await Promise.race([storage.flush().then(() => true), sleep(FLUSH_DEADLINE_MS).then(() => false)]);
          if (!flushed) log.warn({ pending: storage.health().pending }, `storage not flushed within ${FLUSH_DEADLINE_MS} ms; closing anyway`);
          await storage.close();
          await statusServer.close();
          await fileSrv?.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await client?.close().catch(() => undefined);
    certs?.close();
    await status?.close().catch(() => undefined);
    await fileServer?.close().catch(() => undefined);
    await storage.close().catch(() => undefined);
    throw err;
  }
}

/**
 * grpcs: the CA and token Istio mounts into the pod. A missing token is not fatal (istiod may
 * accept the connection by other means); a missing CA falls back to the system's CAs.
 */
function tlsOptions(config: SidecarConfig, log: Logger): { caFile?: string; tokenFile?: string } {
  const out: { caFile?: string; tokenFile?: string } = {};
  if (fs.existsSync(config.caCertPath)) out.caFile = config.caCertPath;
  else log.warn({ path: config.caCertPath }, 'CA file not found (--ca-cert / XDS_ROOT_CA); verifying istiod with the system CAs');
  if (fs.existsSync(config.tokenPath)) out.tokenFile = config.tokenPath;
  else log.warn({ path: config.tokenPath }, 'token file not found (--token); connecting without a bearer token');
  return out;
}

/** The env buildIstioNode reads, with the identity defaults our config settled on. */
function nodeEnv(config: SidecarConfig, env: Env): Env {
  return {
    ...env,
    POD_NAME: config.node.podName,
    POD_NAMESPACE: config.node.podNamespace,
    INSTANCE_IP: config.node.instanceIp,
    SERVICE_ACCOUNT: config.node.serviceAccount,
    ISTIO_META_CLUSTER_ID: config.node.clusterId,
  };
}

/** What storage holds now; retried while the backend is unreachable (bounded). */
async function readAllWithRetry(storage: Storage, log: Logger): Promise<StoredState> {
  const deadline = Date.now() + READ_ALL_DEADLINE_MS;
  let delay = 200;
  for (;;) {
    try {
      return await storage.readAll();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (Date.now() + delay > deadline) {
        throw new Error(`cannot read the current configuration from storage ${storage.name} (${message}); refusing to start from nothing`);
      }
      log.warn({ err: message, retryInMs: delay }, 'reading storage failed; retrying');
      await sleep(delay);
      delay = Math.min(delay * 2, 5000);
    }
  }
}

function countStorageEvent(metrics: SidecarMetrics, event: StorageEvent, log: Logger): void {
  switch (event.type) {
    case 'retry':
      metrics.storageRetries.inc();
      log.warn({ backend: event.backend, attempt: event.attempt, pending: event.pending, err: event.error.message }, 'storage write failed; retrying');
      return;
    case 'error':
      metrics.storageErrors.inc();
      log.error({ backend: event.backend, err: event.error.message }, 'storage error');
      return;
    case 'reconnect':
      log.info({ backend: event.backend, replayed: event.replayed }, 'storage reconnected; state replayed');
      return;
    case 'write':
      return;
  }
}

async function waitUntil(cond: () => boolean, timeoutMs: number, why: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms: ${why()}`);
    await sleep(20);
  }
}
