/**
 * The control socket server: a Unix stream socket at `control.socket` speaking the JSON-lines
 * protocol of protocol.ts, bound as unix-socket.ts binds every control socket: mode 0660, never
 * world-writable (SPEC §8), optionally owned by `control.socketGroup`; a stale file left by a
 * crashed daemon is replaced, one that still answers is another daemon's and starting fails. */
import net from 'node:net';
import type { Logger } from '../log.js';
import { controlRequestSchema, MAX_REQUEST_BYTES, type ControlRequest, type ControlResponse } from './protocol.js';
import { listenUnixSocket, unlinkUnixSocket } from './unix-socket.js';

/** What the daemon answers; each may throw, which becomes an error response. */
export type ControlHandler = (request: ControlRequest) => Promise<ControlResponse> | ControlResponse;

export interface ControlServerOptions {
  readonly path: string;
  readonly handler: ControlHandler;
  readonly logger: Logger;
  /** Group name that may use the socket (`control.socketGroup`). */
  readonly group?: string;
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

  listen(): Promise<void> {
    return listenUnixSocket(this.#server, {
      path: this.path,
      logger: this.#options.logger,
      what: 'control socket',
      ...(this.#options.group !== undefined ? { group: this.#options.group } : {}),
    });
  }

  async close(): Promise<void> {
    for (const c of this.#clients) c.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    unlinkUnixSocket(this.path);
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
