/**
 * Where paths come from (`PeerInfo`: one per session, shared by all its paths) and why a stored
 * path may be ineligible. The `Path` class itself lives beside the route-table entry it is the
 * first candidate of (dest.ts).
 */
import type { BgpFilter } from './bgp-filter.js';
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
  /** The route leads off this node through a gateway (BIRD `dest = RTD_ROUTER`), not to a local device. */
  readonly viaGateway?: boolean;
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

export { Path } from './dest.js';
