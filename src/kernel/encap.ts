/**
 * From a learned best path to the kernel route petrel installs: Calico's
 * `calico_kernel_programming` filter (CALICO.md §1.4) with Felix's VXLAN routes (§3), pure.
 *
 * Per pool holding the prefix:
 * - IPIP Always: `via <nh> dev tunl0 onlink` (the fork's `krt_tunnel`);
 * - IPIP CrossSubnet: native `via <nh> dev <nic>` when the BGP next hop is inside this node's
 *   `ipv4Address` subnet (Felix `nodeInOurSubnet`), else tunl0 as above;
 * - no encapsulation: `via <nh> dev <nic>`, the NIC whose connected subnet holds the next hop;
 *   an IPv6 next hop with only a link-local address goes `via fe80::… dev <session interface>`
 *   (next-hop.ts, RFC 2545 §3);
 * - VXLAN Always: `via <remote VTEP IP> dev vxlan.calico onlink` (Felix vxlan_mgr.go), VXLAN
 *   CrossSubnet native inside the subnet; the VTEP comes from the node IP (vxlan.ts). IPv6 pools
 *   use Felix's second device, `vxlan-v6.calico`, and CrossSubnet compares with `ipv6Address`.
 * Outside every pool (a ToR's default route, other racks' prefixes): plain `via <nh>`. Service
 * ranges are advertised by every node but never installed from peers (confd `/rejectcidrs`):
 * kube-proxy answers them locally. Several next hops make one multipath route, each next hop
 * encapsulated on its own, so IPIP and ECMP combine (BIRD can't: bird #90, calico #4462).
 */
import { type ParsedPrefix, parsePrefix } from '../bgp/address.js';
import { EncapMode, ProgramClusterRoutes, type PoolConfig } from '../config/schema.js';
import { prefixContains, prefixContainsAddress } from '../config/prefixes.js';
import type { KernelNextHop, KernelRoute } from './fib-port.js';
import type { ConnectedSubnets } from './interfaces.js';
import { type BgpNextHop, chooseGateway, globalAddressOf } from './next-hop.js';

/** Calico's IPIP device (dataplanedefs). */
export const IPIP_DEVICE = 'tunl0';

/** The pool fields encapsulation reads. */
export type EncapPool = Pick<PoolConfig, 'cidr' | 'ipipMode' | 'vxlanMode'>;

export interface EncapOptions {
  readonly pools: readonly EncapPool[];
  /** serviceClusterIPs, serviceExternalIPs, serviceLoadBalancerIPs: never installed. */
  readonly serviceRanges: readonly string[];
  /** `node.ipv4Address` (address/length): its subnet decides CrossSubnet for IPv4 next hops. */
  readonly nodeIpv4Address?: string;
  /** `node.ipv6Address` (address/length): its subnet decides CrossSubnet for IPv6 next hops. */
  readonly nodeIpv6Address?: string;
  /** The VXLAN device (`vxlan.device`, default vxlan.calico). */
  readonly vxlanDevice: string;
  /** The IPv6 VXLAN device (default vxlan-v6.calico, Felix's VXLANIfaceNameV6). */
  readonly vxlanDeviceV6?: string;
  readonly ipipDevice?: string;
  /** Which pools' routes are petrel's to install (config `programClusterRoutes`); default all. */
  readonly programClusterRoutes?: ProgramClusterRoutes;
}

/** Whether petrel installs IPIP / no-encap pools' routes under `mode` (VXLAN pools always). */
export function programsPools(mode: ProgramClusterRoutes | undefined): { readonly ipip: boolean; readonly noEncap: boolean } {
  switch (mode ?? ProgramClusterRoutes.ENABLED) {
    case ProgramClusterRoutes.DISABLED:
      return { ipip: false, noEncap: false };
    case ProgramClusterRoutes.IPIP_ONLY:
      return { ipip: true, noEncap: false };
    case ProgramClusterRoutes.NO_ENCAP_ONLY:
      return { ipip: false, noEncap: true };
    default:
      return { ipip: true, noEncap: true };
  }
}

