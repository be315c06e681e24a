/**
 * The attribute rewriting on export, per target session (RFC 4271 §5.1, RFC 4456 §8), as BIRD
 * does it for Calico's sessions:
 *  - reflection (iBGP → iBGP): ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 §8, `reflect`);
 *  - to iBGP: LOCAL_PREF is always sent (RFC 4271 §5.1.5), set as below when absent; next hop kept
 *    (BIRD's default) unless `nextHopMode: Self`;
 *  - to eBGP: LOCAL_PREF removed (RFC 4271 §5.1.5); a MED learned from another AS is not passed
 *    on (RFC 4271 §5.1.4) unless `sendMed`; our AS prepended (RFC 4271 §5.1.2); ORIGINATOR_ID and
 *    CLUSTER_LIST removed (they never leave the AS, RFC 4456 §8); next hop set to ourselves unless
 *    `nextHopMode: Keep` (RFC 4271 §5.1.3; `Auto` is BIRD's default: self for eBGP);
 *  - locally originated routes (no next hop) always get our address as next hop;
 *  - an IPv6 next hop of ours to an eBGP peer on our link carries our link-local address after
 *    the global one, 32 octets (RFC 2545 §3, as BIRD and FRR send it); iBGP and multihop peers
 *    get the global one alone, except on a session between link-locals, where `::` and the
 *    link-local are all there is (BIRD);
 *  - communities from export policy (`prefixAdvertisements`) appended;
 *  - a BGPFilter export rule's operations (community, AS_PATH prepend; CALICO.md §1.7) applied
 *    to the route first, as BIRD runs the export filter before `bgp_update_attrs`;
 *  - the route's priority (BIRD's `krt_metric`) is never sent; to iBGP a route without
 *    LOCAL_PREF — every locally originated one, and one learned over eBGP — gets 2^31-1 −
 *    priority, as confd's export prologue (Calico v3.32+, `bgp_processor.go` buildExportFilter,
 *    CALICO.md §1.3) sets it: the priority an import `setPriority` gave it, else a
 *    kernel-learned route's metric (Felix's 512 for a live-migrated VM's /32 makes it win
 *    elsewhere), else the normal 1024 (2147482623, what a v3.32 BIRD node sends for its blocks).
 * Results are interned and memoised on the source set per target profile, so exporting 1,000,000
 * prefixes that share one set interns once and then costs a Map lookup per prefix.
 */
import { reflect } from '../reflector/reflect.js';
import { isReflection } from '../reflector/targets.js';
import type { LargeCommunity } from '../bgp/types.js';
import { prependAs } from './as-path.js';
import { BIRD_INT_MAX, type FilterOperations } from './bgp-filter.js';
import { NORMAL_ROUTE_PRIORITY } from './export-policy.js';
import type { AttrPatch, AttrSet } from './attr-set.js';
import type { Path, PeerInfo } from './path.js';
import type { LocalSpeaker } from './speaker.js';

/** Calico's BGPPeer `nextHopMode`. */
export type NextHopMode = 'Auto' | 'Self' | 'Keep';

export interface ExportTargetInit {
  readonly peer: PeerInfo;
  readonly self: LocalSpeaker;
  /** Our address on this session, the next hop for IPv4 (and IPv6 when no `localAddressV6`). */
  readonly localAddress: string;
  readonly localAddressV6?: string;
  /**
   * Our link-local address on the link the session runs over; absent for multihop sessions
   * (RFC 2545 §3: only a peer sharing the link can use it).
   */
  readonly linkLocalV6?: string;
  readonly nextHopMode: NextHopMode;
  /** Pass MED to this eBGP peer (default false). */
  readonly sendMed?: boolean;
}

/**
 * The last input and result of `exportAttrs` for a target: consecutive prefixes of one UPDATE
 * share attributes and source, so most calls are answered by four identity compares.
 */
class LastExport {
  attrs: AttrSet | undefined = undefined;
  source: PeerInfo | undefined = undefined;
  additions: ExportAdditions | undefined = undefined;
  v6 = false;
  out: AttrSet | undefined = undefined;
}

export interface ExportTarget extends ExportTargetInit {
  /** Memo key of everything above that affects the result, computed once per session. */
  readonly profileKey: string;
  readonly last: LastExport;
}

/** Communities added by export policy (an `ExportDecision` fits). */
export interface ExportAdditions {
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  readonly communityKey: string;
  /** A BGPFilter export rule's operations; `communityKey` then names them too. */
  readonly operations?: FilterOperations | undefined;
  /** The normal route priority per family (export-policy.ts); default 1024 each. */
  readonly normalPriority?: { readonly ipv4: number; readonly ipv6: number };
}

