/**
 * The runner's handle on the client driver: starts `driver.ts` inside the benchmark namespace
 * with an IPC channel, sends requests, and matches replies by id. The driver's PID is its own
 * (`ip netns exec` execs node), and it is stopped by that PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NetNs } from '../../test/peers/netns.js';
import { isDriverReply, type DriverReply, type DriverRequestBody } from './protocol.js';

const DRIVER = fileURLToPath(new URL('./driver.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export class DriverProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: DriverReply) => void>();
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (msg: unknown) => {
      if (!isDriverReply(msg)) return;
      const settle = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      settle?.(msg);
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      for (const [id, settle] of this.pending) settle({ id, ok: false, error: `client driver exited (${signal ?? code})` });
      this.pending.clear();
    });
  }

  static start(ns: NetNs): DriverProcess {
    const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '--import', 'tsx', DRIVER], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new DriverProcess(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends one request; resolves with its reply, rejects with the driver's error. */
  async request(body: DriverRequestBody): Promise<DriverReply & { ok: true }> {
    if (this.exited) throw new Error('client driver is not running');
    const id = this.nextId++;
    const reply = await new Promise<DriverReply>((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ ...body, id });
    });
    if (!reply.ok) throw new Error(reply.error);
    return reply;
  }

  /** Closes the channel (the driver exits on disconnect), SIGKILL after a grace period. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }

  /** For process exit, when nothing can be awaited. */
  killNow(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
