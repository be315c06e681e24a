/**
 * The (state, event) matrix: every RFC 4271 §8 state against every event, asserting the next
 * state and the actions in order. Actions run on a FakeClock through the test runner, so timer
 * actions are checked to be executable too.
 */
import { describe, expect, it } from 'vitest';
import { INITIAL_BACKOFF } from '../../src/fsm/backoff.js';
import { FSM_EVENT_TYPES, type FsmEventType, type FsmState, type StateName } from '../../src/fsm/states.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FsmRunner, summarize } from '../helpers/fsm-runner.js';
import { CTX, EVENTS, negotiated } from './fixtures.js';


const vars = { connectRetryCounter: 0, backoff: INITIAL_BACKOFF };
const NEG = negotiated();
const STATES: Record<StateName, FsmState> = {
  Idle: { ...vars, name: 'Idle', stopped: false },
  Connect: { ...vars, name: 'Connect' },
  Active: { ...vars, name: 'Active' },
  OpenSent: { ...vars, name: 'OpenSent' },
  OpenConfirm: { ...vars, name: 'OpenConfirm', negotiated: NEG },
  Established: { ...vars, name: 'Established', negotiated: NEG },
};

type Row = readonly [StateName, readonly string[]];
const STOP = ['stop-timer ConnectRetry', 'stop-timer Hold', 'stop-timer Keepalive', 'close-connection'];

/** Into Idle after a failure: optional NOTIFICATION, timers stopped, closed, reported, error wait armed. */
function fails(reason: string, notification?: string, established = false): Row {
  const down = `session-down ${reason}${established ? ' established' : ''}`;
  return ['Idle', [...(notification ? [`send-notification ${notification}`] : []), ...STOP, down, 'start-timer IdleHold 5000']];
}
/** ManualStop: Cease 6/2 when connected, into a stopped Idle. */
function stopped(notification: boolean, established = false): Row {
  return ['Idle', [...(notification ? ['send-notification 6/2'] : []), ...STOP, `session-down admin-down${established ? ' established' : ''}`]];
}
/** OpenCollisionDump: Cease 6/7, into Idle without error wait. */
function dumped(established = false): Row {
  return ['Idle', ['send-notification 6/7', ...STOP, `session-down connection-collision${established ? ' established' : ''}`]];
}
const stays = (s: StateName, ...actions: string[]): Row => [s, actions];
const OPEN_SENT: Row = ['OpenSent', ['stop-timer ConnectRetry', 'send-open', 'start-timer Hold 240000']];
const START_ACTIVE: Row = ['Active', ['stop-timer IdleHold', 'start-timer ConnectRetry 2000']];

