import { createHash } from 'node:crypto';
import { fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import type { Cluster, DeltaDiscoveryResponse, DiscoveryResponse, XdsTypeUrl } from '@amesh/proto';
import type { XdsRef } from '@amesh/translator';
import { clusterSecretNames, decodeResource, edsServiceName, type DecodedResource, type XdsResourceType } from './resource-types.js';
import type { ReceivedResource } from './xds-snapshot.js';

type AnyMessage = MessageShape<DescMessage>;

/**
 * A resource the client holds; a new object whenever its content changes (identity = version),
 * so it is also the translator's reference to it (XdsRef).
 */
export interface HeldResource extends XdsRef<AnyMessage>, ReceivedResource {
  readonly typeUrl: XdsTypeUrl;
  readonly name: string;
  readonly version: string;
  /**
   * What tells a change from a resend: the wire bytes themselves for types held as bytes, else a
   * digest of them (the bytes are views onto whole response buffers and would keep those alive).
   */
  readonly content: string;
  /** For clusters: what they make the client subscribe to, known without decoding them again. */
  readonly clusterRefs?: ClusterRefs;
}

export interface ClusterRefs {
  /** The ClusterLoadAssignment an EDS cluster needs; undefined for clusters with their own endpoints. */
  readonly eds: string | undefined;
  /** SDS secrets its transport sockets name. */
  readonly secrets: readonly string[];
}

/** What a held resource shows as JSON: what was received, not its bytes or message. */
abstract class Held {
  abstract readonly typeUrl: XdsTypeUrl;
  abstract readonly name: string;
  abstract readonly version: string;

  toJSON(): ReceivedResource {
    return { typeUrl: this.typeUrl, name: this.name, version: this.version };
  }
}

/** A resource kept decoded (listeners, route configurations, secrets: few, and read on every pass). */
class DecodedHeld extends Held implements HeldResource {
  constructor(
    readonly typeUrl: XdsTypeUrl,
    readonly name: string,
    readonly version: string,
    readonly content: string,
    private readonly decoded: AnyMessage,
  ) {
    super();
  }

  message(): AnyMessage {
    return this.decoded;
  }
}

/**
 * A resource kept as its wire bytes (clusters and assignments: one or more per service, the bulk
 * of a mesh). A decoded Cluster or assignment takes 6-10 times its wire size; the incremental
 * translator decodes only the ones that changed, so the others need not stay decoded. The bytes
 * are a latin1 string: one compact on-heap object, also the content key. The message decoded on
 * arrival (to validate it) is handed to the first read, which is the translation that follows,
 * and then let go: each resource is decoded once on its way in.
 */
class WireHeld extends Held implements HeldResource {
  constructor(
    private readonly schema: DescMessage,
    readonly typeUrl: XdsTypeUrl,
    readonly name: string,
    readonly version: string,
    readonly content: string,
    readonly clusterRefs: ClusterRefs | undefined,
    private arrived: AnyMessage | undefined,
  ) {
    super();
  }

  message(): AnyMessage {
    const m = this.arrived;
    if (m) {
      this.arrived = undefined;
      return m;
    }
    return fromBinary(this.schema, Buffer.from(this.content, 'latin1'));
  }
}

const NO_NAMES: readonly string[] = Object.freeze([]);

/** A resource of a response as sort() sees it: decoded and checked, or known by its bytes (no message). */
type Sorted = Exclude<DecodedResource, { ok: true }> | { ok: true; name: string; message?: AnyMessage; problems: string[] };

function clusterRefsOf(name: string, cluster: Cluster): ClusterRefs {
  const secrets = clusterSecretNames(cluster);
  const eds = edsServiceName(cluster);
  // Istio's EDS name is the cluster's own: keep one string, not two equal ones.
  return { eds: eds === name ? name : eds, secrets: secrets.length ? secrets : NO_NAMES };
}

function sameClusterRefs(a: ClusterRefs, b: ClusterRefs): boolean {
  return a.eds === b.eds && a.secrets.length === b.secrets.length && a.secrets.every((s, i) => s === b.secrets[i]);
}

/** The outcome of applying one response: what to ACK or NACK with. */
export interface ApplyResult {
  changed: boolean;
  /** One entry per rejected resource (or per problem with the response). */
  errors: string[];
  /** Names of rejected resources. */
  rejected: string[];
}

function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}

/** The content key of a resource's bytes (see HeldResource.content). */
function contentOf(type: XdsResourceType, bytes: Uint8Array): string {
  return type.heldAsBytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1') : digestOf(bytes);
}

