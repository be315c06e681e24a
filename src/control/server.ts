/**
 * The control socket server: a Unix stream socket at `control.socket` speaking the JSON-lines
 * protocol of protocol.ts. The socket is created mode 0660 — never world-writable (SPEC §8) —
 * under a umask so no wider window exists, optionally owned by `control.socketGroup`. A stale
 * socket file left by a crashed daemon is replaced; one that still answers is another daemon's,
 * and starting fails rather than stealing it.
 */
import { chmodSync, chownSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from '../log.js';
import { controlRequestSchema, MAX_REQUEST_BYTES, type ControlRequest, type ControlResponse } from './protocol.js';

export const CONTROL_SOCKET_MODE = 0o660;

/** What the daemon answers; each may throw, which becomes an error response. */
export type ControlHandler = (request: ControlRequest) => Promise<ControlResponse> | ControlResponse;

export interface ControlServerOptions {
  readonly path: string;
  readonly handler: ControlHandler;
  readonly logger: Logger;
  /** Group name that may use the socket (`control.socketGroup`). */
  readonly group?: string;
}

/** Resolves a group name through /etc/group (Node has no getgrnam). */
export function groupId(name: string, groupFile = '/etc/group'): number | undefined {
  for (const line of readFileSync(groupFile, 'utf8').split('\n')) {
    const [group, , gid] = line.split(':');
    if (group === name && gid !== undefined && /^[0-9]+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && 'code' in err && codes.includes(String((err as NodeJS.ErrnoException).code));
}

/** Whether something answers at `path` (a live daemon), without sending it anything. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

export class ControlServer {
  readonly path: string;
  readonly #options: ControlServerOptions;
  readonly #server: net.Server;
  readonly #clients = new Set<net.Socket>();

  constructor(options: ControlServerOptions) {
    this.path = options.path;
    this.#options = options;
    this.#server = net.createServer((socket) => this.#serve(socket));
  }

  async listen(): Promise<void> {
    const path = this.path;
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    if (await answers(path)) throw new Error(`control socket ${path} is in use by another running petrel`);
    try {
      unlinkSync(path);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      // bind() runs inside listen(): the umask makes the socket 0660 from its first instant.
      const previous = process.umask(0o117);
      try {
        this.#server.listen(path, () => {
          this.#server.off('error', reject);
          resolve();
        });
      } finally {
        process.umask(previous);
      }
    });
    chmodSync(path, CONTROL_SOCKET_MODE);
    if (this.#options.group !== undefined) {
      const gid = groupId(this.#options.group);
      if (gid === undefined) this.#options.logger.warn({ group: this.#options.group }, 'control.socketGroup: no such group; socket left to root');
      else chownSync(path, -1, gid);
    }
    this.#options.logger.info({ socket: path }, 'control socket listening');
  }

  async close(): Promise<void> {
    for (const c of this.#clients) c.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone (or replaced): nothing to clean.
    }
  }

  #serve(socket: net.Socket): void {
    this.#clients.add(socket);
    socket.setEncoding('utf8');
    let buffer = '';
    let chain: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_REQUEST_BYTES && !buffer.includes('\n')) {
        socket.end(`${JSON.stringify({ ok: false, error: 'request too long' })}\n`);
        return;
      }
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim() === '') continue;
        // One at a time, in order: responses line up with requests.
        chain = chain.then(() => this.#answer(line)).then((response) => {
          if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
        });
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#clients.delete(socket));
  }

  async #answer(line: string): Promise<ControlResponse> {
    let input: unknown;
    try {
      input = JSON.parse(line);
    } catch {
      return { ok: false, error: 'request is not JSON' };
    }
    const parsed = controlRequestSchema.safeParse(input);
    if (!parsed.success) return { ok: false, error: `bad request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'command'}: ${i.message}`).join('; ')}` };
    try {
      return await this.#options.handler(parsed.data);
    } catch (err) {
      this.#options.logger.error({ err, command: parsed.data.command }, 'control command failed');
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
}
