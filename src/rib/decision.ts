/**
 * The BGP decision process (RFC 4271 §9.1.2, RFC 4456 §9): one comparator with numbered,
 * early-return steps that also reports the step that decided (OpenBGPD `prefix_cmp`, GoBGP
 * `BestPathReason`), selection of the best path, and the multipath (ECMP) set.
 *
 * A pairwise comparator with "MED only between routes from the same neighbouring AS" is not
 * transitive (RFC 3345 §2), so a linear scan could pick a different best depending on arrival
 * order. `selectBest` therefore follows RFC 4271 §9.1.2.2 literally (FRR's `deterministic-med`):
 * keep the routes that tie on steps before MED, remove every route with a higher MED than
 * another survivor from the same neighbouring AS, then take the minimum under the remaining,
 * totally ordered steps. The result is independent of insertion order.
 *
 * IGP cost to the next hop (RFC 4271 §9.1.2.2 e) is skipped: petrel runs no IGP and resolves
 * next hops as connected or through the kernel, so every path would tie there.
 */
import type { Path, PeerKind } from './path.js';

/** Decision steps in order. A comparison result's magnitude is the step that decided it. */
export const DecisionStep = {
  /** Ineligible paths (loops, RFC 7606 withdraw, unreachable next hop) are never selected. */
  ELIGIBILITY: 1,
  /** BIRD protocol preference: a locally originated static route beats BGP beats kernel. */
  PREFERENCE: 2,
  /** RFC 4271 §9.1.1 / §9.1.2.2: highest LOCAL_PREF (default for routes without one). */
  LOCAL_PREF: 3,
  /** RFC 4271 §9.1.2.2 a: shortest AS_PATH (AS_SET counts 1, confederation segments 0). */
  AS_PATH: 4,
  /** RFC 4271 §9.1.2.2 b: lowest ORIGIN (IGP < EGP < INCOMPLETE). */
  ORIGIN: 5,
  /** RFC 4271 §9.1.2.2 c: lowest MED among routes from the same neighbouring AS; missing = 0. */
  MED: 6,
  /** RFC 4271 §9.1.2.2 d: eBGP over iBGP (local routes rank with eBGP). */
  PEER_TYPE: 7,
  /** RFC 4456 §9: shortest CLUSTER_LIST. */
  CLUSTER_LIST: 8,
  /** RFC 4271 §9.1.2.2 f, RFC 4456 §9: lowest ORIGINATOR_ID, else the peer's router ID. */
  ROUTER_ID: 9,
  /** RFC 4271 §9.1.2.2 g: lowest peer address. */
  PEER_ADDRESS: 10,
  /** RFC 7911: several paths from one peer; the lowest path identifier, for determinism. */
  PATH_ID: 11,
} as const;
export type DecisionStep = (typeof DecisionStep)[keyof typeof DecisionStep];

/** Step names for `show` output. */
export const DECISION_STEP_NAME: Readonly<Record<DecisionStep, string>> = {
  [DecisionStep.ELIGIBILITY]: 'eligibility',
  [DecisionStep.PREFERENCE]: 'preference',
  [DecisionStep.LOCAL_PREF]: 'local-pref',
  [DecisionStep.AS_PATH]: 'as-path',
  [DecisionStep.ORIGIN]: 'origin',
  [DecisionStep.MED]: 'med',
  [DecisionStep.PEER_TYPE]: 'ebgp-over-ibgp',
  [DecisionStep.CLUSTER_LIST]: 'cluster-list',
  [DecisionStep.ROUTER_ID]: 'router-id',
  [DecisionStep.PEER_ADDRESS]: 'peer-address',
  [DecisionStep.PATH_ID]: 'path-id',
};

export interface DecisionOptions {
  /** LOCAL_PREF assumed for paths without one (eBGP-learned, RFC 4271 §5.1.5). BIRD default 100. */
  readonly defaultLocalPref: number;
  /** Compare MED between routes from different neighbouring ASes too (BIRD `med metric`). */
  readonly alwaysCompareMed: boolean;
}

export interface MultipathOptions extends DecisionOptions {
  /** At most this many paths in the ECMP set, the best included; 1 disables multipath. */
  readonly maxPaths: number;
  /** Allow eBGP paths from different neighbouring ASes into one set (FRR multipath-relax). */
  readonly relaxNeighborAs: boolean;
}

