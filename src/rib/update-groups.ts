/**
 * Update groups (FRR's update-groups, BIRD's per-channel buckets): sessions that would be sent
 * exactly the same UPDATEs — same export policy, same target kind (client / non-client / eBGP,
 * RFC 4456 §6), same next-hop and attribute rewriting, same negotiated send context (4-octet AS,
 * ADD-PATH, extended messages, families) — share one group. The group decides export once per
 * prefix, packs and encodes once, and writes the same bytes to every member.
 *
 * - Pending changes: Loc-RIB changes go into one journal of changed prefixes (their route-table
 *   entries, dest.ts) shared by every group (BIRD's export journal); each group keeps a cursor
 *   into it and, at flush time, reads the entry's current best path and its own slot of what it
 *   advertised — no table lookup at all. A prefix that changed several times while queued (or
 *   while a member was slow) therefore goes out once, in its latest state, and queuing a change
 *   costs one array push whatever the number of groups.
 * - Packing: prefixes sharing an exported attribute set travel together in as few UPDATEs as fit
 *   (`packUpdates`); withdrawals in their own messages (RFC 7606 §5.1).
 * - Backpressure: a member whose `send` returns false blocks the group until it drains (XOFF/XON).
 *   A blocked group that falls far behind folds its part of the journal into a set of prefixes,
 *   so memory stays bounded by the table size however long the member stalls. A member blocked
 *   for `slowAfterMs` while others of its group could take more is reported (`onSlowMember`),
 *   once, so the speaker can move it to a group of its own and the rest go on (FRR's
 *   update-group split).
 * - Split horizon: a path is never sent back to the session it came from (RFC 4456 §8, BIRD
 *   `bgp_preexport`). Such prefixes are packed apart and skip that one member; if that member
 *   held the prefix from another source before, it gets a withdrawal instead.
 * - A member joining an existing group is sent the group's Adj-RIB-Out, then End-of-RIB per
 *   family (RFC 4724 §2) once the group has caught up; ROUTE-REFRESH resends the same table,
 *   framed by BoRR/EoRR with enhanced route refresh (RFC 7313 §4).
 */
import { Afi, HEADER_LENGTH, MARKER_LENGTH, MsgType, Safi } from '../bgp/constants.js';
import { resolveContext, type ResolvedContext } from '../bgp/context.js';
import { endOfRib } from '../bgp/end-of-rib.js';
import { encodeMessage } from '../bgp/index.js';
import { ipv4KeyOf } from '../bgp/nlri.js';
import type { AfiSafiName, CodecContext, Nlri, PathAttribute } from '../bgp/types.js';
import { UpdatePacker } from '../bgp/update-packer.js';
import { REFLECTION_TARGETS, sourceKindOf, type RouteTargetKind } from '../reflector/targets.js';
import { AdjRibOut } from './adj-rib-out.js';
import { SEGMENT, Segments } from './segments.js';
import { toPathAttributes, type AttrSet } from './attr-set.js';
import { AdvertisedPaths, DestNlri, isPathSet, NO_PATHS, type Advertised, type Dest } from './dest.js';
import { exportAttrs, type ExportTarget } from './export-attrs.js';
import type { BgpFilter } from './bgp-filter.js';
import type { ExportPolicy } from './export-policy.js';
import type { LocRib } from './loc-rib.js';
import type { Path, PeerInfo } from './path.js';

/** One session as a group sees it. */
export interface GroupMember {
  readonly name: string;
  /** The session's peer; split horizon compares its address with a path's source. */
  readonly peer: { readonly address: string };
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
  /** The members' BGPFilter export rules, run before the speaker's export policy (CALICO.md §1.7). */
  readonly exportFilter?: BgpFilter;
}

/** What to do about a member that holds its whole group back. */
export interface SlowMemberOptions {
  /** Blocked this long while others of its group are not: slow. */
  readonly afterMs: number;
  readonly onSlowMember: (group: UpdateGroup, member: GroupMember) => void;
  /** Milliseconds; default Date.now. */
  readonly now?: () => number;
}

/** Prefixes examined per flush slice before yielding to the event loop. */
const SLICE_PREFIXES = 16_384;
/** A blocked group this far behind the journal folds its backlog into a set. */
const FOLD_LAG = 1 << 18;
const IPV4_UNICAST = { afi: Afi.IPV4, safi: Safi.UNICAST } as const;
const IPV6_UNICAST = { afi: Afi.IPV6, safi: Safi.UNICAST } as const;

/** 0 for IPv4, 1 for IPv6: the index of per-family state. */
function familyIndex(nlri: Nlri): 0 | 1 {
  return ipv4KeyOf(nlri) !== undefined ? 0 : nlri.prefix.includes(':') ? 1 : 0;
}

