/**
 * The common face of every real BGP daemon the tests run (SPEC.md §4): a small typed description
 * of what to configure, from which each daemon's own config is generated, and one `Peer`
 * interface to start it, wait for sessions, change what it originates, and stop it.
 */
import type { NetNs } from './netns.js';

export type DaemonKind = 'bird2' | 'bird16' | 'gobgp' | 'frr';

export type AddressFamily = 'ipv4-unicast' | 'ipv6-unicast';

/** RFC 7911 §4: what this daemon does with path identifiers towards the neighbor. */
export type AddPathDirection = 'send' | 'receive' | 'both';

export interface NeighborConfig {
  /** The neighbor's address; the session is keyed by it in every daemon's CLI. */
  readonly address: string;
  readonly remoteAs: number;
  /** The neighbor's TCP port (default 179). */
  readonly port?: number;
  /** The daemon's source address for this session (default: the daemon chooses). */
  readonly localAddress?: string;
  /** Wait for the neighbor to connect; never connect out. */
  readonly passive?: boolean;
  /** true, or the TTL to use (RFC 4271 multihop eBGP). */
  readonly multihop?: boolean | number;
  /** RFC 2385 TCP MD5 key. */
  readonly password?: string;
  readonly addPath?: AddPathDirection;
  /** RFC 4724; true means a 120 s restart time. */
  readonly gracefulRestart?: boolean | { readonly restartTimeSec: number };
  readonly holdTimeSec?: number;
  /** RFC 4456: this neighbor is a route-reflector client of the daemon. */
  readonly routeReflectorClient?: boolean;
  /** Families to negotiate (default: IPv4 unicast, plus IPv6 unicast if the config has IPv6 routes). */
  readonly families?: readonly AddressFamily[];
  /** RFC 8654, where the daemon can be told to advertise it. */
  readonly extendedMessage?: boolean;
  /**
   * The daemon's connect delay and retry time for this neighbor (default: the daemon's own,
   * e.g. BIRD waits 5 s before dialling and 120 s between attempts).
   */
  readonly connectRetrySec?: number;
  /**
   * FRR `strict-capability-match`: refuse with 2/7 (RFC 5492 §5) a neighbor whose OPEN lacks a
   * family the daemon activates for it, or carries a capability code the daemon does not know.
   */
  readonly strictCapabilityMatch?: boolean;
  /**
   * BFD with the neighbor: BIRD 2 `bfd on` with a `protocol bfd` of these intervals; FRR
   * `neighbor X bfd profile NAME` with bfdd running and a profile of these intervals.
   */
  readonly bfd?: {
    readonly minTxMs: number;
    readonly minRxMs: number;
    readonly multiplier: number;
    /**
     * RFC 5880 §6.7 authentication, BIRD 2 only (FRR 8.4's bfdd has none): `authentication TYPE;
     * password "KEY" { id KEYID; };` in the `protocol bfd` interface and multihop blocks.
     */
    readonly auth?: { readonly type: BfdAuthName; readonly password: string; readonly keyId: number };
  };
  /** FRR `timers delayopen`: wait this long for the neighbor's OPEN before sending one (RFC 4271 §8.1.1). */
  readonly delayOpenSec?: number;
}

/** BFD authentication types, spelled as petrel's config spells them (BIRD's with spaces). */
export type BfdAuthName = 'simple' | 'keyed-md5' | 'meticulous-keyed-md5' | 'keyed-sha1' | 'meticulous-keyed-sha1';

export interface StaticRoute {
  /** `address/length`. */
  readonly prefix: string;
  /**
   * For IPv6 routes on a session whose transport is IPv4: the global IPv6 next hop to announce
   * (the daemons otherwise have none to put in MP_REACH_NLRI).
   */
  readonly nextHop?: string;
  /** `asn:value` (RFC 1997). */
  readonly communities?: readonly string[];
  /** `global:local1:local2` (RFC 8092). */
  readonly largeCommunities?: readonly string[];
  /** Route-target extended communities `asn:value` (RFC 4360 type 0x00/0x02). */
  readonly routeTargets?: readonly string[];
  readonly med?: number;
  readonly localPref?: number;
  /** AS numbers prepended to the path before the daemon's own AS. */
  readonly asPathPrepend?: readonly number[];
}

