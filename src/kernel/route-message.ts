/**
 * petrel's `KernelRoute` ↔ the codec's `RouteMessage`: resolving device names to ifindexes, the
 * key the kernel files a route under, and whether a dumped route is the one petrel wants.
 *
 * The kernel keys a route by table, destination, TOS and metric (fib_table_insert,
 * fib6_add_rt2node): `NLM_F_EXCL` fails with EEXIST on that key and `NLM_F_REPLACE` overwrites
 * whatever holds it, whatever its protocol. petrel's table is fixed per syncer, so its key is the
 * prefix plus the metric.
 */
import type { KernelNextHop, KernelRoute } from './fib-port.js';
import { type NextHop, type RouteMessage, RtnType, RtnhFlag, RtScope, versionOf } from './netlink/index.js';

/** IPv6 routes written without a metric get IP6_RT_PRIO_USER (ip6_route_info_create). */
const IPV6_DEFAULT_METRIC = 1024;

/** The metric the kernel files a route under: IPv6 turns 0 into 1024, IPv4 keeps 0. */
export function effectiveMetric(prefix: string, metric: number | undefined): number {
  if (metric !== undefined && metric !== 0) return metric;
  return prefix.includes(':') ? IPV6_DEFAULT_METRIC : 0;
}

/** The kernel's key for a route of petrel's table: destination and metric (TOS is always 0). */
export function routeKey(prefix: string, metric: number | undefined): string {
  const effective = effectiveMetric(prefix, metric);
  return effective === 0 ? prefix : `${prefix} ${effective}`;
}

/** The prefix of a `routeKey`: what precedes the metric, if any. */
export function prefixOfKey(key: string): string {
  const space = key.indexOf(' ');
  return space < 0 ? key : key.slice(0, space);
}

export function messageKey(route: RouteMessage): string {
  return routeKey(route.dst, route.priority);
}

export interface RouteTarget {
  readonly table: number;
  readonly protocol: number;
}

/**
 * The RouteMessage to write for `route`, or the name of a device that does not exist. Every
 * message is one object literal of a fixed shape per case: objects built by spreading get maps
 * that make the encoder's property reads megamorphic (bench/netlink-encode.ts measured 4–5x).
 */
export function toRouteMessage(
  route: KernelRoute,
  target: RouteTarget,
  indexOf: (device: string) => number | undefined,
): RouteMessage | { readonly missingDevice: string } {
  const family = versionOf(route.prefix);
  const effective = effectiveMetric(route.prefix, route.metric);
  const { table, protocol } = target;
  const dst = route.prefix;
  let message: RouteMessage;
  if (route.type === 'blackhole' || route.nextHops.length === 0) {
    message = { family, dst, table, protocol, scope: RtScope.UNIVERSE, type: RtnType.BLACKHOLE, flags: 0 };
  } else if (route.nextHops.length === 1) {
    const hop = route.nextHops[0]!;
    const flags = hop.onlink ? RtnhFlag.ONLINK : 0;
    if (hop.device === undefined) {
      message = { family, dst, table, protocol, scope: RtScope.UNIVERSE, type: RtnType.UNICAST, flags, gateway: hop.gateway };
    } else {
      const oif = indexOf(hop.device);
      if (oif === undefined) return { missingDevice: hop.device };
      message = { family, dst, table, protocol, scope: RtScope.UNIVERSE, type: RtnType.UNICAST, flags, gateway: hop.gateway, oif };
    }
  } else {
    const multipath: NextHop[] = [];
    for (const hop of route.nextHops) {
      const ifindex = hop.device === undefined ? 0 : indexOf(hop.device);
      if (ifindex === undefined) return { missingDevice: hop.device! };
      multipath.push({ gateway: hop.gateway, ifindex, flags: hop.onlink ? RtnhFlag.ONLINK : 0, weight: 1 });
    }
    message = { family, dst, table, protocol, scope: RtScope.UNIVERSE, type: RtnType.UNICAST, flags: 0, multipath };
  }
  return effective === 0 ? message : { ...message, priority: effective };
}

/**
 * The request that deletes petrel's `route` (what the codec's `routeDeletion` builds, as one
 * literal): destination, table, protocol and metric; any scope and type. Naming the protocol
 * makes the kernel itself refuse to delete another owner's route on the same key.
 */
export function deletionOf(route: RouteMessage): RouteMessage {
  const deletion: RouteMessage = {
    family: route.family, dst: route.dst, table: route.table, protocol: route.protocol, scope: RtScope.NOWHERE, type: RtnType.UNSPEC, flags: 0,
  };
  return route.priority === undefined ? deletion : { ...deletion, priority: route.priority };
}

/** Next hops of a route, one list for single-path and multipath alike. */
function hopsOf(route: RouteMessage): readonly NextHop[] {
  if (route.multipath !== undefined) return route.multipath;
  if (route.gateway === undefined && route.oif === undefined) return [];
  return [{ ...(route.gateway !== undefined && { gateway: route.gateway }), ifindex: route.oif ?? 0, flags: route.flags, weight: 1 }];
}

/**
 * Whether the kernel's `actual` is the route petrel asked for as `wanted`. Dumps add flags
 * (LINKDOWN, DEAD) and fill in the output interface the kernel resolved, so only ONLINK is
 * compared, and an interface only where petrel named one.
 */
export function sameRoute(wanted: RouteMessage, actual: RouteMessage): boolean {
  if (wanted.type !== actual.type || wanted.dst !== actual.dst || (wanted.priority ?? 0) !== (actual.priority ?? 0)) return false;
  // A blackhole has no next hop (IPv6 dumps show one through lo).
  if (wanted.type !== RtnType.UNICAST) return true;
  const a = hopsOf(wanted);
  const b = hopsOf(actual);
  if (a.length !== b.length) return false;
  return a.every((hop, i) => {
    const other = b[i]!;
    return (
      hop.gateway === other.gateway &&
      (hop.ifindex === 0 || hop.ifindex === other.ifindex) &&
      (hop.flags & RtnhFlag.ONLINK) === (other.flags & RtnhFlag.ONLINK) &&
      hop.weight === other.weight
    );
  });
}

/** The KernelRoute a dumped route of petrel's stands for (adopted routes in `dump()`). */
export function fromRouteMessage(route: RouteMessage, nameOf: (index: number) => string | undefined): KernelRoute {
  const metric = route.priority !== undefined && route.priority !== effectiveMetric(route.dst, undefined) ? { metric: route.priority } : {};
  if (route.type !== RtnType.UNICAST) return { prefix: route.dst, type: 'blackhole', nextHops: [], ...metric };
  const nextHops = hopsOf(route).flatMap((hop): KernelNextHop[] => {
    if (hop.gateway === undefined) return [];
    const device = nameOf(hop.ifindex);
    return [{ gateway: hop.gateway, onlink: (hop.flags & RtnhFlag.ONLINK) !== 0, ...(device !== undefined && { device }) }];
  });
  return { prefix: route.dst, type: 'unicast', nextHops, ...metric };
}
