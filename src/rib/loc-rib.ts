/**
 * The route table (RFC 4271 §3.2, §9.1): one `Dest` per prefix holding every source's paths (the
 * Adj-RIBs-In, whose per-peer views are `AdjRibIn`), the outcome of the decision process — the
 * best path and the multipath (ECMP) set — and what each update group advertised (its
 * `AdjRibOut` view). A change to one path recomputes only that prefix, in O(paths of the prefix),
 * and emits a `LocRibChange` only when the outcome changed (best path or ECMP set), which is what
 * Adj-RIB-Out and the kernel consume (RFC 4271 §9.1.3 phase 3 and the FIB).
 *
 * A stored path holds a reference on its attribute set (`retain`/`release`), which is what keeps
 * the intern table exact; so does a group's advertised path.
 */
import { Ipv4Nlri, ipv4KeyOf } from '../bgp/nlri.js';
import type { Nlri } from '../bgp/types.js';
import type { AttrSet } from './attr-set.js';
import { Dest, MAX_ENTRY_PATH_ID, NO_PATHS, ownerOf, Path } from './dest.js';
import { DestTable } from './dest-table.js';
import { multipathSet, explainSelection } from './decision.js';
import type { MultipathOptions, PathVerdict } from './decision.js';
import type { IneligibleReason, PeerInfo } from './path.js';

/** The outcome of the decision process for a prefix changed. */
export interface LocRibChange {
  readonly prefix: string;
  /** The new best path; undefined when no eligible path is left (withdraw downstream). */
  readonly best: Path | undefined;
  /** The ECMP set, best first; empty when there is no best. */
  readonly multipath: readonly Path[];
  readonly previousBest: Path | undefined;
  /** The prefix's entry: what update groups read at flush time. */
  readonly dest: Dest;
}

/**
 * The outcome for `dest` changed (its `best`/`multipath` are the new ones). Only the listener that
 * needs a lasting record (the kernel sink's batch) builds one, with `changeOf`: a reflector
 * relaying 1,000,000 prefixes allocates nothing per change.
 */
export type LocRibListener = (dest: Dest, previousBest: Path | undefined) => void;

/** A record of the change `dest` just went through (its outcome now, and the best before). */
export function changeOf(dest: Dest, previousBest: Path | undefined): LocRibChange {
  return { prefix: dest.prefix, best: dest.best, multipath: dest.multipath, previousBest, dest };
}
/** A prefix's candidates changed but its outcome did not (ADD-PATH peers still hear of it). */
export type CandidateListener = (dest: Dest) => void;

