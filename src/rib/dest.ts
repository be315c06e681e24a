/**
 * One prefix in the RIB (BIRD's `net`, OpenBGPD's `rib_entry`): every candidate path from every
 * source (the Adj-RIBs-In, RFC 4271 §3.2), the outcome of the decision process (best path and
 * ECMP set, the Loc-RIB) and, per update group, the path that group last advertised (its
 * Adj-RIB-Out). Keeping the three in one object means a received prefix costs one table lookup
 * from the wire to the socket, where three keyed tables cost six; the object is also the entry of
 * the export journal, so a flush reads it without any lookup.
 *
 * Memory: an IPv4 prefix is two small integers, not a string (text is built on demand); one
 * candidate is held inline (the common case: a reflector relaying 1,000,000 prefixes each
 * announced once) and is its own best path, an array appears only for a second; the best of
 * several, the ECMP set, update-group slots beyond the first and the IPv6 text live in a side
 * object that most entries never allocate.
 */
import type { IpFamily } from '../bgp/address.js';
import { formatIpv4Network } from '../bgp/nlri.js';
import type { Nlri } from '../bgp/types.js';
import type { Path, PeerInfo } from './path.js';
import { ipv4Value, prefixLength } from './prefix-set.js';

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

/**
 * A group's Adj-RIB-Out entry: one path, or several with ADD-PATH. In an ADD-PATH group a bare
 * path stands for that path under identifier 1 (the common case, kept without a record).
 */
export type Advertised = Path | AdvertisedPaths;

/** `Dest` metadata bits beside the prefix length (bits 0–7). */
const FAMILY_6 = 0x100;
/** The entry is its table's (see `DestTable`); a detached one is only a key. */
const ATTACHED = 0x200;

/**
 * What few entries need: the IPv6 prefix text, the best of several candidates, an ECMP set,
 * update-group slots beyond the first.
 */
class DestExtra {
  text: string | undefined = undefined;
  best: Path | undefined = undefined;
  ecmp: readonly Path[] | undefined = undefined;
  outs: (Advertised | undefined)[] | undefined = undefined;
}

export class Dest {
  /**
   * IPv4: the network address's 32 bits as a signed integer (a small integer to V8, so the
   * entry needs no string); 0 for IPv6, whose text is kept in `#extra`.
   */
  readonly #address: number;
  /** Prefix length, family and attachment bits. */
  #meta: number;
  /** Candidates: undefined (none), one path, or several. */
  paths: Path | Path[] | undefined;
  /** Update group slot 0's advertised path. */
  out0: Advertised | undefined;
  #extra: DestExtra | undefined;

