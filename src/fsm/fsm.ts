/**
 * The RFC 4271 §8.2.2 session state machine as one pure function (OpenBGPD `bgp_fsm`):
 * `transition(state, event, ctx)` returns the next state and the actions to run, in order.
 * One `switch` on the state, then one on the event in each state; the default branch of a state
 * is the RFC 6608 FSM error for that state (5/1 OpenSent, 5/2 OpenConfirm, 5/3 Established,
 * 5/0 Connect and Active). Idle ignores what it does not handle (RFC 4271 §8.2.2: no state change).
 *
 * Where petrel departs from the RFC text, for Calico (BIRD) behaviour:
 * - Start: with a connect delay (BIRD `connect delay time`, Calico 2 s) the session waits in
 *   Active with the ConnectRetryTimer set to that delay, then connects as Active does on expiry.
 *   Passive peers go to Active and never start the ConnectRetryTimer (Calico `passive on`).
 * - A failed connect attempt (TcpConnectionFails in Connect) returns to Active and retries when
 *   the ConnectRetryTimer fires (BIRD, GoBGP), instead of going through Idle.
 * - Every failure that reaches Idle starts the IdleHoldTimer with the error-wait backoff
 *   (backoff.ts); its expiry restarts the session (RFC 4271 §8.1.1 DampPeerOscillations).
 *   ManualStop leaves Idle stopped: only ManualStart starts it again.
 * - A NOTIFICATION is never answered with another one: NotifMsg ends the session in every
 *   connected state (RFC 4271 §8.2.2 lists it under OpenSent's FSM-error events).
 * - DelayOpen (§8.1.1, off unless `delayOpenSec` is set): a connection lost while the OPEN waits
 *   returns to Active from Active too (the RFC goes through Idle there), retrying on the
 *   ConnectRetryTimer; a second connection meanwhile runs as a collision fork, as in OpenSent.
 * - Connection collision (RFC 4271 §6.8) is decided outside, by collision.ts; the losing state
 *   machine receives OpenCollisionDump and ends without backoff, since the winner carries on.
 */
import { CeaseSubcode, FsmSubcode, NotifCode } from '../bgp/constants.js';
import { afiSafiName } from '../bgp/context.js';
import { BgpError, cease, fsmError, isBgpError } from '../bgp/errors.js';
import type { NotificationMessage, OpenMessage, RouteRefreshMessage } from '../bgp/types.js';
import type { FsmAction } from './actions.js';
import { recordFailure } from './backoff.js';
import { negotiate, type Negotiated } from './negotiate.js';
import { backoffPolicy, type SessionConfig } from './session-config.js';
import { ExitReason, type FsmEvent, type FsmState, type StateName } from './states.js';
import type { TimerName } from './timers.js';

export interface FsmContext {
  readonly config: SessionConfig;
  /** The OPEN we send (open.ts `buildOpen`). */
  readonly ourOpen: OpenMessage;
  /** Clock time of the event (timers.ts `Clock.now()`). */
  readonly nowMs: number;
}

export interface Transition {
  readonly next: FsmState;
  readonly actions: readonly FsmAction[];
}

type In<N extends StateName> = Extract<FsmState, { readonly name: N }>;

/** The next state and the actions to run, in order, for `event` arriving in `state`. */
export function transition(state: FsmState, event: FsmEvent, ctx: FsmContext): Transition {
  switch (state.name) {
    case 'Idle':
      return idle(state, event, ctx);
    case 'Connect':
      return connect(state, event, ctx);
    case 'Active':
      return active(state, event, ctx);
    case 'OpenSent':
      return openSent(state, event, ctx);
    case 'OpenConfirm':
      return openConfirm(state, event, ctx);
    case 'Established':
      return established(state, event, ctx);
  }
}

function idle(s: In<'Idle'>, ev: FsmEvent, ctx: FsmContext): Transition {
  switch (ev.type) {
    case 'ManualStart':
      return start(s, ctx);
    // Automatic restarts never revive a session an operator stopped.
    case 'AutomaticStart':
    case 'IdleHoldTimer_Expires':
      return s.stopped ? stay(s) : start(s, ctx);
    case 'ManualStop':
      return { next: { ...vars(s), name: 'Idle', stopped: true }, actions: [stopTimer('IdleHold')] };
    // RFC 4271 §8.2.2: Idle refuses all incoming connections.
    case 'TcpConnection_Valid':
    case 'TcpConnection_Invalid':
      return stay(s, { type: 'refuse-connection' });
    default:
      return stay(s);
  }
}

