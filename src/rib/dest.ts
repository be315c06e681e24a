/**
 * One prefix in the RIB (BIRD's `net`, OpenBGPD's `rib_entry`): every candidate path from every
 * source (the Adj-RIBs-In, RFC 4271 §3.2), the outcome of the decision process (best path and
 * ECMP set, the Loc-RIB) and, per update group, the path that group last advertised (its
 * Adj-RIB-Out). Keeping the three in one object means a received prefix costs one table lookup
 * from the wire to the socket, where three keyed tables cost six; the object is also the entry of
 * the export journal, so a flush reads it without any lookup.
 *
 * Memory: one object per route where a prefix has one path (a reflector relaying 1,000,000
 * prefixes each announced once). The entry is a `Path` too, and its first candidate is itself
 * (`paths === this`): the path's fields and the entry's share one object (72 bytes; the path
 * identifier lives in the flag word), where an entry and a path apart cost two (128 bytes) and
 * twice the garbage collector's copying. An IPv4
 * prefix is a small integer and a length in the flag word, not a string (text is built on
 * demand); a lone candidate is its own best path, and an array appears only for a second; the
 * best of several, the ECMP set and update-group slots beyond the first live in a side object
 * that most entries never allocate.
 *
 * The entry stays the prefix's entry after its own path is withdrawn or replaced (that path may
 * still be what a group advertised); later candidates are separate `Path`s.
 */
import type { IpFamily } from '../bgp/address.js';
import { formatIpv4Network, Ipv4Nlri, ipv4KeyOf } from '../bgp/nlri.js';
import type { Nlri } from '../bgp/types.js';
import type { AttrSet } from './attr-set.js';
import type { IneligibleReason, PeerInfo } from './path.js';
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

/**
 * Whether `advertised` is a record of several paths. Tested as "not a path": a path's prototype
 * chain reaches `Path` in a step or two, where the other test walks an entry's whole chain.
 */
export function isPathSet(advertised: Advertised): advertised is AdvertisedPaths {
  return !(advertised instanceof Path);
}

/**
 * A path's flag word (see `Path`): the stale and selected bits and the ineligibility reason's
 * code; in a `Dest`, also its prefix length and entry bits. One small integer, so a path is not
 * a field longer for being an entry.
 */
const STALE = 1;
const SELECTED = 2;
const REASON_SHIFT = 2;
const REASON_MASK = 7 << REASON_SHIFT;
/** The entry was built with its first candidate, which it is (see `Dest`). */
const CANDIDATE = 1 << 5;
const FAMILY_6 = 1 << 6;
/** The entry is its table's (see `DestTable`); a detached one is only a key. */
const ATTACHED = 1 << 7;
/** The entry's `#out` holds a `DestExtra`. */
const HAS_EXTRA = 1 << 8;
const LENGTH_SHIFT = 9;
const ID_SHIFT = 17;
/**
 * The largest path identifier an entry keeps in its flag word (13 bits: the word stays a small
 * integer); an ADD-PATH route under a larger one is stored as a path of its own.
 */
export const MAX_ENTRY_PATH_ID = (1 << 13) - 1;

/** Each reason's code (a Record, so a new reason without a code does not compile). */
const REASON_CODE: Readonly<Record<IneligibleReason, number>> = {
  'as-loop': 1,
  'cluster-loop': 2,
  'originator-loop': 3,
  'treat-as-withdraw': 4,
  'next-hop-unreachable': 5,
  'import-rejected': 6,
};
const REASON_OF: readonly (IneligibleReason | null)[] = (() => {
  const out: (IneligibleReason | null)[] = [null];
  for (const [reason, code] of Object.entries(REASON_CODE) as [IneligibleReason, number][]) out[code] = reason;
  return out;
})();

/**
 * Anything about one prefix that reads as that prefix's NLRI: the text built on demand, and for
 * IPv4 the numbers the encoder writes without any text (paths, ADD-PATH identifiers).
 */
