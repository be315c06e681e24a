import { describe, expect, it } from 'vitest';
import { checkLoop } from '../../src/reflector/loop.js';
import { AttrTable } from '../../src/rib/attr-set.js';
import { SELF } from '../rib/helpers.js';

describe('reflection loop detection (RFC 4456 §8)', () => {
  const t = new AttrTable();
  it('flags a route carrying our router ID as ORIGINATOR_ID', () => {
    expect(checkLoop({ attrs: t.intern({ origin: 'igp', originatorId: SELF.routerId }) }, SELF)).toBe('originator-loop');
  });
  it('flags a route whose CLUSTER_LIST holds our cluster ID', () => {
    expect(checkLoop({ attrs: t.intern({ origin: 'igp', clusterList: ['1.1.1.1', SELF.clusterId] }) }, SELF)).toBe('cluster-loop');
  });
  it('passes other routes, and ignores CLUSTER_LIST on a speaker that is not a reflector', () => {
    expect(checkLoop({ attrs: t.intern({ origin: 'igp', originatorId: '10.0.0.1', clusterList: ['1.1.1.1'] }) }, SELF)).toBeNull();
    const client = { ...SELF, clusterId: undefined };
    expect(checkLoop({ attrs: t.intern({ origin: 'igp', clusterList: [SELF.clusterId] }) }, client)).toBeNull();
  });
});
