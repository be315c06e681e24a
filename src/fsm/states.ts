/**
 * The vocabulary of the RFC 4271 §8 session state machine: its six states, the events of §8.1
 * (named as the RFC names them), the reasons a session ends (an enumerated union, GoBGP's
 * `FsmStateReason`), and the per-session variables that outlive a single state.
 *
 * The state is plain immutable data: `transition` (fsm.ts) takes one and returns the next, so a
 * session can be inspected, logged and tested without sockets or timers.
 */
import type { BgpError } from '../bgp/errors.js';
import type { NotificationMessage, OpenMessage, RouteRefreshMessage, UpdateMessage } from '../bgp/types.js';
import { INITIAL_BACKOFF, type BackoffState } from './backoff.js';
import type { Negotiated } from './negotiate.js';

/** RFC 4271 §8.2.2 state names. */
export const StateName = {
  IDLE: 'Idle',
  CONNECT: 'Connect',
  ACTIVE: 'Active',
  OPEN_SENT: 'OpenSent',
  OPEN_CONFIRM: 'OpenConfirm',
  ESTABLISHED: 'Established',
} as const;
export type StateName = (typeof StateName)[keyof typeof StateName];

/** `petrel_bgp_session_state{peer}` values (SPEC §2: 1 Idle … 6 Established). */
export const STATE_METRIC_VALUE: Readonly<Record<StateName, number>> = {
  Idle: 1,
  Connect: 2,
  Active: 3,
  OpenSent: 4,
  OpenConfirm: 5,
  Established: 6,
};

/** Session variables that survive state changes (RFC 4271 §8: ConnectRetryCounter; damping). */
interface SessionVariables {
  /** RFC 4271 §8: failed attempts since the last start. Shown by `show peers`. */
  readonly connectRetryCounter: number;
  /** Calico's error-wait backoff (RFC 4271 §8.1.1 DampPeerOscillations). */
  readonly backoff: BackoffState;
}

export type FsmState = SessionVariables &
  (
    | {
        readonly name: 'Idle';
        /** Stopped by ManualStop (or never started): only ManualStart leaves this Idle. */
        readonly stopped: boolean;
      }
    | {
        readonly name: 'Connect';
        /** A connection is up and the DelayOpenTimer runs: no OPEN sent yet (RFC 4271 §8.1.1 DelayOpen). */
        readonly openDelayed?: true;
      }
    | { readonly name: 'Active'; readonly openDelayed?: true }
    | { readonly name: 'OpenSent' }
    | { readonly name: 'OpenConfirm'; readonly negotiated: Negotiated }
    | { readonly name: 'Established'; readonly negotiated: Negotiated }
  );

/** A configured peer before it is started: Idle, stopped. */
export function initialState(): FsmState {
  return { name: 'Idle', stopped: true, connectRetryCounter: 0, backoff: INITIAL_BACKOFF };
}

/**
 * The second state machine for a connection that arrives while `primary` is in OpenSent or
 * OpenConfirm (RFC 4271 §6.8, §8: "a new FSM for the incoming connection"). It starts in Active,
 * without timers, sharing the primary's counters; feed it TcpConnectionConfirms next.
 */
export function collisionFork(primary: FsmState): FsmState {
  return { name: 'Active', connectRetryCounter: primary.connectRetryCounter, backoff: primary.backoff };
}

