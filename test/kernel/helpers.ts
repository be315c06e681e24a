/**
 * Namespaces and a syncer child for the kernel tests: each test file creates its own namespace
 * (`petrel-kernel-<tag>-<pid>`), runs `syncer-child.ts` inside it, talks to it over stdio, and
 * removes both afterwards (the child by its PID, the namespace by name).
 */
import { type ChildProcessWithoutNullStreams, execFile, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { Command } from './syncer-child.js';

export const run = promisify(execFile);

const ROOT = path.join(import.meta.dirname, '..', '..');
const CHILD = path.join(import.meta.dirname, 'syncer-child.ts');

export class Namespace {
  constructor(readonly name: string) {}

  static async create(tag: string): Promise<Namespace> {
    const ns = new Namespace(`petrel-kernel-${tag}-${process.pid}`);
    await run('ip', ['netns', 'add', ns.name]);
    process.once('exit', () => {
      try {
        execFileSync('ip', ['netns', 'del', ns.name], { stdio: 'ignore' });
      } catch {
        // Already removed by the test.
      }
    });
    await ns.ip('link', 'set', 'lo', 'up');
    return ns;
  }

  /** `ip -n <ns> ...`, stdout. */
  async ip(...args: string[]): Promise<string> {
    return (await run('ip', ['-n', this.name, ...args], { maxBuffer: 256 << 20 })).stdout;
  }

  /** The routes of `ip route show` lines matching `args`, trimmed, one per line, sorted. */
  async routes(...args: string[]): Promise<string[]> {
    const lines: string[] = [];
    // A prefix argument names its family; `ip -6 route show 10.0.0.0/8` is an error.
    const prefix = args.find((a) => a.includes('/'));
    const families = prefix === undefined ? ['-4', '-6'] : [prefix.includes(':') ? '-6' : '-4'];
    for (const family of families) {
      const out = await this.ip(family, 'route', 'show', ...args);
      // Multipath routes continue on indented lines: join them to their route.
      for (const line of out.split('\n')) {
        if (line.trim() === '') continue;
        if (/^\s/.test(line) && lines.length > 0) lines[lines.length - 1] += ` ${line.trim()}`;
        else lines.push(line.trim());
      }
    }
    return lines.sort();
  }

  async remove(): Promise<void> {
    await run('ip', ['netns', 'del', this.name]);
  }
}

interface Answer {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

export class SyncerChild {
  readonly #process: ChildProcessWithoutNullStreams;
  readonly #waiting = new Map<number, (answer: Answer) => void>();
  #nextId = 1;
  #stderr = '';

  constructor(ns: Namespace) {
    this.#process = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '--import', 'tsx', CHILD], { cwd: ROOT });
    this.#process.stderr.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    createInterface({ input: this.#process.stdout }).on('line', (line) => {
      const answer = JSON.parse(line) as Answer;
      this.#waiting.get(answer.id)?.(answer);
      this.#waiting.delete(answer.id);
    });
    this.#process.once('exit', (code) => {
      for (const waiter of this.#waiting.values()) waiter({ id: 0, ok: false, error: `child exited ${code}: ${this.#stderr}` });
      this.#waiting.clear();
    });
  }

  send<T>(command: Command): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, (answer) => (answer.ok ? resolve(answer.result as T) : reject(new Error(answer.error))));
      this.#process.stdin.write(`${JSON.stringify({ id, ...command })}\n`);
    });
  }

  /** Ends stdin and waits for the child; kills it by PID if it does not leave. */
  async close(): Promise<void> {
    if (this.#process.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#process.once('exit', () => resolve()));
    this.#process.stdin.end();
    const timer = setTimeout(() => this.#process.pid !== undefined && process.kill(this.#process.pid, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
