/**
 * Prometheus metrics (SPEC §2, §6: BIRD has none), prom-client on a registry of our own and an
 * HTTP server on `metrics.listen` (loopback by default, SPEC §8) that answers `GET /metrics` and
 * nothing else.
 *
 * Nothing here is on the hot path: sessions, RIB and kernel keep their own plain counters and
 * sizes, and every metric is set from them once per scrape (`scrape()`), so a counter is one
 * increment where it happens and a removed peer's series disappear with it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { parseHostPort } from '../config/fields.js';
import { GcPauseMetric } from './gc-metrics.js';
import { STATE_METRIC_VALUE } from '../fsm/states.js';
import type { FibPort } from '../kernel/fib-port.js';
import { routesByState } from '../kernel/metrics.js';
import { MESSAGE_TYPES } from '../fsm/message-counts.js';
import type { SkipCounts } from './kernel-sink.js';
import type { Direction, SessionObserver } from './session-observer.js';
import type { Speaker } from './speaker.js';
import type { BfdView, PeerView } from './views.js';

export const METRICS_PREFIX = 'petrel_';
const METRICS_PATH = '/metrics';
const DIRECTIONS: readonly Direction[] = ['sent', 'received'];

export interface MetricsSources {
  readonly speaker: Speaker;
  readonly sessions: SessionObserver;
  /** Absent on a central reflector (`kernel.enabled: false`): no kernel metrics then. */
  readonly kernel?: FibPort;
  /** The kernel sink's routes held back from the kernel, by reason (kernel-sink.ts `skipped`). */
  readonly kernelSink?: { readonly skipped: Readonly<SkipCounts> };
  /** The BFD sessions (RFC 5880) and the packets dropped before reaching one. */
  readonly bfd?: { views(): BfdView[]; readonly drops: Readonly<Record<string, number>> };
}

export type ReloadResultLabel = 'success' | 'failure';

export class DaemonMetrics {
  readonly registry = new Registry();
  readonly #sources: MetricsSources;
  readonly #reloads: Counter<'result'>;
  readonly #gc: GcPauseMetric;
  /** Sets metrics from their sources; the peers' views are computed once per scrape. */
  readonly #refresh: ((peers: readonly PeerView[]) => void)[] = [];
  #server: Server | undefined;

  constructor(sources: MetricsSources) {
    this.#sources = sources;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: METRICS_PREFIX });
    this.#gc = new GcPauseMetric(this.registry, METRICS_PREFIX);
    this.#reloads = new Counter({ name: 'petrel_config_reloads_total', help: 'Configuration reloads by result', labelNames: ['result'], registers });
    for (const result of ['success', 'failure'] as const) this.#reloads.inc({ result }, 0);
    this.#sessionMetrics(registers);
    this.#ribMetrics(registers);
    if (sources.kernel) this.#kernelMetrics(sources.kernel, registers);
    if (sources.kernelSink) this.#skipMetrics(sources.kernelSink, registers);
    if (sources.bfd) this.#bfdMetrics(sources.bfd, registers);
  }