/** A prefix's eligible candidates, the best first (ADD-PATH sends them in that order). */
function candidatesBestFirst(dest: Dest): readonly Path[] {
  const paths = dest.paths;
  if (paths === undefined) return NO_PATHS;
  if (!Array.isArray(paths)) return paths.eligible ? [paths] : NO_PATHS;
  const best = dest.best;
  const all = paths.filter((p) => p.eligible);
  if (best === undefined) return all;
  return [best, ...all.filter((p) => p !== best)];
}

/**
 * An ADD-PATH group's record for a prefix as paths and identifiers. The common case, one path
 * under identifier 1, is stored as the bare path (no per-prefix record: a full table to ADD-PATH
 * clients costs what it costs without ADD-PATH).
 */
function addPathView(advertised: Advertised): AdvertisedPaths {
  return isPathSet(advertised) ? advertised : new AdvertisedPaths([advertised], SINGLE_ID);
}

const SINGLE_ID: readonly number[] = Object.freeze([1]);
const NO_IDS: readonly number[] = Object.freeze([]);

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

/** Wire attributes for a set: IPv4 with NEXT_HOP, IPv6 with an MP_REACH_NLRI template. */
function wireAttributes(attrs: AttrSet, v6: boolean): PathAttribute[] {
  if (!v6) return toPathAttributes(attrs, { nextHop: 'attribute' });
  const list = toPathAttributes(attrs, { nextHop: 'none' });
  list.push({ type: 'mp-reach', afi: Afi.IPV6, safi: Safi.UNICAST, nextHops: attrs.nextHops, nlri: [] });
  return list;
}

class MemberState {
  blocked = false;
  /** When `blocked` last became true (`UpdateGroups` clock). */
  blockedAt = 0;
  /** Reported as slow already (once per membership). */
  reportedSlow = false;
  /** End-of-RIB still owed (initial table not complete). */
  needsEor = true;
  constructor(readonly member: GroupMember) {}
}

/** Announcements packer for one attribute set in one family. */
function announcementsOf(attrs: AttrSet, fi: 0 | 1, ctx: ResolvedContext): UpdatePacker {
  return UpdatePacker.announcements(wireAttributes(attrs, fi === 1), ctx, fi === 0 ? IPV4_UNICAST : IPV6_UNICAST);
}

/** Withdrawal packers for IPv4 and IPv6 unicast, by family index. */
function withdrawalsOf(ctx: ResolvedContext): [UpdatePacker, UpdatePacker] {
  return [UpdatePacker.withdrawals(ctx, IPV4_UNICAST), UpdatePacker.withdrawals(ctx, IPV6_UNICAST)];
}

/** Prefixes to announce with one attribute set, minus (maybe) one member, encoded as they come. */
class Bucket {
  readonly nlri: UpdatePacker;
  constructor(
    readonly attrs: AttrSet,
    readonly except: MemberState | undefined,
    fi: 0 | 1,
    ctx: ResolvedContext,
  ) {
    this.nlri = announcementsOf(attrs, fi, ctx);
  }
}

/**
 * What one flush slice collects: each prefix is encoded into its UPDATE as it is examined (no
 * list of prefixes to walk again at packing time).
 */
class Slice {
  readonly buckets: [Bucket[], Bucket[]] = [[], []];
  readonly withdrawn: [UpdatePacker, UpdatePacker];
  memberWithdrawn: Map<MemberState, Nlri[]> | undefined;
  /** The bucket used last, per family: consecutive prefixes mostly share it. */
  readonly last: [Bucket | undefined, Bucket | undefined] = [undefined, undefined];

  constructor(readonly ctx: ResolvedContext) {
    this.withdrawn = withdrawalsOf(ctx);
  }

  bucket(fi: 0 | 1, attrs: AttrSet, except: MemberState | undefined): Bucket {
    const last = this.last[fi];
    if (last !== undefined && last.attrs === attrs && last.except === except) return last;
    // A loop, not `find`: a closure over the arguments would cost a context on every call (per prefix).
    const buckets = this.buckets[fi];
    let b: Bucket | undefined;
    for (let i = 0; i < buckets.length && b === undefined; i++) if (buckets[i]!.attrs === attrs && buckets[i]!.except === except) b = buckets[i];
    if (b === undefined) buckets.push((b = new Bucket(attrs, except, fi, this.ctx)));
    this.last[fi] = b;
    return b;
  }

  withdrawFrom(state: MemberState, nlri: Nlri): void {
    this.memberWithdrawn ??= new Map();
    let list = this.memberWithdrawn.get(state);
    if (!list) this.memberWithdrawn.set(state, (list = []));
    list.push(nlri);
  }
}

