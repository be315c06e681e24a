/**
 * systemd's readiness protocol (sd_notify(3)) for units of Type=notify: one datagram such as
 * "READY=1" or "STATUS=..." to the AF_UNIX socket named by $NOTIFY_SOCKET ('@' = abstract).
 */
import { addon } from './addon.js';
import { check } from './errors.js';

/**
 * Sends `state` (newline-separated assignments, e.g. "READY=1\nSTATUS=3 peers up") to systemd.
 * Returns false when no notify socket is set (not started by systemd), true once sent; throws a
 * SocketError when the send fails.
 */
export function sdNotify(state: string, notifySocket: string | undefined = process.env['NOTIFY_SOCKET']): boolean {
  if (notifySocket === undefined || notifySocket === '') return false;
  check(addon().sdNotify(notifySocket, Buffer.from(state, 'utf8')), 'sendto', notifySocket);
  return true;
}
