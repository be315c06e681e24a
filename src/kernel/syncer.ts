/**
 * The kernel FIB syncer: keeps petrel's routes in one kernel table equal to what the daemon wants,
 * through rtnetlink, without polling (BIRD's 2 s scan costs Calico users CPU, CALICO.md §4).
 *
 * - Start: subscribe to link, address and IPv4/IPv6 route notifications, then dump links,
 *   addresses and routes. Routes with petrel's protocol are adopted into the shadow map (persist:
 *   a restart keeps forwarding, SPEC §8) and deleted only at `releaseStale()`, which the daemon
 *   calls after End-of-RIB from its peers or a timeout (RFC 4724 §4.1).
 * - Ownership (OpenBGPD `F_BGPD_INSERTED`, BIRD `krt_capable`): only routes carrying petrel's
 *   protocol are ever replaced or deleted; a delete names the protocol, so the kernel itself
 *   refuses to remove another owner's route. A new route is added with CREATE|EXCL, so a prefix
 *   and metric another owner holds (Felix's proto 80, a connected route) answers `File exists`:
 *   logged once, counted as a conflict, and tried again only when a notification says that route
 *   went away — never in a loop (calico #10585).
 * - Writes are batched (netlink/batch.ts): up to 2,048 requests per batch, no ACK per request,
 *   a barrier per batch; a refusal is logged once per route and error, counted, and tried again
 *   only when a link or address appears (what can cure a missing device or an unreachable
 *   gateway) or the route changes.
 * - Notifications keep the shadow map true: a route of petrel's deleted or replaced behind its
 *   back is repaired. Notifications caused by petrel's own requests carry the request socket's
 *   port id: a socket filter drops them in the kernel, before each costs a queued datagram, a
 *   read and a copy (most of a table load's work otherwise). IPv4 flushes routes silently when a
 *   link goes down or an address goes, so those events trigger a resync, as does ENOBUFS on any
 *   socket (netlink(7)): a fresh dump on its own socket, then the notifications queued meanwhile
 *   replayed on top.
 * - A full reconciliation every `reconcileIntervalMs` (default 10 min) is the safety net.
 * - Other owners' routes are learned (learn.ts) and reported through `watch`.
 */
import { NetlinkSocket } from '../native/index.js';
import { type BatchOutcome, RequestChannel, dumpAll } from './channel.js';
import type {
  FibEvent,
  FibListener,
  FibPort,
  FibSnapshot,
  KernelLog,
  KernelRoute,
  ResyncedEvent,
  RouteState,
  RouteStatus,
} from './fib-port.js';
import { InterfaceTable, type ConnectedSubnets } from './interfaces.js';
import { ForeignRoutes } from './learn.js';
import { type KernelCounters, newKernelCounters } from './metrics.js';
import {
  AddressFamily,
  ROUTE_ADD_FLAGS,
  ROUTE_DELETE_FLAGS,
  ROUTE_REPLACE_FLAGS,
  type AddressMessage,
  type LinkMessage,
  NetlinkDecodeError,
  type RouteMessage,
  RtmType,
  RtnlGroup,
  type RtnetlinkMessage,
  addressDump,
  decodeRtnetlink,
  linkDump,
  routeDump,
  splitDatagram,
  writeRouteBody,
} from './netlink/index.js';
import {
  deletionOf,
  effectiveMetric,
  fromRouteMessage,
  messageKey,
  prefixOfKey,
  routeKey,
  sameRoute,
  toRouteMessage,
} from './route-message.js';

export interface KernelSyncerOptions {
  /** The kernel table petrel programs and learns from (main = 254). */
  readonly table: number;
  /** petrel's rtnetlink protocol number (12, "bird", by default). */
  readonly protocol: number;
  /** Report other owners' routes through `watch` (BIRD `learn`). */
  readonly learn: boolean;
  /** Leave petrel's routes in the kernel on `stop()` (BIRD `persist`). */
  readonly persist: boolean;
  readonly log: KernelLog;
  /** The periodic full reconciliation; 0 turns it off. */
  readonly reconcileIntervalMs?: number;
  /** Requests per batch: small enough that every one failing cannot overflow the reply buffer. */
  readonly batchSize?: number;
  /** The notification socket's receive buffer (the kernel doubles it); default 8 MiB. */
  readonly monitorReceiveBufferBytes?: number;
}

