import { TypeUrl } from '@amesh/proto';
import { refsOf } from '@amesh/translator';
import { LazyReceivedSnapshot, type ReceivedResource } from './xds-snapshot.js';

describe('LazyReceivedSnapshot', () => {
  const entry: ReceivedResource = { typeUrl: TypeUrl.Cluster, name: 'a', version: '1' };

  it('makes the received list once, when it is first read, and serialises with it', () => {
    let made = 0;
    const snap = new LazyReceivedSnapshot(refsOf({}), { [TypeUrl.Cluster]: '1' }, () => (made++, [entry]));
    expect(made).toBe(0);
    expect(snap.received).toEqual([entry]);
    expect(snap.received).toBe(snap.received);
    expect(made).toBe(1);
    expect(JSON.parse(JSON.stringify(snap))).toEqual({ resources: JSON.parse(JSON.stringify(refsOf({}))), versions: { [TypeUrl.Cluster]: '1' }, received: [entry] });
  });

  it('takes an assigned list instead of making one', () => {
    const snap = new LazyReceivedSnapshot(refsOf({}), {}, () => {
      throw new Error('must not be made');
    });
    snap.received = [entry];
    expect(snap.received).toEqual([entry]);
  });
});