function sameSet(a: readonly Path[] | undefined, b: readonly Path[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Same route as far as selection and export care: nothing to recompute. */
function sameRoute(a: Path, b: Path): boolean {
  return a.attrs === b.attrs && a.ineligible === b.ineligible;
}

function samePlace(a: Path, b: Path): boolean {
  return a.pathId === b.pathId && ownerOf(a.source) === ownerOf(b.source);
}

export class LocRib {
  #options: MultipathOptions;
  readonly #listener: LocRibListener | undefined;
  readonly #candidateListener: CandidateListener | undefined;
  /** Set: rebuilding is due, and the owner calls `compact` when convenient (see `#dropIfUnused`). */
  readonly #compactionDue: (() => void) | undefined;
  #compactionRequested = false;
  #dests = new DestTable();
  /** Entries left in `#dests` with no path and no group holding them (see `#dropIfUnused`). */
  #idle = 0;
  /** Prefixes with at least one candidate. */
  #size = 0;

  /**
   * `compactionDue`: called once when unused entries make a rebuild worthwhile; the owner then
   * calls `compact()` off the hot path (the daemon: a second later, so a table being withdrawn
   * is not copied while the withdrawals stream in). Without it the table rebuilds at once.
   */
  constructor(options: MultipathOptions, listener?: LocRibListener, candidateListener?: CandidateListener, compactionDue?: () => void) {
    this.#options = options;
    this.#listener = listener;
    this.#candidateListener = candidateListener;
    this.#compactionDue = compactionDue;
  }

  /** Number of prefixes with at least one candidate. */
  get size(): number {
    return this.#size;
  }

  /** The entry of `prefix`, if the table has one (it may be unused: no path, no group holds it). */
  dest(prefix: string | Nlri): Dest | undefined {
    return typeof prefix === 'string' ? this.#dests.find(Dest.of(prefix)) : this.#find(prefix);
  }

  /** The table's entry for an NLRI: by its numbers when it has them, else by its text. */
  #find(nlri: Nlri): Dest | undefined {
    // The decoder's form first, read monomorphically: `ipv4KeyOf` sees every kind of NLRI.
    if (nlri instanceof Ipv4Nlri) return this.#dests.get4(nlri.address4, nlri.prefixLength);
    const key = ipv4KeyOf(nlri);
    return key !== undefined ? this.#dests.get4(key.address4, key.prefixLength) : this.#dests.find(Dest.of(nlri.prefix));
  }

  /**
   * The entry for `nlri`'s prefix, created when the table has none: what a received path is
   * built on (`Path.create(entry, …)`), so storing it needs no second lookup. An IPv4 NLRI decoded
   * to numbers (`Ipv4Nlri`) is found without building any text.
   */
  entry(nlri: Nlri): Dest {
    const found = this.#find(nlri);
    if (found !== undefined) return found;
    const key = ipv4KeyOf(nlri);
    return this.#added(key !== undefined ? Dest.ipv4(key.address4, key.prefixLength) : Dest.of(nlri.prefix));
  }

  /** A new entry, without a path yet, in the table. */
  #added(dest: Dest): Dest {
    this.#dests.add(dest);
    this.#idle++;
    return dest;
  }

  /**
   * Stores a route received for `nlri` as `put` does. Where the table has no entry for the
   * prefix yet, the new entry is the path (`Dest.withPath`): one object per route, not two.
   */
  announce(nlri: Nlri, pathId: number, attrs: AttrSet, source: PeerInfo, ineligible: IneligibleReason | null): Path | undefined | null {
    const key = nlri instanceof Ipv4Nlri ? nlri : ipv4KeyOf(nlri);
    if (key !== undefined) return this.announce4(key.address4, key.prefixLength, pathId, attrs, source, ineligible);
    const found = this.#dests.find(Dest.of(nlri.prefix));
    // An identifier too large for the entry's flag word: a path of its own (rare, see `MAX_ENTRY_PATH_ID`).
    if (found !== undefined || pathId > MAX_ENTRY_PATH_ID) return this.put(Path.create(found ?? this.entry(nlri), pathId, attrs, source, ineligible));
    return this.#storeWithPath(Dest.withPath(nlri, pathId, attrs, source, ineligible), attrs, ineligible);
  }

  /** `announce` for an IPv4 prefix given as numbers (host bits clear), the packed decoder's form. */
  announce4(address4: number, length: number, pathId: number, attrs: AttrSet, source: PeerInfo, ineligible: IneligibleReason | null): Path | undefined | null {
    const found = this.#dests.get4(address4, length);
    if (found !== undefined || pathId > MAX_ENTRY_PATH_ID) {
      return this.put(Path.create(found ?? this.#added(Dest.ipv4(address4, length)), pathId, attrs, source, ineligible));
    }
    return this.#storeWithPath(Dest.withPath4(address4, length, pathId, attrs, source, ineligible), attrs, ineligible);
  }

  /** Adds a new entry that is its own lone candidate (`Dest.withPath`). */
  #storeWithPath(dest: Dest, attrs: AttrSet, ineligible: IneligibleReason | null): undefined {
    this.#dests.add(dest);
    dest.paths = dest;
    this.#size++;
    attrs.retain();
    // A lone candidate on a new entry: it is the best when eligible (no decision to run, no ECMP
    // set), else there is no best and only the candidate listener hears of it (`#changed`'s outcome).
    if (ineligible === null) {
      dest.selected = true;
      this.#listener?.(dest, undefined);
    } else this.#candidateListener?.(dest);
    return undefined;
  }

  /** Every entry, including those only an update group still holds. */
  dests(): IterableIterator<Dest> {
    return this.#dests.values();
  }

  /**
   * Stores `path` (an implicit withdraw of the same source's path for the same prefix and path
   * ID, RFC 4271 §3.1) and recomputes the prefix. Returns the path it replaced, `undefined` when
   * the place was empty, or `null` when the stored path had the same attributes and eligibility:
   * then the stored path stays, its stale flag is cleared, and nothing downstream changes.
   */
  put(path: Path): Path | undefined | null {
    let stored = path;
    let dest = stored.dest;
    if (!dest.attached) {
      // A path built from text (or kept from a rebuilt table): store it on the table's entry.
      const found = this.#dests.find(dest);
      if (found !== undefined) {
        // An entry dropped by a rebuild cannot move into another: its path is copied onto the new one.
        if (stored === dest) stored = stored.copy(found, stored.source, stored.ineligible);
        else stored.rehome(found);
        dest = found;
      } else {
        this.#dests.add(dest);
        this.#idle++;
      }
    }
    if (dest.unused) this.#idle--;
    // Read before `paths` changes: one candidate is its own best (see `Dest.best`).
    const before = dest.best;
    const paths = dest.paths;
    let previous: Path | undefined;
    if (paths === undefined) {
      dest.paths = stored;
      this.#size++;
    } else if (!Array.isArray(paths)) {
      if (samePlace(paths, stored)) {
        if (sameRoute(paths, stored)) return refreshed(paths);
        previous = paths;
        dest.paths = stored;
      } else {
        dest.paths = [paths, stored];
      }
    } else {
      for (let i = 0; i < paths.length; i++) {
        const old = paths[i]!;
        if (!samePlace(old, stored)) continue;
        if (sameRoute(old, stored)) return refreshed(old);
        previous = old;
        paths[i] = stored;
        break;
      }
      if (previous === undefined) paths.push(stored);
    }
    stored.attrs.retain();
    previous?.attrs.release();
    this.#changed(dest, before);
    return previous;
  }

  /** Removes `owner`'s path for (prefix, path ID); returns it, or undefined if there was none. */
  withdraw(owner: PeerInfo, prefix: string | Nlri, pathId = 0): Path | undefined {
    const dest = this.dest(prefix);
    return dest === undefined ? undefined : this.#withdrawFrom(dest, owner, pathId);
  }

  /** `withdraw` for an IPv4 prefix given as numbers (host bits clear), the packed decoder's form. */
  withdraw4(owner: PeerInfo, address4: number, length: number, pathId: number): Path | undefined {
    const dest = this.#dests.get4(address4, length);
    return dest === undefined ? undefined : this.#withdrawFrom(dest, owner, pathId);
  }

  #withdrawFrom(dest: Dest, owner: PeerInfo, pathId: number): Path | undefined {
    const paths = dest.paths;
    if (paths === undefined) return undefined;
    // Apart: a closure here would capture the arguments, and V8 would allocate a context for
    // them on every call, the common lone-candidate one included.
    if (Array.isArray(paths)) return this.#withdrawOneOf(dest, owner, pathId);
    // The common case, a lone candidate (a full table being withdrawn): its going leaves no best
    // and no ECMP set (a lone candidate never has one), so there is nothing to recompute.
    if (paths.pathId !== pathId || ownerOf(paths.source) !== owner) return undefined;
    this.#takeOnly(dest, paths);
    dest.setBest(undefined);
    // Before the listeners: an update group may let go of the entry from within them
    // (`UpdateGroup.withdrawNow`), counting it unused then, and it must be counted once.
    this.#dropIfUnused(dest);
    if (paths.eligible) {
      paths.selected = false;
      this.#listener?.(dest, paths);
    } else this.#candidateListener?.(dest);
    return paths;
  }

  /** `withdraw` where the prefix has several candidates. */
  #withdrawOneOf(dest: Dest, owner: PeerInfo, pathId: number): Path | undefined {
    const before = dest.best;
    const old = this.#take(dest, (p) => p.pathId === pathId && ownerOf(p.source) === owner);
    if (old === undefined) return undefined;
    this.#dropIfUnused(dest);
    this.#changed(dest, before);
    return old;
  }

  /**
   * Removes every path of `owner` that `which` selects (all by default), in one pass over the
   * table, reporting each; for a session going down or a stale sweep (RFC 4724 §4.2).
   */
  removeAll(owner: PeerInfo, which: (path: Path) => boolean, onRemoved: (path: Path) => void): number {
    let n = 0;
    const selects = (p: Path): boolean => ownerOf(p.source) === owner && which(p);
    for (const dest of this.#dests.values()) {
      if (dest.paths === undefined) continue;
      const before = dest.best;
      let removed = 0;
      for (;;) {
        const old = this.#take(dest, selects);
        if (old === undefined) break;
        removed++;
        onRemoved(old);
      }
      if (removed === 0) continue;
      n += removed;
      // Before the listeners, as in `withdraw`.
      this.#dropIfUnused(dest);
      this.#changed(dest, before);
    }
    return n;
  }

  /** `owner`'s paths for a prefix (several only with ADD-PATH). */
  pathsOf(owner: PeerInfo, prefix: string | Nlri): Path[] {
    const dest = this.dest(prefix);
    if (dest === undefined) return [];
    return dest.candidates().filter((p) => ownerOf(p.source) === owner);
  }

  /** Every path `owner` stored, in table order. */
  *allOf(owner: PeerInfo): IterableIterator<Path> {
    for (const dest of this.#dests.values()) {
      const paths = dest.paths;
      if (paths === undefined) continue;
      if (!Array.isArray(paths)) {
        if (ownerOf(paths.source) === owner) yield paths;
        continue;
      }
      for (const p of paths) if (ownerOf(p.source) === owner) yield p;
    }
  }

  best(prefix: string): Path | undefined {
    return this.dest(prefix)?.best;
  }

  /** The ECMP set for a prefix, best first. */
  multipath(prefix: string): readonly Path[] {
    return this.dest(prefix)?.multipath ?? NO_PATHS;
  }

  candidates(prefix: string): readonly Path[] {
    return this.dest(prefix)?.candidates() ?? NO_PATHS;
  }

  /** For `show routes`: every candidate with the step it lost at. */
  explain(prefix: string): PathVerdict[] {
    return explainSelection(this.candidates(prefix), this.#options);
  }

  /** Calls `fn` for every prefix that has a best path (initial feed of a new peer, kernel sync). */
  forEachBest(fn: (best: Path, multipath: readonly Path[], dest: Dest) => void): void {
    for (const dest of this.#dests.values()) {
      const best = dest.best;
      if (best !== undefined) fn(best, dest.multipath, dest);
    }
  }

  /** An update group let go of `dest` (withdrawn, or the group is gone). */
  released(dest: Dest): void {
    this.#dropIfUnused(dest);
  }

  /** New decision options (a reload): recomputes every prefix, emitting what changed. */
  setOptions(options: MultipathOptions): void {
    this.#options = options;
    for (const dest of this.#dests.values()) if (Array.isArray(dest.paths)) this.#recompute(dest, dest.best);
  }

  /** Takes `dest`'s only candidate, releasing its set. */
  #takeOnly(dest: Dest, only: Path): Path {
    dest.paths = undefined;
    this.#size--;
    only.attrs.release();
    return only;
  }

  /** Takes the first candidate `which` selects out of `dest`, releasing its set. */
  #take(dest: Dest, which: (path: Path) => boolean): Path | undefined {
    const paths = dest.paths;
    if (paths === undefined) return undefined;
    let old: Path | undefined;
    if (!Array.isArray(paths)) {
      if (!which(paths)) return undefined;
      old = paths;
      dest.paths = undefined;
      this.#size--;
    } else {
      const i = paths.findIndex(which);
      if (i < 0) return undefined;
      old = paths[i]!;
      paths.splice(i, 1);
      // Back to the inline form once a single path is left.
      if (paths.length === 1) dest.paths = paths[0]!;
    }
    old.attrs.release();
    return old;
  }

  /**
   * Called where an entry may have just lost its last path or advertisement. Unused entries stay
   * in the table (a prefix withdrawn is often announced again, and the entry is reused) until
   * they are three quarters of it; then the table is rebuilt with the live ones. One `Map.delete`
   * per withdrawn prefix costs more than that copy (V8's ordered hash tables), and withdrawing a
   * whole table copies nothing at all.
   */
  #dropIfUnused(dest: Dest): void {
    if (!dest.unused) return;
    this.#idle++;
    if (this.#idle < PURGE_MIN_IDLE || this.#idle * 4 < this.#dests.size * 3) return;
    if (this.#compactionDue === undefined) {
      this.compact();
      return;
    }
    if (this.#compactionRequested) return;
    this.#compactionRequested = true;
    this.#compactionDue();
  }

  /** Rebuilds the table with the entries still in use (see `#dropIfUnused`). */
  compact(): void {
    this.#compactionRequested = false;
    if (this.#idle === 0) return;
    this.#dests = this.#dests.rebuilt((d) => !d.unused);
    this.#idle = 0;
  }

  /** Candidates changed (`beforeBest`: the best until then): recompute, and tell the candidate listener when the outcome stayed. */
  #changed(dest: Dest, beforeBest: Path | undefined): void {
    if (!this.#recompute(dest, beforeBest)) this.#candidateListener?.(dest);
  }

  /** Runs the decision process for `dest`; true when the outcome changed (and was emitted). */
  #recompute(dest: Dest, beforeBest: Path | undefined): boolean {
    const beforeSet = dest.ecmp;
    const paths = dest.paths;
    let best: Path | undefined;
    let ecmp: readonly Path[] | undefined;
    if (paths === undefined) best = undefined;
    else if (!Array.isArray(paths)) best = paths.eligible ? paths : undefined;
    else {
      const set = multipathSet(paths, this.#options);
      best = set[0];
      if (set.length > 1) ecmp = set;
    }
    // Kept in step even when unchanged: a best of several is stored, one candidate is its own.
    dest.setBest(best);
    if (best === beforeBest && sameSet(ecmp, beforeSet)) return false;
    dest.ecmp = ecmp;
    // Cleared first: an ECMP-only change keeps the same best.
    if (beforeBest !== undefined) beforeBest.selected = false;
    if (best !== undefined) best.selected = true;
    this.#listener?.(dest, beforeBest);
    return true;
  }
}

/** Unused entries tolerated before a rebuild is considered (small tables never bother). */
const PURGE_MIN_IDLE = 4096;

function refreshed(stored: Path): null {
  stored.stale = false;
  return null;
}
