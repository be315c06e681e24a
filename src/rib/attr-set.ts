/**
 * Immutable, interned path attribute sets: one frozen `AttrSet` per distinct set of attributes,
 * shared by every route that carries it (BIRD `rta_lookup`, FRR `bgp_attr_intern`). A 1,000,000-
 * prefix table with one attribute set holds one object, equality is `===`, and the update packer
 * can group prefixes by identity.
 *
 * The RIB-facing record `PathAttributes` is normalised from a decoded `PathAttribute[]`: the next
 * hop comes from NEXT_HOP or MP_REACH_NLRI (RFC 4760 §3), AS4_PATH/AS4_AGGREGATOR are merged in
 * (RFC 6793 §4.2.3), unrecognised non-transitive attributes are dropped and transitive ones kept
 * with the Partial bit (RFC 4271 §5). Interning costs O(attributes) per UPDATE: the canonical key
 * is built once per attribute set, never per prefix.
 *
 * Lifetime: reference counts, as in BIRD, FRR and OpenBGPD. Whoever stores a set in a route
 * (Adj-RIB-In, Adj-RIB-Out) calls `retain()` and later `release()`; at zero the set leaves the
 * table at once, so the table holds exactly the sets routes use — a bound a test can assert
 * synchronously. WeakRef interning was rejected: reclamation waits for GC, cannot be asserted,
 * and V8 keeps every WeakRef target alive until the current job ends, so a 1,000,000-prefix burst
 * processed in one job could not shed churned sets. Sets interned but never retained (transient
 * export variants, rejected UPDATEs) are reaped by a two-generation sweep: a zero-reference set
 * survives at least one batch of `SWEEP_BATCH` newly interned sets before it is forgotten.
 */
import { AS_TRANS, AttrFlag } from '../bgp/constants.js';
import type { AsPathSegment, ExtendedCommunity, LargeCommunity, Origin, PathAttribute } from '../bgp/types.js';
import { asPathLength, mergeAs4Path, neighborAs } from './as-path.js';
import { ipv4Value } from './prefix-set.js';

/** An unrecognised optional transitive attribute passed on unchanged (RFC 4271 §5). */
export interface UnknownAttribute {
  readonly code: number;
  readonly flags: number;
  readonly value: Uint8Array;
}

export interface Aggregator {
  readonly asn: number;
  readonly address: string;
}

/** The normalised attributes of a route. Scalars absent on the wire are `undefined`. */
export interface PathAttributes {
  readonly origin: Origin;
  readonly asPath: readonly AsPathSegment[];
  /** One next hop, or two for IPv6 (global then link-local, RFC 2545 §3); empty for local routes. */
  readonly nextHops: readonly string[];
  readonly med: number | undefined;
  readonly localPref: number | undefined;
  readonly atomicAggregate: boolean;
  readonly aggregator: Aggregator | undefined;
  /** RFC 1997 communities as 32-bit numbers, in received order. */
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  readonly extendedCommunities: readonly ExtendedCommunity[];
  readonly originatorId: string | undefined;
  readonly clusterList: readonly string[];
  readonly unknown: readonly UnknownAttribute[];
  /**
   * Not a BGP attribute: the route's priority as a BGPFilter import rule's `setPriority` left it
   * (BIRD's `krt_metric`, CALICO.md §1.7), kept with the route inside petrel and never sent.
   */
  readonly priority?: number | undefined;
}

/** What `intern` takes: every field but ORIGIN may be left out. */
export type PathAttributesInit = { readonly origin: Origin } & {
  readonly [K in Exclude<keyof PathAttributes, 'origin'>]?: PathAttributes[K];
};

/** A change to an existing set; `{ med: undefined }` removes the MED. */
export type AttrPatch = { readonly [K in keyof PathAttributes]?: PathAttributes[K] };

/** Where the next hop of the NLRI at hand comes from. */
export type NextHopSource = 'next-hop' | 'mp-reach';

const ORIGIN_RANK: Readonly<Record<Origin, number>> = { igp: 0, egp: 1, incomplete: 2 };
const SEGMENT_CODE: Readonly<Record<AsPathSegment['type'], string>> = {
  set: 's',
  sequence: 'q',
  'confed-sequence': 'c',
  'confed-set': 'd',
};
/** Zero-reference sets live through at least this many new internings before being reaped. */
const SWEEP_BATCH = 1024;
/** Per-set memo of derived sets (export variants); cleared when it outgrows this. */
const MEMO_LIMIT = 64;
const EMPTY: readonly never[] = Object.freeze([]);

