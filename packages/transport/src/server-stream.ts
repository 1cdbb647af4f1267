import { PUSH_ORDER, type DeltaDiscoveryRequest, type DiscoveryRequest, type Node, type XdsTypeUrl } from '@amesh/proto';
import { resourceTypeOf } from './resource-types.js';
import type { SnapshotCache } from './snapshot-cache.js';
import type { TypeSnapshot } from './resource-snapshot.js';

/** What every server stream shares: the node it serves, nonces, and the cache it reads. */
export abstract class ServerStream<Req extends DiscoveryRequest | DeltaDiscoveryRequest> {
  node: Node | undefined;
  nodeId = '';
  private nonce = 0;
  readonly openedAt = Date.now();

  constructor(protected readonly cache: SnapshotCache) {}

  /** Handles one request; responses go out through the subclass's sink. */
  onRequest(req: Req): void {
    if (!this.node && req.node) {
      this.node = req.node;
      this.nodeId = req.node.id;
    }
    const type = resourceTypeOf(req.typeUrl);
    if (!type) return; // A type we do not serve: Envoy treats silence as "nothing yet".
    this.handle(type.typeUrl, req);
  }

  /** Re-sends what changed after the cache changed for `nodeId` (undefined: the default snapshot). */
  onCacheChange(nodeId: string | undefined): void {
    if (nodeId !== undefined ? nodeId !== this.nodeId : this.cache.hasOwnSnapshot(this.nodeId)) return;
    for (const typeUrl of PUSH_ORDER) this.push(typeUrl, false);
  }

  protected abstract handle(typeUrl: XdsTypeUrl, req: Req): void;
  protected abstract push(typeUrl: XdsTypeUrl, force: boolean): void;

  protected nextNonce(): string {
    return String(++this.nonce);
  }

  protected typeSnapshot(typeUrl: XdsTypeUrl): TypeSnapshot | undefined {
    return this.cache.snapshotFor(this.nodeId)?.get(typeUrl);
  }

  protected recordNack(typeUrl: string, version: string, nonce: string, message: string): void {
    this.cache.recordNack({ at: Date.now(), nodeId: this.nodeId, typeUrl, version, nonce, message });
  }
}