/** RFC 4271 §8.1 events, the optional DelayOpenTimer's (Event 12) included. */
export type FsmEvent =
  // §8.1.2 administrative events
  | { readonly type: 'ManualStart' }
  /** `cease` is the NOTIFICATION to send when connected; default Cease/Administrative Shutdown. */
  | { readonly type: 'ManualStop'; readonly cease?: BgpError }
  | { readonly type: 'AutomaticStart' }
  /** Event 8: the local system stops the session by itself (BFD declared the path down, RFC 5882). */
  | { readonly type: 'AutomaticStop'; readonly cease: BgpError }
  // §8.1.3 timer events
  | { readonly type: 'ConnectRetryTimer_Expires' }
  | { readonly type: 'HoldTimer_Expires' }
  | { readonly type: 'KeepaliveTimer_Expires' }
  | { readonly type: 'IdleHoldTimer_Expires' }
  | { readonly type: 'DelayOpenTimer_Expires' }
  // §8.1.4 TCP connection events
  /** A TCP connection request from the peer's configured address arrived (Event 14). */
  | { readonly type: 'TcpConnection_Valid' }
  /** A TCP connection request with a wrong address or port (Event 15). */
  | { readonly type: 'TcpConnection_Invalid' }
  /** Our outgoing connection completed (Event 16). */
  | { readonly type: 'Tcp_CR_Acked' }
  /** The peer's incoming connection, accepted, is established (Event 17). */
  | { readonly type: 'TcpConnectionConfirms' }
  | { readonly type: 'TcpConnectionFails' }
  // §8.1.5 BGP message events
  | { readonly type: 'BGPOpen'; readonly open: OpenMessage }
  | { readonly type: 'BGPHeaderErr'; readonly error: BgpError }
  | { readonly type: 'BGPOpenMsgErr'; readonly error: BgpError }
  /** This connection lost a collision (RFC 4271 §6.8); see collision.ts. */
  | { readonly type: 'OpenCollisionDump' }
  /** A NOTIFICATION with OPEN Message Error / Unsupported Version Number (Event 24). */
  | { readonly type: 'NotifMsgVerErr'; readonly notification: NotificationMessage }
  | { readonly type: 'NotifMsg'; readonly notification: NotificationMessage }
  | { readonly type: 'KeepAliveMsg' }
  | { readonly type: 'UpdateMsg'; readonly update: UpdateMessage }
  /** An UPDATE that must reset the session (RFC 7606 weaker errors arrive as UpdateMsg). */
  | { readonly type: 'UpdateMsgErr'; readonly error: BgpError }
  /** RFC 2918 / RFC 7313 ROUTE-REFRESH (not an RFC 4271 event). */
  | { readonly type: 'RouteRefresh'; readonly message: RouteRefreshMessage };

export type FsmEventType = FsmEvent['type'];

/** Every event type, for exhaustive table tests and logs. */
export const FSM_EVENT_TYPES: readonly FsmEventType[] = [
  'ManualStart',
  'ManualStop',
  'AutomaticStart',
  'AutomaticStop',
  'ConnectRetryTimer_Expires',
  'HoldTimer_Expires',
  'KeepaliveTimer_Expires',
  'IdleHoldTimer_Expires',
  'DelayOpenTimer_Expires',
  'TcpConnection_Valid',
  'TcpConnection_Invalid',
  'Tcp_CR_Acked',
  'TcpConnectionConfirms',
  'TcpConnectionFails',
  'BGPOpen',
  'BGPHeaderErr',
  'BGPOpenMsgErr',
  'OpenCollisionDump',
  'NotifMsgVerErr',
  'NotifMsg',
  'KeepAliveMsg',
  'UpdateMsg',
  'UpdateMsgErr',
  'RouteRefresh',
];

/** Why a session attempt ended (GoBGP-style); `show peers` prints it as the last error. */
export const ExitReason = {
  ADMIN_DOWN: 'admin-down',
  HOLD_TIMER_EXPIRED: 'hold-timer-expired',
  /** We found an error and sent a NOTIFICATION (OPEN rejected, FSM error, bad UPDATE …). */
  NOTIFICATION_SENT: 'notification-sent',
  NOTIFICATION_RECEIVED: 'notification-received',
  /** The TCP connection closed or failed without a NOTIFICATION. */
  CONNECTION_LOST: 'connection-lost',
  /** This connection lost a collision (RFC 4271 §6.8) and was dumped with Cease 6/7. */
  CONNECTION_COLLISION: 'connection-collision',
  /** petrel stopped the session by itself (RFC 4271 Event 8), e.g. on BFD Down (RFC 9384). */
  AUTOMATIC_STOP: 'automatic-stop',
} as const;
export type ExitReason = (typeof ExitReason)[keyof typeof ExitReason];
