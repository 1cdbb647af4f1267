import * as http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ConnectRouter } from '@connectrpc/connect';
import { createWritableIterable } from '@connectrpc/connect/protocol';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { AggregatedDiscoveryService, type DeltaDiscoveryRequest, type DiscoveryRequest } from '@amesh/proto';
import type { DescMessage } from '@bufbuild/protobuf';
import { SnapshotCache } from './snapshot-cache.js';
import { DeltaServerStream } from './delta-server-stream.js';
import { SotwServerStream } from './sotw-server-stream.js';

export interface AdsServerOptions {
  /** The cache to serve from; a new empty one by default. */
  cache?: SnapshotCache;
  /** TLS (grpcs): PEM certificate chain and key. Plaintext HTTP/2 when absent. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /**
   * Checks a stream's request headers (e.g. `authorization`, `ClusterID`) before serving it;
   * throw (a ConnectError with Code.Unauthenticated, ideally) to refuse it.
   */
  authenticate?: (headers: Headers) => void;
}

/** A client currently connected to the server. */
export interface ConnectedClient {
  nodeId: string;
  protocol: 'sotw' | 'delta';
  openedAt: number;
  typeUrls: string[];
}

export interface AdsServerStats {
  /** Responses sent on all streams since start. */
  responses: number;
  /** Resources carried by those responses. */
  resourcesSent: number;
  /** Bytes the server wrote to its TCP sockets (HTTP/2 and TLS framing included). */
  wireBytesWritten: number;
  /** Bytes read from the sockets. */
  wireBytesRead: number;
}

/**
 * An Aggregated Discovery Service serving SotW and Delta ADS from a SnapshotCache to any number
 * of clients; pushes whenever the cache changes.
 */
export class AdsServer {
  readonly cache: SnapshotCache;
  private readonly server: http2.Http2Server | http2.Http2SecureServer;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly sockets = new Set<Socket>();
  /** Open streams, each with the function that ends it. */
  private readonly streams = new Map<SotwServerStream | DeltaServerStream, () => void>();
  private closedSocketBytes = { written: 0, read: 0 };
  private responses = 0;
  private resourcesSent = 0;
  private boundPort = 0;

  private readonly authenticate: ((headers: Headers) => void) | undefined;

  constructor(options: AdsServerOptions = {}) {
    this.authenticate = options.authenticate;
    this.cache = options.cache ?? new SnapshotCache();
    const handler = connectNodeAdapter({ routes: (router) => this.routes(router) });
    this.server = options.tls ? http2.createSecureServer({ ...options.tls, allowHTTP1: false }, handler) : http2.createServer(handler);
    this.server.on('session', (session) => {
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
    });
    this.server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => {
        this.closedSocketBytes.written += socket.bytesWritten;
        this.closedSocketBytes.read += socket.bytesRead;
        this.sockets.delete(socket);
      });
    });
  }

  /** Starts listening; port 0 picks a free one. Resolves with the bound port. */
  listen(port = 0, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        this.boundPort = (this.server.address() as AddressInfo).port;
        resolve(this.boundPort);
      });
    });
  }

  get port(): number {
    return this.boundPort;
  }

  clients(): ConnectedClient[] {
    return [...this.streams.keys()].map((s) => ({
      nodeId: s.nodeId,
      protocol: s instanceof SotwServerStream ? 'sotw' : 'delta',
      openedAt: s.openedAt,
      typeUrls: [...s.types.keys()],
    }));
  }

  stats(): AdsServerStats {
    let written = this.closedSocketBytes.written;
    let read = this.closedSocketBytes.read;
    for (const s of this.sockets) {
      written += s.bytesWritten;
      read += s.bytesRead;
    }
    return { responses: this.responses, resourcesSent: this.resourcesSent, wireBytesWritten: written, wireBytesRead: read };
  }

  /** Drops every connection without stopping the server (clients reconnect). */
  disconnectClients(): void {
    this.endStreams();
    for (const session of this.sessions) session.destroy();
  }

  /** Ends open streams first, so the adapter is not left writing into destroyed HTTP/2 streams. */
  private endStreams(): void {
    for (const finish of [...this.streams.values()]) finish();
  }

  /** Stops serving: open streams are cut (clients see the connection drop), then the port is released. */
  close(): Promise<void> {
    this.endStreams();
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private routes(router: ConnectRouter): void {
    router.service(AggregatedDiscoveryService, {
      streamAggregatedResources: (requests, ctx) => {
        this.authenticate?.(ctx.requestHeader);
        return this.serve<DiscoveryRequest>(requests, ctx.signal, (send) => new SotwServerStream(this.cache, send));
      },
      deltaAggregatedResources: (requests, ctx) => {
        this.authenticate?.(ctx.requestHeader);
        return this.serve<DeltaDiscoveryRequest>(requests, ctx.signal, (send) => new DeltaServerStream(this.cache, send));
      },
    });
  }

  /** Runs one stream: requests in, responses out through a queue the cache can also push into. */
  private serve<Req extends DiscoveryRequest | DeltaDiscoveryRequest, Res extends DescMessage = DescMessage>(
    requests: AsyncIterable<Req>,
    signal: AbortSignal,
    open: (send: (res: MessageInitShape<Res>) => void) => { onRequest(req: Req): void; onCacheChange(nodeId: string | undefined): void },
  ): AsyncIterable<MessageInitShape<Res>> {
    const out = createWritableIterable<MessageInitShape<Res>>();
    const stream = open((res) => {
      this.responses++;
      this.resourcesSent += (res as { resources?: unknown[] }).resources?.length ?? 0;
      out.write(res).catch(() => undefined); // The stream closed under us: the client reconnects and resyncs.
    });
    this.streams.set(stream as SotwServerStream | DeltaServerStream, () => finish());
    const unsubscribe = this.cache.onChange((nodeId) => stream.onCacheChange(nodeId));
    const finish = (): void => {
      unsubscribe();
      this.streams.delete(stream as SotwServerStream | DeltaServerStream);
      out.close();
    };
    signal.addEventListener('abort', finish, { once: true });
    void (async () => {
      try {
        for await (const req of requests) stream.onRequest(req);
      } catch {
        // The client went away mid-message; nothing to answer.
      } finally {
        finish();
      }
    })();
    return out;
  }
}
