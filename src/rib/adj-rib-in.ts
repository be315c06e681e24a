/**
 * Adj-RIB-In for one peer (RFC 4271 §3.2): the routes it sent us, after import processing,
 * keyed by prefix and — with ADD-PATH (RFC 7911) — path identifier. Ineligible paths are kept,
 * flagged, not dropped (so a later loop-free or valid re-announcement, or `show`, sees them).
 *
 * Memory: a prefix with one path maps straight to that `Path`; an array appears only when a
 * second path identifier arrives for the same prefix. Stored paths hold a reference on their
 * attribute set (`retain`/`release`), which is what keeps the intern table exact.
 *
 * Graceful restart (RFC 4724 §4.2) and enhanced route refresh (RFC 7313 §4): `markStale` flags
 * every path, re-announcements clear the flag, `sweepStale` removes what was not refreshed.
 */
import type { IpFamily } from '../bgp/address.js';
import type { Path, PeerInfo } from './path.js';

type Slot = Path | Path[];

function familyOf(prefix: string): IpFamily {
  return prefix.includes(':') ? 6 : 4;
}

/** Same route as far as selection and export care: nothing to recompute. */
function sameRoute(a: Path, b: Path): boolean {
  return a.attrs === b.attrs && a.ineligible === b.ineligible;
}

export class AdjRibIn {
  readonly peer: PeerInfo;
  readonly #routes = new Map<string, Slot>();
  #paths = 0;

  constructor(peer: PeerInfo) {
    this.peer = peer;
  }

  /** Number of paths held (counting each ADD-PATH path). */
  get size(): number {
    return this.#paths;
  }

  /** Number of distinct prefixes held. */
  get prefixCount(): number {
    return this.#routes.size;
  }

  /**
   * Stores `path` (an implicit withdraw of the same prefix and path ID, RFC 4271 §3.1).
   * Returns the path it replaced, `undefined` when the prefix/path ID is new, or `null` when the
   * stored path already had the same attributes and eligibility: then the stored path stays,
   * its stale flag is cleared, and nothing downstream needs to change.
   */
  put(path: Path): Path | undefined | null {
    const slot = this.#routes.get(path.prefix);
    if (slot === undefined) {
      this.#routes.set(path.prefix, path);
      return this.#added(path);
    }
    if (!Array.isArray(slot)) {
      if (slot.pathId === path.pathId) {
        if (sameRoute(slot, path)) return this.#refreshed(slot);
        this.#routes.set(path.prefix, path);
        return this.#replaced(slot, path);
      }
      this.#routes.set(path.prefix, [slot, path]);
      return this.#added(path);
    }
    for (let i = 0; i < slot.length; i++) {
      const old = slot[i]!;
      if (old.pathId !== path.pathId) continue;
      if (sameRoute(old, path)) return this.#refreshed(old);
      slot[i] = path;
      return this.#replaced(old, path);
    }
    slot.push(path);
    return this.#added(path);
  }

  /** Removes the path for (prefix, path ID); returns it, or undefined if there was none. */
  withdraw(prefix: string, pathId = 0): Path | undefined {
    const slot = this.#routes.get(prefix);
    if (slot === undefined) return undefined;
    if (!Array.isArray(slot)) {
      if (slot.pathId !== pathId) return undefined;
      this.#routes.delete(prefix);
      return this.#removed(slot);
    }
    const i = slot.findIndex((p) => p.pathId === pathId);
    if (i < 0) return undefined;
    const [old] = slot.splice(i, 1);
    // Back to the inline form once a single path is left.
    if (slot.length === 1) this.#routes.set(prefix, slot[0]!);
    return this.#removed(old!);
  }

  get(prefix: string, pathId = 0): Path | undefined {
    const slot = this.#routes.get(prefix);
    if (slot === undefined) return undefined;
    if (!Array.isArray(slot)) return slot.pathId === pathId ? slot : undefined;
    return slot.find((p) => p.pathId === pathId);
  }

  /** Every path for a prefix (several only with ADD-PATH). */
  paths(prefix: string): readonly Path[] {
    const slot = this.#routes.get(prefix);
    if (slot === undefined) return [];
    return Array.isArray(slot) ? slot.slice() : [slot];
  }

  *[Symbol.iterator](): IterableIterator<Path> {
    for (const slot of this.#routes.values()) {
      if (Array.isArray(slot)) yield* slot;
      else yield slot;
    }
  }

  /** RFC 4724 §4.2: flags every path (of one family, if given) stale; returns how many. */
  markStale(family?: IpFamily): number {
    let n = 0;
    for (const path of this) {
      if (family !== undefined && familyOf(path.prefix) !== family) continue;
      path.stale = true;
      n++;
    }
    return n;
  }

  /** RFC 4724 §4.2 (End-of-RIB or restart timer): removes the stale paths, reporting each one. */
  sweepStale(onRemoved: (path: Path) => void): number {
    const stale: Path[] = [];
    for (const path of this) if (path.stale) stale.push(path);
    for (const path of stale) {
      this.withdraw(path.prefix, path.pathId);
      onRemoved(path);
    }
    return stale.length;
  }

  /** Session down without graceful restart: removes every path, reporting each one. */
  clear(onRemoved: (path: Path) => void): number {
    const n = this.#paths;
    const routes = [...this.#routes.values()];
    this.#routes.clear();
    this.#paths = 0;
    for (const slot of routes) {
      if (Array.isArray(slot)) {
        for (const path of slot) {
          path.attrs.release();
          onRemoved(path);
        }
      } else {
        slot.attrs.release();
        onRemoved(slot);
      }
    }
    return n;
  }

  #added(path: Path): undefined {
    path.attrs.retain();
    this.#paths++;
    return undefined;
  }

  #replaced(old: Path, path: Path): Path {
    path.attrs.retain();
    old.attrs.release();
    return old;
  }

  #refreshed(stored: Path): null {
    stored.stale = false;
    return null;
  }

  #removed(old: Path): Path {
    old.attrs.release();
    this.#paths--;
    return old;
  }
}