export abstract class OnDest implements Nlri {
  abstract get dest(): Dest;

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

/** The flag word of an entry built with its first candidate (`Dest.withPath`). */
function candidateBits(pathId: number, ineligible: IneligibleReason | null): number {
  if (pathId > MAX_ENTRY_PATH_ID || pathId < 0) throw new RangeError(`path identifier ${pathId} does not fit an entry`);
  return CANDIDATE | (pathId << ID_SHIFT) | reasonBits(ineligible);
}

/** A new path's flag word: its ineligibility reason's code. */
function reasonBits(ineligible: IneligibleReason | null): number {
  return ineligible === null ? 0 : REASON_CODE[ineligible] << REASON_SHIFT;
}

/**
 * A path: one route for one prefix from one source, the unit the RIBs store. The attributes are
 * an interned `AttrSet`; the source is a `PeerInfo` shared by every path of that session (built
 * once per session with its comparison keys precomputed); its prefix is its route-table entry's.
 * A prefix's first path is usually that entry itself (a `Dest`, which holds the path identifier
 * in its flag word); further candidates are paths of their own (`Path.create`), which point at the
 * entry. Paths are immutable but for their stale and selected flags.
 * Ineligible paths (RFC 7606 treat-as-withdraw, loops, unreachable next hop, import policy) are
 * stored with the reason and never selected, so `show` can explain them (OpenBGPD `F_PREF_*`).
 */
export abstract class Path extends OnDest {
  // `declare`d, and set by the constructor alone: a field definition as well would cost each of
  // the million entries a second store per field (ES2022 [[Define]] semantics).
  declare readonly attrs: AttrSet;
  declare readonly source: PeerInfo;
  /** Stale and selected bits and the ineligibility reason's code (and a `Dest`'s own bits). */
  protected declare bits: number;

  protected constructor(attrs: AttrSet, source: PeerInfo, bits: number) {
    super();
    this.attrs = attrs;
    this.source = source;
    this.bits = bits;
  }

  /**
   * A path for `prefix` held apart from its entry: `prefix` is the text (the path then points at
   * a detached key until the Loc-RIB stores it) or the entry (`LocRib.entry`, no text built).
   */
  static create(prefix: string | Dest, pathId: number, attrs: AttrSet, source: PeerInfo, ineligible: IneligibleReason | null = null): Path {
    return new SeparatePath(typeof prefix === 'string' ? Dest.of(prefix) : prefix, pathId, attrs, source, reasonBits(ineligible));
  }

  /** This route under another entry or source, as a new path that keeps the stale mark (RFC 4724 §4.2). */
  copy(dest: Dest, source: PeerInfo, ineligible: IneligibleReason | null): Path {
    const out = Path.create(dest, this.pathId, this.attrs, source, ineligible);
    out.stale = this.stale;
    return out;
  }

  /**
   * The prefix's route-table entry (or, until the path is stored, a detached key for it): paths
   * hold no prefix text, which `prefix` builds on demand. A `Dest` is its own.
   */
  abstract override get dest(): Dest;

  /** RFC 7911 path identifier; 0 when ADD-PATH is not in use. */
  abstract get pathId(): number;

  /** Points the path at its table's entry for the prefix (the Loc-RIB, storing a path built on a key). */
  abstract rehome(entry: Dest): void;

  /** The path may be selected (`ineligible` is null). */
  get eligible(): boolean {
    return (this.bits & REASON_MASK) === 0;
  }

  /** Why this path may not be selected, or null when it may. */
  get ineligible(): IneligibleReason | null {
    return REASON_OF[(this.bits & REASON_MASK) >>> REASON_SHIFT] ?? null;
  }

  /** RFC 4724 §4.2: retained across the peer's restart, awaiting refresh or End-of-RIB sweep. */
  get stale(): boolean {
    return (this.bits & STALE) !== 0;
  }

  set stale(on: boolean) {
    this.bits = on ? this.bits | STALE : this.bits & ~STALE;
  }

  /**
   * Set by the Loc-RIB while this path is the best for its prefix, so the export journal can
   * tell a still-current change from a superseded one without a table lookup.
   */
  get selected(): boolean {
    return (this.bits & SELECTED) !== 0;
  }

  set selected(on: boolean) {
    this.bits = on ? this.bits | SELECTED : this.bits & ~SELECTED;
  }
}

/** A path in an object of its own: a prefix's second candidate, or one built from text. */
class SeparatePath extends Path {
  #dest: Dest;
  readonly #pathId: number;

  constructor(dest: Dest, pathId: number, attrs: AttrSet, source: PeerInfo, bits: number) {
    super(attrs, source, bits);
    this.#dest = dest;
    this.#pathId = pathId;
  }

  override get dest(): Dest {
    return this.#dest;
  }

