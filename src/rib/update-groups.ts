/**
 * Update groups (FRR's update-groups, BIRD's per-channel buckets): sessions that would be sent
 * exactly the same UPDATEs — same export policy, same target kind (client / non-client / eBGP,
 * RFC 4456 §6), same next-hop and attribute rewriting, same negotiated send context (4-octet AS,
 * ADD-PATH, extended messages, families) — share one group. The group decides export once per
 * prefix, packs and encodes once, and writes the same bytes to every member.
 *
 * - Pending changes: Loc-RIB changes are queued per prefix with their latest best path, so a
 *   prefix that changes several times while queued (or while a member is slow) goes out once, in
 *   its latest state.
 * - Packing: prefixes sharing an exported attribute set travel together in as few UPDATEs as fit
 *   (`packUpdates`); withdrawals in their own messages (RFC 7606 §5.1).
 * - Backpressure: a member whose `send` returns false blocks the group until it drains (XOFF/XON);
 *   pending changes keep coalescing meanwhile, so memory stays bounded by the table size.
 * - Split horizon: a path is never sent back to the session it came from (RFC 4456 §8, BIRD
 *   `bgp_preexport`). Such prefixes are packed apart and skip that one member; if that member
 *   held the prefix from another source before, it gets a withdrawal instead.
 * - A member joining an existing group is sent the group's Adj-RIB-Out, then End-of-RIB per
 *   family (RFC 4724 §2) once the group has nothing pending; ROUTE-REFRESH resends the same
 *   table, framed by BoRR/EoRR with enhanced route refresh (RFC 7313 §4).
 */
import { Afi, HEADER_LENGTH, MARKER_LENGTH, MsgType, Safi } from '../bgp/constants.js';
import { resolveContext, type ResolvedContext } from '../bgp/context.js';
import { endOfRib } from '../bgp/end-of-rib.js';
import { encodeMessage } from '../bgp/index.js';
import type { AfiSafiName, CodecContext, Nlri, PathAttribute } from '../bgp/types.js';
import { packUpdates } from '../bgp/update.js';
import { REFLECTION_TARGETS, sourceKindOf, type RouteTargetKind } from '../reflector/targets.js';
import { AdjRibOut } from './adj-rib-out.js';
import { toPathAttributes, type AttrSet } from './attr-set.js';
import { exportAttrs, type ExportTarget } from './export-attrs.js';
import type { ExportPolicy } from './export-policy.js';
import type { Path, PeerInfo } from './path.js';

/** One session as a group sees it. */
export interface GroupMember {
  readonly name: string;
  /** The session's peer; split horizon compares its address with a path's source. */
  readonly peer: PeerInfo;
  /** Whole messages; false: stop until `UpdateGroup.drained(member)` (XOFF). */
  send(messages: readonly Uint8Array[]): boolean;
}

export interface UpdateGroupSettings {
  readonly key: string;
  /** Export rewriting for the group; its `peer` is the first member's, only its kind matters. */
  readonly target: ExportTarget;
  /** BIRD's `internal_peer` for Calico's export filter. */
  readonly toInternalPeer: boolean;
  readonly targetKind: RouteTargetKind;
  /** Unicast families the members negotiated. */
  readonly families: readonly AfiSafiName[];
  readonly sendContext: CodecContext;
}

/** Prefixes examined per flush slice before yielding to the event loop. */
const SLICE_PREFIXES = 16_384;
const IPV4_UNICAST = { afi: Afi.IPV4, safi: Safi.UNICAST } as const;
const IPV6_UNICAST = { afi: Afi.IPV6, safi: Safi.UNICAST } as const;

function familyOf(prefix: string): 4 | 6 {
  return prefix.includes(':') ? 6 : 4;
}

/** An UPDATE body (as `packUpdates` returns it) with its 19-octet header. */
export function frameUpdate(body: Uint8Array): Buffer {
  const length = HEADER_LENGTH + body.length;
  const out = Buffer.allocUnsafe(length);
  out.fill(0xff, 0, MARKER_LENGTH);
  out.writeUInt16BE(length, MARKER_LENGTH);
  out[MARKER_LENGTH + 2] = MsgType.UPDATE;
  out.set(body, HEADER_LENGTH);
  return out;
}

