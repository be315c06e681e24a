/**
 * Calico's export filter `calico_export_to_bgp_peers(internal_peer)` (confd `bird_ipam.cfg`
 * template, CALICO.md §1.3, with `calico_aggr` from §1.2) as a pure function: for a route
 * (prefix and where it came from) and a peer type, accept or reject, and which communities
 * `prefixAdvertisements` add. The rules run top-down, first accept/reject wins:
 *
 *  1. reject anything inside a pool with `disableBGPExport`;
 *  2. to iBGP peers, reject kernel routes on Felix's `*.cali` / `*.calico` devices (and `tunl0`
 *     when Felix owns IPIP routes);
 *  3. reject kernel routes on eBPF `bpf*.cali` devices;
 *  4. communities for every `prefixAdvertisements` CIDR the prefix lies in;
 *  5. `calico_aggr`: a local block itself is accepted; anything more specific beneath it is
 *     rejected (pod /32s learned from the kernel) unless it is a kernel route with a metric below
 *     the normal route priority (1024: KubeVirt live migration, v3.32);
 *  6. accept service ranges this node originates (confd `/staticroutes`);
 *  7. on a route reflector, accept `serviceLoadBalancerIPs` and `serviceExternalIPs`;
 *  8. accept anything inside a pool (so borrowed /32s outside local blocks go out, as in Calico);
 *  9. reject the rest: a ToR's default route or a foreign prefix is never passed on.
 *
 * A peer's BGPFilter export rules run before all of this (`withFilter`, CALICO.md §1.7): the
 * first matching rule accepts or rejects outright — an accepted route then skips the rules above,
 * communities included, as BIRD's `accept` leaves the filter before `calico_export_to_bgp_peers`
 * — and no matching rule falls through to them. An Accept rule's operations (v3.32) travel in
 * the decision (`operations`) for export-attrs.ts to apply before its own rewriting, as BIRD
 * runs the export filter before `bgp_update_attrs`.
 *
 * `exportPolicy: all` accepts everything (a central reflector for non-Calico clients), still
 * adding the communities. The context is compiled once per config; `decide` allocates nothing
 * for a prefix matched by at most one `prefixAdvertisements` entry.
 */
import type { LargeCommunity } from '../bgp/types.js';
import type { BgpFilter, FilterOperations } from './bgp-filter.js';
import type { PathAttributes } from './attr-set.js';
import type { PeerInfo } from './path.js';
import { lengthOf, PrefixSet, prefixLength, prefixText, type RoutePrefix } from './prefix-set.js';

export type ExportPolicyMode = 'calico' | 'all';

export interface IpPoolExport {
  readonly cidr: string;
  readonly disableBGPExport: boolean;
}

export interface PrefixAdvertisement {
  readonly cidr: string;
  /** RFC 1997 communities as 32-bit numbers. */
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
}

export interface ExportPolicyContext {
  readonly exportPolicy: ExportPolicyMode;
  readonly pools: readonly IpPoolExport[];
  /** Blocks affine to this node in state confirmed (or no state): §1.2 `calico_aggr`. */
  readonly localBlocks: readonly string[];
  /** Service ranges this node originates and advertises (cluster/external/LB CIDRs, §1.6). */
  readonly staticRoutes: readonly string[];
  /** Reflected by a route reflector even though outside every pool (§1.3 step 7). */
  readonly serviceLoadBalancerIPs: readonly string[];
  readonly serviceExternalIPs: readonly string[];
  readonly prefixAdvertisements: readonly PrefixAdvertisement[];
  readonly isReflector: boolean;
  /** Felix programs IPIP routes, so BIRD must not export its `tunl0` routes to iBGP (master). */
  readonly felixOwnsIpip?: boolean;
  /**
   * Pools whose cluster routes Felix programs (programClusterRoutes): its kernel routes into them
   * through a gateway lead to other nodes, whose blocks are theirs to advertise (confd
   * `rejectForFelixOwnedPools`).
   */
  readonly felixOwnedPools?: readonly string[];
  /**
   * Felix's normal route priority (kernel metric) per family, BGPConfiguration
   * `ipv4NormalRoutePriority` / `ipv6NormalRoutePriority`; default 1024 each.
   */
  readonly normalRoutePriority?: NormalRoutePriority;
}

