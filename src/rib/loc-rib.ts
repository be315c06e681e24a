/**
 * Loc-RIB (RFC 4271 §3.2, §9.1): for every prefix, the candidate paths from all sources and the
 * outcome of the decision process — the best path and the multipath (ECMP) set. A change to one
 * path recomputes only that prefix, in O(paths of the prefix), and emits a `LocRibChange` only
 * when the outcome changed (best path or ECMP set), which is what Adj-RIB-Out and the kernel
 * consume (RFC 4271 §9.1.3 phase 3 and the FIB).
 *
 * A prefix with a single candidate maps straight to that `Path` (the common case: a reflector
 * relaying 1,000,000 prefixes each announced once); an `Entry` with the candidate list and the
 * cached outcome appears only when a second candidate arrives.
 */
import { multipathSet, explainSelection } from './decision.js';
import type { MultipathOptions, PathVerdict } from './decision.js';
import type { Path } from './path.js';

/** The outcome of the decision process for a prefix changed. */
export interface LocRibChange {
  readonly prefix: string;
  /** The new best path; undefined when no eligible path is left (withdraw downstream). */
  readonly best: Path | undefined;
  /** The ECMP set, best first; empty when there is no best. */
  readonly multipath: readonly Path[];
  readonly previousBest: Path | undefined;
}

export type LocRibListener = (change: LocRibChange) => void;

const NONE: readonly Path[] = Object.freeze([]);

class Entry {
  readonly candidates: Path[];
  multipath: readonly Path[];

  constructor(candidates: Path[], multipath: readonly Path[]) {
    this.candidates = candidates;
    this.multipath = multipath;
  }
}

type Slot = Path | Entry;

function outcomeOf(slot: Slot | undefined): readonly Path[] {
  if (slot === undefined) return NONE;
  if (slot instanceof Entry) return slot.multipath;
  return slot.ineligible === null ? [slot] : NONE;
}

function bestOf(slot: Slot | undefined): Path | undefined {
  if (slot === undefined) return undefined;
  if (slot instanceof Entry) return slot.multipath[0];
  return slot.ineligible === null ? slot : undefined;
}

function sameSet(a: readonly Path[], b: readonly Path[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class LocRib {
  #options: MultipathOptions;
  readonly #listener: LocRibListener | undefined;
  readonly #routes = new Map<string, Slot>();

  constructor(options: MultipathOptions, listener?: LocRibListener) {
    this.#options = options;
    this.#listener = listener;
  }

  /** Number of prefixes with at least one candidate. */
  get size(): number {
    return this.#routes.size;
  }

  /**
   * Adds `path` as a candidate for its prefix, replacing `previous` (the same source's earlier
   * path for the same prefix and path ID, as returned by `AdjRibIn.put`) when given.
   */
  update(path: Path, previous?: Path): void {
    const prefix = path.prefix;
    const slot = this.#routes.get(prefix);
    if (slot === undefined) {
      this.#routes.set(prefix, path);
      if (path.ineligible === null) this.#emit(prefix, path, [path], undefined);
      return;
    }
    if (!(slot instanceof Entry)) {
      if (slot === previous) {
        this.#routes.set(prefix, path);
        const before = bestOf(slot);
        const after = path.ineligible === null ? path : undefined;
        if (before !== after) this.#emit(prefix, after, after ? [after] : NONE, before);
        return;
      }
      this.#recompute(prefix, new Entry([slot, path], outcomeOf(slot)));
      return;
    }
    const i = previous === undefined ? -1 : slot.candidates.indexOf(previous);
    if (i >= 0) slot.candidates[i] = path;
    else slot.candidates.push(path);
    this.#recompute(prefix, slot);
  }

  /** Removes a candidate (withdrawn, or its session went down). */
  remove(path: Path): void {
    const prefix = path.prefix;
    const slot = this.#routes.get(prefix);
    if (slot === undefined) return;
    if (!(slot instanceof Entry)) {
      if (slot !== path) return;
      this.#routes.delete(prefix);
      if (path.ineligible === null) this.#emit(prefix, undefined, NONE, path);
      return;
    }
    const i = slot.candidates.indexOf(path);
    if (i < 0) return;
    slot.candidates.splice(i, 1);
    this.#recompute(prefix, slot);
  }

  best(prefix: string): Path | undefined {
    return bestOf(this.#routes.get(prefix));
  }

  /** The ECMP set for a prefix, best first. */
  multipath(prefix: string): readonly Path[] {
    return outcomeOf(this.#routes.get(prefix));
  }

  candidates(prefix: string): readonly Path[] {
    const slot = this.#routes.get(prefix);
    if (slot === undefined) return NONE;
    return slot instanceof Entry ? slot.candidates.slice() : [slot];
  }

  /** For `show routes`: every candidate with the step it lost at. */
  explain(prefix: string): PathVerdict[] {
    return explainSelection(this.candidates(prefix), this.#options);
  }

  /** Calls `fn` for every prefix that has a best path (initial feed of a new peer, kernel sync). */
  forEachBest(fn: (best: Path, multipath: readonly Path[]) => void): void {
    for (const slot of this.#routes.values()) {
      const set = outcomeOf(slot);
      if (set.length > 0) fn(set[0]!, set);
    }
  }

  /** New decision options (a reload): recomputes every prefix, emitting what changed. */
  setOptions(options: MultipathOptions): void {
    this.#options = options;
    for (const [prefix, slot] of this.#routes) if (slot instanceof Entry) this.#recompute(prefix, slot);
  }

  #recompute(prefix: string, entry: Entry): void {
    const before = entry.multipath;
    const n = entry.candidates.length;
    if (n === 0) this.#routes.delete(prefix);
    // Back to the inline form when one candidate is left.
    else if (n === 1) this.#routes.set(prefix, entry.candidates[0]!);
    else this.#routes.set(prefix, entry);
    const after = n === 0 ? NONE : multipathSet(entry.candidates, this.#options);
    entry.multipath = after;
    if (!sameSet(before, after)) this.#emit(prefix, after[0], after, before[0]);
  }

  #emit(prefix: string, best: Path | undefined, multipath: readonly Path[], previousBest: Path | undefined): void {
    // Cleared first: an ECMP-only change keeps the same best.
    if (previousBest !== undefined) previousBest.selected = false;
    if (best !== undefined) best.selected = true;
    this.#listener?.({ prefix, best, multipath, previousBest });
  }
}