/** Prefixes to announce with one attribute set, minus (maybe) one member. */
class Bucket {
  readonly nlri: Nlri[] = [];
  constructor(
    readonly attrs: AttrSet,
    readonly except: MemberState | undefined,
  ) {}
}

class MemberState {
  blocked = false;
  /** End-of-RIB still owed (initial table not complete). */
  needsEor = true;
  constructor(readonly member: GroupMember) {}
}

/** Wire attributes for a set: IPv4 with NEXT_HOP, IPv6 with an MP_REACH_NLRI template. */
function wireAttributes(attrs: AttrSet, family: 4 | 6): PathAttribute[] {
  if (family === 4) return toPathAttributes(attrs, { nextHop: 'attribute' });
  const list = toPathAttributes(attrs, { nextHop: 'none' });
  list.push({ type: 'mp-reach', afi: Afi.IPV6, safi: Safi.UNICAST, nextHops: attrs.nextHops, nlri: [] });
  return list;
}

export class UpdateGroup {
  readonly key: string;
  readonly adjRibOut = new AdjRibOut();
  readonly #settings: UpdateGroupSettings;
  readonly #ctx: ResolvedContext;
  readonly #sendsV4: boolean;
  readonly #sendsV6: boolean;
  readonly #members = new Map<GroupMember, MemberState>();
  /** Members by session address, for split horizon. */
  readonly #byAddress = new Map<string, MemberState>();
  /** Latest best path per changed prefix; null: no route (withdraw). */
  #pending = new Map<string, Path | null>();
  #blocked = 0;
  #policy: ExportPolicy;
  /** Called once nothing is pending (re-homed members' leftover withdrawals). */
  #settled: (() => void)[] = [];
  readonly #requestFlush: () => void;

  constructor(settings: UpdateGroupSettings, policy: ExportPolicy, requestFlush: () => void) {
    this.key = settings.key;
    this.#settings = settings;
    this.#ctx = resolveContext(settings.sendContext);
    this.#sendsV4 = settings.families.includes('ipv4-unicast');
    this.#sendsV6 = settings.families.includes('ipv6-unicast');
    this.#policy = policy;
    this.#requestFlush = requestFlush;
  }