function connect(s: In<'Connect'>, ev: FsmEvent, ctx: FsmContext): Transition {
  switch (ev.type) {
    case 'ManualStart':
    case 'AutomaticStart':
      return stay(s);
    case 'ManualStop':
      return end(s, ctx, { reason: ExitReason.ADMIN_DOWN, then: 'stopped' });
    case 'AutomaticStop':
      return automaticStop(s, ev, ctx);
    case 'ConnectRetryTimer_Expires':
      // With a connection up and waiting for the peer's OPEN, there is nothing to retry.
      if (s.openDelayed) return stay(s);
      return stay(s, startTimer('ConnectRetry', ctx.config.connectRetrySec), { type: 'connect' });
    case 'TcpConnection_Valid':
      return stay(s, offeredConnection(s));
    case 'TcpConnection_Invalid':
      return stay(s, { type: 'refuse-connection' });
    case 'Tcp_CR_Acked':
      return s.openDelayed ? stay(s) : connected(s, ctx);
    case 'TcpConnectionConfirms':
      return s.openDelayed ? stay(s) : connected(s, ctx, { type: 'abort-connect' });
    case 'TcpConnectionFails':
      // RFC 4271 §8.2.2 Connect: with the DelayOpenTimer running, listen in Active, uncounted.
      if (s.openDelayed) return backToActive(s, ctx, 'DelayOpen', false);
      // Retry when the ConnectRetryTimer (still running) fires.
      return { next: { ...vars(s), name: 'Active', connectRetryCounter: s.connectRetryCounter + 1 }, actions: [] };
    case 'DelayOpenTimer_Expires':
      return s.openDelayed ? toOpenSent(s, ctx) : unexpected(s, ev, ctx);
    case 'BGPOpen':
      return s.openDelayed ? openWhileDelayed(s, ev.open, ctx) : unexpected(s, ev, ctx);
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return end(s, ctx, { reason: ExitReason.NOTIFICATION_SENT, sent: ev.error });
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return notificationReceived(s, ev, ctx);
    default:
      return unexpected(s, ev, ctx);
  }
}

function active(s: In<'Active'>, ev: FsmEvent, ctx: FsmContext): Transition {
  switch (ev.type) {
    case 'ManualStart':
    case 'AutomaticStart':
      return stay(s);
    case 'ManualStop':
      return end(s, ctx, { reason: ExitReason.ADMIN_DOWN, then: 'stopped' });
    case 'AutomaticStop':
      return automaticStop(s, ev, ctx);
    case 'ConnectRetryTimer_Expires':
      if (ctx.config.passive || s.openDelayed) return stay(s);
      return {
        next: { ...vars(s), name: 'Connect' },
        actions: [startTimer('ConnectRetry', ctx.config.connectRetrySec), { type: 'connect' }],
      };
    case 'TcpConnection_Valid':
      return stay(s, offeredConnection(s));
    case 'TcpConnection_Invalid':
      return stay(s, { type: 'refuse-connection' });
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirms':
      return s.openDelayed ? stay(s) : connected(s, ctx);
    case 'TcpConnectionFails':
      // RFC 4271 §8.2.2 Active: with the DelayOpenTimer running the attempt counts as failed.
      return s.openDelayed ? backToActive(s, ctx, 'DelayOpen', true) : stay(s);
    case 'DelayOpenTimer_Expires':
      return s.openDelayed ? toOpenSent(s, ctx) : unexpected(s, ev, ctx);
    case 'BGPOpen':
      return s.openDelayed ? openWhileDelayed(s, ev.open, ctx) : unexpected(s, ev, ctx);
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return end(s, ctx, { reason: ExitReason.NOTIFICATION_SENT, sent: ev.error });
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return notificationReceived(s, ev, ctx);
    default:
      return unexpected(s, ev, ctx);
  }
}

