/**
 * Binding the BIRD socket the way src/control/server.ts binds petrel's own: mode 0660 from the
 * first instant (umask around bind), optionally owned by `control.socketGroup`, never
 * world-writable (SPEC §8). A stale file left by a crash is replaced; a socket that still
 * answers belongs to a running daemon (a BIRD not yet removed, another petrel) and binding fails
 * rather than stealing it.
 */
import { chmodSync, chownSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from '../../log.js';
import { CONTROL_SOCKET_MODE, groupId } from '../server.js';

export interface UnixSocketOptions {
  readonly path: string;
  readonly logger: Logger;
  readonly group?: string;
  /** For messages: `BIRD socket`. */
  readonly what: string;
}

/** Whether something answers at `path`, without sending it anything. */
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
