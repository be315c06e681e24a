import { describe, expect, it } from 'vitest';
import { AdjRibIn } from '../../src/rib/adj-rib-in.js';
import type { Path } from '../../src/rib/path.js';
import { pathFactory, peer } from './helpers.js';

describe('Adj-RIB-In', () => {
  const src = peer('10.0.0.1');

  it('stores, replaces (implicit withdraw, RFC 4271 §3.1) and withdraws, holding references', () => {
    const { path, table } = pathFactory();
    const rib = new AdjRibIn(src);
    const a = path('10.244.1.0/26', src);
    expect(rib.put(a)).toBeUndefined();
    const b = path('10.244.1.0/26', src, { med: 1 });
    expect(rib.put(b)).toBe(a);
    expect(a.attrs.refs).toBe(0);
    expect(b.attrs.refs).toBe(1);
    expect(rib.size).toBe(1);
    expect(rib.withdraw('10.244.1.0/26')).toBe(b);
    expect(rib.withdraw('10.244.1.0/26')).toBeUndefined();
    expect(rib.size).toBe(0);
    expect(table.size).toBe(0);
  });

  it('reports an identical re-announcement as unchanged and keeps the stored path', () => {
    const { path } = pathFactory();
    const rib = new AdjRibIn(src);
    const a = path('10.244.1.0/26', src);
    rib.put(a);
    a.stale = true;
    expect(rib.put(path('10.244.1.0/26', src))).toBeNull();
    expect(rib.get('10.244.1.0/26')).toBe(a);
    expect(a.stale).toBe(false);
    // Same attributes but a different eligibility is a change.
    expect(rib.put(path('10.244.1.0/26', src, {}, { ineligible: 'as-loop' }))).toBe(a);
  });

  it('keeps ineligible paths, flagged', () => {
    const { path } = pathFactory();
    const rib = new AdjRibIn(src);
    rib.put(path('10.244.1.0/26', src, {}, { ineligible: 'treat-as-withdraw' }));
    expect(rib.get('10.244.1.0/26')?.ineligible).toBe('treat-as-withdraw');
  });

  it('holds several ADD-PATH paths per prefix (RFC 7911) and folds back to one', () => {
    const { path } = pathFactory();
    const rib = new AdjRibIn(src);
    const p1 = path('10.244.1.0/26', src, {}, { pathId: 1 });
    const p2 = path('10.244.1.0/26', src, { med: 2 }, { pathId: 2 });
    const p3 = path('10.244.1.0/26', src, { med: 3 }, { pathId: 3 });
    rib.put(p1);
    rib.put(p2);
    rib.put(p3);
    expect(rib.paths('10.244.1.0/26')).toEqual([p1, p2, p3]);
    const p2b = path('10.244.1.0/26', src, { med: 4 }, { pathId: 2 });
    expect(rib.put(p2b)).toBe(p2);
    expect(rib.withdraw('10.244.1.0/26', 1)).toBe(p1);
    expect(rib.withdraw('10.244.1.0/26', 3)).toBe(p3);
    expect(rib.paths('10.244.1.0/26')).toEqual([p2b]);
    expect(rib.get('10.244.1.0/26', 2)).toBe(p2b);
    expect(rib.size).toBe(1);
  });

  it('marks stale and sweeps what was not refreshed (RFC 4724 §4.2)', () => {
    const { path } = pathFactory();
    const rib = new AdjRibIn(src);
    for (const p of ['10.244.1.0/26', '10.244.2.0/26', 'fd00::/64']) rib.put(path(p, src));
    expect(rib.markStale(4)).toBe(2);
    rib.put(path('10.244.2.0/26', src));
    const removed: Path[] = [];
    expect(rib.sweepStale((p) => removed.push(p))).toBe(1);
    expect(removed.map((p) => p.prefix)).toEqual(['10.244.1.0/26']);
    expect([...rib].map((p) => p.prefix).sort()).toEqual(['10.244.2.0/26', 'fd00::/64']);
  });

  it('clears everything on session down, releasing every attribute set', () => {
    const { path, table } = pathFactory();
    const rib = new AdjRibIn(src);
    rib.put(path('10.244.1.0/26', src, {}, { pathId: 1 }));
    rib.put(path('10.244.1.0/26', src, { med: 1 }, { pathId: 2 }));
    rib.put(path('10.244.2.0/26', src));
    const removed: Path[] = [];
    expect(rib.clear((p) => removed.push(p))).toBe(3);
    expect(removed).toHaveLength(3);
    expect(rib.size).toBe(0);
    expect(table.size).toBe(0);
  });
});
