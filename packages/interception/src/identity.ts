// Resolves proxy user/group names to numeric ids through /etc/passwd and /etc/group text, as
// iptables' owner match needs numbers and a name unknown here would silently capture everything.
import type { Parsed } from './port-list.js';

/** The contents of the account databases; injectable so parsing stays testable. */
export interface AccountFiles {
  readonly passwd: () => string;
  readonly group: () => string;
}

const MAX_ID = 4294967294; // (uid_t)-1 is "no id"

function lookupName(database: string, name: string): number | undefined {
  for (const line of database.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields.length >= 3 && /^\d+$/.test(fields[2]!)) return Number(fields[2]);
  }
  return undefined;
}

function resolveOne(entry: string, kind: 'user' | 'group', read: () => string, what: string): Parsed<number> {
  if (/^\d+$/.test(entry)) {
    const id = Number(entry);
    if (id > MAX_ID) return { ok: false, error: `${what}: ${kind} id ${entry} is out of range (0..${MAX_ID})` };
    return { ok: true, value: id };
  }
  let database: string;
  try {
    database = read();
  } catch (error) {
    const file = kind === 'user' ? '/etc/passwd' : '/etc/group';
    return { ok: false, error: `${what}: cannot resolve ${kind} "${entry}": reading ${file} failed (${(error as Error).message}); pass a numeric id` };
  }
  const id = lookupName(database, entry);
  if (id === undefined) {
    const file = kind === 'user' ? '/etc/passwd' : '/etc/group';
    return { ok: false, error: `${what}: unknown ${kind} "${entry}" (not in ${file}); pass an existing name or a numeric id` };
  }
  return { ok: true, value: id };
}

/** Resolves a comma-separated list of names or numeric ids; duplicates are dropped. */
export function resolveIds(entries: readonly string[], kind: 'user' | 'group', files: AccountFiles, what: string): Parsed<number[]> {
  const ids: number[] = [];
  for (const entry of entries) {
    const id = resolveOne(entry, kind, kind === 'user' ? files.passwd : files.group, what);
    if (!id.ok) return id;
    if (!ids.includes(id.value)) ids.push(id.value);
  }
  return { ok: true, value: ids };
}
