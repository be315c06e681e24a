/**
 * The session runner: one configured peer brought to life. It holds the RFC 4271 §8 state
 * (fsm.ts `transition`), feeds it the events of the socket, the codec and the timers, and
 * executes the actions it returns: dial (native `connectTcp`, with the peer's MD5 key, TTL and
 * source address set before the SYN), send OPEN/KEEPALIVE/NOTIFICATION through the transport,
 * arm timers on an injected `Clock`, switch the codec contexts on establishment, and report to
 * the RIB through the `SessionHandle` events (session-api.ts).
 *
 * Connection collision (RFC 4271 §6.8) follows collision.ts: a connection that arrives while the
 * session is in OpenSent or OpenConfirm runs in a second state machine (the fork) until an OPEN
 * decides which connection stays. The loser sends Cease 6/7 and goes; when the fork wins it
 * becomes the session, and the RIB sees one state change, never a flap.
 *
 * Events are processed one at a time (run to completion): an action that raises another event
 * (an accepted connection is confirmed at once) queues it behind the current transition.
 *
 * Capability fallback (RFC 5492 §5, capability-fallback.ts): a peer that rejects our OPEN with
 * 2/7 naming capabilities of ours, or with 2/4, gets OPENs without them for the life of this
 * Session (a config change makes a new one), and the next attempt starts at once.
 */
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { CeaseSubcode, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH, NotifCode } from '../bgp/constants.js';
import { cease, isBgpError, type BgpError } from '../bgp/errors.js';
import { decodeMessage, encodeMessage } from '../bgp/index.js';
import { KEEPALIVE } from '../bgp/keepalive.js';
import { notificationFor, shutdownCommunicationOf } from '../bgp/notification.js';
import { describeNotification, notificationName } from '../bgp/notification-names.js';
import type { BgpMessage, CodecContext, NotificationMessage, OpenMessage } from '../bgp/types.js';
import { connectTcp, type ConnectTcpOptions } from '../native/index.js';
import type { FsmAction } from './actions.js';
import { applyFallback, describeCapability, fallBack, NO_FALLBACK, type CapabilityFallback } from './capability-fallback.js';
import { collisionCheck, resolveCollision, type Initiator } from './collision.js';
import { eventForDecodeError, eventForMessage } from './events.js';
import { transition, type FsmContext } from './fsm.js';
import type { Negotiated } from './negotiate.js';
import { buildOpen, type LocalSpeaker } from './open.js';
import { countMessage, newSessionMessageCounts, type MessageCounts } from './message-counts.js';
import type { SessionDown, SessionEvents, SessionHandle, SessionInfo } from './session-api.js';
import type { LiveTimes, SessionConfig } from './session-config.js';
import { collisionFork, ExitReason, initialState, type FsmEvent, type FsmState, type StateName } from './states.js';
import { RealClock, SessionTimers, TIMER_EVENT, type Clock, type TimerName } from './timers.js';
import { Transport } from './transport.js';

/** pino-compatible logging: petrel passes its pino logger, tests a silent or recording one. */
export interface SessionLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): SessionLogger;
}

export const SILENT_LOGGER: SessionLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => SILENT_LOGGER,
};

/** Opens the TCP connection for a `connect` action; the default is the native `connectTcp`. */
export type Connector = (request: ConnectTcpOptions) => Promise<net.Socket>;

/** RFC 2385 and RFC 5082 settings for this peer's connections, in both directions. */
export interface TransportSecurity {
  readonly md5Key?: string | Uint8Array;
  /** Outgoing TTL / hop limit. */
  readonly ttl?: number;
  /** Minimum TTL / hop limit accepted (GTSM). */
  readonly minTtl?: number;
}

/** What a peer's config says about hops (config/peers.ts `EffectivePeer`). */
export interface HopSettings {
  readonly internal: boolean;
  /** true, or the TTL to send. */
  readonly multihop: boolean | number;
  /** RFC 5082 hop count. */
  readonly ttlSecurity?: number;
}

