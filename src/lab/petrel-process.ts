/**
 * One `petrel run` inside a lab namespace: spawned as `ip netns exec <ns> node … run --config F`
 * (ip execs the program, so the child's PID is petrel's own), its JSON log appended to a file,
 * stopped by that PID only — SIGTERM for a clean stop (Cease to every peer), SIGKILL for a
 * crash. Each process is in its own process group, so a Ctrl-C in the terminal reaches the lab,
 * which then stops the daemons in order, not every daemon at once behind its back.
 *
 * The command is the one this code runs from: `node dist/cli/main.js` when built, `node --import
 * tsx src/cli/main.ts` from the sources (tests, `npx tsx`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { registerTeardown } from './cleanup.js';

/** How to start the petrel binary this code belongs to: node and its arguments. */
export function petrelArgs(): readonly string[] {
  const fromSources = import.meta.url.endsWith('.ts');
  const main = fileURLToPath(new URL(fromSources ? '../cli/main.ts' : '../cli/main.js', import.meta.url));
  if (!existsSync(main)) throw new Error(`cannot find petrel's entry point at ${main}`);
  return fromSources ? ['--import', 'tsx', main] : [main];
}

export interface PetrelProcessOptions {
  readonly label: string;
  readonly namespace: string;
  readonly configFile: string;
  readonly logFile: string;
}

export class PetrelProcess {
  readonly options: PetrelProcessOptions;
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #exitCode: number | null | undefined;
  #unregister: (() => void) | undefined;

  private constructor(options: PetrelProcessOptions, child: ChildProcess) {
    this.options = options;
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exitCode = code ?? (signal === null ? null : -1);
        this.#unregister?.();
        resolve(code);
      });
      child.once('error', () => {
        this.#exitCode = null;
        this.#unregister?.();
        resolve(null);
      });
    });
  }

  static start(options: PetrelProcessOptions): PetrelProcess {
    const log = openSync(options.logFile, 'a');
    try {
      const child = spawn('ip', ['netns', 'exec', options.namespace, process.execPath, ...petrelArgs(), 'run', '--config', options.configFile], {
        stdio: ['ignore', log, log],
        detached: true,
      });
      const petrel = new PetrelProcess(options, child);
      petrel.#unregister = registerTeardown({ label: `petrel on ${options.label}`, run: () => petrel.stop(), runSync: () => petrel.#killNow() });
      return petrel;
    } finally {
      closeSync(log);
    }
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#exitCode === undefined;
  }

  /** SIGTERM, then SIGKILL if still running after the grace period; resolves once it has exited. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#killNow(), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** SIGKILL, as a crash would end it; resolves once it has exited. */
  async kill(): Promise<void> {
    this.#killNow();
    await this.#exited;
  }

  /** Leaves the daemon running after the lab exits (`--keep`): no teardown will stop it. */
  release(): void {
    this.#unregister?.();
    this.#unregister = undefined;
    this.#child.unref();
  }

  #killNow(): void {
    if (this.running) this.#child.kill('SIGKILL');
  }
}