const DEFAULT_RECONCILE_INTERVAL_MS = 10 * 60_000;
/**
 * 2,048 requests per batch: if every one fails, their replies (about 1 KiB of socket memory each)
 * take a quarter of the request socket's 8 MiB buffer. The monitor never sees a batch's own
 * notifications (dropped in the kernel by port), so batches need not wait for it to drain.
 */
const DEFAULT_BATCH_SIZE = 2048;
/** 32 MiB asked, 64 MiB granted: tens of thousands of notifications queued before an overflow. */
const MONITOR_RECEIVE_BUFFER_BYTES = 32 << 20;

/** A route the daemon wants. */
interface Wanted {
  readonly route: KernelRoute;
  /** The kernel key: prefix and metric. */
  readonly key: string;
  /** The message last planned for it (ifindexes resolved then). */
  message: RouteMessage | undefined;
  state: RouteState;
  error: string | undefined;
  /** The refusal already logged and counted for this route, so it is logged once. */
  reported: string | undefined;
  /** It was installed, then found missing or changed: count the rewrite as a repair. */
  repairing: boolean;
}

type Operation = 'add' | 'replace' | 'delete';

interface Request {
  readonly key: string;
  readonly operation: Operation;
  /** The route as it will be in the kernel (for a delete, the route being deleted). */
  readonly message: RouteMessage;
  readonly type: number;
  readonly flags: number;
  /** What goes on the wire: the route, or the deletion key. */
  readonly body: RouteMessage;
}

type ResyncReason = ResyncedEvent['reason'];

export class KernelSyncer implements FibPort {
  readonly counters: KernelCounters = newKernelCounters();
  readonly #options: KernelSyncerOptions;
  readonly #log: KernelLog;
  readonly #interfaces = new InterfaceTable();
  readonly #foreign = new ForeignRoutes((index) => this.#interfaces.nameOf(index));
  /** By prefix; a kernel key finds its route through `#wantedAt` (one map, not two, per route). */
  readonly #wanted = new Map<string, Wanted>();
  /** The shadow map: petrel-protocol routes the kernel holds in our table, by kernel key. */
  #installed = new Map<string, RouteMessage>();
  /** Adopted on start and not wanted (yet): kept until `releaseStale()`. */
  readonly #adopted = new Set<string>();
  #staleReleased = false;
  #dirty = new Set<string>();
  readonly #listeners = new Set<FibListener>();
  #monitor: NetlinkSocket | undefined;
  #channel: RequestChannel | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  /** Serialises flushes and resyncs: one batch or dump at a time. */
  #chain: Promise<void> = Promise.resolve();
  #flushQueued = false;
  #resyncQueued = false;
  /** Notifications received while a resync dump runs, replayed on top of it. */
  #queued: RtnetlinkMessage[] | undefined;

