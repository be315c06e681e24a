/**
 * A deterministic `Clock` for tests: time moves only when `advance` is called, and due timers
 * fire in due-time order (ties in scheduling order), each with `now()` set to its due time.
 * Timers scheduled by a callback fire in the same `advance` if they fall due within it.
 */
import type { Clock, TimerHandle } from '../../src/fsm/timers.js';

interface Scheduled {
  readonly handle: TimerHandle;
  readonly dueMs: number;
  readonly callback: () => void;
}

export class FakeClock implements Clock {
  private nowMs: number;
  private nextHandle = 1;
  private readonly timers = new Map<TimerHandle, Scheduled>();

  constructor(startMs = 0) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const handle = this.nextHandle++;
    this.timers.set(handle, { handle, dueMs: this.nowMs + Math.max(0, delayMs), callback });
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle);
  }

  /** Number of timers still scheduled. */
  get pending(): number {
    return this.timers.size;
  }

  /** Move time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      let next: Scheduled | undefined;
      for (const t of this.timers.values()) {
        if (t.dueMs <= target && (next === undefined || t.dueMs < next.dueMs || (t.dueMs === next.dueMs && t.handle < next.handle))) next = t;
      }
      if (next === undefined) break;
      this.timers.delete(next.handle);
      this.nowMs = next.dueMs;
      next.callback();
    }
    this.nowMs = target;
  }
}
