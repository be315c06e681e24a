import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../src/bgp/index.js';
import { isEndOfRib } from '../../src/bgp/end-of-rib.js';
import type { Nlri, UpdateMessage } from '../../src/bgp/types.js';
import { AttrTable } from '../../src/rib/attr-set.js';
import { DEFAULT_DECISION_OPTIONS } from '../../src/rib/decision.js';
import { makeExportTarget } from '../../src/rib/export-attrs.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import { Path, type PeerInfo } from '../../src/rib/path.js';
import { UpdateGroups, type GroupMember, type UpdateGroupSettings } from '../../src/rib/update-groups.js';
import { exportAll, peer, SELF } from './helpers.js';

/** NLRI as plain text objects (the groups hand out entries that build their text on demand). */
function asText(list: readonly Nlri[]): Nlri[] {
  return list.map((n) => (n.pathId === undefined ? { prefix: n.prefix } : { prefix: n.prefix, pathId: n.pathId }));
}

const EXPORT_ALL = exportAll(true);

class FakeMember implements GroupMember {
  readonly calls: (readonly Uint8Array[])[] = [];
  accept = true;
  constructor(
    readonly name: string,
    readonly peer: PeerInfo,
  ) {}
  send(messages: readonly Uint8Array[]): boolean {
    this.calls.push(messages);
    return this.accept;
  }
  messages(): Uint8Array[] {
    return this.calls.flat();
  }
  updates(): UpdateMessage[] {
    return this.messages()
      .map((m) => decodeMessage(m))
      .filter((m): m is UpdateMessage => m.type === 'update');
  }
}

function setup(options: { readonly addPath?: boolean } = {}) {
  const scheduled: (() => void)[] = [];
  // The listeners run only on later changes, once `groups` exists.
  const loc = new LocRib(
    DEFAULT_DECISION_OPTIONS,
    (dest) => groups.enqueue(dest),
    (dest) => groups.enqueueCandidate(dest),
  );
  const groups = new UpdateGroups(EXPORT_ALL, loc, (fn) => scheduled.push(fn));
  /** The Loc-RIB's best path for `prefix` becomes `best` (or none): the harness's one candidate. */
  const current = new Map<string, Path>();
  const change = (prefix: string, best: Path | undefined): void => {
    const previous = current.get(prefix);
    if (previous) loc.withdraw(previous.source, prefix);
    current.delete(prefix);
    if (best) {
      loc.put(best);
      current.set(prefix, best);
    }
  };
  const runScheduled = (): void => {
    while (scheduled.length > 0) scheduled.shift()!();
  };
  const c1 = peer('10.0.0.11', { isClient: true });
  const c2 = peer('10.0.0.12', { isClient: true });
  const settings: UpdateGroupSettings = {
    key: 'clients',
    target: makeExportTarget({ peer: c1, self: SELF, localAddress: '10.0.0.100', nextHopMode: 'Auto' }),
    toInternalPeer: true,
    targetKind: 'client',
    families: ['ipv4-unicast'],
    sendContext: options.addPath ? { addPath: ['ipv4-unicast'] } : {},
  };
  const table = new AttrTable();
  const group = groups.obtain(settings, () => undefined);
  return { groups, group, runScheduled, c1, c2, table, change, loc };
}

function prefixes(n: number, base = 0): string[] {
  return Array.from({ length: n }, (_, i) => `${20 + ((base + i) >>> 16)}.${((base + i) >>> 8) & 255}.${(base + i) & 255}.0/24`);
}

