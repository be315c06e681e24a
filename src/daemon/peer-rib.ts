/**
 * The routes one peer gave us, on their way in (RFC 4271 §9.1): every UPDATE's NLRI and
 * withdrawals go through import processing into the peer's Adj-RIB-In and from there into the
 * Loc-RIB, which recomputes only the prefixes touched.
 *
 * - eBGP: a received LOCAL_PREF is removed (RFC 4271 §5.1.5); our AS in AS_PATH is a loop.
 * - iBGP: ORIGINATOR_ID / CLUSTER_LIST loops (RFC 4456 §8).
 * - the peer's BGPFilter import rules (CALICO.md §1.7): a rejected path is stored flagged; an
 *   Accept rule's operations (v3.32) change the attributes it is stored with, and the attributes
 *   received are remembered beside it (only for such paths) so a reload can judge it afresh.
 * - RFC 7606 treat-as-withdraw: the NLRI are stored flagged ineligible, never selected, so
 *   the previous route is gone from the Loc-RIB and `show routes` still explains why.
 * - Graceful restart (RFC 4724 §4.2) and enhanced route refresh (RFC 7313 §4): paths are marked
 *   stale, re-announcements clear the mark, a sweep per family removes the rest.
 *
 * Work per prefix is one route-table lookup (the Adj-RIB-In lives in the shared table,
 * loc-rib.ts) and one object: for a prefix new to the table, its entry, which is the path;
 * attributes are interned once per UPDATE.
 */
import { Afi, Safi } from '../bgp/constants.js';
import { formatIpv4Network, type PackedIpv4Prefixes } from '../bgp/nlri.js';
import type { Nlri, PathAttribute, UpdateMessage } from '../bgp/types.js';
import { AdjRibIn } from '../rib/adj-rib-in.js';
import type { AttrTable, AttrSet, NextHopSource } from '../rib/attr-set.js';
import { importAttrs, importEligibility, importFiltered } from '../rib/import-check.js';
import type { LocRib } from '../rib/loc-rib.js';
import { Path, type IneligibleReason, type PeerInfo } from '../rib/path.js';
import type { LocalSpeaker } from '../rib/speaker.js';

export type UnicastFamily = 4 | 6;

/** IPv4/IPv6 unicast only; other families are not carried into the RIB. */
function unicastFamily(afi: number, safi: number): UnicastFamily | undefined {
  if (safi !== Safi.UNICAST) return undefined;
  return afi === Afi.IPV4 ? 4 : afi === Afi.IPV6 ? 6 : undefined;
}

export class PeerRib {
  readonly adjIn: AdjRibIn;
  /** Paths stored flagged ineligible, for `prefixesAccepted`. */
  #ineligible = 0;
  readonly #table: AttrTable;
  /** Read per UPDATE: a reload may change our AS, router ID or cluster ID. */
  readonly #self: () => LocalSpeaker;
  /**
   * The attributes as received of the stored paths that import operations changed (created on
   * the first such path; a path that leaves the table takes its entry with it).
   */
  #received: WeakMap<Path, AttrSet> | undefined = undefined;

  constructor(info: PeerInfo, table: AttrTable, locRib: LocRib, self: () => LocalSpeaker) {
    this.adjIn = new AdjRibIn(info, locRib);
    this.#table = table;
    this.#self = self;
  }

  get info(): PeerInfo {
    return this.adjIn.peer;
  }

  /** Paths received (each ADD-PATH path counts). */
  get received(): number {
    return this.adjIn.size;
  }

  /** Paths received and eligible for selection. */
  get accepted(): number {
    return this.adjIn.size - this.#ineligible;
  }

  /** Applies one UPDATE (End-of-RIB is the caller's business). */
  applyUpdate(update: UpdateMessage): void {
    const treatAsWithdraw = update.problem?.action === 'treat-as-withdraw';
    const packed = update.packed;
    if (packed !== undefined) this.#withdrawPacked(packed.withdrawn);
    for (const n of update.withdrawn) this.withdraw(n, n.pathId ?? 0);
    for (const a of update.attributes) {
      if (a.type === 'mp-unreach' && unicastFamily(a.afi, a.safi) !== undefined) for (const n of a.withdrawn) this.withdraw(n, n.pathId ?? 0);
    }
    if (packed !== undefined && packed.nlri.count > 0) this.#announcePacked(update.attributes, packed.nlri, treatAsWithdraw);
    if (update.nlri.length > 0) this.#announce(update.attributes, 'next-hop', update.nlri, treatAsWithdraw);
    for (const a of update.attributes) {
      if (a.type === 'mp-reach' && a.nlri.length > 0 && unicastFamily(a.afi, a.safi) !== undefined) {
        this.#announce(update.attributes, 'mp-reach', a.nlri, treatAsWithdraw);
      }
    }
  }

