import { describe, expect, it } from 'vitest';
import { AttrFlag, AS_TRANS } from '../../src/bgp/constants.js';
import type { PathAttribute } from '../../src/bgp/types.js';
import { AdjRibIn } from '../../src/rib/adj-rib-in.js';
import { AttrTable, normalise, toPathAttributes } from '../../src/rib/attr-set.js';
import { Path } from '../../src/rib/path.js';
import { peer } from './helpers.js';

const decoded: PathAttribute[] = [
  { type: 'origin', origin: 'igp', flags: 0x40 },
  { type: 'as-path', segments: [{ type: 'sequence', asns: [65001, 65002] }] },
  { type: 'next-hop', nextHop: '10.0.0.1' },
  { type: 'med', med: 5 },
  { type: 'local-pref', localPref: 150 },
  { type: 'communities', communities: [0xfde80001] },
  { type: 'originator-id', originatorId: '10.0.0.9' },
  { type: 'cluster-list', clusterIds: ['244.0.0.1'] },
  { type: 'large-communities', communities: [[64512, 1, 2]] },
  { type: 'unknown', code: 99, flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, value: new Uint8Array([1, 2]) },
  { type: 'unknown', code: 98, flags: AttrFlag.OPTIONAL, value: new Uint8Array([3]) },
];

