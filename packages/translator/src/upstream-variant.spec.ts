import { edsCluster, cla, schemaViolations } from '../test/cluster-test-support.js';
import { translateClusters } from './cluster-translator.js';
import { canonicalMerge, canonicalUpstream, streamScheme, upstreamVariant, type UpstreamOverrides } from './upstream-variant.js';
import type { ApisixUpstream } from './apisix-types.js';
import { ApisixValidator } from '@amesh/schema';

describe('upstreamVariant', () => {
  const side = translateClusters([edsCluster('outbound|80||svc', { lbPolicy: 2 })], [cla('outbound|80||svc', [{ eps: [{ host: '10.0.0.1', port: 80 }, { host: '10.0.0.2', port: 80 }] }])], []);
  const base = side.upstreams.get('outbound|80||svc')!;
  const validator = new ApisixValidator();

  it('derives a stable id and keeps the nodes', () => {
    const a = upstreamVariant(base, { hash_on: 'header', key: 'x-user' }, 'hash:header:x-user');
    const b = upstreamVariant(base, { hash_on: 'header', key: 'x-user' }, 'hash:header:x-user');
    const c = upstreamVariant(base, { hash_on: 'cookie', key: 'session' }, 'hash:cookie:session');
    expect(a).toEqual(b);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.id).not.toBe(base.id);
    expect(a.id).not.toBe(c.id);
    expect(a.id).toMatch(/^[a-zA-Z0-9-_.]{1,64}$/);
    expect(a.nodes).toBe(base.nodes);
    expect(a).toMatchObject({ type: 'chash', hash_on: 'header', key: 'x-user' });
    expect(validator.validate('upstream', a)).toEqual([]);
    expect(schemaViolations(side)).toEqual([]);
  });

  it('drops the hash key when the variant is not chash, and restores a default when it is', () => {
    const rr = upstreamVariant(base, { type: 'roundrobin', retries: 2, retry_timeout: 1.5 }, 'retries:2');
    expect(rr.key).toBeUndefined();
    expect(rr.hash_on).toBeUndefined();
    expect(rr).toMatchObject({ retries: 2, retry_timeout: 1.5 });
    const ch = upstreamVariant(rr, { type: 'chash' }, 'chash');
    expect(ch).toMatchObject({ hash_on: 'vars', key: 'remote_addr' });
    expect(validator.validate('upstream', rr)).toEqual([]);
    expect(validator.validate('upstream', ch)).toEqual([]);
  });

  it('L4 variants: streamScheme picks tls for TLS upstreams, and HTTP checks are dropped', () => {
    expect(streamScheme(base)).toBe('tcp');
    expect(streamScheme({ ...base, scheme: 'https' })).toBe('tls');
    const withChecks = { ...base, checks: { active: { type: 'http', http_path: '/' } } };
    const l4 = upstreamVariant(withChecks, { scheme: streamScheme(withChecks) }, 'l4');
    expect(l4.scheme).toBe('tcp');
    expect(l4.checks).toBeUndefined();
    expect(l4.name!.length).toBeLessThanOrEqual(100);
  });
});

describe('canonicalMerge', () => {
  const nodes = [{ host: '10.0.0.1', port: 80, weight: 1, priority: 0 }];
  const plain: ApisixUpstream = { id: 'u-1', name: 'c', desc: 'c', type: 'roundrobin', nodes, scheme: 'http', timeout: { connect: 5, send: 60, read: 60 } };

  it('equals { ...base, ...overrides } in canonical key order, on the fast path and off it', () => {
    const bases: ApisixUpstream[] = [
      plain,
      { ...plain, checks: { active: {} } },
      { id: 'u-2', type: 'chash', hash_on: 'vars', key: 'remote_addr', nodes, timeout: plain.timeout, scheme: 'https', tls: { client_cert_id: 's' } },
      { timeout: plain.timeout, scheme: 'http', nodes, type: 'roundrobin', desc: 'd', name: 'n', id: 'u-3' },
    ];
    const overrides: UpstreamOverrides[] = [{ retries: 0 }, { retries: 3 }, { retries: 2, retry_timeout: 4 }, { retries: undefined }, { pass_host: 'node' }, {}];
    for (const b of bases) {
      for (const o of overrides) {
        const merged = canonicalMerge(b, o);
        expect(JSON.stringify(merged)).toBe(JSON.stringify(canonicalUpstream({ ...b, ...o })));
        expect(Object.keys(merged)).toEqual(Object.keys(canonicalUpstream({ ...b, ...o })));
        expect(merged.nodes).toBe(b.nodes);
      }
    }
  });
});
