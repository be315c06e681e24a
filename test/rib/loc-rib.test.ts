import { describe, expect, it } from 'vitest';
import { AdjRibIn } from '../../src/rib/adj-rib-in.js';
import { DEFAULT_DECISION_OPTIONS } from '../../src/rib/decision.js';
import { changeOf, LocRib } from '../../src/rib/loc-rib.js';
import type { LocRibChange } from '../../src/rib/loc-rib.js';
import { Ipv4Nlri } from '../../src/bgp/nlri.js';
import { Path, type PeerInfo } from '../../src/rib/path.js';
import { MAX_ENTRY_PATH_ID } from '../../src/rib/dest.js';
import { pathFactory, peer } from './helpers.js';

const P = '10.244.1.0/26';

function setup(maxPaths = 1) {
  const events: Omit<LocRibChange, 'dest'>[] = [];
  // The route-table entry travels with each change; the assertions compare the outcome.
  const loc = new LocRib({ ...DEFAULT_DECISION_OPTIONS, maxPaths }, (dest, previousBest) => {
    const { dest: _dest, ...change } = changeOf(dest, previousBest);
    events.push(change);
  });
  const ribs = new Map<PeerInfo, AdjRibIn>();
  const announce = (p: Path): void => {
    let rib = ribs.get(p.source);
    if (!rib) ribs.set(p.source, (rib = new AdjRibIn(p.source, loc)));
    rib.put(p);
  };
  const withdraw = (source: PeerInfo, prefix: string): void => {
    ribs.get(source)?.withdraw(prefix);
  };
  return { events, loc, announce, withdraw, ...pathFactory() };
}

describe('Loc-RIB', () => {
  const a = peer('10.0.0.1');
  const b = peer('10.0.0.2');

  it('flags the best path selected and clears the flag when it is unseated or withdrawn', () => {
    const s = setup();
    const pa = s.path(P, a, { localPref: 100 });
    const pb = s.path(P, b, { localPref: 200 });
    s.announce(pa);
    expect([pa.selected, pb.selected]).toEqual([true, false]);
    s.announce(pb);
    expect([pa.selected, pb.selected]).toEqual([false, true]);
    s.withdraw(b, P);
    expect([pa.selected, pb.selected]).toEqual([true, false]);
    s.withdraw(a, P);
    expect(pa.selected).toBe(false);
  });

  it('emits a change for a new best and none when a worse path arrives', () => {
    const s = setup();
    const pa = s.path(P, a, { localPref: 200 });
    s.announce(pa);
    expect(s.events).toEqual([{ prefix: P, best: pa, multipath: [pa], previousBest: undefined }]);
    s.announce(s.path(P, b, { localPref: 100 }));
    expect(s.events).toHaveLength(1);
    expect(s.loc.best(P)).toBe(pa);
    expect(s.loc.candidates(P)).toHaveLength(2);
  });

  it('emits nothing for an identical re-announcement', () => {
    const s = setup();
    s.announce(s.path(P, a));
    s.announce(s.path(P, a));
    expect(s.events).toHaveLength(1);
  });

  it('promotes the next path when the best is withdrawn, and withdraws when none is left', () => {
    const s = setup();
    const pa = s.path(P, a, { localPref: 200 });
    const pb = s.path(P, b, { localPref: 100 });
    s.announce(pa);
    s.announce(pb);
    s.withdraw(a, P);
    expect(s.events.at(-1)).toEqual({ prefix: P, best: pb, multipath: [pb], previousBest: pa });
    s.withdraw(b, P);
    expect(s.events.at(-1)).toEqual({ prefix: P, best: undefined, multipath: [], previousBest: pb });
    expect(s.loc.size).toBe(0);
    expect(s.events).toHaveLength(3);
  });

  it('emits a change when the best path is replaced by its source, even if it stays best', () => {
    const s = setup();
    const pa = s.path(P, a);
    s.announce(pa);
    const pa2 = s.path(P, a, { med: 7 });
    s.announce(pa2);
    expect(s.events.at(-1)).toEqual({ prefix: P, best: pa2, multipath: [pa2], previousBest: pa });
  });

  it('emits nothing for an ineligible path, and a withdraw when the best becomes ineligible', () => {
    const s = setup();
    s.announce(s.path(P, a, {}, { ineligible: 'cluster-loop' }));
    expect(s.events).toHaveLength(0);
    expect(s.loc.candidates(P)).toHaveLength(1);
    const pb = s.path(P, b);
    s.announce(pb);
    s.announce(s.path(P, b, {}, { ineligible: 'next-hop-unreachable' }));
    expect(s.events.at(-1)).toEqual({ prefix: P, best: undefined, multipath: [], previousBest: pb });
    expect(s.loc.explain(P).every((v) => !v.best)).toBe(true);
  });

  it('emits when the multipath set changes though the best does not', () => {
    const s = setup(4);
    const pa = s.path(P, a);
    const pb = s.path(P, b);
    s.announce(pa);
    s.announce(pb);
    expect(s.events.at(-1)).toEqual({ prefix: P, best: pa, multipath: [pa, pb], previousBest: pa });
    s.withdraw(b, P);
    expect(s.events.at(-1)).toEqual({ prefix: P, best: pa, multipath: [pa], previousBest: pa });
    expect(s.events).toHaveLength(3);
  });

  it('gives the same outcome whatever order the candidates arrive in', () => {
    const peers = [a, b, peer('10.0.0.3'), peer('10.0.0.4')];
    const outcomes = new Set<string>();
    for (const order of [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]]) {
      const s = setup(2);
      for (const i of order) s.announce(s.path(P, peers[i]!, { med: i % 2 }));
      outcomes.add(s.loc.multipath(P).map((p) => p.source.name).join(','));
    }
    // MED 0 for peers 1 and 3 (same neighbouring AS: both iBGP-originated, RFC 4271 §9.1.2.2 c).
    expect([...outcomes]).toEqual(['10.0.0.1,10.0.0.3']);
  });

  it('recomputes on new options and reports the changes', () => {
    const s = setup(1);
    s.announce(s.path(P, a));
    s.announce(s.path(P, b));
    const before = s.events.length;
    s.loc.setOptions({ ...DEFAULT_DECISION_OPTIONS, maxPaths: 2 });
    expect(s.events.length).toBe(before + 1);
    expect(s.loc.multipath(P)).toHaveLength(2);
    let n = 0;
    s.loc.forEachBest((best, set) => {
      n++;
      expect(set[0]).toBe(best);
    });
    expect(n).toBe(1);
  });
});