export class UpdateGroup {
  readonly key: string;
  readonly adjRibOut: AdjRibOut;
  readonly #settings: UpdateGroupSettings;
  readonly #ctx: ResolvedContext;
  readonly #sends: readonly [boolean, boolean];
  /** RFC 7911: path identifiers on the wire; every exportable path is sent, each under its own ID. */
  readonly #addPath: readonly [boolean, boolean];
  readonly #members = new Map<GroupMember, MemberState>();
  /** Members by session address, for split horizon. */
  readonly #byAddress = new Map<string, MemberState>();
  /**
   * The last source `#memberFrom` looked up and its answer: consecutive prefixes mostly come from
   * one session, so split horizon costs an identity compare per prefix, not a Map lookup.
   * Cleared whenever membership changes.
   */
  #lastSource: PeerInfo | undefined = undefined;
  #lastMember: MemberState | undefined = undefined;
  readonly #journal: UpdateGroups;
  /** Absolute journal position of the next change to read. */
  cursor: number;
  /** Prefixes to examine before the journal (a new group's table, a policy change, a fold). */
  #backlog = new Set<Dest>();
  /** Backlog entries are resent even when the path is unchanged (export policy changed). */
  #force = false;
  #blocked = 0;
  #policy: ExportPolicy;
  /** Called once nothing is pending (re-homed members' leftover withdrawals). */
  #settled: (() => void)[] = [];
  /**
   * Withdrawals packed at once (`withdrawNow`), removed from the Adj-RIB-Out already, sent to
   * every member ahead of anything else (`#sendWithdrawnNow`). Created on first use.
   */
  #withdrawnNow: [UpdatePacker, UpdatePacker] | undefined = undefined;
  /** Prefixes in `#withdrawnNow`. */
  #withdrawnNowCount = 0;

  constructor(settings: UpdateGroupSettings, policy: ExportPolicy, journal: UpdateGroups, slot: number) {
    this.key = settings.key;
    this.adjRibOut = new AdjRibOut(journal.table, slot);
    this.#settings = settings;
    this.#ctx = resolveContext(settings.sendContext);
    this.#sends = [settings.families.includes('ipv4-unicast'), settings.families.includes('ipv6-unicast')];
    this.#addPath = [this.#ctx.addPath.has('ipv4-unicast'), this.#ctx.addPath.has('ipv6-unicast')];
    this.#policy = policy.withFilter(settings.exportFilter);
    this.#journal = journal;
    this.cursor = journal.end;
  }

  /** ADD-PATH send for some family: every candidate change matters, not just the best. */
  get sendsAddPath(): boolean {
    return this.#addPath[0] || this.#addPath[1];
  }

  get memberCount(): number {
    return this.#members.size;
  }

  /** Changes not yet sent: unexamined (journal entries may repeat a prefix), or withdrawn at once and not sent yet. */
  get pendingCount(): number {
    return this.#backlog.size + (this.#journal.end - this.cursor) + this.#withdrawnNowCount;
  }

  /** True while some member is above its write high-water mark. */
  get blocked(): boolean {
    return this.#blocked > 0;
  }

  members(): IterableIterator<GroupMember> {
    return this.#members.keys();
  }

  /** How many prefixes `member` holds from this group (split horizon held back its own). */
  advertisedTo(member: GroupMember): number {
    return this.adjRibOut.size - this.adjRibOut.countFromAddress(member.peer.address);
  }

  /** Per session address, how many prefixes split horizon held back (one pass for every member). */
  heldBackByAddress(): Map<string, number> {
    return this.adjRibOut.heldBackByAddress();
  }

  /** Whether `member` holds `prefix` from this group. */
  advertises(member: GroupMember, prefix: string): boolean {
    return AdjRibOut.reaches(this.adjRibOut.get(prefix), member.peer.address);
  }

  /** Queues a prefix for examination ahead of the journal (table seeding). */
  addBacklog(dest: Dest): void {
    this.#backlog.add(dest);
  }

