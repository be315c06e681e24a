/**
 * A tiny effects runner for FSM tests: applies the timer actions of each transition to a
 * `FakeClock` (so timer expiries come back as events, as in the real runner), and records every
 * action for assertions. Sockets are not modelled: tests feed the TCP and message events.
 */
import type { FsmAction } from '../../src/fsm/actions.js';
import { transition, type FsmContext } from '../../src/fsm/fsm.js';
import { initialState, type FsmEvent, type FsmState, type StateName } from '../../src/fsm/states.js';
import { SessionTimers, TIMER_EVENT, type TimerName } from '../../src/fsm/timers.js';
import { FakeClock } from './fake-clock.js';

export class FsmRunner {
  state: FsmState;
  readonly timers: SessionTimers;
  /** Every action applied since the last `take()`. */
  private log: FsmAction[] = [];

  constructor(
    private readonly ctx: Omit<FsmContext, 'nowMs'>,
    readonly clock: FakeClock = new FakeClock(),
    state: FsmState = initialState(),
  ) {
    this.state = state;
    this.timers = new SessionTimers(clock, (timer) => this.feed(TIMER_EVENT[timer]));
  }

  get name(): StateName {
    return this.state.name;
  }

  feed(event: FsmEvent): readonly FsmAction[] {
    const { next, actions } = transition(this.state, event, { ...this.ctx, nowMs: this.clock.now() });
    this.state = next;
    for (const a of actions) this.apply(a);
    return actions;
  }

  advance(ms: number): void {
    this.clock.advance(ms);
  }

  running(timer: TimerName): boolean {
    return this.timers.isRunning(timer);
  }

  /** The actions recorded since the previous call. */
  take(): FsmAction[] {
    const out = this.log;
    this.log = [];
    return out;
  }

  /** What was sent since the previous `take()`, as `open`, `keepalive`, `notification 4/0`; clears the log. */
  takeSent(): string[] {
    return this.take().flatMap((a) =>
      a.type === 'send-open' ? ['open'] : a.type === 'send-keepalive' ? ['keepalive'] : a.type === 'send-notification' ? [`notification ${a.error.code}/${a.error.subcode}`] : [],
    );
  }

  private apply(a: FsmAction): void {
    this.log.push(a);
    if (a.type === 'start-timer') this.timers.start(a.timer, a.ms);
    else if (a.type === 'stop-timer') this.timers.stop(a.timer);
  }
}

/** One line per action, for table assertions. */
export function summarize(a: FsmAction): string {
  switch (a.type) {
    case 'send-notification':
      return `send-notification ${a.error.code}/${a.error.subcode}`;
    case 'start-timer':
      return `start-timer ${a.timer} ${a.ms}`;
    case 'stop-timer':
      return `stop-timer ${a.timer}`;
    case 'session-down':
      return `session-down ${a.reason}${a.wasEstablished ? ' established' : ''}${a.retainRoutes ? ' retain' : ''}`;
    default:
      return a.type;
  }
}