  get pathId(): number {
    return this.#pathId;
  }

  rehome(entry: Dest): void {
    this.#dest = entry;
  }
}

/**
 * What few entries need: update-group slot 0 once any of the rest is used, the other slots, the
 * best of several candidates and an ECMP set.
 */
class DestExtra {
  out0: Advertised | undefined = undefined;
  outs: (Advertised | undefined)[] | undefined = undefined;
  best: Path | undefined = undefined;
  ecmp: readonly Path[] | undefined = undefined;
}

/**
 * Key-only entries (built to look a prefix up, or before any path) are never candidates: their
 * `CANDIDATE` bit is clear, so nothing reads these.
 */
const NO_ATTRS = undefined as unknown as AttrSet;
const NO_SOURCE = undefined as unknown as PeerInfo;

export class Dest extends Path {
  /**
   * IPv4: the network address's 32 bits as a signed integer (a small integer to V8, so the
   * entry needs no string); IPv6: the prefix text.
   */
  readonly #key: number | string;
  /**
   * Candidates: undefined (none), one path, or several. The entry's own path, when it is still
   * a candidate, is `this`.
   */
  declare paths: Path | Path[] | undefined;
  /** Update group slot 0's advertised path(s), or the side object holding every slot. */
  #out: Advertised | DestExtra | undefined;

  private constructor(key: number | string, meta: number, attrs: AttrSet, source: PeerInfo) {
    super(attrs, source, meta);
    this.#key = key;
    this.paths = undefined;
    this.#out = undefined;
  }

  override get dest(): Dest {
    return this;
  }

  get pathId(): number {
    return this.bits >>> ID_SHIFT;
  }

  /** An entry is its own; storing it never moves it. */
  rehome(): void {}

  /** The key for an IPv4 prefix given as numbers (host bits are cleared); holds no path. */
  static ipv4(address4: number, length: number): Dest {
    return new Dest(maskIpv4(address4, length), length << LENGTH_SHIFT, NO_ATTRS, NO_SOURCE);
  }

  /** The key for a prefix given as text (IPv4 is kept as numbers); holds no path. */
  static of(prefix: string): Dest {
    return Dest.#fromText(prefix, 0, NO_ATTRS, NO_SOURCE);
  }

  /**
   * A new entry that is also its prefix's first path (one object per route where most prefixes
   * have one: the Loc-RIB stores it as its own candidate, `paths === this`). `pathId` is at most
   * `MAX_ENTRY_PATH_ID`.
   */
  static withPath(nlri: Nlri, pathId: number, attrs: AttrSet, source: PeerInfo, ineligible: IneligibleReason | null): Dest {
    // The decoder's form first, read monomorphically: `ipv4KeyOf` sees every kind of NLRI.
    const key = nlri instanceof Ipv4Nlri ? nlri : ipv4KeyOf(nlri);
    if (key !== undefined) return Dest.withPath4(key.address4, key.prefixLength, pathId, attrs, source, ineligible);
    return Dest.#fromText(nlri.prefix, candidateBits(pathId, ineligible), attrs, source);
  }

  /** `withPath` for an IPv4 prefix given as numbers (the packed decoder's form, no NLRI object). */
  static withPath4(address4: number, length: number, pathId: number, attrs: AttrSet, source: PeerInfo, ineligible: IneligibleReason | null): Dest {
    return new Dest(maskIpv4(address4, length), candidateBits(pathId, ineligible) | (length << LENGTH_SHIFT), attrs, source);
  }

  /** An entry for a prefix given as text: IPv4 as numbers, anything else as its text. */
  static #fromText(prefix: string, meta: number, attrs: AttrSet, source: PeerInfo): Dest {
    const length = prefixLength(prefix);
    const v4 = ipv4Value(prefix);
    if (v4 >= 0 && length <= 32 && prefix.indexOf('/') > 0) return new Dest(maskIpv4(v4 | 0, length), meta | (length << LENGTH_SHIFT), attrs, source);
    return new Dest(prefix, meta | FAMILY_6 | ((length & 0xff) << LENGTH_SHIFT), attrs, source);
  }

  /** Whether this entry was built with a path of its own (`withPath`), which it then is. */
  get isPath(): boolean {
    return (this.bits & CANDIDATE) !== 0;
  }

  #extra(): DestExtra | undefined {
    return this.bits & HAS_EXTRA ? (this.#out as DestExtra) : undefined;
  }

