/**
 * Process plumbing for the real-peer harness: run a command to completion, keep a long-running
 * daemon under our own PID with its output captured, stop exactly that PID, and poll a condition
 * until it holds or a deadline passes (readiness checks against a daemon's CLI).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** Runs a command to completion; never throws on a non-zero exit, the caller decides. */
export function run(command: string, args: readonly string[], timeoutMs = 10_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new Error(`${command} ${args.join(' ')}: ${err.message}\n${stderr}`));
        return;
      }
      resolve({ stdout, stderr, code: err ? Number(err.code) : 0 });
    });
  });
}

/** Runs a command and returns its stdout, throwing with stderr when it exits non-zero. */
export async function runOk(command: string, args: readonly string[], timeoutMs = 10_000): Promise<string> {
  const r = await run(command, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Describes what was awaited, for the timeout error. */
  readonly what: string;
}

/** Thrown by a `waitFor` check when waiting longer is pointless (the daemon has exited). */
export class GiveUp extends Error {}

/**
 * Polls `check` until it returns a value other than undefined, or throws after the timeout with
 * the last error seen. Used for daemons whose CLI is the only readiness signal they offer.
 */
export async function waitFor<T>(check: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${why}`);
    }
    await delay(opts.intervalMs ?? 100);
  }
}

const live = new Set<ManagedProcess>();

// Last resort when a test dies before its stop(): kill the daemons this process spawned (by
// their own PIDs only), so none outlives the run or keeps a test namespace alive.
process.once('exit', () => {
  for (const p of live) if (p.pid !== undefined) p.killNow();
});

/** A daemon we spawned: its PID, its captured output, and a stop that waits for the exit. */
export class ManagedProcess {
  private output = '';
  private readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (d: Buffer) => this.append(d));
    child.stderr?.on('data', (d: Buffer) => this.append(d));
    live.add(this);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        live.delete(this);
        this.exitCode = code;
        resolve(code);
      });
      child.once('error', (err) => {
        this.append(Buffer.from(`spawn error: ${err.message}\n`));
        live.delete(this);
        this.exitCode = null;
        resolve(null);
      });
    });
  }

  static spawn(label: string, command: string, args: readonly string[]): ManagedProcess {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return new ManagedProcess(label, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** What the process wrote on stdout and stderr (capped at the last 256 KiB). */
  get log(): string {
    return this.output;
  }

  /** SIGTERM, then SIGKILL if it has not exited within the grace period. Only our own PID. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL without waiting: only for process exit, when nothing can be awaited. */
  killNow(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  private append(d: Buffer): void {
    this.output += d.toString('utf8');
    if (this.output.length > 256 << 10) this.output = this.output.slice(-(256 << 10));
  }
}

/** True while a process with this PID exists (signal 0 probes without delivering anything). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The PIDs of those processes that are still running. */
export function runningPids(processes: readonly (ManagedProcess | undefined)[]): number[] {
  return processes.flatMap((p) => (p?.running && p.pid !== undefined ? [p.pid] : []));
}
