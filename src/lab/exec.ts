/**
 * Commands the lab runs: `ip`, `sysctl` and probes, to completion, with a timeout. A non-zero
 * exit is a result, not an exception (`run`), unless the caller says the command must succeed
 * (`runOk`, whose error carries the command line and its stderr).
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class CommandError extends Error {
  override readonly name = 'CommandError';
}

export function run(command: string, args: readonly string[], timeoutMs = 10_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== 'number') {
        reject(new CommandError(`${command} ${args.join(' ')}: ${err.message}`));
        return;
      }
      resolve({ code: err === null ? 0 : Number(err.code), stdout, stderr });
    });
  });
}

export async function runOk(command: string, args: readonly string[], timeoutMs?: number): Promise<string> {
  const result = await run(command, args, timeoutMs);
  if (result.code !== 0) {
    throw new CommandError(`${command} ${args.join(' ')} exited ${result.code}: ${(result.stderr || result.stdout).trim()}`);
  }
  return result.stdout;
}

/** `ip -n <ns> …`: links, addresses and routes of one namespace. */
export function ipIn(namespace: string, ...args: string[]): Promise<string> {
  return runOk('ip', ['-n', namespace, ...args]);
}

/** A program run to completion inside a namespace. */
export function runIn(namespace: string, command: string, args: readonly string[], timeoutMs?: number): Promise<RunResult> {
  return run('ip', ['netns', 'exec', namespace, command, ...args], timeoutMs);
}

/** Sets sysctls (`key=value`) inside a namespace. */
export async function sysctlIn(namespace: string, settings: readonly string[]): Promise<void> {
  await runOk('ip', ['netns', 'exec', namespace, 'sysctl', '-q', '-w', ...settings]);
}

/** Whether a program is on the PATH (the lab's probes need `ping`). */
export function hasCommand(command: string): boolean {
  const dirs = (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':');
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
