/**
 * The control socket client the CLI uses: one request, one response. Failures to reach the
 * daemon are told apart so the CLI can say what to do: nothing at the path (not running), a
 * socket nobody answers on (not running, stale file), no permission (run as root or as a member
 * of the socket's group), or no answer in time.
 */
import net from 'node:net';
import type { ControlRequest, ControlResponse } from './protocol.js';

export type ControlErrorKind = 'not-running' | 'permission' | 'timeout' | 'protocol';

export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    message: string,
    readonly kind: ControlErrorKind,
  ) {
    super(message);
  }
}

function describe(err: NodeJS.ErrnoException, path: string): ControlError {
  switch (err.code) {
    case 'ENOENT':
      return new ControlError(`petrel is not running: no control socket at ${path}`, 'not-running');
    case 'ECONNREFUSED':
      return new ControlError(`petrel is not running: nothing answers on ${path}`, 'not-running');
    case 'EACCES':
    case 'EPERM':
      return new ControlError(`permission denied on ${path}: run as root or as a member of the socket's group`, 'permission');
    case 'ENOTSOCK':
      return new ControlError(`${path} is not a socket`, 'not-running');
    default:
      return new ControlError(`cannot reach petrel at ${path}: ${err.message}`, 'not-running');
  }
}

export function controlRequest(path: string, request: ControlRequest, timeoutMs = 30_000): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    let buffer = '';
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new ControlError(`petrel did not answer on ${path} within ${timeoutMs / 1000} s`, 'timeout'))), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      const line = buffer.slice(0, nl);
      finish(() => {
        try {
          resolve(JSON.parse(line) as ControlResponse);
        } catch {
          reject(new ControlError('petrel sent a response that is not JSON', 'protocol'));
        }
      });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish(() => reject(describe(err, path))));
    socket.on('end', () => finish(() => reject(new ControlError('petrel closed the control connection without answering', 'protocol'))));
  });
}
