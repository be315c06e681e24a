/**
 * The control socket server: a Unix stream socket at `control.socket` speaking the JSON-lines
 * protocol of protocol.ts, bound as unix-socket.ts binds every control socket: mode 0660, never
 * world-writable (SPEC §8), optionally owned by `control.socketGroup`; a stale file left by a
 * crashed daemon is replaced, one that still answers is another daemon's and starting fails. */
import type net from 'node:net';
import type { Logger } from '../log.js';
import { controlRequestSchema, MAX_REQUEST_BYTES, type ControlRequest, type ControlResponse } from './protocol.js';
import { UnixSocketServer } from './unix-socket.js';

/** What the daemon answers; each may throw, which becomes an error response. */
export type ControlHandler = (request: ControlRequest) => Promise<ControlResponse> | ControlResponse;

export interface ControlServerOptions {
  readonly path: string;
  readonly handler: ControlHandler;
  readonly logger: Logger;
  /** Group name that may use the socket (`control.socketGroup`). */
  readonly group?: string;
}

export class ControlServer extends UnixSocketServer {
  readonly #options: ControlServerOptions;

  constructor(options: ControlServerOptions) {
    super({ path: options.path, logger: options.logger, what: 'control socket', ...(options.group !== undefined ? { group: options.group } : {}) });
    this.#options = options;
  }

  protected serve(socket: net.Socket): void {
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
