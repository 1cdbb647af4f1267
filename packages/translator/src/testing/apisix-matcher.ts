import type { ApisixRoute } from '../apisix-types.js';
import { stripPort } from '../vhost-hosts.js';
import type { TestRequest } from './test-request.js';

/**
 * APISIX 3.x `radixtree_host_uri`, written from lua-resty-radixtree's rules (tests only): `$host`
 * (no port, lower case) picks host candidates — exact first, then wildcard hosts from the longest
 * suffix; inside a host, exact uris first, then prefixes from the longest, each ordered by
 * priority; the first route whose methods/vars pass wins; if no host route passes, host-less
 * routes are tried the same way. `vars` are evaluated as lua-resty-expr does.
 */
export function apisixRoute(routes: readonly ApisixRoute[], req: TestRequest): ApisixRoute | undefined {
  const host = stripPort(req.authority.toLowerCase());
  const byHost = new Map<string, ApisixRoute[]>();
  const hostless: ApisixRoute[] = [];
  for (const r of routes) {
    const hosts = r.hosts ?? (r.host ? [r.host] : undefined);
    if (!hosts) hostless.push(r);
    else for (const h of hosts) (byHost.get(h) ?? byHost.set(h, []).get(h)!).push(r);
  }
  const candidates: string[] = [];
  if (byHost.has(host)) candidates.push(host);
  const wild = [...byHost.keys()].filter((h) => h.startsWith('*') && host.endsWith(h.slice(1))).sort((a, b) => b.length - a.length);
  candidates.push(...wild);
  for (const h of candidates) {
    const r = dispatch(byHost.get(h)!, req);
    if (r) return r;
  }
  return dispatch(hostless, req);
}

function dispatch(routes: readonly ApisixRoute[], req: TestRequest): ApisixRoute | undefined {
  const exact: ApisixRoute[] = [];
  const prefix: [number, ApisixRoute][] = [];
  for (const r of routes) {
    for (const u of r.uris ?? (r.uri ? [r.uri] : [])) {
      if (u.endsWith('*')) {
        const p = u.slice(0, -1);
        if (req.path.startsWith(p)) prefix.push([p.length, r]);
      } else if (u === req.path) exact.push(r);
    }
  }
  const pr = (r: ApisixRoute) => r.priority ?? 0;
  exact.sort((a, b) => pr(b) - pr(a));
  prefix.sort((a, b) => b[0] - a[0] || pr(b[1]) - pr(a[1]));
  for (const r of [...exact, ...prefix.map((p) => p[1])]) {
    if (r.methods && !r.methods.includes(req.method)) continue;
    if (r.vars && !evalVars(r.vars, req)) continue;
    return r;
  }
  return undefined;
}

function variable(name: string, req: TestRequest): string | undefined {
  switch (name) {
    case 'uri':
      return req.path;
    case 'server_port':
      return String(req.port);
    case 'server_addr':
      return req.address ?? '192.0.2.1';
    case 'request_method':
      return req.method;
    case 'host':
      return stripPort(req.authority.toLowerCase());
    case 'scheme':
      return 'http';
    default:
      if (name === 'http_host') return req.authority;
      if (name.startsWith('http_')) {
        const want = name.slice(5);
        for (const [k, v] of Object.entries(req.headers)) if (k.replace(/-/g, '_') === want) return v;
        return undefined;
      }
      if (name.startsWith('arg_')) return req.query[name.slice(4)];
      throw new Error(`test matcher does not know variable ${name}`);
  }
}

/** PCRE (as the translator emits it) -> JS RegExp: leading (?i), \x{hh}. */
export function pcre(re: string, caseless: boolean): RegExp {
  let flags = caseless ? 'i' : '';
  let src = re;
  if (src.startsWith('(?i)')) {
    src = src.slice(4);
    flags = 'i';
  }
  src = src.replace(/\\x\{([0-9a-fA-F]+)\}/g, (_, h: string) => `\\u${h.padStart(4, '0')}`);
  return new RegExp(src, flags);
}

function compare(l: string | undefined, op: string, r: unknown): boolean {
  switch (op) {
    case '==':
      return typeof r === 'number' ? l !== undefined && Number(l) === r : l === r;
    case '~=':
      return typeof r === 'number' ? !(l !== undefined && Number(l) === r) : l !== r;
    case '>':
      return l !== undefined && Number(l) > Number(r);
    case '<':
      return l !== undefined && Number(l) < Number(r);
    case '~~':
      return l !== undefined && pcre(String(r), false).test(l);
    case '~*':
      return l !== undefined && pcre(String(r), true).test(l);
    default:
      throw new Error(`test matcher does not know operator ${op}`);
  }
}

export function evalVars(vars: readonly unknown[], req: TestRequest): boolean {
  return vars.every((e) => {
    const expr = e as unknown[];
    if (expr.length === 4 && expr[1] === '!') return !compare(variable(String(expr[0]), req), String(expr[2]), expr[3]);
    return compare(variable(String(expr[0]), req), String(expr[1]), expr[2]);
  });
}