describe('Loc-RIB entries', () => {
  it('keeps withdrawn entries for reuse until they are three quarters of the table, then keeps only the live ones', () => {
    const loc = new LocRib(DEFAULT_DECISION_OPTIONS);
    const { path } = pathFactory();
    const a = peer('10.0.0.1');
    const n = 10_000;
    const prefixes = Array.from({ length: n }, (_, i) => `10.${i >>> 8}.${i & 255}.0/24`);
    for (const p of prefixes) loc.put(path(p, a));
    const entries = (): number => [...loc.dests()].length;
    // Withdraw 70%: the entries stay (reused if announced again).
    for (const p of prefixes.slice(0, 7000)) loc.withdraw(a, p);
    expect([loc.size, entries()]).toEqual([3000, n]);
    const reused = loc.dest(prefixes[0]!);
    loc.put(path(prefixes[0]!, a));
    expect(loc.dest(prefixes[0]!)).toBe(reused);
    // At three quarters unused (the 7,500th withdrawal) the table is rebuilt with the live
    // entries only; the 100 withdrawn after that wait for the next rebuild.
    for (const p of prefixes.slice(0, 7600)) loc.withdraw(a, p);
    expect(loc.size).toBe(2400);
    expect(entries()).toBe(2500);
    expect([...loc.dests()].filter((d) => d.unused)).toHaveLength(100);
    for (const p of prefixes.slice(7600)) expect(loc.best(p)?.prefix).toBe(p);
  });

  it('finds the same entry whether a prefix comes as numbers (the decoder\'s Ipv4Nlri) or as text, and re-homes paths kept across a rebuild', () => {
    const loc = new LocRib(DEFAULT_DECISION_OPTIONS);
    const { path } = pathFactory();
    const a = peer('10.0.0.1');
    const b = peer('10.0.0.2');
    const numeric = new Ipv4Nlri(0x0af40100, 26, undefined);
    const entry = loc.entry(numeric);
    expect(loc.entry(numeric)).toBe(entry);
    expect(loc.dest(P)).toBe(entry);
    const fromA = Path.create(entry, 0, path(P, a).attrs, a);
    loc.put(fromA);
    // A path built from text lands on the same entry, and is re-pointed at it.
    const fromB = path(P, b);
    expect(fromB.dest).not.toBe(entry);
    loc.put(fromB);
    expect(fromB.dest).toBe(entry);
    expect(loc.candidates(P)).toHaveLength(2);
    expect(loc.withdraw(a, numeric)).toBe(fromA);
    expect(loc.withdraw(b, '10.244.1.0/26')).toBe(fromB);
    expect(loc.size).toBe(0);
    // Enough withdrawn prefixes to rebuild: the old entry is detached, and a path that still
    // points at it is stored on a fresh one.
    for (let i = 0; i < 8000; i++) loc.put(path(`10.${i >>> 8}.${i & 255}.0/24`, a));
    for (let i = 0; i < 8000; i++) loc.withdraw(a, `10.${i >>> 8}.${i & 255}.0/24`);
    expect(entry.attached).toBe(false);
    loc.put(fromA);
    expect(loc.dest(P)?.best).toBe(fromA);
    expect(fromA.dest.attached).toBe(true);
    expect(loc.best(P)?.prefix).toBe(P);
  });

  it('with a compaction callback, asks once and rebuilds only when told to', () => {
    let asked = 0;
    const loc = new LocRib(DEFAULT_DECISION_OPTIONS, undefined, undefined, () => asked++);
    const { path } = pathFactory();
    const a = peer('10.0.0.1');
    const prefixes = Array.from({ length: 10_000 }, (_, i) => `10.${i >>> 8}.${i & 255}.0/24`);
    for (const p of prefixes) loc.put(path(p, a));
    for (const p of prefixes.slice(0, 9000)) loc.withdraw(a, p);
    expect(asked).toBe(1);
    expect([...loc.dests()]).toHaveLength(10_000);
    loc.compact();
    expect([...loc.dests()]).toHaveLength(1000);
    for (const p of prefixes.slice(9000)) expect(loc.best(p)?.prefix).toBe(p);
    // Asked again only once the next rebuild is due.
    for (const p of prefixes.slice(9000, 9500)) loc.withdraw(a, p);
    expect(asked).toBe(1);
  });

  it('keeps the best path right as a prefix goes from several candidates to one and back', () => {
    const { events, loc, path } = setup();
    const a = peer('10.0.0.1');
    const b = peer('10.0.0.2');
    const c = peer('10.0.0.3');
    const a1 = path(P, a, { localPref: 200 });
    loc.put(a1);
    loc.put(path(P, b, { localPref: 100 }));
    expect(loc.best(P)).toBe(a1);
    // Down to one candidate, replaced by its source: the new one is the best.
    loc.withdraw(b, P);
    const a2 = path(P, a, { localPref: 300 });
    loc.put(a2);
    expect(loc.best(P)).toBe(a2);
    // Two again, the same best: not the stale best of the first pair.
    loc.put(path(P, c, { localPref: 100 }));
    expect(loc.best(P)).toBe(a2);
    expect(loc.dest(P)!.best).toBe(a2);
    expect(a2.selected).toBe(true);
    expect(a1.selected).toBe(false);
    // An ineligible lone candidate is no best.
    loc.withdraw(a, P);
    loc.withdraw(c, P);
    loc.put(path(P, c, {}, { ineligible: 'as-loop' }));
    expect(loc.best(P)).toBeUndefined();
    expect(events.map((e) => [e.best?.source.address, e.previousBest?.source.address])).toEqual([
      ['10.0.0.1', undefined],
      ['10.0.0.1', '10.0.0.1'],
      ['10.0.0.3', '10.0.0.1'],
      [undefined, '10.0.0.3'],
    ]);
  });

  it('stores a route for a new prefix as its entry (one object), and later ones as paths of their own', () => {
    const { events, loc, table } = setup();
    const a = peer('10.0.0.1');
    const b = peer('10.0.0.2');
    const set = (localPref: number) => table.intern({ origin: 'igp', nextHops: ['10.0.0.1'], localPref });
    // Text and numbers name the same IPv4 entry (an IPv4 prefix in MP_REACH arrives as text).
    expect(loc.announce({ prefix: P }, 0, set(100), a, null)).toBeUndefined();
    const entry = loc.dest(P)!;
    expect(entry.isPath).toBe(true);
    expect(entry.paths).toBe(entry);
    expect(loc.best(P)).toBe(entry);
    expect(entry.selected).toBe(true);
    expect(entry.family).toBe(4);
    expect(entry.address4).toBe(0x0af40100);
    expect(loc.dest(new Ipv4Nlri(0x0af40100, 26, undefined))).toBe(entry);
    // Same attributes again: nothing changes; from another source: a second candidate.
    expect(loc.announce(new Ipv4Nlri(0x0af40100, 26, undefined), 0, set(100), a, null)).toBeNull();
    expect(loc.announce(new Ipv4Nlri(0x0af40100, 26, undefined), 0, set(200), b, null)).toBeUndefined();
    const fromB = loc.best(P)!;
    expect(fromB).not.toBe(entry);
    expect(fromB.dest).toBe(entry);
    expect(loc.candidates(P)).toEqual([entry, fromB]);
    // The entry's own path replaced by its source: the entry stays the entry, no longer a candidate.
    expect(loc.announce({ prefix: P }, 0, set(300), a, null)).toBe(entry);
    const a2 = loc.best(P)!;
    expect(a2).not.toBe(entry);
    expect(a2.dest).toBe(entry);
    expect(loc.dest(P)).toBe(entry);
    expect(entry.selected).toBe(false);
    expect(loc.candidates(P)).toEqual([a2, fromB]);
    expect(loc.withdraw(a, P)).toBe(a2);
    expect(loc.withdraw(b, P)).toBe(fromB);
    expect(loc.size).toBe(0);
    expect(events.map((e) => e.best?.attrs.localPref)).toEqual([100, 200, 300, 200, undefined]);
    // IPv6 is keyed by its text.
    loc.announce({ prefix: '2001:db8:1::/48' }, 0, set(100), a, null);
    const v6 = loc.dest('2001:db8:1::/48')!;
    expect([v6.family, v6.text, v6.prefixLength, v6.paths === v6]).toEqual([6, '2001:db8:1::/48', 48, true]);
    expect(loc.withdraw(a, '2001:db8:1::/48')).toBe(v6);
  });

  it('keeps an entry that is its own path and an Adj-RIB-Out slot consistent', () => {
    const { loc, table } = setup();
    const a = peer('10.0.0.1');
    loc.announce({ prefix: P }, 7, table.intern({ origin: 'igp', nextHops: ['10.0.0.1'] }), a, 'as-loop');
    const entry = loc.dest(P)!;
    expect([entry.pathId, entry.ineligible, entry.eligible, entry.best, entry.prefix, entry.prefixLength]).toEqual([7, 'as-loop', false, undefined, P, 26]);
    entry.stale = true;
    expect([entry.stale, entry.ineligible, entry.attached, entry.prefixLength]).toEqual([true, 'as-loop', true, 26]);
    entry.setOut(0, entry);
    entry.setOut(3, entry);
    expect([entry.outAt(0), entry.outAt(3), entry.outAt(1)]).toEqual([entry, entry, undefined]);
    entry.setOut(0, undefined);
    entry.setOut(3, undefined);
    expect(loc.withdraw(a, P, 7)).toBe(entry);
    expect(entry.unused).toBe(true);
  });

  it('keeps a path identifier in the entry up to MAX_ENTRY_PATH_ID, and a larger one in a path of its own', () => {
    const { loc, table } = setup();
    const a = peer('10.0.0.1');
    const set = table.intern({ origin: 'igp', nextHops: ['10.0.0.1'] });
    loc.announce({ prefix: P }, MAX_ENTRY_PATH_ID, set, a, null);
    const entry = loc.dest(P)!;
    expect([entry.paths === entry, entry.pathId, entry.prefixLength, entry.eligible]).toEqual([true, MAX_ENTRY_PATH_ID, 26, true]);
    const big = 0xfffffffe;
    loc.announce({ prefix: '10.244.2.0/26' }, big, set, a, 'as-loop');
    const other = loc.dest('10.244.2.0/26')!;
    const path = loc.candidates('10.244.2.0/26')[0]!;
    expect([other.isPath, path === other, path.dest === other, path.pathId, path.ineligible]).toEqual([false, false, true, big, 'as-loop']);
    expect(loc.withdraw(a, '10.244.2.0/26', big)).toBe(path);
    expect(loc.withdraw(a, P, MAX_ENTRY_PATH_ID)).toBe(entry);
  });

  it('stores an entry dropped by a rebuild, put again, as a path on the new entry', () => {
    const { loc, table } = setup();
    const a = peer('10.0.0.1');
    const set = table.intern({ origin: 'igp', nextHops: ['10.0.0.1'] });
    loc.announce({ prefix: P }, 0, set, a, null);
    const entry = loc.dest(P)!;
    loc.withdraw(a, P);
    loc.entry({ prefix: '10.1.0.0/16' });
    for (let i = 0; i < 8000; i++) loc.announce({ prefix: `10.${i >>> 8}.${i & 255}.0/24` }, 0, set, a, null);
    for (let i = 0; i < 8000; i++) loc.withdraw(a, `10.${i >>> 8}.${i & 255}.0/24`);
    expect(entry.attached).toBe(false);
    loc.entry({ prefix: P });
    entry.stale = true;
    expect(loc.put(entry)).toBeUndefined();
    const stored = loc.best(P)!;
    expect([stored === entry, stored.dest === loc.dest(P), stored.stale, stored.attrs === set]).toEqual([false, true, true, true]);
  });
});
