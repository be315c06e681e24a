/**
 * Binding a control socket (petrel's JSON socket and the BIRD-compatible ones): mode 0660 from
 * the first instant (a umask around bind, so no wider window exists), optionally owned by
 * `control.socketGroup`, never world-writable (SPEC §8). A stale file left by a crashed daemon is
 * replaced; a socket that still answers belongs to a running daemon (another petrel, a BIRD not
 * yet removed) and binding fails rather than stealing it.
 */
import { chmodSync, chownSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from '../log.js';

export const CONTROL_SOCKET_MODE = 0o660;

export interface UnixSocketOptions {
  readonly path: string;
  readonly logger: Logger;
  /** Group name that may use the socket (`control.socketGroup`). */
  readonly group?: string;
  /** For messages: `control socket`, `BIRD socket`. */
  readonly what: string;
}

/** Resolves a group name through /etc/group (Node has no getgrnam). */
export function groupId(name: string, groupFile = '/etc/group'): number | undefined {
  for (const line of readFileSync(groupFile, 'utf8').split('\n')) {
    const [group, , gid] = line.split(':');
    if (group === name && gid !== undefined && /^[0-9]+$/.test(gid)) return Number(gid);
  }
  return undefined;
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

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'ENOENT')) throw err;
  }
}

export async function listenUnixSocket(server: net.Server, options: UnixSocketOptions): Promise<void> {
  const { path, logger } = options;
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  if (await answers(path)) throw new Error(`${options.what} ${path} is in use by another running daemon`);
  removeIfPresent(path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // bind() runs inside listen(): the umask makes the socket 0660 from its first instant.
    const previous = process.umask(0o117);
    try {
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(previous);
    }
  });
  chmodSync(path, CONTROL_SOCKET_MODE);
  if (options.group !== undefined) {
    const gid = groupId(options.group);
    if (gid === undefined) logger.warn({ group: options.group }, `control.socketGroup: no such group; ${options.what} left to root`);
    else chownSync(path, -1, gid);
  }
  logger.info({ socket: path }, `${options.what} listening`);
}

/** Removes the socket file at close; one already gone or replaced is left alone. */
export function unlinkUnixSocket(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Nothing to clean.
  }
}

/**
 * A server on a control socket: bound by `listenUnixSocket`, its connections tracked so `close`
 * ends them all and removes the socket file. Subclasses speak the protocol (`serve`).
 */
export abstract class UnixSocketServer {
  readonly path: string;
  readonly #bind: UnixSocketOptions;
  readonly #server: net.Server;
  readonly #clients = new Set<net.Socket>();

  constructor(options: UnixSocketOptions) {
    this.path = options.path;
    this.#bind = options;
    this.#server = net.createServer((socket) => {
      this.#clients.add(socket);
      socket.on('close', () => this.#clients.delete(socket));
      socket.on('error', () => socket.destroy());
      this.serve(socket);
    });
  }

  listen(): Promise<void> {
    return listenUnixSocket(this.#server, this.#bind);
  }

  async close(): Promise<void> {
    for (const c of this.#clients) c.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    unlinkUnixSocket(this.path);
  }

  /** One connection, from accept to close. */
  protected abstract serve(socket: net.Socket): void;
}