export interface NormalRoutePriority {
  readonly ipv4: number;
  readonly ipv6: number;
}

/** Which rule decided, for logs and `show`. */
export type ExportRule =
  | 'export-filter-accept'
  | 'export-filter-reject'
  | 'pool-export-disabled'
  | 'felix-interface'
  | 'felix-cluster-route'
  | 'ebpf-interface'
  | 'local-block'
  | 'inside-local-block'
  | 'elevated-priority'
  | 'service-range'
  | 'reflector-service-range'
  | 'inside-pool'
  | 'outside-pools'
  | 'export-all';

export interface ExportDecision {
  readonly accept: boolean;
  readonly rule: ExportRule;
  /** Communities to add (§1.3 step 4); empty when none apply. */
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  /** Identifies the added communities (and operations), for memoising the exported attribute set. */
  readonly communityKey: string;
  /** An export rule's operations (v3.32), applied to the route before export rewriting. */
  readonly operations?: FilterOperations | undefined;
  /** The policy's normal route priority per family: LOCAL_PREF to iBGP for a route without one (export-attrs.ts). */
  readonly normalPriority: NormalRoutePriority;
}

const ACCEPTING: ReadonlySet<ExportRule> = new Set<ExportRule>([
  'export-filter-accept',
  'local-block',
  'elevated-priority',
  'service-range',
  'reflector-service-range',
  'inside-pool',
  'export-all',
]);
const RULES: readonly ExportRule[] = [
  'export-filter-accept',
  'export-filter-reject',
  'pool-export-disabled',
  'felix-interface',
  'felix-cluster-route',
  'ebpf-interface',
  'local-block',
  'inside-local-block',
  'elevated-priority',
  'service-range',
  'reflector-service-range',
  'inside-pool',
  'outside-pools',
  'export-all',
];
/** Felix's normal route priority (kernel metric), BGPConfiguration `ipv4NormalRoutePriority`'s default. */
export const NORMAL_ROUTE_PRIORITY = 1024;
const NONE: readonly never[] = Object.freeze([]);

type DecisionTable = Readonly<Record<ExportRule, ExportDecision>>;

export const DEFAULT_NORMAL_PRIORITY: NormalRoutePriority = Object.freeze({ ipv4: NORMAL_ROUTE_PRIORITY, ipv6: NORMAL_ROUTE_PRIORITY });

function decisionTable(communities: readonly number[], largeCommunities: readonly LargeCommunity[], normalPriority: NormalRoutePriority): DecisionTable {
  const communityKey = communities.length + largeCommunities.length === 0 ? '' : `${communities.join(',')};${largeCommunities.map((c) => c.join(':')).join(',')}`;
  const table = {} as Record<ExportRule, ExportDecision>;
  for (const rule of RULES) {
    table[rule] = Object.freeze({ accept: ACCEPTING.has(rule), rule, communities, largeCommunities, communityKey, normalPriority });
  }
  return table;
}

/** BIRD `ifname ~ "*.cali"` and friends (§1.3 steps 2–3). */
function isFelixDevice(ifname: string, felixOwnsIpip: boolean): boolean {
  return ifname.endsWith('.cali') || ifname.endsWith('.calico') || (felixOwnsIpip && ifname === 'tunl0');
}

function isEbpfDevice(ifname: string): boolean {
  return ifname.startsWith('bpf') && ifname.endsWith('.cali');
}

