import { EventEmitter } from 'node:events';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { createWritableIterable } from '@connectrpc/connect/protocol';
import {
  AggregatedDiscoveryService,
  DeltaDiscoveryRequestSchema,
  DiscoveryRequestSchema,
  NodeSchema,
  PUSH_ORDER,
  TypeUrl,
  type DeltaDiscoveryResponse,
  type DiscoveryResponse,
  type Listener,
  type Node,
  type XdsTypeUrl,
} from '@amesh/proto';
import { Backoff, type BackoffOptions } from './backoff.js';
import { ClientTypeState, type ApplyResult } from './client-type-state.js';
import { openConnection, type Connection, type ConnectionOptions } from './connection.js';
import { computeView, emptyView, initialSyncComplete, sameView, snapshotOf, type PublishedView } from './consistent-view.js';
import { listenerRouteNames, listenerSecretNames, RESOURCE_TYPES } from './resource-types.js';
import type { AdsClientStatus, NackRecord, StreamState, XdsSnapshot } from './xds-snapshot.js';

export type AdsProtocol = 'sotw' | 'delta';

export interface AdsClientOptions extends ConnectionOptions {
  /** Who we are: see buildIstioNode() for istiod. */
  node: Node | MessageInitShape<typeof NodeSchema>;
  /** Delta (incremental, istiod's default) or state-of-the-world. Default delta. */
  protocol?: AdsProtocol;
  /**
   * Subscribe to the SDS secrets clusters and listeners reference. Off by default: a sidecar's
   * `default`/`ROOTCA` come from the agent's CA client, not from istiod.
   */
  subscribeSecrets?: boolean;
  /** A named resource not received this long after it was requested counts as missing (Envoy: 15 s). */
  doesNotExistTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** NACK records kept for status(); default 50. */
  maxNacks?: number;
}

const INVALID_ARGUMENT = 3;

type AnyRequest = MessageInitShape<typeof DiscoveryRequestSchema> | MessageInitShape<typeof DeltaDiscoveryRequestSchema>;

export interface AdsClientEvents {
  snapshot: [XdsSnapshot];
  nack: [NackRecord];
  /** The stream ended; the client reconnects after a backoff. */
  disconnect: [Error];
}

/**
 * An ADS client in the manner of Envoy: wildcard LDS/CDS, EDS/RDS (and optionally SDS) names
 * followed from what clusters and listeners reference, ACK/NACK per type, reconnect with backoff,
 * and consistent snapshots only (see consistent-view.ts).
 */
export class AdsClient extends EventEmitter<AdsClientEvents> {
  private readonly protocol: AdsProtocol;
  private readonly node: Node;
  private readonly states = new Map<XdsTypeUrl, ClientTypeState>();
  private readonly backoff: Backoff;
  /** Does-not-exist timers by `<typeUrl> <name>`. */
  private readonly timers = new Map<string, { state: ClientTypeState; name: string; timer: NodeJS.Timeout }>();
  private readonly nacks: NackRecord[] = [];
  private view: PublishedView = emptyView();
  private latest: XdsSnapshot | undefined;
  private state: StreamState = 'idle';
  private lastError: string | undefined;
  private connectedAt: number | undefined;
  private lastMessageAt: number | undefined;
  private reconnects = 0;
  private closed = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private stream: { send: (req: AnyRequest) => void; abort: AbortController; conn: Connection; first: boolean } | undefined;
  /** Publishes already scheduled, by when they run. */
  private readonly publishPending = new Set<'soon' | 'turn'>();
  /** referencesMark() when the subscriptions were last derived from the clusters and listeners. */
  private followedMark = '';

  constructor(private readonly options: AdsClientOptions) {
    super();
    this.protocol = options.protocol ?? 'delta';
    this.node = create(NodeSchema, options.node as MessageInitShape<typeof NodeSchema>);
    this.backoff = new Backoff(options.backoff);
    for (const type of RESOURCE_TYPES) this.states.set(type.typeUrl, new ClientTypeState(type));
  }

  /** Connects and keeps the stream up until close(). */
  start(): this {
    if (this.running || this.closed) return this;
    this.running = this.loop();
    return this;
  }

  /** Subscribe to consistent snapshots; called at once with the latest if there is one. */
  onSnapshot(listener: (snapshot: XdsSnapshot) => void): () => void {
    this.on('snapshot', listener);
    if (this.latest) listener(this.latest);
    return () => this.off('snapshot', listener);
  }

  /** The last published snapshot (undefined until the initial sync completed). */
  snapshot(): XdsSnapshot | undefined {
    return this.latest;
  }

  status(): AdsClientStatus {
    const versions: AdsClientStatus['versions'] = {};
    const resources: NonNullable<AdsClientStatus['resources']> = {};
    const subscriptions: NonNullable<AdsClientStatus['subscriptions']> = {};
    for (const [typeUrl, s] of this.states) {
      if (s.version) versions[typeUrl] = s.version;
      resources[typeUrl] = s.resources.size;
      subscriptions[typeUrl] = s.type.wildcard ? ['*'] : [...s.subscribed];
    }
    return {
      state: this.state,
      protocol: this.protocol,
      server: this.options.server,
      versions,
      lastError: this.lastError,
      connectedAt: this.connectedAt,
      lastMessageAt: this.lastMessageAt,
      reconnects: this.reconnects,
      nacks: [...this.nacks],
      synced: this.latest !== undefined,
      resources,
      subscriptions,
    };
  }

