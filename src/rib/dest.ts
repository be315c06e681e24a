/**
 * One prefix in the RIB (BIRD's `net`, OpenBGPD's `rib_entry`): every candidate path from every
 * source (the Adj-RIBs-In, RFC 4271 §3.2), the outcome of the decision process (best path and
 * ECMP set, the Loc-RIB) and, per update group, the path that group last advertised (its
 * Adj-RIB-Out). Keeping the three in one object means a received prefix costs one table lookup
 * from the wire to the socket, where three keyed tables cost six; the object is also the entry of
 * the export journal, so a flush reads it without any lookup.
 *
 * Memory: one candidate is held inline (the common case: a reflector relaying 1,000,000
 * prefixes each announced once), an array appears only for a second; the ECMP set exists only
 * when it has more than one path; update-group slot 0 is a field, further slots an array.
 */
import type { Path, PeerInfo } from './path.js';

export const NO_PATHS: readonly Path[] = Object.freeze([]);

/**
 * What a group advertised for a prefix with ADD-PATH (RFC 7911 §3): several paths, each under
 * the path identifier the group chose for it (`ids[i]` for `paths[i]`), kept while the path —
 * or its replacement from the same source and received path ID — stays advertised.
 */
export class AdvertisedPaths {
  constructor(
    readonly paths: readonly Path[],
    readonly ids: readonly number[],
  ) {}
}

/** A group's Adj-RIB-Out entry: one path, or several with ADD-PATH. */
export type Advertised = Path | AdvertisedPaths;

export class Dest {
  readonly prefix: string;
  /** Candidates: undefined (none), one path, or several. */
  paths: Path | Path[] | undefined;
  /** The best path, undefined when no candidate is eligible. */
  best: Path | undefined;
  /** The ECMP set, best first, when it holds more than the best path alone. */
  ecmp: readonly Path[] | undefined;
  /** Update group slot 0's advertised path. */
  out0: Advertised | undefined;
  /** Update group slots 1.. (index slot - 1). */
  outs: (Advertised | undefined)[] | undefined;

  constructor(prefix: string) {
    this.prefix = prefix;
    this.paths = undefined;
    this.best = undefined;
    this.ecmp = undefined;
    this.out0 = undefined;
    this.outs = undefined;
  }

  /** The ECMP set, best first; empty when there is no best. */
  get multipath(): readonly Path[] {
    if (this.ecmp !== undefined) return this.ecmp;
    return this.best === undefined ? NO_PATHS : [this.best];
  }

  /** Every candidate (a copy). */
  candidates(): Path[] {
    const p = this.paths;
    if (p === undefined) return [];
    return Array.isArray(p) ? p.slice() : [p];
  }

  outAt(slot: number): Advertised | undefined {
    if (slot === 0) return this.out0;
    return this.outs?.[slot - 1];
  }

  setOut(slot: number, path: Advertised | undefined): void {
    if (slot === 0) {
      this.out0 = path;
      return;
    }
    if (this.outs === undefined) {
      if (path === undefined) return;
      this.outs = [];
    }
    this.outs[slot - 1] = path;
  }

  /** Nothing references this prefix any more: no candidate, no group holds it. */
  get unused(): boolean {
    if (this.paths !== undefined || this.out0 !== undefined) return false;
    const outs = this.outs;
    if (outs === undefined) return true;
    for (let i = 0; i < outs.length; i++) if (outs[i] !== undefined) return false;
    return true;
  }
}

/**
 * The source that stores a path: its session's `PeerInfo`, or — for kernel-learned routes, whose
 * `PeerInfo` carries each route's interface and metric — the table they were learned into.
 */
export function ownerOf(source: PeerInfo): PeerInfo {
  return source.owner ?? source;
}
