/**
 * The daemon's state as `petrel show` prints it (SPEC §2): plain JSON-ready records. Route views
 * list every candidate path of a prefix, the best one flagged, each with the decision step that
 * decided it (GoBGP `BestPathReason`) and, for ineligible paths, why.
 */
import type { BfdAuthTypeName } from '../bfd/types.js';
import { isIpv6LinkLocal, isIpv6Unspecified } from '../bgp/address.js';
import type { StateName } from '../fsm/states.js';
import type { AttrSet } from '../rib/attr-set.js';
import { comparePaths, DECISION_STEP_NAME, decidingStep, DEFAULT_DECISION_OPTIONS, type DecisionOptions } from '../rib/decision.js';
import type { LocRib } from '../rib/loc-rib.js';
import type { IneligibleReason, Path, PeerInfo } from '../rib/path.js';

export interface RouteView {
  readonly prefix: string;
  /**
   * The address the route goes through: the IPv6 global next hop, or the link-local one when
   * the peer sent no global (`::` then fe80::…, RFC 2545 §3), as BIRD prints `via fe80::1 on eth0`.
   */
  readonly nextHop: string | null;
  /** The interface a link-local next hop is on (the session's link), when known. */
  readonly nextHopInterface: string | null;
  /** The peer's name as `show peers` prints it; `local` for originated routes. */
  readonly peer: string;
  readonly peerAddress: string | null;
  readonly best: boolean;
  readonly asPath: number[];
  readonly origin: 'igp' | 'egp' | 'incomplete';
  readonly localPref: number | null;
  readonly med: number | null;
  readonly communities: string[];
  readonly largeCommunities: string[];
  readonly originatorId: string | null;
  readonly clusterList: string[];
  /** The decision step that made this path best, or at which it lost; `only-path` when alone. */
  readonly reason: string;
  readonly ineligible: IneligibleReason | null;
  readonly stale: boolean;
}

export interface PeerView {
  readonly name: string;
  readonly address: string;
  readonly asNumber: number;
  readonly state: StateName;
  readonly since: string;
  readonly holdTimeSec: number | null;
  readonly routerId: string | null;
  readonly prefixesReceived: number;
  readonly prefixesAccepted: number;
  readonly prefixesAdvertised: number;
  readonly localAddress: string | null;
  readonly disabled: boolean;
  readonly lastError: string | null;
  /** Seconds (rounded up) until the next connection attempt; null when none is due (SessionInfo.nextAttemptInMs). */
  readonly nextAttemptInSec: number | null;
  /** Seconds (rounded up) our OPEN is still held back for the peer's (DelayOpen); null otherwise. */
  readonly openDelayedForSec: number | null;
  /** The peer's BFD session state (RFC 5880); null when the peer runs no BFD. */
  readonly bfdState: 'AdminDown' | 'Down' | 'Init' | 'Up' | null;
}

export interface StatusView {
  readonly version: string;
  readonly routerId: string;
  readonly asNumber: number;
  readonly nodeName: string;
  readonly routeReflectorClusterId: string | null;
  readonly startedAt: string;
  readonly lastReload: string | null;
  readonly peers: number;
  readonly peersEstablished: number;
  readonly prefixes: number;
  readonly exportPolicy: string;
  readonly kernel: string;
}

function communityText(c: number): string {
  return `${c >>> 16}:${c & 0xffff}`;
}

/** The interface of a peer's session link, by peer name (session-link.ts); undefined when multihop or unknown. */
export type PeerLinks = (peerName: string) => string | undefined;

const NO_LINKS: PeerLinks = () => undefined;

/** The next hop BIRD would show: the global address, else the link-local one with its link. */
function nextHopFields(a: AttrSet, source: PeerInfo, links: PeerLinks): { nextHop: string | null; nextHopInterface: string | null } {
  const hops = a.nextHops;
  const global = hops.find((h) => !isIpv6LinkLocal(h) && !isIpv6Unspecified(h));
  if (global !== undefined) return { nextHop: global, nextHopInterface: null };
  const linkLocal = hops.find(isIpv6LinkLocal);
  if (linkLocal === undefined) return { nextHop: a.nextHop ?? null, nextHopInterface: null };
  return { nextHop: linkLocal, nextHopInterface: links(source.name) ?? null };
}


function attributeFields(a: AttrSet) {
  return {
    asPath: a.asPath.flatMap((s) => s.asns),
    origin: a.origin,
    localPref: a.localPref ?? null,
    med: a.med ?? null,
    communities: a.communities.map(communityText),
    largeCommunities: a.largeCommunities.map((c) => `${c[0]}:${c[1]}:${c[2]}`),
    originatorId: a.originatorId ?? null,
    clusterList: [...a.clusterList],
  };
}

/** The step that separates the best path from its closest rival. */
function winningStep(best: Path, others: readonly Path[], o: DecisionOptions): string {
  let step = 0;
  for (const p of others) step = Math.max(step, decidingStep(comparePaths(best, p, o)) ?? 0);
  return step === 0 ? (others.length === 0 ? 'only-path' : 'tie') : DECISION_STEP_NAME[step as keyof typeof DECISION_STEP_NAME];
}

/** Every candidate path of `prefix`, best first. */
export function routeViews(locRib: LocRib, prefix: string, links: PeerLinks = NO_LINKS, o: DecisionOptions = DEFAULT_DECISION_OPTIONS): RouteView[] {
  const verdicts = locRib.explain(prefix);
  const paths = verdicts.map((v) => v.path);
  const views = verdicts.map((v): RouteView => {
    const path = v.path;
    const source = path.source;
    const reason = v.best
      ? winningStep(path, paths.filter((p) => p !== path), o)
      : v.step === undefined
        ? 'tie'
        : DECISION_STEP_NAME[v.step];
    return {
      prefix,
      ...nextHopFields(path.attrs, source, links),
      ...attributeFields(path.attrs),
      peer: source.name,
      peerAddress: source.address === '' ? null : source.address,
      best: v.best,
      reason,
      ineligible: path.ineligible,
      stale: path.stale,
    };
  });
  return views.sort((a, b) => Number(b.best) - Number(a.best));
}

/** `show bfd`: one peer's BFD session (RFC 5880 §6.8.1), as JSON carries it. */
export interface BfdView {
  readonly name: string;
  readonly address: string;
  readonly state: 'AdminDown' | 'Down' | 'Init' | 'Up';
  /** Since the last state change (ISO 8601). */
  readonly since: string;
  readonly remoteState: 'AdminDown' | 'Down' | 'Init' | 'Up';
  /** Why the session last went down here, and what the peer last said (RFC 5880 §4.1 Diag). */
  readonly localDiag: string;
  readonly remoteDiag: string;
  /** RFC 5883 multihop (UDP 4784), else single hop (RFC 5881). */
  readonly multihop: boolean;
  readonly localDiscriminator: number;
  readonly remoteDiscriminator: number;
  /** The transmit interval and the Detection Time in use (RFC 5880 §6.8.2, §6.8.4). */
  readonly txIntervalMs: number;
  readonly detectionTimeMs: number;
  readonly upTransitions: number;
  readonly downTransitions: number;
  /** Authentication in use (RFC 5880 §6.7): the type and Auth Key ID, never the key; null: none. */
  readonly auth: { readonly type: BfdAuthTypeName; readonly keyId: number } | null;
  /** Received packets discarded for failing authentication (§6.7). */
  readonly authFailures: number;
}