const MAX_CHANGES = 4096;

/** A set that reports every add or delete that changes it (the client's timers mark names missing too). */
class TrackedSet extends Set<string> {
  constructor(private readonly changed: (name: string) => void) {
    super();
  }

  override add(name: string): this {
    if (!this.has(name)) {
      super.add(name);
      this.changed(name);
    }
    return this;
  }

  override delete(name: string): boolean {
    if (!super.delete(name)) return false;
    this.changed(name);
    return true;
  }

  override clear(): void {
    for (const name of [...this]) this.delete(name);
  }
}

/** Per-type client state: held resources, subscription, version and nonce, does-not-exist marks. */
export class ClientTypeState {
  readonly resources = new Map<string, HeldResource>();
  /** Named types: what we want. Wildcard types ignore it. */
  readonly subscribed = new Set<string>();
  /** Names the server told us (or the timer decided) do not exist. Changes count as changes (see revision). */
  readonly missing: Set<string> = new TrackedSet((name) => this.touch(name));
  /** Last accepted version (SotW version_info / Delta system_version_info). */
  version = '';
  nonce = '';
  /** Received at least one response since the client started. */
  synced = false;
  /** Per stream: the type was requested on the current stream. */
  requested = false;
  /** Per stream (SotW): the names last sent to the server. */
  sentNames = new Set<string>();

  /**
   * Counts changes of `resources` and of `missing` made here; `changes` names what changed since
   * revision `changesFrom` (bounded: older entries are dropped). Lets a consumer update what it
   * derived from this state without a pass over every resource.
   */
  revision = 0;
  changesFrom = 0;
  readonly changes: string[] = [];
  /**
   * The revision of the last change to what held resources reference (what the client subscribes
   * to for them): any change, except a cluster replaced by one that names the same EDS and SDS
   * resources. Lets the client skip re-deriving its subscriptions from every cluster.
   */
  refsRevision = 0;

  /**
   * Content key -> name of the held resource with those bytes. Only SotW, which resends
   * everything, needs it (made at its first response).
   */
  private byContent: Map<string, string> | undefined;

  constructor(readonly type: XdsResourceType) {}

  /** Notes that what is held or missing under `name` changed (and whether what it references may have). */
  private touch(name: string, refsChanged = true): void {
    this.revision++;
    if (refsChanged) this.refsRevision = this.revision;
    if (this.changes.length >= MAX_CHANGES) {
      this.changes.length = 0;
      this.changesFrom = this.revision - 1;
    }
    this.changes.push(name);
  }

  /** Names changed since `revision`, or undefined when the log no longer reaches back that far. */
  changedSince(revision: number): string[] | undefined {
    if (revision < this.changesFrom || revision > this.revision) return undefined;
    return this.changes.slice(revision - this.changesFrom);
  }

  /** Drops a held resource; true when there was one. */
  private drop(name: string): boolean {
    const held = this.resources.get(name);
    if (!held) return false;
    this.byContent?.delete(held.content);
    this.resources.delete(name);
    this.touch(name);
    return true;
  }

  wants(name: string): boolean {
    return this.type.wildcard || this.subscribed.has(name);
  }

  /**
   * Sets a held resource if its content differs; true when something changed. `message` is
   * undefined only for bytes held already under this name (nothing to change then).
   */
  private put(name: string, message: AnyMessage | undefined, content: string, version: string): boolean {
    this.missing.delete(name);
    const held = this.resources.get(name);
    if ((held && held.content === content) || !message) return false;
    if (held) this.byContent?.delete(held.content);
    const type = this.type;
    const clusterRefs = type.key === 'clusters' ? clusterRefsOf(name, message as Cluster) : undefined;
    this.touch(name, !(held?.clusterRefs && clusterRefs && sameClusterRefs(held.clusterRefs, clusterRefs)));
    this.resources.set(name, type.heldAsBytes ? new WireHeld(type.schema, type.typeUrl, name, version, content, clusterRefs, message) : new DecodedHeld(type.typeUrl, name, version, content, message));
    this.byContent?.set(content, name);
    return true;
  }