interface TableState {
  readonly sets: Map<string, AttrSet>;
  young: AttrSet[];
  old: AttrSet[];
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Canonical key: every field in a fixed order, `|`-separated; no field text contains `|`. */
function attrKey(a: PathAttributesInit): string {
  let asPath = '';
  for (const s of a.asPath ?? EMPTY) asPath += `${SEGMENT_CODE[s.type]}${s.asns.join(' ')};`;
  let large = '';
  for (const c of a.largeCommunities ?? EMPTY) large += `${c[0]}:${c[1]}:${c[2]},`;
  let ext = '';
  for (const c of a.extendedCommunities ?? EMPTY) ext += `${c.type}.${c.subtype}.${c.value},`;
  let unknown = '';
  for (const u of a.unknown ?? EMPTY) unknown += `${u.code}.${u.flags}.${hex(u.value)},`;
  const agg = a.aggregator ? `${a.aggregator.asn}@${a.aggregator.address}` : '';
  return (
    `${a.origin}|${asPath}|${(a.nextHops ?? EMPTY).join(',')}|${a.med ?? ''}|${a.localPref ?? ''}|` +
    `${a.atomicAggregate === true ? 1 : 0}|${agg}|${(a.communities ?? EMPTY).join(',')}|${large}|${ext}|` +
    `${a.originatorId ?? ''}|${(a.clusterList ?? EMPTY).join(',')}|${unknown}` +
    // Only sets with a priority say so: every other key stays as it was.
    (a.priority === undefined ? '' : `|p${a.priority}`)
  );
}

function frozen<T>(list: readonly T[] | undefined): readonly T[] {
  return list === undefined || list.length === 0 ? EMPTY : Object.freeze(list.slice());
}

/** One interned attribute set. Frozen; compare with `===`. */
export class AttrSet implements PathAttributes {
  readonly origin: Origin;
  readonly asPath: readonly AsPathSegment[];
  readonly nextHops: readonly string[];
  readonly med: number | undefined;
  readonly localPref: number | undefined;
  readonly atomicAggregate: boolean;
  readonly aggregator: Aggregator | undefined;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  readonly extendedCommunities: readonly ExtendedCommunity[];
  readonly originatorId: string | undefined;
  readonly clusterList: readonly string[];
  readonly unknown: readonly UnknownAttribute[];
  readonly priority: number | undefined;
  /** The canonical key this set is interned under. */
  readonly key: string;
  /** Precomputed for the decision process (RFC 4271 §9.1.2.2). */
  readonly asPathLength: number;
  readonly neighborAs: number;
  readonly originRank: number;
  /** ORIGINATOR_ID as a number for RFC 4456 §9 comparison, -1 when absent. */
  readonly originatorIdValue: number;

  // Private fields stay writable on a frozen object: the lifetime bookkeeping lives here.
  #refs = 0;
  #interned = true;
  #memo: Map<string, AttrSet> | undefined = undefined;
  readonly #table: TableState;

  /** @internal Use `AttrTable.intern`. */
  constructor(init: PathAttributesInit, key: string, table: TableState) {
    this.origin = init.origin;
    this.asPath = init.asPath && init.asPath.length > 0 ? Object.freeze(init.asPath.map((s) => Object.freeze({ type: s.type, asns: Object.freeze(s.asns.slice()) }))) : EMPTY;
    this.nextHops = frozen(init.nextHops);
    this.med = init.med;
    this.localPref = init.localPref;
    this.atomicAggregate = init.atomicAggregate === true;
    this.aggregator = init.aggregator ? Object.freeze({ asn: init.aggregator.asn, address: init.aggregator.address }) : undefined;
    this.communities = frozen(init.communities);
    this.largeCommunities = frozen(init.largeCommunities?.map((c) => Object.freeze([c[0], c[1], c[2]] as const)));
    this.extendedCommunities = frozen(init.extendedCommunities?.map((c) => Object.freeze({ ...c })));
    this.originatorId = init.originatorId;
    this.clusterList = frozen(init.clusterList);
    this.unknown = frozen(init.unknown?.map((u) => Object.freeze({ code: u.code, flags: u.flags, value: u.value.slice() })));
    this.priority = init.priority;
    this.key = key;
    this.asPathLength = asPathLength(this.asPath);
    this.neighborAs = neighborAs(this.asPath);
    this.originRank = ORIGIN_RANK[this.origin];
    this.originatorIdValue = this.originatorId === undefined ? -1 : ipv4Value(this.originatorId);
    this.#table = table;
    Object.freeze(this);
  }

