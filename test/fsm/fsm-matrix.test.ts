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
    AutomaticStop: stays('Idle'),
    ConnectRetryTimer_Expires: stays('Idle'),
    HoldTimer_Expires: stays('Idle'),
    KeepaliveTimer_Expires: stays('Idle'),
    IdleHoldTimer_Expires: START_ACTIVE,
    DelayOpenTimer_Expires: stays('Idle'),
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
    AutomaticStop: fails('automatic-stop', '6/10'),
    ConnectRetryTimer_Expires: stays('Connect', 'start-timer ConnectRetry 5000', 'connect'),
    HoldTimer_Expires: fails('notification-sent', '5/0'),
    KeepaliveTimer_Expires: fails('notification-sent', '5/0'),
    IdleHoldTimer_Expires: fails('notification-sent', '5/0'),
    DelayOpenTimer_Expires: fails('notification-sent', '5/0'),
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
    AutomaticStop: fails('automatic-stop', '6/10'),
    ConnectRetryTimer_Expires: ['Connect', ['start-timer ConnectRetry 5000', 'connect']],
    HoldTimer_Expires: fails('notification-sent', '5/0'),
    KeepaliveTimer_Expires: fails('notification-sent', '5/0'),
    IdleHoldTimer_Expires: fails('notification-sent', '5/0'),
    DelayOpenTimer_Expires: fails('notification-sent', '5/0'),
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
    AutomaticStop: fails('automatic-stop', '6/10'),
    ConnectRetryTimer_Expires: fails('notification-sent', '5/1'),
    HoldTimer_Expires: fails('hold-timer-expired', '4/0'),
    KeepaliveTimer_Expires: fails('notification-sent', '5/1'),
    IdleHoldTimer_Expires: fails('notification-sent', '5/1'),
    DelayOpenTimer_Expires: fails('notification-sent', '5/1'),
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
    AutomaticStop: fails('automatic-stop', '6/10'),
    ConnectRetryTimer_Expires: fails('notification-sent', '5/2'),
    HoldTimer_Expires: fails('hold-timer-expired', '4/0'),
    KeepaliveTimer_Expires: stays('OpenConfirm', 'send-keepalive', 'start-timer Keepalive 30000'),
    IdleHoldTimer_Expires: fails('notification-sent', '5/2'),
    DelayOpenTimer_Expires: fails('notification-sent', '5/2'),
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
    AutomaticStop: fails('automatic-stop', '6/10', true),
    ConnectRetryTimer_Expires: fails('notification-sent', '5/3', true),
    HoldTimer_Expires: fails('hold-timer-expired', '4/0', true),
    KeepaliveTimer_Expires: stays('Established', 'send-keepalive', 'start-timer Keepalive 30000'),
    IdleHoldTimer_Expires: fails('notification-sent', '5/3', true),
    DelayOpenTimer_Expires: fails('notification-sent', '5/3', true),
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

/** DelayOpen on (RFC 4271 §8.1.1, DelayOpenTime 10 s). */
const DELAY_CTX = { ...CTX, config: { ...CTX.config, delayOpenSec: 10 } };
const WAIT_FOR_OPEN = ['stop-timer ConnectRetry', 'start-timer DelayOpen 10000'];

/** A row out of a state waiting with DelayOpen: the DelayOpenTimer stops right after any NOTIFICATION. */
function whileDelayed([next, actions]: Row): Row {
  const at = actions[0]?.startsWith('send-notification') ? 1 : 0;
  return [next, [...actions.slice(0, at), 'stop-timer DelayOpen', ...actions.slice(at)]];
}
const LOST_WHILE_DELAYED: Row = ['Active', ['stop-timer DelayOpen', 'close-connection', 'session-down connection-lost', 'start-timer ConnectRetry 5000']];