function openSent(s: In<'OpenSent'>, ev: FsmEvent, ctx: FsmContext): Transition {
  switch (ev.type) {
    case 'ManualStart':
    case 'AutomaticStart':
      return stay(s);
    case 'ManualStop':
      return end(s, ctx, { reason: ExitReason.ADMIN_DOWN, sent: ev.cease ?? adminShutdown(), then: 'stopped' });
    case 'AutomaticStop':
      return automaticStop(s, ev, ctx);
    case 'HoldTimer_Expires':
      return end(s, ctx, { reason: ExitReason.HOLD_TIMER_EXPIRED, sent: holdTimerExpired() });
    case 'TcpConnection_Valid':
      return stay(s, { type: 'fork-collision' });
    case 'TcpConnection_Invalid':
      return stay(s, { type: 'refuse-connection' });
    // RFC 4271 §8.2.2: a second connection is tracked by collision detection, not here.
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirms':
      return stay(s);
    case 'TcpConnectionFails':
      // RFC 4271 §8.2.2 OpenSent: close, restart the ConnectRetryTimer, listen in Active.
      return backToActive(s, ctx, 'Hold', false);
    case 'BGPOpen':
      return toOpenConfirm(s, ev.open, ctx);
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return end(s, ctx, { reason: ExitReason.NOTIFICATION_SENT, sent: ev.error });
    case 'OpenCollisionDump':
      return end(s, ctx, { reason: ExitReason.CONNECTION_COLLISION, sent: collisionCease(), then: 'dumped' });
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return notificationReceived(s, ev, ctx);
    default:
      return unexpected(s, ev, ctx);
  }
}

function openConfirm(s: In<'OpenConfirm'>, ev: FsmEvent, ctx: FsmContext): Transition {
  switch (ev.type) {
    case 'ManualStart':
    case 'AutomaticStart':
      return stay(s);
    case 'ManualStop':
      return end(s, ctx, { reason: ExitReason.ADMIN_DOWN, sent: ev.cease ?? adminShutdown(), then: 'stopped' });
    case 'AutomaticStop':
      return automaticStop(s, ev, ctx);
    case 'HoldTimer_Expires':
      return end(s, ctx, { reason: ExitReason.HOLD_TIMER_EXPIRED, sent: holdTimerExpired() });
    case 'KeepaliveTimer_Expires':
      return stay(s, { type: 'send-keepalive' }, startTimer('Keepalive', s.negotiated.keepaliveSec));
    case 'TcpConnection_Valid':
      return stay(s, { type: 'fork-collision' });
    case 'TcpConnection_Invalid':
      return stay(s, { type: 'refuse-connection' });
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirms':
      return stay(s);
    case 'TcpConnectionFails':
      return end(s, ctx, { reason: ExitReason.CONNECTION_LOST });
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return end(s, ctx, { reason: ExitReason.NOTIFICATION_SENT, sent: ev.error });
    case 'OpenCollisionDump':
      return end(s, ctx, { reason: ExitReason.CONNECTION_COLLISION, sent: collisionCease(), then: 'dumped' });
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return notificationReceived(s, ev, ctx);
    case 'KeepAliveMsg':
      return {
        next: { ...vars(s), name: 'Established', negotiated: s.negotiated },
        actions: [...restartHold(s.negotiated), { type: 'session-established', negotiated: s.negotiated }],
      };
    default:
      return unexpected(s, ev, ctx);
  }
}

function established(s: In<'Established'>, ev: FsmEvent, ctx: FsmContext): Transition {
  const neg = s.negotiated;
  switch (ev.type) {
    case 'ManualStart':
    case 'AutomaticStart':
      return stay(s);
    case 'ManualStop':
      return end(s, ctx, { reason: ExitReason.ADMIN_DOWN, sent: ev.cease ?? adminShutdown(), then: 'stopped' });
    case 'AutomaticStop':
      return automaticStop(s, ev, ctx);
    case 'HoldTimer_Expires':
      return end(s, ctx, { reason: ExitReason.HOLD_TIMER_EXPIRED, sent: holdTimerExpired() });
    case 'KeepaliveTimer_Expires':
      return stay(s, { type: 'send-keepalive' }, startTimer('Keepalive', neg.keepaliveSec));
    // RFC 4271 §6.8: a connection colliding with an Established one is closed.
    case 'TcpConnection_Valid':
    case 'TcpConnection_Invalid':
      return stay(s, { type: 'refuse-connection' });
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirms':
      return stay(s);
    case 'TcpConnectionFails':
      return end(s, ctx, { reason: ExitReason.CONNECTION_LOST });
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
    case 'UpdateMsgErr':
      return end(s, ctx, { reason: ExitReason.NOTIFICATION_SENT, sent: ev.error });
    case 'OpenCollisionDump':
      return end(s, ctx, { reason: ExitReason.CONNECTION_COLLISION, sent: collisionCease(), then: 'dumped' });
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return notificationReceived(s, ev, ctx);
    // Any message from the peer proves it alive and restarts the hold timer.
    case 'KeepAliveMsg':
      return stay(s, ...restartHold(neg));
    case 'UpdateMsg':
      return stay(s, ...restartHold(neg), { type: 'deliver-update', update: ev.update });
    case 'RouteRefresh':
      return stay(
        s,
        ...restartHold(neg),
        ...(routeRefreshAccepted(neg, ev.message) ? [{ type: 'deliver-route-refresh', message: ev.message } as const] : []),
      );
    default:
      return unexpected(s, ev, ctx);
  }
}