  /** The first next hop (the IPv4 NEXT_HOP or the IPv6 global one), if any. */
  get nextHop(): string | undefined {
    return this.nextHops[0];
  }

  /** Current reference count (routes holding this set). */
  get refs(): number {
    return this.#refs;
  }

  /** True while this object is the table's set for its key. */
  get interned(): boolean {
    return this.#interned;
  }

  /** A route now holds this set. */
  retain(): void {
    // A set reaped while a caller still held it comes back when stored, unless an equal one
    // was interned meanwhile (then this one lives on as a harmless duplicate).
    if (this.#refs++ === 0 && !this.#interned && !this.#table.sets.has(this.key)) {
      this.#table.sets.set(this.key, this);
      this.#interned = true;
    }
  }

  /** A route no longer holds this set; at zero it leaves the table. */
  release(): void {
    if (this.#refs <= 0) throw new Error(`attribute set released more often than retained: ${this.key}`);
    if (--this.#refs === 0) this.#forget();
  }

  /** @internal Drop from the table if still the table's set and unreferenced. */
  reapIfUnused(): void {
    if (this.#refs === 0) this.#forget();
  }

  #forget(): void {
    if (this.#interned && this.#table.sets.get(this.key) === this) this.#table.sets.delete(this.key);
    this.#interned = false;
    this.#memo = undefined;
  }

  /** The normalised fields as a plain record (for patching and tests). */
  toRecord(): PathAttributes {
    return {
      origin: this.origin,
      asPath: this.asPath,
      nextHops: this.nextHops,
      med: this.med,
      localPref: this.localPref,
      atomicAggregate: this.atomicAggregate,
      aggregator: this.aggregator,
      communities: this.communities,
      largeCommunities: this.largeCommunities,
      extendedCommunities: this.extendedCommunities,
      originatorId: this.originatorId,
      clusterList: this.clusterList,
      unknown: this.unknown,
      priority: this.priority,
    };
  }

  /** The interned set equal to this one with `patch` applied, in the same table. */
  with(patch: AttrPatch): AttrSet {
    return internInto(this.#table, { ...this.toRecord(), ...patch });
  }

  /**
   * A derived set remembered under `memoKey` (export and reflection variants), so producing
   * it per prefix costs one Map lookup. Only sets still interned are returned.
   */
  derived(memoKey: string): AttrSet | undefined {
    const hit = this.#memo?.get(memoKey);
    return hit !== undefined && hit.#interned ? hit : undefined;
  }

  remember(memoKey: string, derived: AttrSet): void {
    if (!this.#interned) return;
    if (this.#memo === undefined || this.#memo.size >= MEMO_LIMIT) this.#memo = new Map();
    this.#memo.set(memoKey, derived);
  }
}

function internInto(table: TableState, init: PathAttributesInit): AttrSet {
  const key = attrKey(init);
  const hit = table.sets.get(key);
  if (hit !== undefined) return hit;
  const set = new AttrSet(init, key, table);
  table.sets.set(key, set);
  table.young.push(set);
  if (table.young.length >= SWEEP_BATCH) {
    for (const s of table.old) s.reapIfUnused();
    table.old = table.young;
    table.young = [];
  }
  return set;
}

/** One intern table; a RIB owns one and every set it derives stays in it. */
export class AttrTable {
  readonly #state: TableState = { sets: new Map(), young: [], old: [] };

  /** Number of distinct sets currently interned. */
  get size(): number {
    return this.#state.sets.size;
  }

  /** The unique set equal to `init`. Not retained: call `retain()` when a route stores it. */
  intern(init: PathAttributesInit): AttrSet {
    return internInto(this.#state, init);
  }

  /** Normalises decoded UPDATE attributes; the next hop from NEXT_HOP or MP_REACH_NLRI. */
  fromPathAttributes(list: readonly PathAttribute[], nextHopSource: NextHopSource): AttrSet {
    return this.intern(normalise(list, nextHopSource));
  }
}

/** RFC 4271 §5, RFC 4760 §3, RFC 6793 §4.2.3: decoded attributes to the normalised record. */
export function normalise(list: readonly PathAttribute[], nextHopSource: NextHopSource): PathAttributesInit {
  // A missing ORIGIN is an RFC 7606 treat-as-withdraw the caller flags; 'incomplete' ranks last.
  let origin: Origin = 'incomplete';
  let asPath: readonly AsPathSegment[] | undefined;
  let as4Path: readonly AsPathSegment[] | undefined;
  let nextHops: readonly string[] | undefined;
  let aggregator: Aggregator | undefined;
  let as4Aggregator: Aggregator | undefined;
  const out: { -readonly [K in keyof PathAttributesInit]: PathAttributesInit[K] } = { origin };
  const unknown: UnknownAttribute[] = [];
  for (const a of list) {
    switch (a.type) {
      case 'origin':
        origin = a.origin;
        break;
      case 'as-path':
        asPath = a.segments;
        break;
      case 'as4-path':
        as4Path = a.segments;
        break;
      case 'next-hop':
        if (nextHopSource === 'next-hop') nextHops = [a.nextHop];
        break;
      case 'mp-reach':
        if (nextHopSource === 'mp-reach') nextHops = a.nextHops;
        break;
      case 'mp-unreach':
        break;
      case 'med':
        out.med = a.med;
        break;
      case 'local-pref':
        out.localPref = a.localPref;
        break;
      case 'atomic-aggregate':
        out.atomicAggregate = true;
        break;
      case 'aggregator':
        aggregator = { asn: a.asn, address: a.address };
        break;
      case 'as4-aggregator':
        as4Aggregator = { asn: a.asn, address: a.address };
        break;
      case 'communities':
        out.communities = a.communities;
        break;
      case 'large-communities':
        out.largeCommunities = a.communities;
        break;
      case 'extended-communities':
        out.extendedCommunities = a.communities;
        break;
      case 'originator-id':
        out.originatorId = a.originatorId;
        break;
      case 'cluster-list':
        out.clusterList = a.clusterIds;
        break;
      case 'unknown': {
        const flags = a.flags ?? 0;
        // RFC 4271 §5: unrecognised non-transitive attributes are quietly dropped; transitive ones
        // are passed on with Partial set.
        if (flags & AttrFlag.TRANSITIVE) {
          let f = (flags | AttrFlag.PARTIAL) & ~AttrFlag.EXTENDED_LENGTH;
          if (a.value.length > 255) f |= AttrFlag.EXTENDED_LENGTH;
          unknown.push({ code: a.code, flags: f, value: a.value });
        }
        break;
      }
    }
  }
  // RFC 6793 §4.2.3: AS4_* are ignored when AGGREGATOR names a real (non-AS_TRANS) AS.
  const useAs4 = aggregator === undefined || aggregator.asn === AS_TRANS;
  if (useAs4 && as4Path !== undefined && asPath !== undefined) asPath = mergeAs4Path(asPath, as4Path);
  if (useAs4 && as4Aggregator !== undefined && aggregator !== undefined) aggregator = as4Aggregator;
  out.origin = origin;
  if (asPath !== undefined) out.asPath = asPath;
  if (nextHops !== undefined) out.nextHops = nextHops;
  if (aggregator !== undefined) out.aggregator = aggregator;
  if (unknown.length > 0) out.unknown = unknown;
  return out;
}

/**
 * Back to wire attributes, in type-code order. With `nextHop: 'attribute'` an IPv4 next hop goes
 * into NEXT_HOP; with `'none'` the caller puts the next hops into MP_REACH_NLRI with the NLRI.
 */
export function toPathAttributes(set: PathAttributes, options: { readonly nextHop: 'attribute' | 'none' }): PathAttribute[] {
  const out: PathAttribute[] = [{ type: 'origin', origin: set.origin }, { type: 'as-path', segments: set.asPath }];
  const nh = set.nextHops[0];
  if (options.nextHop === 'attribute' && nh !== undefined) out.push({ type: 'next-hop', nextHop: nh });
  if (set.med !== undefined) out.push({ type: 'med', med: set.med });
  if (set.localPref !== undefined) out.push({ type: 'local-pref', localPref: set.localPref });
  if (set.atomicAggregate) out.push({ type: 'atomic-aggregate' });
  if (set.aggregator) out.push({ type: 'aggregator', asn: set.aggregator.asn, address: set.aggregator.address });
  if (set.communities.length > 0) out.push({ type: 'communities', communities: set.communities });
  if (set.originatorId !== undefined) out.push({ type: 'originator-id', originatorId: set.originatorId });
  if (set.clusterList.length > 0) out.push({ type: 'cluster-list', clusterIds: set.clusterList });
  if (set.extendedCommunities.length > 0) out.push({ type: 'extended-communities', communities: set.extendedCommunities });
  if (set.largeCommunities.length > 0) out.push({ type: 'large-communities', communities: set.largeCommunities });
  for (const u of set.unknown) out.push({ type: 'unknown', code: u.code, flags: u.flags, value: u.value });
  return out;
}
