import type { MessageInitShape } from '@bufbuild/protobuf';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponseSchema, XdsTypeUrl } from '@amesh/proto';
import { resourceTypeOf } from './resource-types.js';
import { ServerStream } from './server-stream.js';
import type { SnapshotCache } from './snapshot-cache.js';
import type { ServedResource, TypeSnapshot } from './resource-snapshot.js';

interface DeltaTypeState {
  /** The type snapshot last diffed against, to skip types a cache change did not touch. */
  diffed?: TypeSnapshot;
  wildcard: boolean;
  names: Set<string>;
  /** What the client holds: name -> version (from initial_resource_versions and what we sent). */
  known: Map<string, string>;
}

/** Incremental: responses carry only changed resources and the names of removed ones. */
export class DeltaServerStream extends ServerStream<DeltaDiscoveryRequest> {
  readonly types = new Map<XdsTypeUrl, DeltaTypeState>();

  constructor(cache: SnapshotCache, private readonly send: (res: MessageInitShape<typeof DeltaDiscoveryResponseSchema>) => void) {
    super(cache);
  }

  protected handle(typeUrl: XdsTypeUrl, req: DeltaDiscoveryRequest): void {
    let state = this.types.get(typeUrl);
    const first = !state;
    if (!state) {
      state = { wildcard: false, names: new Set(), known: new Map(Object.entries(req.initialResourceVersions)) };
      this.types.set(typeUrl, state);
      // Legacy wildcard: the first request of LDS/CDS naming nothing asks for everything.
      if (req.resourceNamesSubscribe.length === 0 && resourceTypeOf(typeUrl)?.wildcard) state.wildcard = true;
    }
    for (const name of req.resourceNamesSubscribe) {
      if (name === '*') state.wildcard = true;
      else state.names.add(name);
    }
    for (const name of req.resourceNamesUnsubscribe) {
      if (name === '*') state.wildcard = false;
      else {
        state.names.delete(name);
        state.known.delete(name);
      }
    }
    if (req.errorDetail) {
      this.recordNack(typeUrl, '', req.responseNonce, req.errorDetail.message);
      return;
    }
    if (first || req.resourceNamesSubscribe.length > 0) {
      state.diffed = undefined; // new names: diff again even if the snapshot did not change
      this.push(typeUrl, first);
    }
  }

  protected push(typeUrl: XdsTypeUrl, force: boolean): void {
    const state = this.types.get(typeUrl);
    const snapshot = this.typeSnapshot(typeUrl);
    if (!state || !snapshot) return;
    if (!force && state.diffed === snapshot) return;
    const wanted = (name: string): boolean => state.wildcard || state.names.has(name);
    const resources: ServedResource[] = [];
    const removed: string[] = [];
    // The usual push: the snapshot was made from the one last diffed, so only its changes can differ.
    const changed = state.diffed && snapshot.changes?.base === state.diffed ? snapshot.changes.names : undefined;
    state.diffed = snapshot;
    if (changed) {
      for (const name of changed) {
        if (!wanted(name)) continue;
        const r = snapshot.resources.get(name);
        if (r) {
          if (state.known.get(name) !== r.version) resources.push(r);
        } else if (state.known.has(name)) removed.push(name);
      }
    } else {
      for (const r of snapshot.resources.values()) {
        if (wanted(r.name) && state.known.get(r.name) !== r.version) resources.push(r);
      }
      for (const n of state.known.keys()) if (wanted(n) && !snapshot.resources.has(n)) removed.push(n);
    }
    if (!force && resources.length === 0 && removed.length === 0) return;
    for (const r of resources) state.known.set(r.name, r.version);
    for (const n of removed) state.known.delete(n);
    this.send({
      systemVersionInfo: snapshot.version,
      typeUrl,
      nonce: this.nextNonce(),
      resources: resources.map((r) => ({ name: r.name, version: r.version, resource: r.any })),
      removedResources: removed,
    });
  }
}