// ---------------------------------------------------------------------------------------------

/** The session variables carried into the next state. */
function vars(s: FsmState): Pick<FsmState, 'connectRetryCounter' | 'backoff'> {
  return { connectRetryCounter: s.connectRetryCounter, backoff: s.backoff };
}

function stay(s: FsmState, ...actions: FsmAction[]): Transition {
  return { next: s, actions };
}

function startTimer(timer: TimerName, seconds: number): FsmAction {
  return { type: 'start-timer', timer, ms: seconds * 1000 };
}

function stopTimer(timer: TimerName): FsmAction {
  return { type: 'stop-timer', timer };
}

function restartHold(neg: Negotiated): FsmAction[] {
  return neg.holdTimeSec === 0 ? [] : [startTimer('Hold', neg.holdTimeSec)];
}

/** ManualStart, AutomaticStart, IdleHold expiry from Idle (RFC 4271 §8.2.2 Idle, Event 1/3). */
function start(s: In<'Idle'>, ctx: FsmContext): Transition {
  const v = { ...vars(s), connectRetryCounter: 0 };
  const { passive, connectDelaySec, connectRetrySec } = ctx.config;
  // An AutomaticStart during the error wait must not leave the IdleHoldTimer to fire later.
  const actions: FsmAction[] = [stopTimer('IdleHold')];
  if (passive) return { next: { ...v, name: 'Active' }, actions };
  if (connectDelaySec > 0) return { next: { ...v, name: 'Active' }, actions: [...actions, startTimer('ConnectRetry', connectDelaySec)] };
  return { next: { ...v, name: 'Connect' }, actions: [...actions, startTimer('ConnectRetry', connectRetrySec), { type: 'connect' }] };
}

/**
 * A TCP connection is up (RFC 4271 §8.2.2 Connect/Active, Events 16/17): send OPEN, or with
 * DelayOpen wait that long for the peer's OPEN first, in the same state (§8.1.1).
 */
function connected(s: In<'Connect'> | In<'Active'>, ctx: FsmContext, ...first: FsmAction[]): Transition {
  const delaySec = ctx.config.delayOpenSec;
  if (delaySec <= 0) return toOpenSent(s, ctx, ...first);
  const next: FsmState = s.name === 'Connect' ? { ...vars(s), name: 'Connect', openDelayed: true } : { ...vars(s), name: 'Active', openDelayed: true };
  return { next, actions: [...first, stopTimer('ConnectRetry'), startTimer('DelayOpen', delaySec)] };
}

/**
 * A connection request while in Connect/Active: taken as the session's, or — when this state
 * machine already has one up, waiting with DelayOpen — run beside it until one of them gets
 * through the OPEN exchange (RFC 4271 §6.8).
 */
function offeredConnection(s: In<'Connect'> | In<'Active'>): FsmAction {
  return s.openDelayed ? { type: 'fork-collision' } : { type: 'accept-connection' };
}

/**
 * The peer's OPEN arrived while ours waited (RFC 4271 §8.2.2 Connect/Active, Event 20 with the
 * DelayOpenTimer running): send OPEN and KEEPALIVE and go straight to OpenConfirm.
 */
function openWhileDelayed(s: In<'Connect'> | In<'Active'>, open: OpenMessage, ctx: FsmContext): Transition {
  return toOpenConfirm(s, open, ctx, stopTimer('ConnectRetry'), stopTimer('DelayOpen'), { type: 'send-open', open: ctx.ourOpen });
}

