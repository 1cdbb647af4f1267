import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import { anyUnpack } from '@bufbuild/protobuf/wkt';

/** A typed config unpacked, or why not (wrong type or corrupt bytes): never throws. */
export type Decoded<Desc extends DescMessage> = { ok: true; message: MessageShape<Desc> } | { ok: false; error: string };

export function decodeAny<Desc extends DescMessage>(any: Any, schema: Desc): Decoded<Desc> {
  try {
    const message = anyUnpack(any, schema);
    return message ? { ok: true, message } : { ok: false, error: `expected ${schema.typeName}, got ${any.typeUrl}` };
  } catch (err) {
    return { ok: false, error: `corrupt ${schema.typeName}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** The message name of an Any's type URL. */
export function anyTypeName(any: Any): string {
  return any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
}