/** Connect and Active with a connection up and the DelayOpenTimer running: every event. */
function delayedRows(state: 'Connect' | 'Active'): Record<FsmEventType, Row> {
  return {
    ManualStart: stays(state),
    ManualStop: whileDelayed(stopped(false)),
    AutomaticStart: stays(state),
    AutomaticStop: whileDelayed(fails('automatic-stop', '6/10')),
    ConnectRetryTimer_Expires: stays(state),
    HoldTimer_Expires: whileDelayed(fails('notification-sent', '5/0')),
    KeepaliveTimer_Expires: whileDelayed(fails('notification-sent', '5/0')),
    IdleHoldTimer_Expires: whileDelayed(fails('notification-sent', '5/0')),
    DelayOpenTimer_Expires: OPEN_SENT,
    TcpConnection_Valid: stays(state, 'fork-collision'),
    TcpConnection_Invalid: stays(state, 'refuse-connection'),
    Tcp_CR_Acked: stays(state),
    TcpConnectionConfirms: stays(state),
    TcpConnectionFails: LOST_WHILE_DELAYED,
    BGPOpen: [
      'OpenConfirm',
      ['stop-timer ConnectRetry', 'stop-timer DelayOpen', 'send-open', 'send-keepalive', 'start-timer Keepalive 30000', 'start-timer Hold 90000'],
    ],
    BGPHeaderErr: whileDelayed(fails('notification-sent', '1/2')),
    BGPOpenMsgErr: whileDelayed(fails('notification-sent', '2/4')),
    OpenCollisionDump: whileDelayed(fails('notification-sent', '5/0')),
    NotifMsgVerErr: whileDelayed(fails('notification-received')),
    NotifMsg: whileDelayed(fails('notification-received')),
    KeepAliveMsg: whileDelayed(fails('notification-sent', '5/0')),
    UpdateMsg: whileDelayed(fails('notification-sent', '5/0')),
    UpdateMsgErr: whileDelayed(fails('notification-sent', '5/0')),
    RouteRefresh: whileDelayed(fails('notification-sent', '5/0')),
  };
}

describe('FSM with DelayOpen (RFC 4271 §8.1.1, §8.2.2 Connect and Active)', () => {
  const connectEntry: [string, FsmState, FsmEventType, Row][] = [
    ['Connect', STATES.Connect, 'Tcp_CR_Acked', ['Connect', WAIT_FOR_OPEN]],
    ['Connect', STATES.Connect, 'TcpConnectionConfirms', ['Connect', ['abort-connect', ...WAIT_FOR_OPEN]]],
    ['Active', STATES.Active, 'Tcp_CR_Acked', ['Active', WAIT_FOR_OPEN]],
    ['Active', STATES.Active, 'TcpConnectionConfirms', ['Active', WAIT_FOR_OPEN]],
  ];
  for (const [name, state, eventType, [next, actions]] of connectEntry) {
    it(`${name} + ${eventType} waits for the peer's OPEN: ${actions.join(', ')}`, () => {
      const runner = new FsmRunner(DELAY_CTX, new FakeClock(1_000_000), state);
      runner.feed(EVENTS[eventType]);
      expect(runner.name).toBe(next);
      expect(runner.state).toMatchObject({ openDelayed: true });
      expect(runner.take().map(summarize)).toEqual(actions);
    });
  }

  for (const state of ['Connect', 'Active'] as const) {
    describe(`${state}, OPEN delayed`, () => {
      const rows = delayedRows(state);
      it('covers every event', () => expect(Object.keys(rows).sort()).toEqual([...FSM_EVENT_TYPES].sort()));
      for (const eventType of FSM_EVENT_TYPES) {
        const [next, actions] = rows[eventType];
        it(`${eventType} → ${next}: ${actions.join(', ') || 'nothing'}`, () => {
          const from: FsmState = { ...vars, connectRetryCounter: 2, name: state, openDelayed: true };
          const runner = new FsmRunner(DELAY_CTX, new FakeClock(1_000_000), from);
          runner.feed(EVENTS[eventType]);
          expect(runner.name).toBe(next);
          expect(runner.take().map(summarize)).toEqual(actions);
          // RFC 4271 §8.2.2: a lost connection counts as a failed attempt in Active, not in Connect.
          if (eventType === 'TcpConnectionFails') expect(runner.state.connectRetryCounter).toBe(state === 'Active' ? 3 : 2);
          // Still waiting, but for a lost connection: that one listens again, with nothing to wait for.
          if (next === state) expect('openDelayed' in runner.state).toBe(eventType !== 'TcpConnectionFails');
        });
      }
    });
  }

  it('without DelayOpen a state never waits: the same events send OPEN at once', () => {
    const runner = new FsmRunner(CTX, new FakeClock(1_000_000), STATES.Active);
    runner.feed(EVENTS.TcpConnectionConfirms);
    expect(runner.name).toBe('OpenSent');
  });
});

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