const MATRIX: Record<StateName, Record<FsmEventType, Row>> = {
  Idle: {
    ManualStart: START_ACTIVE,
    ManualStop: stays('Idle', 'stop-timer IdleHold'),
    AutomaticStart: START_ACTIVE,
    ConnectRetryTimer_Expires: stays('Idle'),
    HoldTimer_Expires: stays('Idle'),
    KeepaliveTimer_Expires: stays('Idle'),
    IdleHoldTimer_Expires: START_ACTIVE,
    TcpConnection_Valid: stays('Idle', 'refuse-connection'),
    TcpConnection_Invalid: stays('Idle', 'refuse-connection'),
    Tcp_CR_Acked: stays('Idle'),
    TcpConnectionConfirms: stays('Idle'),
    TcpConnectionFails: stays('Idle'),
    BGPOpen: stays('Idle'),
    BGPHeaderErr: stays('Idle'),
    BGPOpenMsgErr: stays('Idle'),
    OpenCollisionDump: stays('Idle'),
    NotifMsgVerErr: stays('Idle'),
    NotifMsg: stays('Idle'),
    KeepAliveMsg: stays('Idle'),
    UpdateMsg: stays('Idle'),
    UpdateMsgErr: stays('Idle'),
    RouteRefresh: stays('Idle'),
  },
  Connect: {
    ManualStart: stays('Connect'),
    ManualStop: stopped(false),
    AutomaticStart: stays('Connect'),
    ConnectRetryTimer_Expires: stays('Connect', 'start-timer ConnectRetry 5000', 'connect'),
    HoldTimer_Expires: fails('notification-sent', '5/0'),
    KeepaliveTimer_Expires: fails('notification-sent', '5/0'),
    IdleHoldTimer_Expires: fails('notification-sent', '5/0'),
    TcpConnection_Valid: stays('Connect', 'accept-connection'),
    TcpConnection_Invalid: stays('Connect', 'refuse-connection'),
    Tcp_CR_Acked: OPEN_SENT,
    TcpConnectionConfirms: ['OpenSent', ['abort-connect', ...OPEN_SENT[1]]],
    TcpConnectionFails: stays('Active'),
    BGPOpen: fails('notification-sent', '5/0'),
    BGPHeaderErr: fails('notification-sent', '1/2'),
    BGPOpenMsgErr: fails('notification-sent', '2/4'),
    OpenCollisionDump: fails('notification-sent', '5/0'),
    NotifMsgVerErr: fails('notification-received'),
    NotifMsg: fails('notification-received'),
    KeepAliveMsg: fails('notification-sent', '5/0'),
    UpdateMsg: fails('notification-sent', '5/0'),
    UpdateMsgErr: fails('notification-sent', '5/0'),
    RouteRefresh: fails('notification-sent', '5/0'),
  },
  Active: {
    ManualStart: stays('Active'),
    ManualStop: stopped(false),
    AutomaticStart: stays('Active'),
    ConnectRetryTimer_Expires: ['Connect', ['start-timer ConnectRetry 5000', 'connect']],
    HoldTimer_Expires: fails('notification-sent', '5/0'),
    KeepaliveTimer_Expires: fails('notification-sent', '5/0'),
    IdleHoldTimer_Expires: fails('notification-sent', '5/0'),
    TcpConnection_Valid: stays('Active', 'accept-connection'),
    TcpConnection_Invalid: stays('Active', 'refuse-connection'),
    Tcp_CR_Acked: OPEN_SENT,
    TcpConnectionConfirms: OPEN_SENT,
    TcpConnectionFails: stays('Active'),
    BGPOpen: fails('notification-sent', '5/0'),
    BGPHeaderErr: fails('notification-sent', '1/2'),
    BGPOpenMsgErr: fails('notification-sent', '2/4'),
    OpenCollisionDump: fails('notification-sent', '5/0'),
    NotifMsgVerErr: fails('notification-received'),
    NotifMsg: fails('notification-received'),
    KeepAliveMsg: fails('notification-sent', '5/0'),
    UpdateMsg: fails('notification-sent', '5/0'),
    UpdateMsgErr: fails('notification-sent', '5/0'),
    RouteRefresh: fails('notification-sent', '5/0'),
  },
  OpenSent: {
    ManualStart: stays('OpenSent'),
    ManualStop: stopped(true),
    AutomaticStart: stays('OpenSent'),
    ConnectRetryTimer_Expires: fails('notification-sent', '5/1'),
    HoldTimer_Expires: fails('hold-timer-expired', '4/0'),
    KeepaliveTimer_Expires: fails('notification-sent', '5/1'),
    IdleHoldTimer_Expires: fails('notification-sent', '5/1'),
    TcpConnection_Valid: stays('OpenSent', 'fork-collision'),
    TcpConnection_Invalid: stays('OpenSent', 'refuse-connection'),
    Tcp_CR_Acked: stays('OpenSent'),
    TcpConnectionConfirms: stays('OpenSent'),
    TcpConnectionFails: ['Active', ['stop-timer Hold', 'close-connection', 'session-down connection-lost', 'start-timer ConnectRetry 5000']],
    BGPOpen: ['OpenConfirm', ['send-keepalive', 'start-timer Keepalive 30000', 'start-timer Hold 90000']],
    BGPHeaderErr: fails('notification-sent', '1/2'),
    BGPOpenMsgErr: fails('notification-sent', '2/4'),
    OpenCollisionDump: dumped(),
    NotifMsgVerErr: fails('notification-received'),
    NotifMsg: fails('notification-received'),
    KeepAliveMsg: fails('notification-sent', '5/1'),
    UpdateMsg: fails('notification-sent', '5/1'),
    UpdateMsgErr: fails('notification-sent', '5/1'),
    RouteRefresh: fails('notification-sent', '5/1'),
  },
  OpenConfirm: {
    ManualStart: stays('OpenConfirm'),
    ManualStop: stopped(true),
    AutomaticStart: stays('OpenConfirm'),
    ConnectRetryTimer_Expires: fails('notification-sent', '5/2'),
    HoldTimer_Expires: fails('hold-timer-expired', '4/0'),
    KeepaliveTimer_Expires: stays('OpenConfirm', 'send-keepalive', 'start-timer Keepalive 30000'),
    IdleHoldTimer_Expires: fails('notification-sent', '5/2'),
    TcpConnection_Valid: stays('OpenConfirm', 'fork-collision'),
    TcpConnection_Invalid: stays('OpenConfirm', 'refuse-connection'),
    Tcp_CR_Acked: stays('OpenConfirm'),
    TcpConnectionConfirms: stays('OpenConfirm'),
    TcpConnectionFails: fails('connection-lost'),
    BGPOpen: fails('notification-sent', '5/2'),
    BGPHeaderErr: fails('notification-sent', '1/2'),
    BGPOpenMsgErr: fails('notification-sent', '2/4'),
    OpenCollisionDump: dumped(),
    NotifMsgVerErr: fails('notification-received'),
    NotifMsg: fails('notification-received'),
    KeepAliveMsg: ['Established', ['start-timer Hold 90000', 'session-established']],
    UpdateMsg: fails('notification-sent', '5/2'),
    UpdateMsgErr: fails('notification-sent', '5/2'),
    RouteRefresh: fails('notification-sent', '5/2'),
  },
  Established: {
    ManualStart: stays('Established'),
    ManualStop: stopped(true, true),
    AutomaticStart: stays('Established'),
    ConnectRetryTimer_Expires: fails('notification-sent', '5/3', true),
    HoldTimer_Expires: fails('hold-timer-expired', '4/0', true),
    KeepaliveTimer_Expires: stays('Established', 'send-keepalive', 'start-timer Keepalive 30000'),
    IdleHoldTimer_Expires: fails('notification-sent', '5/3', true),
    TcpConnection_Valid: stays('Established', 'refuse-connection'),
    TcpConnection_Invalid: stays('Established', 'refuse-connection'),
    Tcp_CR_Acked: stays('Established'),
    TcpConnectionConfirms: stays('Established'),
    // RFC 4724 §4.2: graceful restart is negotiated, so a lost connection keeps the routes.
    TcpConnectionFails: ['Idle', [...STOP, 'session-down connection-lost established retain', 'start-timer IdleHold 5000']],
    BGPOpen: fails('notification-sent', '5/3', true),
    BGPHeaderErr: fails('notification-sent', '1/2', true),
    BGPOpenMsgErr: fails('notification-sent', '2/4', true),
    OpenCollisionDump: dumped(true),
    NotifMsgVerErr: fails('notification-received', undefined, true),
    NotifMsg: fails('notification-received', undefined, true),
    KeepAliveMsg: stays('Established', 'start-timer Hold 90000'),
    UpdateMsg: stays('Established', 'start-timer Hold 90000', 'deliver-update'),
    UpdateMsgErr: fails('notification-sent', '3/1', true),
    RouteRefresh: stays('Established', 'start-timer Hold 90000', 'deliver-route-refresh'),
  },
};

describe('FSM (state, event) matrix (RFC 4271 §8.2.2, RFC 6608)', () => {
  it('covers every event of RFC 4271 §8.1 that petrel implements', () => {
    for (const state of Object.keys(MATRIX) as StateName[]) expect(Object.keys(MATRIX[state]).sort()).toEqual([...FSM_EVENT_TYPES].sort());
  });

  for (const state of Object.keys(MATRIX) as StateName[]) {
    describe(state, () => {
      for (const eventType of FSM_EVENT_TYPES) {
        const [next, actions] = MATRIX[state][eventType];
        it(`${eventType} → ${next}: ${actions.join(', ') || 'nothing'}`, () => {
          const runner = new FsmRunner(CTX, new FakeClock(1_000_000), STATES[state]);
          runner.feed(EVENTS[eventType]);
          expect(runner.name).toBe(next);
          expect(runner.take().map(summarize)).toEqual(actions);
        });
      }
    });
  }
});
