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

/** The resources of one type, with a version that changes exactly when their content changes. */
export interface TypeSnapshot {
  version: string;
  resources: ReadonlyMap<string, ServedResource>;
}

/** What the server serves to one node: every type, packed and versioned. */
export type ResourceSnapshot = ReadonlyMap<XdsTypeUrl, TypeSnapshot>;

function digest(parts: Iterable<string | Uint8Array>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex').slice(0, 16);
}

/**
 * Packs XdsResources for serving. Versions are content hashes, so a restarted server with the same
 * content hands out the same versions and reconnecting clients receive nothing new.
 * Throws when a type holds two resources with the same name (the client would NACK them).
 */
export function buildResourceSnapshot(resources: XdsResources): ResourceSnapshot {
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
  return buildResourceSnapshotFromAnys(packed);
}

/** Builds a snapshot from resources already packed as Any (e.g. a recorded exchange replayed as is). */
export function buildResourceSnapshotFromAnys(anys: ReadonlyMap<XdsTypeUrl, readonly { name: string; any: Any }[]>): ResourceSnapshot {
  const snapshot = new Map<XdsTypeUrl, TypeSnapshot>();
  for (const type of RESOURCE_TYPES) {
    const served = new Map<string, ServedResource>();
    for (const { name, any } of anys.get(type.typeUrl) ?? []) {
      if (served.has(name)) throw new Error(`${type.short} resource ${JSON.stringify(name)} appears twice; names must be unique`);
      served.set(name, { name, version: digest([any.value]), any });
    }
    snapshot.set(type.typeUrl, { version: typeVersion(served), resources: served });
  }
  return snapshot;
}

function typeVersion(served: ReadonlyMap<string, ServedResource>): string {
  const names = [...served.keys()].sort();
  return digest(names.flatMap((n) => [n, '\0', served.get(n)!.version, '\0']));
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
  const served = new Map(snapshot.get(typeUrl)?.resources ?? []);
  for (const name of removals) served.delete(name);
  for (const message of upserts) {
    const name = type.nameOf(message as never);
    const value = toBinary(type.schema, message as never);
    served.set(name, { name, version: digest([value]), any: create(AnySchema, { typeUrl, value }) });
  }
  const next = new Map(snapshot);
  next.set(typeUrl, { version: typeVersion(served), resources: served });
  return next;
}
