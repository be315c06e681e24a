/**
 * The effective session list: the node-to-node mesh derived from `mesh.nodes` plus the
 * explicit `peers`, each with every option decided — the way Calico's confd turns its datastore
 * into `protocol bgp` blocks (CALICO.md §1.5):
 * - mesh sessions are named `Mesh_<ip>`, use the node's own address as source, and are passive
 *   towards a peer whose IP string sorts after ours, so exactly one side dials;
 * - route reflectors (`node.routeReflectorClusterId`) do not join the mesh, and mesh nodes that
 *   are reflectors are skipped;
 * - a reflector treats iBGP peers with a different or no cluster ID as clients (RFC 4456 §7),
 *   unless `routeReflectorClient` says otherwise;
 * - session timers follow Calico's BIRD template unless configured;
 * - an explicit peer may speak as another AS (`localAsNumber`, BIRD `local as`), which also
 *   decides iBGP or eBGP, and carries the rules of its `filters` in order per direction and
 *   family (CALICO.md §1.7); mesh sessions get neither, as in Calico.
 */
import type { IpFamily } from '../bgp/address.js';
import type { BfdSettings, ErrorWait } from './fields.js';
import type { FilterRule } from './filters.js';
import type { KeyPath } from './locate.js';
import { PeerNameKind, calicoPeerName } from './names.js';
import { addressFamily, addressOf } from './prefixes.js';
import {
  AddPathsMode,
  DEFAULT_CONNECT_DELAY_SEC,
  DEFAULT_CONNECT_RETRY_SEC,
  NextHopMode,
  type Config,
  type DeepReadonly,
  type PeerConfig,
  type PeerFamily,
} from './schema.js';
import type { Secret } from './secrets.js';

export const PeerKind = { MESH: 'mesh', EXPLICIT: 'explicit' } as const;
export type PeerKind = (typeof PeerKind)[keyof typeof PeerKind];

export interface EffectivePeer {
  readonly name: string;
  readonly kind: PeerKind;
  /** Where the peer is in the config (`['peers', 2]`, `['mesh', 'nodes', 1]`), for errors. */
  readonly configPath: KeyPath;
  readonly address: string;
  readonly family: IpFamily;
  readonly interface?: string;
  readonly port: number;
  readonly asNumber: number;
  /** The AS this session speaks as: OPEN My AS, AS_PATH prepend, loop detection. */
  readonly localAsNumber: number;
  /** eBGP routes may hold `localAsNumber` this often in AS_PATH before they are loops. */
  readonly allowedLocalAsNumbers: number;
  /** iBGP: the peer is in the session's local AS. */
  readonly internal: boolean;
  readonly passive: boolean;
  readonly routeReflectorClient: boolean;
  readonly holdTimeSec: number;
  readonly keepaliveSec: number;
  readonly connectDelaySec: number;
  readonly connectRetrySec: number;
  /** RFC 4271 §8.1.1 DelayOpenTime; 0: DelayOpen off. */
  readonly delayOpenSec: number;
  readonly errorWait: ErrorWait;
  readonly nextHopMode: NextHopMode;
  readonly password?: Secret;
  readonly ttlSecurity?: number;
  /** Unset only when this node has no address of the peer's family (the kernel then chooses). */
  readonly sourceAddress?: string;
  readonly multihop: boolean | number;
  readonly gracefulRestart: { readonly enabled: boolean; readonly restartTimeSec: number };
  readonly maxPrefixes?: { readonly limit: number; readonly warningOnly: boolean };
  /** BFD (RFC 5880/5881) towards the peer; absent: off. */
  readonly bfd?: BfdSettings;
  readonly addPaths: AddPathsMode;
  readonly families: readonly PeerFamily[];
  /** The rules of the peer's filters for routes received, in order; absent when there are none. */
  readonly importRules?: FamilyRules;
  /** Likewise for routes sent, applied before Calico's export policy. */
  readonly exportRules?: FamilyRules;
}

/** Filter rules of one direction, per address family (BGPFilter `importV4`/`importV6`…). */
export interface FamilyRules {
  readonly ipv4: readonly DeepReadonly<FilterRule>[];
  readonly ipv6: readonly DeepReadonly<FilterRule>[];
}

/**
 * Calico's passive rule (confd's bird.cfg template and its `TestPassiveCommentLogic`): we are
 * passive when the peer's address, compared as a string, sorts after ours; the peer, seeing the
 * reverse, dials. Comparing strings rather than numbers is the point: a mixed cluster of BIRD and
 * petrel must agree on who dials, or both ends wait forever (CALICO.md §6).
 */
export function meshPassive(ourAddress: string, peerAddress: string): boolean {
  return peerAddress > ourAddress;
}

/** Every session this speaker runs: mesh sessions first, then explicit peers, in config order. */
export function effectivePeers(config: Config): EffectivePeer[] {
  return [...meshPeers(config), ...config.peers.map((peer, index) => explicitPeer(config, peer, index))];
}