/** RFC 5082 §3: GTSM peers send with TTL 255. */
export const MAX_TTL = 255;

/**
 * The TTLs a peer's sessions use: GTSM sends 255 and accepts no less than 256 - hops (RFC 5082
 * §3: the peer is at most `hops` away); multihop sends the configured TTL or 255; iBGP is
 * multihop by default (BIRD); single-hop eBGP sends TTL 1 so it never crosses a router.
 */
export function ttlFor(hops: HopSettings): Pick<TransportSecurity, 'ttl' | 'minTtl'> {
  if (hops.ttlSecurity !== undefined) return { ttl: MAX_TTL, minTtl: MAX_TTL + 1 - hops.ttlSecurity };
  if (typeof hops.multihop === 'number') return { ttl: hops.multihop };
  if (hops.multihop || hops.internal) return { ttl: MAX_TTL };
  return { ttl: 1 };
}

export interface SessionOptions {
  readonly name: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Source address for outgoing connections. */
  readonly localAddress?: string;
  readonly config: SessionConfig;
  /** Our side of the OPEN. */
  readonly local: LocalSpeaker;
  readonly security?: TransportSecurity;
  readonly clock?: Clock;
  readonly logger?: SessionLogger;
  readonly connector?: Connector;
  /** Write-queue bytes above which `send` reports backpressure (transport default 1 MiB). */
  readonly highWaterMark?: number;
  /** Uniform in [0, 1) for timer jitter; tests pass a constant. */
  readonly random?: () => number;
  /**
   * Deliver received IPv4 prefixes as numbers, the form the daemon's route table keys on: the
   * UPDATE's own fields packed (`UpdateMessage.packed`), MP_REACH/MP_UNREACH ones as `Ipv4Nlri`
   * (text on demand). A full table then builds no text, and no object, per prefix. Default false.
   */
  readonly numericIpv4?: boolean;
}

/** One TCP connection of this session and the codec context its bytes are decoded with. */
class Connection {
  readonly transport: Transport;
  /** Before Established the default context; then the negotiated receive context. */
  receiveContext: CodecContext | undefined;
  readonly closed: Promise<void>;

  constructor(
    socket: net.Socket,
    readonly initiator: Initiator,
    highWaterMark: number | undefined,
    /** The session's sent counts: every message goes out through `send`. */
    private readonly sentCounts: MessageCounts,
  ) {
    this.transport = new Transport(socket, highWaterMark === undefined ? {} : { highWaterMark });
    this.closed = new Promise((resolve) => this.transport.once('closed', () => resolve()));
  }

  send(bytes: Uint8Array): boolean {
    countMessage(this.sentCounts, bytes);
    return this.transport.send(bytes);
  }

  /** Several whole messages, handed to the kernel together. */
  sendAll(messages: readonly Uint8Array[]): boolean {
    for (const m of messages) countMessage(this.sentCounts, m);
    return this.transport.sendAll(messages);
  }
}

/** One state machine with its own timers, connection and dial (the session's, or a collision fork's). */
interface Machine {
  state: FsmState;
  readonly timers: SessionTimers;
  conn: Connection | undefined;
  dial: AbortController | undefined;
  /** Dumped in favour of the fork (RFC 4271 §6.8): its end is no session-down for the RIB. */
  replaced: boolean;
}

interface Queued {
  readonly machine: Machine;
  readonly event: FsmEvent;
  /** The connection request of a TcpConnection_Valid. */
  readonly offered?: net.Socket;
}

type Emission = { readonly kind: 'established'; readonly negotiated: Negotiated } | { readonly kind: 'down'; readonly down: SessionDown };

const KEEPALIVE_BYTES = encodeMessage(KEEPALIVE);

/**
 * RFC 4271 §10: ConnectRetry and Keepalive intervals are jittered by a factor uniform in
 * [0.75, 1.0]. Without it two speakers that dial each other with the same timers can keep
 * colliding in step, each abandoning its own attempt for the other's, for ever.
 */