/** The peer's OPEN is checked (RFC 4271 §6.2): KEEPALIVE and the negotiated timers, or NOTIFICATION. */
function toOpenConfirm(s: FsmState, open: OpenMessage, ctx: FsmContext, ...first: FsmAction[]): Transition {
  const negotiated = negotiate(ctx.ourOpen, open, ctx.config);
  if (isBgpError(negotiated)) return end(s, ctx, { reason: ExitReason.NOTIFICATION_SENT, sent: negotiated });
  // RFC 4271 §8.2.2: KEEPALIVE, then keepalive and hold timers at the negotiated values;
  // hold 0 runs neither (§4.4), so the large OpenSent hold timer must stop.
  const timers: FsmAction[] =
    negotiated.holdTimeSec === 0 ? [stopTimer('Hold')] : [startTimer('Keepalive', negotiated.keepaliveSec), startTimer('Hold', negotiated.holdTimeSec)];
  return { next: { ...vars(s), name: 'OpenConfirm', negotiated }, actions: [...first, { type: 'send-keepalive' }, ...timers] };
}

/**
 * The connection failed before the OPEN exchange finished (RFC 4271 §8.2.2 OpenSent, and
 * Connect/Active with DelayOpen, Event 18): stop the state's timer, close, restart the
 * ConnectRetryTimer and listen in Active.
 */
function backToActive(s: FsmState, ctx: FsmContext, running: TimerName, countAttempt: boolean): Transition {
  return {
    next: { ...vars(s), name: 'Active', connectRetryCounter: s.connectRetryCounter + (countAttempt ? 1 : 0) },
    actions: [
      stopTimer(running),
      { type: 'close-connection' },
      down(s, ExitReason.CONNECTION_LOST, {}),
      ...(ctx.config.passive ? [] : [startTimer('ConnectRetry', ctx.config.connectRetrySec)]),
    ],
  };
}

/** Connection up, OPEN sent (RFC 4271 §8.2.2 Connect/Active, Events 12, 16, 17). */
function toOpenSent(s: In<'Connect'> | In<'Active'>, ctx: FsmContext, ...first: FsmAction[]): Transition {
  return {
    next: { ...vars(s), name: 'OpenSent' },
    actions: [
      ...first,
      stopTimer('ConnectRetry'),
      { type: 'send-open', open: ctx.ourOpen },
      startTimer('Hold', ctx.config.openHoldTimeSec),
    ],
  };
}

interface Ending {
  readonly reason: ExitReason;
  /** The NOTIFICATION to send before closing. */
  readonly sent?: BgpError;
  readonly received?: NotificationMessage;
  /** RFC 4271 §8.2.2: NotifMsgVerErr does not count as a failed attempt. */
  readonly countAttempt?: boolean;
  /**
   * backoff: wait in Idle for the error-wait delay, then restart (default).
   * stopped: ManualStop, stay in Idle until ManualStart.
   * dumped: lost a collision; the winning connection carries the session on.
   */
  readonly then?: 'backoff' | 'stopped' | 'dumped';
}

/** Leave for Idle: notify, stop the timers, close, report, and arm the restart. */
function end(s: FsmState, ctx: FsmContext, e: Ending): Transition {
  const then = e.then ?? 'backoff';
  const actions: FsmAction[] = [
    ...(e.sent ? [{ type: 'send-notification', error: e.sent } as const] : []),
    ...((s.name === 'Connect' || s.name === 'Active') && s.openDelayed ? [stopTimer('DelayOpen')] : []),
    stopTimer('ConnectRetry'),
    stopTimer('Hold'),
    stopTimer('Keepalive'),
    { type: 'close-connection' },
    down(s, e.reason, e),
  ];
  if (then === 'stopped') {
    // RFC 4271 §8.2.2: ManualStop sets the ConnectRetryCounter to zero.
    return { next: { ...vars(s), name: 'Idle', stopped: true, connectRetryCounter: 0 }, actions };
  }
  const connectRetryCounter = s.connectRetryCounter + (e.countAttempt ?? true ? 1 : 0);
  if (then === 'dumped') return { next: { ...vars(s), name: 'Idle', stopped: false, connectRetryCounter }, actions };
  const backoff = recordFailure(s.backoff, ctx.nowMs, backoffPolicy(ctx.config));
  actions.push({ type: 'start-timer', timer: 'IdleHold', ms: backoff.delayMs });
  return { next: { name: 'Idle', stopped: false, connectRetryCounter, backoff }, actions };
}