  constructor(options: KernelSyncerOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  /** The connected subnets, for encapsulation's NIC choice (encap.ts). */
  get interfaces(): ConnectedSubnets {
    return this.#interfaces;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#monitor = new NetlinkSocket({
      groups: [RtnlGroup.LINK, RtnlGroup.IPV4_IFADDR, RtnlGroup.IPV6_IFADDR, RtnlGroup.IPV4_ROUTE, RtnlGroup.IPV6_ROUTE],
      receiveBufferBytes: this.#options.monitorReceiveBufferBytes ?? MONITOR_RECEIVE_BUFFER_BYTES,
    });
    this.#monitor.on('message', (datagram) => this.#onNotification(datagram));
    this.#monitor.on('error', (error) => {
      this.counters.overflows++;
      this.#log.warn({ code: error.code }, 'kernel notifications lost; resyncing from a fresh dump');
      this.#requestResync('overflow');
    });
    this.#channel = new RequestChannel();
    // Every route we write comes back as a notification: dropped in the kernel, before it is
    // queued, read and copied (the bulk of a table load's cost otherwise).
    this.#monitor.skipPort(this.#channel.portId);
    this.#running = true;
    await this.#enqueue(() => this.#resync('start'));
    const interval = this.#options.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS;
    if (interval > 0) this.#timer = setInterval(() => this.#requestResync('periodic'), interval).unref();
    this.#scheduleFlush();
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    clearInterval(this.#timer);
    this.#monitor?.close();
    await this.settled();
    this.#running = false;
    if (!this.#options.persist) {
      this.#wanted.clear();
      this.#adopted.clear();
      for (const key of this.#installed.keys()) this.#dirty.add(key);
      await this.#enqueue(() => this.#flush());
    }
    this.#channel?.close();
  }

  replace(route: KernelRoute): void {
    const existing = this.#wanted.get(route.prefix);
    if (existing !== undefined && sameKernelRoute(existing.route, route)) return;
    const key = routeKey(route.prefix, route.metric);
    if (existing !== undefined && existing.key !== key) this.#dirty.add(existing.key);
    const wanted: Wanted = { route, key, message: undefined, state: 'pending', error: undefined, reported: undefined, repairing: false };
    this.#wanted.set(route.prefix, wanted);
    this.#adopted.delete(key);
    this.#dirty.add(key);
    this.#scheduleFlush();
  }

  remove(prefix: string): void {
    const existing = this.#wanted.get(prefix);
    if (existing === undefined) return;
    this.#wanted.delete(prefix);
    this.#dirty.add(existing.key);
    this.#scheduleFlush();
  }

  releaseStale(): void {
    this.#staleReleased = true;
    for (const key of this.#adopted) this.#dirty.add(key);
    this.#adopted.clear();
    this.#scheduleFlush();
  }

  async reconcile(): Promise<void> {
    if (!this.#running) return;
    await this.#enqueue(() => this.#resync('requested'));
    await this.settled();
  }

  async settled(): Promise<void> {
    do {
      await this.#chain;
      await new Promise<void>((resolve) => setImmediate(resolve));
    } while (this.#flushQueued || this.#resyncQueued);
    await this.#chain;
  }

  dump(): FibSnapshot {
    const routes: RouteStatus[] = [];
    for (const wanted of this.#wanted.values()) {
      routes.push({ route: wanted.route, state: wanted.state, ...(wanted.error !== undefined && { error: wanted.error }) });
    }
    for (const key of this.#adopted) {
      const installed = this.#installed.get(key);
      if (installed !== undefined) routes.push({ route: fromRouteMessage(installed, (i) => this.#interfaces.nameOf(i)), state: 'stale' });
    }
    return { routes, learned: this.#foreign.learned() };
  }

  watch(listener: FibListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The route wanted under a kernel key (prefix and metric). */
  #wantedAt(key: string): Wanted | undefined {
    const wanted = this.#wanted.get(prefixOfKey(key));
    return wanted?.key === key ? wanted : undefined;
  }

  // ---- scheduling ------------------------------------------------------------------------

  #enqueue(operation: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(operation).catch((error: unknown) => {
      this.#log.error({ err: error }, 'kernel sync step failed');
    });
    this.#chain = next;
    return next;
  }

  #scheduleFlush(): void {
    if (!this.#running || this.#flushQueued || this.#dirty.size === 0) return;
    this.#flushQueued = true;
    // One flush per turn of the event loop: a burst of replace() calls becomes one set of batches.
    setImmediate(() => void this.#enqueue(() => this.#flush()));
  }

  #requestResync(reason: ResyncReason): void {
    if (!this.#running || this.#resyncQueued) return;
    this.#resyncQueued = true;
    void this.#enqueue(() => this.#resync(reason));
  }

  // ---- writing ---------------------------------------------------------------------------

  async #flush(): Promise<void> {
    this.#flushQueued = false;
    const channel = this.#channel;
    if (channel === undefined) return;
    const batchSize = this.#options.batchSize ?? DEFAULT_BATCH_SIZE;
    while (this.#dirty.size > 0) {
      // Every key marked so far, taken whole (no delete per key); keys marked while a batch is in
      // flight go to the fresh set and are planned in the next round, against what is known then.
      const keys = this.#dirty;
      this.#dirty = new Set();
      let batch = channel.batch<Request>();
      let requests: Request[] = [];
      try {
        for (const key of keys) {
          const request = this.#plan(key);
          if (request === undefined) continue;
          batch.add(request, request.type, request.flags, writeRouteBody, request.body);
          requests.push(request);
          if (requests.length < batchSize) continue;
          this.#settle(requests, await channel.send(batch));
          batch = channel.batch<Request>();
          requests = [];
        }
        if (requests.length > 0) this.#settle(requests, await channel.send(batch));
      } catch (error) {
        // A send failed: the next flush plans the round's keys again (what was applied plans to nothing).
        for (const key of keys) this.#dirty.add(key);
        throw error;
      }
    }
  }

  /** Decides what one dirty kernel key needs: the request to send, or nothing. */
  #plan(key: string): Request | undefined {
    const wanted = this.#wantedAt(key);
    const installed = this.#installed.get(key);
    if (wanted === undefined) {
      if (installed === undefined || this.#adopted.has(key)) return undefined;
      return { key, operation: 'delete', message: installed, type: RtmType.DELROUTE, flags: ROUTE_DELETE_FLAGS, body: deletionOf(installed) };
    }
    const message = toRouteMessage(wanted.route, this.#options, (name) => this.#interfaces.byName(name)?.index);
    if ('missingDevice' in message) {
      wanted.message = undefined;
      this.#refused(wanted, 'ENODEV', `device ${message.missingDevice} does not exist`);
      return undefined;
    }
    wanted.message = message;
    if (installed !== undefined && sameRoute(message, installed)) {
      this.#installedAs(wanted);
      return undefined;
    }
    if (installed === undefined && this.#foreign.holds(key)) {
      this.#conflict(wanted);
      return undefined;
    }
    wanted.state = 'pending';
    // Our own route on this key: replace it. Nothing of ours: add, never overwriting another's.
    return installed === undefined
      ? { key, operation: 'add', message, type: RtmType.NEWROUTE, flags: ROUTE_ADD_FLAGS, body: message }
      : { key, operation: 'replace', message, type: RtmType.NEWROUTE, flags: ROUTE_REPLACE_FLAGS, body: message };
  }

  #settle(requests: readonly Request[], outcome: BatchOutcome<Request>): void {
    if (outcome.kind === 'overflow') {
      // Some refusals were lost: the kernel's dump tells what happened (netlink(7)).
      this.counters.overflows++;
      this.#log.warn({}, 'kernel replies lost; resyncing from a fresh dump');
      this.#requestResync('overflow');
      return;
    }
    const { failures } = outcome.replies;
    const refused = failures.length === 0 ? undefined : new Map(failures.map((failure) => [failure.key, failure]));
    for (const request of requests) {
      const failure = refused?.get(request);
      if (request.operation === 'delete') {
        // ESRCH: already gone, which is what we wanted.
        if (failure === undefined || failure.code === 'ESRCH') {
          this.#installed.delete(request.key);
          if (failure === undefined) this.counters.removed++;
        } else {
          this.#log.warn({ prefix: request.message.dst, code: failure.code, reason: failure.message }, 'kernel refused to delete a route');
        }
        continue;
      }
      const wanted = this.#wantedAt(request.key);
      const current = wanted !== undefined && wanted.message === request.message ? wanted : undefined;
      if (failure === undefined) {
        this.#installed.set(request.key, request.message);
        this.counters.installed++;
        if (current !== undefined) this.#installedAs(current);
      } else if (current !== undefined) {
        if (failure.code === 'EEXIST') this.#conflict(current);
        else this.#refused(current, failure.code ?? String(failure.errno), failure.message);
      }
    }
  }

  #installedAs(wanted: Wanted): void {
    if (wanted.repairing) this.counters.repaired++;
    wanted.state = 'installed';
    wanted.error = undefined;
    wanted.reported = undefined;
    wanted.repairing = false;
  }

  #conflict(wanted: Wanted): void {
    wanted.repairing = false;
    if (wanted.state === 'conflict') return;
    wanted.state = 'conflict';
    wanted.error = 'EEXIST';
    this.counters.conflicts++;
    this.#log.warn(
      { prefix: wanted.route.prefix, metric: wanted.route.metric ?? 0 },
      'another owner holds this prefix and metric (File exists); waiting for its route to go',
    );
  }

  #refused(wanted: Wanted, code: string, reason: string | undefined): void {
    wanted.state = 'failed';
    wanted.error = code;
    wanted.repairing = false;
    if (wanted.reported === code) return;
    wanted.reported = code;
    this.counters.failed++;
    this.#log.warn({ prefix: wanted.route.prefix, code, reason }, 'kernel refused a route; retrying when interfaces change');
  }

  // ---- reading ---------------------------------------------------------------------------

  #onNotification(datagram: Buffer): void {
    const ownPort = this.#channel?.portId;
    for (const message of splitDatagram(datagram)) {
      // Our own requests' echoes: the batch replies already told us. The socket filter drops them
      // in the kernel (a datagram by its first header); this skips any that share a datagram.
      if (message.pid === ownPort && message.pid !== 0) continue;
      let decoded: RtnetlinkMessage;
      try {
        decoded = decodeRtnetlink(message);
      } catch (error) {
        if (error instanceof NetlinkDecodeError) continue;
        throw error;
      }
      if (this.#queued !== undefined) this.#queued.push(decoded);
      else this.#apply(decoded);
    }
  }

  #apply(message: RtnetlinkMessage): void {
    switch (message.kind) {
      case 'route':
        if (message.route.table === this.#options.table) this.#applyRoute(message.route, message.op);
        break;
      case 'link':
        this.#applyLink(message.link, message.op);
        break;
      case 'address':
        this.#applyAddress(message.address, message.op);
        break;
      default:
        break;
    }
  }

  #applyRoute(route: RouteMessage, op: 'new' | 'del'): void {
    const key = messageKey(route);
    const wanted = this.#wantedAt(key);
    if (route.protocol === this.#options.protocol) {
      if (op === 'new') {
        // Not wanted and not adopted at start: a stray route of our protocol, deleted.
        this.#installed.set(key, route);
        const fine = wanted === undefined ? this.#adopted.has(key) : wanted.message !== undefined && sameRoute(wanted.message, route);
        if (!fine) this.#markDirty(key, wanted);
      } else if (this.#installed.delete(key)) {
        this.#adopted.delete(key);
        if (wanted !== undefined) this.#markDirty(key, wanted);
      }
      return;
    }
    this.#emit(this.#foreign.apply(route, op));
    if (op === 'new' && this.#installed.delete(key)) {
      // Another owner replaced our route in place (NLM_F_REPLACE): theirs now, a conflict for us.
      if (wanted !== undefined) this.#conflict(wanted);
    } else if (op === 'del' && wanted?.state === 'conflict' && !this.#foreign.holds(key)) {
      wanted.state = 'pending';
      this.#dirty.add(key);
      this.#scheduleFlush();
    }
  }

  #markDirty(key: string, wanted: Wanted | undefined): void {
    if (wanted?.state === 'installed') {
      wanted.repairing = true;
      wanted.state = 'pending';
    }
    this.#dirty.add(key);
    this.#scheduleFlush();
  }

  #applyLink(link: LinkMessage, op: 'new' | 'del'): void {
    const before = this.#interfaces.byIndex(link.index);
    if (!this.#interfaces.applyLink(link, op)) return;
    const after = this.#interfaces.byIndex(link.index);
    this.#emit([{ kind: 'interfaces' }]);
    // IPv4 drops routes through a link that went down or away without a notification.
    if (before?.up === true && after?.up !== true) this.#requestResync('interface-loss');
    else this.#retryRefused();
  }

  #applyAddress(address: AddressMessage, op: 'new' | 'del'): void {
    if (!this.#interfaces.applyAddress(address, op)) return;
    this.#emit([{ kind: 'interfaces' }]);
    if (op === 'del') this.#requestResync('interface-loss');
    else this.#retryRefused();
  }

  /** A link or address appeared: what the kernel refused may now be accepted. */
  #retryRefused(): void {
    for (const wanted of this.#wanted.values()) if (wanted.state === 'failed') this.#dirty.add(wanted.key);
    this.#scheduleFlush();
  }

  #emit(events: readonly FibEvent[]): void {
    if (events.length === 0) return;
    const relevant = this.#options.learn ? events : events.filter((e) => e.kind !== 'learned');
    if (relevant.length === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener(relevant);
      } catch (error) {
        this.#log.error({ err: error }, 'a kernel event listener failed');
      }
    }
  }

  // ---- resync ----------------------------------------------------------------------------

  async #resync(reason: ResyncReason): Promise<void> {
    this.#resyncQueued = false;
    if (!this.#running) return;
    this.#queued = [];
    let dumps: RtnetlinkMessage[][];
    try {
      dumps = await dumpAll([linkDump(), addressDump(AddressFamily.UNSPEC), routeDump(AddressFamily.INET), routeDump(AddressFamily.INET6)]);
    } catch (error) {
      const queued = this.#queued;
      this.#queued = undefined;
      for (const message of queued) this.#apply(message);
      throw error;
    }
    const [links = [], addresses = [], routes4 = [], routes6 = []] = dumps;
    this.#interfaces.load(
      links.flatMap((m) => (m.kind === 'link' ? [m.link] : [])),
      addresses.flatMap((m) => (m.kind === 'address' ? [m.address] : [])),
    );
    const ours = new Map<string, RouteMessage>();
    const others: RouteMessage[] = [];
    for (const message of [...routes4, ...routes6]) {
      if (message.kind !== 'route' || message.route.table !== this.#options.table) continue;
      if (message.route.protocol === this.#options.protocol) ours.set(messageKey(message.route), message.route);
      else others.push(message.route);
    }
    this.#absorb(ours, reason);
    this.#emit(this.#foreign.load(others));
    const queued = this.#queued;
    this.#queued = undefined;
    for (const message of queued) this.#apply(message);
    this.#markDifferences();
    if (reason !== 'start') this.counters.resyncs++;
    this.#emit([{ kind: 'resynced', reason }]);
    this.#scheduleFlush();
  }

  /** Takes the dump's petrel routes as the shadow map; on start they are adopted. */
  #absorb(ours: Map<string, RouteMessage>, reason: ResyncReason): void {
    for (const wanted of this.#wanted.values()) {
      const actual = ours.get(wanted.key);
      if (wanted.state === 'installed' && (actual === undefined || wanted.message === undefined || !sameRoute(wanted.message, actual))) {
        wanted.repairing = true;
        wanted.state = 'pending';
      }
    }
    this.#installed = ours;
    for (const key of this.#adopted) if (!ours.has(key)) this.#adopted.delete(key);
    // Only the start adopts: later, a route of ours nobody wants is deleted like any other.
    if (reason !== 'start' || this.#staleReleased) return;
    for (const key of ours.keys()) {
      if (this.#wantedAt(key) !== undefined) continue;
      this.#adopted.add(key);
      this.counters.adopted++;
    }
    if (this.counters.adopted > 0) this.#log.info({ routes: this.counters.adopted }, 'adopted routes left by a previous run');
  }

  /** Marks every key where the kernel differs from what is wanted (refusals and held conflicts excepted). */
  #markDifferences(): void {
    for (const wanted of this.#wanted.values()) {
      const actual = this.#installed.get(wanted.key);
      if (wanted.state === 'failed') continue;
      if (wanted.state === 'conflict' && actual === undefined && this.#foreign.holds(wanted.key)) continue;
      if (actual !== undefined && wanted.message !== undefined && sameRoute(wanted.message, actual)) {
        if (wanted.state !== 'installed') this.#installedAs(wanted);
        continue;
      }
      this.#dirty.add(wanted.key);
    }
    for (const key of this.#installed.keys()) {
      if (this.#wantedAt(key) === undefined && !this.#adopted.has(key)) this.#dirty.add(key);
    }
  }
}

function sameKernelRoute(a: KernelRoute, b: KernelRoute): boolean {
  if (a.type !== b.type || effectiveMetric(a.prefix, a.metric) !== effectiveMetric(b.prefix, b.metric) || a.nextHops.length !== b.nextHops.length) return false;
  return a.nextHops.every((hop, i) => {
    const other = b.nextHops[i]!;
    return hop.gateway === other.gateway && hop.device === other.device && hop.onlink === other.onlink;
  });
}
