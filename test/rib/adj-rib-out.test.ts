import { describe, expect, it } from 'vitest';
import { AdjRibOut } from '../../src/rib/adj-rib-out.js';
import { AttrTable } from '../../src/rib/attr-set.js';
import { peer } from './helpers.js';

describe('Adj-RIB-Out', () => {
  it('retains the stored set, releases the replaced one, and counts prefixes per source', () => {
    const table = new AttrTable();
    const a = table.intern({ origin: 'igp', med: 1 });
    const b = table.intern({ origin: 'igp', med: 2 });
    const s1 = peer('10.0.0.1');
    const s2 = peer('10.0.0.2');
    const out = new AdjRibOut();
    out.set('10.0.0.0/24', a, s1);
    out.set('10.0.1.0/24', a, s1);
    expect(a.refs).toBe(2);
    out.set('10.0.0.0/24', b, s2);
    expect([a.refs, b.refs]).toEqual([1, 1]);
    expect([out.countFrom(s1), out.countFrom(s2), out.countFromAddress('10.0.0.2')]).toEqual([1, 1, 1]);
    expect(out.delete('10.0.1.0/24')).toBe(true);
    expect(out.delete('10.0.1.0/24')).toBe(false);
    expect(a.refs).toBe(0);
    out.clear();
    expect(b.refs).toBe(0);
    expect(out.size).toBe(0);
    expect(table.size).toBe(0);
  });
});
