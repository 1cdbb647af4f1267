import { ScalarType, type DescField, type DescMessage, type Registry } from '@bufbuild/protobuf';
import { typeNameOf } from '@amesh/proto';
import type { ReportSeverity } from '../translation-report.js';
import { isObject, joinPath, type JsonObject } from './json-path.js';

/** Where the normalizer records what it kept without understanding, or left out. */
export interface NormalizeSink {
  /** Every v3 type amesh can decode (generated + descriptor set). */
  readonly registry: Registry;
  /** The types amesh has generated code for, i.e. the ones the translator reads. */
  readonly generated: Registry;
  note(path: string, severity: ReportSeverity, reason: string): void;
}

const TYPED_STRUCT_URL = 'type.googleapis.com/xds.type.v3.TypedStruct';
const TYPED_STRUCTS = new Set(['xds.type.v3.TypedStruct', 'udpa.type.v1.TypedStruct']);
const REDACTED_BASE64 = 'W3JlZGFjdGVkXQ=='; // base64 of "[redacted]"
const REDACTED_PLACEHOLDER = /^\[?[A-Z_]*REDACTED\]?$/i;
const OMIT = Symbol('omit');

/**
 * Prepares the proto-JSON of one resource for `fromJson`, walking it along its descriptor:
 * - an Any whose type no registry knows (Istio's `stats.PluginConfig`, ALPN filter, …) becomes an
 *   `xds.type.v3.TypedStruct` carrying the original type URL and JSON value: lossless, decodable;
 * - an Any of a type the translator does not read (Wasm, RBAC, TypedStruct, …) is kept and reported;
 * - a field unknown to our Envoy API (removed or newer than our protos) is left out and reported;
 * - a DataSource that Envoy's admin endpoint redacted (`[redacted]`) is left out and reported.
 * - a number where a string field is expected (YAML's unquoted `name: 9080`) becomes that string.
 * Other values of the wrong JSON type are kept as they are: `fromJson` rejects them and `locateJsonError`
 * then names the path. Paths in notes use proto field names, relative to the resource.
 */
export function normalizeResourceJson(schema: DescMessage, json: JsonObject, sink: NormalizeSink): JsonObject {
  return normalizeMessage(schema, json, sink, '') as JsonObject;
}

function normalizeMessage(desc: DescMessage, value: unknown, sink: NormalizeSink, path: string): unknown {
  if (desc.typeName === 'google.protobuf.Any') return normalizeAny(value, sink, path);
  if (desc.typeName.startsWith('google.protobuf.') || !isObject(value)) return value;
  if (desc.typeName === 'envoy.config.core.v3.DataSource' && isRedacted(value)) {
    sink.note(path, 'dropped', "redacted in the dump ([redacted] or a placeholder): the secret value is not in the input, left out");
    return OMIT;
  }
  const fields = fieldsByJsonKey(desc);
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    const f = fields.get(key);
    if (!f) {
      sink.note(
        joinPath(path, key),
        'ignored',
        `field "${key}" is not part of ${desc.typeName} in the Envoy v3 API amesh knows (removed or newer field): left out`,
      );
      continue;
    }
    const normalized = normalizeField(f, v, sink, joinPath(path, f.name));
    if (normalized !== OMIT) out[key] = normalized;
  }
  return out;
}

function normalizeField(f: DescField, value: unknown, sink: NormalizeSink, path: string): unknown {
  switch (f.fieldKind) {
    case 'scalar':
      return stringFromNumber(f.scalar, value);
    case 'message':
      return normalizeMessage(f.message, value, sink, path);
    case 'list':
      if (f.listKind === 'scalar' && Array.isArray(value)) return value.map((v: unknown) => stringFromNumber(f.scalar, v));
      if (f.listKind !== 'message' || !Array.isArray(value)) return value;
      return value.map((item, i) => normalizeMessage(f.message, item, sink, joinPath(path, i))).filter((v) => v !== OMIT);
    case 'map': {
      if (f.mapKind !== 'message' || !isObject(value)) return value;
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value)) {
        const n = normalizeMessage(f.message, v, sink, joinPath(path, k));
        if (n !== OMIT) out[k] = n;
      }
      return out;
    }
    default:
      return value;
  }
}

/** YAML reads an unquoted `name: 9080` as a number; a string field means the text. */
function stringFromNumber(scalar: ScalarType, value: unknown): unknown {
  return scalar === ScalarType.STRING && typeof value === 'number' ? String(value) : value;
}

