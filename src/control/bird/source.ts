/**
 * What the BIRD socket reads from the daemon: a narrow snapshot interface, so the formatting
 * code is tested against plain records and the daemon supplies them through `speakerSource`.
 */
import os from 'node:os';
import { parsePrefix } from '../../bgp/address.js';
import { effectivePeers } from '../../config/peers.js';
import { prefixContainsAddress } from '../../config/prefixes.js';
import type { Speaker } from '../../daemon/speaker.js';
import type { StateName } from '../../fsm/states.js';
import type { Path } from '../../rib/path.js';
import { StartupRecovery, type RecoveryStatus } from './recovery.js';

/** One BGP session as a BIRD protocol row shows it. */
export interface BirdPeer {
  readonly name: string;
  readonly address: string;
  readonly asNumber: number;
  readonly state: StateName;
  /** The last state change. */
  readonly since: Date;
  readonly disabled: boolean;
  readonly passive: boolean;
  readonly internal: boolean;
  readonly multihop: boolean;
  readonly routeReflectorClient: boolean;
  /** The peer's BGP Identifier, once established. */
  readonly routerId: string | null;
  readonly localAddress: string | null;
  /** petrel's `show peers` last error, e.g. `connect: connect ECONNREFUSED 10.0.0.2:179`. */
  readonly lastError: string | null;
  readonly prefixesAccepted: number;
  readonly prefixesAdvertised: number;
}

export interface BirdDaemonStatus {
  readonly version: string;
  readonly routerId: string;
  readonly startedAt: Date;
  readonly lastReconfiguration: Date;
  readonly kernel: boolean;
}

/** The Loc-RIB reads `show route` needs (`LocRib` has them). */
export interface RouteTable {
  forEachBest(fn: (best: Path) => void): void;
  candidates(prefix: string): readonly Path[];
  best(prefix: string): Path | undefined;
}

export interface BirdCliSource {
  now(): Date;
  status(): BirdDaemonStatus;
  peers(): readonly BirdPeer[];
  readonly routes: RouteTable;
  /** Startup graceful restart recovery (BIRD `-R`), while it lasts. */
  recovery(): RecoveryStatus | undefined;
  /** The interface on which `nextHop` is directly reachable, if any (BIRD's gateway resolution). */
  interfaceFor(nextHop: string): string | undefined;
  /** The interface a peer's session runs over, when it shares a link with us (its link-local next hops live there). */
  linkOf(peerName: string): string | undefined;
}

export type InterfaceAddresses = () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;

/** The interface whose connected subnet holds `address` (loopback excluded, as BIRD ignores it). */
export function connectedInterface(address: string, interfaces: InterfaceAddresses = os.networkInterfaces): string | undefined {
  for (const [name, infos] of Object.entries(interfaces())) {
    for (const info of infos ?? []) {
      if (info.internal || info.cidr === null) continue;
      const subnet = parsePrefix(info.cidr);
      if (subnet && prefixContainsAddress(subnet, address)) return name;
    }
  }
  return undefined;
}

export interface SpeakerSourceOptions {
  readonly now?: () => Date;
  readonly interfaces?: InterfaceAddresses;
  /** BIRD's `graceful restart wait` (default 240 s). */
  readonly recoveryWaitSec?: number;
  /**
   * One address family only, as BIRD 1.x's two daemons each saw theirs (bird6.ctl: 6): sessions
   * over that family's addresses, routes of that family. Both when absent (one daemon, BIRD 2+).
   */
  readonly family?: AddressFamily;
}

export type AddressFamily = 4 | 6;

function familyOf(addressOrPrefix: string): AddressFamily {
  return addressOrPrefix.includes(':') ? 6 : 4;
}

/** The routes of one family: a view over the Loc-RIB, nothing copied. */
export function familyRoutes(routes: RouteTable, family: AddressFamily): RouteTable {
  return {
    forEachBest: (fn) =>
      routes.forEachBest((best) => {
        if (familyOf(best.prefix) === family) fn(best);
      }),
    candidates: (prefix) => (familyOf(prefix) === family ? routes.candidates(prefix) : []),
    best: (prefix) => (familyOf(prefix) === family ? routes.best(prefix) : undefined),
  };
}

/** The BIRD socket's view of a running speaker. */
export function speakerSource(speaker: Speaker, options: SpeakerSourceOptions = {}): BirdCliSource {
  const now = options.now ?? (() => new Date());
  const startedAt = new Date(speaker.status().startedAt);
  const recovery = new StartupRecovery(startedAt, options.recoveryWaitSec);
  const snapshot = (): BirdPeer[] => {
    const config = new Map(effectivePeers(speaker.config).map((p) => [p.name, p]));
    const views = speaker.peers();
    const shown = options.family === undefined ? views : views.filter((v) => familyOf(v.address) === options.family);
    return shown.map((v): BirdPeer => {
      const c = config.get(v.name);
      return {
        name: v.name,
        address: v.address,
        asNumber: v.asNumber,
        state: v.state,
        since: new Date(v.since),
        disabled: v.disabled,
        passive: c?.passive ?? false,
        internal: c?.internal ?? v.asNumber === speaker.config.asNumber,
        multihop: c !== undefined && c.multihop !== false,
        routeReflectorClient: c?.routeReflectorClient ?? false,
        routerId: v.routerId,
        localAddress: v.localAddress,
        lastError: v.lastError,
        prefixesAccepted: v.prefixesAccepted,
        prefixesAdvertised: v.prefixesAdvertised,
      };
    });
  };
  const peers = (): BirdPeer[] => {
    const s = snapshot();
    // Every look at the sessions moves recovery on, so `show protocols` polls count too.
    recovery.observe(s, now());
    return s;
  };
  return {
    now,
    status() {
      const s = speaker.status();
      return {
        version: s.version,
        routerId: s.routerId,
        startedAt,
        lastReconfiguration: s.lastReload === null ? startedAt : new Date(s.lastReload),
        kernel: speaker.config.kernel.enabled,
      };
    },
    peers,
    routes: options.family === undefined ? speaker.locRib : familyRoutes(speaker.locRib, options.family),
    recovery() {
      return recovery.observe(snapshot(), now());
    },
    interfaceFor: (nextHop) => connectedInterface(nextHop, options.interfaces),
    linkOf: (peerName) => speaker.linkOf(peerName),
  };
}
