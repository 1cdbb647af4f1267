import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { createWritableIterable } from '@connectrpc/connect/protocol';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { AggregatedDiscoveryService, type DiscoveryRequest, type DiscoveryResponseSchema } from '@amesh/proto';

type Response = MessageInitShape<typeof DiscoveryResponseSchema>;

/**
 * A real gRPC ADS endpoint (SotW) whose answers the test writes by hand, for what our own server
 * would never send (duplicate names) and to replay recorded exchanges request by request.
 */
export class ScriptedAdsServer {
  readonly requests: DiscoveryRequest[] = [];
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly server: http2.Http2Server;
  private send: ((res: Response) => void) | undefined;

  constructor(private readonly onRequest: (req: DiscoveryRequest, send: (res: Response) => void) => void) {
    this.server = http2.createServer(
      connectNodeAdapter({
        routes: (router) =>
          router.service(AggregatedDiscoveryService, {
            streamAggregatedResources: (reqs) => {
              const out = createWritableIterable<Response>();
              const send = (res: Response): void => void out.write(res).catch(() => undefined);
              this.send = send;
              void (async () => {
                try {
                  for await (const req of reqs) {
                    this.requests.push(req);
                    this.onRequest(req, send);
                  }
                } catch {
                  // client gone
                } finally {
                  out.close();
                }
              })();
              return out;
            },
          }),
      }),
    );
    this.server.on('session', (s) => {
      this.sessions.add(s);
      s.on('close', () => this.sessions.delete(s));
    });
  }

  /** Pushes a response on the open stream. */
  push(res: Response): void {
    this.send?.(res);
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as AddressInfo).port)));
  }

  close(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
