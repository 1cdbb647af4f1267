import { getOption, ScalarType, toBinary, type DescField, type Registry } from '@bufbuild/protobuf';
import { reflect, type ReflectList, type ReflectMap, type ReflectMessage } from '@bufbuild/protobuf/reflect';
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import { sensitive } from '@amesh/proto/gen/udpa/annotations/sensitive_pb';
import type { ResourceKind, StoredObject } from '@amesh/storage';

/** What a secret is replaced with in a dump: Envoy's admin writes the same. */
export const REDACTED = '[redacted]';
const REDACTED_BYTES = new TextEncoder().encode(REDACTED);

/**
 * Redacts, in place, every field annotated `udpa.annotations.sensitive` (TLS private keys,
 * passwords, session ticket keys, generic secrets) and everything beneath it, looking inside Any:
 * strings and bytes become "[redacted]", other scalars are cleared. Envoy's /config_dump does the
 * same, so a dump can be shared without leaking key material.
 */
export function redactSensitive(message: ReflectMessage, registry: Registry, underSensitive = false): void {
  if (message.desc.typeName === 'google.protobuf.Any') {
    redactAny(message.message as Any, registry, underSensitive);
    return;
  }
  for (const field of message.fields) {
    if (!message.isSet(field)) continue;
    const isSensitive = underSensitive || getOption(field, sensitive);
    switch (field.fieldKind) {
      case 'message':
        redactSensitive(message.get(field) as ReflectMessage, registry, isSensitive);
        break;
      case 'list': {
        const list = message.get(field) as ReflectList;
        if (field.listKind === 'message') for (const item of list) redactSensitive(item as ReflectMessage, registry, isSensitive);
        else if (isSensitive) redactList(list, field);
        break;
      }
      case 'map': {
        const map = message.get(field) as ReflectMap;
        if (field.mapKind === 'message') for (const v of map.values()) redactSensitive(v as ReflectMessage, registry, isSensitive);
        else if (isSensitive && isText(field)) for (const k of [...map.keys()]) map.set(k, redacted(map.get(k)));
        else if (isSensitive) map.clear();
        break;
      }
      default:
        if (!isSensitive) break;
        if (isText(field)) message.set(field, redacted(message.get(field)));
        else message.clear(field);
    }
  }
}

/** An Any is redacted through the message it holds, then packed again; unknown types are left as they are. */
function redactAny(any: Any, registry: Registry, underSensitive: boolean): void {
  const inner = anyUnpack(any, registry);
  if (!inner) return;
  const desc = registry.getMessage(inner.$typeName);
  if (!desc) return;
  redactSensitive(reflect(desc, inner), registry, underSensitive);
  any.value = toBinary(desc, inner);
}

function redactList(list: ReflectList, field: DescField & { fieldKind: 'list' }): void {
  if (!isText(field)) {
    list.clear();
    return;
  }
  for (let i = 0; i < list.size; i++) list.set(i, redacted(list.get(i)));
}

/** Strings and bytes can say "[redacted]"; numbers, bools and enums under a sensitive field are cleared instead. */
function isText(field: DescField): boolean {
  return field.scalar === ScalarType.STRING || field.scalar === ScalarType.BYTES;
}

function redacted(value: unknown): string | Uint8Array {
  return value instanceof Uint8Array ? REDACTED_BYTES : REDACTED;
}

/**
 * A copy of an APISIX object with its private keys redacted: an ssl's `key` and each of `keys`, and
 * an upstream's inline `tls.client_key` (APISIX's schema allows it even though the translator
 * writes client certificates as ssl objects). Certificates stay: they are public.
 */
export function redactApisixObject(kind: ResourceKind, object: StoredObject): StoredObject {
  if (kind === 'ssls') {
    const copy = { ...object };
    if (copy.key !== undefined) copy.key = REDACTED;
    if (Array.isArray(copy.keys)) copy.keys = copy.keys.map(() => REDACTED);
    return copy;
  }
  const tls = object.tls as Record<string, unknown> | undefined;
  if (kind === 'upstreams' && tls?.client_key !== undefined) return { ...object, tls: { ...tls, client_key: REDACTED } };
  return object;
}
