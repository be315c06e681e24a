/**
 * petrel's config for each machine of the lab (SPEC §2 keys), from the plan and a mode:
 *
 * - `noencap`: pool with ipipMode and vxlanMode Never, routes `via <node IP> dev eth0` — only
 *   inside a subnet: across the router a node IP is not on-link (Calico would need the router to
 *   speak BGP);
 * - `vxlan`: vxlanMode Always, `via <remote VTEP> dev vxlan.calico onlink` plus ARP and FDB;
 * - `crosssubnet`: vxlanMode CrossSubnet, native inside a subnet, VXLAN across;
 * - `ipip`: ipipMode Always, `via <node IP> dev tunl0 onlink`. This kernel has no ipip module,
 *   so the lab checks these routes on a stand-in tunl0 (a veth) and sends no traffic over them.
 *
 * Nodes peer as Calico's full iBGP mesh (AS 64512), or, with a reflector, each with the reflector
 * only (mesh off); the reflector programs no kernel routes. Every node lists every other node
 * under `mesh.nodes` with its VTEP (Calico's Node resources carry the same), whether or not the
 * mesh is on: that is where remote VTEPs come from. Hold time 9 s (keepalive 3 s) so a vanished
 * node is noticed quickly; each machine's control socket and state live in its own folder.
 */
import { stringify } from 'yaml';
import { BGP_PORT } from '../config/names.js';
import { LAB_AS_NUMBER, LAB_BLOCK_SIZE, LAB_POOL, type LabPlan, type NodePlan, type ReflectorPlan, withSubnetLength } from './plan.js';

export const LabMode = { NO_ENCAP: 'noencap', VXLAN: 'vxlan', CROSS_SUBNET: 'crosssubnet', IPIP: 'ipip' } as const;
export type LabMode = (typeof LabMode)[keyof typeof LabMode];
export const LAB_MODES: readonly LabMode[] = Object.values(LabMode);

export const LAB_HOLD_TIME_SEC = 9;
export const LAB_RESTART_TIME_SEC = 120;
/** petrel's route protocol in the lab: Calico's "bird" (12), as a drop-in writes it. */
export const LAB_ROUTE_PROTOCOL = 12;
export const VXLAN_DEVICE = 'vxlan.calico';

type EncapSetting = 'Always' | 'CrossSubnet' | 'Never';

export interface LabPool {
  readonly cidr: string;
  readonly blockSize: number;
  readonly ipipMode: EncapSetting;
  readonly vxlanMode: EncapSetting;
}

export function poolFor(mode: LabMode): LabPool {
  const encap: Record<LabMode, Pick<LabPool, 'ipipMode' | 'vxlanMode'>> = {
    noencap: { ipipMode: 'Never', vxlanMode: 'Never' },
    vxlan: { ipipMode: 'Never', vxlanMode: 'Always' },
    crosssubnet: { ipipMode: 'Never', vxlanMode: 'CrossSubnet' },
    ipip: { ipipMode: 'Always', vxlanMode: 'Never' },
  };
  return { cidr: LAB_POOL, blockSize: LAB_BLOCK_SIZE, ...encap[mode] };
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
  /** Blocks this node originates; default its plan block. */
  readonly blocks?: readonly string[];
}

function vtepOf(node: NodePlan): { vxlanTunnelAddress: string; vxlanTunnelMac: string } {
  return { vxlanTunnelAddress: node.vtepIp, vxlanTunnelMac: node.vtepMac };
}

function common(files: MachineFiles, mode: LabMode): LabConfig {
  return {
    pools: [poolFor(mode)],
    gracefulRestart: { enabled: true, restartTimeSec: LAB_RESTART_TIME_SEC },
    stateDir: `${files.dir}/state`,
    control: { socket: controlSocketOf(files) },
    log: { level: 'info' },
  };
}

function reflectorPeer(address: string): LabConfig {
  return { address, port: BGP_PORT, asNumber: LAB_AS_NUMBER, holdTimeSec: LAB_HOLD_TIME_SEC, connectDelaySec: 0, connectRetrySec: 1 };
}

export function nodeConfig(plan: LabPlan, node: NodePlan, options: NodeConfigOptions): LabConfig {
  const others = plan.nodes.filter((n) => n !== node);
  return {
    asNumber: LAB_AS_NUMBER,
    node: { name: node.name, ipv4Address: withSubnetLength(node.address), ...vtepOf(node) },
    listen: { address: node.address, port: BGP_PORT },
    mesh: {
      enabled: plan.reflector === undefined,
      holdTimeSec: LAB_HOLD_TIME_SEC,
      nodes: others.map((other) => ({ name: other.name, ipv4Address: withSubnetLength(other.address), port: BGP_PORT, ...vtepOf(other) })),
    },
    peers: plan.reflector === undefined ? [] : [reflectorPeer(plan.reflector.address)],
    blocks: [...(options.blocks ?? [node.block])],
    kernel: { enabled: true, routeProtocol: LAB_ROUTE_PROTOCOL, learn: true, persist: true },
    vxlan: { device: VXLAN_DEVICE, vni: 4096, port: 4789, mtu: 1450 },
    ...common(options.files, options.mode),
  };
}

/** The reflector: clients are the nodes (no cluster ID of their own), no kernel routes. */
export function reflectorConfig(plan: LabPlan, reflector: ReflectorPlan, options: { readonly mode: LabMode; readonly files: MachineFiles }): LabConfig {
  return {
    asNumber: LAB_AS_NUMBER,
    node: { name: reflector.name, ipv4Address: withSubnetLength(reflector.address), routeReflectorClusterId: reflector.clusterId },
    listen: { address: reflector.address, port: BGP_PORT },
    mesh: { enabled: false },
    peers: plan.nodes.map((n) => ({ ...reflectorPeer(n.address), routeReflectorClient: true })),
    blocks: [],
    kernel: { enabled: false },
    ...common(options.files, options.mode),
  };
}

export function configYaml(config: LabConfig): string {
  return stringify(config, { lineWidth: 0 });
}
