/**
 * What petrel should have installed in each node's kernel, and what is there: Calico's per-pool
 * kernel programming (SPEC §3, CALICO.md §1.4) spelled out for the lab's plan, and the kernel's
 * main tables (IPv4 and IPv6) read back with `ip -j route`.
 *
 * For a remote node's block, seen from node X, with the addresses of the block's family:
 * - native (no-encap, or CrossSubnet inside X's subnet): `via <node IP> dev eth0`, only when the
 *   node is in X's subnet — across the router its address is not on-link and the kernel refuses;
 * - VXLAN: `via <remote VTEP IP> dev vxlan.calico onlink` (IPv6: `dev vxlan-v6.calico`);
 * - IPIP: `via <node IP> dev tunl0 onlink`, IPv4 only: Calico has no IPIP for IPv6, so the lab's
 *   IPv6 pool is native in IPIP mode.
 */
import type { IpFamily } from '../bgp/address.js';
import { ipIn } from './exec.js';
import { LAB_ROUTE_PROTOCOL, LabMode, VXLAN_DEVICE, VXLAN_DEVICE_V6 } from './configs.js';
import { type NodePlan, familyOf, hostAddress } from './plan.js';
import { IPIP_STAND_IN } from './topology.js';

export type Encap = 'native' | 'vxlan' | 'ipip';

export interface ExpectedRoute {
  readonly prefix: string;
  readonly gateway: string;
  readonly device: string;
  readonly onlink: boolean;
  readonly encap: Encap;
}

/** The node's NIC in the lab. */
export const NIC = 'eth0';

function encapFor(mode: LabMode, family: IpFamily, from: NodePlan, to: NodePlan): Encap {
  const sameSubnet = from.subnet === to.subnet;
  switch (mode) {
    case LabMode.NO_ENCAP:
      return 'native';
    case LabMode.VXLAN:
      return 'vxlan';
    case LabMode.CROSS_SUBNET:
      return sameSubnet ? 'native' : 'vxlan';
    case LabMode.IPIP:
      return family === 4 ? 'ipip' : 'native';
  }
}

/** A node's block of one family (its first: tests may add more). */
export function blockOf(node: NodePlan, family: IpFamily): string {
  return family === 4 ? node.block : node.block6;
}

/**
 * The route to `to`'s block (by default its IPv4 one) that petrel on `from` installs, or
 * undefined when none can be; the prefix's family picks the addresses and the VXLAN device.
 */
export function expectedRoute(mode: LabMode, from: NodePlan, to: NodePlan, prefix: string = to.block): ExpectedRoute | undefined {
  const family = familyOf(prefix);
  const encap = encapFor(mode, family, from, to);
  switch (encap) {
    case 'native':
      return from.subnet === to.subnet ? { prefix, gateway: hostAddress(to, family), device: NIC, onlink: false, encap } : undefined;
    case 'vxlan':
      return family === 4
        ? { prefix, gateway: to.vtepIp, device: VXLAN_DEVICE, onlink: true, encap }
        : { prefix, gateway: to.vtepIp6, device: VXLAN_DEVICE_V6, onlink: true, encap };
    case 'ipip':
      return { prefix, gateway: to.address, device: IPIP_STAND_IN, onlink: true, encap };
  }
}

/**
 * Can pods on these nodes reach each other over this family in this mode (both directions
 * routed, real packets)? Never over IPIP, which this kernel cannot carry.
 */
export function trafficPossible(mode: LabMode, a: NodePlan, b: NodePlan, family: IpFamily = 4): boolean {
  const there = expectedRoute(mode, a, b, blockOf(b, family));
  const back = expectedRoute(mode, b, a, blockOf(a, family));
  return there !== undefined && back !== undefined && there.encap !== 'ipip';
}

/** One route of `ip -j route` output (the fields the lab reads). */
export interface KernelRouteView {
  readonly dst: string;
  readonly type?: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly protocol?: string;
  readonly scope?: string;
  readonly metric?: number;
  readonly flags?: readonly string[];
}

/** The main tables of a namespace: IPv4 routes, then IPv6 ones. */
export async function kernelRoutes(namespace: string): Promise<KernelRouteView[]> {
  const tables = await Promise.all((['-4', '-6'] as const).map((family) => ipIn(namespace, family, '-j', 'route', 'show', 'table', 'main')));
  return tables.flatMap((text) => JSON.parse(text) as KernelRouteView[]);
}

/** A route as `ip route` prints it. */
export function formatRoute(route: KernelRouteView): string {
  const parts = [route.type !== undefined && route.type !== 'unicast' ? `${route.type} ${route.dst}` : route.dst];
  if (route.gateway !== undefined) parts.push(`via ${route.gateway}`);
  if (route.dev !== undefined) parts.push(`dev ${route.dev}`);
  if (route.protocol !== undefined && route.protocol !== 'boot') parts.push(`proto ${route.protocol}`);
  if (route.scope !== undefined) parts.push(`scope ${route.scope}`);
  if (route.metric !== undefined) parts.push(`metric ${route.metric}`);
  for (const flag of route.flags ?? []) parts.push(flag);
  return parts.join(' ');
}

export function formatExpected(route: ExpectedRoute): string {
  return `${route.prefix} via ${route.gateway} dev ${route.device} proto bird${route.onlink ? ' onlink' : ''}`;
}

/** iproute2 names protocol 12 "bird" (rt_protos); without that table it prints the number. */
export function isPetrels(route: KernelRouteView): boolean {
  return route.protocol === 'bird' || route.protocol === String(LAB_ROUTE_PROTOCOL);
}

/** Whether the kernel holds exactly the expected route, written by petrel (protocol 12, "bird"). */
export function holdsExpected(routes: readonly KernelRouteView[], expected: ExpectedRoute): boolean {
  return routes.some(
    (r) =>
      r.dst === expected.prefix &&
      (r.type === undefined || r.type === 'unicast') &&
      r.gateway === expected.gateway &&
      r.dev === expected.device &&
      isPetrels(r) &&
      (r.flags ?? []).includes('onlink') === expected.onlink,
  );
}