describe('update groups', () => {
  it('sends a prefix replaced before the flush once, in its latest state, and frees its entry once withdrawn', () => {
    const { groups, group, c1, table, change, loc } = setup();
    const member = new FakeMember('c1', c1);
    group.join(member);
    const local = peer('local', { kind: 'local', address: '' });
    const P = '10.244.1.0/26';
    change(P, Path.create(P, 0, table.intern({ origin: 'igp', med: 1 }), local));
    change(P, Path.create(P, 0, table.intern({ origin: 'igp', med: 2 }), local));
    groups.flushNow();
    const announced = member.updates().filter((u) => u.nlri.length > 0);
    expect(announced).toHaveLength(1);
    expect(announced[0]!.attributes.find((a) => a.type === 'med')).toMatchObject({ med: 2 });
    // Withdrawn with nothing left: the group packs the withdrawal at once and lets go of the
    // entry, which stays in the table, unused, until a rebuild.
    change(P, undefined);
    expect(loc.dest(P)).toBeDefined();
    groups.flushNow();
    expect(member.updates().at(-1)!.withdrawn).toEqual([{ prefix: P }]);
    expect(group.advertisedTo(member)).toBe(0);
    expect(loc.dest(P)?.unused).toBe(true);
  });

  it('packs N prefixes sharing one attribute set into ceil(N / fit) UPDATEs', () => {
    const { groups, group, c1, table, change } = setup();
    const member = new FakeMember('c1', c1);
    group.join(member);
    const ebgp = peer('192.0.2.1', { kind: 'ebgp', asn: 65001 });
    const attrs = table.intern({ origin: 'igp', asPath: [{ type: 'sequence', asns: [65001] }], nextHops: ['192.0.2.1'] });
    const list = prefixes(5000);
    for (const p of list) change(p, Path.create(p, 0, attrs, ebgp));
    groups.flushNow();
    // Attributes to an iBGP peer: ORIGIN 4, AS_PATH (one 4-octet AS) 9, NEXT_HOP 7, LOCAL_PREF 7
    // octets; each /24 is 4 octets. 4096 - 19 header - 4 length fields - 27 = 4046 → 1011 fit.
    const fit = Math.floor((4096 - 19 - 4 - 27) / 4);
    const messages = member.messages();
    const updates = member.updates().filter((u) => isEndOfRib(u) === undefined);
    expect(updates).toHaveLength(Math.ceil(list.length / fit));
    expect(messages[0]!.length).toBe(19 + 4 + 27 + fit * 4);
    expect(updates.flatMap((u) => u.nlri.map((n) => n.prefix))).toEqual(list);
    // End-of-RIB follows the table.
    expect(isEndOfRib(member.updates().at(-1)!)).toEqual({ afi: 1, safi: 1 });
  });

  it('encodes once and writes the same bytes to every member', () => {
    const { groups, group, c1, c2, table, change } = setup();
    const a = new FakeMember('c1', c1);
    const b = new FakeMember('c2', c2);
    group.join(a);
    group.join(b);
    const local = peer('local', { kind: 'local', address: '' });
    const attrs = table.intern({ origin: 'igp' });
    for (const p of prefixes(10)) change(p, Path.create(p, 0, attrs, local));
    groups.flushNow();
    const first = a.messages().find((m) => decodeMessage(m).type === 'update' && (decodeMessage(m) as UpdateMessage).nlri.length > 0)!;
    expect(b.messages()).toContain(first);
    expect(a.updates()[0]!.attributes.find((x) => x.type === 'next-hop')).toMatchObject({ nextHop: '10.0.0.100' });
  });

  it('never sends a path back to its source, and withdraws it there when the source takes over the prefix', () => {
    const { groups, group, c1, c2, table, change } = setup();
    const a = new FakeMember('c1', c1);
    const b = new FakeMember('c2', c2);
    group.join(a);
    group.join(b);
    const P = '10.244.1.0/26';
    const fromC2 = Path.create(P, 0, table.intern({ origin: 'igp', nextHops: ['10.0.0.12'] }), c2);
    change(P, fromC2);
    groups.flushNow();
    expect(a.updates().some((u) => u.nlri.some((n) => n.prefix === P))).toBe(true);
    expect(b.updates().some((u) => u.nlri.some((n) => n.prefix === P))).toBe(false);
    expect(group.advertisedTo(a)).toBe(1);
    expect(group.advertisedTo(b)).toBe(0);
    // Now c1's path wins: c2 gets it, c1 (which held c2's) gets a withdrawal.
    const fromC1 = Path.create(P, 0, table.intern({ origin: 'igp', nextHops: ['10.0.0.11'] }), c1);
    change(P, fromC1);
    groups.flushNow();
    expect(a.updates().at(-1)!.withdrawn).toEqual([{ prefix: P }]);
    expect(b.updates().at(-1)!.nlri).toEqual([{ prefix: P }]);
  });

  it('stops on backpressure and resumes on drain, sending each prefix once', () => {
    const { groups, group, c1, table, runScheduled, change } = setup();
    const member = new FakeMember('c1', c1);
    group.join(member);
    const local = peer('local', { kind: 'local', address: '' });
    const attrs = table.intern({ origin: 'igp' });
    const list = prefixes(40_000);
    for (const p of list) change(p, Path.create(p, 0, attrs, local));
    member.accept = false;
    groups.flushNow();
    expect(group.blocked).toBe(true);
    const firstSlice = member.updates().flatMap((u) => u.nlri).length;
    expect(firstSlice).toBeGreaterThan(0);
    expect(group.pendingCount).toBe(list.length - firstSlice);
    member.accept = true;
    group.drained(member);
    runScheduled();
    const sent = member.updates().flatMap((u) => u.nlri.map((n) => n.prefix));
    expect(sent).toHaveLength(list.length);
    expect(new Set(sent).size).toBe(list.length);
  });

  it('holds a reference on advertised paths\' attribute sets and releases them with the group', () => {
    const { groups, group, c1, table, change } = setup();
    const member = new FakeMember('c1', c1);
    group.join(member);
    const local = peer('local', { kind: 'local', address: '' });
    const attrs = table.intern({ origin: 'igp' });
    for (const p of prefixes(3)) change(p, Path.create(p, 0, attrs, local));
    groups.flushNow();
    // Three held by the Loc-RIB's candidates, three by the group's Adj-RIB-Out.
    expect(attrs.refs).toBe(6);
    groups.leave(group, member);
    expect(attrs.refs).toBe(3);
    expect(groups.size).toBe(0);
  });

  it('sends a prefix changed several times while blocked once, in its latest state', () => {
    const { groups, group, c1, table, change } = setup();
    const member = new FakeMember('c1', c1);
    group.join(member);
    groups.flushNow();
    member.accept = false;
    const local = peer('local', { kind: 'local', address: '' });
    change('10.9.0.0/24', Path.create('10.9.0.0/24', 0, table.intern({ origin: 'igp' }), local));
    groups.flushNow();
    expect(group.blocked).toBe(true);
    const before = member.updates().length;
    const P = '10.9.1.0/24';
    change(P, Path.create(P, 0, table.intern({ origin: 'igp', med: 1 }), local));
    change(P, undefined);
    change(P, Path.create(P, 0, table.intern({ origin: 'igp', med: 2 }), local));
    groups.flushNow();
    expect(member.updates()).toHaveLength(before);
    member.accept = true;
    group.drained(member);
    groups.flushNow();
    const sent = member.updates().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.nlri).toEqual([{ prefix: P }]);
    expect(sent[0]!.attributes.find((a) => a.type === 'med')).toMatchObject({ med: 2 });
  });

  describe('ADD-PATH send (RFC 7911)', () => {
    const P = '10.244.7.0/26';
    const decodeAll = (m: FakeMember): UpdateMessage[] =>
      m.messages().map((b) => decodeMessage(b, { addPath: ['ipv4-unicast'] })).filter((u): u is UpdateMessage => u.type === 'update');

    it('sends every exportable candidate under its own path ID, keeps the ID across a replacement, withdraws it when the path goes', () => {
      const { groups, group, c1, table, loc } = setup({ addPath: true });
      const r = new FakeMember('c1', c1);
      group.join(r);
      const n1 = peer('10.0.0.21', { isClient: true });
      const n2 = peer('10.0.0.22', { isClient: true });
      const a = Path.create(P, 0, table.intern({ origin: 'igp', nextHops: ['10.0.0.21'], localPref: 200 }), n1);
      const b = Path.create(P, 0, table.intern({ origin: 'igp', nextHops: ['10.0.0.22'], localPref: 100 }), n2);
      loc.put(a);
      groups.flushNow();
      // A worse second path changes no best path, yet ADD-PATH peers hear of it.
      loc.put(b);
      groups.flushNow();
      const announced = decodeAll(r).flatMap((u) => u.nlri.map((n) => [n.pathId, (u.attributes.find((x) => x.type === 'next-hop') as { nextHop: string }).nextHop]));
      expect(announced).toEqual([
        [1, '10.0.0.21'],
        [2, '10.0.0.22'],
      ]);
      // n2 replaces its path: same identifier, an implicit replace.
      loc.put(Path.create(P, 0, table.intern({ origin: 'igp', nextHops: ['10.0.0.22'], localPref: 100, med: 5 }), n2));
      groups.flushNow();
      expect(decodeAll(r).at(-1)!.nlri).toEqual([{ prefix: P, pathId: 2 }]);
      // n1 withdraws: identifier 1 is withdrawn, 2 stays.
      loc.withdraw(n1, P);
      groups.flushNow();
      expect(decodeAll(r).at(-1)!.withdrawn).toEqual([{ prefix: P, pathId: 1 }]);
      expect(group.advertisedTo(r)).toBe(1);
      expect(asText(group.heldBy(r))).toEqual([{ prefix: P, pathId: 2 }]);
    });

    it('keeps a lone path under identifier 1 without a per-prefix record, and resends it under 1 on route refresh', () => {
      const { groups, group, table, loc } = setup({ addPath: true });
      const lastAnnounced = (m: FakeMember): Nlri[] => decodeAll(m).filter((u) => u.nlri.length > 0).at(-1)!.nlri.slice();
      const r = new FakeMember('c1', peer('10.0.0.11', { isClient: true }));
      group.join(r);
      const src = peer('10.0.0.31', { isClient: true });
      // Received under path ID 7: the group still numbers its own (RFC 7911 §3: identifiers are per session).
      const only = Path.create(P, 7, table.intern({ origin: 'igp', nextHops: ['10.0.0.31'] }), src);
      loc.put(only);
      groups.flushNow();
      expect(group.adjRibOut.at(loc.dest(P)!)).toBe(only);
      expect(lastAnnounced(r)).toEqual([{ prefix: P, pathId: 1 }]);
      group.refresh(r, 'ipv4-unicast', false);
      expect(lastAnnounced(r)).toEqual([{ prefix: P, pathId: 1 }]);
      // A second path makes a record with both identifiers; the first keeps 1.
      const second = Path.create(P, 0, table.intern({ origin: 'igp', nextHops: ['10.0.0.32'], localPref: 50 }), peer('10.0.0.32', { isClient: true }));
      loc.put(second);
      groups.flushNow();
      expect(lastAnnounced(r)).toEqual([{ prefix: P, pathId: 2 }]);
      // The first goes: identifier 1 is withdrawn, and 2 stays as a record (not the bare form).
      loc.withdraw(src, P, 7);
      groups.flushNow();
      expect(decodeAll(r).filter((u) => u.withdrawn.length > 0).at(-1)!.withdrawn).toEqual([{ prefix: P, pathId: 1 }]);
      expect(asText(group.heldBy(r))).toEqual([{ prefix: P, pathId: 2 }]);
      expect(group.adjRibOut.at(loc.dest(P)!)).not.toBe(second);
    });

    it('keeps split horizon per path: a member is not sent its own path, but is sent the others', () => {
      const { groups, group, c1, c2, table, loc } = setup({ addPath: true });
      const m1 = new FakeMember('c1', c1);
      const m2 = new FakeMember('c2', c2);
      group.join(m1);
      group.join(m2);
      loc.put(Path.create(P, 0, table.intern({ origin: 'igp', nextHops: ['10.0.0.11'] }), c1));
      loc.put(Path.create(P, 0, table.intern({ origin: 'igp', nextHops: ['10.0.0.12'] }), c2));
      groups.flushNow();
      const hops = (m: FakeMember): string[] =>
        decodeAll(m)
          .filter((u) => u.nlri.length > 0)
          .map((u) => (u.attributes.find((x) => x.type === 'next-hop') as { nextHop: string }).nextHop);
      expect(hops(m1)).toEqual(['10.0.0.12']);
      expect(hops(m2)).toEqual(['10.0.0.11']);
      expect([group.advertisedTo(m1), group.advertisedTo(m2)]).toEqual([1, 1]);
    });

    it('withdraws, on re-homing, only the identifiers the new group does not advertise', () => {
      const { groups, group, c1, table, loc } = setup({ addPath: true });
      const m = new FakeMember('c1', c1);
      group.join(m);
      const src = peer('10.0.0.31', { isClient: true });
      loc.put(Path.create(P, 0, table.intern({ origin: 'igp', nextHops: ['10.0.0.31'] }), src));
      groups.flushNow();
      const held = group.heldBy(m);
      expect(asText(held)).toEqual([{ prefix: P, pathId: 1 }]);
      // Same group again: it still advertises (P, 1), so nothing is withdrawn.
      const before = m.calls.length;
      group.withdrawFrom(m, [...held, { prefix: '10.9.9.0/24', pathId: 4 }]);
      expect(decodeAll(m).at(-1)!.withdrawn).toEqual([{ prefix: '10.9.9.0/24', pathId: 4 }]);
      expect(m.calls.length).toBe(before + 1);
    });
  });

  it('reports a member blocked for afterMs while another could take more, once; not when all are blocked', () => {
    const { groups, group, c1, c2, table, change } = setup();
    const a = new FakeMember('c1', c1);
    const b = new FakeMember('c2', c2);
    group.join(a);
    group.join(b);
    groups.flushNow();
    b.accept = false;
    const local = peer('local', { kind: 'local', address: '' });
    change('10.9.0.0/24', Path.create('10.9.0.0/24', 0, table.intern({ origin: 'igp' }), local));
    groups.flushNow();
    const t0 = groups.now();
    expect(group.takeSlowMembers(t0 + 999, 1000)).toEqual([]);
    expect(group.takeSlowMembers(t0 + 60_000, 1000)).toEqual([b]);
    expect(group.takeSlowMembers(t0 + 60_000, 1000)).toEqual([]);
    // Everyone blocked: the group is simply slow, nobody is singled out.
    const { groups: g2, group: both, c1: d1, c2: d2, table: t2, change: change2 } = setup();
    const x = new FakeMember('c1', d1);
    const y = new FakeMember('c2', d2);
    both.join(x);
    both.join(y);
    g2.flushNow();
    x.accept = false;
    y.accept = false;
    change2('10.9.0.0/24', Path.create('10.9.0.0/24', 0, t2.intern({ origin: 'igp' }), local));
    g2.flushNow();
    expect(both.takeSlowMembers(g2.now() + 60_000, 1000)).toEqual([]);
  });

  describe('withdrawals packed at once (withdrawNow)', () => {
    const local = peer('local', { kind: 'local', address: '' });

    /** A group whose one member was sent `n` local prefixes sharing one attribute set. */
    function holding(n: number) {
      const harness = setup();
      const member = new FakeMember('c1', harness.c1);
      harness.group.join(member);
      const attrs = harness.table.intern({ origin: 'igp' });
      const list = prefixes(n);
      for (const p of list) harness.change(p, Path.create(p, 0, attrs, local));
      harness.groups.flushNow();
      return { ...harness, member, list };
    }

    /** What a member holds after applying every UPDATE it was sent, in order. */
    function holdings(member: FakeMember): Map<string, number | undefined> {
      const held = new Map<string, number | undefined>();
      for (const u of member.updates()) {
        for (const n of u.withdrawn) held.delete(n.prefix);
        const med = u.attributes.find((a) => a.type === 'med');
        for (const n of u.nlri) held.set(n.prefix, med?.type === 'med' ? med.med : undefined);
      }
      return held;
    }

    it('sends the withdrawal ahead of a new announcement of the same prefix in the same burst', () => {
      const { groups, group, c1, table, change } = setup();
      const member = new FakeMember('c1', c1);
      group.join(member);
      const P = '10.244.1.0/26';
      change(P, Path.create(P, 0, table.intern({ origin: 'igp', med: 1 }), local));
      groups.flushNow();
      change(P, undefined);
      expect(group.pendingCount).toBe(1);
      change(P, Path.create(P, 0, table.intern({ origin: 'igp', med: 2 }), local));
      groups.flushNow();
      expect(group.pendingCount).toBe(0);
      const after = member.updates().slice(-2);
      expect(after.map((u) => [u.withdrawn.length, u.nlri.length])).toEqual([
        [1, 0],
        [0, 1],
      ]);
      expect(holdings(member)).toEqual(new Map([[P, 2]]));
    });

    it('sends nothing for a prefix announced and withdrawn between two flushes', () => {
      const { groups, group, c1, table, change } = setup();
      const member = new FakeMember('c1', c1);
      group.join(member);
      groups.flushNow();
      const before = member.calls.length;
      const P = '10.244.1.0/26';
      change(P, Path.create(P, 0, table.intern({ origin: 'igp' }), local));
      change(P, undefined);
      groups.flushNow();
      expect(member.calls.length).toBe(before);
    });

    it('leaves withdrawals to the journal while the group is blocked, and sends them after the drain', () => {
      const { groups, group, table, runScheduled, change, member, list } = holding(40_000);
      member.accept = false;
      change(list[0]!, Path.create(list[0]!, 0, table.intern({ origin: 'igp', med: 5 }), local));
      groups.flushNow();
      expect(group.blocked).toBe(true);
      for (const p of list.slice(0, 20_000)) change(p, undefined);
      // Nothing taken out of the Adj-RIB-Out while blocked: the journal holds every change.
      expect(group.advertisedTo(member)).toBe(list.length);
      expect(group.pendingCount).toBe(20_000);
      member.accept = true;
      group.drained(member);
      runScheduled();
      expect(holdings(member)).toEqual(new Map(list.slice(20_000).map((p) => [p, undefined])));
      expect(group.advertisedTo(member)).toBe(20_000);
    });

    it('sends a member what it is owed before it leaves, so a move to another group misses nothing', () => {
      const { groups, group, c1, c2, table, change } = setup();
      const a = new FakeMember('c1', c1);
      const b = new FakeMember('c2', c2);
      group.join(a);
      group.join(b);
      const [P, Q] = prefixes(2);
      change(P!, Path.create(P!, 0, table.intern({ origin: 'igp' }), local));
      change(Q!, Path.create(Q!, 0, table.intern({ origin: 'igp' }), local));
      groups.flushNow();
      change(P!, undefined);
      // Held, for a move: Q only, and the move's leave sends the withdrawal of P.
      expect(group.heldBy(b).map((n) => n.prefix)).toEqual([Q]);
      groups.leave(group, b);
      expect(holdings(b)).toEqual(new Map([[Q!, undefined]]));
      groups.flushNow();
      expect(holdings(a)).toEqual(new Map([[Q!, undefined]]));
    });

    it('does not send a newcomer withdrawals of prefixes it never held', () => {
      const { groups, group, c1, c2, table, change } = setup();
      const a = new FakeMember('c1', c1);
      group.join(a);
      const [P, Q] = prefixes(2);
      change(P!, Path.create(P!, 0, table.intern({ origin: 'igp' }), local));
      change(Q!, Path.create(Q!, 0, table.intern({ origin: 'igp' }), local));
      groups.flushNow();
      change(P!, undefined);
      const b = new FakeMember('c2', c2);
      group.join(b);
      groups.flushNow();
      expect(holdings(a)).toEqual(new Map([[Q!, undefined]]));
      expect(holdings(b)).toEqual(new Map([[Q!, undefined]]));
      expect(b.updates().flatMap((u) => u.withdrawn)).toEqual([]);
    });

    it('counts each entry it lets go of once: a withdrawn table is rebuilt when three quarters are unused, not before', () => {
      const { groups, change, loc, member, list } = holding(8192);
      // 6,144 unused of 8,192 rebuild the table (the 2,048 live ones kept); the last 2,048 unused
      // stay below the 4,096 that a rebuild waits for. Counted twice, more rebuilds would follow.
      for (const p of list) change(p, undefined);
      expect([...loc.dests()]).toHaveLength(2048);
      groups.flushNow();
      expect(member.updates().flatMap((u) => u.withdrawn)).toHaveLength(8192);
      expect(holdings(member).size).toBe(0);
    });

    it('counts them once when a session goes down too (every path of a source at once)', () => {
      const { groups, group, c1, c2, table, change, loc } = setup();
      const member = new FakeMember('c1', c1);
      group.join(member);
      const attrs = table.intern({ origin: 'igp', nextHops: ['10.0.0.12'] });
      const list = prefixes(8192);
      for (const p of list) change(p, Path.create(p, 0, attrs, c2));
      groups.flushNow();
      expect(loc.removeAll(c2, () => true, () => undefined)).toBe(8192);
      expect([...loc.dests()]).toHaveLength(2048);
      groups.flushNow();
      expect(holdings(member).size).toBe(0);
    });
  });
});
