/**
 * From config to the RIB's policy inputs: Calico's export filter context (SPEC §3, CALICO.md
 * §1.3) and the routes this node originates — its IPAM blocks and the service ranges it
 * advertises (confd's `/staticroutes`), as BIRD's static protocol announces them.
 */
import type { LargeCommunity } from '../bgp/types.js';
import { ExportPolicy, type PrefixAdvertisement } from '../rib/export-policy.js';
import { EncapMode, type Config } from '../config/schema.js';
import { programsPools } from '../kernel/encap.js';

/** `a:b` (RFC 1997) or `a:b:c` (RFC 8092), as the config loader normalised it. */
function splitCommunities(texts: readonly string[]): { communities: number[]; largeCommunities: LargeCommunity[] } {
  const communities: number[] = [];
  const largeCommunities: LargeCommunity[] = [];
  for (const text of texts) {
    const parts = text.split(':').map(Number);
    if (parts.length === 2) communities.push(((parts[0]! << 16) | parts[1]!) >>> 0);
    else largeCommunities.push([parts[0]!, parts[1]!, parts[2]!]);
  }
  return { communities, largeCommunities };
}

/** Service ranges this node originates and exports (Calico's static routes). */
export function serviceRanges(config: Config): string[] {
  return [...new Set([...config.serviceClusterIPs, ...config.serviceExternalIPs])];
}

/** Every prefix this node originates: its blocks and the service ranges. */
export function originatedPrefixes(config: Config): string[] {
  return [...new Set([...config.blocks, ...serviceRanges(config)])];
}

/**
 * The pools whose cluster routes Felix programs, as confd counts them (BGP export on): VXLAN pools
 * always (under Calico, Felix's VXLAN manager owns them; standalone, no such kernel route exists to
 * learn), IPIP and no-encap pools as `programClusterRoutes` leaves them to it.
 */
export function felixOwnedPools(config: Config): string[] {
  const ours = programsPools(config.programClusterRoutes);
  const felixs = (p: Config['pools'][number]): boolean => p.vxlanMode !== EncapMode.NEVER || !(p.ipipMode !== EncapMode.NEVER ? ours.ipip : ours.noEncap);
  return config.pools.filter((p) => !p.disableBGPExport && felixs(p)).map((p) => p.cidr);
}

export function exportPolicyOf(config: Config): ExportPolicy {
  const prefixAdvertisements: PrefixAdvertisement[] = config.prefixAdvertisements.map((a) => ({ cidr: a.cidr, ...splitCommunities(a.communities) }));
  return new ExportPolicy({
    exportPolicy: config.exportPolicy,
    pools: config.pools.map((p) => ({ cidr: p.cidr, disableBGPExport: p.disableBGPExport })),
    localBlocks: config.blocks,
    staticRoutes: serviceRanges(config),
    serviceLoadBalancerIPs: config.serviceLoadBalancerIPs,
    serviceExternalIPs: config.serviceExternalIPs,
    prefixAdvertisements,
    isReflector: config.node.routeReflectorClusterId !== undefined,
    normalRoutePriority: config.normalRoutePriority,
    // CALICO.md §1.3 step 2: Felix's own IPIP routes (tunl0) stay off iBGP when IPIP pools are its.
    felixOwnsIpip: !programsPools(config.programClusterRoutes).ipip,
    felixOwnedPools: felixOwnedPools(config),
  });
}