/** Felix's IPv6 VXLAN device (dataplanedefs.VXLANIfaceNameV6). */
export const VXLAN_DEVICE_V6 = 'vxlan-v6.calico';

/**
 * A best path as the RIB hands it over: the prefix and the BGP next hop of each ECMP path, an
 * address alone (an IPv4 NEXT_HOP, a 16-octet IPv6 one) or all it is known by (next-hop.ts).
 */
export interface LearnedPath {
  readonly prefix: string;
  readonly nextHops: readonly (string | BgpNextHop)[];
  readonly metric?: number;
}

/** Where the kernel-side state encapsulation depends on comes from. */
export interface EncapEnvironment {
  readonly interfaces: ConnectedSubnets;
  /** The remote VTEP IP of the node whose underlay address is `nodeIp` (vxlan.ts). */
  vtepFor(nodeIp: string): string | undefined;
}

export type SkipReason =
  | 'bad-prefix'
  | 'no-next-hop'
  | 'service-range' // advertised, never installed from peers (CALICO.md §1.4)
  | 'no-vtep' // a VXLAN pool, but the next hop's node has no known VTEP yet
  | 'link-local-without-interface' // only a link-local next hop, over a session on no known link
  | 'felix-owned'; // a pool whose cluster routes Felix programs (programClusterRoutes)

export type EncapDecision =
  | { readonly action: 'install'; readonly route: KernelRoute }
  | { readonly action: 'skip'; readonly reason: SkipReason };

type HopMode = 'native' | 'ipip' | 'vxlan';

interface ParsedPool {
  readonly prefix: ParsedPrefix;
  readonly ipip: EncapMode;
  readonly vxlan: EncapMode;
}

type HopOutcome = KernelNextHop | { readonly skip: SkipReason };

function keyOf(hop: BgpNextHop): string {
  return `${hop.addresses.join(',')}|${hop.peerAddress ?? ''}|${hop.peerInterface ?? ''}`;
}

/** The distinct next hops of the ECMP paths, each as a `BgpNextHop`. */
function distinctHops(nextHops: readonly (string | BgpNextHop)[]): BgpNextHop[] {
  const byKey = new Map<string, BgpNextHop>();
  for (const hop of nextHops) {
    const full = typeof hop === 'string' ? { addresses: [hop] } : hop;
    if (full.addresses.length > 0) byKey.set(keyOf(full), full);
  }
  return [...byKey.values()];
}

export class Encapsulation {
  readonly #pools: readonly ParsedPool[];
  readonly #services: readonly ParsedPrefix[];
  readonly #nodeSubnets: readonly ParsedPrefix[];
  readonly #vxlanDevice: string;
  readonly #vxlanDeviceV6: string;
  readonly #ipipDevice: string;
  readonly #programs: { readonly ipip: boolean; readonly noEncap: boolean };

