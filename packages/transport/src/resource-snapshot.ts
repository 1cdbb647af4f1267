import { createHash } from 'node:crypto';
import { create, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { AnySchema, type Any } from '@bufbuild/protobuf/wkt';
import type { XdsTypeUrl } from '@amesh/proto';
import type { XdsResources } from '@amesh/translator';
import { RESOURCE_TYPES, resourceTypeOf } from './resource-types.js';

/** One resource as the server sends it: packed once, with a content version for Delta. */
export interface ServedResource {
  name: string;
  version: string;
  any: Any;
}

/**
 * How a type snapshot differs from the one it was made from: every name added, changed or removed.
 * Only the last step is kept (making a snapshot from another cuts the other's link), so old
 * snapshots do not pile up behind the current one.
 */
export interface TypeChanges {
  base: TypeSnapshot;
  names: ReadonlySet<string>;
}

/** The resources of one type, with a version that changes exactly when their content changes. */
export interface TypeSnapshot {
  version: string;
  resources: ReadonlyMap<string, ServedResource>;
  /** Set when made from another snapshot: lets a Delta stream diff only what changed. */
  changes?: TypeChanges;
}

/** What the server serves to one node: every type, packed and versioned. */
export type ResourceSnapshot = ReadonlyMap<XdsTypeUrl, TypeSnapshot>;

function digest(parts: Iterable<string | Uint8Array>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex').slice(0, 16);
}

const MOD = 1n << 128n;

/**
 * A type's version is a hash of the sum of per-resource hashes: independent of order and
 * updatable from the changed resources alone, so a small change to a large type costs little.
 */
function entryHash(name: string, version: string): bigint {
  return BigInt(`0x${createHash('sha256').update(name).update('\0').update(version).digest('hex').slice(0, 32)}`);
}

/** The sum behind each type snapshot's version (kept to update it). */
const sums = new WeakMap<TypeSnapshot, bigint>();

function typeSnapshot(resources: ReadonlyMap<string, ServedResource>, sum: bigint, base?: TypeSnapshot, names?: ReadonlySet<string>): TypeSnapshot {
  const snapshot: TypeSnapshot = { version: digest([sum.toString(16)]), resources };
  if (base && names) {
    snapshot.changes = { base, names };
    base.changes = undefined; // Keep one step: see TypeChanges.
  }
  sums.set(snapshot, sum);
  return snapshot;
}

function sumOf(resources: ReadonlyMap<string, ServedResource>): bigint {
  let sum = 0n;
  for (const r of resources.values()) sum = (sum + entryHash(r.name, r.version)) % MOD;
  return sum;
}

/**
 * Packs XdsResources for serving. Versions are content hashes, so a restarted server with the same
 * content hands out the same versions and reconnecting clients receive nothing new. With `previous`
 * (what is served now), unchanged resources and types keep their objects and each changed type
 * records what changed (see TypeChanges).
 * Throws when a type holds two resources with the same name (the client would NACK them).
 */
export function buildResourceSnapshot(resources: XdsResources, previous?: ResourceSnapshot): ResourceSnapshot {
  const packed = new Map<XdsTypeUrl, { name: string; any: Any }[]>();
  for (const type of RESOURCE_TYPES) {
    packed.set(
      type.typeUrl,
      resources[type.key].map((message) => ({
        name: type.nameOf(message as never),
        any: create(AnySchema, { typeUrl: type.typeUrl, value: toBinary(type.schema, message as never) }),
      })),
    );
  }
  return buildResourceSnapshotFromAnys(packed, previous);
}

/** Builds a snapshot from resources already packed as Any (e.g. a recorded exchange replayed as is). */
export function buildResourceSnapshotFromAnys(anys: ReadonlyMap<XdsTypeUrl, readonly { name: string; any: Any }[]>, previous?: ResourceSnapshot): ResourceSnapshot {
  const snapshot = new Map<XdsTypeUrl, TypeSnapshot>();
  for (const type of RESOURCE_TYPES) {
    const before = previous?.get(type.typeUrl);
    const served = new Map<string, ServedResource>();
    const changed = new Set<string>();
    for (const { name, any } of anys.get(type.typeUrl) ?? []) {
      if (served.has(name)) throw new Error(`${type.short} resource ${JSON.stringify(name)} appears twice; names must be unique`);
      const version = digest([any.value]);
      const old = before?.resources.get(name);
      if (old?.version === version) served.set(name, old);
      else {
        served.set(name, { name, version, any });
        changed.add(name);
      }
    }
    if (before) for (const name of before.resources.keys()) if (!served.has(name)) changed.add(name);
    if (before && changed.size === 0) snapshot.set(type.typeUrl, before);
    else snapshot.set(type.typeUrl, typeSnapshot(served, sumOf(served), before, changed));
  }
  return snapshot;
}

/**
 * A copy of `snapshot` with some resources of one type added or replaced (by name) and others
 * removed: cheaper than rebuilding a large snapshot for a small change.
 */
export function withResources(
  snapshot: ResourceSnapshot,
  typeUrl: XdsTypeUrl,
  upserts: readonly MessageShape<DescMessage>[],
  removals: readonly string[] = [],
): ResourceSnapshot {
  const type = resourceTypeOf(typeUrl);
  if (!type) throw new Error(`withResources: ${typeUrl} is not a type amesh serves`);
  const before = snapshot.get(typeUrl);
  const served = new Map(before?.resources ?? []);
  let sum = before ? (sums.get(before) ?? sumOf(before.resources)) : 0n;
  const changed = new Set<string>();
  const put = (name: string, next: ServedResource | undefined): void => {
    const old = served.get(name);
    if (old?.version === next?.version) return;
    if (old) sum = (sum - entryHash(name, old.version) + MOD) % MOD;
    if (next) {
      sum = (sum + entryHash(name, next.version)) % MOD;
      served.set(name, next);
    } else served.delete(name);
    changed.add(name);
  };
  for (const name of removals) put(name, undefined);
  for (const message of upserts) {
    const name = type.nameOf(message as never);
    const value = toBinary(type.schema, message as never);
    put(name, { name, version: digest([value]), any: create(AnySchema, { typeUrl, value }) });
  }
  const next = new Map(snapshot);
  next.set(typeUrl, before && changed.size === 0 ? before : typeSnapshot(served, sum, before, changed));
  return next;
}
