/**
 * Adj-RIB-Out (RFC 4271 §3.2): what has been advertised, per update group (every member of a
 * group was sent the same thing, save split horizon). For each prefix it keeps the Loc-RIB path
 * that was exported — or, with ADD-PATH (RFC 7911), the paths with the identifiers they were sent
 * under: a path's source decides split horizon (never back to the session it came from, RFC 4456
 * §8 / BIRD `bgp_preexport`), and since paths are immutable, "unchanged" is an identity test. The
 * exported attribute set is derived again (memoised, export-attrs.ts) when the table is resent,
 * so nothing is allocated per prefix. A stored path's set is retained (attr-set.ts) for as long
 * as it is held here, which may outlast its place in the Adj-RIB-In until the next flush. A
 * stored path doubles as the NLRI of its withdrawal.
 *
 * The paths live in the route table's per-prefix entries (dest.ts), in this group's slot: the
 * flush, which holds the entry already, reads and writes it without a lookup.
 */
import type { Nlri } from '../bgp/types.js';
import { isPathSet, type Advertised, type Dest } from './dest.js';
import type { LocRib } from './loc-rib.js';
import type { Path } from './path.js';

/** The session address a path came from; empty for this speaker's own routes. */
function sourceAddress(path: Path): string {
  return path.source.kind === 'local' ? '' : path.source.address;
}

/** The one session address every advertised path came from, or undefined when they differ or are local. */
function onlySource(advertised: Advertised): string | undefined {
  if (!isPathSet(advertised)) return sourceAddress(advertised) || undefined;
  const first = advertised.paths[0];
  if (first === undefined) return undefined;
  const address = sourceAddress(first);
  if (address === '' || advertised.paths.some((p) => sourceAddress(p) !== address)) return undefined;
  return address;
}

function retain(advertised: Advertised): void {
  if (!isPathSet(advertised)) advertised.attrs.retain();
  else for (const p of advertised.paths) p.attrs.retain();
}

function release(advertised: Advertised): void {
  if (!isPathSet(advertised)) advertised.attrs.release();
  else for (const p of advertised.paths) p.attrs.release();
}

export class AdjRibOut {
  readonly #table: LocRib;
  readonly slot: number;
  #size = 0;

  constructor(table: LocRib, slot: number) {
    this.#table = table;
    this.slot = slot;
  }

  /** Prefixes advertised. */
  get size(): number {
    return this.#size;
  }

  get(prefix: string | Nlri): Advertised | undefined {
    const dest = this.#table.dest(prefix);
    return dest === undefined ? undefined : this.at(dest);
  }

  /** What this group advertised for `dest`. */
  at(dest: Dest): Advertised | undefined {
    return dest.outAt(this.slot);
  }

  /** Records that `advertised` was sent for `dest`, which held `current` (read by `at`). */
  replace(dest: Dest, advertised: Advertised, current: Advertised | undefined): void {
    retain(advertised);
    dest.setOut(this.slot, advertised);
    if (current === undefined) this.#size++;
    else release(current);
  }

  /** Records the withdrawal of `current`, what `dest` held (read by `at`). */
  remove(dest: Dest, current: Advertised): void {
    dest.setOut(this.slot, undefined);
    release(current);
    this.#size--;
    this.#table.released(dest);
  }

  /** Whether a session at `address` holds the prefix (split horizon kept some paths from it). */
  static reaches(advertised: Advertised | undefined, address: string): boolean {
    if (advertised === undefined) return false;
    if (!isPathSet(advertised)) return sourceAddress(advertised) !== address || address === '';
    return advertised.paths.some((p) => sourceAddress(p) !== address);
  }

  /**
   * Per session address, the prefixes split horizon held back from it entirely (every path
   * advertised came from it), in one pass for every member.
   */
  heldBackByAddress(): Map<string, number> {
    const out = new Map<string, number>();
    for (const dest of this.dests()) {
      const address = onlySource(dest.outAt(this.slot)!);
      if (address !== undefined) out.set(address, (out.get(address) ?? 0) + 1);
    }
    return out;
  }

  /** Prefixes held back from a session at this address by split horizon. */
  countFromAddress(address: string): number {
    return this.heldBackByAddress().get(address) ?? 0;
  }

  /** Every advertised path (one pass over the route table). */
  *values(): IterableIterator<Path> {
    for (const dest of this.dests()) {
      const advertised = dest.outAt(this.slot)!;
      if (isPathSet(advertised)) yield* advertised.paths;
      else yield advertised;
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
