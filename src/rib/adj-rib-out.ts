/**
 * Adj-RIB-Out (RFC 4271 §3.2): what has been advertised, per update group (every member of a
 * group was sent the same thing, save split horizon). For each prefix it keeps the Loc-RIB path
 * that was exported: the path's source decides split horizon (never back to the session it came
 * from, RFC 4456 §8 / BIRD `bgp_preexport`), and since paths are immutable, "unchanged" is an
 * identity test. The exported attribute set is derived again (memoised, export-attrs.ts) when the
 * table is resent, so nothing is allocated per prefix beyond the Map entry; the stored path's set
 * is retained (attr-set.ts) for as long as it is held here, which may outlast its place in the
 * Adj-RIB-In until the next flush. A stored path doubles as the NLRI of its withdrawal.
 */
import type { Path } from './path.js';

export class AdjRibOut {
  readonly #routes = new Map<string, Path>();

  get size(): number {
    return this.#routes.size;
  }

  get(prefix: string): Path | undefined {
    return this.#routes.get(prefix);
  }

  /** Records that `path` was advertised for its prefix. */
  set(path: Path): void {
    path.attrs.retain();
    const old = this.#routes.get(path.prefix);
    this.#routes.set(path.prefix, path);
    old?.attrs.release();
  }

  /**
   * `set` for a caller that has just read `current = get(path.prefix)` (the flush loop): one Map
   * operation instead of two, which counts at a full table.
   */
  replace(path: Path, current: Path | undefined): void {
    path.attrs.retain();
    this.#routes.set(path.prefix, path);
    current?.attrs.release();
  }

  /** `delete` for a caller that has just read `current = get(current.prefix)`. */
  remove(current: Path): void {
    this.#routes.delete(current.prefix);
    current.attrs.release();
  }

  /** Records a withdrawal; returns the path that had been advertised, if any. */
  delete(prefix: string): Path | undefined {
    const old = this.#routes.get(prefix);
    if (old === undefined) return undefined;
    this.#routes.delete(prefix);
    old.attrs.release();
    return old;
  }

  /** Prefixes whose path came from a session with this address (held back by split horizon). */
  countFromAddress(address: string): number {
    let n = 0;
    for (const path of this.#routes.values()) if (path.source.kind !== 'local' && path.source.address === address) n++;
    return n;
  }

  values(): IterableIterator<Path> {
    return this.#routes.values();
  }

  keys(): IterableIterator<string> {
    return this.#routes.keys();
  }

  /** Forgets everything (the group is gone), releasing every set. */
  clear(): void {
    for (const path of this.#routes.values()) path.attrs.release();
    this.#routes.clear();
  }
}
