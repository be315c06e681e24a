/**
 * Adj-RIB-Out (RFC 4271 §3.2): what has been advertised, per update group (every member of a
 * group was sent the same thing, save split horizon). For each prefix it keeps the Loc-RIB path
 * that was exported: the path's source decides split horizon (never back to the session it came
 * from, RFC 4456 §8 / BIRD `bgp_preexport`), and since paths are immutable, "unchanged" is an
 * identity test. The exported attribute set is derived again (memoised, export-attrs.ts) when the
 * table is resent, so nothing is allocated per prefix. A stored path's set is retained
 * (attr-set.ts) for as long as it is held here, which may outlast its place in the Adj-RIB-In
 * until the next flush. A stored path doubles as the NLRI of its withdrawal.
 *
 * The paths live in the route table's per-prefix entries (dest.ts), in this group's slot: the
 * flush, which holds the entry already, reads and writes it without a lookup.
 */
import type { Dest } from './dest.js';
import type { LocRib } from './loc-rib.js';
import type { Path } from './path.js';

export class AdjRibOut {
  readonly #table: LocRib;
  readonly slot: number;
  #size = 0;

  constructor(table: LocRib, slot: number) {
    this.#table = table;
    this.slot = slot;
  }

  get size(): number {
    return this.#size;
  }

  get(prefix: string): Path | undefined {
    return this.#table.dest(prefix)?.outAt(this.slot);
  }

  /** What this group advertised for `dest`. */
  at(dest: Dest): Path | undefined {
    return dest.outAt(this.slot);
  }

  /** Records that `path` was advertised for `dest`, which held `current` (read by `at`). */
  replace(dest: Dest, path: Path, current: Path | undefined): void {
    path.attrs.retain();
    dest.setOut(this.slot, path);
    if (current === undefined) this.#size++;
    else current.attrs.release();
  }

  /** Records the withdrawal of `current`, what `dest` held (read by `at`). */
  remove(dest: Dest, current: Path): void {
    dest.setOut(this.slot, undefined);
    current.attrs.release();
    this.#size--;
    this.#table.released(dest);
  }

  /** Prefixes whose path came from a session with this address (held back by split horizon). */
  countFromAddress(address: string): number {
    let n = 0;
    for (const path of this.values()) if (path.source.kind !== 'local' && path.source.address === address) n++;
    return n;
  }

  /** Every advertised path (one pass over the route table). */
  *values(): IterableIterator<Path> {
    if (this.#size === 0) return;
    for (const dest of this.#table.dests()) {
      const path = dest.outAt(this.slot);
      if (path !== undefined) yield path;
    }
  }

  /** Every entry this group advertised. */
  *dests(): IterableIterator<Dest> {
    if (this.#size === 0) return;
    for (const dest of this.#table.dests()) if (dest.outAt(this.slot) !== undefined) yield dest;
  }

  *keys(): IterableIterator<string> {
    for (const dest of this.dests()) yield dest.prefix;
  }

  /** Forgets everything (the group is gone), releasing every set and the slot's entries. */
  clear(): void {
    if (this.#size === 0) return;
    const held = [...this.dests()];
    for (const dest of held) this.remove(dest, dest.outAt(this.slot)!);
  }
}