  #ensureExtra(): DestExtra {
    if (this.bits & HAS_EXTRA) return this.#out as DestExtra;
    const extra = new DestExtra();
    extra.out0 = this.#out as Advertised | undefined;
    this.#out = extra;
    this.bits = this.bits | HAS_EXTRA;
    return extra;
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
    return this.#extra()?.best;
  }

  /** The Loc-RIB's decision (RFC 4271 §9.1.2) for several candidates; ignored for one or none. */
  setBest(best: Path | undefined): void {
    if (Array.isArray(this.paths)) this.#ensureExtra().best = best;
    else {
      const extra = this.#extra();
      if (extra !== undefined) extra.best = undefined;
    }
  }

  /** `a.b.c.d/len` or the IPv6 text, built on demand for IPv4 (logs, `show`, the kernel). */
  override get prefix(): string {
    const key = this.#key;
    return typeof key === 'string' ? key : formatIpv4Network(key, this.prefixLength);
  }

  get family(): IpFamily {
    return this.bits & FAMILY_6 ? 6 : 4;
  }

  /** IPv4: the address's 32 bits (signed); undefined for IPv6 (the encoder's `Ipv4Key` test). */
  override get address4(): number | undefined {
    const key = this.#key;
    return typeof key === 'number' ? key : undefined;
  }

  override get prefixLength(): number {
    return (this.bits >>> LENGTH_SHIFT) & 0xff;
  }

  /** The IPv6 text (the table's key for it), undefined for IPv4. */
  get text(): string | undefined {
    const key = this.#key;
    return typeof key === 'string' ? key : undefined;
  }

  /** Whether this object is its table's entry for the prefix (else only a key to look one up). */
  get attached(): boolean {
    return (this.bits & ATTACHED) !== 0;
  }

  set attached(on: boolean) {
    const flags = this.bits;
    this.bits = on ? flags | ATTACHED : flags & ~ATTACHED;
  }

  /** The ECMP set, best first, when it holds more than the best path alone. */
  get ecmp(): readonly Path[] | undefined {
    return this.#extra()?.ecmp;
  }

  set ecmp(set: readonly Path[] | undefined) {
    if (set === undefined && (this.bits & HAS_EXTRA) === 0) return;
    this.#ensureExtra().ecmp = set;
  }

  /** The ECMP set, best first; empty when there is no best. */
  get multipath(): readonly Path[] {
    const ecmp = this.#extra()?.ecmp;
    if (ecmp !== undefined) return ecmp;
    const best = this.best;
    return best === undefined ? NO_PATHS : [best];
  }

  /** Every candidate (a copy). */
  candidates(): Path[] {
    const p = this.paths;
    if (p === undefined) return [];
    return Array.isArray(p) ? p.slice() : [p];
  }

  outAt(slot: number): Advertised | undefined {
    if ((this.bits & HAS_EXTRA) === 0) return slot === 0 ? (this.#out as Advertised | undefined) : undefined;
    const extra = this.#out as DestExtra;
    return slot === 0 ? extra.out0 : extra.outs?.[slot - 1];
  }

  setOut(slot: number, advertised: Advertised | undefined): void {
    if ((this.bits & HAS_EXTRA) === 0) {
      if (slot === 0) {
        this.#out = advertised;
        return;
      }
      if (advertised === undefined) return;
    }
    const extra = this.#ensureExtra();
    if (slot === 0) {
      extra.out0 = advertised;
      return;
    }
    if (extra.outs === undefined) {
      if (advertised === undefined) return;
      extra.outs = [];
    }
    extra.outs[slot - 1] = advertised;
  }

  /** Nothing references this prefix any more: no candidate, no group holds it. */
  get unused(): boolean {
    if (this.paths !== undefined) return false;
    if ((this.bits & HAS_EXTRA) === 0) return this.#out === undefined;
    const extra = this.#out as DestExtra;
    if (extra.out0 !== undefined) return false;
    const outs = extra.outs;
    if (outs === undefined) return true;
    for (let i = 0; i < outs.length; i++) if (outs[i] !== undefined) return false;
    return true;
  }

  toJSON(): string {
    return this.prefix;
  }
}

function maskIpv4(address4: number, length: number): number {
  return length >= 32 ? address4 | 0 : length === 0 ? 0 : address4 & (-1 << (32 - length));
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
