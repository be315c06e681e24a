/**
 * The lab's addressing plan (SPEC §5): an underlay of two subnets behind one router, so that
 * CrossSubnet has something to decide — subnet A (10.0.1.0/24) holds nodes a1 and a2 and the
 * route reflector, subnet B (10.0.2.0/24) holds node b1. Every namespace has its own network
 * stack, so several labs use the same addresses side by side; only namespace names must differ.
 *
 * Pods come from one Calico pool, 10.244.0.0/16 in /26 blocks, one block per node. Each node's
 * VXLAN tunnel endpoint takes the first address of its block, as Calico's IPAM hands the tunnel
 * address out of the node's block (`Node.spec.ipv4VXLANTunnelAddr`), with the deterministic
 * VTEP MAC petrel derives from the node address when none is recorded (src/kernel/vxlan.ts).
 */
import { vtepMacFor } from '../kernel/vxlan.js';

export const LAB_AS_NUMBER = 64512;
export const LAB_POOL = '10.244.0.0/16';
export const LAB_BLOCK_SIZE = 26;
export const LAB_CLUSTER_ID = '244.0.0.1';
/** Calico's pods reach their node through this link-local gateway, answered by proxy ARP. */
export const POD_GATEWAY = '169.254.1.1';

export const SUBNET_PREFIX_LENGTH = 24;

export type SubnetName = 'a' | 'b';

export interface SubnetPlan {
  readonly name: SubnetName;
  readonly cidr: string;
  /** The router's address on this subnet: every namespace's default gateway. */
  readonly gateway: string;
  /** The bridge in the router namespace that is this subnet's switch. */
  readonly bridge: string;
}

export const SUBNETS: Readonly<Record<SubnetName, SubnetPlan>> = {
  a: { name: 'a', cidr: '10.0.1.0/24', gateway: '10.0.1.1', bridge: 'br-a' },
  b: { name: 'b', cidr: '10.0.2.0/24', gateway: '10.0.2.1', bridge: 'br-b' },
};

export interface PodPlan {
  /** Unique in the lab, e.g. `a1-p1`. */
  readonly name: string;
  readonly ip: string;
}

/** A machine on the underlay: a node or the reflector. */
export interface HostPlan {
  readonly name: string;
  readonly subnet: SubnetName;
  /** The underlay address, without prefix length. */
  readonly address: string;
}

export interface NodePlan extends HostPlan {
  readonly block: string;
  readonly vtepIp: string;
  readonly vtepMac: string;
  readonly pods: readonly PodPlan[];
}

export interface ReflectorPlan extends HostPlan {
  readonly clusterId: string;
}

export interface LabPlan {
  readonly nodes: readonly NodePlan[];
  readonly reflector?: ReflectorPlan;
}

/** `10.0.1.11` → `10.0.1.11/24`, the form `node.ipv4Address` takes. */
export function withSubnetLength(address: string): string {
  return `${address}/${SUBNET_PREFIX_LENGTH}`;
}

function node(name: string, subnet: SubnetName, hostOctet: number, blockIndex: number): NodePlan {
  const address = `${SUBNETS[subnet].cidr.split('.').slice(0, 3).join('.')}.${hostOctet}`;
  return {
    name,
    subnet,
    address,
    block: `10.244.${blockIndex}.0/${LAB_BLOCK_SIZE}`,
    vtepIp: `10.244.${blockIndex}.0`,
    vtepMac: vtepMacFor(address),
    pods: [{ name: `${name}-p1`, ip: `10.244.${blockIndex}.10` }],
  };
}

/** Nodes a1, a2 (subnet A) and b1 (subnet B), one pod each; with `reflector`, rr in subnet A. */
export function labPlan(options: { readonly reflector: boolean }): LabPlan {
  const nodes = [node('a1', 'a', 11, 1), node('a2', 'a', 12, 2), node('b1', 'b', 11, 3)];
  return options.reflector ? { nodes, reflector: { name: 'rr', subnet: 'a', address: '10.0.1.2', clusterId: LAB_CLUSTER_ID } } : { nodes };
}

export function nodeNamed(plan: LabPlan, name: string): NodePlan {
  const found = plan.nodes.find((n) => n.name === name);
  if (found === undefined) throw new Error(`the lab has no node ${name}`);
  return found;
}
