/**
 * The RIB and the kernel FIB, both ways, as BIRD's kernel protocol does for Calico (CALICO.md
 * §1.1–1.4), over a `FibPort` (src/kernel/):
 *
 * - Loc-RIB best-path changes become `replace`/`remove`, encapsulated per pool (encap.ts), with
 *   every ECMP next hop in one multipath route. Local routes — this node's originated ones and
 *   routes learned from the kernel — are never written back (BIRD's kernel protocol does not
 *   export a route to the protocol it came from).
 * - This node's blocks are blackholes (`blockBlackhole`), whatever a peer says about them.
 * - Other owners' kernel routes (`learn`) go to the RIB as kernel routes, one per prefix: the
 *   lowest metric, as BIRD's `krt_learn` keeps. The export policy then exports a local block
 *   once and holds back the /32s beneath it (CALICO.md §1.2–1.3).
 * - Interface changes re-resolve the NIC of native next hops (no encapsulation, CrossSubnet
 *   inside the subnet) and retry link-local next hops whose session link was not known: the only
 *   decisions that depend on interfaces.
 * - Each path's next hop goes to encapsulation whole — global and link-local (RFC 2545 §3), with
 *   the session's address and configured interface — so a link-local one can name its link.
 */
import type { Encapsulation, EncapEnvironment, SkipReason } from '../kernel/encap.js';
import { blockBlackhole } from '../kernel/encap.js';
import type { FibEvent, FibPort, KernelLog, LearnedRoute } from '../kernel/fib-port.js';
import type { BgpNextHop } from '../kernel/next-hop.js';
import type { LocRibChange } from '../rib/loc-rib.js';
import type { KernelRouteInfo, Path } from '../rib/path.js';
import type { RouteSink } from './route-sink.js';

/** What the sink reads from and writes to the RIB (the speaker). */
export interface SinkRib {
  /** The ECMP set of a prefix, best first; empty when it has no best path. */
  multipath(prefix: string): readonly Path[];
  forEachBest(fn: (best: Path, multipath: readonly Path[]) => void): void;
  /** Originates (or, with undefined, withdraws) another owner's kernel route. */
  learnKernelRoute(prefix: string, kernel: KernelRouteInfo | undefined): void;
}

export interface KernelSinkOptions {
  readonly fib: FibPort;
  readonly encap: Encapsulation;
  readonly environment: EncapEnvironment;
  readonly localBlocks: readonly string[];
  readonly rib: SinkRib;
  readonly log: KernelLog;
  /** Runs a function on a later turn of the event loop (coalesces interface events). */
  readonly schedule?: (fn: () => void) => void;
  /** The interface a link-local peer is configured on, by peer name (its address names no link). */
  readonly peerInterface?: (peerName: string) => string | undefined;
}

/** Routes not installed, by reason: each prefix counted once per reason it is skipped for. */
export type SkipCounts = Record<SkipReason, number>;

function newSkipCounts(): SkipCounts {
  return { 'bad-prefix': 0, 'no-next-hop': 0, 'service-range': 0, 'no-vtep': 0, 'link-local-without-interface': 0, 'felix-owned': 0 };
}

/** Skips that are the policy working, not a problem worth a warning. */
const QUIET_SKIPS: ReadonlySet<SkipReason> = new Set<SkipReason>(['service-range', 'felix-owned']);

export class KernelSink implements RouteSink {
  readonly #fib: FibPort;
  readonly #environment: EncapEnvironment;
  readonly #rib: SinkRib;
  readonly #log: KernelLog;
  readonly #schedule: (fn: () => void) => void;
  readonly #peerInterface: (peerName: string) => string | undefined;
  readonly #skipped = newSkipCounts();
  #encap: Encapsulation;
  #blocks = new Set<string>();
  /** Prefixes whose decision depends on the connected subnets: native routes, link-local ones waiting for their link. */
  readonly #native = new Set<string>();
  /** Prefixes not installed for a reason worth one warning, so it is given once. */
  readonly #unroutable = new Map<string, SkipReason>();
  /** Other owners' routes by prefix, then by metric (the kernel keys them so). */
  readonly #learned = new Map<string, Map<number, LearnedRoute>>();
  /** What the RIB holds per learned prefix (`ifname metric`), so an unchanged route is not sent again. */
  readonly #announced = new Map<string, string>();
  #interfacesPending = false;
  #frozen = false;
  #unwatch: (() => void) | undefined;

  constructor(options: KernelSinkOptions) {
    this.#fib = options.fib;
    this.#encap = options.encap;
    this.#environment = options.environment;
    this.#rib = options.rib;
    this.#log = options.log;
    this.#schedule = options.schedule ?? setImmediate;
    this.#peerInterface = options.peerInterface ?? (() => undefined);
    this.#blocks = new Set(options.localBlocks);
  }

  /** Prefixes not installed, by reason (each prefix counted once per reason, as it is logged). */
  get skipped(): Readonly<SkipCounts> {
    return this.#skipped;
  }

  /** Follows the FIB's events; call before the FIB starts, so the routes found at start are learned. */
  watch(): void {
    this.#unwatch ??= this.#fib.watch((events) => this.#onEvents(events));
  }