  /**
   * Decodes and validates a batch: good resources are returned, bad ones reported. Duplicate names
   * reject every copy, since the client cannot know which one the server meant.
   */
  private sort(items: { any: Any | undefined; name?: string }[]): {
    good: Map<string, { message?: AnyMessage; content: string; index: number }>;
    errors: string[];
    rejected: Set<string>;
  } {
    const good = new Map<string, { message?: AnyMessage; content: string; index: number }>();
    const errors: string[] = [];
    const rejected = new Set<string>();
    const seen = new Set<string>();
    items.forEach(({ any, name }, index) => {
      // SotW resends everything: bytes we already hold were decoded and validated before.
      const content = any && any.typeUrl === this.type.typeUrl ? contentOf(this.type, any.value) : '';
      const knownName = content ? this.byContent?.get(content) : undefined;
      const held = knownName !== undefined && (name === undefined || name === knownName) ? this.resources.get(knownName) : undefined;
      // Held bytes are not decoded again (nor kept decoded): put() sees the same content and stops.
      const decoded: Sorted = held ? { ok: true, name: held.name, problems: [] } : decodeResource(this.type, any, name);
      const label = decoded.name ? `${this.type.short} ${decoded.name}` : `${this.type.short} resource #${index}`;
      if (decoded.name !== undefined && seen.has(decoded.name)) {
        errors.push(`${label}: duplicate name in one response`);
        rejected.add(decoded.name);
        good.delete(decoded.name);
        return;
      }
      if (decoded.name !== undefined) seen.add(decoded.name);
      if (!decoded.ok) {
        errors.push(`${label}: ${decoded.error}`);
        if (decoded.name) rejected.add(decoded.name);
      } else if (decoded.problems.length > 0) {
        errors.push(`${label}: ${decoded.problems.join('; ')}`);
        rejected.add(decoded.name);
      } else if (!rejected.has(decoded.name)) {
        good.set(decoded.name, { message: decoded.message, content, index });
      }
    });
    return { good, errors, rejected };
  }

  /** SotW: a response holds every resource of the type (LDS/CDS) or the requested ones (EDS/RDS). */
  applySotw(res: DiscoveryResponse): ApplyResult {
    if (!this.byContent) {
      this.byContent = new Map();
      for (const [name, held] of this.resources) this.byContent.set(held.content, name);
    }
    const { good, errors, rejected } = this.sort(res.resources.map((any) => ({ any })));
    let changed = false;
    for (const [name, r] of good) {
      if (this.wants(name)) changed = this.put(name, r.message, r.content, res.versionInfo) || changed;
    }
    if (this.type.allResourcesRequired) {
      // Absent from a full response = deleted; a rejected update keeps the old copy.
      for (const name of [...this.resources.keys()]) {
        if (!good.has(name) && !rejected.has(name)) changed = this.drop(name) || changed;
      }
    }
    this.finish(errors.length === 0, res.versionInfo, res.nonce);
    return { changed, errors, rejected: [...rejected] };
  }

  /** Delta: resources are upserts, removed_resources deletions. */
  applyDelta(res: DeltaDiscoveryResponse): ApplyResult {
    const withBody = res.resources.filter((r) => r.resource !== undefined);
    const { good, errors, rejected } = this.sort(withBody.map((r) => ({ any: r.resource, name: r.name || undefined })));
    let changed = false;
    for (const [name, r] of good) {
      if (this.wants(name)) changed = this.put(name, r.message, r.content, withBody[r.index]!.version) || changed;
    }
    for (const name of res.removedResources) {
      if (this.drop(name)) changed = true;
      if (!this.type.wildcard && this.subscribed.has(name) && !this.missing.has(name)) {
        this.missing.add(name);
        changed = true;
      }
    }
    this.finish(errors.length === 0, res.systemVersionInfo || res.nonce, res.nonce);
    return { changed, errors, rejected: [...rejected] };
  }

  private finish(accepted: boolean, version: string, nonce: string): void {
    if (accepted) this.version = version;
    this.nonce = nonce;
    this.synced = true;
  }

  /** Replaces the subscription; returns names added and removed (their held copies are dropped). */
  resubscribe(names: Set<string>): { added: string[]; removed: string[] } {
    const added = [...names].filter((n) => !this.subscribed.has(n));
    const removed = [...this.subscribed].filter((n) => !names.has(n));
    for (const n of added) this.subscribed.add(n);
    for (const n of removed) {
      this.subscribed.delete(n);
      this.drop(n);
      this.missing.delete(n);
    }
    return { added, removed };
  }

  /** Named subscriptions neither received nor known missing (what the initial sync waits for). */
  pending(): string[] {
    return [...this.subscribed].filter((n) => !this.resources.has(n) && !this.missing.has(n));
  }

  /** Versions of held resources, for Delta's initial_resource_versions on reconnect. */
  heldVersions(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, r] of this.resources) if (this.wants(name)) out[name] = r.version;
    return out;
  }
}