export class ExportPolicy {
  readonly mode: ExportPolicyMode;
  readonly #disabledPools: PrefixSet;
  readonly #pools: PrefixSet;
  readonly #blocks: PrefixSet;
  readonly #blockLengths: readonly number[];
  readonly #staticRoutes: PrefixSet;
  readonly #reflectorRanges: PrefixSet;
  readonly #advertisements: PrefixSet;
  readonly #adSets: readonly PrefixSet[];
  readonly #felixOwnsIpip: boolean;
  readonly #felixOwnedPools: PrefixSet;
  readonly #normalPriority: NormalRoutePriority;
  readonly #plain: DecisionTable;
  /** One table per `prefixAdvertisements` entry, for the common single-match case. */
  readonly #perAdvertisement: readonly DecisionTable[];
  readonly #ads: readonly PrefixAdvertisement[];
  readonly #ctx: ExportPolicyContext;
  /** A peer's export rules, consulted first; undefined on the shared policy. */
  readonly #filter: BgpFilter | undefined;
  /** The filter has v3.32 matches that read the route's attributes. */
  readonly #filterReadsAttrs: boolean;
  /** One accepting decision per export rule with operations. */
  readonly #withOperations = new Map<FilterOperations, ExportDecision>();
  /** Policies with a filter made from this one, by filter key. */
  readonly #withFilters = new Map<string, ExportPolicy>();

  constructor(ctx: ExportPolicyContext, filter?: BgpFilter) {
    this.#ctx = ctx;
    this.#filter = filter;
    this.#filterReadsAttrs = filter?.readsAttrs ?? false;
    this.mode = ctx.exportPolicy;
    this.#disabledPools = new PrefixSet(ctx.pools.filter((p) => p.disableBGPExport).map((p) => p.cidr));
    this.#pools = new PrefixSet(ctx.pools.filter((p) => !p.disableBGPExport).map((p) => p.cidr));
    this.#blocks = new PrefixSet(ctx.localBlocks);
    this.#blockLengths = ctx.localBlocks.map(prefixLength);
    this.#staticRoutes = new PrefixSet(ctx.staticRoutes);
    this.#reflectorRanges = new PrefixSet(ctx.isReflector ? [...ctx.serviceLoadBalancerIPs, ...ctx.serviceExternalIPs] : []);
    this.#ads = ctx.prefixAdvertisements;
    this.#advertisements = new PrefixSet(ctx.prefixAdvertisements.map((a) => a.cidr));
    this.#adSets = ctx.prefixAdvertisements.map((a) => new PrefixSet([a.cidr]));
    this.#felixOwnsIpip = ctx.felixOwnsIpip ?? false;
    this.#felixOwnedPools = new PrefixSet(ctx.felixOwnedPools ?? []);
    this.#normalPriority = ctx.normalRoutePriority ?? DEFAULT_NORMAL_PRIORITY;
    this.#plain = decisionTable(NONE, NONE, this.#normalPriority);
    this.#perAdvertisement = ctx.prefixAdvertisements.map((a) => decisionTable(a.communities, a.largeCommunities, this.#normalPriority));
  }

  /** The key of the peer filter in front, '' for none: update groups must not mix policies. */
  get filterKey(): string {
    return this.#filter?.key ?? '';
  }

  /**
   * This policy with a peer's export rules in front (CALICO.md §1.7); `this` for no filter.
   * Memoised per filter, so every group with the same rules shares one policy.
   */
  withFilter(filter: BgpFilter | undefined): ExportPolicy {
    if (filter === undefined || filter.key === this.filterKey) return this;
    let policy = this.#withFilters.get(filter.key);
    if (!policy) this.#withFilters.set(filter.key, (policy = new ExportPolicy(this.#ctx, filter)));
    return policy;
  }

