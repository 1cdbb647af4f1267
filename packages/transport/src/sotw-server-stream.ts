import type { MessageInitShape } from '@bufbuild/protobuf';
import type { DiscoveryRequest, DiscoveryResponseSchema, XdsTypeUrl } from '@amesh/proto';
import { ServerStream } from './server-stream.js';
import type { SnapshotCache } from './snapshot-cache.js';

interface SotwTypeState {
  /** null: wildcard. */
  names: Set<string> | null;
  sentVersion?: string;
  sentNonce?: string;
}

function sameNames(a: Set<string> | null, b: Set<string> | null): boolean {
  if (a === null || b === null) return a === b;
  return a.size === b.size && [...a].every((n) => b.has(n));
}

/** State-of-the-world: every response carries all subscribed resources of its type. */
export class SotwServerStream extends ServerStream<DiscoveryRequest> {
  readonly types = new Map<XdsTypeUrl, SotwTypeState>();

  constructor(cache: SnapshotCache, private readonly send: (res: MessageInitShape<typeof DiscoveryResponseSchema>) => void) {
    super(cache);
  }

  protected handle(typeUrl: XdsTypeUrl, req: DiscoveryRequest): void {
    let state = this.types.get(typeUrl);
    // A request answering an older response is stale: a newer response is already on its way.
    if (state?.sentNonce !== undefined && req.responseNonce !== '' && req.responseNonce !== state.sentNonce) return;
    if (req.errorDetail) {
      this.recordNack(typeUrl, req.versionInfo, req.responseNonce, req.errorDetail.message);
      return;
    }
    const names = req.resourceNames.length === 0 || req.resourceNames.includes('*') ? null : new Set(req.resourceNames);
    const current = this.typeSnapshot(typeUrl)?.version;
    if (!state) {
      // Every type's first request on a stream is answered, even when the client names the current
      // version (as istiod does): the response is what tells the client the stream is healthy.
      this.types.set(typeUrl, { names });
      this.push(typeUrl, true);
      return;
    }
    const namesChanged = !sameNames(state.names, names);
    state.names = names;
    if (namesChanged || req.versionInfo !== current) this.push(typeUrl, true);
  }

  protected push(typeUrl: XdsTypeUrl, force: boolean): void {
    const state = this.types.get(typeUrl);
    const snapshot = this.typeSnapshot(typeUrl);
    if (!state || !snapshot) return;
    if (!force && state.sentVersion === snapshot.version) return;
    const served = state.names === null ? [...snapshot.resources.values()] : [...state.names].flatMap((n) => snapshot.resources.get(n) ?? []);
    const nonce = this.nextNonce();
    state.sentVersion = snapshot.version;
    state.sentNonce = nonce;
    this.send({ versionInfo: snapshot.version, typeUrl, nonce, resources: served.map((r) => r.any) });
  }
}