  /** Ends the stream and stops reconnecting. */
  async close(): Promise<void> {
    this.closed = true;
    this.state = 'closed';
    this.stream?.abort.abort();
    this.wake?.();
    await this.running;
    this.clearTimers();
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      try {
        await this.runStream();
      } catch (err) {
        if (this.closed) break;
        const error = err instanceof Error ? err : new Error(String(err));
        this.lastError = error.message;
        this.emit('disconnect', error);
      }
      if (this.closed) break;
      this.state = 'backoff';
      this.reconnects++;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.backoff.next());
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async runStream(): Promise<void> {
    this.state = 'connecting';
    const conn = openConnection(this.options);
    const abort = new AbortController();
    const requests = createWritableIterable<AnyRequest>();
    const stream = {
      conn,
      abort,
      first: true,
      send: (req: AnyRequest): void => {
        if (stream.first) {
          req = { ...req, node: this.node };
          stream.first = false;
        }
        requests.write(req).catch(() => undefined); // The stream is gone; the next one re-requests everything.
      },
    };
    this.stream = stream;
    for (const s of this.states.values()) {
      s.requested = false;
      s.sentNames = new Set();
    }
    try {
      const client = createClient(AggregatedDiscoveryService, conn.transport);
      // Response headers mean the server accepted the stream; a SotW server may then stay silent
      // when we already hold its versions.
      const callOptions = { headers: conn.headers, signal: abort.signal, onHeader: () => this.markConnected() };
      for (const typeUrl of PUSH_ORDER) this.requestType(this.states.get(typeUrl)!);
      if (this.protocol === 'delta') {
        const responses = client.deltaAggregatedResources(requests as AsyncIterable<MessageInitShape<typeof DeltaDiscoveryRequestSchema>>, callOptions);
        for await (const res of responses) {
          this.received(() => this.onDelta(res));
          // connect-es 2.x keeps every response of a stream reachable until the stream ends
          // (connectrpc/connect-es#1524): drop the bulk of each once it is handled.
          res.resources = [];
          res.removedResources = [];
        }
      } else {
        const responses = client.streamAggregatedResources(requests as AsyncIterable<MessageInitShape<typeof DiscoveryRequestSchema>>, callOptions);
        for await (const res of responses) {
          this.received(() => this.onSotw(res));
          res.resources = []; // See above.
        }
      }
      if (!this.closed) throw new Error('the server ended the stream');
    } finally {
      this.stream = undefined;
      requests.close();
      abort.abort();
      conn.close();
      this.clearTimers();
    }
  }

  private received(handle: () => void): void {
    this.backoff.reset();
    this.lastMessageAt = Date.now();
    this.markConnected();
    handle();
  }

  private markConnected(): void {
    if (this.state === 'connected' || this.closed) return;
    this.state = 'connected';
    this.connectedAt = Date.now();
  }

  /** The first request of a type on a stream. */
  private requestType(state: ClientTypeState): void {
    if (!this.stream || (!state.type.wildcard && state.subscribed.size === 0)) return;
    if (state.type.typeUrl === TypeUrl.Secret && !this.options.subscribeSecrets) return;
    const names = state.type.wildcard ? [] : [...state.subscribed];
    state.requested = true;
    state.sentNames = new Set(names);
    if (this.protocol === 'delta') {
      this.stream.send({ typeUrl: state.type.typeUrl, resourceNamesSubscribe: names, initialResourceVersions: state.heldVersions() });
    } else {
      this.stream.send({ typeUrl: state.type.typeUrl, resourceNames: names, versionInfo: state.version });
    }
    for (const name of state.pending()) this.startTimer(state, name);
  }

  private onSotw(res: DiscoveryResponse): void {
    const state = this.states.get(res.typeUrl as XdsTypeUrl);
    if (!state) return; // Not a type we asked for.
    const result = state.applySotw(res);
    const base = { typeUrl: res.typeUrl, responseNonce: res.nonce, resourceNames: state.type.wildcard ? [] : [...state.sentNames] };
    this.stream?.send(result.errors.length ? { ...base, versionInfo: state.version, errorDetail: this.nackOf(state, result) } : { ...base, versionInfo: res.versionInfo });
    this.afterApply(state, result);
  }

  private onDelta(res: DeltaDiscoveryResponse): void {
    const state = this.states.get(res.typeUrl as XdsTypeUrl);
    if (!state) return;
    const result = state.applyDelta(res);
    this.stream?.send({ typeUrl: res.typeUrl, responseNonce: res.nonce, errorDetail: result.errors.length ? this.nackOf(state, result) : undefined });
    this.afterApply(state, result);
  }

