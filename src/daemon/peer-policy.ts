/**
 * A configured peer's own policy as the speaker wires it (CALICO.md §1.5, §1.7): the session's
 * local AS and allowed local AS count for the import loop check, its BGPFilter import rules on
 * its `PeerInfo`, its export rules for its update group, and the ROUTE-REFRESH requests (RFC 2918
 * §3) that re-run import after the import rules change, as BIRD reloads a protocol whose import
 * filter changed.
 */
import { afiSafiFromName } from '../bgp/context.js';
import { encodeMessage } from '../bgp/index.js';
import type { AfiSafiName } from '../bgp/types.js';
import type { EffectivePeer } from '../config/peers.js';
import type { Negotiated } from '../fsm/negotiate.js';
import { BgpFilter } from '../rib/bgp-filter.js';
import type { AttrSet } from '../rib/attr-set.js';
import { Path, type IneligibleReason, type PeerInfo, type PeerInfoInit } from '../rib/path.js';

const UNICAST: readonly AfiSafiName[] = ['ipv4-unicast', 'ipv6-unicast'];

/** The `PeerInfo` fields import processing reads for `peer`. */
export function importPolicyOf(peer: EffectivePeer): Pick<PeerInfoInit, 'localAsn' | 'allowedLocalAs' | 'importFilter'> {
  const importFilter = BgpFilter.compile(peer.importRules);
  return { localAsn: peer.localAsNumber, allowedLocalAs: peer.allowedLocalAsNumbers, ...(importFilter ? { importFilter } : {}) };
}

/** Whether stored paths judged under `a` would be judged the same under `b`. */
export function sameImportPolicy(a: PeerInfo, b: PeerInfo): boolean {
  return a.localAsn === b.localAsn && a.allowedLocalAs === b.allowedLocalAs && (a.importFilter?.key ?? '') === (b.importFilter?.key ?? '');
}

/** The peer's export rules, consulted before Calico's export policy; undefined without any. */
export function exportFilterOf(peer: EffectivePeer): BgpFilter | undefined {
  return BgpFilter.compile(peer.exportRules);
}

/** RFC 2918 §3: one ROUTE-REFRESH per negotiated unicast family, asking the peer to resend it. */
export function routeRefreshRequests(negotiated: Negotiated): Uint8Array[] {
  return negotiated.families
    .filter((name) => UNICAST.includes(name))
    .map((name) => encodeMessage({ type: 'route-refresh', ...afiSafiFromName(name), subtype: 'normal' }, negotiated.sendContext));
}

/**
 * A stored path under a new source, keeping its graceful-restart stale mark (RFC 4724 §4.2);
 * with `attrs`, stored with those instead (import operations re-applied).
 */
export function resourcedPath(path: Path, info: PeerInfo, ineligible: IneligibleReason | null, attrs: AttrSet = path.attrs): Path {
  if (attrs === path.attrs) return path.copy(path.dest, info, ineligible);
  const out = Path.create(path.dest, path.pathId, attrs, info, ineligible);
  out.stale = path.stale;
  return out;
}