  #bfdMetrics(bfd: NonNullable<MetricsSources['bfd']>, registers: Registry[]): void {
    const state = new Gauge({ name: 'petrel_bfd_session_state', help: 'BFD session state as on the wire (RFC 5880 §4.1): 0 AdminDown, 1 Down, 2 Init, 3 Up', labelNames: ['peer'], registers });
    const downs = new Counter({ name: 'petrel_bfd_session_down_total', help: 'BFD sessions that went from Up to Down', labelNames: ['peer'], registers });
    const dropped = new Counter({ name: 'petrel_bfd_packets_dropped_total', help: 'Received BFD packets dropped, by reason (ttl: not 255, RFC 5881 §5; malformed; unknown-session; authentication: failed RFC 5880 §6.7 at its session)', labelNames: ['reason'], registers });
    const code = { AdminDown: 0, Down: 1, Init: 2, Up: 3 } as const;
    this.#refresh.push(() => {
      state.reset();
      downs.reset();
      dropped.reset();
      for (const v of bfd.views()) {
        state.set({ peer: v.name }, code[v.state]);
        downs.inc({ peer: v.name }, v.downTransitions);
      }
      for (const [reason, n] of Object.entries(bfd.drops)) dropped.inc({ reason }, n);
    });
  }

  reloaded(result: ReloadResultLabel): void {
    this.#reloads.inc({ result });
  }

  /** The exposition text, every metric read fresh from its source. */
  async scrape(): Promise<string> {
    const peers = this.#sources.speaker.peers();
    for (const refresh of this.#refresh) refresh(peers);
    return this.registry.metrics();
  }

  /** Serves `GET /metrics` on `host:port`; resolves with the bound address. */
  async listen(hostPort: string): Promise<AddressInfo> {
    const parsed = parseHostPort(hostPort);
    if (parsed === undefined) throw new Error(`metrics.listen: not host:port: ${hostPort}`);
    const server = createServer((request, response) => void this.#serve(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: parsed.host, port: parsed.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    return server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    this.#gc.stop();
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    if (path !== METRICS_PATH) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: metrics are at GET /metrics\n');
      return;
    }
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET', 'content-type': 'text/plain; charset=utf-8' }).end('only GET\n');
      return;
    }
    try {
      const body = await this.scrape();
      response.writeHead(200, { 'content-type': this.registry.contentType }).end(body);
    } catch (error) {
      response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${error instanceof Error ? error.message : String(error)}\n`);
    }
  }

  #sessionMetrics(registers: Registry[]): void {
    const { sessions } = this.#sources;
    const peerGauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['peer'], registers });
    const state = peerGauge('petrel_bgp_session_state', 'BGP session state: 1 Idle, 2 Connect, 3 Active, 4 OpenSent, 5 OpenConfirm, 6 Established (RFC 4271 §8)');
    const received = peerGauge('petrel_bgp_prefixes_received', 'Prefixes held in Adj-RIB-In from the peer, eligible or not');
    const accepted = peerGauge('petrel_bgp_prefixes_accepted', 'Prefixes from the peer eligible for selection');
    const advertised = peerGauge('petrel_bgp_prefixes_advertised', 'Prefixes advertised to the peer');
    const uptime = peerGauge('petrel_bgp_session_uptime_seconds', 'Seconds since the session became Established; 0 when it is not');
    const messages = new Counter({
      name: 'petrel_bgp_messages_total',
      help: 'BGP messages by peer, direction and type: open, update, notification, keepalive, route-refresh (RFC 4271 §4.1)',
      labelNames: ['peer', 'direction', 'type'],
      registers,
    });
    const notifications = new Counter({
      name: 'petrel_bgp_notifications_total',
      help: 'NOTIFICATIONs that ended a session, by direction, error code and subcode (RFC 4271 §4.5)',
      labelNames: ['peer', 'direction', 'code', 'subcode'],
      registers,
    });
    const transitions = new Counter({ name: 'petrel_bgp_established_transitions_total', help: 'Times the session became Established', labelNames: ['peer'], registers });
    this.#refresh.push((peers) => {
      for (const metric of [state, received, accepted, advertised, uptime, messages, notifications, transitions]) metric.reset();
      const now = Date.now();
      for (const view of peers) {
        const peer = view.name;
        state.set({ peer }, STATE_METRIC_VALUE[view.state]);
        received.set({ peer }, view.prefixesReceived);
        accepted.set({ peer }, view.prefixesAccepted);
        advertised.set({ peer }, view.prefixesAdvertised);
        uptime.set({ peer }, view.state === 'Established' ? Math.max(0, (now - Date.parse(view.since)) / 1000) : 0);
      }
      for (const [peer, counters] of sessions.counters) {
        const counts = sessions.messages(peer);
        if (counts !== undefined) for (const direction of DIRECTIONS) for (const type of MESSAGE_TYPES) messages.inc({ peer, direction, type }, counts[direction][type]);
        for (const n of counters.notifications.values()) notifications.inc({ peer, direction: n.direction, code: String(n.code), subcode: String(n.subcode) }, n.count);
        transitions.inc({ peer }, counters.established);
      }
    });
  }

  #ribMetrics(registers: Registry[]): void {
    const { speaker } = this.#sources;
    const prefixes = new Gauge({ name: 'petrel_rib_prefixes', help: 'Prefixes per table: loc-rib, adj-rib-in (all peers), adj-rib-out (all update groups)', labelNames: ['table'], registers });
    const queue = new Gauge({ name: 'petrel_update_group_queue_depth', help: 'Changes an update group has not examined yet', labelNames: ['group'], registers });
    this.#refresh.push((peers) => {
      queue.reset();
      let adjRibIn = 0;
      for (const view of peers) adjRibIn += view.prefixesReceived;
      let adjRibOut = 0;
      for (const group of speaker.groups.groups()) {
        adjRibOut += group.adjRibOut.size;
        queue.set({ group: group.key }, group.pendingCount);
      }
      prefixes.set({ table: 'loc-rib' }, speaker.locRib.size);
      prefixes.set({ table: 'adj-rib-in' }, adjRibIn);
      prefixes.set({ table: 'adj-rib-out' }, adjRibOut);
    });
  }

  #skipMetrics(sink: { readonly skipped: Readonly<SkipCounts> }, registers: Registry[]): void {
    const skipped = new Counter({
      name: 'petrel_kernel_routes_skipped_total',
      help: 'Best routes not written to the kernel, by reason (each prefix counted once per reason it is skipped for)',
      labelNames: ['reason'],
      registers,
    });
    this.#refresh.push(() => {
      skipped.reset();
      for (const [reason, n] of Object.entries(sink.skipped)) skipped.inc({ reason }, n);
    });
  }

  #kernelMetrics(fib: FibPort, registers: Registry[]): void {
    const routes = new Gauge({ name: 'petrel_kernel_routes', help: 'Routes petrel wants in the kernel or adopted, by state', labelNames: ['state'], registers });
    const learned = new Gauge({ name: 'petrel_kernel_learned_routes', help: 'Other owners\u2019 routes learned from the kernel', registers });
    const totals = [
      ['petrel_kernel_route_failures_total', 'Route writes the kernel refused (each route and error counted once)', 'failed'],
      ['petrel_kernel_conflicts_total', 'Routes that met another owner\u2019s route at the same prefix and metric (File exists)', 'conflicts'],
      ['petrel_netlink_resyncs_total', 'Full kernel dumps after the start (overflow, lost interface, periodic)', 'resyncs'],
      ['petrel_netlink_overflows_total', 'Netlink receive-buffer overflows (ENOBUFS)', 'overflows'],
      ['petrel_kernel_routes_installed_total', 'Routes written to the kernel', 'installed'],
      ['petrel_kernel_routes_removed_total', 'petrel routes deleted from the kernel', 'removed'],
      ['petrel_kernel_routes_repaired_total', 'petrel routes changed behind its back and written again', 'repaired'],
      ['petrel_kernel_routes_adopted_total', 'petrel routes found in the kernel at start and kept (persist)', 'adopted'],
    ] as const;
    const counters = totals.map(([name, help, field]) => ({ counter: new Counter({ name, help, registers }), field }));
    this.#refresh.push(() => {
      const snapshot = fib.dump();
      for (const [state, n] of Object.entries(routesByState(snapshot.routes))) routes.set({ state }, n);
      learned.set(snapshot.learned.length);
      for (const { counter, field } of counters) {
        counter.reset();
        counter.inc(fib.counters[field]);
      }
    });
  }
}
