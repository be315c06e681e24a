/**
 * What petrel should have installed in each node's kernel, and what is there: Calico's per-pool
 * kernel programming (SPEC §3, CALICO.md §1.4) spelled out for the lab's plan, and the kernel's
 * main table read back with `ip -j route`.
 *
 * For a remote node's block, seen from node X:
 * - native (no-encap, or CrossSubnet inside X's subnet): `via <node IP> dev eth0`, only when the
 *   node is in X's subnet — across the router its address is not on-link and the kernel refuses;
 * - VXLAN: `via <remote VTEP IP> dev vxlan.calico onlink`;
 * - IPIP: `via <node IP> dev tunl0 onlink`.
 */
import { ipIn } from './exec.js';
import { LAB_ROUTE_PROTOCOL, LabMode, VXLAN_DEVICE } from './configs.js';
import type { NodePlan } from './plan.js';
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

function encapFor(mode: LabMode, from: NodePlan, to: NodePlan): Encap {
  const sameSubnet = from.subnet === to.subnet;
  switch (mode) {
    case LabMode.NO_ENCAP:
      return 'native';
    case LabMode.VXLAN:
      return 'vxlan';
    case LabMode.CROSS_SUBNET:
      return sameSubnet ? 'native' : 'vxlan';
    case LabMode.IPIP:
      return 'ipip';
  }
}

/** The route to `to`'s block that petrel on `from` installs, or undefined when none can be. */
export function expectedRoute(mode: LabMode, from: NodePlan, to: NodePlan, prefix: string = to.block): ExpectedRoute | undefined {
  const encap = encapFor(mode, from, to);
  switch (encap) {
    case 'native':
      return from.subnet === to.subnet ? { prefix, gateway: to.address, device: NIC, onlink: false, encap } : undefined;
    case 'vxlan':
      return { prefix, gateway: to.vtepIp, device: VXLAN_DEVICE, onlink: true, encap };
    case 'ipip':
      return { prefix, gateway: to.address, device: IPIP_STAND_IN, onlink: true, encap };
  }
}

/** Can pods on these nodes reach each other in this mode (both directions routed, real packets)? */
export function trafficPossible(mode: LabMode, a: NodePlan, b: NodePlan): boolean {
  return mode !== LabMode.IPIP && expectedRoute(mode, a, b) !== undefined && expectedRoute(mode, b, a) !== undefined;
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

/** The main table of a namespace. */
export async function kernelRoutes(namespace: string): Promise<KernelRouteView[]> {
  const text = await ipIn(namespace, '-j', 'route', 'show', 'table', 'main');
  return JSON.parse(text) as KernelRouteView[];
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