const JITTERED_TIMERS: ReadonlySet<TimerName> = new Set<TimerName>(['ConnectRetry', 'Keepalive']);
const JITTER_MIN = 0.75;
const MIN_CONNECT_TIMEOUT_MS = 1000;

/** A connect that timed out (the attempt's own timeout, or the kernel's: ETIMEDOUT). */
function isTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { readonly code?: unknown }).code === 'ETIMEDOUT';
}

export class Session extends EventEmitter<SessionEvents> implements SessionHandle {
  readonly name: string;
  private readonly opts: SessionOptions;
  /** `opts.config`, with the connect and error-wait times a reload changed since (`retime`). */
  private config: SessionConfig;
  private readonly clock: Clock;
  private readonly log: SessionLogger;
  private readonly connector: Connector;
  /** Our OPEN as configured, and as sent: without what the peer said it does not support. */
  private fullOpen: OpenMessage;
  /** Once Established: later OPENs carry R = 0 (see `restartComplete`). */
  private restartDone = false;
  private ourOpen: OpenMessage;
  private fallback: CapabilityFallback = NO_FALLBACK;
  /** The required capabilities last reported as refused, so a peer refusing them on every attempt is logged once. */
  private keptReported = '';
  private primary: Machine;
  private fork: Machine | undefined;
  private readonly queue: Queued[] = [];
  private draining = false;
  private since = new Date();
  private lastError: string | undefined;
  private disabled = false;
  private readonly closing = new Set<Promise<void>>();
  /** Across connections and collision forks, for the session's lifetime. */
  private readonly messages = newSessionMessageCounts();

  constructor(opts: SessionOptions) {
    super();
    this.name = opts.name;
    this.opts = opts;
    this.config = opts.config;
    this.clock = opts.clock ?? new RealClock();
    this.log = (opts.logger ?? SILENT_LOGGER).child({ peer: opts.name, address: opts.remoteAddress });
    this.connector = opts.connector ?? connectTcp;
    this.fullOpen = buildOpen(opts.local);
    this.ourOpen = this.fullOpen;
    this.primary = this.newMachine(initialState());
  }

  get backpressured(): boolean {
    return this.established()?.transport.backpressured ?? false;
  }

  info(): SessionInfo {
    const s = this.primary.state;
    const localAddress = this.primary.conn?.transport.localAddress;
    return {
      name: this.name,
      address: this.opts.remoteAddress,
      port: this.opts.remotePort,
      asNumber: this.config.peerAs,
      state: s.name,
      since: this.since,
      ...(s.name === 'OpenConfirm' || s.name === 'Established' ? { negotiated: s.negotiated } : {}),
      ...(localAddress === undefined ? {} : { localAddress }),
      connectRetryCounter: s.connectRetryCounter,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      disabled: this.disabled,
      messages: { sent: { ...this.messages.sent }, received: { ...this.messages.received } },
      ...this.nextAttempt(s.name),
      ...this.openDelay(s),
    };
  }

  private openDelay(s: FsmState): { openDelayedForMs?: number } {
    const ms = (s.name === 'Connect' || s.name === 'Active') && s.openDelayed ? this.primary.timers.remainingMs('DelayOpen') : undefined;
    return ms === undefined ? {} : { openDelayedForMs: ms };
  }

  private nextAttempt(state: StateName): { nextAttemptInMs?: number } {
    const timer = state === 'Idle' ? 'IdleHold' : state === 'Active' ? 'ConnectRetry' : undefined;
    const ms = timer === undefined ? undefined : this.primary.timers.remainingMs(timer);
    return ms === undefined ? {} : { nextAttemptInMs: ms };
  }

  start(): void {
    this.disabled = false;
    this.feed({ machine: this.primary, event: { type: 'ManualStart' } });
  }

