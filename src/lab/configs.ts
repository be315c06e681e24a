/**
 * petrel's config for each machine of the lab (SPEC §2 keys), from the plan and a mode. The lab
 * is dual-stack: an IPv4 pool and an IPv6 pool, each node with both addresses, and every
 * session once per family (Calico's BIRD runs IPv4 and IPv6 sessions apart). Per mode:
 *
 * - `noencap`: both pools with ipipMode and vxlanMode Never, routes `via <node IP> dev eth0` —
 *   only inside a subnet: across the router a node IP is not on-link (Calico would need the
 *   router to speak BGP);
 * - `vxlan`: vxlanMode Always, `via <remote VTEP> dev vxlan.calico onlink` plus ARP and FDB; the
 *   IPv6 pool likewise over Felix's second device, `vxlan-v6.calico`, with NDP and FDB entries;
 * - `crosssubnet`: vxlanMode CrossSubnet for both pools, native inside a subnet, VXLAN across;
 * - `ipip`: ipipMode Always, `via <node IP> dev tunl0 onlink`. This kernel has no ipip module,
 *   so the lab checks these routes on a stand-in tunl0 (a veth) and sends no traffic over them.
 *   Calico has no IPIP for IPv6, so here the IPv6 pool has no encapsulation (as in `noencap`).
 *
 * Nodes peer as Calico's full iBGP mesh (AS 64512), or, with a reflector, each with the reflector
 * only (mesh off); the reflector programs no kernel routes. Every node lists every other node
 * under `mesh.nodes` with its VTEPs (Calico's Node resources carry the same), whether or not the
 * mesh is on: that is where remote VTEPs come from. Every daemon listens on `::`, which takes
 * IPv4 and IPv6 peers. Hold time 9 s (keepalive 3 s) so a vanished node is noticed quickly; each
 * machine's control socket and state live in its own folder.
 */
import { stringify } from 'yaml';
import type { IpFamily } from '../bgp/address.js';
import { BGP_PORT } from '../config/names.js';
import {
  type HostPlan,
  LAB_AS_NUMBER,
  LAB_BLOCK_SIZE,
  LAB_BLOCK_SIZE_V6,
  LAB_POOL,
  LAB_POOL_V6,
  type LabPlan,
  type NodePlan,
  type ReflectorPlan,
  hostAddress,
  withSubnetLength,
} from './plan.js';

export const LabMode = { NO_ENCAP: 'noencap', VXLAN: 'vxlan', CROSS_SUBNET: 'crosssubnet', IPIP: 'ipip' } as const;
export type LabMode = (typeof LabMode)[keyof typeof LabMode];
export const LAB_MODES: readonly LabMode[] = Object.values(LabMode);

export const LAB_HOLD_TIME_SEC = 9;
export const LAB_RESTART_TIME_SEC = 120;
/** petrel's route protocol in the lab: Calico's "bird" (12), as a drop-in writes it. */
export const LAB_ROUTE_PROTOCOL = 12;
export const VXLAN_DEVICE = 'vxlan.calico';
/** Felix's IPv6 VXLAN device, which petrel creates for IPv6 pools with VXLAN (not configurable). */
export { VXLAN_DEVICE_V6 } from '../kernel/encap.js';
/** Every daemon takes IPv4 and IPv6 sessions on one socket. */
const LISTEN_ANY = '::';

type EncapSetting = 'Always' | 'CrossSubnet' | 'Never';

export interface LabPool {
  readonly cidr: string;
  readonly blockSize: number;
  readonly ipipMode: EncapSetting;
  readonly vxlanMode: EncapSetting;
}

const POOL_ENCAP: Record<LabMode, Pick<LabPool, 'ipipMode' | 'vxlanMode'>> = {
  noencap: { ipipMode: 'Never', vxlanMode: 'Never' },
  vxlan: { ipipMode: 'Never', vxlanMode: 'Always' },
  crosssubnet: { ipipMode: 'Never', vxlanMode: 'CrossSubnet' },
  ipip: { ipipMode: 'Always', vxlanMode: 'Never' },
};

/** The IPv4 pool of a mode. */
export function poolFor(mode: LabMode): LabPool {
  return { cidr: LAB_POOL, blockSize: LAB_BLOCK_SIZE, ...POOL_ENCAP[mode] };
}

