/**
 * Session timers (RFC 4271 §10): the injected `Clock`, the real one, `SessionTimers` (one
 * session's named timers on a clock, which is all an effects runner needs to execute the FSM's
 * start/stop actions), and the keepalive interval rule.
 */
import type { FsmEvent } from './states.js';

/** Opaque id of a scheduled callback. */
export type TimerHandle = number;

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimer(delayMs: number, callback: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** The process clock: monotonic `performance.now()` and `setTimeout`. */
export class RealClock implements Clock {
  private readonly pending = new Map<TimerHandle, NodeJS.Timeout>();
  private nextHandle = 1;

  now(): number {
    return performance.now();
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const handle = this.nextHandle++;
    const timeout = setTimeout(() => {
      this.pending.delete(handle);
      callback();
    }, delayMs);
    this.pending.set(handle, timeout);
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    const timeout = this.pending.get(handle);
    if (timeout === undefined) return;
    clearTimeout(timeout);
    this.pending.delete(handle);
  }
}

/** RFC 4271 §8 timer names, with the optional IdleHold (error-wait backoff) and DelayOpen (§8.1.1). */
export const TimerName = {
  CONNECT_RETRY: 'ConnectRetry',
  HOLD: 'Hold',
  KEEPALIVE: 'Keepalive',
  IDLE_HOLD: 'IdleHold',
  DELAY_OPEN: 'DelayOpen',
} as const;
export type TimerName = (typeof TimerName)[keyof typeof TimerName];

/** The event each timer raises when it fires: `new SessionTimers(clock, (t) => feed(TIMER_EVENT[t]))`. */
export const TIMER_EVENT: Readonly<Record<TimerName, FsmEvent>> = {
  ConnectRetry: { type: 'ConnectRetryTimer_Expires' },
  Hold: { type: 'HoldTimer_Expires' },
  Keepalive: { type: 'KeepaliveTimer_Expires' },
  IdleHold: { type: 'IdleHoldTimer_Expires' },
  DelayOpen: { type: 'DelayOpenTimer_Expires' },
};

/** A running timer: when it is due, and the clock callback armed for it (which may fire earlier). */
interface RunningTimer {
  dueMs: number;
  handle: TimerHandle;
  armedMs: number;
}

/**
 * One session's timers. Starting a running timer restarts it. A stopped timer never fires, even
 * if the clock had already queued it, so the FSM never sees a stale expiry.
 *
 * A restart that only pushes the due time later (the hold timer, restarted by every message
 * received, RFC 4271 §8.2.2) moves `dueMs` and leaves the clock's callback armed: when that
 * fires early it arms again for the rest. A session receiving thousands of UPDATEs a second
 * then costs the clock a callback per hold period, not a cancel and a schedule per message.
 */
export class SessionTimers {
  private readonly running = new Map<TimerName, RunningTimer>();

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (timer: TimerName) => void,
  ) {}

  start(timer: TimerName, delayMs: number): void {
    const dueMs = this.clock.now() + delayMs;
    const entry = this.running.get(timer);
    if (entry !== undefined && dueMs >= entry.armedMs) {
      entry.dueMs = dueMs;
      return;
    }
    this.stop(timer);
    const fresh: RunningTimer = { dueMs, handle: 0, armedMs: dueMs };
    this.#arm(timer, fresh, delayMs);
    this.running.set(timer, fresh);
  }

  #arm(timer: TimerName, entry: RunningTimer, delayMs: number): void {
    entry.armedMs = entry.dueMs;
    entry.handle = this.clock.setTimer(delayMs, () => {
      if (this.running.get(timer) !== entry) return;
      const left = entry.dueMs - this.clock.now();
      // Restarted since it was armed: not due yet.
      if (left > 0) {
        this.#arm(timer, entry, left);
        return;
      }
      this.running.delete(timer);
      this.onExpire(timer);
    });
  }

  stop(timer: TimerName): void {
    const entry = this.running.get(timer);
    if (entry === undefined) return;
    this.clock.clearTimer(entry.handle);
    this.running.delete(timer);
  }

  stopAll(): void {
    for (const timer of [...this.running.keys()]) this.stop(timer);
  }

  isRunning(timer: TimerName): boolean {
    return this.running.has(timer);
  }

  /** Milliseconds until `timer` fires, for `show peers`; undefined when it is not running. */
  remainingMs(timer: TimerName): number | undefined {
    const entry = this.running.get(timer);
    return entry === undefined ? undefined : Math.max(0, entry.dueMs - this.clock.now());
  }
}

/**
 * Seconds between KEEPALIVEs for a negotiated hold time. Hold 0 disables keepalives (RFC 4271
 * §4.4). Otherwise the configured value, or hold/3 (§10's suggestion), clamped to at most
 * hold/3 — §4.4 calls one third of the hold time a reasonable maximum, and a peer may have
 * negotiated the hold far below ours, where our configured keepalive would let it expire — and
 * to at least 1 s (§4.4: not more often than once per second).
 */
export function keepaliveIntervalSec(holdTimeSec: number, configuredSec?: number): number {
  if (holdTimeSec === 0) return 0;
  const third = Math.floor(holdTimeSec / 3);
  return Math.max(1, Math.min(configuredSec ?? third, third));
}
