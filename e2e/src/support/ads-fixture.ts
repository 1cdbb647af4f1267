import { AdsServer, type AdsServerOptions } from '@amesh/transport';
import type { XdsResources } from '@amesh/translator';
import { freePort } from '@amesh/storage/testing';

/** Our ADS server in the test process, standing in for istiod; can be killed and restarted on its port. */
export class AdsFixture {
  private server: AdsServer | undefined;
  private resources: XdsResources;

  private constructor(
    readonly port: number,
    resources: XdsResources,
    private readonly tls: AdsServerOptions['tls'],
  ) {
    this.resources = resources;
  }

  /**
   * A fixture on a free port; `listen: false` reserves the port without serving yet; `tls` serves
   * grpcs (PEM certificate and key).
   */
  static async start(resources: XdsResources, options: { listen?: boolean; tls?: AdsServerOptions['tls'] } = {}): Promise<AdsFixture> {
    const f = new AdsFixture(await freePort(), resources, options.tls);
    if (options.listen !== false) await f.resume();
    return f;
  }

  get url(): string {
    return `${this.tls ? 'grpcs' : 'grpc'}://${this.tls ? 'localhost' : '127.0.0.1'}:${this.port}`;
  }

  /** Pushes new resources to every connected client. */
  push(resources: XdsResources): void {
    this.resources = resources;
    this.server?.cache.setDefaultSnapshot(resources);
  }

  /** (Re)starts serving on the same port, optionally with other resources. */
  async resume(resources?: XdsResources): Promise<void> {
    if (resources) this.resources = resources;
    if (this.server) return;
    const server = new AdsServer({ tls: this.tls });
    server.cache.setDefaultSnapshot(this.resources);
    await server.listen(this.port, '127.0.0.1');
    this.server = server;
  }

  /** Kills the server: every stream drops. */
  async kill(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    await s?.close();
  }

  connectedClients(): number {
    return this.server?.clients().length ?? 0;
  }
}
