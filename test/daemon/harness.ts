// Builds speakers on an in-memory network for pipeline tests, with timers the test fires by hand.
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { RouteSink } from '../../src/daemon/route-sink.js';
import { Speaker, type CancelTimer, type Timers } from '../../src/daemon/speaker.js';
import { silentLogger } from '../../src/log.js';
import { MemoryNetwork } from './memory-session.js';

export function config(yaml: string): Config {
  const result = parseConfig(yaml, 'test.yaml', { env: {}, readFile: () => '' });
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return result.config;
}

/** Timers that fire only when the test says so. */
export class ManualTimers implements Timers {
  #now = 0;
  #timers: { at: number; fn: () => void; live: boolean }[] = [];

  after(ms: number, fn: () => void): CancelTimer {
    const t = { at: this.#now + ms, fn, live: true };
    this.#timers.push(t);
    return () => {
      t.live = false;
    };
  }

  get pending(): number {
    return this.#timers.filter((t) => t.live).length;
  }

  advance(ms: number): void {
    this.#now += ms;
    const due = this.#timers.filter((t) => t.live && t.at <= this.#now);
    this.#timers = this.#timers.filter((t) => t.live && t.at > this.#now);
    for (const t of due) {
      t.live = false;
      t.fn();
    }
  }
}

/** Lets deliveries and flushes run: event-loop turns until `done()` holds (at most `turns`). */
export async function until(done: () => boolean, turns = 2000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (done()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (!done()) throw new Error('condition not reached');
}

/** A few event-loop turns: enough for queued deliveries and flushes to run to quiescence. */
export async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export interface TestSpeaker {
  readonly speaker: Speaker;
  readonly timers: ManualTimers;
}

export async function startSpeaker(
  network: MemoryNetwork,
  localAddress: string,
  yaml: string,
  options: { maxPrefixRestartMs?: number; routeSink?: RouteSink; slowMemberMs?: number; now?: () => number } = {},
): Promise<TestSpeaker> {
  const timers = new ManualTimers();
  const speaker = new Speaker({
    config: config(yaml),
    backend: network.backend(localAddress),
    logger: silentLogger(),
    timers,
    ...(options.maxPrefixRestartMs !== undefined ? { maxPrefixRestartMs: options.maxPrefixRestartMs } : {}),
    ...(options.routeSink !== undefined ? { routeSink: options.routeSink } : {}),
    ...(options.slowMemberMs !== undefined ? { slowMemberMs: options.slowMemberMs } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  });
  await speaker.start();
  return { speaker, timers };
}

export { MemoryNetwork };