export function meshPeers(config: Config): EffectivePeer[] {
  const { mesh, node } = config;
  // Reflectors don't join the mesh (CALICO.md §1.5).
  if (!mesh.enabled || node.routeReflectorClusterId !== undefined) return [];
  const out: EffectivePeer[] = [];
  mesh.nodes.forEach((other, index) => {
    if (other.routeReflectorClusterId !== undefined || other.name === node.name) return;
    const families: [IpFamily, string | undefined, string | undefined][] = [
      [4, node.ipv4Address, other.ipv4Address],
      [6, node.ipv6Address, other.ipv6Address],
    ];
    for (const [family, ours, theirs] of families) {
      if (ours === undefined || theirs === undefined) continue;
      const ourAddress = addressOf(ours);
      const address = addressOf(theirs);
      if (address === ourAddress) continue;
      const asNumber = other.asNumber ?? config.asNumber;
      out.push({
        name: calicoPeerName(PeerNameKind.MESH, address),
        kind: PeerKind.MESH,
        configPath: ['mesh', 'nodes', index],
        address,
        family,
        port: other.port,
        asNumber,
        localAsNumber: config.asNumber,
        allowedLocalAsNumbers: 0,
        internal: asNumber === config.asNumber,
        passive: meshPassive(ourAddress, address),
        routeReflectorClient: false,
        holdTimeSec: mesh.holdTimeSec,
        keepaliveSec: mesh.keepaliveSec,
        connectDelaySec: DEFAULT_CONNECT_DELAY_SEC,
        connectRetrySec: DEFAULT_CONNECT_RETRY_SEC,
        delayOpenSec: 0,
        errorWait: { ...mesh.errorWait },
        ...(mesh.bfd ? { bfd: { ...mesh.bfd } } : {}),
        nextHopMode: NextHopMode.AUTO,
        ...(mesh.password ? { password: mesh.password } : {}),
        sourceAddress: ourAddress,
        multihop: true,
        gracefulRestart: { ...config.gracefulRestart },
        addPaths: AddPathsMode.BOTH,
        families: [family === 4 ? 'ipv4-unicast' : 'ipv6-unicast'],
      });
    }
  });
  return out;
}

export function explicitPeer(config: Config, peer: PeerConfig, index: number): EffectivePeer {
  const family = addressFamily(peer.address) ?? 4;
  const localAsNumber = peer.localAsNumber ?? config.asNumber;
  // BIRD: a session is internal when the peer's AS is the session's local AS.
  const internal = peer.asNumber === localAsNumber;
  const ourClusterId = config.node.routeReflectorClusterId;
  const ownAddress = family === 4 ? config.node.ipv4Address : config.node.ipv6Address;
  const linkLocal = peer.interface !== undefined;
  // Link-local sessions leave the source to the kernel: a global address would not do.
  const sourceAddress = peer.sourceAddress ?? (ownAddress !== undefined && !linkLocal ? addressOf(ownAddress) : undefined);
  return {
    name: peer.name,
    kind: PeerKind.EXPLICIT,
    configPath: ['peers', index],
    address: peer.address,
    family,
    ...(peer.interface !== undefined ? { interface: peer.interface } : {}),
    port: peer.port,
    asNumber: peer.asNumber,
    localAsNumber,
    allowedLocalAsNumbers: peer.numAllowedLocalAsNumbers ?? 0,
    internal,
    passive: peer.passive,
    routeReflectorClient:
      peer.routeReflectorClient ?? (ourClusterId !== undefined && internal && peer.routeReflectorClusterId !== ourClusterId),
    holdTimeSec: peer.holdTimeSec,
    keepaliveSec: peer.keepaliveSec,
    connectDelaySec: peer.connectDelaySec,
    connectRetrySec: peer.connectRetrySec,
    delayOpenSec: peer.delayOpenSec,
    errorWait: { ...peer.errorWait },
    nextHopMode: peer.nextHopMode,
    ...(peer.password ? { password: peer.password } : {}),
    ...(peer.ttlSecurity !== undefined ? { ttlSecurity: peer.ttlSecurity } : {}),
    ...(sourceAddress !== undefined ? { sourceAddress } : {}),
    multihop: peer.multihop,
    gracefulRestart: {
      enabled: peer.gracefulRestart?.enabled ?? config.gracefulRestart.enabled,
      restartTimeSec: peer.gracefulRestart?.restartTimeSec ?? config.gracefulRestart.restartTimeSec,
    },
    ...(peer.maxPrefixes ? { maxPrefixes: { ...peer.maxPrefixes } } : {}),
    ...(peer.bfd ? { bfd: { ...peer.bfd } } : {}),
    addPaths: peer.addPaths,
    families: peer.families,
    ...filterRulesOf(config, peer.filters ?? []),
  };
}

/** The peer's filters' rules joined in the order it lists them (confd calls them in that order). */
function filterRulesOf(config: Config, names: readonly string[]): { importRules?: FamilyRules; exportRules?: FamilyRules } {
  const filters = names.map((name) => config.filters?.find((f) => f.name === name)).filter((f) => f !== undefined);
  const join = (v4: 'importV4' | 'exportV4', v6: 'importV6' | 'exportV6'): FamilyRules | undefined => {
    const rules = { ipv4: filters.flatMap((f) => f[v4]), ipv6: filters.flatMap((f) => f[v6]) };
    return rules.ipv4.length + rules.ipv6.length === 0 ? undefined : rules;
  };
  const importRules = join('importV4', 'importV6');
  const exportRules = join('exportV4', 'exportV6');
  return { ...(importRules ? { importRules } : {}), ...(exportRules ? { exportRules } : {}) };
}
