/**
 * A path: one route for one prefix from one source, the unit the RIBs store. The attributes are
 * an interned `AttrSet`; the source is a `PeerInfo` shared by every path of that session (built
 * once per session with its comparison keys precomputed), so a path is five fields and a word of flags;
 * its prefix is its route-table entry's.
 * Ineligible paths (RFC 7606 treat-as-withdraw, loops, unreachable next hop, import policy) are
 * stored with the reason and never selected, so `show` can explain them (OpenBGPD `F_PREF_*`).
 */
import type { AttrSet } from './attr-set.js';
import type { BgpFilter } from './bgp-filter.js';
import { Dest, OnDest } from './dest.js';
import { addressOrderKey, ipv4Value } from './prefix-set.js';

/** Where a path came from: an iBGP or eBGP session, or this speaker itself. */
export type PeerKind = 'ibgp' | 'ebgp' | 'local';

/** Why a stored path may not be selected. */
export type IneligibleReason =
  | 'as-loop' // RFC 4271 §9.1.2: our AS in AS_PATH (beyond allow-local-as)
  | 'cluster-loop' // RFC 4456 §8: our cluster ID in CLUSTER_LIST
  | 'originator-loop' // RFC 4456 §8: ORIGINATOR_ID is our router ID
  | 'treat-as-withdraw' // RFC 7606 §2
  | 'next-hop-unreachable' // RFC 4271 §9.1.2.1
  | 'import-rejected';

/** A kernel route learned by petrel (Felix's pod routes and the like): what export policy needs. */
export interface KernelRouteInfo {
  readonly ifname: string;
  readonly metric: number;
}

/**
 * BIRD's protocol preferences (bird.sgml "preference"): a static route beats BGP, BGP beats a
 * kernel-learned route. The decision process compares them first, as BIRD's `rte_better` does.
 */
export const Preference = { STATIC: 200, BGP: 100, KERNEL: 10 } as const;

export interface PeerInfo {
  /** As `show peers` prints it; `local` for routes petrel originates. */
  readonly name: string;
  /** The session's remote address; empty for local routes. */
  readonly address: string;
  /** The peer's BGP Identifier (ours for local routes). */
  readonly routerId: string;
  readonly asn: number;
  readonly kind: PeerKind;
  /** RFC 4456: the peer is one of our route-reflector clients. */
  readonly isClient: boolean;
  /** Protocol preference (see `Preference`). */
  readonly preference: number;
  /** Set for kernel-learned local routes. */
  readonly kernel: KernelRouteInfo | undefined;
  /**
   * The table a kernel-learned route is stored under (each such route has a `PeerInfo` of its
   * own, for its interface and metric); undefined for every other source, which owns itself.
   */
  readonly owner: PeerInfo | undefined;
  /** The AS the session speaks as when not the speaker's own (BIRD `local as`): loop detection uses it. */
  readonly localAsn: number | undefined;
  /** Our AS may appear this often in an eBGP path's AS_PATH (BIRD `allow local as`). */
  readonly allowedLocalAs: number;
  /** The session's import rules (CALICO.md §1.7); a route they reject is stored `import-rejected`. */
  readonly importFilter: BgpFilter | undefined;
  /** Comparison keys, computed once per peer. */
  readonly routerIdValue: number;
  readonly addressKey: string;
}

export interface PeerInfoInit {
  readonly name: string;
  readonly address?: string;
  readonly routerId: string;
  readonly asn: number;
  readonly kind: PeerKind;
  readonly isClient?: boolean;
  readonly preference?: number;
  readonly kernel?: KernelRouteInfo;
  readonly localAsn?: number;
  readonly allowedLocalAs?: number;
  readonly importFilter?: BgpFilter;
  readonly owner?: PeerInfo;
}

export function makePeerInfo(init: PeerInfoInit): PeerInfo {
  const address = init.address ?? '';
  const preference = init.preference ?? (init.kind !== 'local' ? Preference.BGP : init.kernel ? Preference.KERNEL : Preference.STATIC);
  return Object.freeze({
    name: init.name,
    address,
    routerId: init.routerId,
    asn: init.asn,
    kind: init.kind,
    isClient: init.isClient ?? false,
    preference,
    kernel: init.kernel,
    owner: init.owner,
    localAsn: init.localAsn,
    allowedLocalAs: init.allowedLocalAs ?? 0,
    importFilter: init.importFilter,
    routerIdValue: ipv4Value(init.routerId),
    addressKey: address === '' ? '' : addressOrderKey(address),
  });
}

const STALE = 1;
const SELECTED = 2;
/** The ineligibility reason is kept as its index here, above the two flags (a path is 8 bytes smaller). */
const REASON_SHIFT = 2;
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

export class Path extends OnDest {
  /**
   * The prefix's route-table entry (or, until the path is stored, a detached key for it): paths
   * hold no prefix text, which `prefix` builds on demand.
   */
  dest: Dest;
  /** RFC 7911 path identifier; 0 when ADD-PATH is not in use. */
  readonly pathId: number;
  readonly attrs: AttrSet;
  readonly source: PeerInfo;
  /** Stale and selected bits, and the ineligibility reason's code (see `REASON_CODE`). */
  #flags: number;

  /** `prefix`: the text, or the entry (`LocRib.entry`, no text built: the hot path). */
  constructor(prefix: string | Dest, pathId: number, attrs: AttrSet, source: PeerInfo, ineligible: IneligibleReason | null = null) {
    super();
    this.dest = typeof prefix === 'string' ? Dest.of(prefix) : prefix;
    this.pathId = pathId;
    this.attrs = attrs;
    this.source = source;
    this.#flags = ineligible === null ? 0 : REASON_CODE[ineligible] << REASON_SHIFT;
  }

  /** The path may be selected (`ineligible` is null). */
  get eligible(): boolean {
    return this.#flags >>> REASON_SHIFT === 0;
  }

  /** Why this path may not be selected, or null when it may. */
  get ineligible(): IneligibleReason | null {
    return REASON_OF[this.#flags >>> REASON_SHIFT] ?? null;
  }

  /** RFC 4724 §4.2: retained across the peer's restart, awaiting refresh or End-of-RIB sweep. */
  get stale(): boolean {
    return (this.#flags & STALE) !== 0;
  }

  set stale(on: boolean) {
    this.#flags = on ? this.#flags | STALE : this.#flags & ~STALE;
  }

  /**
   * Set by the Loc-RIB while this path is the best for its prefix, so the export journal can
   * tell a still-current change from a superseded one without a table lookup.
   */
  get selected(): boolean {
    return (this.#flags & SELECTED) !== 0;
  }

  set selected(on: boolean) {
    this.#flags = on ? this.#flags | SELECTED : this.#flags & ~SELECTED;
  }
}
