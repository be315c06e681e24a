/**
 * Other owners' routes in petrel's table, as BIRD's kernel protocol with `learn` sees them
 * (CALICO.md §1.1, §3): everything but petrel's own protocol and the kernel's connected routes
 * (RTPROT_UNSPEC, RTPROT_REDIRECT, RTPROT_KERNEL, which BIRD's netlink.c skips). That is Felix's
 * pod /32s on `cali*` (protocol 3, scope link), its blackhole blocks and VXLAN routes
 * (protocol 80), static and DHCP routes. They are reported to the daemon as `LearnEvent`s so the
 * export policy can export blocks and suppress the /32s beneath them; petrel never writes them.
 *
 * `ForeignRoutes` also remembers which kernel keys (prefix + metric) another owner holds, learned
 * or not (connected routes included): a route of petrel's on such a key meets `File exists`, and
 * is tried again only when that owner's route goes away.
 */
import type { LearnEvent, LearnedRoute, LearnedRouteType } from './fib-port.js';
import { type RouteMessage, RtProt, RtnType } from './netlink/index.js';
import { messageKey } from './route-message.js';

/** Protocols that are the kernel's own bookkeeping, never learned (BIRD netlink.c `krt_learn`). */
const UNLEARNED_PROTOCOLS: ReadonlySet<number> = new Set([RtProt.UNSPEC, RtProt.REDIRECT, RtProt.KERNEL]);

const LEARNED_TYPES: ReadonlyMap<number, LearnedRouteType> = new Map([
  [RtnType.UNICAST, 'unicast'],
  [RtnType.BLACKHOLE, 'blackhole'],
  [RtnType.UNREACHABLE, 'unreachable'],
  [RtnType.PROHIBIT, 'prohibit'],
]);

/** The learned form of another owner's route, or undefined when BIRD would not learn it either. */
export function learnedRouteOf(route: RouteMessage, nameOf: (index: number | undefined) => string | undefined): LearnedRoute | undefined {
  if (UNLEARNED_PROTOCOLS.has(route.protocol)) return undefined;
  const type = LEARNED_TYPES.get(route.type);
  if (type === undefined) return undefined;
  const first = route.multipath?.[0];
  const ifname = nameOf(first?.ifindex ?? route.oif);
  const gateway = first?.gateway ?? route.gateway;
  return {
    prefix: route.dst,
    protocol: route.protocol,
    type,
    metric: route.priority ?? 0,
    ...(ifname !== undefined && { ifname }),
    ...(gateway !== undefined && { gateway }),
  };
}

function sameLearned(a: LearnedRoute, b: LearnedRoute): boolean {
  return a.prefix === b.prefix && a.protocol === b.protocol && a.type === b.type && a.metric === b.metric && a.ifname === b.ifname && a.gateway === b.gateway;
}

interface ForeignEntry {
  readonly protocol: number;
  readonly learned: LearnedRoute | undefined;
}

export class ForeignRoutes {
  /** Kernel key → the other owner's route there (one per key: a NEW on a held key replaced it). */
  readonly #byKey = new Map<string, ForeignEntry>();

  constructor(private readonly nameOf: (index: number | undefined) => string | undefined) {}

  /** Whether another owner holds this kernel key. */
  holds(key: string): boolean {
    return this.#byKey.has(key);
  }

  learned(): LearnedRoute[] {
    return [...this.#byKey.values()].flatMap((entry) => (entry.learned === undefined ? [] : [entry.learned]));
  }

  /** Applies a notification of another owner's route; returns the learn events it caused. */
  apply(route: RouteMessage, op: 'new' | 'del'): LearnEvent[] {
    const key = messageKey(route);
    const previous = this.#byKey.get(key);
    const events: LearnEvent[] = [];
    if (op === 'del') {
      this.#byKey.delete(key);
      if (previous?.learned !== undefined) events.push(learnEvent(previous.learned, 'removed'));
      return events;
    }
    const learned = learnedRouteOf(route, this.nameOf);
    this.#byKey.set(key, { protocol: route.protocol, learned });
    if (previous?.learned !== undefined && (learned === undefined || !sameLearned(previous.learned, learned))) {
      events.push(learnEvent(previous.learned, 'removed'));
    }
    if (learned !== undefined && (previous?.learned === undefined || !sameLearned(previous.learned, learned))) {
      events.push(learnEvent(learned, 'added'));
    }
    return events;
  }

  /** Replaces everything with a dump's other-owner routes; returns the difference as events. */
  load(routes: readonly RouteMessage[]): LearnEvent[] {
    const before = new Map(this.#byKey);
    this.#byKey.clear();
    const events: LearnEvent[] = [];
    for (const route of routes) {
      const key = messageKey(route);
      const learned = learnedRouteOf(route, this.nameOf);
      this.#byKey.set(key, { protocol: route.protocol, learned });
      const previous = before.get(key);
      before.delete(key);
      if (previous?.learned !== undefined && learned !== undefined && sameLearned(previous.learned, learned)) continue;
      if (previous?.learned !== undefined) events.push(learnEvent(previous.learned, 'removed'));
      if (learned !== undefined) events.push(learnEvent(learned, 'added'));
    }
    for (const gone of before.values()) if (gone.learned !== undefined) events.push(learnEvent(gone.learned, 'removed'));
    return events;
  }
}

function learnEvent(route: LearnedRoute, change: 'added' | 'removed'): LearnEvent {
  return { kind: 'learned', change, ...route };
}
