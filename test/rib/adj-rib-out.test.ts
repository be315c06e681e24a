import { describe, expect, it } from 'vitest';
import { AdjRibOut } from '../../src/rib/adj-rib-out.js';
import { AttrTable } from '../../src/rib/attr-set.js';
import { Path } from '../../src/rib/path.js';
import { peer } from './helpers.js';

describe('Adj-RIB-Out', () => {
  it('retains the stored path\u2019s set, releases the replaced one, and counts split-horizon prefixes', () => {
    const table = new AttrTable();
    const a = table.intern({ origin: 'igp', med: 1 });
    const b = table.intern({ origin: 'igp', med: 2 });
    const s1 = peer('10.0.0.1');
    const s2 = peer('10.0.0.2');
    const local = peer('local', { kind: 'local', address: '' });
    const out = new AdjRibOut();
    out.set(new Path('10.0.0.0/24', 0, a, s1));
    out.set(new Path('10.0.1.0/24', 0, a, s1));
    out.set(new Path('10.0.2.0/24', 0, a, local));
    expect(a.refs).toBe(3);
    const replacement = new Path('10.0.0.0/24', 0, b, s2);
    out.set(replacement);
    expect([a.refs, b.refs]).toEqual([2, 1]);
    expect([out.countFromAddress('10.0.0.1'), out.countFromAddress('10.0.0.2'), out.countFromAddress('')]).toEqual([1, 1, 0]);
    expect(out.get('10.0.0.0/24')).toBe(replacement);
    expect(out.delete('10.0.1.0/24')?.source).toBe(s1);
    expect(out.delete('10.0.1.0/24')).toBeUndefined();
    expect(a.refs).toBe(1);
    out.clear();
    expect([a.refs, b.refs]).toEqual([0, 0]);
    expect(out.size).toBe(0);
    expect(table.size).toBe(0);
  });

  it('replace and remove, given the entry just read, keep the same counts as set and delete', () => {
    const table = new AttrTable();
    const a = table.intern({ origin: 'igp', med: 1 });
    const b = table.intern({ origin: 'igp', med: 2 });
    const out = new AdjRibOut();
    const first = new Path('10.0.0.0/24', 0, a, peer('10.0.0.1'));
    out.replace(first, out.get(first.prefix));
    const second = new Path('10.0.0.0/24', 0, b, peer('10.0.0.2'));
    out.replace(second, out.get(second.prefix));
    expect([a.refs, b.refs, out.size]).toEqual([0, 1, 1]);
    expect(out.get('10.0.0.0/24')).toBe(second);
    out.remove(second);
    expect([b.refs, out.size, table.size]).toEqual([0, 0, 0]);
  });
});
