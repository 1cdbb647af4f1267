import { DICT_CONFIG, DICT_VERSION, decodeResults, encodeItems, itemSize, type ShdictItem } from './shdict-protocol.js';

describe('libxds wire format (pure)', () => {
  it('encodes items as header + key + value, sized exactly', () => {
    const items: ShdictItem[] = [
      { dict: DICT_CONFIG, key: '/routes/é', value: '{"id":"é"}' },
      { dict: DICT_VERSION, key: 'version', number: 1.5 },
      { dict: DICT_CONFIG, key: '/routes/x', delete: true },
    ];
    const buf = encodeItems(items);
    expect(buf.length).toBe(items.reduce((n, i) => n + itemSize(i), 0));
    // first item: dict 0, type 4 (string), key and value lengths in bytes
    expect([buf[0], buf[1], buf.readUInt32LE(4), buf.readUInt32LE(8)]).toEqual([0, 4, 10, 11]);
    expect(buf.toString('utf8', 12, 22)).toBe('/routes/é');
    const second = 12 + 10 + 11;
    expect([buf[second], buf[second + 1], buf.readUInt32LE(second + 8)]).toEqual([1, 3, 8]);
    expect(buf.readDoubleLE(second + 12 + 7)).toBe(1.5);
    const third = second + 12 + 7 + 8;
    expect([buf[third], buf[third + 1], buf.readUInt32LE(third + 8)]).toEqual([0, 0, 0]);
  });

  it('decodes per-item results and refuses a truncated reply', () => {
    const reply = Buffer.alloc(8 + 8 + 9);
    reply.writeInt32LE(0, 0);
    reply.writeUInt32LE(0, 4);
    reply.writeInt32LE(1, 8);
    reply.writeUInt32LE(9, 12);
    reply.write('no memory', 16);
    expect(decodeResults(reply, reply.length, 2)).toEqual([
      { rc: 0, message: '' },
      { rc: 1, message: 'no memory' },
    ]);
    expect(() => decodeResults(reply, 8, 2)).toThrow(/truncated at item 1 of 2/);
  });
});
