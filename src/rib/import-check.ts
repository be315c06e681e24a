/**
 * Import processing that every session applies before a path enters Adj-RIB-In:
 *  - eBGP: a received LOCAL_PREF is ignored (RFC 4271 §5.1.5), so it is removed and the decision
 *    process uses the configured default;
 *  - eBGP: our own AS (the session's local AS, BIRD `local as`) in AS_PATH more often than
 *    the peer's `allowedLocalAs` (Calico's `numAllowedLocalASNumbers`, BIRD `allow local as`) is
 *    a loop (RFC 4271 §9.1.2);
 *  - iBGP: route reflection loops (RFC 4456 §8, `checkLoop`);
 *  - per prefix, the peer's import filter (Calico BGPFilter `importV4`/`importV6`, CALICO.md
 *    §1.7): Reject flags the path `import-rejected`; Accept or no matching rule accepts, as
 *    Calico's import filter ends in `accept`. An Accept rule's operations (v3.32) change the
 *    attributes the path is stored with, as BIRD stores what its import filter produced; loops
 *    are judged on the attributes as received (BIRD checks them before the filter).
 * A looping or rejected path is stored flagged ineligible, not dropped, so `show routes` explains it.
 */
import { checkLoop } from '../reflector/loop.js';
import { countAs } from './as-path.js';
import type { AttrSet, PathAttributes } from './attr-set.js';
import type { IneligibleReason, Path, PeerInfo } from './path.js';
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

/** Why a path from `peer` may not be used, or null (the import filter aside: `importFilterVerdict`). */
export function importEligibility(attrs: PathAttributes, peer: PeerInfo, self: LocalSpeaker, allowedLocalAs = peer.allowedLocalAs): IneligibleReason | null {
  if (peer.kind === 'ebgp') return countAs(attrs.asPath, peer.localAsn ?? self.asn) > allowedLocalAs ? 'as-loop' : null;
  if (peer.kind === 'ibgp') return checkLoop({ attrs }, self);
  return null;
}

/** The peer's import filter on one prefix: `import-rejected`, or null to accept (§1.7 fall-through). */
export function importFilterVerdict(prefix: string, peer: PeerInfo, attrs?: PathAttributes): IneligibleReason | null {
  const filter = peer.importFilter;
  if (filter === undefined) return null;
  return filter.evaluate(prefix, peer, peer.kind === 'ibgp', attrs === undefined ? undefined : { attrs }) === 'reject' ? 'import-rejected' : null;
}

/**
 * The peer's import filter on one prefix received with `attrs`: null when a rule rejects it,
 * else the set it is stored with — `attrs` itself unless an Accept rule's operations changed it.
 * Allocates nothing beyond the filter's memoised sets.
 */
export function importFiltered(prefix: string, peer: PeerInfo, attrs: AttrSet): AttrSet | null {
  const filter = peer.importFilter;
  if (filter === undefined) return attrs;
  // A received route has no priority: `priority` rules never match on import (normalPriority unset).
  const outcome = filter.match(prefix, peer, peer.kind === 'ibgp', filter.readsAttrs ? { attrs } : undefined);
  if (outcome === undefined) return attrs;
  if (outcome.verdict === 'reject') return null;
  return outcome.operations === undefined ? attrs : outcome.operations.apply(attrs, 'import');
}

/**
 * A stored path judged again under `peer`'s current import settings (a reload changed its filter
 * or allowed local AS count). An RFC 7606 treat-as-withdraw or unreachable next hop is about the
 * route itself, not policy, and stands.
 */
export function reevaluateImport(path: Path, peer: PeerInfo, self: LocalSpeaker): IneligibleReason | null {
  if (path.ineligible === 'treat-as-withdraw' || path.ineligible === 'next-hop-unreachable') return path.ineligible;
  return importEligibility(path.attrs, peer, self) ?? importFilterVerdict(path.prefix, peer, path.attrs);
}

/**
 * `reevaluateImport` from the attributes the path was received with (`received`: the stored ones
 * unless import operations changed them), giving also the set to store: the new rules'
 * operations applied afresh, never on top of the old ones'.
 */
export function reimport(path: Path, peer: PeerInfo, self: LocalSpeaker, received: AttrSet): { readonly ineligible: IneligibleReason | null; readonly attrs: AttrSet } {
  if (path.ineligible === 'treat-as-withdraw' || path.ineligible === 'next-hop-unreachable') return { ineligible: path.ineligible, attrs: received };
  const ineligible = importEligibility(received, peer, self);
  if (ineligible !== null) return { ineligible, attrs: received };
  const attrs = importFiltered(path.prefix, peer, received);
  return attrs === null ? { ineligible: 'import-rejected', attrs: received } : { ineligible: null, attrs };
}
