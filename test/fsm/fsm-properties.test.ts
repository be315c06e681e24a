/**
 * Properties over random event sequences with time passing between them: whatever happens, the
 * timers that run are the ones the state calls for, so a runner built on `SessionTimers` never
 * sees a timer the state cannot handle, and an operator's stop is never undone automatically.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FsmEvent, StateName } from '../../src/fsm/states.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FsmRunner } from '../helpers/fsm-runner.js';
import { CONFIG, CTX, EVENTS, peerOpen } from './fixtures.js';

// Peers-sent events as a runner would deliver them; timer expiries come from the clock itself.
const DELIVERED: FsmEvent[] = [
  ...Object.values(EVENTS).filter((e) => !e.type.endsWith('_Expires')),
  { type: 'BGPOpen', open: peerOpen({ holdTimeSec: 0 }) },
  { type: 'BGPOpen', open: peerOpen({ holdTimeSec: 3 }) },
];

/** What a well-behaved peer and network do next in each state, so sequences reach Established. */
const PROGRESS: Record<StateName, FsmEvent> = {
  Idle: { type: 'ManualStart' },
  Connect: { type: 'Tcp_CR_Acked' },
  Active: { type: 'TcpConnectionConfirms' },
  OpenSent: EVENTS.BGPOpen,
  OpenConfirm: { type: 'KeepAliveMsg' },
  Established: EVENTS.UpdateMsg,
};

type Step = { readonly event: FsmEvent } | { readonly advanceMs: number } | 'progress';
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.constant('progress' as const), weight: 3 },
  { arbitrary: fc.constantFrom(...DELIVERED).map((event) => ({ event })), weight: 1 },
  { arbitrary: fc.integer({ min: 0, max: 100_000 }).map((advanceMs) => ({ advanceMs })), weight: 1 },
);

function run(r: FsmRunner, st: Step): void {
  if (st === 'progress') r.feed(PROGRESS[r.name]);
  else if ('event' in st) r.feed(st.event);
  else r.advance(st.advanceMs);
}

function checkTimers(r: FsmRunner, passive: boolean): void {
  const s = r.state;
  const running = (['ConnectRetry', 'Hold', 'Keepalive', 'IdleHold'] as const).filter((t) => r.running(t));
  switch (s.name) {
    case 'Idle':
      expect(running.filter((t) => t !== 'IdleHold')).toEqual([]);
      if (s.stopped) expect(running).toEqual([]);
      break;
    case 'Connect':
      expect(running).toEqual(['ConnectRetry']);
      break;
    case 'Active':
      expect(running).toEqual(passive ? [] : ['ConnectRetry']);
      break;
    case 'OpenSent':
      expect(running).toEqual(['Hold']);
      break;
    case 'OpenConfirm':
    case 'Established':
      expect(running).toEqual(s.negotiated.holdTimeSec === 0 ? [] : ['Hold', 'Keepalive']);
      break;
  }
}

describe('FSM properties over random event sequences', () => {
  for (const passive of [false, true]) {
    it(`runs exactly the timers its state needs (${passive ? 'passive' : 'active'} peer)`, () => {
      const visited = new Set<StateName>();
      fc.assert(
        fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
          const r = new FsmRunner({ ...CTX, config: { ...CONFIG, passive } }, new FakeClock());
          r.feed({ type: 'ManualStart' });
          for (const st of steps) {
            run(r, st);
            checkTimers(r, passive);
            visited.add(r.name);
          }
        }),
        { seed: 42, numRuns: 300 },
      );
      // The sequences must exercise every state for the property to mean anything.
      expect([...visited].sort()).toEqual(passive ? ['Active', 'Established', 'Idle', 'OpenConfirm', 'OpenSent'] : ['Active', 'Connect', 'Established', 'Idle', 'OpenConfirm', 'OpenSent']);
    });
  }

  it('stays down after ManualStop until ManualStart, whatever else arrives', () => {
    const others = DELIVERED.filter((e) => e.type !== 'ManualStart');
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...others), fc.constant(undefined)), { maxLength: 40 }), (events) => {
        const r = new FsmRunner(CTX, new FakeClock());
        r.feed({ type: 'ManualStart' });
        r.feed({ type: 'ManualStop' });
        for (const e of events) {
          if (e) r.feed(e);
          else r.advance(60_000);
          expect(r.name).toBe('Idle');
        }
        expect(r.clock.pending).toBe(0);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
