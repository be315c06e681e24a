/**
 * The kernel FIB as the daemon sees it: routes petrel wants in the kernel (`replace`/`remove`),
 * what the kernel holds (`dump`), other owners' routes (`watch`), and the persist hand-over
 * (`releaseStale`). The only implementation is `KernelSyncer` (syncer.ts), the one module that
 * talks rtnetlink; the RIB never sees netlink types (STYLE.md, src/kernel/).
 */
import type { KernelCounters } from './metrics.js';

/** One path of a route: a gateway, the device to reach it through, and whether it is on-link. */
export interface KernelNextHop {
  readonly gateway: string;
  /** Output interface name; absent lets the kernel resolve the gateway (a ToR's next hop). */
  readonly device?: string;
  /** RTNH_F_ONLINK: the gateway is reachable through `device` without a connected subnet (IPIP, VXLAN). */
  readonly onlink: boolean;
}

/** A route as petrel programs it, always with its own protocol number into its configured table. */
export interface KernelRoute {
  /** Canonical `address/length`. */
  readonly prefix: string;
  /** `blackhole` for this node's own blocks (CALICO.md §1.2), `unicast` for everything learned. */
  readonly type: 'unicast' | 'blackhole';
  /** One next hop, or several for one ECMP (multipath) route; empty for a blackhole. */
  readonly nextHops: readonly KernelNextHop[];
  /** RTA_PRIORITY; absent is metric 0 (what BIRD's Calico template writes). */
  readonly metric?: number;
}

/** What became of a route petrel wants. */
export type RouteState =
  | 'installed' // the kernel holds exactly this route with petrel's protocol
  | 'pending' // queued for the next write
  | 'conflict' // another owner holds the same prefix and metric (`File exists`)
  | 'failed' // the kernel refused it (a missing device, an unreachable gateway...)
  | 'stale'; // adopted on start with persist, to go at `releaseStale()` unless wanted again

export interface RouteStatus {
  readonly route: KernelRoute;
  readonly state: RouteState;
  /** The errno name of the last refusal, for `failed` and `conflict`. */
  readonly error?: string;
}

/** The kernel route types petrel reports for learned routes (rtm_type). */
export type LearnedRouteType = 'unicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'other';

/**
 * A route of another owner in petrel's table (BIRD `learn`): Felix's pod /32s on `cali*`
 * (protocol 3), its blackhole blocks and VXLAN routes (protocol 80), static routes... The export
 * policy uses them to export blocks and suppress the /32s beneath them (CALICO.md §1.2, §3).
 */
export interface LearnedRoute {
  readonly prefix: string;
  readonly protocol: number;
  readonly type: LearnedRouteType;
  /** The output interface (the first next hop's for multipath); absent for blackholes. */
  readonly ifname?: string;
  readonly metric: number;
  readonly gateway?: string;
}

export interface LearnEvent extends LearnedRoute {
  readonly kind: 'learned';
  readonly change: 'added' | 'removed';
}

/** Interfaces or their addresses changed: encapsulation choices (which NIC) may differ now. */
export interface InterfacesEvent {
  readonly kind: 'interfaces';
}

/** The kernel was dumped again and the shadow map rebuilt (RouteState changes follow in writes). */
export interface ResyncedEvent {
  readonly kind: 'resynced';
  readonly reason: 'start' | 'overflow' | 'interface-loss' | 'periodic' | 'requested';
}

export type FibEvent = LearnEvent | InterfacesEvent | ResyncedEvent;
export type FibListener = (events: readonly FibEvent[]) => void;

export interface FibSnapshot {
  readonly routes: readonly RouteStatus[];
  readonly learned: readonly LearnedRoute[];
}

/** Structured logging as pino's `logger.warn(fields, message)`. */
export interface KernelLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface FibPort {
  /** Dumps links, addresses and routes, adopts petrel's own routes, then follows notifications. */
  start(): Promise<void>;
  /** Stops following the kernel; leaves petrel's routes in place with `persist`, else deletes them. */
  stop(): Promise<void>;
  /** Wants `route` in the kernel (replacing what petrel had for its prefix). */
  replace(route: KernelRoute): void;
  /** Wants nothing for `prefix` any more. */
  remove(prefix: string): void;
  /** Deletes adopted routes nobody asked for again (after End-of-RIB or a timeout, RFC 4724 §4.1). */
  releaseStale(): void;
  /** A full reconciliation against a fresh dump now (the periodic safety net does the same). */
  reconcile(): Promise<void>;
  /** Resolves once every queued write has been answered by the kernel. */
  settled(): Promise<void>;
  /** The routes petrel wants or adopted, with their state, and the learned routes. */
  dump(): FibSnapshot;
  /** Learned-route and interface changes; the learned routes present at start arrive as `added`. */
  watch(listener: FibListener): () => void;
  readonly counters: Readonly<KernelCounters>;
}
