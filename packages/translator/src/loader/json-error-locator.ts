import { fromJson, type DescField, type DescMessage, type JsonValue, type Registry } from '@bufbuild/protobuf';
import { typeNameOf } from '@amesh/proto';
import { isObject, joinPath } from './json-path.js';
import { describeExpected, fieldsByJsonKey } from './typed-config-normalizer.js';

export interface LocatedJsonError {
  /** JSON path in the file's own spelling. */
  path: string;
  problem: string;
}

/**
 * Finds where proto-JSON that `fromJson` rejected goes wrong. Only runs after a failure: it tries
 * each leaf field on its own (`fromJson` of a one-field object), descending through messages, lists,
 * maps and Any, and reports the first failing leaf with what it expects. When every leaf passes the
 * failure is about the message as a whole (e.g. two members of a oneof), reported at its path.
 */
export function locateJsonError(
  desc: DescMessage,
  json: unknown,
  registry: Registry,
  path: string,
  wholeError: string,
): LocatedJsonError {
  return locateInMessage(desc, json, registry, path) ?? { path, problem: cleanMessage(wholeError) };
}

function locateInMessage(desc: DescMessage, json: unknown, registry: Registry, path: string): LocatedJsonError | undefined {
  if (desc.typeName === 'google.protobuf.Any' && isObject(json) && typeof json['@type'] === 'string') {
    const inner = registry.getMessage(typeNameOf(json['@type']));
    if (!inner) return { path: joinPath(path, '@type'), problem: `type ${json['@type']} is unknown: expected an Envoy v3 type URL` };
    if (inner.typeName.startsWith('google.protobuf.')) return tryWhole(desc, json, registry, path);
    const { ['@type']: _t, ...rest } = json;
    void _t;
    return locateInMessage(inner, rest, registry, path);
  }
  if (desc.typeName.startsWith('google.protobuf.') || !isObject(json)) return tryWhole(desc, json, registry, path);
  const fields = fieldsByJsonKey(desc);
  for (const [key, value] of Object.entries(json)) {
    const f = fields.get(key);
    const at = joinPath(path, key);
    if (!f) return { path: at, problem: `unknown field "${key}" of ${desc.typeName}` };
    const found = locateInField(desc, f, key, value, registry, at);
    if (found) return found;
  }
  // Every field is fine on its own: the message as a whole is wrong (e.g. a oneof set twice).
  return tryWhole(desc, json, registry, path);
}

/** Well-known types other than Any have their own JSON forms: checked as leaves. */
function isLeafMessage(desc: DescMessage): boolean {
  return desc.typeName.startsWith('google.protobuf.') && desc.typeName !== 'google.protobuf.Any';
}

function locateInField(
  parent: DescMessage,
  f: DescField,
  key: string,
  value: unknown,
  registry: Registry,
  at: string,
): LocatedJsonError | undefined {
  if (value === null) return undefined;
  if (f.fieldKind === 'message' && !isLeafMessage(f.message)) return locateInMessage(f.message, value, registry, at);
  if (f.fieldKind === 'list' && f.listKind === 'message' && !isLeafMessage(f.message)) {
    if (!Array.isArray(value)) return { path: at, problem: `expected ${describeExpected(f)}, got ${typeOfJson(value)}` };
    for (let i = 0; i < value.length; i++) {
      const found = locateInMessage(f.message, value[i], registry, joinPath(at, i));
      if (found) return found;
    }
    return undefined;
  }
  if (f.fieldKind === 'map' && f.mapKind === 'message' && !isLeafMessage(f.message)) {
    if (!isObject(value)) return { path: at, problem: `expected ${describeExpected(f)}, got ${typeOfJson(value)}` };
    for (const [k, v] of Object.entries(value)) {
      const found = locateInMessage(f.message, v, registry, joinPath(at, k));
      if (found) return found;
    }
    return undefined;
  }
  try {
    fromJson(parent, { [key]: value } as JsonValue, { registry });
    return undefined;
  } catch (err) {
    return { path: at, problem: `expected ${describeExpected(f)}, got ${preview(value)} (${cleanMessage((err as Error).message)})` };
  }
}

function tryWhole(desc: DescMessage, json: unknown, registry: Registry, path: string): LocatedJsonError | undefined {
  try {
    fromJson(desc, json as JsonValue, { registry });
    return undefined;
  } catch (err) {
    return { path, problem: cleanMessage((err as Error).message) };
  }
}

function cleanMessage(message: string): string {
  return message.replace(/^\[[a-z_]+\]\s*/, '');
}

function typeOfJson(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${preview(value)}`;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
