/**
 * Adj-RIB-In for one peer (RFC 4271 §3.2): the routes it sent us, after import processing,
 * keyed by prefix and — with ADD-PATH (RFC 7911) — path identifier. Ineligible paths are kept,
 * flagged, not dropped (so a later loop-free or valid re-announcement, or `show`, sees them).
 *
 * The paths live in the shared route table (loc-rib.ts), beside the other sources' paths for the
 * same prefix: storing a path here *is* offering it to the decision process, in one table lookup.
 * This class is the peer's view of that table plus its counters; whole-peer operations (session
 * down, stale sweep) are one pass over the table, as BIRD's channel flush is.
 *
 * Graceful restart (RFC 4724 §4.2) and enhanced route refresh (RFC 7313 §4): `markStale` flags
 * every path, re-announcements clear the flag, `sweepStale` removes what was not refreshed.
 */
import type { IpFamily } from '../bgp/address.js';
import type { Nlri } from '../bgp/types.js';
import { DEFAULT_DECISION_OPTIONS } from './decision.js';
import { LocRib } from './loc-rib.js';
import type { AttrSet } from './attr-set.js';
import type { IneligibleReason, Path, PeerInfo } from './path.js';

export class AdjRibIn {
  readonly peer: PeerInfo;
  readonly #table: LocRib;
  #paths = 0;
  /**
   * Some path may be stale (set by `markStale`): lets `hasStale` answer without a pass over the
   * shared table in the common case, a session coming up with nothing marked.
   */
  #mayHaveStale = false;

  /** `table`: the speaker's route table; a private one when omitted (tests, tools). */
  constructor(peer: PeerInfo, table: LocRib = new LocRib(DEFAULT_DECISION_OPTIONS)) {
    this.peer = peer;
    this.#table = table;
  }

  /** Number of paths held (counting each ADD-PATH path). */
  get size(): number {
    return this.#paths;
  }

  /**
   * Stores `path` (an implicit withdraw of the same prefix and path ID, RFC 4271 §3.1) and runs
   * the decision process for its prefix. Returns the path it replaced, `undefined` when the
   * prefix/path ID is new, or `null` when the stored path already had the same attributes and
   * eligibility: then the stored path stays, its stale flag is cleared, nothing changes.
   */
  put(path: Path): Path | undefined | null {
    const previous = this.#table.put(path);
    if (previous === undefined) this.#paths++;
    return previous;
  }

  /** Stores a route received for `nlri` (see `put`; `LocRib.announce` builds the path). */
  announce(nlri: Nlri, pathId: number, attrs: AttrSet, ineligible: IneligibleReason | null): Path | undefined | null {
    const previous = this.#table.announce(nlri, pathId, attrs, this.peer, ineligible);
    if (previous === undefined) this.#paths++;
    return previous;
  }

  /** `announce` for an IPv4 prefix given as numbers (host bits clear), the packed decoder's form. */
  announce4(address4: number, length: number, pathId: number, attrs: AttrSet, ineligible: IneligibleReason | null): Path | undefined | null {
    const previous = this.#table.announce4(address4, length, pathId, attrs, this.peer, ineligible);
    if (previous === undefined) this.#paths++;
    return previous;
  }

  /** `withdraw` for an IPv4 prefix given as numbers (host bits clear). */
  withdraw4(address4: number, length: number, pathId: number): Path | undefined {
    const old = this.#table.withdraw4(this.peer, address4, length, pathId);
    if (old !== undefined) this.#paths--;
    return old;
  }

  /** Removes the path for (prefix, path ID); returns it, or undefined if there was none. */
  withdraw(prefix: string | Nlri, pathId = 0): Path | undefined {
    const old = this.#table.withdraw(this.peer, prefix, pathId);
    if (old !== undefined) this.#paths--;
    return old;
  }

  get(prefix: string, pathId = 0): Path | undefined {
    return this.#table.pathsOf(this.peer, prefix).find((p) => p.pathId === pathId);
  }

  /** Every path for a prefix (several only with ADD-PATH). */
  paths(prefix: string): readonly Path[] {
    return this.#table.pathsOf(this.peer, prefix);
  }

  [Symbol.iterator](): IterableIterator<Path> {
    return this.#table.allOf(this.peer);
  }

  /** RFC 4724 §4.2: flags every path (of one family, if given) stale; returns how many. */
  markStale(family?: IpFamily): number {
    if (this.#paths === 0) return 0;
    let n = 0;
    for (const path of this) {
      if (family !== undefined && path.dest.family !== family) continue;
      path.stale = true;
      n++;
    }
    if (n > 0) this.#mayHaveStale = true;
    return n;
  }

  /** Whether some path is still stale (not re-announced since `markStale`). */
  hasStale(): boolean {
    if (!this.#mayHaveStale || this.#paths === 0) return false;
    for (const path of this) if (path.stale) return true;
    this.#mayHaveStale = false;
    return false;
  }

  /**
   * RFC 4724 §4.2 (End-of-RIB or restart timer): removes the stale paths (of one family, if
   * given), reporting each one.
   */
  sweepStale(onRemoved: (path: Path) => void, family?: IpFamily): number {
    return this.#removeAll((p) => p.stale && (family === undefined || p.dest.family === family), onRemoved);
  }

  /** Session down without graceful restart: removes every path, reporting each one. */
  clear(onRemoved: (path: Path) => void = () => undefined): number {
    return this.#removeAll(() => true, onRemoved);
  }

  #removeAll(which: (path: Path) => boolean, onRemoved: (path: Path) => void): number {
    // Nothing of ours in the shared table: no pass over it (a peer that never sent a route).
    if (this.#paths === 0) return 0;
    const n = this.#table.removeAll(this.peer, which, onRemoved);
    this.#paths -= n;
    return n;
  }
}
