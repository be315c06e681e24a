/** Timers, the keepalive rule, the error-wait backoff, the fake clock, and event mapping. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerError, openError, routeRefreshError, updateError } from '../../src/bgp/errors.js';
import { INITIAL_BACKOFF, recordFailure, type BackoffPolicy } from '../../src/fsm/backoff.js';
import { eventForDecodeError, eventForMessage } from '../../src/fsm/events.js';
import { keepaliveIntervalSec, RealClock, SessionTimers, type TimerName } from '../../src/fsm/timers.js';
import { FakeClock } from '../helpers/fake-clock.js';

describe('keepaliveIntervalSec (RFC 4271 §4.4, §10)', () => {
  it.each([
    [240, undefined, 80],
    [90, undefined, 30],
    [3, undefined, 1],
    [4, undefined, 1],
    [240, 10, 10],
    [240, 100, 80],
    [9, 80, 3],
    [3, 1, 1],
    [240, 0, 1],
    [0, undefined, 0],
    [0, 10, 0],
  ])('hold %i s, configured %s → %i s', (hold, configured, expected) => {
    expect(keepaliveIntervalSec(hold, configured)).toBe(expected);
  });

  it('never exceeds a third of the hold time and never goes below 1 s for any valid hold', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 65535 }), fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }), (hold, configured) => {
        const k = keepaliveIntervalSec(hold, configured);
        return k >= 1 && k <= hold / 3;
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe('recordFailure (error wait time 5,30; error forget time 300)', () => {
  const policy: BackoffPolicy = { minMs: 5000, maxMs: 30_000, forgetMs: 300_000 };

  it('waits 5, 10, 20, 30, 30 s for failures in close succession', () => {
    let s = INITIAL_BACKOFF;
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      s = recordFailure(s, i * 40_000, policy);
      waits.push(s.delayMs);
    }
    expect(waits).toEqual([5000, 10_000, 20_000, 30_000, 30_000]);
  });

  it('starts over at 5 s when the previous failure is at least 300 s old', () => {
    const s = recordFailure(recordFailure(recordFailure(INITIAL_BACKOFF, 0, policy), 10_000, policy), 20_000, policy);
    expect(s.delayMs).toBe(20_000);
    expect(recordFailure(s, 20_000 + 299_999, policy).delayMs).toBe(30_000);
    expect(recordFailure(s, 20_000 + 300_000, policy).delayMs).toBe(5000);
  });
});

describe('SessionTimers on the fake clock', () => {
  function setup(): { clock: FakeClock; timers: SessionTimers; fired: [TimerName, number][] } {
    const clock = new FakeClock();
    const fired: [TimerName, number][] = [];
    const timers = new SessionTimers(clock, (t) => fired.push([t, clock.now()]));
    return { clock, timers, fired };
  }

  it('fires each timer at its due time, in due order', () => {
    const { clock, timers, fired } = setup();
    timers.start('Hold', 3000);
    timers.start('Keepalive', 1000);
    clock.advance(5000);
    expect(fired).toEqual([
      ['Keepalive', 1000],
      ['Hold', 3000],
    ]);
    expect(timers.isRunning('Hold')).toBe(false);
  });

  it('restarts a running timer when started again, and never fires a stopped one', () => {
    const { clock, timers, fired } = setup();
    timers.start('Hold', 3000);
    clock.advance(2000);
    timers.start('Hold', 3000);
    expect(timers.remainingMs('Hold')).toBe(3000);
    clock.advance(2999);
    expect(fired).toEqual([]);
    timers.start('ConnectRetry', 10);
    timers.stopAll();
    clock.advance(60_000);
    expect(fired).toEqual([]);
    expect(clock.pending).toBe(0);
    expect(timers.remainingMs('Hold')).toBeUndefined();
  });

  it('restarted later by every message, keeps one clock callback and fires at the last due time', () => {
    const { clock, timers, fired } = setup();
    timers.start('Hold', 3000);
    for (let t = 0; t < 100; t++) {
      clock.advance(50);
      timers.start('Hold', 3000);
      expect(clock.pending).toBe(1);
    }
    // Last restart at 5000: due at 8000, though the first callback was armed for 3000.
    clock.advance(2999);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([['Hold', 8000]]);
    expect(clock.pending).toBe(0);
  });

  it('re-arms at once when restarted to fire sooner (a shorter negotiated hold time)', () => {
    const { clock, timers, fired } = setup();
    timers.start('Hold', 240_000);
    timers.start('Hold', 90_000);
    expect(clock.pending).toBe(1);
    clock.advance(90_000);
    expect(fired).toEqual([['Hold', 90_000]]);
  });

  it('fires a timer the callback of another one started, within the same advance', () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    clock.setTimer(1000, () => clock.setTimer(500, () => seen.push(clock.now())));
    clock.advance(2000);
    expect(seen).toEqual([1500]);
    expect(clock.now()).toBe(2000);
  });
});

describe('RealClock', () => {
  it('runs a timer and never one that was cleared', async () => {
    const clock = new RealClock();
    const fired: string[] = [];
    const cleared = clock.setTimer(1, () => fired.push('cleared'));
    clock.clearTimer(cleared);
    await new Promise<void>((resolve) => clock.setTimer(5, () => resolve()));
    expect(fired).toEqual([]);
    expect(clock.now()).toBeGreaterThan(0);
  });
});

describe('events from decoded messages and decode errors (RFC 4271 §8.1.5)', () => {
  it('maps each message type to its event', () => {
    expect(eventForMessage({ type: 'keepalive' }).type).toBe('KeepAliveMsg');
    expect(eventForMessage({ type: 'update', withdrawn: [], attributes: [], nlri: [] }).type).toBe('UpdateMsg');
    expect(eventForMessage({ type: 'route-refresh', afi: 1, safi: 1, subtype: 'normal' }).type).toBe('RouteRefresh');
    expect(eventForMessage({ type: 'open', version: 4, myAs: 1, holdTimeSec: 90, bgpId: '1.1.1.1', capabilities: [] }).type).toBe('BGPOpen');
  });

  it('tells a version NOTIFICATION (2/1) from any other', () => {
    const n = (code: number, subcode: number) => ({ type: 'notification', code, subcode, data: new Uint8Array(0) }) as const;
    expect(eventForMessage(n(2, 1)).type).toBe('NotifMsgVerErr');
    expect(eventForMessage(n(2, 2)).type).toBe('NotifMsg');
    expect(eventForMessage(n(6, 1)).type).toBe('NotifMsg');
  });

  it('maps errors by NOTIFICATION code', () => {
    expect(eventForDecodeError(headerError(1, 'h', 'h')).type).toBe('BGPHeaderErr');
    expect(eventForDecodeError(openError(4, 'o', 'o')).type).toBe('BGPOpenMsgErr');
    expect(eventForDecodeError(updateError(1, 'u', 'u')).type).toBe('UpdateMsgErr');
    expect(eventForDecodeError(routeRefreshError(1, 'r', 'r')).type).toBe('BGPHeaderErr');
  });
});