  /** Installs this node's blocks as blackholes. */
  installBlocks(): void {
    for (const block of this.#blocks) this.#installBlock(block);
  }

  /** From now on nothing reaches the FIB: the daemon is stopping and the RIB empties (persist). */
  freeze(): void {
    this.#frozen = true;
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  apply(changes: readonly LocRibChange[]): void {
    if (this.#frozen) return;
    for (const change of changes) this.#program(change.prefix, change.multipath);
  }

  /** A reload: new pools, service ranges or node address (a new `Encapsulation`) and blocks. */
  reconfigure(encap: Encapsulation, localBlocks: readonly string[]): void {
    if (this.#frozen) return;
    this.#encap = encap;
    const next = new Set(localBlocks);
    const dropped = [...this.#blocks].filter((b) => !next.has(b));
    const added = [...next].filter((b) => !this.#blocks.has(b));
    this.#blocks = next;
    for (const block of dropped) this.#fib.remove(block);
    for (const block of added) this.#installBlock(block);
    this.reprogram();
  }

  /** Decides every best path again (new encapsulation, new VTEPs); unchanged routes are not rewritten. */
  reprogram(): void {
    if (this.#frozen) return;
    this.#rib.forEachBest((_best, multipath) => this.#program(multipath[0]!.prefix, multipath));
  }

  #installBlock(block: string): void {
    const route = blockBlackhole(block);
    // A /32 block holds one workload: a blackhole would shadow it.
    if (route !== undefined) this.#fib.replace(route);
  }

  #program(prefix: string, multipath: readonly Path[]): void {
    if (this.#blocks.has(prefix)) return;
    const best = multipath[0];
    if (best === undefined || best.source.kind === 'local') {
      this.#withdraw(prefix);
      return;
    }
    const nextHops: BgpNextHop[] = [];
    for (const path of multipath) {
      const addresses = path.attrs.nextHops;
      if (addresses.length === 0) continue;
      const peerInterface = this.#peerInterface(path.source.name);
      nextHops.push({ addresses, peerAddress: path.source.address, ...(peerInterface !== undefined && { peerInterface }) });
    }
    const decision = this.#encap.routeFor({ prefix, nextHops }, this.#environment);
    if (decision.action === 'skip') {
      const loggedBefore = this.#unroutable.get(prefix);
      this.#withdraw(prefix);
      // A link-local next hop may become usable when its session's link appears.
      if (decision.reason === 'link-local-without-interface') this.#native.add(prefix);
      if (QUIET_SKIPS.has(decision.reason)) return;
      this.#unroutable.set(prefix, decision.reason);
      if (loggedBefore !== decision.reason) {
        this.#skipped[decision.reason]++;
        this.#log.warn({ prefix, reason: decision.reason, nextHops: nextHops.map((hop) => hop.addresses.join(' ')) }, 'not installing a route into the kernel');
      }
      return;
    }
    this.#unroutable.delete(prefix);
    this.#fib.replace(decision.route);
    if (decision.route.nextHops.some((hop) => !hop.onlink)) this.#native.add(prefix);
    else this.#native.delete(prefix);
  }

  #withdraw(prefix: string): void {
    this.#native.delete(prefix);
    this.#unroutable.delete(prefix);
    this.#fib.remove(prefix);
  }

  #onEvents(events: readonly FibEvent[]): void {
    if (this.#frozen) return;
    const touched = new Set<string>();
    for (const event of events) {
      switch (event.kind) {
        case 'learned':
          this.#learn(event, event.change);
          touched.add(event.prefix);
          break;
        case 'interfaces':
          this.#interfacesChanged();
          break;
        case 'resynced':
          break;
      }
    }
    for (const prefix of touched) this.#announce(prefix);
  }

  #learn(route: LearnedRoute, change: 'added' | 'removed'): void {
    let byMetric = this.#learned.get(route.prefix);
    if (change === 'removed') {
      byMetric?.delete(route.metric);
      if (byMetric?.size === 0) this.#learned.delete(route.prefix);
      return;
    }
    if (byMetric === undefined) this.#learned.set(route.prefix, (byMetric = new Map<number, LearnedRoute>()));
    byMetric.set(route.metric, route);
  }

  /** The prefix's lowest-metric learned route goes to the RIB (BIRD `krt_learn`), or its withdrawal. */
  #announce(prefix: string): void {
    let chosen: LearnedRoute | undefined;
    for (const route of this.#learned.get(prefix)?.values() ?? []) if (chosen === undefined || route.metric < chosen.metric) chosen = route;
    const info = chosen === undefined ? undefined : { ifname: chosen.ifname ?? '', metric: chosen.metric, ...(chosen.gateway !== undefined && { viaGateway: true }) };
    const key = info === undefined ? undefined : `${info.ifname} ${info.metric} ${info.viaGateway === true ? 'gw' : ''}`;
    if (this.#announced.get(prefix) === key) return;
    if (key === undefined) this.#announced.delete(prefix);
    else this.#announced.set(prefix, key);
    this.#rib.learnKernelRoute(prefix, info);
  }

  /** Link and address events come in bursts (a pod's veth): re-resolve native next hops once per burst. */
  #interfacesChanged(): void {
    if (this.#interfacesPending) return;
    this.#interfacesPending = true;
    this.#schedule(() => {
      this.#interfacesPending = false;
      if (this.#frozen) return;
      for (const prefix of [...this.#native]) this.#program(prefix, this.#rib.multipath(prefix));
    });
  }
}
