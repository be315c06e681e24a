/**
 * From a learned best path to the kernel route petrel installs: Calico's
 * `calico_kernel_programming` filter (CALICO.md §1.4) with Felix's VXLAN routes (§3), pure.
 *
 * Per pool holding the prefix:
 * - IPIP Always: `via <nh> dev tunl0 onlink` (the fork's `krt_tunnel`);
 * - IPIP CrossSubnet: native `via <nh> dev <nic>` when the BGP next hop is inside this node's
 *   `ipv4Address` subnet (Felix `nodeInOurSubnet`), else tunl0 as above;
 * - no encapsulation: `via <nh> dev <nic>`, the NIC whose connected subnet holds the next hop;
 * - VXLAN Always: `via <remote VTEP IP> dev vxlan.calico onlink` (Felix vxlan_mgr.go), VXLAN
 *   CrossSubnet native inside the subnet; the VTEP comes from the node IP (vxlan.ts).
 * Outside every pool (a ToR's default route, other racks' prefixes): plain `via <nh>`. Service
 * ranges are advertised by every node but never installed from peers (confd `/rejectcidrs`):
 * kube-proxy answers them locally. Several next hops make one multipath route, each next hop
 * encapsulated on its own, so IPIP and ECMP combine (BIRD can't: bird #90, calico #4462).
 */
import { type ParsedPrefix, parsePrefix } from '../bgp/address.js';
import { EncapMode, type PoolConfig } from '../config/schema.js';
import { prefixContains, prefixContainsAddress } from '../config/prefixes.js';
import type { KernelNextHop, KernelRoute } from './fib-port.js';
import type { ConnectedSubnets } from './interfaces.js';

/** Calico's IPIP device (dataplanedefs). */
export const IPIP_DEVICE = 'tunl0';

/** The pool fields encapsulation reads. */
export type EncapPool = Pick<PoolConfig, 'cidr' | 'ipipMode' | 'vxlanMode'>;

export interface EncapOptions {
  readonly pools: readonly EncapPool[];
  /** serviceClusterIPs, serviceExternalIPs, serviceLoadBalancerIPs: never installed. */
  readonly serviceRanges: readonly string[];
  /** `node.ipv4Address` (address/length): its subnet decides CrossSubnet. */
  readonly nodeIpv4Address?: string;
  /** The VXLAN device (`vxlan.device`, default vxlan.calico). */
  readonly vxlanDevice: string;
  readonly ipipDevice?: string;
}

/** A best path as the RIB hands it over: the prefix and the BGP next hop of each ECMP path. */
export interface LearnedPath {
  readonly prefix: string;
  readonly nextHops: readonly string[];
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
  | 'no-vtep'; // a VXLAN pool, but the next hop's node has no known VTEP yet

export type EncapDecision =
  | { readonly action: 'install'; readonly route: KernelRoute }
  | { readonly action: 'skip'; readonly reason: SkipReason };

type HopMode = 'native' | 'ipip' | 'vxlan';

interface ParsedPool {
  readonly prefix: ParsedPrefix;
  readonly ipip: EncapMode;
  readonly vxlan: EncapMode;
}

export class Encapsulation {
  readonly #pools: readonly ParsedPool[];
  readonly #services: readonly ParsedPrefix[];
  readonly #nodeSubnet: ParsedPrefix | undefined;
  readonly #vxlanDevice: string;
  readonly #ipipDevice: string;

  constructor(options: EncapOptions) {
    this.#pools = options.pools.flatMap((pool) => {
      const prefix = parsePrefix(pool.cidr);
      return prefix === undefined ? [] : [{ prefix, ipip: pool.ipipMode, vxlan: pool.vxlanMode }];
    });
    this.#services = options.serviceRanges.flatMap((range) => parsePrefix(range) ?? []);
    this.#nodeSubnet = options.nodeIpv4Address === undefined ? undefined : parsePrefix(options.nodeIpv4Address);
    this.#vxlanDevice = options.vxlanDevice;
    this.#ipipDevice = options.ipipDevice ?? IPIP_DEVICE;
  }

  /** The kernel route for a learned best path, or why none is installed. */
  routeFor(path: LearnedPath, environment: EncapEnvironment): EncapDecision {
    const prefix = parsePrefix(path.prefix);
    if (prefix === undefined) return { action: 'skip', reason: 'bad-prefix' };
    if (this.#services.some((range) => prefixContains(range, prefix))) return { action: 'skip', reason: 'service-range' };
    const gateways = [...new Set(path.nextHops)];
    if (gateways.length === 0) return { action: 'skip', reason: 'no-next-hop' };
    const pool = this.#pools.find((p) => prefixContains(p.prefix, prefix));
    const nextHops: KernelNextHop[] = [];
    for (const gateway of gateways) {
      const hop = this.#hop(this.#modeFor(pool, gateway), gateway, environment);
      if (hop !== undefined) nextHops.push(hop);
    }
    if (nextHops.length === 0) return { action: 'skip', reason: 'no-vtep' };
    return {
      action: 'install',
      route: { prefix: path.prefix, type: 'unicast', nextHops, ...(path.metric !== undefined && { metric: path.metric }) },
    };
  }

  /** CrossSubnet: is the BGP next hop inside this node's own subnet (CALICO.md §1.4)? */
  #inOurSubnet(gateway: string): boolean {
    return this.#nodeSubnet !== undefined && prefixContainsAddress(this.#nodeSubnet, gateway);
  }

  #modeFor(pool: ParsedPool | undefined, gateway: string): HopMode {
    if (pool === undefined) return 'native';
    if (pool.vxlan === EncapMode.ALWAYS) return 'vxlan';
    if (pool.vxlan === EncapMode.CROSS_SUBNET) return this.#inOurSubnet(gateway) ? 'native' : 'vxlan';
    if (pool.ipip === EncapMode.ALWAYS) return 'ipip';
    if (pool.ipip === EncapMode.CROSS_SUBNET) return this.#inOurSubnet(gateway) ? 'native' : 'ipip';
    return 'native';
  }

  #hop(mode: HopMode, gateway: string, environment: EncapEnvironment): KernelNextHop | undefined {
    switch (mode) {
      case 'ipip':
        return { gateway, device: this.#ipipDevice, onlink: true };
      case 'vxlan': {
        const vtep = environment.vtepFor(gateway);
        return vtep === undefined ? undefined : { gateway: vtep, device: this.#vxlanDevice, onlink: true };
      }
      case 'native': {
        const device = environment.interfaces.interfaceFor(gateway);
        return device === undefined ? { gateway, onlink: false } : { gateway, device, onlink: false };
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
