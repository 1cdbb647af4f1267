import { hostCidr, parseCidr } from './ip-cidr.js';

describe('parseCidr', () => {
  it.each([
    ['192.0.2.0/24', 4, '192.0.2.0/24'],
    ['0.0.0.0/0', 4, '0.0.0.0/0'],
    ['198.51.100.7/32', 4, '198.51.100.7/32'],
    ['2001:db8::/32', 6, '2001:db8::/32'],
    ['2001:0db8:0000:0000:0000:0000:0000:0000/32', 6, '2001:db8::/32'],
    ['2001:db8:0:0:1:0:0:1/128', 6, '2001:db8::1:0:0:1/128'],
    ['::/0', 6, '::/0'],
    ['::ffff:192.0.2.1/128', 6, '::ffff:c000:201/128'],
  ])('accepts %s as IPv%s %s', (input, family, text) => {
    expect(parseCidr(input)).toEqual({ ok: true, cidr: { family, text } });
  });

  it.each([
    ['192.0.2.0', 'add a prefix length, e.g. 192.0.2.0/32'],
    ['2001:db8::1', 'add a prefix length, e.g. 2001:db8::1/128'],
    ['192.0.2.0/33', 'prefix length must be 0..32'],
    ['2001:db8::/129', 'prefix length must be 0..128'],
    ['192.0.2.0/-1', 'prefix length must be 0..32'],
    ['192.0.2.256/24', '"192.0.2.256" is not an IPv4 or IPv6 address'],
    ['example.com/24', '"example.com" is not an IPv4 or IPv6 address'],
    ['192.0.2.7/24', 'has host bits set: did you mean 192.0.2.0/24?'],
    ['2001:db8::1/32', 'has host bits set: did you mean 2001:db8::/32?'],
  ])('rejects %s', (input, message) => {
    const result = parseCidr(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });
});

describe('hostCidr', () => {
  it('turns a resolver address into a host range of its family', () => {
    expect(hostCidr('192.0.2.53')).toEqual({ family: 4, text: '192.0.2.53/32' });
    expect(hostCidr('2001:DB8:0::53')).toEqual({ family: 6, text: '2001:db8::53/128' });
    expect(hostCidr('resolver')).toBeUndefined();
  });
});
