import { describe, expect, it } from 'vitest';
import { AdjRibOut } from '../../src/rib/adj-rib-out.js';
import { AttrTable } from '../../src/rib/attr-set.js';
import { DEFAULT_DECISION_OPTIONS } from '../../src/rib/decision.js';
import type { Dest } from '../../src/rib/dest.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import { Path } from '../../src/rib/path.js';
import { peer } from './helpers.js';

/** A route table holding one candidate per prefix, so every prefix has an entry to advertise from. */
function tableWith(prefixes: readonly string[]) {
  const attrs = new AttrTable();
  const loc = new LocRib(DEFAULT_DECISION_OPTIONS);
  const origin = peer('10.9.9.9');
  const candidates = new Map<string, Path>();
  for (const prefix of prefixes) {
    const path = Path.create(prefix, 0, attrs.intern({ origin: 'incomplete' }), origin);
    loc.put(path);
    candidates.set(prefix, path);
  }
  const dest = (prefix: string): Dest => loc.dest(prefix)!;
  return { attrs, loc, dest, origin, candidates };
}

describe('Adj-RIB-Out', () => {
  it('retains the stored path\u2019s set, releases the replaced one, and counts split-horizon prefixes', () => {
    const { attrs: table, loc, dest } = tableWith(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24']);
    const a = table.intern({ origin: 'igp', med: 1 });
    const b = table.intern({ origin: 'igp', med: 2 });
    const s1 = peer('10.0.0.1');
    const s2 = peer('10.0.0.2');
    const local = peer('local', { kind: 'local', address: '' });
    const out = new AdjRibOut(loc, 0);
    const put = (path: Path): void => out.replace(dest(path.prefix), path, out.at(dest(path.prefix)));
    put(Path.create('10.0.0.0/24', 0, a, s1));
    put(Path.create('10.0.1.0/24', 0, a, s1));
    put(Path.create('10.0.2.0/24', 0, a, local));
    expect(a.refs).toBe(3);
    const replacement = Path.create('10.0.0.0/24', 0, b, s2);
    put(replacement);
    expect([a.refs, b.refs]).toEqual([2, 1]);
    expect([out.countFromAddress('10.0.0.1'), out.countFromAddress('10.0.0.2'), out.countFromAddress('')]).toEqual([1, 1, 0]);
    expect(out.get('10.0.0.0/24')).toBe(replacement);
    expect([...out.keys()].sort()).toEqual(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24']);
    out.remove(dest('10.0.1.0/24'), out.at(dest('10.0.1.0/24'))!);
    expect(out.get('10.0.1.0/24')).toBeUndefined();
    expect([a.refs, out.size]).toEqual([1, 2]);
    out.clear();
    expect([a.refs, b.refs]).toEqual([0, 0]);
    expect(out.size).toBe(0);
  });

  it('keeps each group\u2019s slot apart, and the entry lives while a group still holds a withdrawn prefix', () => {
    const { attrs: table, loc, dest, origin, candidates } = tableWith(['10.0.0.0/24']);
    const a = table.intern({ origin: 'igp', med: 1 });
    const g0 = new AdjRibOut(loc, 0);
    const g3 = new AdjRibOut(loc, 3);
    const d = dest('10.0.0.0/24');
    const p0 = Path.create('10.0.0.0/24', 0, a, peer('10.0.0.1'));
    const p3 = Path.create('10.0.0.0/24', 0, a, peer('10.0.0.2'));
    g0.replace(d, p0, undefined);
    g3.replace(d, p3, undefined);
    expect([g0.at(d), g3.at(d), new AdjRibOut(loc, 1).at(d)]).toEqual([p0, p3, undefined]);
    // The only candidate is withdrawn: groups still hold the prefix until they send the withdrawal.
    expect(loc.withdraw(origin, '10.0.0.0/24')).toBe(candidates.get('10.0.0.0/24'));
    expect(loc.dest('10.0.0.0/24')).toBe(d);
    expect(loc.size).toBe(0);
    g0.remove(d, p0);
    expect(loc.dest('10.0.0.0/24')).toBe(d);
    g3.remove(d, p3);
    expect(d.unused).toBe(true);
    expect([a.refs, table.size]).toEqual([0, 0]);
    // Announced again: the unused entry is taken up again.
    loc.put(Path.create('10.0.0.0/24', 0, a, origin));
    expect(loc.dest('10.0.0.0/24')).toBe(d);
    expect(loc.size).toBe(1);
  });
});