  constructor(options: EncapOptions) {
    this.#pools = options.pools.flatMap((pool) => {
      const prefix = parsePrefix(pool.cidr);
      return prefix === undefined ? [] : [{ prefix, ipip: pool.ipipMode, vxlan: pool.vxlanMode }];
    });
    this.#services = options.serviceRanges.flatMap((range) => parsePrefix(range) ?? []);
    this.#nodeSubnets = [options.nodeIpv4Address, options.nodeIpv6Address].flatMap((a) => (a === undefined ? [] : (parsePrefix(a) ?? [])));
    this.#vxlanDevice = options.vxlanDevice;
    this.#vxlanDeviceV6 = options.vxlanDeviceV6 ?? VXLAN_DEVICE_V6;
    this.#ipipDevice = options.ipipDevice ?? IPIP_DEVICE;
    this.#programs = programsPools(options.programClusterRoutes);
  }

  /** The kernel route for a learned best path, or why none is installed. */
  routeFor(path: LearnedPath, environment: EncapEnvironment): EncapDecision {
    const prefix = parsePrefix(path.prefix);
    if (prefix === undefined) return { action: 'skip', reason: 'bad-prefix' };
    if (this.#services.some((range) => prefixContains(range, prefix))) return { action: 'skip', reason: 'service-range' };
    const hops = distinctHops(path.nextHops);
    if (hops.length === 0) return { action: 'skip', reason: 'no-next-hop' };
    const pool = this.#pools.find((p) => prefixContains(p.prefix, prefix));
    if (pool !== undefined && !this.#isOurs(pool)) return { action: 'skip', reason: 'felix-owned' };
    const nextHops: KernelNextHop[] = [];
    const gateways = new Set<string>();
    let skipped: SkipReason = 'no-next-hop';
    for (const hop of hops) {
      const outcome = this.#hop(pool, prefix.family, hop, environment);
      if ('skip' in outcome) skipped = outcome.skip;
      else if (!gateways.has(`${outcome.gateway}%${outcome.device ?? ''}`)) {
        // Two paths may reach one gateway (one node's link-local and global next hops).
        gateways.add(`${outcome.gateway}%${outcome.device ?? ''}`);
        nextHops.push(outcome);
      }
    }
    if (nextHops.length === 0) return { action: 'skip', reason: skipped };
    return {
      action: 'install',
      route: { prefix: path.prefix, type: 'unicast', nextHops, ...(path.metric !== undefined && { metric: path.metric }) },
    };
  }

  /** CALICO.md §1.4 processIPPool: VXLAN pools always; IPIP and no-encap pools as programClusterRoutes says. */
  #isOurs(pool: ParsedPool): boolean {
    if (pool.vxlan !== EncapMode.NEVER) return true;
    return pool.ipip !== EncapMode.NEVER ? this.#programs.ipip : this.#programs.noEncap;
  }

  /** CrossSubnet: is the BGP next hop inside this node's own subnet of its family (CALICO.md §1.4)? */
  #inOurSubnet(gateway: string): boolean {
    return this.#nodeSubnets.some((subnet) => prefixContainsAddress(subnet, gateway));
  }

  #modeFor(pool: ParsedPool | undefined, gateway: string | undefined): HopMode {
    if (pool === undefined) return 'native';
    // Only a link-local next hop: the peer is on the link, and no tunnel endpoint is known.
    const inOurSubnet = gateway === undefined || this.#inOurSubnet(gateway);
    if (pool.vxlan === EncapMode.ALWAYS) return 'vxlan';
    if (pool.vxlan === EncapMode.CROSS_SUBNET) return inOurSubnet ? 'native' : 'vxlan';
    if (pool.ipip === EncapMode.ALWAYS) return 'ipip';
    if (pool.ipip === EncapMode.CROSS_SUBNET) return inOurSubnet ? 'native' : 'ipip';
    return 'native';
  }

  #hop(pool: ParsedPool | undefined, family: 4 | 6, hop: BgpNextHop, environment: EncapEnvironment): HopOutcome {
    const global = globalAddressOf(hop);
    switch (this.#modeFor(pool, global)) {
      case 'ipip':
        return global === undefined ? { skip: 'no-next-hop' } : { gateway: global, device: this.#ipipDevice, onlink: true };
      case 'vxlan': {
        const vtep = global === undefined ? undefined : environment.vtepFor(global);
        if (vtep === undefined) return { skip: 'no-vtep' };
        return { gateway: vtep, device: family === 6 ? this.#vxlanDeviceV6 : this.#vxlanDevice, onlink: true };
      }
      case 'native': {
        const choice = chooseGateway(hop, environment.interfaces);
        if (choice.kind === 'none') return { skip: choice.reason };
        return choice.device === undefined ? { gateway: choice.gateway, onlink: false } : { gateway: choice.gateway, device: choice.device, onlink: false };
      }
    }
  }
}

/**
 * This node's own block as a blackhole (CALICO.md §1.2), or undefined for a /32 (/128) block,
 * whose blackhole would shadow the one workload in it.
 */
export function blockBlackhole(block: string): KernelRoute | undefined {
  const prefix = parsePrefix(block);
  if (prefix === undefined || prefix.length === (prefix.family === 4 ? 32 : 128)) return undefined;
  return { prefix: block, type: 'blackhole', nextHops: [] };
}