  async stop(ceaseError?: BgpError): Promise<void> {
    this.disabled = true;
    const event: FsmEvent = ceaseError ? { type: 'ManualStop', cease: ceaseError } : { type: 'ManualStop' };
    if (this.fork) this.feed({ machine: this.fork, event });
    this.feed({ machine: this.primary, event });
    // Called from a listener of this session, the stop waits behind the transition under way.
    await Promise.resolve();
    await Promise.all([...this.closing]);
  }

  retime(times: LiveTimes): void {
    const { connectDelaySec, connectRetrySec, delayOpenSec, errorWaitMinSec, errorWaitMaxSec, errorForgetSec } = times;
    this.config = { ...this.config, connectDelaySec, connectRetrySec, delayOpenSec, errorWaitMinSec, errorWaitMaxSec, errorForgetSec };
  }

  reset(why: BgpError = cease(CeaseSubcode.ADMINISTRATIVE_RESET, 'cease.admin-reset', 'administrative reset')): void {
    const event: FsmEvent = { type: 'ManualStop', cease: why };
    if (this.fork) this.feed({ machine: this.fork, event });
    this.feed({ machine: this.primary, event });
    if (!this.disabled) this.feed({ machine: this.primary, event: { type: 'ManualStart' } });
  }

  stopAutomatically(why: BgpError): void {
    const event: FsmEvent = { type: 'AutomaticStop', cease: why };
    if (this.fork) this.feed({ machine: this.fork, event });
    this.feed({ machine: this.primary, event });
  }

  send(messages: readonly Uint8Array[]): boolean {
    const conn = this.established();
    // The RIB hears 'down' synchronously; anything it still sends has nowhere to go.
    if (!conn) return true;
    conn.sendAll(messages);
    const s = this.primary.state;
    // RFC 4271 §8.2.2 Established: sending an UPDATE restarts the KeepaliveTimer.
    if (s.name === 'Established' && s.negotiated.keepaliveSec > 0 && messages.length > 0) {
      this.primary.timers.start('Keepalive', this.jitter(s.negotiated.keepaliveSec * 1000));
    }
    return !conn.transport.backpressured;
  }

  /**
   * A connection the listener accepted from this peer's address (RFC 4271 Event 14). Whether it
   * is taken, run as a collision fork or closed is the state machine's decision.
   */
  acceptConnection(socket: net.Socket): void {
    this.feed({ machine: this.primary, event: { type: 'TcpConnection_Valid' }, offered: socket });
  }

  // ---------------------------------------------------------------------------------------------

  private jitter(ms: number): number {
    return ms * (JITTER_MIN + (1 - JITTER_MIN) * (this.opts.random ?? Math.random)());
  }

  private established(): Connection | undefined {
    return this.primary.state.name === 'Established' ? this.primary.conn : undefined;
  }

  private newMachine(state: FsmState): Machine {
    const machine: Machine = {
      state,
      conn: undefined,
      dial: undefined,
      replaced: false,
      timers: new SessionTimers(this.clock, (timer) => this.feed({ machine, event: TIMER_EVENT[timer] })),
    };
    return machine;
  }

  private isLive(m: Machine): boolean {
    return m === this.primary || m === this.fork;
  }