export const DEFAULT_DECISION_OPTIONS: MultipathOptions = Object.freeze({
  defaultLocalPref: 100,
  alwaysCompareMed: false,
  maxPaths: 1,
  relaxNeighborAs: false,
});

const PEER_TYPE_RANK: Readonly<Record<PeerKind, number>> = { ebgp: 0, local: 0, ibgp: 1 };

function routerIdOf(p: Path): number {
  // RFC 4456 §9: a reflected route's ORIGINATOR_ID stands in for the router ID.
  return p.attrs.originatorIdValue >= 0 ? p.attrs.originatorIdValue : p.source.routerIdValue;
}

/**
 * Compares two paths. Negative: `a` is better; positive: `b` is better; zero: they tie on every
 * step. The magnitude is the `DecisionStep` that decided.
 */
export function comparePaths(a: Path, b: Path, o: DecisionOptions): number {
  // 1. Only eligible paths can win.
  const ea = a.eligible;
  if (ea !== b.eligible) return ea ? -DecisionStep.ELIGIBILITY : DecisionStep.ELIGIBILITY;
  // 2. Protocol preference, as BIRD's rte_better compares before any BGP attribute.
  if (a.source.preference !== b.source.preference) {
    return a.source.preference > b.source.preference ? -DecisionStep.PREFERENCE : DecisionStep.PREFERENCE;
  }
  const aa = a.attrs;
  const ba = b.attrs;
  // 3. Highest LOCAL_PREF.
  const la = aa.localPref ?? o.defaultLocalPref;
  const lb = ba.localPref ?? o.defaultLocalPref;
  if (la !== lb) return la > lb ? -DecisionStep.LOCAL_PREF : DecisionStep.LOCAL_PREF;
  // 4. Shortest AS_PATH.
  if (aa.asPathLength !== ba.asPathLength) return aa.asPathLength < ba.asPathLength ? -DecisionStep.AS_PATH : DecisionStep.AS_PATH;
  // 5. Lowest ORIGIN.
  if (aa.originRank !== ba.originRank) return aa.originRank < ba.originRank ? -DecisionStep.ORIGIN : DecisionStep.ORIGIN;
  // 6. Lowest MED, only between routes from the same neighbouring AS unless configured otherwise.
  if (o.alwaysCompareMed || aa.neighborAs === ba.neighborAs) {
    const ma = aa.med ?? 0;
    const mb = ba.med ?? 0;
    if (ma !== mb) return ma < mb ? -DecisionStep.MED : DecisionStep.MED;
  }
  // 7. eBGP over iBGP.
  const ta = PEER_TYPE_RANK[a.source.kind];
  const tb = PEER_TYPE_RANK[b.source.kind];
  if (ta !== tb) return ta < tb ? -DecisionStep.PEER_TYPE : DecisionStep.PEER_TYPE;
  // 8. Shortest CLUSTER_LIST.
  const ca = aa.clusterList.length;
  const cb = ba.clusterList.length;
  if (ca !== cb) return ca < cb ? -DecisionStep.CLUSTER_LIST : DecisionStep.CLUSTER_LIST;
  // 9. Lowest ORIGINATOR_ID / router ID.
  const ra = routerIdOf(a);
  const rb = routerIdOf(b);
  if (ra !== rb) return ra < rb ? -DecisionStep.ROUTER_ID : DecisionStep.ROUTER_ID;
  // 10. Lowest peer address.
  if (a.source.addressKey !== b.source.addressKey) {
    return a.source.addressKey < b.source.addressKey ? -DecisionStep.PEER_ADDRESS : DecisionStep.PEER_ADDRESS;
  }
  // 11. Lowest path identifier.
  if (a.pathId !== b.pathId) return a.pathId < b.pathId ? -DecisionStep.PATH_ID : DecisionStep.PATH_ID;
  return 0;
}

/** The step a comparison result was decided at, or undefined for a full tie. */
export function decidingStep(result: number): DecisionStep | undefined {
  return result === 0 ? undefined : (Math.abs(result) as DecisionStep);
}

/** Decided before the MED step (by eligibility, preference, LOCAL_PREF, AS_PATH or ORIGIN). */
function decidedBeforeMed(result: number): boolean {
  return result !== 0 && Math.abs(result) < DecisionStep.MED;
}