  #announce(attributes: readonly PathAttribute[], source: NextHopSource, nlri: readonly Nlri[], treatAsWithdraw: boolean): void {
    const info = this.adjIn.peer;
    const attrs = this.#imported(attributes, source);
    const ineligible = this.#eligibility(attrs, treatAsWithdraw);
    const filtered = info.importFilter !== undefined;
    for (let i = 0; i < nlri.length; i++) {
      const n = nlri[i]!;
      if (ineligible === null && filtered) {
        this.#announceFiltered(n.prefix, n.pathId ?? 0, attrs, (verdict) => this.adjIn.announce(n, n.pathId ?? 0, attrs, verdict));
        continue;
      }
      this.#counted(this.adjIn.announce(n, n.pathId ?? 0, attrs, ineligible), ineligible);
    }
  }

  /**
   * One prefix of a peer with import rules: rejected (stored flagged), accepted as received
   * (both through `announce`, with the received attributes), or accepted with the attributes an Accept rule's operations made, as a path of its
   * own whose received attributes are remembered.
   */
  #announceFiltered(prefix: string, pathId: number, attrs: AttrSet, announce: (verdict: IneligibleReason | null) => Path | undefined | null): void {
    const info = this.adjIn.peer;
    const stored = importFiltered(prefix, info, attrs);
    if (stored === null) {
      this.#counted(announce('import-rejected'), 'import-rejected');
      return;
    }
    if (stored === attrs) {
      const previous = announce(null);
      this.#counted(previous, null);
      // An unchanged path kept in place may be one operations changed before: it is as received now.
      if (previous === null && this.#received !== undefined) {
        const kept = this.adjIn.get(prefix, pathId);
        if (kept !== undefined) this.#received.delete(kept);
      }
      return;
    }
    const path = Path.create(prefix, pathId, stored, info, null);
    const previous = this.adjIn.put(path);
    this.#counted(previous, null);
    const kept = previous === null ? this.adjIn.get(prefix, pathId) : path;
    if (kept !== undefined) (this.#received ??= new WeakMap()).set(kept, attrs);
  }

  /** The attributes `path` was received with: its own unless import operations changed them. */
  receivedAttrs(path: Path): AttrSet {
    return this.#received?.get(path) ?? path.attrs;
  }

  /** `#announce` for the UPDATE's own NLRI field decoded packed (no object per prefix). */
  #announcePacked(attributes: readonly PathAttribute[], nlri: PackedIpv4Prefixes, treatAsWithdraw: boolean): void {
    const info = this.adjIn.peer;
    const attrs = this.#imported(attributes, 'next-hop');
    const ineligible = this.#eligibility(attrs, treatAsWithdraw);
    const filtered = info.importFilter !== undefined;
    for (let i = 0; i < nlri.count; i++) {
      const address4 = nlri.address4(i);
      const length = nlri.prefixLength(i);
      const pathId = nlri.pathId(i);
      if (ineligible === null && filtered) {
        // The filter matches text; only a peer with BGPFilter rules pays for building it.
        this.#announceFiltered(formatIpv4Network(address4, length), pathId, attrs, (verdict) => this.adjIn.announce4(address4, length, pathId, attrs, verdict));
        continue;
      }
      this.#counted(this.adjIn.announce4(address4, length, pathId, attrs, ineligible), ineligible);
    }
  }

  #withdrawPacked(withdrawn: PackedIpv4Prefixes): void {
    for (let i = 0; i < withdrawn.count; i++) {
      this.#withdrawn(this.adjIn.withdraw4(withdrawn.address4(i), withdrawn.prefixLength(i), withdrawn.pathId(i)));
    }
  }

  /** The interned set the peer's attributes are stored with, after import processing. */
  #imported(attributes: readonly PathAttribute[], source: NextHopSource): AttrSet {
    return importAttrs(this.#table.fromPathAttributes(attributes, source), this.adjIn.peer);
  }

  /** Why every NLRI of the UPDATE is ineligible (loops, treat-as-withdraw), or null. */
  #eligibility(attrs: AttrSet, treatAsWithdraw: boolean): IneligibleReason | null {
    return treatAsWithdraw ? 'treat-as-withdraw' : importEligibility(attrs, this.adjIn.peer, this.#self());
  }

  /** Stores one already-built path (re-sourcing on a role change), received with `received`. */
  applyPath(path: Path, received: AttrSet = path.attrs): void {
    const previous = this.adjIn.put(path);
    this.#counted(previous, path.ineligible);
    if (received === path.attrs) return;
    const kept = previous === null ? this.adjIn.get(path.prefix, path.pathId) : path;
    if (kept !== undefined) (this.#received ??= new WeakMap()).set(kept, received);
  }

  /** Keeps the ineligible count after storing a path that is `ineligible` and replaced `previous`. */
  #counted(previous: Path | undefined | null, ineligible: IneligibleReason | null): void {
    if (previous === null) return;
    if (ineligible !== null) this.#ineligible++;
    if (previous !== undefined && !previous.eligible) this.#ineligible--;
  }

  withdraw(prefix: string | Nlri, pathId: number): void {
    this.#withdrawn(this.adjIn.withdraw(prefix, pathId));
  }

  /** Keeps the ineligible count after `old` (if any) was withdrawn. */
  #withdrawn(old: Path | undefined): void {
    if (old !== undefined && !old.eligible) this.#ineligible--;
  }

  /** Session down without graceful restart: every path goes. */
  clear(): void {
    this.adjIn.clear((path) => {
      if (!path.eligible) this.#ineligible--;
    });
  }

  /** RFC 4724 §4.2 / RFC 7313 §4: every path (of one family) is stale until re-announced. */
  markStale(family?: UnicastFamily): number {
    return this.adjIn.markStale(family);
  }

  hasStale(): boolean {
    return this.adjIn.hasStale();
  }

  /** Removes the paths still stale (of one family, or all); returns how many. */
  sweepStale(family?: UnicastFamily): number {
    return this.adjIn.sweepStale((path) => {
      if (!path.eligible) this.#ineligible--;
    }, family);
  }
}

export { unicastFamily };