  get memberCount(): number {
    return this.#members.size;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** True while some member is above its write high-water mark. */
  get blocked(): boolean {
    return this.#blocked > 0;
  }

  members(): IterableIterator<GroupMember> {
    return this.#members.keys();
  }

  /** What `member` was advertised (the group's table minus its own routes). */
  advertisedTo(member: GroupMember): number {
    return this.adjRibOut.size - this.adjRibOut.countFromAddress(member.peer.address);
  }

  /** Queues a Loc-RIB outcome for `prefix`; the latest one wins. */
  enqueue(prefix: string, best: Path | null): void {
    this.#pending.set(prefix, best);
  }

  /** A new export policy (reload): every prefix is re-examined by the caller's enqueues. */
  setPolicy(policy: ExportPolicy): void {
    this.#policy = policy;
  }

  /** Queues a re-examination of everything this group advertised (policy change). */
  enqueueAdvertised(lookup: (prefix: string) => Path | undefined): void {
    for (const [prefix] of this.adjRibOut.entries()) if (!this.#pending.has(prefix)) this.#pending.set(prefix, lookup(prefix) ?? null);
  }

  /**
   * Adds a member. A new group's first member gets the table through the pending queue; later
   * members get the group's Adj-RIB-Out at once. End-of-RIB follows when nothing is pending.
   */
  join(member: GroupMember, options: { readonly initial: boolean } = { initial: true }): void {
    const state = new MemberState(member);
    state.needsEor = options.initial;
    const existing = this.#members.size > 0;
    this.#members.set(member, state);
    this.#byAddress.set(member.peer.address, state);
    if (existing) this.#sendTable(state, false);
    this.#requestFlush();
  }

  leave(member: GroupMember): void {
    const state = this.#members.get(member);
    if (!state) return;
    this.#members.delete(member);
    if (this.#byAddress.get(member.peer.address) === state) this.#byAddress.delete(member.peer.address);
    if (state.blocked) this.#unblock(state);
  }

  /** The member's write queue drained (XON). */
  drained(member: GroupMember): void {
    const state = this.#members.get(member);
    if (state?.blocked) this.#unblock(state);
  }

  /** RFC 2918 / RFC 7313: resend the whole table to one member. */
  refresh(member: GroupMember, family: AfiSafiName, enhanced: boolean): void {
    const state = this.#members.get(member);
    if (!state || !this.#settings.families.includes(family)) return;
    this.#sendTable(state, enhanced, family);
  }

  /** Runs `fn` once the group has sent everything pending. */
  onSettled(fn: () => void): void {
    this.#settled.push(fn);
    this.#requestFlush();
  }

  /** Whether `member` holds `prefix` from this group (advertised, not held back by split horizon). */
  advertises(member: GroupMember, prefix: string): boolean {
    const route = this.adjRibOut.get(prefix);
    return route !== undefined && (route.source.kind === 'local' || route.source.address !== member.peer.address);
  }

  /** Withdrawals for one member only (prefixes it holds that its new group does not advertise). */
  withdrawFrom(member: GroupMember, prefixes: readonly string[]): void {
    const state = this.#members.get(member);
    if (!state || prefixes.length === 0) return;
    const v4: Nlri[] = [];
    const v6: Nlri[] = [];
    for (const prefix of prefixes) (familyOf(prefix) === 4 ? v4 : v6).push({ prefix });
    const ctx = this.#ctx;
    this.#send(state, [...packUpdates([], [], v4, ctx, IPV4_UNICAST), ...packUpdates([], [], v6, ctx, IPV6_UNICAST)].map(frameUpdate));
  }

  /** Releases the group's Adj-RIB-Out (no members left). */
  dispose(): void {
    this.adjRibOut.clear();
    this.#pending.clear();
  }

  /**
   * Sends up to one slice of pending changes. Returns true when more remain and the group is
   * not blocked (the caller schedules another slice).
   */
  flushSlice(): boolean {
    if (this.#blocked > 0 || this.#members.size === 0) return false;
    if (this.#pending.size === 0) {
      this.#settle();
      return false;
    }
    const out = this.adjRibOut;
    const policy = this.#policy;
    const target = this.#settings.target;
    const toInternal = this.#settings.toInternalPeer;
    const mayReceive = this.#settings.targetKind;
    const buckets: [Bucket[], Bucket[]] = [[], []];
    const withdrawn: [Nlri[], Nlri[]] = [[], []];
    let memberWithdrawn: Map<MemberState, Nlri[]> | undefined;
    let last: Bucket | undefined;
    let n = 0;
    for (const [prefix, best] of this.#pending) {
      if (n++ === SLICE_PREFIXES) break;
      this.#pending.delete(prefix);
      const family = familyOf(prefix);
      if (family === 4 ? !this.#sendsV4 : !this.#sendsV6) continue;
      let attrs: AttrSet | undefined;
      if (best !== null && REFLECTION_TARGETS[sourceKindOf(best.source)][mayReceive]) {
        const decision = policy.decide(prefix, best.source, toInternal);
        if (decision.accept) attrs = exportAttrs(best, target, decision);
      }
      const current = out.get(prefix);
      const fi = family === 4 ? 0 : 1;
      if (attrs === undefined || best === null) {
        if (current !== undefined) {
          withdrawn[fi].push({ prefix });
          out.delete(prefix);
        }
        continue;
      }
      const source = best.source;
      if (current !== undefined && current.attrs === attrs && current.source === source) continue;
      const except = source.kind === 'local' ? undefined : this.#byAddress.get(source.address);
      // The source's own session held this prefix from another source: take it back.
      if (except !== undefined && current !== undefined && current.source.address !== source.address) {
        memberWithdrawn ??= new Map();
        let list = memberWithdrawn.get(except);
        if (!list) memberWithdrawn.set(except, (list = []));
        list.push({ prefix });
      }
      let bucket = last;
      if (bucket === undefined || bucket.attrs !== attrs || bucket.except !== except) {
        bucket = buckets[fi].find((b) => b.attrs === attrs && b.except === except);
        if (bucket === undefined) buckets[fi].push((bucket = new Bucket(attrs, except)));
        last = bucket;
      }
      bucket.nlri.push({ prefix });
      out.set(prefix, attrs, source);
    }
    this.#transmit(buckets, withdrawn, memberWithdrawn);
    if (this.#pending.size === 0) this.#settle();
    return this.#pending.size > 0 && this.#blocked === 0;
  }

  #transmit(buckets: [Bucket[], Bucket[]], withdrawn: [Nlri[], Nlri[]], memberWithdrawn: Map<MemberState, Nlri[]> | undefined): void {
    const ctx = this.#ctx;
    const everyone: Uint8Array[] = [];
    /** Messages for every member but one (split horizon). */
    const partial: [MemberState, Uint8Array[]][] = [];
    /** Messages for one member only. */
    const single: [MemberState, Uint8Array[]][] = [];
    for (const fi of [0, 1] as const) {
      const fam = fi === 0 ? IPV4_UNICAST : IPV6_UNICAST;
      if (withdrawn[fi].length > 0) for (const body of packUpdates([], [], withdrawn[fi], ctx, fam)) everyone.push(frameUpdate(body));
      for (const bucket of buckets[fi]) {
        const messages = packUpdates(wireAttributes(bucket.attrs, fi === 0 ? 4 : 6), bucket.nlri, [], ctx, fam).map(frameUpdate);
        if (bucket.except === undefined) everyone.push(...messages);
        else partial.push([bucket.except, messages]);
      }
    }
    if (memberWithdrawn) {
      for (const [state, list] of memberWithdrawn) {
        const v4 = list.filter((n) => familyOf(n.prefix) === 4);
        const v6 = list.filter((n) => familyOf(n.prefix) === 6);
        const messages = [...packUpdates([], [], v4, ctx, IPV4_UNICAST), ...packUpdates([], [], v6, ctx, IPV6_UNICAST)].map(frameUpdate);
        single.push([state, messages]);
      }
    }
    for (const [state, messages] of single) this.#send(state, messages);
    if (everyone.length > 0) for (const state of this.#members.values()) this.#send(state, everyone);
    for (const [state, messages] of partial) {
      for (const other of this.#members.values()) if (other !== state) this.#send(other, messages);
    }
  }

  /** The group's table (one family, or all) to one member, optionally framed by BoRR/EoRR. */
  #sendTable(state: MemberState, enhanced: boolean, only?: AfiSafiName): void {
    const ctx = this.#ctx;
    const address = state.member.peer.address;
    const byAttrs: [Map<AttrSet, Nlri[]>, Map<AttrSet, Nlri[]>] = [new Map<AttrSet, Nlri[]>(), new Map<AttrSet, Nlri[]>()];
    for (const [prefix, route] of this.adjRibOut.entries()) {
      if (route.source.kind !== 'local' && route.source.address === address) continue;
      const fi = familyOf(prefix) === 4 ? 0 : 1;
      const map = byAttrs[fi];
      let list = map.get(route.attrs);
      if (!list) map.set(route.attrs, (list = []));
      list.push({ prefix });
    }
    const messages: Uint8Array[] = [];
    for (const fi of [0, 1] as const) {
      const name: AfiSafiName = fi === 0 ? 'ipv4-unicast' : 'ipv6-unicast';
      if (only !== undefined && only !== name) continue;
      if (!this.#settings.families.includes(name)) continue;
      const fam = fi === 0 ? IPV4_UNICAST : IPV6_UNICAST;
      if (enhanced) messages.push(encodeMessage({ type: 'route-refresh', afi: fam.afi, safi: fam.safi, subtype: 'borr' }, this.#settings.sendContext));
      for (const [attrs, nlri] of byAttrs[fi]) {
        for (const body of packUpdates(wireAttributes(attrs, fi === 0 ? 4 : 6), nlri, [], ctx, fam)) messages.push(frameUpdate(body));
      }
      if (enhanced) messages.push(encodeMessage({ type: 'route-refresh', afi: fam.afi, safi: fam.safi, subtype: 'eorr' }, this.#settings.sendContext));
    }
    if (messages.length > 0) this.#send(state, messages);
  }

  #settle(): void {
    this.#sendOwedEndOfRib();
    if (this.#settled.length === 0) return;
    const callbacks = this.#settled;
    this.#settled = [];
    for (const fn of callbacks) fn();
  }

  #sendOwedEndOfRib(): void {
    for (const state of this.#members.values()) {
      if (!state.needsEor) continue;
      state.needsEor = false;
      const messages: Uint8Array[] = [];
      if (this.#sendsV4) messages.push(encodeMessage(endOfRib(Afi.IPV4, Safi.UNICAST), this.#settings.sendContext));
      if (this.#sendsV6) messages.push(encodeMessage(endOfRib(Afi.IPV6, Safi.UNICAST), this.#settings.sendContext));
      this.#send(state, messages);
    }
  }

  #send(state: MemberState, messages: readonly Uint8Array[]): void {
    if (messages.length === 0) return;
    if (!state.member.send(messages) && !state.blocked) {
      state.blocked = true;
      this.#blocked++;
    }
  }

  #unblock(state: MemberState): void {
    state.blocked = false;
    this.#blocked--;
    if (this.#blocked === 0) this.#requestFlush();
  }
}

/** Every group of a speaker, by key, with one flush scheduler (setImmediate, never per prefix). */
export class UpdateGroups {
  readonly #groups = new Map<string, UpdateGroup>();
  #scheduled = false;
  #policy: ExportPolicy;
  readonly #schedule: (fn: () => void) => void;

  constructor(policy: ExportPolicy, schedule: (fn: () => void) => void = setImmediate) {
    this.#policy = policy;
    this.#schedule = schedule;
  }

  get size(): number {
    return this.#groups.size;
  }

  groups(): IterableIterator<UpdateGroup> {
    return this.#groups.values();
  }

  get(key: string): UpdateGroup | undefined {
    return this.#groups.get(key);
  }

  /**
   * The group for `settings.key`, created when missing. `seed` fills a new group's queue with
   * the current table (every Loc-RIB best path).
   */
  obtain(settings: UpdateGroupSettings, seed: (group: UpdateGroup) => void): UpdateGroup {
    let group = this.#groups.get(settings.key);
    if (!group) {
      group = new UpdateGroup(settings, this.#policy, () => this.requestFlush());
      this.#groups.set(settings.key, group);
      seed(group);
    }
    return group;
  }

  /** Removes a member; an empty group is dropped with its Adj-RIB-Out. */
  leave(group: UpdateGroup, member: GroupMember): void {
    group.leave(member);
    if (group.memberCount === 0 && this.#groups.get(group.key) === group) {
      this.#groups.delete(group.key);
      group.dispose();
    }
  }

  /** A Loc-RIB change: queued in every group. */
  enqueue(prefix: string, best: Path | null): void {
    for (const group of this.#groups.values()) group.enqueue(prefix, best);
  }

  setPolicy(policy: ExportPolicy): void {
    this.#policy = policy;
    for (const group of this.#groups.values()) group.setPolicy(policy);
  }

  /** Flush on the next turn of the event loop, once however many changes arrive meanwhile. */
  requestFlush(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#schedule(() => this.#flush());
  }

  /** Sends everything that can be sent now (tests, shutdown). */
  flushNow(): void {
    let more = true;
    while (more) {
      more = false;
      for (const group of this.#groups.values()) if (group.flushSlice()) more = true;
    }
  }

  #flush(): void {
    this.#scheduled = false;
    let more = false;
    for (const group of this.#groups.values()) if (group.flushSlice()) more = true;
    if (more) this.requestFlush();
  }
}