/** The IPv6 pool of a mode: the IPv4 pool's VXLAN mode; no IPIP, which carries IPv4 only. */
export function pool6For(mode: LabMode): LabPool {
  return { cidr: LAB_POOL_V6, blockSize: LAB_BLOCK_SIZE_V6, ipipMode: 'Never', vxlanMode: POOL_ENCAP[mode].vxlanMode };
}

export function usesVxlan(mode: LabMode): boolean {
  return mode === LabMode.VXLAN || mode === LabMode.CROSS_SUBNET;
}

/** Where one machine's files go (control socket, state). */
export interface MachineFiles {
  readonly dir: string;
}

export function controlSocketOf(files: MachineFiles): string {
  return `${files.dir}/petrel.sock`;
}

/** A petrel config as plain data, ready for YAML. */
export type LabConfig = Readonly<Record<string, unknown>>;

export interface NodeConfigOptions {
  readonly mode: LabMode;
  readonly files: MachineFiles;
  /** Blocks this node originates; default its plan blocks (IPv4 and IPv6). */
  readonly blocks?: readonly string[];
}

function vtepOf(node: NodePlan): LabConfig {
  return { vxlanTunnelAddress: node.vtepIp, vxlanTunnelMac: node.vtepMac, vxlanTunnelAddressV6: node.vtepIp6, vxlanTunnelMacV6: node.vtepMac6 };
}

/** `node.ipv4Address` and `ipv6Address` (and the same keys of a mesh entry). */
function addressesOf(host: HostPlan): LabConfig {
  return { ipv4Address: withSubnetLength(host.address), ipv6Address: withSubnetLength(host.address6) };
}

function common(files: MachineFiles, mode: LabMode): LabConfig {
  return {
    pools: [poolFor(mode), pool6For(mode)],
    gracefulRestart: { enabled: true, restartTimeSec: LAB_RESTART_TIME_SEC },
    stateDir: `${files.dir}/state`,
    control: { socket: controlSocketOf(files) },
    log: { level: 'info' },
  };
}

const FAMILIES: readonly IpFamily[] = [4, 6];

/** Sessions to a node or the reflector, one per address family: Calico peers with each of a node's addresses. */
function sessionsTo(host: HostPlan, extra: LabConfig = {}): LabConfig[] {
  return FAMILIES.map((family) => ({
    address: hostAddress(host, family),
    port: BGP_PORT,
    asNumber: LAB_AS_NUMBER,
    holdTimeSec: LAB_HOLD_TIME_SEC,
    connectDelaySec: 0,
    connectRetrySec: 1,
    ...extra,
  }));
}

export function nodeConfig(plan: LabPlan, node: NodePlan, options: NodeConfigOptions): LabConfig {
  const others = plan.nodes.filter((n) => n !== node);
  return {
    asNumber: LAB_AS_NUMBER,
    node: { name: node.name, ...addressesOf(node), ...vtepOf(node) },
    listen: { address: LISTEN_ANY, port: BGP_PORT },
    mesh: {
      enabled: plan.reflector === undefined,
      holdTimeSec: LAB_HOLD_TIME_SEC,
      nodes: others.map((other) => ({ name: other.name, ...addressesOf(other), port: BGP_PORT, ...vtepOf(other) })),
    },
    peers: plan.reflector === undefined ? [] : sessionsTo(plan.reflector),
    blocks: [...(options.blocks ?? [node.block, node.block6])],
    kernel: { enabled: true, routeProtocol: LAB_ROUTE_PROTOCOL, learn: true, persist: true },
    vxlan: { device: VXLAN_DEVICE, vni: 4096, port: 4789, mtu: 1450 },
    ...common(options.files, options.mode),
  };
}

/** The reflector: clients are the nodes (no cluster ID of their own), no kernel routes. */
export function reflectorConfig(plan: LabPlan, reflector: ReflectorPlan, options: { readonly mode: LabMode; readonly files: MachineFiles }): LabConfig {
  return {
    asNumber: LAB_AS_NUMBER,
    node: { name: reflector.name, ...addressesOf(reflector), routeReflectorClusterId: reflector.clusterId },
    listen: { address: LISTEN_ANY, port: BGP_PORT },
    mesh: { enabled: false },
    peers: plan.nodes.flatMap((n) => sessionsTo(n, { routeReflectorClient: true })),
    blocks: [],
    kernel: { enabled: false },
    ...common(options.files, options.mode),
  };
}

export function configYaml(config: LabConfig): string {
  return stringify(config, { lineWidth: 0 });
}