  private nackOf(state: ClientTypeState, result: ApplyResult): { code: number; message: string } {
    const record: NackRecord = {
      at: Date.now(),
      typeUrl: state.type.typeUrl,
      names: result.rejected,
      reason: result.errors.join('; '),
      keptVersion: state.version,
    };
    this.nacks.push(record);
    if (this.nacks.length > (this.options.maxNacks ?? 50)) this.nacks.shift();
    this.emit('nack', record);
    return { code: INVALID_ARGUMENT, message: record.reason };
  }

  private afterApply(state: ClientTypeState, result: ApplyResult): void {
    for (const t of this.timers.values()) if (t.state === state && state.resources.has(t.name)) this.stopTimer(state, t.name);
    if (state.type.typeUrl === TypeUrl.Cluster || state.type.typeUrl === TypeUrl.Listener) {
      // A cluster that names the same EDS and SDS resources as before (most CDS changes) changes no subscription.
      if ((result.changed && this.referencesMark() !== this.followedMark) || !state.requested) this.followReferences();
    }
    // Endpoint updates, most pushes of a mesh, are cheap to publish (the view and the snapshot are
    // patched): at once. Others wait for the end of the event-loop turn, so that a burst of
    // responses (CDS then EDS, LDS then RDS) read together yields one snapshot.
    if (result.changed && state.type.typeUrl === TypeUrl.ClusterLoadAssignment) this.schedulePublish('soon');
    else if (result.changed || state.type.wildcard) this.schedulePublish();
  }

  /** Where the clusters' and listeners' references stood (their states' refsRevision). */
  private referencesMark(): string {
    return `${this.states.get(TypeUrl.Cluster)!.refsRevision} ${this.states.get(TypeUrl.Listener)!.refsRevision}`;
  }

  /** Subscribes to what clusters and listeners reference now; unsubscribes what they no longer do. */
  private followReferences(): void {
    this.followedMark = this.referencesMark();
    // Clusters are held as bytes: what they reference was noted when they arrived.
    const clusters = [...this.states.get(TypeUrl.Cluster)!.resources.values()].map((r) => r.clusterRefs!);
    const listeners = [...this.states.get(TypeUrl.Listener)!.resources.values()].map((r) => r.message() as Listener);
    const wanted = new Map<XdsTypeUrl, Set<string>>([
      [TypeUrl.ClusterLoadAssignment, new Set(clusters.flatMap((c) => c.eds ?? []))],
      [TypeUrl.RouteConfiguration, new Set(listeners.flatMap(listenerRouteNames))],
    ]);
    if (this.options.subscribeSecrets) {
      wanted.set(TypeUrl.Secret, new Set([...clusters.flatMap((c) => c.secrets), ...listeners.flatMap(listenerSecretNames)]));
    }
    for (const [typeUrl, names] of wanted) {
      const state = this.states.get(typeUrl)!;
      const { added, removed } = state.resubscribe(names);
      if (added.length === 0 && removed.length === 0) continue;
      for (const name of removed) this.stopTimer(state, name);
      if (!this.stream) continue;
      if (!state.requested) {
        this.requestType(state);
      } else if (this.protocol === 'delta') {
        this.stream.send({ typeUrl, resourceNamesSubscribe: added, resourceNamesUnsubscribe: removed });
        for (const name of added) this.startTimer(state, name);
      } else if (names.size > 0) {
        // SotW has no way to say "nothing" for a named type (empty means everything): keep the old names then.
        state.sentNames = new Set(names);
        this.stream.send({ typeUrl, resourceNames: [...names], versionInfo: state.version, responseNonce: state.nonce });
        for (const name of added) this.startTimer(state, name);
      }
    }
    this.schedulePublish();
  }

  private startTimer(state: ClientTypeState, name: string): void {
    const key = `${state.type.typeUrl} ${name}`;
    if (this.timers.has(key) || state.resources.has(name) || state.missing.has(name)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      if (!state.subscribed.has(name) || state.resources.has(name)) return;
      state.missing.add(name);
      this.schedulePublish();
    }, this.options.doesNotExistTimeoutMs ?? 15_000);
    timer.unref();
    this.timers.set(key, { state, name, timer });
  }

  private stopTimer(state: ClientTypeState, name: string): void {
    const key = `${state.type.typeUrl} ${name}`;
    const entry = this.timers.get(key);
    if (entry) {
      clearTimeout(entry.timer);
      this.timers.delete(key);
    }
  }

  private clearTimers(): void {
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * Publishes at most once per `when`: 'turn' at the end of the event-loop turn, so a burst of
   * responses read together yields one snapshot; 'soon' once the current response is handled
   * (its ACK already on its way).
   */
  private schedulePublish(when: 'soon' | 'turn' = 'turn'): void {
    if (this.publishPending.has(when)) return;
    this.publishPending.add(when);
    const run = (): void => {
      this.publishPending.delete(when);
      this.publish();
    };
    if (when === 'soon') queueMicrotask(run);
    else setImmediate(run);
  }

  private publish(): void {
    if (this.closed) return;
    if (!this.latest && !initialSyncComplete(this.states)) return;
    const view = computeView(this.states, this.view);
    if (this.latest && sameView(view, this.view)) return;
    this.view = view;
    this.latest = snapshotOf(view, this.states);
    this.emit('snapshot', this.latest);
  }
}