function normalizeAny(value: unknown, sink: NormalizeSink, path: string): unknown {
  if (!isObject(value) || typeof value['@type'] !== 'string') return value;
  const typeUrl = value['@type'];
  const typeName = typeNameOf(typeUrl);
  const desc = sink.registry.getMessage(typeName);
  const { ['@type']: _type, ...rest } = value;
  void _type;
  if (!desc) {
    sink.note(
      path,
      'ignored',
      `typed config ${typeName} is unknown to amesh's Envoy API registries: kept as xds.type.v3.TypedStruct (type_url + JSON value), not interpreted`,
    );
    return { '@type': TYPED_STRUCT_URL, type_url: typeUrl, value: rest };
  }
  if (TYPED_STRUCTS.has(typeName)) {
    const inner = rest['type_url'] ?? rest['typeUrl'];
    sink.note(path, 'ignored', `TypedStruct for ${typeof inner === 'string' ? typeNameOf(inner) : 'an unnamed type'}: kept as raw Any, not interpreted`);
  } else if (!typeName.startsWith('google.protobuf.') && !sink.generated.getMessage(typeName)) {
    sink.note(path, 'ignored', `typed config ${typeName} is not one amesh translates: kept as raw Any`);
  }
  if (typeName.startsWith('google.protobuf.')) return value;
  return { '@type': typeUrl, ...(normalizeMessage(desc, rest, sink, path) as JsonObject) };
}

/**
 * Envoy's admin endpoint replaces private keys with `[redacted]` (base64 in inline_bytes); dumps
 * scrubbed for publication use placeholders such as Kuma's `CERT_REDACTED`. Either way the value
 * is gone, and a placeholder in inline_bytes is not even valid base64.
 */
function isRedacted(value: JsonObject): boolean {
  const s = value['inline_string'] ?? value['inlineString'];
  const b = value['inline_bytes'] ?? value['inlineBytes'];
  return b === REDACTED_BASE64 || [s, b].some((v) => typeof v === 'string' && REDACTED_PLACEHOLDER.test(v));
}

const fieldCache = new WeakMap<DescMessage, Map<string, DescField>>();

/** A message's fields under both JSON spellings: proto name (snake_case) and JSON name (camelCase). */
export function fieldsByJsonKey(desc: DescMessage): Map<string, DescField> {
  let map = fieldCache.get(desc);
  if (!map) {
    map = new Map();
    for (const f of desc.fields) {
      map.set(f.name, f);
      map.set(f.jsonName, f);
    }
    fieldCache.set(desc, map);
  }
  return map;
}

/** What a field accepts in proto-JSON, for error messages. */
export function describeExpected(f: DescField): string {
  switch (f.fieldKind) {
    case 'scalar':
      return describeScalar(f.scalar);
    case 'enum':
      return describeEnum(f.enum.values.map((v) => v.name));
    case 'message':
      return describeMessage(f.message);
    case 'list':
      return `a list of ${f.listKind === 'message' ? describeMessage(f.message) : f.listKind === 'enum' ? 'enum values' : describeScalar(f.scalar)}`;
    case 'map':
      return 'an object (a map)';
  }
}

function describeEnum(names: string[]): string {
  const shown = names.slice(0, 8).join(', ');
  return `one of ${shown}${names.length > 8 ? ', …' : ''} (or its number)`;
}

function describeScalar(t: ScalarType): string {
  switch (t) {
    case ScalarType.STRING:
      return 'a string';
    case ScalarType.BOOL:
      return 'true or false';
    case ScalarType.BYTES:
      return 'base64 text';
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return 'a number';
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return 'an integer (a number or a decimal string)';
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return 'an integer from 0 to 4294967295';
    default:
      return 'a 32-bit integer';
  }
}

function describeMessage(desc: DescMessage): string {
  switch (desc.typeName) {
    case 'google.protobuf.Duration':
      return 'a duration string such as "1.5s"';
    case 'google.protobuf.Timestamp':
      return 'an RFC 3339 timestamp string';
    case 'google.protobuf.Any':
      return 'an object with an "@type" type URL';
    case 'google.protobuf.Struct':
      return 'an object';
    case 'google.protobuf.Value':
      return 'any JSON value';
    case 'google.protobuf.BoolValue':
      return 'true or false';
    case 'google.protobuf.StringValue':
      return 'a string';
    case 'google.protobuf.UInt32Value':
      return 'an integer from 0 to 4294967295';
    case 'google.protobuf.Int32Value':
      return 'a 32-bit integer';
    case 'google.protobuf.UInt64Value':
    case 'google.protobuf.Int64Value':
      return 'an integer (a number or a decimal string)';
    case 'google.protobuf.DoubleValue':
    case 'google.protobuf.FloatValue':
      return 'a number';
    default:
      return `an object (${desc.typeName})`;
  }
}