export const NO_ADDITIONS: ExportAdditions = Object.freeze({ communities: [], largeCommunities: [], communityKey: '' });

export function makeExportTarget(init: ExportTargetInit): ExportTarget {
  const p = init.peer;
  const profileKey = [p.kind, p.address, init.self.asn, init.self.routerId, init.self.clusterId ?? '', init.localAddress, init.localAddressV6 ?? '', init.linkLocalV6 ?? '', init.nextHopMode, init.sendMed === true].join('|');
  return Object.freeze({ ...init, profileKey, last: new LastExport() });
}

function appendCommunities(attrs: AttrSet, add: ExportAdditions, patch: { -readonly [K in keyof AttrPatch]: AttrPatch[K] }): void {
  if (add.communities.length > 0) {
    const have = attrs.communities;
    const extra = add.communities.filter((c) => !have.includes(c));
    if (extra.length > 0) patch.communities = [...have, ...extra];
  }
  if (add.largeCommunities.length > 0) {
    const have = attrs.largeCommunities;
    const extra = add.largeCommunities.filter((c) => !have.some((h) => h[0] === c[0] && h[1] === c[1] && h[2] === c[2]));
    if (extra.length > 0) patch.largeCommunities = [...have, ...extra];
  }
}

const UNSPECIFIED_V6 = '::';

/** Our IPv6 next hop for `target`: the global address, then the link-local one where RFC 2545 §3 wants it. */
function ownIpv6NextHops(target: ExportTarget): readonly string[] {
  const global = target.localAddressV6 ?? target.localAddress;
  const linkLocal = target.linkLocalV6;
  if (linkLocal === undefined) return [global];
  // RFC 2545 §3: the link-local goes to peers that share the link. BIRD sends it on `direct`
  // sessions, its default for eBGP; iBGP is multihop there (and in Calico): the global alone.
  return target.peer.kind === 'ebgp' || global === UNSPECIFIED_V6 ? [global, linkLocal] : [global];
}

/** The attribute set to advertise `path` with to `target`. */
export function exportAttrs(path: Path, target: ExportTarget, additions: ExportAdditions = NO_ADDITIONS): AttrSet {
  const source = path.source;
  const v6 = path.dest.family === 6;
  const last = target.last;
  if (last.attrs === path.attrs && last.source === source && last.additions === additions && last.v6 === v6 && last.out?.interned === true) return last.out;
  const out = exportAttrsMemoised(path, target, additions, v6);
  last.attrs = path.attrs;
  last.source = source;
  last.additions = additions;
  last.v6 = v6;
  last.out = out;
  return out;
}

function exportAttrsMemoised(path: Path, target: ExportTarget, additions: ExportAdditions, v6: boolean): AttrSet {
  const source = path.source;
  // Without LOCAL_PREF, the route's priority decides the one sent to iBGP (below): a kernel-learned
  // route's metric, else the policy's normal priority, which a reload may change.
  const normal = (v6 ? additions.normalPriority?.ipv6 : additions.normalPriority?.ipv4) ?? NORMAL_ROUTE_PRIORITY;
  const priority = path.attrs.localPref !== undefined ? '' : source.kernel === undefined ? `|n${normal}` : `|m${source.kernel.metric}`;
  const memoKey = `${target.profileKey}|${source.routerId}|${v6 ? 6 : 4}|${additions.communityKey}${priority}`;
  const cached = path.attrs.derived(memoKey);
  if (cached !== undefined) return cached;

  const filtered = additions.operations === undefined ? path.attrs : additions.operations.apply(path.attrs, 'export');
  const base = isReflection(source, target.peer) && target.self.clusterId !== undefined ? reflect(filtered, source, target.self) : filtered;
  const selfHops = v6 ? ownIpv6NextHops(target) : [target.localAddress];
  const patch: { -readonly [K in keyof AttrPatch]: AttrPatch[K] } = {};
  const local = base.nextHops.length === 0;
  if (target.peer.kind === 'ebgp') {
    patch.localPref = undefined;
    if (target.sendMed !== true && source.kind !== 'local') patch.med = undefined;
    patch.asPath = prependAs(base.asPath, target.self.asn);
    patch.originatorId = undefined;
    patch.clusterList = [];
    if (target.nextHopMode !== 'Keep' || local) patch.nextHops = selfHops;
  } else {
    if (base.localPref === undefined) patch.localPref = BIRD_INT_MAX - (base.priority ?? source.kernel?.metric ?? normal);
    if (target.nextHopMode === 'Self' || local) patch.nextHops = selfHops;
  }
  appendCommunities(base, additions, patch);
  if (base.priority !== undefined) patch.priority = undefined;
  const out = base.with(patch);
  path.attrs.remember(memoKey, out);
  return out;
}
