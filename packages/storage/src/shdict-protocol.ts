/**
 * The frames libxds.so exchanges over its Unix socket (see native/libxds.c for the layout). Pure
 * encoding/decoding; the transport is in shdict-native.ts.
 */

export const OP_BATCH = 1;
export const OP_FLUSH = 2;
export const OP_PING = 3;

/** Which shared dict an item goes to. */
export const DICT_CONFIG = 0; // lua_shared_dict xds-config
export const DICT_VERSION = 1; // lua_shared_dict xds-config-version

/** lua-nginx-module's value types. */
const T_NIL = 0;
const T_NUMBER = 3;
const T_STRING = 4;

export const RC_OK = 0;
export const RC_NO_MEMORY = 1;

export type ShdictItem =
  | { dict: number; key: string; value: string } // string value
  | { dict: number; key: string; number: number } // number value
  | { dict: number; key: string; delete: true };

export interface ItemResult {
  rc: number;
  message: string;
}

const ITEM_HEADER = 12;

/** One buffer for the whole request body: sizes first, then keys and values written in place. */
export function encodeItems(items: readonly ShdictItem[]): Buffer {
  const keyLens = new Array<number>(items.length);
  const valLens = new Array<number>(items.length);
  let total = 0;
  items.forEach((item, i) => {
    keyLens[i] = Buffer.byteLength(item.key);
    valLens[i] = 'value' in item ? Buffer.byteLength(item.value) : 'number' in item ? 8 : 0;
    total += ITEM_HEADER + keyLens[i]! + valLens[i]!;
  });
  const buf = Buffer.allocUnsafe(total);
  let off = 0;
  items.forEach((item, i) => {
    const type = 'value' in item ? T_STRING : 'number' in item ? T_NUMBER : T_NIL;
    buf.writeUInt8(item.dict, off);
    buf.writeUInt8(type, off + 1);
    buf.writeUInt16LE(0, off + 2);
    buf.writeUInt32LE(keyLens[i]!, off + 4);
    buf.writeUInt32LE(valLens[i]!, off + 8);
    off += ITEM_HEADER;
    off += buf.write(item.key, off, 'utf8');
    if ('value' in item) off += buf.write(item.value, off, 'utf8');
    else if ('number' in item) off = buf.writeDoubleLE(item.number, off);
  });
  return buf;
}

/** The size of an item on the wire (to cut batches into bounded requests). */
export function itemSize(item: ShdictItem): number {
  const valueLen = 'value' in item ? Buffer.byteLength(item.value) : 'number' in item ? 8 : 0;
  return ITEM_HEADER + Buffer.byteLength(item.key) + valueLen;
}

/** Room the reply of `count` items may need (status + message per item). */
export function replyCapacity(count: number): number {
  return count * 8 + 64 * Math.min(count, 1024) + 64;
}

export function decodeResults(reply: Buffer, length: number, count: number): ItemResult[] {
  const out: ItemResult[] = [];
  let off = 0;
  for (let i = 0; i < count; i++) {
    if (off + 8 > length) throw new Error(`libxds reply truncated at item ${i} of ${count}`);
    const rc = reply.readInt32LE(off);
    const len = reply.readUInt32LE(off + 4);
    out.push({ rc, message: reply.toString('utf8', off + 8, off + 8 + len) });
    off += 8 + len;
  }
  return out;
}
