import type { PathKey } from './route-match.js';
import { nativeUris, orderingMode } from './route-ordering.js';

const p = (prefix: string): PathKey => ({ kind: 'prefix', prefix });
const e = (uri: string): PathKey => ({ kind: 'exact', uri });
const any: PathKey = { kind: 'any' };

describe('orderingMode', () => {
  test.each<[string, PathKey[], 'native' | 'ordered']>([
    ['specific before general', [e('/a'), p('/a/b'), p('/a'), p('/'), any], 'native'],
    ['disjoint prefixes in any order', [p('/b'), p('/a/x'), p('/a')], 'native'],
    ['later longer prefix under an earlier one', [p('/a'), p('/a/b')], 'ordered'],
    ['later exact path under an earlier prefix', [p('/a'), e('/a/b')], 'ordered'],
    ['later exact path outside the earlier prefix', [p('/a'), e('/b')], 'native'],
    ['an earlier regex (any) before a later prefix', [any, p('/a')], 'ordered'],
    ['same key: priority keeps order', [p('/a'), p('/a'), e('/x'), e('/x')], 'native'],
    ['catch-all first', [p('/'), p('/a')], 'ordered'],
  ])('%s', (_name, keys, mode) => {
    expect(orderingMode(keys)).toBe(mode);
  });

  test('native uris', () => {
    expect([nativeUris(e('/a')), nativeUris(p('/a/')), nativeUris(p('/')), nativeUris(any)]).toEqual([['/a'], ['/a/*'], ['/*'], ['/*']]);
  });
});