  private feed(item: Queued): void {
    this.queue.push(item);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.step(next);
    } finally {
      this.draining = false;
    }
  }

  private step({ machine: m, event, offered }: Queued): void {
    if (!this.isLive(m)) {
      offered?.destroy();
      return;
    }
    const from = m.state.name;
    const ctx: FsmContext = { config: this.config, ourOpen: this.ourOpen, nowMs: this.clock.now() };
    const { next, actions } = transition(m.state, event, ctx);
    m.state = next;
    const emissions: Emission[] = [];
    let socket = offered;
    for (const action of actions) {
      if ((action.type === 'accept-connection' || action.type === 'fork-collision' || action.type === 'refuse-connection') && socket) {
        this.takeOffered(m, action.type, socket);
        socket = undefined;
        continue;
      }
      this.execute(m, action, emissions);
    }
    // A connection request nobody took is closed unread (RFC 4271 §8.2.2 Idle: refused).
    socket?.destroy();

    if (m === this.fork) {
      if (m.state.name === 'Idle') this.discard(m);
      // The RIB last saw the primary's state: the change it hears is from there.
      else if (m.state.name === 'Established') this.promoteFork(this.primary.state.name, emissions);
      return;
    }
    if (m.replaced) {
      this.promoteFork(from, emissions);
      return;
    }
    this.report(from, emissions);
  }

  /** Emit the primary's state change, then what it means for the RIB. */
  private report(from: StateName, emissions: readonly Emission[]): void {
    const to = this.primary.state.name;
    if (from !== to) {
      this.since = new Date();
      this.log.debug({ from, to }, 'state change');
      this.emit('state', from, to);
    }
    for (const e of emissions) {
      if (e.kind === 'established') {
        this.restartComplete();
        this.emit('established', e.negotiated);
      } else this.emit('down', e.down);
    }
  }

  /** The fork won (RFC 4271 §6.8) or got established first: it becomes the session. */
  private promoteFork(primaryFrom: StateName, emissions: readonly Emission[]): void {
    const fork = this.fork;
    if (!fork) return;
    const old = this.primary;
    if (!old.replaced) this.dumpQuietly(old);
    this.discard(old);
    this.primary = fork;
    this.fork = undefined;
    this.log.debug({ initiator: fork.conn?.initiator }, 'collision: the other connection carries the session');
    this.report(primaryFrom, emissions);
  }

  /** Close a machine that lost without going through its FSM: Cease 6/7 if it had an OPEN exchange going. */
  private dumpQuietly(m: Machine): void {
    if (m.conn && (m.state.name === 'OpenSent' || m.state.name === 'OpenConfirm')) {
      this.sendNotification(m.conn, cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION, 'cease.collision', 'connection collision resolution'));
    }
  }

  /** Drop a machine for good: no timer of it fires, no connection or dial of it lives on. */
  private discard(m: Machine): void {
    m.timers.stopAll();
    m.dial?.abort();
    m.dial = undefined;
    if (m.conn) this.closeConnection(m.conn);
    m.conn = undefined;
    if (m === this.fork) this.fork = undefined;
  }

  private takeOffered(m: Machine, how: 'accept-connection' | 'fork-collision' | 'refuse-connection', socket: net.Socket): void {
    switch (how) {
      case 'refuse-connection':
        this.log.debug({}, 'incoming connection refused');
        socket.destroy();
        return;
      case 'accept-connection':
        this.attach(m, socket, 'remote');
        this.queue.push({ machine: m, event: { type: 'TcpConnectionConfirms' } });
        return;
      case 'fork-collision': {
        // A newer connection from the peer replaces an older fork: the peer gave up on that one.
        if (this.fork) this.discard(this.fork);
        const fork = this.newMachine(collisionFork(m.state));
        this.fork = fork;
        this.attach(fork, socket, 'remote');
        this.log.debug({}, 'collision: incoming connection runs beside the current one');
        this.queue.push({ machine: fork, event: { type: 'TcpConnectionConfirms' } });
        return;
      }
    }
  }

  private execute(m: Machine, a: FsmAction, emissions: Emission[]): void {
    switch (a.type) {
      case 'connect':
        this.dial(m);
        return;
      case 'abort-connect':
        m.dial?.abort();
        m.dial = undefined;
        return;
      case 'accept-connection':
      case 'fork-collision':
      case 'refuse-connection':
        return; // no connection request attached: nothing to take or close
      case 'close-connection':
        m.dial?.abort();
        m.dial = undefined;
        if (m.conn) this.closeConnection(m.conn);
        m.conn = undefined;
        return;
      case 'send-open':
        m.conn?.send(encodeMessage(a.open));
        return;
      case 'send-keepalive':
        m.conn?.send(KEEPALIVE_BYTES);
        return;
      case 'send-notification':
        if (m.conn) this.sendNotification(m.conn, a.error);
        return;
      case 'start-timer':
        m.timers.start(a.timer, JITTERED_TIMERS.has(a.timer) ? this.jitter(a.ms) : a.ms);
        return;
      case 'stop-timer':
        m.timers.stop(a.timer);
        return;
      case 'session-established':
        this.switchContexts(m, a.negotiated);
        this.lastError = undefined;
        this.log.info({ peerAs: a.negotiated.peerAs, peerId: a.negotiated.peerId, holdTimeSec: a.negotiated.holdTimeSec }, 'session established');
        emissions.push({ kind: 'established', negotiated: a.negotiated });
        return;
      case 'session-down': {
        const down: SessionDown = {
          reason: a.reason,
          wasEstablished: a.wasEstablished,
          retainRoutes: a.retainRoutes,
          ...(a.sent ? { sent: a.sent } : {}),
          ...(a.received ? { received: a.received } : {}),
        };
        if (m === this.primary && this.fork && a.reason === ExitReason.CONNECTION_COLLISION) {
          m.replaced = true;
          return;
        }
        if (m !== this.primary) return;
        this.lastError = describeExit(down, this.lastError);
        this.log.info({ reason: a.reason, wasEstablished: a.wasEstablished, retainRoutes: a.retainRoutes }, 'session down');
        emissions.push({ kind: 'down', down });
        return;
      }
      case 'deliver-update':
        if (m === this.primary) this.emit('update', a.update);
        return;
      case 'deliver-route-refresh':
        if (m === this.primary) this.emit('routeRefresh', a.message);
        return;
    }
  }

  /** RFC 4271 §8.2.2: the negotiated contexts apply from the first message after the KEEPALIVE. */
  private switchContexts(m: Machine, negotiated: Negotiated): void {
    const conn = m.conn;
    if (!conn) return;
    conn.receiveContext = this.opts.numericIpv4 === true ? { ...negotiated.receiveContext, numericIpv4: true, packedIpv4: true } : negotiated.receiveContext;
    // RFC 8654 §4: larger messages only once both sides advertised the capability.
    conn.transport.setMaxMessageLength(negotiated.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH);
  }

  private sendNotification(conn: Connection, error: BgpError): void {
    const notification = notificationFor(error);
    conn.send(encodeMessage(notification));
    this.logNotification('sent', notification);
  }

  private logNotification(direction: 'sent' | 'received', n: NotificationMessage): void {
    const fields = { direction, code: n.code, subcode: n.subcode, notification: describeNotification(n) };
    // A Cease is an orderly end; anything else is an error one side found.
    if (n.code === NotifCode.CEASE) this.log.info(fields, `NOTIFICATION ${direction}`);
    else this.log.warn(fields, `NOTIFICATION ${direction}`);
  }

  private closeConnection(conn: Connection): void {
    const closed = conn.closed;
    this.closing.add(closed);
    void closed.then(() => this.closing.delete(closed));
    conn.transport.close();
  }

  private dial(m: Machine): void {
    if (m.dial) {
      // The ConnectRetryTimer fired with the previous attempt still unanswered (e.g. SYNs
      // dropped for a wrong MD5 key or a TTL below the peer's GTSM minimum).
      this.lastError = this.noAnswer();
      m.dial.abort();
    }
    const controller = new AbortController();
    m.dial = controller;
    const { remoteAddress, remotePort, localAddress, security } = this.opts;
    const request: ConnectTcpOptions = {
      remoteAddress,
      remotePort,
      // The ConnectRetryTimer starts a new attempt when it fires; this attempt may run until then.
      timeoutMs: Math.max(MIN_CONNECT_TIMEOUT_MS, this.config.connectRetrySec * 1000),
      signal: controller.signal,
      ...(localAddress === undefined ? {} : { localAddress }),
      ...(security?.md5Key === undefined ? {} : { md5Key: security.md5Key }),
      ...(security?.ttl === undefined ? {} : { ttl: security.ttl }),
      ...(security?.minTtl === undefined ? {} : { minTtl: security.minTtl }),
    };
    const connected = (socket: net.Socket): void => {
      if (m.dial !== controller || !this.isLive(m) || m.conn) {
        socket.destroy();
        return;
      }
      m.dial = undefined;
      this.attach(m, socket, 'local');
      this.feed({ machine: m, event: { type: 'Tcp_CR_Acked' } });
    };
    const failed = (error: unknown): void => {
      if (m.dial !== controller) return; // abandoned: a newer attempt or a close replaced it
      m.dial = undefined;
      // The attempt's own timeout and the ConnectRetryTimer end the same silence; whichever fires
      // first (the timer is jittered, the event loop may lag), it reads the same.
      this.lastError = isTimeout(error) ? this.noAnswer() : `connect: ${error instanceof Error ? error.message : String(error)}`;
      this.log.debug({ error: this.lastError }, 'connect failed');
      this.feed({ machine: m, event: { type: 'TcpConnectionFails' } });
    };
    // A connector that throws instead of rejecting must not break the transition in progress.
    Promise.resolve()
      .then(() => this.connector(request))
      .then(connected, failed);
  }

  /** Why a connection attempt ended: SYNs unanswered (dropped for a wrong MD5 key, a TTL below the peer's GTSM minimum, a filter). */
  private noAnswer(): string {
    return `connect: no answer within ${this.config.connectRetrySec} s`;
  }

  private attach(m: Machine, socket: net.Socket, initiator: Initiator): void {
    const conn = new Connection(socket, initiator, this.opts.highWaterMark, this.messages.sent);
    m.conn = conn;
    const t = conn.transport;
    t.on('frame', (frame) => {
      if (m.conn === conn) this.onFrame(m, conn, frame);
    });
    t.on('protocolError', (error) => {
      if (m.conn === conn) this.feed({ machine: m, event: { type: 'BGPHeaderErr', error } });
    });
    t.on('drain', () => {
      if (m === this.primary && m.conn === conn && m.state.name === 'Established') this.emit('drain');
    });
    t.on('closed', (error) => {
      if (m.conn !== conn) return;
      if (error) this.lastError = `connection: ${error.message}`;
      this.feed({ machine: m, event: { type: 'TcpConnectionFails' } });
    });
    // Accepted and handed-over sockets may come paused (the listener reads nothing unasked).
    socket.resume();
  }

  private onFrame(m: Machine, conn: Connection, frame: Uint8Array): void {
    // The framer checked the type octet (RFC 4271 §6.1): a frame that fails to decode still counts.
    countMessage(this.messages.received, frame);
    let message: BgpMessage;
    try {
      message = decodeMessage(frame, conn.receiveContext);
    } catch (e) {
      if (!isBgpError(e)) throw e;
      this.feed({ machine: m, event: eventForDecodeError(e) });
      return;
    }
    if (message.type === 'open') {
      this.onOpen(m, conn, message);
      return;
    }
    const retry = message.type === 'notification' && this.onNotification(m, message);
    this.feed({ machine: m, event: eventForMessage(message) });
    // The rejected OPEN is not the peer flapping: the next one, without what it refused, goes
    // out now rather than after the error wait (BIRD does the same). AutomaticStart restarts
    // only a session the NOTIFICATION left in Idle, and only if no operator stopped it.
    if (retry) this.feed({ machine: m, event: { type: 'AutomaticStart' } });
  }

  /**
   * RFC 4724 §4.1: the Restart State bit belongs to the OPEN of the session re-established after
   * our restart; every later OPEN of this session says we are not restarting.
   */
  private restartComplete(): void {
    const gr = this.opts.local.gracefulRestart;
    if (!gr?.restarting || this.restartDone) return;
    this.restartDone = true;
    this.fullOpen = buildOpen({ ...this.opts.local, gracefulRestart: { ...gr, restarting: false } });
    this.ourOpen = applyFallback(this.fullOpen, this.fallback);
  }

  /** Log a received NOTIFICATION; true when it changed our OPEN (RFC 5492 §5 fallback). */
  private onNotification(m: Machine, n: NotificationMessage): boolean {
    this.logNotification('received', n);
    // Only a rejection of our OPEN: before Established, once it has been sent.
    if (m.state.name !== 'OpenSent' && m.state.name !== 'OpenConfirm') return false;
    const step = fallBack(this.fallback, this.ourOpen, n, this.config);
    if (!step) return false;
    const kept = step.kept.map(describeCapability);
    if (step.dropped.length === 0) {
      if (kept.length > 0 && kept.join() !== this.keptReported) {
        this.log.warn({ kept }, 'peer does not support capabilities we require (RFC 5492 §5): keeping them');
      }
      this.keptReported = kept.join();
      return false;
    }
    this.fallback = step.fallback;
    this.ourOpen = applyFallback(this.fullOpen, this.fallback);
    const omitted = step.dropped.map(describeCapability);
    const fields = kept.length > 0 ? { omitted, kept } : { omitted };
    if (this.fallback.withoutCapabilities) {
      this.log.warn(fields, 'peer does not support capabilities at all (RFC 5492 §5): OPENs to it carry none from now on');
    } else {
      this.log.warn(fields, 'peer does not support capabilities (RFC 5492 §5): OPENs to it leave them out from now on');
    }
    return true;
  }

  /** RFC 4271 §6.8: before an OPEN is processed, check it against the other connection. */
  private onOpen(m: Machine, conn: Connection, open: OpenMessage): void {
    const other = m === this.primary ? this.fork : this.primary;
    const otherConn = other?.conn;
    const check = other && otherConn ? collisionCheck(other.state.name) : 'none';
    if (check === 'dump-arriving') {
      this.feed({ machine: m, event: { type: 'OpenCollisionDump' } });
      return;
    }
    if (check === 'resolve' && other && otherConn) {
      const winner = resolveCollision({
        localId: this.opts.local.routerId,
        localAs: this.opts.local.localAs,
        remoteId: open.bgpId,
        remoteAs: openAs(open),
        existing: otherConn.initiator,
        arriving: conn.initiator,
      });
      this.log.debug({ winner, existing: otherConn.initiator, arriving: conn.initiator }, 'collision resolved');
      if (winner === 'existing') {
        this.feed({ machine: m, event: { type: 'OpenCollisionDump' } });
        return;
      }
      this.feed({ machine: other, event: { type: 'OpenCollisionDump' } });
    }
    this.feed({ machine: m, event: { type: 'BGPOpen', open } });
  }
}

/** The peer's AS as its OPEN states it (RFC 6793 §4.1: the capability, else My Autonomous System). */
function openAs(open: OpenMessage): number {
  const four = open.capabilities.find((c) => c.code === 'four-octet-as');
  return four && four.code === 'four-octet-as' ? four.asn : open.myAs;
}

/**
 * `show peers` last error, e.g. "notification-received: Cease / Administrative Shutdown", with an
 * RFC 9003 shutdown communication after it as BIRD logs one: `: "maintenance window 42"`.
 */
function describeExit(down: SessionDown, previous: string | undefined): string {
  const n = down.sent ?? down.received;
  if (n) {
    // RFC 9003: the text is for the operators; `show peers` is where they look.
    const text = shutdownCommunicationOf(down);
    return `${down.reason}: ${notificationName(n.code, n.subcode)}${text === undefined ? '' : `: ${JSON.stringify(text)}`}`;
  }
  // A lost connection keeps the socket error seen just before, when there was one.
  if (down.reason === ExitReason.CONNECTION_LOST && previous?.startsWith('connection: ')) return `${down.reason}: ${previous.slice(12)}`;
  return down.reason;
}