/**
 * The eligible paths left after RFC 4271 §9.1.2.2 a–c: the ones tying on steps 2–5 with the
 * top, minus those with a higher MED than another such path from the same neighbouring AS.
 */
function medSurvivors(paths: readonly Path[], o: DecisionOptions): Path[] {
  let top: Path | undefined;
  for (const p of paths) {
    if (!p.eligible) continue;
    if (top === undefined) {
      top = p;
      continue;
    }
    const r = comparePaths(p, top, o);
    if (r < 0 && decidedBeforeMed(r)) top = p;
  }
  if (top === undefined) return [];
  const tied: Path[] = [];
  for (const p of paths) if (p.eligible && !decidedBeforeMed(comparePaths(top, p, o))) tied.push(p);
  if (tied.length === 1) return tied;
  // Lowest MED per neighbouring AS (one group when MED is always compared).
  const minMed = new Map<number, number>();
  for (const p of tied) {
    const group = o.alwaysCompareMed ? 0 : p.attrs.neighborAs;
    const med = p.attrs.med ?? 0;
    const seen = minMed.get(group);
    if (seen === undefined || med < seen) minMed.set(group, med);
  }
  return tied.filter((p) => (p.attrs.med ?? 0) === minMed.get(o.alwaysCompareMed ? 0 : p.attrs.neighborAs));
}

/** The best eligible path, independent of the order of `paths`; undefined when none is eligible. */
export function selectBest(paths: readonly Path[], o: DecisionOptions): Path | undefined {
  if (paths.length === 1) {
    const only = paths[0]!;
    return only.eligible ? only : undefined;
  }
  let best: Path | undefined;
  // Among MED survivors the remaining steps are a total order, so a linear scan is exact.
  for (const p of medSurvivors(paths, o)) if (best === undefined || comparePaths(p, best, o) < 0) best = p;
  return best;
}

/**
 * The ECMP set, best path first, then the others in decision order, at most `maxPaths`.
 * A path joins when it survives the MED step beside the best (same preference, LOCAL_PREF,
 * AS_PATH length and ORIGIN; no lower-MED rival from its neighbouring AS), has the same peer type
 * (eBGP/iBGP, RFC 4271 §9.1.2.2 d, as BIRD's `bgp_rte_mergable`), and — for eBGP, unless
 * `relaxNeighborAs` — comes from the same neighbouring AS (FRR). It may differ in CLUSTER_LIST
 * length, router ID, peer address and path ID.
 */
export function multipathSet(paths: readonly Path[], o: MultipathOptions): Path[] {
  if (paths.length === 1) {
    const only = paths[0]!;
    return only.eligible ? [only] : [];
  }
  const survivors = medSurvivors(paths, o);
  let best: Path | undefined;
  for (const p of survivors) if (best === undefined || comparePaths(p, best, o) < 0) best = p;
  if (best === undefined) return [];
  if (o.maxPaths <= 1 || survivors.length === 1) return [best];
  const kind = best.source.kind;
  const sameAsOnly = kind === 'ebgp' && !o.relaxNeighborAs;
  const others: Path[] = [];
  for (const p of survivors) {
    if (p === best || p.source.kind !== kind) continue;
    if (sameAsOnly && p.source.asn !== best.source.asn) continue;
    others.push(p);
  }
  others.sort((x, y) => comparePaths(x, y, o));
  if (others.length > o.maxPaths - 1) others.length = o.maxPaths - 1;
  return [best, ...others];
}

/** For `show`: why each path is not the best (the step it lost at), or that it is the best. */
export interface PathVerdict {
  readonly path: Path;
  readonly best: boolean;
  /** The step this path lost at; undefined for the best path. */
  readonly step: DecisionStep | undefined;
}

export function explainSelection(paths: readonly Path[], o: DecisionOptions): PathVerdict[] {
  const best = selectBest(paths, o);
  const survivors = new Set(medSurvivors(paths, o));
  return paths.map((path) => {
    if (path === best) return { path, best: true, step: undefined };
    if (best === undefined) return { path, best: false, step: DecisionStep.ELIGIBILITY };
    const r = comparePaths(best, path, o);
    // Eliminated by a same-AS rival's lower MED even though the best itself came from elsewhere.
    const step = decidedBeforeMed(r) || survivors.has(path) ? decidingStep(r) : DecisionStep.MED;
    return { path, best: false, step };
  });
}