function down(s: FsmState, reason: ExitReason, e: Pick<Ending, 'sent' | 'received'>): FsmAction {
  return {
    type: 'session-down',
    reason,
    wasEstablished: s.name === 'Established',
    retainRoutes: s.name === 'Established' && retainsRoutes(s.negotiated, reason, e.sent ?? e.received),
    ...(e.sent ? { sent: e.sent } : {}),
    ...(e.received ? { received: e.received } : {}),
  };
}

/**
 * Whether the peer's routes stay as stale when an Established session ends. RFC 4724 §4.2: a
 * lost connection with graceful restart negotiated. RFC 8538 §4: with the N bit on both sides,
 * also a hold timer expiry or a NOTIFICATION either way, except Cease/Hard Reset. Not on
 * ManualStop: an operator taking a peer down wants its routes gone.
 */
export function retainsRoutes(neg: Negotiated, reason: ExitReason, notification?: { code: number; subcode: number }): boolean {
  const gr = neg.gracefulRestart;
  if (!gr) return false;
  switch (reason) {
    case ExitReason.CONNECTION_LOST:
      return true;
    case ExitReason.HOLD_TIMER_EXPIRED:
    case ExitReason.NOTIFICATION_SENT:
    case ExitReason.NOTIFICATION_RECEIVED:
      return gr.notification && !(notification?.code === NotifCode.CEASE && notification.subcode === CeaseSubcode.HARD_RESET);
    // BFD found the path down: the routes through it must go now (RFC 5882 §4.3).
    case ExitReason.ADMIN_DOWN:
    case ExitReason.CONNECTION_COLLISION:
    case ExitReason.AUTOMATIC_STOP:
      return false;
  }
}

/**
 * RFC 4271 §8.2.2, Event 8 in every state but Idle: Cease (when connected), then Idle with the
 * error-wait backoff (peer oscillation damping) before the session starts again by itself.
 */
function automaticStop(s: FsmState, ev: Extract<FsmEvent, { type: 'AutomaticStop' }>, ctx: FsmContext): Transition {
  return end(s, ctx, { reason: ExitReason.AUTOMATIC_STOP, sent: ev.cease });
}

function notificationReceived(s: FsmState, ev: Extract<FsmEvent, { type: 'NotifMsg' | 'NotifMsgVerErr' }>, ctx: FsmContext): Transition {
  return end(s, ctx, {
    reason: ExitReason.NOTIFICATION_RECEIVED,
    received: ev.notification,
    countAttempt: ev.type === 'NotifMsg',
  });
}

/** RFC 6608 §3: the FSM error subcode names the state the unexpected event arrived in. */
function unexpected(s: FsmState, ev: FsmEvent, ctx: FsmContext): Transition {
  const [subcode, id] =
    s.name === 'OpenSent'
      ? [FsmSubcode.UNEXPECTED_MESSAGE_IN_OPENSENT, 'fsm.unexpected-in-opensent']
      : s.name === 'OpenConfirm'
        ? [FsmSubcode.UNEXPECTED_MESSAGE_IN_OPENCONFIRM, 'fsm.unexpected-in-openconfirm']
        : s.name === 'Established'
          ? [FsmSubcode.UNEXPECTED_MESSAGE_IN_ESTABLISHED, 'fsm.unexpected-in-established']
          : [FsmSubcode.UNSPECIFIED, 'fsm.unexpected'];
  return end(s, ctx, { reason: ExitReason.NOTIFICATION_SENT, sent: fsmError(subcode, id, `${ev.type} in ${s.name}`) });
}

/**
 * RFC 2918 §4: a ROUTE-REFRESH for a family not negotiated is ignored; RFC 7313 §5: so are
 * BoRR/EoRR without enhanced route refresh, and undefined subtypes.
 */
function routeRefreshAccepted(neg: Negotiated, m: RouteRefreshMessage): boolean {
  const name = afiSafiName(m.afi, m.safi);
  if (!neg.routeRefresh || name === undefined || !neg.families.includes(name)) return false;
  if (m.subtype === 'normal') return true;
  return neg.enhancedRouteRefresh && (m.subtype === 'borr' || m.subtype === 'eorr');
}

function adminShutdown(): BgpError {
  return cease(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, 'cease.admin-shutdown', 'administrative shutdown');
}

function collisionCease(): BgpError {
  return cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION, 'cease.collision', 'connection collision resolution');
}

function holdTimerExpired(): BgpError {
  return new BgpError({ code: NotifCode.HOLD_TIMER_EXPIRED, subcode: 0, id: 'hold-timer.expired', message: 'hold timer expired' });
}
