/**
 * What the state machine asks for, as data. `transition` returns a list of these in the order
 * they must run (a NOTIFICATION is queued before the connection closes); an effects runner
 * executes them against the socket, the timers and the RIB. Timers are started with their
 * duration so the runner needs no knowledge of the session's configuration.
 */
import type { BgpError } from '../bgp/errors.js';
import type { NotificationMessage, OpenMessage, RouteRefreshMessage, UpdateMessage } from '../bgp/types.js';
import type { Negotiated } from './negotiate.js';
import type { ExitReason } from './states.js';
import type { TimerName } from './timers.js';

export type FsmAction =
  /** Start an outgoing TCP connection, abandoning any attempt still pending. */
  | { readonly type: 'connect' }
  /** Abandon the pending outgoing attempt (an incoming connection was taken instead). */
  | { readonly type: 'abort-connect' }
  /** Take the connection request of TcpConnection_Valid as this session's connection. */
  | { readonly type: 'accept-connection' }
  /** Close the connection request of TcpConnection_Valid/Invalid without taking it. */
  | { readonly type: 'refuse-connection' }
  /**
   * The connection request of TcpConnection_Valid arrived during OpenSent/OpenConfirm: run it
   * in a second state machine (`collisionFork`) until collision.ts decides which one stays.
   */
  | { readonly type: 'fork-collision' }
  /** Close this session's connection and any pending attempt, after flushing queued writes. */
  | { readonly type: 'close-connection' }
  | { readonly type: 'send-open'; readonly open: OpenMessage }
  | { readonly type: 'send-keepalive' }
  /** Dropped when no connection is up (Connect, Active): there is nobody to tell. */
  | { readonly type: 'send-notification'; readonly error: BgpError }
  /** Start, or restart when running, a timer. */
  | { readonly type: 'start-timer'; readonly timer: TimerName; readonly ms: number }
  | { readonly type: 'stop-timer'; readonly timer: TimerName }
  /**
   * The session is up: switch the codecs to `negotiated.receiveContext`/`sendContext` before the
   * next message, then hand the session to the RIB.
   */
  | { readonly type: 'session-established'; readonly negotiated: Negotiated }
  /**
   * A session attempt ended. `wasEstablished` says whether the RIB had the session; when
   * `retainRoutes` is set the peer's routes stay as stale (graceful restart) instead of going.
   */
  | {
      readonly type: 'session-down';
      readonly reason: ExitReason;
      readonly wasEstablished: boolean;
      readonly retainRoutes: boolean;
      /** The NOTIFICATION we sent, for notification-sent, hold-timer-expired and admin-down. */
      readonly sent?: BgpError;
      /** The NOTIFICATION the peer sent, for notification-received. */
      readonly received?: NotificationMessage;
    }
  | { readonly type: 'deliver-update'; readonly update: UpdateMessage }
  | { readonly type: 'deliver-route-refresh'; readonly message: RouteRefreshMessage };

export type FsmActionType = FsmAction['type'];
