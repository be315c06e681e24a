/**
 * Import processing that every session applies before a path enters Adj-RIB-In:
 *  - eBGP: a received LOCAL_PREF is ignored (RFC 4271 §5.1.5), so it is removed and the decision
 *    process uses the configured default;
 *  - eBGP: our own AS in AS_PATH more often than `allowedLocalAs` (Calico's
 *    `numAllowedLocalASNumbers`, BIRD `allow local as`) is a loop (RFC 4271 §9.1.2);
 *  - iBGP: route reflection loops (RFC 4456 §8, `checkLoop`).
 * A looping path is stored flagged ineligible, not dropped.
 */
import { checkLoop } from '../reflector/loop.js';
import { countAs } from './as-path.js';
import type { AttrSet, PathAttributes } from './attr-set.js';
import type { IneligibleReason, PeerInfo } from './path.js';
import type { LocalSpeaker } from './speaker.js';

const STRIP_LOCAL_PREF = 'import|strip-local-pref';

/** The attribute set as stored for `peer`: for eBGP without LOCAL_PREF (memoised per set). */
export function importAttrs(attrs: AttrSet, peer: PeerInfo): AttrSet {
  if (peer.kind !== 'ebgp' || attrs.localPref === undefined) return attrs;
  const cached = attrs.derived(STRIP_LOCAL_PREF);
  if (cached !== undefined) return cached;
  const out = attrs.with({ localPref: undefined });
  attrs.remember(STRIP_LOCAL_PREF, out);
  return out;
}

/** Why a path from `peer` may not be used, or null. `allowedLocalAs` defaults to 0. */
export function importEligibility(attrs: PathAttributes, peer: PeerInfo, self: LocalSpeaker, allowedLocalAs = 0): IneligibleReason | null {
  if (peer.kind === 'ebgp') return countAs(attrs.asPath, self.asn) > allowedLocalAs ? 'as-loop' : null;
  if (peer.kind === 'ibgp') return checkLoop({ attrs }, self);
  return null;
}
