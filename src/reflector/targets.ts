/**
 * Who hears a route (RFC 4456 §6, RFC 4271 §9.2): the reflection rule as a table. A route from
 * a client goes to the other clients, to non-clients and to eBGP peers; a route from a non-client
 * iBGP peer only to clients (and eBGP) — without clients, that is plain RFC 4271 §9.2 "no iBGP to
 * iBGP"; a route from eBGP or originated here goes to everyone. Never back to the session it
 * came from (BIRD `bgp_preexport`).
 */
import type { PeerInfo } from '../rib/path.js';

export type RouteSourceKind = 'client' | 'non-client' | 'ebgp' | 'local';
export type RouteTargetKind = 'client' | 'non-client' | 'ebgp';

export const REFLECTION_TARGETS: Readonly<Record<RouteSourceKind, Readonly<Record<RouteTargetKind, boolean>>>> = {
  client: { client: true, 'non-client': true, ebgp: true },
  'non-client': { client: true, 'non-client': false, ebgp: true },
  ebgp: { client: true, 'non-client': true, ebgp: true },
  local: { client: true, 'non-client': true, ebgp: true },
};

export function sourceKindOf(source: PeerInfo): RouteSourceKind {
  if (source.kind === 'local') return 'local';
  if (source.kind === 'ebgp') return 'ebgp';
  return source.isClient ? 'client' : 'non-client';
}

export function targetKindOf(target: PeerInfo): RouteTargetKind {
  if (target.kind === 'ebgp') return 'ebgp';
  return target.isClient ? 'client' : 'non-client';
}

/** Whether a route learned from `source` may be advertised to `target`. */
export function mayAdvertise(source: PeerInfo, target: PeerInfo): boolean {
  if (source === target || (source.kind !== 'local' && source.address === target.address)) return false;
  return REFLECTION_TARGETS[sourceKindOf(source)][targetKindOf(target)];
}

/** Whether advertising to `target` is reflection, so ORIGINATOR_ID/CLUSTER_LIST apply (RFC 4456 §8). */
export function isReflection(source: PeerInfo, target: PeerInfo): boolean {
  return source.kind === 'ibgp' && target.kind === 'ibgp';
}