  private constructor(address: number, meta: number, text: string | undefined) {
    this.#address = address;
    this.#meta = meta;
    this.paths = undefined;
    this.out0 = undefined;
    this.#extra = undefined;
    if (text !== undefined) (this.#extra = new DestExtra()).text = text;
  }

  /** The entry for an IPv4 prefix given as numbers (host bits are cleared). */
  static ipv4(address4: number, length: number): Dest {
    const masked = length >= 32 ? address4 | 0 : length === 0 ? 0 : address4 & (-1 << (32 - length));
    return new Dest(masked, length, undefined);
  }

  /** The entry for a prefix given as text: IPv4 is kept as numbers, anything else as its text. */
  static of(prefix: string): Dest {
    const v4 = ipv4Value(prefix);
    if (v4 >= 0) {
      const length = prefixLength(prefix);
      if (length <= 32 && prefix.indexOf('/') > 0) return Dest.ipv4(v4 | 0, length);
    }
    return new Dest(0, FAMILY_6 | (prefixLength(prefix) & 0xff), prefix);
  }

  /**
   * The best path, undefined when no candidate is eligible. One candidate is its own best when
   * eligible, so the common entry keeps no field for it; the best of several is the Loc-RIB's
   * choice (`setBest`). Between a change to `paths` and the Loc-RIB's recomputation this may
   * already tell the new outcome: the Loc-RIB reads the previous best before changing `paths`.
   */
  get best(): Path | undefined {
    const paths = this.paths;
    if (paths === undefined) return undefined;
    if (!Array.isArray(paths)) return paths.eligible ? paths : undefined;
    return this.#extra?.best;
  }

  /** The Loc-RIB's decision (RFC 4271 §9.1.2) for several candidates; ignored for one or none. */
  setBest(best: Path | undefined): void {
    if (Array.isArray(this.paths)) (this.#extra ??= new DestExtra()).best = best;
    else if (this.#extra !== undefined) this.#extra.best = undefined;
  }

  /** `a.b.c.d/len` or the IPv6 text, built on demand for IPv4 (logs, `show`, the kernel). */
  get prefix(): string {
    const text = this.#extra?.text;
    return text !== undefined ? text : formatIpv4Network(this.#address, this.#meta & 0xff);
  }

  get family(): IpFamily {
    return this.#meta & FAMILY_6 ? 6 : 4;
  }

  /** IPv4: the address's 32 bits (signed); undefined for IPv6 (the encoder's `Ipv4Key` test). */
  get address4(): number | undefined {
    return this.#meta & FAMILY_6 ? undefined : this.#address;
  }

  get prefixLength(): number {
    return this.#meta & 0xff;
  }

  /** The IPv6 text (the table's key for it), undefined for IPv4. */
  get text(): string | undefined {
    return this.#meta & FAMILY_6 ? this.#extra!.text : undefined;
  }

  /** Whether this object is its table's entry for the prefix (else only a key to look one up). */
  get attached(): boolean {
    return (this.#meta & ATTACHED) !== 0;
  }

  set attached(on: boolean) {
    this.#meta = on ? this.#meta | ATTACHED : this.#meta & ~ATTACHED;
  }

  /** The ECMP set, best first, when it holds more than the best path alone. */
  get ecmp(): readonly Path[] | undefined {
    return this.#extra?.ecmp;
  }

  set ecmp(set: readonly Path[] | undefined) {
    if (set === undefined && this.#extra === undefined) return;
    (this.#extra ??= new DestExtra()).ecmp = set;
  }

  /** The ECMP set, best first; empty when there is no best. */
  get multipath(): readonly Path[] {
    const ecmp = this.#extra?.ecmp;
    if (ecmp !== undefined) return ecmp;
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
    return this.#extra?.outs?.[slot - 1];
  }

  setOut(slot: number, path: Advertised | undefined): void {
    if (slot === 0) {
      this.out0 = path;
      return;
    }
    if (this.#extra?.outs === undefined) {
      if (path === undefined) return;
      (this.#extra ??= new DestExtra()).outs = [];
    }
    this.#extra.outs[slot - 1] = path;
  }

  /** Nothing references this prefix any more: no candidate, no group holds it. */
  get unused(): boolean {
    if (this.paths !== undefined || this.out0 !== undefined) return false;
    const outs = this.#extra?.outs;
    if (outs === undefined) return true;
    for (let i = 0; i < outs.length; i++) if (outs[i] !== undefined) return false;
    return true;
  }

  toJSON(): string {
    return this.prefix;
  }
}

/**
 * Anything about one prefix that reads as that prefix's NLRI: the text built on demand, and for
 * IPv4 the numbers the encoder writes without any text (paths, ADD-PATH identifiers).
 */
export abstract class OnDest implements Nlri {
  abstract dest: Dest;

  get prefix(): string {
    return this.dest.prefix;
  }

  /** IPv4: the address as numbers, for the encoder (see `Ipv4Key`); undefined for IPv6. */
  get address4(): number | undefined {
    return this.dest.address4;
  }

  get prefixLength(): number {
    return this.dest.prefixLength;
  }
}

/** A prefix under an ADD-PATH path identifier (RFC 7911), for the encoder. */
export class DestNlri extends OnDest {
  constructor(
    readonly dest: Dest,
    readonly pathId: number,
  ) {
    super();
  }
}

/**
 * The source that stores a path: its session's `PeerInfo`, or — for kernel-learned routes, whose
 * `PeerInfo` carries each route's interface and metric — the table they were learned into.
 */
export function ownerOf(source: PeerInfo): PeerInfo {
  return source.owner ?? source;
}
