/**
 * The lab's addressing plan (SPEC §5), dual-stack as a Calico cluster with IPv4 and IPv6 pools:
 * an underlay of two subnets behind one router, so that CrossSubnet has something to decide —
 * subnet A (10.0.1.0/24 and fd00:0:1::/64) holds nodes a1 and a2 and the route reflector,
 * subnet B (10.0.2.0/24 and fd00:0:2::/64) holds node b1. Every namespace has its own network
 * stack, so several labs use the same addresses side by side; only namespace names must differ.
 *
 * Pods come from two Calico pools, 10.244.0.0/16 in /26 blocks and fd10:244::/64 in Calico's
 * default /122 blocks, one block of each per node; every pod has an address from both. Each
 * node's VXLAN tunnel endpoint takes the first address of its block, as Calico's IPAM hands the
 * tunnel address out of the node's block (`Node.spec.ipv4VXLANTunnelAddr`, `ipv6VXLANTunnelAddr`).
 * The IPv4 VTEP MAC is the one petrel derives from the node address when none is recorded
 * (src/kernel/vxlan.ts); the IPv6 one is recorded, as Felix records `vxlanTunnelMACAddrV6`, so
 * the lab has nodes of both kinds.
 */
import type { IpFamily } from '../bgp/address.js';
import { vtepMacFor } from '../kernel/vxlan.js';

export const LAB_AS_NUMBER = 64512;
export const LAB_POOL = '10.244.0.0/16';
export const LAB_BLOCK_SIZE = 26;
export const LAB_POOL_V6 = 'fd10:244::/64';
/** Calico's default IPv6 block size. */
export const LAB_BLOCK_SIZE_V6 = 122;
export const LAB_CLUSTER_ID = '244.0.0.1';
/** Calico's pods reach their node through this link-local gateway, answered by proxy ARP. */
export const POD_GATEWAY = '169.254.1.1';
/**
 * The IPv6 gateway of Calico's pods: the link-local address (EUI-64) of the host end's MAC
 * ee:ee:ee:ee:ee:ee, which the CNI plugin reads off the host veth for the pod's default route.
 */
export const POD_GATEWAY_V6 = 'fe80::ecee:eeff:feee:eeee';

export const SUBNET_PREFIX_LENGTH = 24;
export const SUBNET_PREFIX_LENGTH_V6 = 64;

export type SubnetName = 'a' | 'b';

export interface SubnetPlan {
  readonly name: SubnetName;
  readonly cidr: string;
  readonly cidr6: string;
  /** The router's address on this subnet: every namespace's default gateway. */
  readonly gateway: string;
  readonly gateway6: string;
  /** The bridge in the router namespace that is this subnet's switch. */
  readonly bridge: string;
}

export const SUBNETS: Readonly<Record<SubnetName, SubnetPlan>> = {
  a: { name: 'a', cidr: '10.0.1.0/24', cidr6: 'fd00:0:1::/64', gateway: '10.0.1.1', gateway6: 'fd00:0:1::1', bridge: 'br-a' },
  b: { name: 'b', cidr: '10.0.2.0/24', cidr6: 'fd00:0:2::/64', gateway: '10.0.2.1', gateway6: 'fd00:0:2::1', bridge: 'br-b' },
};

export interface PodPlan {
  /** Unique in the lab, e.g. `a1-p1`. */
  readonly name: string;
  readonly ip: string;
  /** Absent: an IPv4-only pod (tests add some). */
  readonly ip6?: string;
}

/** A machine on the underlay: a node or the reflector. */
export interface HostPlan {
  readonly name: string;
  readonly subnet: SubnetName;
  /** The underlay addresses, without prefix length. */
  readonly address: string;
  readonly address6: string;
}

export interface NodePlan extends HostPlan {
  readonly block: string;
  readonly block6: string;
  readonly vtepIp: string;
  readonly vtepMac: string;
  readonly vtepIp6: string;
  readonly vtepMac6: string;
  readonly pods: readonly PodPlan[];
}

export interface ReflectorPlan extends HostPlan {
  readonly clusterId: string;
}

export interface LabPlan {
  readonly nodes: readonly NodePlan[];
  readonly reflector?: ReflectorPlan;
}

/** `10.0.1.11` → `10.0.1.11/24`, `fd00:0:1::11` → `fd00:0:1::11/64`: the form `node.ipv4Address` and `ipv6Address` take. */
export function withSubnetLength(address: string): string {
  return `${address}/${address.includes(':') ? SUBNET_PREFIX_LENGTH_V6 : SUBNET_PREFIX_LENGTH}`;
}

/** The host's underlay address of one family. */
export function hostAddress(host: HostPlan, family: IpFamily): string {
  return family === 4 ? host.address : host.address6;
}

/** The pod's address of one family; undefined for an IPv4-only pod asked for IPv6. */
export function podAddress(pod: PodPlan, family: IpFamily): string | undefined {
  return family === 4 ? pod.ip : pod.ip6;
}

/** A prefix's family, from its text. */
export function familyOf(prefix: string): IpFamily {
  return prefix.includes(':') ? 6 : 4;
}

/** Subnet A's host 11 is 10.0.1.11 and fd00:0:1::11. */
function hostAddresses(subnet: SubnetName, host: number): { address: string; address6: string } {
  const { gateway, gateway6 } = SUBNETS[subnet];
  return { address: gateway.replace(/\.1$/, `.${host}`), address6: gateway6.replace(/::1$/, `::${host}`) };
}

/**
 * A node with block `index` of each pool: 10.244.<index>.0/26 and fd10:244::<index>:0/122, its
 * VTEPs the blocks' first addresses, its pod the 10th (0x10th) address of each block. Its IPv6
 * VTEP MAC is 02:56 followed by its IPv4 address's octets: unique in the lab, and not the
 * IPv4 VTEP's MAC (02:50 and the same octets).
 */
function node(name: string, subnet: SubnetName, host: number, index: number): NodePlan {
  const addresses = hostAddresses(subnet, host);
  return {
    name,
    subnet,
    ...addresses,
    block: `10.244.${index}.0/${LAB_BLOCK_SIZE}`,
    block6: `fd10:244::${index}:0/${LAB_BLOCK_SIZE_V6}`,
    vtepIp: `10.244.${index}.0`,
    vtepMac: vtepMacFor(addresses.address),
    vtepIp6: `fd10:244::${index}:0`,
    vtepMac6: vtepMacFor(addresses.address).replace(/^02:50:/, '02:56:'),
    pods: [{ name: `${name}-p1`, ip: `10.244.${index}.10`, ip6: `fd10:244::${index}:10` }],
  };
}

/** Nodes a1, a2 (subnet A) and b1 (subnet B), one pod each; with `reflector`, rr in subnet A. */
export function labPlan(options: { readonly reflector: boolean }): LabPlan {
  const nodes = [node('a1', 'a', 11, 1), node('a2', 'a', 12, 2), node('b1', 'b', 11, 3)];
  return options.reflector ? { nodes, reflector: { name: 'rr', subnet: 'a', ...hostAddresses('a', 2), clusterId: LAB_CLUSTER_ID } } : { nodes };
}

export function nodeNamed(plan: LabPlan, name: string): NodePlan {
  const found = plan.nodes.find((n) => n.name === name);
  if (found === undefined) throw new Error(`the lab has no node ${name}`);
  return found;
}
