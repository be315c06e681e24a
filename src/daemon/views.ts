/**
 * The daemon's state as `petrel show` prints it (SPEC §2): plain JSON-ready records. Route views
 * list every candidate path of a prefix, the best one flagged, each with the decision step that
 * decided it (GoBGP `BestPathReason`) and, for ineligible paths, why.
 */
import type { StateName } from '../fsm/states.js';
import type { AttrSet } from '../rib/attr-set.js';
import { comparePaths, DECISION_STEP_NAME, decidingStep, DEFAULT_DECISION_OPTIONS, type DecisionOptions } from '../rib/decision.js';
import type { LocRib } from '../rib/loc-rib.js';
import type { IneligibleReason, Path } from '../rib/path.js';

export interface RouteView {
  readonly prefix: string;
  readonly nextHop: string | null;
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

function attributeFields(a: AttrSet) {
  return {
    nextHop: a.nextHop ?? null,
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
export function routeViews(locRib: LocRib, prefix: string, o: DecisionOptions = DEFAULT_DECISION_OPTIONS): RouteView[] {
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
