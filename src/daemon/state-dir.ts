/**
 * The restart marker in `stateDir`: how petrel knows at start whether it is coming back from a
 * restart its peers are still covering for (RFC 4724 §4.1: say so with the Restart State bit, and
 * the peers keep our routes as stale until our End-of-RIB) or starting cold (no R bit, so no
 * peer waits on routes of ours that nobody is holding).
 *
 * While running, `<stateDir>/running` holds the pid and start time; a clean stop replaces it with
 * `<stateDir>/stopped` holding the stop time. At the next start a `running` left behind means the
 * last run crashed (or was killed), and peers are holding its routes now; a `stopped` younger
 * than the restart time means they may still be. The files are written whole (temp file, then
 * rename), and `stopped` is written before `running` goes, so a crash in between still reads as a
 * clean stop rather than a cold start.
 *
 * The marker is a convenience, never a reason not to route: a state folder that cannot be
 * written is logged once and petrel behaves as it did before markers (R bit at every start).
 */
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';

export const RUNNING_MARKER = 'running';
export const STOPPED_MARKER = 'stopped';
export const STATE_DIR_MODE = 0o750;

/** What the markers say about the run before this one. */
export type PreviousRun =
  /** No marker: the first start on this host, or the folder was cleared. */
  | { readonly kind: 'none' }
  /** `running` left behind: the process ended without a clean stop. */
  | { readonly kind: 'crashed'; readonly pid?: number; readonly startedAt?: Date }
  /**
   * A clean stop; `restartTimes`: the Restart Time (RFC 4724 §3) it last advertised to each peer,
   * by address, when the marker recorded them.
   */
  | { readonly kind: 'stopped'; readonly stoppedAt: Date; readonly restartTimes?: Readonly<Record<string, number>> }
  /** The markers could not be read (or make no sense): assume a restart, as before markers. */
  | { readonly kind: 'unknown'; readonly reason: string };

/**
 * Whether petrel says it is restarting (R bit) to a peer to which it advertises `restartTimeSec`;
 * `peerAddress` finds the time the previous run told that peer, which is what bounds how long the
 * peer holds our routes.
 */
export type RestartPolicy = (restartTimeSec: number, peerAddress?: string) => boolean;

/** The policy of a process started at `startedAt` after `previous`. */
export function restartPolicy(previous: PreviousRun, startedAt: Date): RestartPolicy {
  return (restartTimeSec, peerAddress) => comesBackRestarting(previous, startedAt, restartTimeSec, peerAddress);
}

/**
 * Whether petrel comes back restarting towards a peer to which it advertises `restartTimeSec`:
 * after a crash or an unknown past, yes; after a clean stop, only while a peer may still hold
 * our routes (RFC 4724 §4.2: a peer keeps them at most the Restart Time we advertised). That is
 * the time the stopped run advertised to `peerAddress` when its marker says, not this run's (a
 * config changed between the two runs); the current one otherwise.
 */
export function comesBackRestarting(previous: PreviousRun, startedAt: Date, restartTimeSec: number, peerAddress?: string): boolean {
  switch (previous.kind) {
    case 'none':
      return false;
    case 'crashed':
    case 'unknown':
      return true;
    case 'stopped': {
      const told = peerAddress === undefined ? undefined : previous.restartTimes?.[peerAddress];
      return startedAt.getTime() - previous.stoppedAt.getTime() < (told ?? restartTimeSec) * 1000;
    }
  }
}

/** Reads a marker's JSON; undefined when absent, an Error when unreadable or garbled. */
function readMarker(file: string): Record<string, unknown> | undefined | Error {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    return err instanceof Error ? err : new Error(String(err));
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below as garbled.
  }
  return new Error(`${file} is not a petrel marker`);
}

