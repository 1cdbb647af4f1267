import { parse, stringify } from 'yaml';
import { emptyState, isResourceKind } from './state.js';
import { RESOURCE_KINDS, type StoredObject, type StoredState } from './storage.js';

export type StandaloneFormat = 'yaml' | 'json';

/** APISIX stops reading a standalone yaml file at this line; without it the file is ignored. */
export const END_MARKER = '#END';

/** Each object's serialized list item, computed once per object (objects are never mutated). */
const fragments = new WeakMap<StoredObject, string>();

function yamlItem(object: StoredObject): string {
  let text = fragments.get(object);
  if (text === undefined) {
    // lineWidth 0: never fold long strings (PEM certificates must stay intact).
    text = stringify([object], { lineWidth: 0, aliasDuplicateObjects: false });
    fragments.set(object, text);
  }
  return text;
}

/**
 * Serializes a state as APISIX standalone config (`conf/apisix.yaml` or `apisix.json`): one
 * top-level list per kind, objects sorted by id so equal states give byte-equal files. The yaml
 * form is assembled from per-object list items (memoized), so a one-object change does not
 * re-serialize 20,000 objects.
 */
export function formatStandalone(state: StoredState, format: StandaloneFormat): string {
  const lists = RESOURCE_KINDS.map((kind) => {
    const objects = state.get(kind);
    const ids = objects ? [...objects.keys()].sort() : [];
    return { kind, items: ids.map((id) => withId(objects!.get(id)!, id)) };
  });
  if (format === 'json') {
    return `${JSON.stringify(Object.fromEntries(lists.map((l) => [l.kind, l.items])), null, 2)}\n`;
  }
  const out: string[] = [];
  for (const { kind, items } of lists) {
    out.push(items.length ? `${kind}:\n` : `${kind}: []\n`);
    for (const item of items) out.push(yamlItem(item));
  }
  out.push(`${END_MARKER}\n`);
  return out.join('');
}

function withId(object: StoredObject, id: string): StoredObject {
  return object.id === id ? object : { ...object, id };
}

/** Reads a standalone config back; unknown top-level keys are ignored. Throws on bad syntax. */
export function parseStandalone(text: string, format: StandaloneFormat): StoredState {
  const doc: unknown = format === 'json' ? JSON.parse(text) : parse(text);
  const state = emptyState();
  if (doc === null || typeof doc !== 'object') return state;
  for (const [kind, list] of Object.entries(doc as Record<string, unknown>)) {
    if (!isResourceKind(kind) || !Array.isArray(list)) continue;
    for (const item of list) {
      if (item && typeof item === 'object' && typeof (item as StoredObject).id === 'string') {
        state.get(kind)!.set((item as StoredObject).id, item as StoredObject);
      }
    }
  }
  return state;
}
