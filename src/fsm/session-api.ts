/**
 * What the rest of petrel sees of one BGP session: the contract between the session runner
 * (session.ts: FSM + transport + timers + socket options) and the daemon that wires sessions to
 * the RIB. The RIB never sees sockets; it sees these events and these calls.
 */
import type { EventEmitter } from 'node:events';
import type { BgpError } from '../bgp/errors.js';
import type { NotificationMessage, RouteRefreshMessage, UpdateMessage } from '../bgp/types.js';
import type { SessionMessageCounts } from './message-counts.js';
import type { Negotiated } from './negotiate.js';
import type { LiveTimes } from './session-config.js';
import type { ExitReason, StateName } from './states.js';

/** A snapshot for `show peers` and metrics. */
export interface SessionInfo {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** Configured peer AS. */
  readonly asNumber: number;
  readonly state: StateName;
  /** Time of the last state change. */
  readonly since: Date;
  /** Present once an OPEN exchange succeeded (OpenConfirm, Established). */
  readonly negotiated?: Negotiated;
  readonly localAddress?: string;
  readonly connectRetryCounter: number;
  /** Why the last attempt ended, with the NOTIFICATION involved, e.g. "notification-received: Cease / Administrative Shutdown". */
  readonly lastError?: string;
  /** Administratively disabled (`petrel peer disable`). */
  readonly disabled: boolean;
  /**
   * Until the next connection attempt: the error-wait backoff left in Idle, or the
   * ConnectRetryTimer (connect delay or retry) in Active; absent when none is due (a passive
   * peer waiting to be called, a session connected or stopped).
   */
  readonly nextAttemptInMs?: number;
  /** Connected and waiting for the peer's OPEN (RFC 4271 §8.1.1 DelayOpen): until ours goes out. */
  readonly openDelayedForMs?: number;
  /** Messages sent and received by type since the session was created, OPEN and KEEPALIVE included. */
  readonly messages?: SessionMessageCounts;
}

export interface SessionDown {
  readonly reason: ExitReason;
  readonly wasEstablished: boolean;
  /** RFC 4724: keep the peer's routes as stale for `negotiated.gracefulRestart.restartTimeSec`. */
  readonly retainRoutes: boolean;
  readonly sent?: BgpError;
  readonly received?: NotificationMessage;
}

export interface SessionEvents {
  state: [from: StateName, to: StateName];
  /** Codecs are switched to the negotiated contexts before this fires. */
  established: [negotiated: Negotiated];
  down: [down: SessionDown];
  /** A decoded UPDATE (RFC 7606 problems in `update.problem`). Only in Established. */
  update: [update: UpdateMessage];
  /** A ROUTE-REFRESH with a known subtype (RFC 7313 §5: unknown ones are ignored). */
  routeRefresh: [message: RouteRefreshMessage];
  /** The write queue drained below its high-water mark: the RIB may send again (XON). */
  drain: [];
}

export interface SessionHandle extends EventEmitter<SessionEvents> {
  readonly name: string;
  info(): SessionInfo;
  /** ManualStart (or re-enable). */
  start(): void;
  /** ManualStop with Cease (default Administrative Shutdown, RFC 9003 text optional). Resolves once the connection is closed. */
  stop(cease?: BgpError): Promise<void>;
  /** Drop and re-establish with `cease` (default Cease / Administrative Reset, RFC 9003 text optional). */
  reset(cease?: BgpError): void;
  /**
   * AutomaticStop (RFC 4271 Event 8): Cease with `cease`, then Idle, and the session starts again
   * by itself after the error-wait backoff (BFD Down, RFC 9384).
   */
  stopAutomatically(cease: BgpError): void;
  /**
   * New connect delay, retry and error-wait times (a reload): the next timer started, the next
   * connection attempt and the next failure's backoff use them; an Established session is not touched.
   */
  retime(times: LiveTimes): void;
  /**
   * Send whole encoded messages (header included, built with `negotiated.sendContext`). Returns
   * false when the write queue is above its high-water mark: stop until 'drain' (XOFF).
   */
  send(messages: readonly Uint8Array[]): boolean;
  /** True while the write queue is above its high-water mark. */
  readonly backpressured: boolean;
}