function dateAt(marker: Record<string, unknown>, key: string): Date | undefined {
  const value = marker[key];
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The previous run as the marker contents tell it (pure: the decision's input). */
export function previousRunFrom(running: Record<string, unknown> | undefined | Error, stopped: Record<string, unknown> | undefined | Error): PreviousRun {
  if (running instanceof Error) return { kind: 'unknown', reason: running.message };
  if (stopped instanceof Error) return running === undefined ? { kind: 'unknown', reason: stopped.message } : crashed(running);
  const stoppedAt = stopped === undefined ? undefined : dateAt(stopped, 'stoppedAt');
  if (stopped !== undefined && stoppedAt === undefined) return running === undefined ? { kind: 'unknown', reason: 'the stopped marker has no stop time' } : crashed(running);
  if (running === undefined) return stopped === undefined || stoppedAt === undefined ? { kind: 'none' } : stoppedRun(stoppedAt, stopped);
  // Both: a stop that ended before `running` could go is a clean stop of that run.
  const startedAt = dateAt(running, 'startedAt');
  if (stopped !== undefined && stoppedAt !== undefined && startedAt !== undefined && stoppedAt.getTime() >= startedAt.getTime()) return stoppedRun(stoppedAt, stopped);
  return crashed(running);
}

/** The marker's `restartTimes`: each peer address's advertised Restart Time (0–4095 s, RFC 4724 §3); others ignored. */
function restartTimesAt(marker: Record<string, unknown>): Readonly<Record<string, number>> | undefined {
  const value = marker['restartTimes'];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, number> = {};
  for (const [address, sec] of Object.entries(value as Record<string, unknown>)) {
    if (typeof sec === 'number' && Number.isInteger(sec) && sec >= 0 && sec <= 4095) out[address] = sec;
  }
  return out;
}

function stoppedRun(stoppedAt: Date, stopped: Record<string, unknown>): PreviousRun {
  const restartTimes = restartTimesAt(stopped);
  return { kind: 'stopped', stoppedAt, ...(restartTimes !== undefined ? { restartTimes } : {}) };
}

function crashed(running: Record<string, unknown>): PreviousRun {
  const pid = running['pid'];
  const startedAt = dateAt(running, 'startedAt');
  return { kind: 'crashed', ...(typeof pid === 'number' ? { pid } : {}), ...(startedAt ? { startedAt } : {}) };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The markers of one `stateDir`, read at start, written at start and at a clean stop. */
export class StateDir {
  readonly dir: string;
  readonly previous: PreviousRun;
  readonly #log: Logger;
  /** A failed write was logged: later ones stay quiet (one warning per run). */
  #warned = false;

  private constructor(dir: string, previous: PreviousRun, log: Logger) {
    this.dir = dir;
    this.previous = previous;
    this.#log = log;
  }

  /** Reads what the last run left (creating the folder, mode 0750, when missing). */
  static open(dir: string, log: Logger): StateDir {
    try {
      mkdirSync(dir, { recursive: true, mode: STATE_DIR_MODE });
    } catch (err) {
      const state = new StateDir(dir, { kind: 'unknown', reason: describe(err) }, log);
      state.#warn(err);
      return state;
    }
    const previous = previousRunFrom(readMarker(path.join(dir, RUNNING_MARKER)), readMarker(path.join(dir, STOPPED_MARKER)));
    return new StateDir(dir, previous, log);
  }

  /**
   * This process is running: `running` with pid and start time; the old `stopped` goes. Returns
   * the previous run to decide from: `unknown` when the marker cannot be written, since the next
   * start could not tell this run's crash from a cold start either.
   */
  markRunning(startedAt: Date, pid = process.pid): PreviousRun {
    const written = this.#attempt(() => {
      this.#write(RUNNING_MARKER, { pid, startedAt: startedAt.toISOString() });
      unlinkIfPresent(path.join(this.dir, STOPPED_MARKER));
    });
    return written ? this.previous : { kind: 'unknown', reason: `${this.dir} is not writable` };
  }

  /**
   * A clean stop: `stopped` with the stop time, and the Restart Time advertised to each peer
   * (`restartTimes`, by address), replaces `running`.
   */
  markStopped(stoppedAt: Date, restartTimes?: Readonly<Record<string, number>>): void {
    this.#attempt(() => {
      this.#write(STOPPED_MARKER, { stoppedAt: stoppedAt.toISOString(), ...(restartTimes !== undefined ? { restartTimes } : {}) });
      unlinkIfPresent(path.join(this.dir, RUNNING_MARKER));
    });
  }

  /**
   * Starting failed after `markRunning`: the markers go back to what the previous run left, so
   * a failed attempt neither fakes a crash nor hides one. A crash stays a crash (`running`).
   */
  markStartFailed(): void {
    const previous = this.previous;
    if (previous.kind === 'crashed' || previous.kind === 'unknown') return;
    // The previous clean stop, written again as it was.
    if (previous.kind === 'stopped') this.markStopped(previous.stoppedAt, previous.restartTimes);
    else this.#attempt(() => unlinkIfPresent(path.join(this.dir, RUNNING_MARKER)));
  }

  #write(name: string, content: Record<string, unknown>): void {
    const file = path.join(this.dir, name);
    const temp = `${file}.tmp`;
    writeFileSync(temp, `${JSON.stringify(content)}\n`, { mode: 0o640 });
    renameSync(temp, file);
  }

  #attempt(write: () => void): boolean {
    try {
      write();
      return true;
    } catch (err) {
      this.#warn(err);
      return false;
    }
  }

  #warn(err: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    this.#log.warn(
      { stateDir: this.dir, err },
      `stateDir ${this.dir} cannot be used (${describe(err)}): every start is treated as a graceful restart (R bit in the first OPEN)`,
    );
  }
}

function unlinkIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'ENOENT')) throw err;
  }
}
