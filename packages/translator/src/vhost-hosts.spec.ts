import fc from 'fast-check';
import { isApisixHost } from './vhost-hosts.js';

describe('isApisixHost', () => {
  it('accepts exactly what the pattern ^\\*?[0-9a-zA-Z-._[\\]:]+$ accepts', () => {
    const pattern = /^\*?[0-9a-zA-Z-._[\]:]+$/;
    const chars = fc.constantFrom(...'*aZz09:[]-._@/ ^`{\u00e9'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.array(chars, { maxLength: 8 }).map((a) => a.join('')), fc.string({ maxLength: 8 })), (s) => {
        expect(isApisixHost(s)).toBe(pattern.test(s));
      }),
      { numRuns: 2000 },
    );
    expect(isApisixHost('*.example.com')).toBe(true);
    expect(isApisixHost('*')).toBe(false);
    expect(isApisixHost('a b')).toBe(false);
  });
});
