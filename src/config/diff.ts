/**
 * What a reload changes, so the daemon touches only what it must. Calico + BIRD reset a session
 * whenever any of its options change and re-feed every export filter on any IPAM change
 * (CALICO.md §1.0), which is why its users lose routes on every edit (SPEC §6). Here each peer
 * option is classified once, in a table the compiler keeps complete:
 * - `session`: sent in OPEN or fixed on the TCP connection (address, AS, router ID, hold time,
 *   capabilities, password, TTL, source address…) — the session must be reset to apply it;
 * - `policy`: what we export to or accept from the peer — re-run export/import (RFC 2918 route
 *   refresh for import), the session stays up;
 * - `live`: handed to the running session (`SessionHandle.retime`), which uses it from its next
 *   connection attempt on; no reset.
 */
import { effectivePeers, type EffectivePeer } from './peers.js';
import type { Config } from './schema.js';
import { Secret } from './secrets.js';

export const ChangeEffect = { SESSION: 'session', POLICY: 'policy', LIVE: 'live', IDENTITY: 'identity' } as const;
export type ChangeEffect = (typeof ChangeEffect)[keyof typeof ChangeEffect];

const PEER_FIELD_EFFECT: Readonly<Record<keyof EffectivePeer, ChangeEffect>> = {
  name: ChangeEffect.IDENTITY,
  kind: ChangeEffect.IDENTITY,
  configPath: ChangeEffect.IDENTITY,
  address: ChangeEffect.SESSION,
  family: ChangeEffect.SESSION,
  interface: ChangeEffect.SESSION,
  port: ChangeEffect.SESSION,
  asNumber: ChangeEffect.SESSION, // OPEN My AS / the peer's, RFC 4271 §4.2
  localAsNumber: ChangeEffect.SESSION, // OPEN My AS, RFC 4271 §4.2
  allowedLocalAsNumbers: ChangeEffect.POLICY, // import loop check: stored paths are re-examined
  internal: ChangeEffect.SESSION,
  passive: ChangeEffect.SESSION,
  routeReflectorClient: ChangeEffect.POLICY, // RFC 4456: not negotiated, decides what we reflect
  holdTimeSec: ChangeEffect.SESSION, // OPEN Hold Time, RFC 4271 §4.2
  keepaliveSec: ChangeEffect.SESSION, // derived from the negotiated hold time at OPEN
  connectDelaySec: ChangeEffect.LIVE,
  connectRetrySec: ChangeEffect.LIVE,
  delayOpenSec: ChangeEffect.LIVE, // from the session's next connection on
  errorWait: ChangeEffect.LIVE, // the backoff after the session's next failure
  nextHopMode: ChangeEffect.POLICY,
  password: ChangeEffect.SESSION, // TCP MD5 key of the connection, RFC 2385
  ttlSecurity: ChangeEffect.SESSION, // IP_MINTTL on the connection, RFC 5082
  sourceAddress: ChangeEffect.SESSION,
  multihop: ChangeEffect.SESSION,
  gracefulRestart: ChangeEffect.SESSION, // capability in OPEN, RFC 4724 §3
  maxPrefixes: ChangeEffect.POLICY,
  bfd: ChangeEffect.LIVE, // the BFD session is added, retimed (RFC 5880 §6.8.3) or removed; BGP is not reset
  addPaths: ChangeEffect.SESSION, // capability in OPEN, RFC 7911 §4
  families: ChangeEffect.SESSION, // multiprotocol capabilities in OPEN, RFC 4760 §8
  importRules: ChangeEffect.POLICY, // ROUTE-REFRESH (RFC 2918) or local re-evaluation, as BIRD reloads
  exportRules: ChangeEffect.POLICY, // the peer's update group changes; no reset
};