  /**
   * Decides whether the route for `prefix` from `source` with `attrs` goes to a peer;
   * `toInternalPeer` is BIRD's `internal_peer` (peer AS == local AS). Only a peer filter's v3.32
   * matches read `attrs`.
   */
  decide(prefix: string | RoutePrefix, source: PeerInfo, toInternalPeer: boolean, attrs?: PathAttributes): ExportDecision {
    if (this.#filter !== undefined) {
      // §1.7: the peer's BGPFilter functions run before calico_export_to_bgp_peers, after confd's
      // priority prologue (hence the normal priority for routes without one).
      const route = this.#filterReadsAttrs && attrs !== undefined ? { attrs, normalPriority: this.#normalPriorityOf(prefix) } : undefined;
      const outcome = this.#filter.match(prefixText(prefix), source, toInternalPeer, route);
      if (outcome !== undefined) {
        if (outcome.verdict === 'reject') return this.#plain['export-filter-reject'];
        return outcome.operations === undefined ? this.#plain['export-filter-accept'] : this.#operationsDecision(outcome.operations);
      }
    }
    const table = this.#communitiesFor(prefix);
    if (this.mode === 'all') return table['export-all'];
    // 1. Pools never to be exported.
    if (this.#disabledPools.indexOf(prefix) >= 0) return table['pool-export-disabled'];
    const kernel = source.kernel;
    if (kernel !== undefined) {
      // 2. Felix's VXLAN/WireGuard (and owned IPIP) routes stay off iBGP sessions.
      if (toInternalPeer && isFelixDevice(kernel.ifname, this.#felixOwnsIpip)) return table['felix-interface'];
      // ...and so do Felix's routes to other nodes' blocks in the pools it programs, native ones
      // included (confd rejectForFelixOwnedPools: learned from the kernel, through a gateway).
      if (toInternalPeer && kernel.viaGateway === true && this.#felixOwnedPools.indexOf(prefix) >= 0) return table['felix-cluster-route'];
      // 3. eBPF dataplane's local routes.
      if (isEbpfDevice(kernel.ifname)) return table['ebpf-interface'];
    }
    // 5. calico_aggr: the block itself, never what lies beneath it (save elevated-priority routes).
    const block = this.#blocks.indexOf(prefix);
    if (block >= 0) {
      // Inside the block with the block's own length: the block itself.
      if (lengthOf(prefix) === this.#blockLengths[block]) return table['local-block'];
      if (kernel !== undefined && kernel.metric < this.#normalPriorityOf(prefix)) return table['elevated-priority'];
      return table['inside-local-block'];
    }
    // 6. Service ranges this node advertises.
    if (this.#staticRoutes.indexOf(prefix) >= 0) return table['service-range'];
    // 7. A reflector passes on clients' LB / external service routes.
    if (this.#reflectorRanges.indexOf(prefix) >= 0) return table['reflector-service-range'];
    // 8. Anything inside an exported pool.
    if (this.#pools.indexOf(prefix) >= 0) return table['inside-pool'];
    // 9. Nothing else leaves.
    return table['outside-pools'];
  }

  /** The normal route priority of `prefix`'s family. */
  #normalPriorityOf(prefix: string | RoutePrefix): number {
    const v4 = typeof prefix === 'string' ? !prefix.includes(':') : prefix.address4 !== undefined;
    return v4 ? this.#normalPriority.ipv4 : this.#normalPriority.ipv6;
  }

  #operationsDecision(operations: FilterOperations): ExportDecision {
    let decision = this.#withOperations.get(operations);
    if (decision === undefined) {
      decision = Object.freeze({ ...this.#plain['export-filter-accept'], communityKey: operations.id, operations });
      this.#withOperations.set(operations, decision);
    }
    return decision;
  }

  /** §1.3 step 4: the communities of every matching `prefixAdvertisements` entry. */
  #communitiesFor(prefix: string | RoutePrefix): DecisionTable {
    if (this.#ads.length === 0) return this.#plain;
    const first = this.#advertisements.indexOf(prefix);
    if (first < 0) return this.#plain;
    let communities: number[] | undefined;
    let large: LargeCommunity[] | undefined;
    for (let i = first + 1; i < this.#ads.length; i++) {
      const ad = this.#ads[i]!;
      if (this.#adSets[i]!.indexOf(prefix) < 0) continue;
      communities ??= [...this.#ads[first]!.communities];
      large ??= [...this.#ads[first]!.largeCommunities];
      for (const c of ad.communities) if (!communities.includes(c)) communities.push(c);
      for (const c of ad.largeCommunities) if (!large.some((l) => l[0] === c[0] && l[1] === c[1] && l[2] === c[2])) large.push(c);
    }
    return communities === undefined || large === undefined ? this.#perAdvertisement[first]! : decisionTable(communities, large, this.#normalPriority);
  }
}
