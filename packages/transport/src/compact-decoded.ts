import { ScalarType, type DescField, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { scalarZeroValue } from '@bufbuild/protobuf/reflect';
import { FeatureSet_FieldPresence } from '@bufbuild/protobuf/wkt';

// A decoded message holds a fresh [] for every unset repeated field, {} for every unset map and
// { case: undefined } for every unset oneof: ~350k such objects (11+ MB) for 10k services.
// One frozen instance of each serves them all; a consumer that tried to mutate one would throw
// instead of silently changing every message.
const EMPTY_LIST: readonly never[] = Object.freeze([]);
const EMPTY_MAP: Readonly<Record<string, never>> = Object.freeze({});
const NO_CASE: Readonly<{ case: undefined; value?: undefined }> = Object.freeze({ case: undefined });
const EMPTY_BYTES = new Uint8Array(0);
/** proto3 fields without `optional`: set means not the zero value. */
const IMPLICIT = FeatureSet_FieldPresence.IMPLICIT;

type Fields = Record<string, unknown>;

function isMessageObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !ArrayBuffer.isView(v);
}

/**
 * Makes a freshly decoded message (recursively) cheaper to keep: its empty lists, maps and oneofs
 * become shared frozen instances, and its bytes fields (Any values) get their own copies instead
 * of views that keep the whole response buffer alive. Content, encoding and equality are
 * unchanged. Only for messages nobody mutates.
 */
export function compactDecoded<D extends DescMessage>(desc: D, message: MessageShape<D>): MessageShape<D> {
  return compact(desc, message as unknown as Fields) as unknown as MessageShape<D>;
}

/** Each message type's defaults, one object per type: the prototype of its sparse copies. */
const defaultsByType = new WeakMap<DescMessage, Fields>();

/** What an unset field reads as; undefined for fields that read as undefined when unset (messages, explicit presence). */
function defaultValue(field: DescField): unknown {
  if (field.fieldKind === 'list') return EMPTY_LIST;
  if (field.fieldKind === 'map') return EMPTY_MAP;
  if (field.presence !== IMPLICIT) return undefined;
  if (field.fieldKind === 'enum') return field.enum.values[0]?.number ?? 0;
  if (field.fieldKind !== 'scalar') return undefined;
  return field.scalar === ScalarType.BYTES ? EMPTY_BYTES : scalarZeroValue(field.scalar, field.longAsString);
}

function defaultsOf(desc: DescMessage): Fields {
  let d = defaultsByType.get(desc);
  if (d) return d;
  d = { $typeName: desc.typeName };
  for (const field of desc.fields) {
    if (field.oneof) continue;
    const v = defaultValue(field);
    if (v !== undefined) d[field.localName] = v;
  }
  for (const oneof of desc.oneofs) d[oneof.localName] = NO_CASE;
  // Not frozen: assigning a field of a copy must make an own property, which a read-only inherited
  // property would forbid (its values, the shared empty list/map/oneof, are frozen themselves).
  defaultsByType.set(desc, d);
  return d;
}

/** Whether `m` leaves `field` unset, judged against its type's `defaults` (see defaultsOf). */
function isDefault(field: DescField, v: unknown, m: Fields, defaults: Fields): boolean {
  // Explicit presence (scalars and enums): set means an own property (protobuf-es's rule), whatever its value.
  if ((field.fieldKind === 'scalar' || field.fieldKind === 'enum') && field.presence !== IMPLICIT) {
    return !Object.prototype.hasOwnProperty.call(m, field.localName) || v === undefined;
  }
  if (v instanceof Uint8Array) return v.byteLength === 0;
  // Lists and maps were made the shared empty ones by compact(); unset messages are undefined.
  return v === defaults[field.localName];
}

/**
 * A decoded message holds every field, set or not: a Cluster is ~50 slots of which a mesh sets a
 * handful. The copy holds only the set fields; the others are read from a per-type object
 * of defaults on its prototype chain, so reads, protobuf-es's reflection (toBinary, equals, toJson,
 * isFieldSet) and `$typeName` are unchanged. Plain objects only: a message type that already has a
 * prototype chain (defaults for fields with presence) is kept as is.
 */
function sparseCopy(desc: DescMessage, m: Fields): Fields {
  if (Object.getPrototypeOf(m) !== Object.prototype) return m;
  const defaults = defaultsOf(desc);
  const out = Object.create(defaults) as Fields;
  for (const field of desc.fields) {
    if (field.oneof) continue;
    const v = m[field.localName];
    if (!isDefault(field, v, m, defaults)) out[field.localName] = v;
  }
  for (const oneof of desc.oneofs) {
    const v = m[oneof.localName];
    if (v !== NO_CASE) out[oneof.localName] = v;
  }
  if (m.$unknown !== undefined) out.$unknown = m.$unknown;
  return out;
}

function isBytesField(field: DescField): boolean {
  return (field.fieldKind === 'scalar' || (field.fieldKind === 'list' && field.listKind === 'scalar')) && field.scalar === ScalarType.BYTES;
}

/** A copy when `v` is a view onto a larger buffer. */
function detached(v: Uint8Array): Uint8Array {
  return v.byteLength < v.buffer.byteLength ? v.slice() : v;
}

/** Compacts `m` in place; returns it, or a fast-mode copy of it (see fastCopy). */
function compact(desc: DescMessage, m: Fields): Fields {
  // Some message types arrive unboxed (google.protobuf.Struct as a plain JSON object): leave those be.
  if (m.$typeName !== desc.typeName) return m;
  for (const field of desc.fields) {
    if (field.oneof) continue;
    const v = m[field.localName];
    switch (field.fieldKind) {
      case 'scalar':
        if (isBytesField(field)) m[field.localName] = detached(v as Uint8Array);
        break;
      case 'list': {
        const list = v as unknown[];
        if (list.length === 0) m[field.localName] = EMPTY_LIST;
        else if (isBytesField(field)) m[field.localName] = (list as Uint8Array[]).map(detached);
        // The copies (by map and slice) are exactly as long as the list: decoding grew it by push, with room to spare.
        else if (field.listKind === 'message') {
          m[field.localName] = list.map((item) => (isMessageObject(item) ? compact(field.message, item) : item));
        } else m[field.localName] = list.slice();
        break;
      }
      case 'map': {
        const map = v as Record<string, unknown>;
        let empty = true;
        for (const key in map) {
          empty = false;
          if (field.mapKind !== 'message') break;
          const item = map[key];
          if (isMessageObject(item)) map[key] = compact(field.message, item);
        }
        if (empty) m[field.localName] = EMPTY_MAP;
        break;
      }
      case 'message':
        // Wrapper types (google.protobuf.*Value) arrive unboxed as primitives.
        if (isMessageObject(v)) m[field.localName] = compact(field.message, v);
        break;
    }
  }
  for (const oneof of desc.oneofs) {
    const v = m[oneof.localName] as { case: string | undefined; value?: unknown };
    if (v.case === undefined) {
      m[oneof.localName] = NO_CASE;
      continue;
    }
    const field = oneof.fields.find((f) => f.localName === v.case);
    if (field?.fieldKind === 'message' && isMessageObject(v.value)) v.value = compact(field.message, v.value);
    else if (field && isBytesField(field)) v.value = detached(v.value as Uint8Array);
  }
  return sparseCopy(desc, m);
}
