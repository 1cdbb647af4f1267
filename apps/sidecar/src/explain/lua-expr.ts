import type { ExplainRequest } from './explain-request.js';

/**
 * Evaluates a route's `vars` the way lua-resty-expr does (APISIX's route filter): a list of
 * `[var, op, value]` (or `[var, "!", op, value]`) joined by AND, and nested `["OR"|"AND"|"!OR"|"!AND", ...]`.
 * Returns whether it holds, or `undefined` with a reason when it needs something a request
 * description cannot tell (remote address, an unsupported operator or regex).
 */
export type ExprOutcome = { holds: boolean } | { holds: undefined; unknown: string };

export function evalVars(vars: readonly unknown[], req: ExplainRequest): ExprOutcome {
  return evalList(vars, req, 'AND');
}

function evalList(items: readonly unknown[], req: ExplainRequest, logic: 'AND' | 'OR'): ExprOutcome {
  let unknown: string | undefined;
  for (const item of items) {
    const r = evalOne(item, req);
    if (r.holds === undefined) {
      unknown ??= r.unknown;
      continue;
    }
    if (logic === 'AND' && !r.holds) return { holds: false };
    if (logic === 'OR' && r.holds) return { holds: true };
  }
  if (unknown !== undefined) return { holds: undefined, unknown };
  return { holds: logic === 'AND' };
}

function evalOne(item: unknown, req: ExplainRequest): ExprOutcome {
  if (!Array.isArray(item) || item.length === 0) return { holds: undefined, unknown: `malformed expression ${JSON.stringify(item)}` };
  const head = item[0];
  if (typeof head === 'string' && /^!?(AND|OR)$/.test(head)) {
    const r = evalList(item.slice(1), req, head.endsWith('OR') ? 'OR' : 'AND');
    return head.startsWith('!') && r.holds !== undefined ? { holds: !r.holds } : r;
  }
  if (Array.isArray(head)) return evalList(item, req, 'AND');
  if (typeof head !== 'string') return { holds: undefined, unknown: `malformed expression ${JSON.stringify(item)}` };
  let negate = false;
  let rest = item.slice(1);
  if (rest[0] === '!' && rest.length === 3) {
    negate = true;
    rest = rest.slice(1);
  }
  const [op, value] = rest as [unknown, unknown];
  const left = resolveVar(head, req);
  if (left === UNKNOWN) return { holds: undefined, unknown: `variable ${head} is not known from a request description` };
  const r = compare(left, String(op), value);
  if (r.holds === undefined) return r;
  return { holds: negate ? !r.holds : r.holds };
}

const UNKNOWN = Symbol('unknown');

function resolveVar(name: string, req: ExplainRequest): string | undefined | typeof UNKNOWN {
  switch (name) {
    case 'uri':
      return req.path;
    case 'host':
      return req.host;
    case 'server_port':
      return req.port === undefined ? UNKNOWN : String(req.port);
    case 'request_method':
      return req.method;
    case 'scheme':
      return 'http';
    case 'request_uri': {
      const q = new URLSearchParams(req.query).toString();
      return q ? `${req.path}?${q}` : req.path;
    }
  }
  if (name.startsWith('http_')) {
    const want = name.slice(5);
    for (const [k, v] of Object.entries(req.headers)) if (k.replace(/-/g, '_') === want) return v;
    return undefined;
  }
  if (name.startsWith('arg_')) return req.query[name.slice(4)];
  if (name.startsWith('cookie_')) {
    const cookies = req.headers.cookie ?? '';
    for (const part of cookies.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === name.slice(7)) return part.slice(eq + 1).trim();
    }
    return undefined;
  }
  return UNKNOWN;
}

function compare(left: string | undefined, op: string, right: unknown): ExprOutcome {
  switch (op) {
    case '==':
      return { holds: left !== undefined && equal(left, right) };
    case '~=':
      return { holds: left === undefined || !equal(left, right) };
    case '>':
    case '<':
    case '>=':
    case '<=': {
      const l = Number(left);
      const r = Number(right);
      if (left === undefined || Number.isNaN(l) || Number.isNaN(r)) return { holds: false };
      return { holds: op === '>' ? l > r : op === '<' ? l < r : op === '>=' ? l >= r : l <= r };
    }
    case '~~':
    case '~*': {
      if (left === undefined) return { holds: false };
      const re = pcreToRegExp(String(right), op === '~*');
      if (!re) return { holds: undefined, unknown: `regex ${JSON.stringify(right)} cannot be evaluated here` };
      return { holds: re.test(left) };
    }
    case 'in':
      return { holds: left !== undefined && Array.isArray(right) && right.some((r) => equal(left, r)) };
    case 'has':
      // Left is a list in lua-resty-expr; a single request value "has" r when it equals it.
      return { holds: left !== undefined && equal(left, right) };
    default:
      return { holds: undefined, unknown: `operator ${op} is not evaluated by explain` };
  }
}

function equal(left: string, right: unknown): boolean {
  // lua-resty-expr compares numerically when the right side is a number ("80" == 80).
  if (typeof right === 'number') return Number(left) === right;
  return left === String(right);
}

/** PCRE (as APISIX runs it, unanchored) to a JS RegExp; undefined when JS cannot express it. */
export function pcreToRegExp(pattern: string, caseInsensitive: boolean): RegExp | undefined {
  let flags = caseInsensitive ? 'i' : '';
  let source = pattern;
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    flags = 'i';
  }
  source = source.replace(/\\A/g, '^').replace(/\\z/g, '$').replace(/\\Z/g, '$');
  try {
    return new RegExp(source, flags);
  } catch {
    return undefined;
  }
}
