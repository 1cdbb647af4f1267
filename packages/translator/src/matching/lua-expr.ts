import { requestHost, type MatchRequest } from './match-request.js';
import { pcreToRegExp } from './pcre-regexp.js';

/** Whether an expression holds, or why that cannot be told from a request description. */
export type ExprOutcome = { holds: boolean } | { holds: undefined; unknown: string };

const LOGIC = /^!?(AND|OR)$/;

/**
 * A route's `vars` evaluated as lua-resty-expr (APISIX's route filter) does: a list of
 * `[var, op, value]` / `[var, "!", op, value]` rules joined by AND, where the list may start with
 * `"OR"`, `"AND"`, `"!OR"` or `"!AND"`, and a rule may itself be such a list. An unknown operand
 * (remote address, an unsupported operator or regex) makes the outcome unknown unless the rest
 * of the list decides it.
 */
export function evalVars(vars: readonly unknown[], req: MatchRequest): ExprOutcome {
  const head = vars[0];
  if (typeof head === 'string' && LOGIC.test(head)) {
    const r = evalList(vars.slice(1), req, head.endsWith('OR') ? 'OR' : 'AND');
    return head.startsWith('!') && r.holds !== undefined ? { holds: !r.holds } : r;
  }
  return evalList(vars, req, 'AND');
}

function evalList(items: readonly unknown[], req: MatchRequest, logic: 'AND' | 'OR'): ExprOutcome {
  let unknown: string | undefined;
  for (const item of items) {
    const r = evalRule(item, req);
    if (r.holds === undefined) unknown ??= r.unknown;
    else if (r.holds === (logic === 'OR')) return { holds: r.holds };
  }
  return unknown !== undefined ? { holds: undefined, unknown } : { holds: logic === 'AND' };
}

function evalRule(item: unknown, req: MatchRequest): ExprOutcome {
  if (!Array.isArray(item) || item.length === 0) return { holds: undefined, unknown: `malformed expression ${JSON.stringify(item)}` };
  const head: unknown = item[0];
  if (Array.isArray(head) || (typeof head === 'string' && LOGIC.test(head))) return evalVars(item, req);
  if (typeof head !== 'string') return { holds: undefined, unknown: `malformed expression ${JSON.stringify(item)}` };
  const negate = item.length === 4 && item[1] === '!';
  const [op, value] = negate ? [item[2], item[3]] : [item[1], item[2]];
  const left = variable(head, req);
  if (left === UNKNOWN) return { holds: undefined, unknown: `variable ${head} is not known from a request description` };
  const r = compare(left, String(op), value);
  return r.holds === undefined ? r : { holds: negate ? !r.holds : r.holds };
}

const UNKNOWN = Symbol('unknown');

/** nginx variables as a request description gives them; UNKNOWN when it cannot. */
function variable(name: string, req: MatchRequest): string | undefined | typeof UNKNOWN {
  switch (name) {
    case 'uri':
      return req.path;
    case 'host':
      return requestHost(req);
    case 'http_host':
      // No Host header (HTTP/1.0): nginx gives nil.
      return req.authority === '' ? undefined : req.authority;
    case 'server_port':
      return (req.serverPort ?? req.port) === undefined ? UNKNOWN : String(req.serverPort ?? req.port);
    case 'server_addr':
      return req.address ?? UNKNOWN;
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
  if (name.startsWith('cookie_')) return cookie(req.headers.cookie ?? '', name.slice(7));
  return UNKNOWN;
}

function cookie(header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
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
      // Both sides go through tonumber(); a side that is not a number fails the rule.
      const l = left === undefined || left.trim() === '' ? NaN : Number(left);
      const r = Number(right);
      if (Number.isNaN(l) || Number.isNaN(r)) return { holds: false };
      return { holds: op === '>' ? l > r : op === '<' ? l < r : op === '>=' ? l >= r : l <= r };
    }
    case '~~':
    case '~*': {
      if (left === undefined) return { holds: false };
      const re = pcreToRegExp(String(right), op === '~*');
      return re ? { holds: re.test(left) } : { holds: undefined, unknown: `regex ${JSON.stringify(right)} cannot be evaluated here` };
    }
    case 'in':
      // Lua's == across types is false: "80" is not in {80}.
      return { holds: left !== undefined && Array.isArray(right) && right.some((r) => r === left) };
    case 'has':
      // The left side is a list in lua-resty-expr; a single request value "has" r when it equals it.
      return { holds: left !== undefined && equal(left, right) };
    default:
      return { holds: undefined, unknown: `operator ${op} is not evaluated here` };
  }
}

function equal(left: string, right: unknown): boolean {
  // lua-resty-expr compares numerically when the right side is a number ("80" == 80).
  if (typeof right === 'number') return left.trim() !== '' && Number(left) === right;
  return left === String(right);
}