export interface PeerConfig {
  readonly routerId: string;
  readonly localAs: number;
  /** The port the daemon listens on (default 179). */
  readonly listenPort?: number;
  /**
   * Listen on this address only (default: all). BIRD 2 binds each neighbor's `localAddress`
   * instead (`strict bind`), so there every neighbor needs one.
   */
  readonly listenAddress?: string;
  /**
   * Start as a speaker restarting gracefully (RFC 4724 §4.1): its Graceful Restart capability
   * sets the Forwarding State bit, so its peer keeps the stale routes until End-of-RIB. Calico
   * starts BIRD this way (`bird -R`); without it BIRD, FRR and GoBGP send F = 0 after a restart
   * and a peer must drop the stale routes at once (§4.2).
   */
  readonly restarting?: boolean;

  /** RFC 4456 cluster ID when the daemon reflects (set routeReflectorClient on neighbors). */
  readonly clusterId?: string;
  readonly neighbors: readonly NeighborConfig[];
  readonly routes?: readonly StaticRoute[];
  /** Host name FRR advertises in its FQDN capability (draft-walton-bgp-hostname-capability). */
  readonly hostname?: string;
}

/** A route as the daemon holds it (learned from a neighbor or originated). */
export interface PeerRoute {
  readonly prefix: string;
  readonly nextHop: string;
  readonly asPath: readonly number[];
  readonly communities: readonly string[];
  readonly largeCommunities: readonly string[];
  readonly med?: number;
  readonly localPref?: number;
  /** The neighbor address it was learned from, or undefined when the daemon originates it. */
  readonly fromNeighbor?: string;
  /** RFC 4456 ORIGINATOR_ID, when the route was reflected. */
  readonly originatorId?: string;
  /** RFC 4456 CLUSTER_LIST, nearest reflector first; absent when the route carries none. */
  readonly clusterList?: readonly string[];
}

export type SessionState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export interface Peer {
  readonly kind: DaemonKind;
  readonly ns: NetNs;
  readonly config: PeerConfig;
  /** Writes the config, starts the daemon and resolves once its CLI answers. */
  start(): Promise<void>;
  /** The RFC 4271 state of the session with this neighbor address. */
  sessionState(neighbor: string): Promise<SessionState>;
  /** Resolves when the session with this neighbor is Established. */
  waitEstablished(neighbor: string, timeoutMs?: number): Promise<void>;
  /** What the daemon holds in its RIB for the family. */
  routes(family?: AddressFamily): Promise<readonly PeerRoute[]>;
  /** Starts originating a route (it is advertised to neighbors). */
  announce(route: StaticRoute): Promise<void>;
  /** Stops originating a route: neighbors get a withdrawal. */
  withdraw(prefix: string): Promise<void>;
  /** Administratively shuts the session down: the daemon sends NOTIFICATION Cease. */
  disableNeighbor(neighbor: string): Promise<void>;
  /** Asks the neighbor to resend its routes (RFC 2918 ROUTE-REFRESH, where the daemon sends one). */
  refreshNeighbor(neighbor: string): Promise<void>;
  /** PIDs of the processes this peer started and that have not exited yet. */
  pids(): readonly number[];
  /** The daemon's log and output so far, for failure reports. */
  logs(): Promise<string>;
  /** Stops the daemon (only the PIDs this peer started) and removes its files. */
  stop(): Promise<void>;
}

export const DEFAULT_BGP_PORT = 179;
export const DEFAULT_RESTART_TIME_SEC = 120;

export function isIpv6(addressOrPrefix: string): boolean {
  return addressOrPrefix.includes(':');
}

export function routeFamily(route: StaticRoute): AddressFamily {
  return isIpv6(route.prefix) ? 'ipv6-unicast' : 'ipv4-unicast';
}

/** The families a neighbor negotiates, with the default described on `NeighborConfig.families`. */
export function neighborFamilies(config: PeerConfig, neighbor: NeighborConfig): readonly AddressFamily[] {
  if (neighbor.families) return neighbor.families;
  const anyV6 = (config.routes ?? []).some((r) => isIpv6(r.prefix)) || isIpv6(neighbor.address);
  return anyV6 ? ['ipv4-unicast', 'ipv6-unicast'] : ['ipv4-unicast'];
}

export function restartTimeSec(neighbor: NeighborConfig): number | undefined {
  const gr = neighbor.gracefulRestart;
  if (gr === undefined || gr === false) return undefined;
  return gr === true ? DEFAULT_RESTART_TIME_SEC : gr.restartTimeSec;
}

/** `a:b` split into two numbers. */
export function splitPair(text: string): [number, number] {
  const [a, b] = text.split(':').map(Number);
  return [a!, b!];
}