  /** A new export policy: every prefix with a best path and everything advertised is re-examined and resent. */
  revalidate(policy: ExportPolicy): void {
    this.#policy = policy.withFilter(this.#settings.exportFilter);
    const slot = this.adjRibOut.slot;
    for (const dest of this.#journal.table.dests()) if (dest.best !== undefined || dest.outAt(slot) !== undefined) this.#backlog.add(dest);
    this.#force = true;
  }

  /**
   * Adds a member. A new group's first member gets the table through the backlog; later members
   * get the group's Adj-RIB-Out at once. End-of-RIB follows once the group has caught up.
   */
  join(member: GroupMember, options: { readonly initial: boolean } = { initial: true }): void {
    const state = new MemberState(member);
    state.needsEor = options.initial;
    const existing = this.#members.size > 0;
    // Withdrawals already out of the Adj-RIB-Out go to those who held the prefixes, not the newcomer.
    this.#sendWithdrawnNow();
    this.#members.set(member, state);
    this.#byAddress.set(member.peer.address, state);
    this.#lastSource = undefined;
    if (existing) this.#sendTable(state, false);
    this.#journal.requestFlush();
  }

  leave(member: GroupMember): void {
    const state = this.#members.get(member);
    if (!state) return;
    // What it holds from this group (`heldBy`, for a move to another group) must not include
    // prefixes withdrawn at once but not sent yet.
    this.#sendWithdrawnNow();
    this.#members.delete(member);
    if (this.#byAddress.get(member.peer.address) === state) this.#byAddress.delete(member.peer.address);
    this.#lastSource = undefined;
    if (state.blocked) this.#unblock(state);
  }

  /** The member's write queue drained (XON). */
  drained(member: GroupMember): void {
    const state = this.#members.get(member);
    if (state?.blocked) this.#unblock(state);
  }

  /** RFC 2918 / RFC 7313: resend the whole table of one family to one member. */
  refresh(member: GroupMember, family: AfiSafiName, enhanced: boolean): void {
    const state = this.#members.get(member);
    if (!state || !this.#settings.families.includes(family)) return;
    this.#sendWithdrawnNow();
    this.#sendTable(state, enhanced, family);
  }

  /**
   * `dest` has no best path left. Where this group can, it packs the withdrawal now (RFC 4271
   * §9.1.3: the prefix is no longer advertised), sparing the journal entry and a second look at
   * the entry at flush time — a table being withdrawn costs one pass, not two. Returns false
   * where the journal must carry the change instead: the group is blocked (its backlog folds),
   * sends ADD-PATH in the family, or holds a record of several paths.
   *
   * Safe to do ahead of the journal: examining an entry only compares its best path with the
   * Adj-RIB-Out, so an older journal entry for the prefix then finds nothing to say, and a newer
   * announcement goes out after these withdrawals, which are sent first.
   */
  withdrawNow(dest: Dest): boolean {
    if (this.#blocked > 0) return false;
    const fi = dest.family === 6 ? 1 : 0;
    if (this.#addPath[fi]) return false;
    // As `#examine`: a family this group does not send has nothing advertised.
    if (!this.#sends[fi]) return true;
    const out = this.adjRibOut;
    const current = out.at(dest);
    if (current === undefined) return true;
    if (isPathSet(current)) return false;
    (this.#withdrawnNow ??= withdrawalsOf(this.#ctx))[fi].add(current);
    this.#withdrawnNowCount++;
    out.remove(dest, current);
    return true;
  }

  /** Sends the withdrawals packed by `withdrawNow` to every member. */
  #sendWithdrawnNow(): void {
    const packers = this.#withdrawnNow;
    if (packers === undefined || this.#withdrawnNowCount === 0) return;
    this.#withdrawnNowCount = 0;
    const messages = [...packers[0].finish(), ...packers[1].finish()];
    for (const state of this.#members.values()) this.#send(state, messages);
  }

  /** Runs `fn` once the group has sent everything pending. */
  onSettled(fn: () => void): void {
    this.#settled.push(fn);
    this.#journal.requestFlush();
  }

  /** What `member` holds from this group: each prefix, with its path identifier under ADD-PATH. */
  heldBy(member: GroupMember): Nlri[] {
    const address = member.peer.address;
    const held: Nlri[] = [];
    for (const dest of this.adjRibOut.dests()) {
      const stored = this.adjRibOut.at(dest)!;
      const single = this.#withoutIds(stored, dest.family === 6 ? 1 : 0);
      if (single !== undefined) {
        if (AdjRibOut.reaches(single, address)) held.push(dest);
        continue;
      }
      const advertised = addPathView(stored);
      advertised.paths.forEach((p, i) => {
        if (p.source.kind === 'local' || p.source.address !== address) held.push(new DestNlri(dest, advertised.ids[i]!));
      });
    }
    return held;
  }

  /** Whether this group has `member` holding `nlri` (the prefix, under that path identifier with ADD-PATH). */
  #holds(member: GroupMember, nlri: Nlri): boolean {
    const stored = this.adjRibOut.get(nlri);
    if (stored === undefined) return false;
    const single = this.#withoutIds(stored, familyIndex(nlri));
    if (single !== undefined) return (nlri.pathId ?? 0) === 0 && AdjRibOut.reaches(single, member.peer.address);
    const advertised = addPathView(stored);
    const i = advertised.ids.indexOf(nlri.pathId ?? 0);
    const path = i < 0 ? undefined : advertised.paths[i];
    return path !== undefined && (path.source.kind === 'local' || path.source.address !== member.peer.address);
  }

  /**
   * Withdrawals for one member only: what it held from its previous group (`heldBy`) that this
   * group does not advertise to it under the same path identifier.
   */
  withdrawFrom(member: GroupMember, held: readonly Nlri[]): void {
    const state = this.#members.get(member);
    if (!state || held.length === 0) return;
    this.#send(state, this.#withdrawals(held.filter((nlri) => !this.#holds(member, nlri))));
  }

  /** Withdrawal messages for `list`, IPv4 first; identifiers go out where this group's session context carries them. */
  #withdrawals(list: readonly Nlri[]): Buffer[] {
    const out = withdrawalsOf(this.#ctx);
    for (const nlri of list) out[familyIndex(nlri)].add(nlri);
    return [...out[0].finish(), ...out[1].finish()];
  }

  /** Far behind and blocked: the unread journal becomes a set of prefixes (bounded by the table). */
  fold(): void {
    const j = this.#journal;
    for (let i = this.cursor; i < j.end; i++) this.#backlog.add(j.entries.at(i));
    this.cursor = j.end;
  }

  /**
   * Members blocked for at least `afterMs` at `now` while some other member is not blocked (the
   * group waits for them alone), not reported before; each is reported once.
   */
  takeSlowMembers(now: number, afterMs: number): GroupMember[] {
    if (this.#blocked === 0 || this.#blocked === this.#members.size) return [];
    const slow: GroupMember[] = [];
    for (const state of this.#members.values()) {
      if (!state.blocked || state.reportedSlow || now - state.blockedAt < afterMs) continue;
      state.reportedSlow = true;
      slow.push(state.member);
    }
    return slow;
  }

  /** Releases the group's Adj-RIB-Out (no members left). */
  dispose(): void {
    this.adjRibOut.clear();
    this.#backlog.clear();
    this.#withdrawnNow = undefined;
    this.#withdrawnNowCount = 0;
  }

  /**
   * Sends up to one slice of pending changes. Returns true when more remain and the group is
   * not blocked (the caller schedules another slice).
   */
  flushSlice(): boolean {
    if (this.#blocked > 0 || this.#members.size === 0) return false;
    // First: a prefix withdrawn at once may be announced again in this slice.
    this.#sendWithdrawnNow();
    const j = this.#journal;
    if (this.#backlog.size === 0 && this.cursor === j.end) {
      this.#settle();
      return false;
    }
    const slice = new Slice(this.#ctx);
    let n = 0;
    if (this.#backlog.size > 0) {
      const force = this.#force;
      for (const dest of this.#backlog) {
        if (n++ === SLICE_PREFIXES) break;
        this.#backlog.delete(dest);
        this.#examine(slice, dest, force);
      }
      if (this.#backlog.size === 0) this.#force = false;
    }
    const entries = j.entries;
    let i = this.cursor;
    const stop = Math.min(j.end, i + SLICE_PREFIXES - Math.min(n, SLICE_PREFIXES));
    // An entry queued several times is examined once per queuing; all but the first find nothing to say.
    while (i < stop) {
      const segment = entries.segmentOf(i);
      const offset = i % SEGMENT;
      const until = Math.min(stop, i - offset + SEGMENT);
      for (let k = offset; i < until; k++, i++) this.#examine(slice, segment[k]!, false);
    }
    this.cursor = i;
    this.#transmit(slice);
    const more = this.#backlog.size > 0 || this.cursor < j.end;
    if (!more) this.#settle();
    return more && this.#blocked === 0;
  }

  /** The path a group without ADD-PATH (in family `fi`) advertised, read from its stored record; undefined with ADD-PATH. */
  #withoutIds(stored: Advertised, fi: 0 | 1): Path | undefined {
    return this.#addPath[fi] || isPathSet(stored) ? undefined : stored;
  }

  /** RFC 4271 §9.1.3: what, if anything, this group must now say about `prefix`. */
  #examine(slice: Slice, dest: Dest, force: boolean): void {
    const out = this.adjRibOut;
    const current = out.at(dest);
    const best = dest.best;
    const fi = dest.family === 6 ? 1 : 0;
    if (this.#addPath[fi]) {
      // Every candidate counts, not just the best: a bare stored path may still lack company.
      if (this.#sends[fi]) this.#examineAddPath(slice, dest, fi, current, force);
      return;
    }
    // Paths are immutable: the same path exported under the same policy is the same UPDATE.
    if (best === current && !force) return;
    if (!this.#sends[fi]) return;
    const previous = current !== undefined && isPathSet(current) ? undefined : current;
    const attrs = best === undefined ? undefined : this.#exported(best);
    if (attrs === undefined || best === undefined) {
      if (previous !== undefined) {
        slice.withdrawn[fi].add(previous);
        out.remove(dest, previous);
      }
      return;
    }
    const source = best.source;
    const except = this.#memberFrom(source);
    // The source's own session held this prefix from another source: take it back.
    if (except !== undefined && previous !== undefined && previous.source.address !== source.address) slice.withdrawFrom(except, previous);
    slice.bucket(fi, attrs, except).nlri.add(best);
    out.replace(dest, best, previous);
  }

  /** The member whose session `source` is (split horizon), undefined for local routes and other sessions. */
  #memberFrom(source: PeerInfo): MemberState | undefined {
    if (source === this.#lastSource) return this.#lastMember;
    const member = source.kind === 'local' ? undefined : this.#byAddress.get(source.address);
    this.#lastSource = source;
    this.#lastMember = member;
    return member;
  }

  /** The attribute set `path` is exported with by this group, or undefined when it is not exported. */
  #exported(path: Path): AttrSet | undefined {
    if (!REFLECTION_TARGETS[sourceKindOf(path.source)][this.#settings.targetKind]) return undefined;
    const decision = this.#policy.decide(path.dest, path.source, this.#settings.toInternalPeer, path.attrs);
    return decision.accept ? exportAttrs(path, this.#settings.target, decision) : undefined;
  }

  /**
   * ADD-PATH send (RFC 7911): every eligible candidate the policy exports goes out, best first,
   * each under a path identifier this group keeps for it — a path replaced by its source (same
   * source, same received path ID) keeps the identifier, so the peer sees an implicit replace;
   * identifiers no longer used are withdrawn.
   */
  #examineAddPath(slice: Slice, dest: Dest, fi: 0 | 1, stored: Advertised | undefined, force: boolean): void {
    const current = stored === undefined ? undefined : addPathView(stored);
    const wanted: Path[] = [];
    const wantedAttrs: AttrSet[] = [];
    for (const path of candidatesBestFirst(dest)) {
      const attrs = this.#exported(path);
      if (attrs === undefined) continue;
      wanted.push(path);
      wantedAttrs.push(attrs);
    }
    const oldPaths = current?.paths ?? NO_PATHS;
    const oldIds = current?.ids ?? NO_IDS;
    const ids: number[] = new Array<number>(wanted.length).fill(0);
    // Identifiers kept (a handful at most: arrays, not a Set per prefix).
    const kept: number[] = [];
    // Same path, or its replacement from the same place: same identifier.
    for (let i = 0; i < wanted.length; i++) {
      const w = wanted[i]!;
      const j = oldPaths.findIndex((o, k) => !kept.includes(oldIds[k]!) && (o === w || (o.source === w.source && o.pathId === w.pathId)));
      if (j >= 0) {
        ids[i] = oldIds[j]!;
        kept.push(oldIds[j]!);
      }
    }
    for (let k = 0; k < oldPaths.length; k++) if (!kept.includes(oldIds[k]!)) slice.withdrawn[fi].add(new DestNlri(dest, oldIds[k]!));
    let next = 1;
    for (let i = 0; i < wanted.length; i++) {
      if (ids[i] === 0) {
        while (kept.includes(next)) next++;
        ids[i] = next;
        kept.push(next);
      }
      const path = wanted[i]!;
      const id = ids[i]!;
      const j = oldIds.indexOf(id);
      const before = j >= 0 ? oldPaths[j] : undefined;
      if (before === path && !force) continue;
      const source = path.source;
      const except = this.#memberFrom(source);
      const nlri = new DestNlri(dest, id);
      // The source's own session held this identifier from another source: take it back.
      if (except !== undefined && before !== undefined && before.source.address !== source.address) slice.withdrawFrom(except, nlri);
      slice.bucket(fi, wantedAttrs[i]!, except).nlri.add(nlri);
    }
    const out = this.adjRibOut;
    if (wanted.length === 0) {
      if (stored !== undefined) out.remove(dest, stored);
      return;
    }
    out.replace(dest, wanted.length === 1 && ids[0] === 1 ? wanted[0]! : new AdvertisedPaths(wanted, ids), stored);
  }

  #transmit(slice: Slice): void {
    const everyone: Uint8Array[] = [];
    /** Messages for every member but one (split horizon). */
    const allBut: [MemberState, Uint8Array[]][] = [];
    for (const fi of [0, 1] as const) {
      everyone.push(...slice.withdrawn[fi].finish());
      for (const bucket of slice.buckets[fi]) {
        const messages = bucket.nlri.finish();
        if (bucket.except === undefined) everyone.push(...messages);
        else allBut.push([bucket.except, messages]);
      }
    }
    if (slice.memberWithdrawn) {
      for (const [state, list] of slice.memberWithdrawn) this.#send(state, this.#withdrawals(list));
    }
    if (everyone.length > 0) for (const state of this.#members.values()) this.#send(state, everyone);
    for (const [except, messages] of allBut) {
      for (const state of this.#members.values()) if (state !== except) this.#send(state, messages);
    }
  }

  /** The group's table (one family, or all) to one member, optionally framed by BoRR/EoRR. */
  #sendTable(state: MemberState, enhanced: boolean, only?: AfiSafiName): void {
    const ctx = this.#ctx;
    const address = state.member.peer.address;
    const byAttrs: [Map<AttrSet, UpdatePacker>, Map<AttrSet, UpdatePacker>] = [new Map<AttrSet, UpdatePacker>(), new Map<AttrSet, UpdatePacker>()];
    const add = (path: Path, nlri: Nlri): void => {
      const source = path.source;
      if (source.kind !== 'local' && source.address === address) return;
      const decision = this.#policy.decide(path.dest, source, this.#settings.toInternalPeer, path.attrs);
      if (!decision.accept) return;
      const attrs = exportAttrs(path, this.#settings.target, decision);
      const fi = path.dest.family === 6 ? 1 : 0;
      const map = byAttrs[fi];
      let packer = map.get(attrs);
      if (!packer) map.set(attrs, (packer = announcementsOf(attrs, fi, ctx)));
      packer.add(nlri);
    };
    for (const dest of this.adjRibOut.dests()) {
      const stored: Advertised = this.adjRibOut.at(dest)!;
      const single = this.#withoutIds(stored, dest.family === 6 ? 1 : 0);
      if (single !== undefined) {
        add(single, single);
        continue;
      }
      const advertised = addPathView(stored);
      advertised.paths.forEach((p, i) => add(p, new DestNlri(p.dest, advertised.ids[i]!)));
    }
    const messages: Uint8Array[] = [];
    for (const fi of [0, 1] as const) {
      const name: AfiSafiName = fi === 0 ? 'ipv4-unicast' : 'ipv6-unicast';
      if ((only !== undefined && only !== name) || !this.#sends[fi]) continue;
      const fam = fi === 0 ? IPV4_UNICAST : IPV6_UNICAST;
      if (enhanced) messages.push(encodeMessage({ type: 'route-refresh', afi: fam.afi, safi: fam.safi, subtype: 'borr' }, this.#settings.sendContext));
      for (const packer of byAttrs[fi].values()) messages.push(...packer.finish());
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
      if (this.#sends[0]) messages.push(encodeMessage(endOfRib(Afi.IPV4, Safi.UNICAST), this.#settings.sendContext));
      if (this.#sends[1]) messages.push(encodeMessage(endOfRib(Afi.IPV6, Safi.UNICAST), this.#settings.sendContext));
      this.#send(state, messages);
    }
  }

  #send(state: MemberState, messages: readonly Uint8Array[]): void {
    if (messages.length === 0) return;
    if (!state.member.send(messages) && !state.blocked) {
      state.blocked = true;
      state.blockedAt = this.#journal.now();
      this.#blocked++;
    }
  }

  #unblock(state: MemberState): void {
    state.blocked = false;
    this.#blocked--;
    if (this.#blocked === 0) this.#journal.requestFlush();
  }
}

/**
 * Every group of a speaker, by key; the shared journal of changed prefixes; one flush scheduler
 * (setImmediate by default: once per event-loop turn, never per prefix).
 */
export class UpdateGroups {
  readonly #groups = new Map<string, UpdateGroup>();
  /** The same groups in an array: `enqueue` walks them per change without an iterator. */
  #list: UpdateGroup[] = [];
  /** Changes (see `enqueue`), by position: each group's cursor is one. */
  readonly entries = new Segments<Dest>();
  /** The route table whose entries hold each group's Adj-RIB-Out slot. */
  readonly table: LocRib;
  #scheduled = false;
  /**
   * The scheduled flush, built once: an arrow function in `requestFlush` (called per change)
   * would make V8 allocate a context for `this` on every call, scheduled or not.
   */
  readonly #runFlush = (): void => this.#flush();
  /** Changes queued since a flush last ran (see `enqueue`). */
  #sinceFlush = 0;
  #policy: ExportPolicy;
  readonly #schedule: (fn: () => void) => void;
  /** Adj-RIB-Out slots of dropped groups, cleared, for reuse (keeps `Dest.outs` short). */
  readonly #freeSlots: number[] = [];
  #nextSlot = 0;

  readonly now: () => number;
  readonly #slow: SlowMemberOptions | undefined;

  constructor(policy: ExportPolicy, table: LocRib, schedule: (fn: () => void) => void = setImmediate, slow?: SlowMemberOptions) {
    this.#policy = policy;
    this.table = table;
    this.#schedule = schedule;
    this.#slow = slow;
    this.now = slow?.now ?? Date.now;
  }

  /** Absolute position just past the newest change. */
  get end(): number {
    return this.entries.end;
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
   * The group for `settings.key`, created when missing; `seed` fills a new group's backlog with
   * the current table (`addBacklog` for every prefix with a best path).
   */
  obtain(settings: UpdateGroupSettings, seed: (group: UpdateGroup) => void): UpdateGroup {
    let group = this.#groups.get(settings.key);
    if (!group) {
      const slot = this.#freeSlots.pop() ?? this.#nextSlot++;
      group = new UpdateGroup(settings, this.#policy, this, slot);
      this.#groups.set(settings.key, group);
      this.#list = [...this.#groups.values()];
      seed(group);
    }
    return group;
  }

  /** Removes a member; an empty group is dropped with its Adj-RIB-Out. */
  leave(group: UpdateGroup, member: GroupMember): void {
    group.leave(member);
    if (group.memberCount === 0 && this.#groups.get(group.key) === group) {
      this.#groups.delete(group.key);
      this.#list = [...this.#groups.values()];
      group.dispose();
      this.#freeSlots.push(group.adjRibOut.slot);
      if (this.#groups.size === 0) this.#trim();
    }
  }

  /**
   * A Loc-RIB change: one journal entry (the prefix's route-table entry), read by every group.
   * Every `SLICE_PREFIXES` changes a slice goes out at once, without waiting for the event loop:
   * Node hands a busy socket's data over in bursts of up to 32 reads (about 2 MB, half a million
   * prefixes) before any scheduled flush runs, and the receivers would wait for each burst.
   */
  enqueue(change: Dest): void {
    const groups = this.#list;
    if (groups.length === 0) return;
    // No best path left: each group that can withdraws it at once (`withdrawNow`); the journal
    // carries it only for those that cannot.
    let settled = change.best === undefined;
    if (settled) for (let i = 0; i < groups.length; i++) if (!groups[i]!.withdrawNow(change)) settled = false;
    if (!settled) this.entries.push(change);
    if (++this.#sinceFlush >= SLICE_PREFIXES) this.#flushSlices();
    this.requestFlush();
  }

  /** A candidate changed without changing the outcome: only ADD-PATH groups need to look. */
  enqueueCandidate(dest: Dest): void {
    for (const group of this.#groups.values()) {
      if (!group.sendsAddPath) continue;
      this.enqueue(dest);
      return;
    }
  }

  /** New export policy: every group re-examines the Loc-RIB and what it advertised. */
  setPolicy(policy: ExportPolicy): void {
    this.#policy = policy;
    for (const group of this.#groups.values()) group.revalidate(policy);
    this.requestFlush();
  }

  /** Flush on the next turn of the event loop, once however many changes arrive meanwhile. */
  requestFlush(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#schedule(this.#runFlush);
  }

  /** Sends everything that can be sent now (tests, benchmarks). */
  flushNow(): void {
    let more = true;
    while (more) {
      more = false;
      for (const group of this.#groups.values()) if (group.flushSlice()) more = true;
    }
    this.#trim();
  }

  /** One slice per group now, from within a burst of changes (slow members are the scheduled flush's business). */
  #flushSlices(): void {
    this.#sinceFlush = 0;
    for (const group of this.#groups.values()) group.flushSlice();
    this.#trim();
  }

  #flush(): void {
    this.#scheduled = false;
    this.#sinceFlush = 0;
    let more = false;
    const slow: [UpdateGroup, GroupMember][] = [];
    for (const group of this.#groups.values()) {
      if (group.flushSlice()) more = true;
      else if (group.blocked) {
        if (this.end - group.cursor > FOLD_LAG) group.fold();
        if (this.#slow) for (const member of group.takeSlowMembers(this.now(), this.#slow.afterMs)) slow.push([group, member]);
      }
    }
    this.#trim();
    // After the loop: the handler moves members between groups.
    for (const [group, member] of slow) this.#slow?.onSlowMember(group, member);
    if (more) this.requestFlush();
  }

  /** Drops the journal entries every group has read. */
  #trim(): void {
    let min = this.end;
    for (const group of this.#groups.values()) min = Math.min(min, group.cursor);
    if (min === this.end) this.entries.clear();
    else this.entries.dropBefore(min);
  }
}