describe('interned attribute sets', () => {
  it('gives the identical frozen object for equal attribute sets', () => {
    const t = new AttrTable();
    const a = t.fromPathAttributes(decoded, 'next-hop');
    const b = t.fromPathAttributes(decoded.map((x) => ({ ...x })), 'next-hop');
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.asPath)).toBe(true);
    expect(t.size).toBe(1);
  });

  it('gives different objects for sets differing in any one attribute', () => {
    const t = new AttrTable();
    const base = t.intern({ origin: 'igp', nextHops: ['10.0.0.1'] });
    const variants = [
      t.intern({ origin: 'egp', nextHops: ['10.0.0.1'] }),
      t.intern({ origin: 'igp', nextHops: ['10.0.0.2'] }),
      t.intern({ origin: 'igp', nextHops: ['10.0.0.1'], med: 0 }),
      t.intern({ origin: 'igp', nextHops: ['10.0.0.1'], localPref: 100 }),
      t.intern({ origin: 'igp', nextHops: ['10.0.0.1'], atomicAggregate: true }),
      t.intern({ origin: 'igp', nextHops: ['10.0.0.1'], asPath: [{ type: 'set', asns: [1] }] }),
      t.intern({ origin: 'igp', nextHops: ['10.0.0.1'], asPath: [{ type: 'sequence', asns: [1] }] }),
      t.intern({ origin: 'igp', nextHops: ['10.0.0.1'], communities: [1] }),
      t.intern({ origin: 'igp', nextHops: ['10.0.0.1'], largeCommunities: [[1, 2, 3]] }),
      t.intern({ origin: 'igp', nextHops: ['10.0.0.1'], extendedCommunities: [{ type: 0, subtype: 2, value: '000000000001' }] }),
      t.intern({ origin: 'igp', nextHops: ['10.0.0.1'], originatorId: '1.1.1.1' }),
      t.intern({ origin: 'igp', nextHops: ['10.0.0.1'], clusterList: ['1.1.1.1'] }),
      t.intern({ origin: 'igp', nextHops: ['10.0.0.1'], aggregator: { asn: 1, address: '1.1.1.1' } }),
      t.intern({ origin: 'igp', nextHops: ['10.0.0.1'], unknown: [{ code: 99, flags: 0xe0, value: new Uint8Array([1]) }] }),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    expect(t.size).toBe(variants.length + 1);
  });

  it('normalises decoded attributes: next hop per NLRI source, unknown attributes per RFC 4271 §5', () => {
    const t = new AttrTable();
    const a = t.fromPathAttributes(decoded, 'next-hop');
    expect(a.nextHops).toEqual(['10.0.0.1']);
    expect(a.unknown).toEqual([{ code: 99, flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE | AttrFlag.PARTIAL, value: new Uint8Array([1, 2]) }]);
    const mp = t.fromPathAttributes([...decoded, { type: 'mp-reach', afi: 2, safi: 1, nextHops: ['fd00::1', 'fe80::1'], nlri: [{ prefix: 'fd00:1::/64' }] }], 'mp-reach');
    expect(mp.nextHops).toEqual(['fd00::1', 'fe80::1']);
    expect(mp.nextHop).toBe('fd00::1');
  });

  it('merges AS4_PATH and AS4_AGGREGATOR from a 2-octet speaker (RFC 6793 §4.2.3)', () => {
    const n = normalise(
      [
        { type: 'origin', origin: 'igp' },
        { type: 'as-path', segments: [{ type: 'sequence', asns: [65001, AS_TRANS, AS_TRANS] }] },
        { type: 'as4-path', segments: [{ type: 'sequence', asns: [4200000001, 4200000002] }] },
        { type: 'aggregator', asn: AS_TRANS, address: '1.1.1.1' },
        { type: 'as4-aggregator', asn: 4200000002, address: '1.1.1.1' },
      ],
      'next-hop',
    );
    expect(n.asPath).toEqual([{ type: 'sequence', asns: [65001] }, { type: 'sequence', asns: [4200000001, 4200000002] }]);
    expect(n.aggregator).toEqual({ asn: 4200000002, address: '1.1.1.1' });
    // AGGREGATOR naming a real AS: AS4_* are ignored.
    const ignored = normalise(
      [
        { type: 'as-path', segments: [{ type: 'sequence', asns: [65001, AS_TRANS] }] },
        { type: 'as4-path', segments: [{ type: 'sequence', asns: [4200000001] }] },
        { type: 'aggregator', asn: 65001, address: '1.1.1.1' },
      ],
      'next-hop',
    );
    expect(ignored.asPath).toEqual([{ type: 'sequence', asns: [65001, AS_TRANS] }]);
  });

  it('round-trips through PathAttribute[] to the same interned set', () => {
    const t = new AttrTable();
    const a = t.fromPathAttributes(decoded, 'next-hop');
    const wire = toPathAttributes(a, { nextHop: 'attribute' });
    expect(wire.map((x) => x.type)).toEqual(['origin', 'as-path', 'next-hop', 'med', 'local-pref', 'communities', 'originator-id', 'cluster-list', 'large-communities', 'unknown']);
    expect(t.fromPathAttributes(wire, 'next-hop')).toBe(a);
    expect(toPathAttributes(a, { nextHop: 'none' }).some((x) => x.type === 'next-hop')).toBe(false);
  });

  it('derives patched sets in the same table', () => {
    const t = new AttrTable();
    const a = t.intern({ origin: 'igp', med: 5 });
    const b = a.with({ med: undefined });
    expect(b.med).toBeUndefined();
    expect(b).toBe(t.intern({ origin: 'igp' }));
  });

  it('keeps the intern table bounded under 100k replace cycles with few live sets', () => {
    const t = new AttrTable();
    const src = peer('10.0.0.1');
    const rib = new AdjRibIn(src);
    let maxSize = 0;
    for (let i = 0; i < 100_000; i++) {
      // Eight prefixes, each re-announced with a fresh MED: at most 8 sets are live at a time.
      const attrs = t.intern({ origin: 'igp', nextHops: ['10.0.0.1'], med: i });
      rib.put(Path.create(`10.0.${i % 8}.0/24`, 0, attrs, src));
      maxSize = Math.max(maxSize, t.size);
    }
    expect(maxSize).toBeLessThanOrEqual(9);
    rib.clear(() => undefined);
    expect(t.size).toBe(0);
  });

  it('reaps sets interned but never stored, after a sweep generation', () => {
    const t = new AttrTable();
    let maxSize = 0;
    for (let i = 0; i < 100_000; i++) {
      t.intern({ origin: 'igp', med: i });
      maxSize = Math.max(maxSize, t.size);
    }
    expect(maxSize).toBeLessThanOrEqual(2 * 1024);
  });

  it('keeps a reaped set usable: storing it brings it back into the table', () => {
    const t = new AttrTable();
    const kept = t.intern({ origin: 'igp', med: -1 });
    for (let i = 0; i < 3 * 1024; i++) t.intern({ origin: 'igp', med: i });
    expect(kept.interned).toBe(false);
    kept.retain();
    expect(kept.interned).toBe(true);
    expect(t.intern({ origin: 'igp', med: -1 })).toBe(kept);
    kept.release();
    expect(() => kept.release()).toThrow(/released more often/);
  });
});
