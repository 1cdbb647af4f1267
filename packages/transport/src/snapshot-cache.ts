import type { XdsTypeUrl } from '@amesh/proto';
import type { XdsResources } from '@amesh/translator';
import { buildResourceSnapshot, type ResourceSnapshot } from './resource-snapshot.js';

/** A NACK a client sent the server. */
export interface ServerNack {
  at: number;
  nodeId: string;
  typeUrl: XdsTypeUrl | string;
  /** SotW: the version the client kept; Delta: empty. */
  version: string;
  nonce: string;
  message: string;
}

type ChangeListener = (nodeId: string | undefined) => void;

/**
 * Per-node snapshots, in the manner of go-control-plane's snapshot cache: a server stream serves
 * the snapshot of its node, or the default snapshot when its node has none.
 */
export class SnapshotCache {
  private readonly byNode = new Map<string, ResourceSnapshot>();
  private fallback: ResourceSnapshot | undefined;
  private readonly listeners = new Set<ChangeListener>();
  private readonly nackLog: ServerNack[] = [];

  constructor(private readonly maxNacks = 1000) {}

  /** Sets the snapshot of one node; `undefined` sets the default for nodes without their own. */
  setSnapshot(nodeId: string | undefined, resources: XdsResources | ResourceSnapshot): void {
    // Built from what the node is served now: streams then diff only what changed.
    const current = nodeId === undefined ? this.fallback : this.snapshotFor(nodeId);
    const snapshot = resources instanceof Map ? resources : buildResourceSnapshot(resources as XdsResources, current);
    if (nodeId === undefined) this.fallback = snapshot;
    else this.byNode.set(nodeId, snapshot);
    for (const listener of this.listeners) listener(nodeId);
  }

  setDefaultSnapshot(resources: XdsResources | ResourceSnapshot): void {
    this.setSnapshot(undefined, resources);
  }

  /** Forgets a node's own snapshot; the node falls back to the default. */
  clearSnapshot(nodeId: string): void {
    if (this.byNode.delete(nodeId)) for (const listener of this.listeners) listener(nodeId);
  }

  /** What nodes without their own snapshot are served. */
  defaultSnapshot(): ResourceSnapshot | undefined {
    return this.fallback;
  }

  snapshotFor(nodeId: string): ResourceSnapshot | undefined {
    return this.byNode.get(nodeId) ?? this.fallback;
  }

  hasOwnSnapshot(nodeId: string): boolean {
    return this.byNode.has(nodeId);
  }

  /** Calls back with the node whose snapshot changed (`undefined`: the default one). */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recordNack(nack: ServerNack): void {
    this.nackLog.push(nack);
    if (this.nackLog.length > this.maxNacks) this.nackLog.splice(0, this.nackLog.length - this.maxNacks);
  }

  nacks(): readonly ServerNack[] {
    return this.nackLog;
  }
}
