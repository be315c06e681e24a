import { describe, expect, it } from 'vitest';
import { reflect } from '../../src/reflector/reflect.js';
import { AttrTable } from '../../src/rib/attr-set.js';
import { peer, SELF } from '../rib/helpers.js';

describe('reflect (RFC 4456 §8)', () => {
  const from = peer('10.0.0.1', { routerId: '10.0.0.11' });

  it('sets ORIGINATOR_ID to the source router ID when absent and prepends our cluster ID', () => {
    const t = new AttrTable();
    const a = t.intern({ origin: 'igp', nextHops: ['10.0.0.1'] });
    const r = reflect(a, from, SELF);
    expect(r.originatorId).toBe('10.0.0.11');
    expect(r.clusterList).toEqual([SELF.clusterId]);
    expect(r.nextHops).toEqual(['10.0.0.1']);
    expect(a.clusterList).toEqual([]);
    expect(r).toBe(t.intern({ origin: 'igp', nextHops: ['10.0.0.1'], originatorId: '10.0.0.11', clusterList: [SELF.clusterId] }));
    expect(reflect(a, from, SELF)).toBe(r);
  });

  it('keeps an existing ORIGINATOR_ID and prepends to an existing CLUSTER_LIST', () => {
    const t = new AttrTable();
    const a = t.intern({ origin: 'igp', originatorId: '10.0.0.50', clusterList: ['1.1.1.1'] });
    const r = reflect(a, from, SELF);
    expect(r.originatorId).toBe('10.0.0.50');
    expect(r.clusterList).toEqual([SELF.clusterId, '1.1.1.1']);
  });

  it('uses the router ID as cluster ID when none is configured (RFC 4456 §7)', () => {
    const t = new AttrTable();
    const r = reflect(t.intern({ origin: 'igp' }), from, { ...SELF, clusterId: undefined });
    expect(r.clusterList).toEqual([SELF.routerId]);
  });
});