/** Top-level keys and what changing them affects; `peers` means "seen through effectivePeers". */
const CONFIG_KEY_EFFECT: Readonly<Record<keyof Config, 'peers' | 'policy' | 'other'>> = {
  asNumber: 'peers',
  routerId: 'peers',
  node: 'other',
  listen: 'other',
  mesh: 'peers',
  peers: 'peers',
  filters: 'peers',
  pools: 'policy',
  blocks: 'policy',
  serviceClusterIPs: 'policy',
  serviceExternalIPs: 'policy',
  serviceLoadBalancerIPs: 'policy',
  prefixAdvertisements: 'policy',
  kernel: 'other',
  vxlan: 'other',
  exportPolicy: 'policy',
  normalRoutePriority: 'policy',
  programClusterRoutes: 'policy', // the kernel sink's encapsulation and the iBGP export of tunl0 routes, both live
  multipath: 'other',
  gracefulRestart: 'peers',
  stateDir: 'other',
  control: 'other',
  reload: 'other',
  metrics: 'other',
  log: 'other',
  calicoResources: 'other',
};

export interface PeerChange {
  readonly name: string;
  /** Changed fields whose new value needs a session reset. Empty: keep the session up. */
  readonly session: readonly string[];
  readonly policy: readonly string[];
  readonly live: readonly string[];
}

export interface ConfigDiff {
  readonly peersAdded: readonly EffectivePeer[];
  readonly peersRemoved: readonly string[];
  readonly peersChanged: readonly PeerChange[];
  /** Export/import policy inputs that changed (pools, blocks, communities…): re-evaluate, no reset. */
  readonly policyChanged: readonly string[];
  /** Everything else, as key paths (`listen`, `kernel`, `node.ipv4Address`…). */
  readonly otherChanged: readonly string[];
}

export function diffConfigs(before: Config, after: Config): ConfigDiff {
  const oldPeers = new Map(effectivePeers(before).map((p) => [p.name, p]));
  const newPeers = effectivePeers(after);
  const routerIdChanged = before.routerId !== after.routerId;
  const peersAdded: EffectivePeer[] = [];
  const peersChanged: PeerChange[] = [];
  for (const peer of newPeers) {
    const old = oldPeers.get(peer.name);
    if (!old) {
      peersAdded.push(peer);
      continue;
    }
    const change = diffPeer(old, peer, routerIdChanged);
    if (change.session.length + change.policy.length + change.live.length > 0) peersChanged.push(change);
  }
  const kept = new Set(newPeers.map((p) => p.name));
  const peersRemoved = [...oldPeers.keys()].filter((name) => !kept.has(name));

  const policyChanged: string[] = [];
  const otherChanged: string[] = [];
  for (const key of Object.keys(CONFIG_KEY_EFFECT) as (keyof Config)[]) {
    const effect = CONFIG_KEY_EFFECT[key];
    if (effect === 'peers') continue;
    if (key === 'node') {
      for (const sub of ['name', 'ipv4Address', 'ipv6Address', 'routeReflectorClusterId'] as const) {
        if (before.node[sub] === after.node[sub]) continue;
        // The cluster ID goes into CLUSTER_LIST of every reflected route (RFC 4456 §8).
        (sub === 'routeReflectorClusterId' ? policyChanged : otherChanged).push(`node.${sub}`);
      }
      continue;
    }
    if (!sameValue(before[key], after[key])) (effect === 'policy' ? policyChanged : otherChanged).push(key);
  }
  return { peersAdded, peersRemoved, peersChanged, policyChanged, otherChanged };
}

function diffPeer(old: EffectivePeer, peer: EffectivePeer, routerIdChanged: boolean): PeerChange {
  const session: string[] = routerIdChanged ? ['routerId'] : []; // OPEN BGP Identifier
  const policy: string[] = [];
  const live: string[] = [];
  for (const field of Object.keys(PEER_FIELD_EFFECT) as (keyof EffectivePeer)[]) {
    const effect = PEER_FIELD_EFFECT[field];
    if (effect === ChangeEffect.IDENTITY || sameValue(old[field], peer[field])) continue;
    (effect === ChangeEffect.SESSION ? session : effect === ChangeEffect.POLICY ? policy : live).push(field);
  }
  return { name: peer.name, session, policy, live };
}

/** Structural equality over config values; secrets compare by value, not by where they live. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Secret || b instanceof Secret) return a instanceof Secret && a.equals(b instanceof Secret ? b : undefined);
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const k of keys) if (!sameValue(ra[k], rb[k])) return false;
  return true;
}
