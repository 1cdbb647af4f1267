import type { HeaderValueOption } from '@amesh/proto';
import { HeaderValueOption_HeaderAppendAction as AppendAction } from '@amesh/proto';
import type { FieldIssue } from '../field-issue.js';

/** Header changes collected from route config, vhost and route, in Envoy's application order. */
export interface HeaderMutation {
  add: Record<string, string[]>;
  set: Record<string, string>;
  remove: string[];
}

export interface HeaderSource {
  readonly toAdd: readonly HeaderValueOption[];
  readonly toRemove: readonly string[];
  /** Proto path prefix of the fields, e.g. `virtual_hosts[0].` */
  readonly at: string;
  readonly addField: string;
  readonly removeField: string;
}

const VALID_NAME = /^[^:\s]+$/;

/**
 * Merges header additions/removals. Sources are given most specific first (route, vhost, route
 * configuration); later sources are applied later, so on `set` the less specific wins, as in
 * Envoy's default (most_specific_header_mutations_wins = false).
 */
export function mergeHeaderMutations(sources: readonly HeaderSource[], issues: FieldIssue[]): HeaderMutation | undefined {
  if (sources.every((s) => s.toAdd.length === 0 && s.toRemove.length === 0)) return undefined;
  const m: HeaderMutation = { add: {}, set: {}, remove: [] };
  let any = false;
  for (const src of sources) {
    src.toAdd.forEach((opt, i) => {
      const path = `${src.at}${src.addField}[${i}]`;
      const name = opt.header?.key ?? '';
      const value = opt.header?.value || (opt.header?.rawValue?.length ? new TextDecoder().decode(opt.header.rawValue) : '');
      if (!VALID_NAME.test(name)) {
        issues.push({ path: `${path}.header.key`, severity: 'ignored', reason: `header name ${JSON.stringify(name)} cannot be set by APISIX` });
        return;
      }
      if (/%[A-Z_]+(\(.*\))?%/.test(value)) {
        issues.push({ path: `${path}.header.value`, severity: 'ignored', reason: 'Envoy substitution formatters (%...%) have no APISIX equivalent' });
        return;
      }
      if (value.includes('$')) {
        issues.push({ path: `${path}.header.value`, severity: 'approximated', reason: 'APISIX reads `$name` in header values as a variable' });
      }
      const lower = name.toLowerCase();
      const append = opt.append === undefined ? opt.appendAction === AppendAction.APPEND_IF_EXISTS_OR_ADD : opt.append;
      if (opt.appendAction === AppendAction.ADD_IF_ABSENT || opt.appendAction === AppendAction.OVERWRITE_IF_EXISTS) {
        issues.push({ path: `${path}.append_action`, severity: 'approximated', reason: 'applied as an unconditional set' });
      }
      any = true;
      if (append) (m.add[lower] ??= []).push(value);
      else {
        m.set[lower] = value;
        delete m.add[lower];
      }
    });
    src.toRemove.forEach((name, i) => {
      if (!VALID_NAME.test(name)) {
        issues.push({ path: `${src.at}${src.removeField}[${i}]`, severity: 'ignored', reason: `header name ${JSON.stringify(name)} cannot be removed by APISIX` });
        return;
      }
      any = true;
      const lower = name.toLowerCase();
      if (!m.remove.includes(lower)) m.remove.push(lower);
    });
  }
  return any ? m : undefined;
}

/** proxy-rewrite's `headers` form: `{add: {name: value|[values]}, set: {...}, remove: [...]}`. */
export function requestHeadersConfig(m: HeaderMutation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const add = Object.entries(m.add);
  if (add.length) out.add = Object.fromEntries(add.map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
  if (Object.keys(m.set).length) out.set = { ...m.set };
  if (m.remove.length) out.remove = [...m.remove];
  return out;
}

/** response-rewrite's `headers` form: `add` is a list of `name: value` lines. */
export function responseHeadersConfig(m: HeaderMutation, issues: FieldIssue[], at: string): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const add: string[] = [];
  for (const [k, vs] of Object.entries(m.add)) {
    for (const v of vs) {
      // The schema wants `name: value` with no ':' in the value and no trailing '/'.
      if (v.includes(':') || v.endsWith('/') || v === '') {
        issues.push({ path: at, severity: 'approximated', reason: `response header ${k} is set instead of appended (value not expressible as an add line)` });
        m.set[k] = v;
      } else add.push(`${k}: ${v}`);
    }
  }
  if (add.length) out.add = add;
  if (Object.keys(m.set).length) out.set = { ...m.set };
  if (m.remove.length) out.remove = [...m.remove];
  return Object.keys(out).length ? out : undefined;
}
