/**
 * A socket fd that the addon watches for readability (watch.c): what NetlinkSocket and UdpSocket
 * share — the fd and its watcher, keeping the event loop alive or not, integer socket options,
 * and a close that stops the watcher before the fd goes, after which every use throws.
 */
import { addon, type WatchHandle } from './addon.js';
import { SocketOption, type SocketOptionName } from './constants.js';
import { SocketError, check } from './errors.js';

export class WatchedFd {
  readonly fd: number;
  readonly #watch: WatchHandle;
  /** Names the socket in errors ('netlink', 'udp'). */
  readonly #kind: string;
  #closed = false;

  constructor(fd: number, watch: WatchHandle, kind: string) {
    this.fd = fd;
    this.#watch = watch;
    this.#kind = kind;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether the watcher keeps the event loop alive (the default). */
  ref(on: boolean): void {
    if (!this.#closed) addon().refWatch(this.#watch, on);
  }

  /** Stops the watcher and closes the fd; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const native = addon();
    native.unwatch(this.#watch);
    check(native.closeFd(this.fd), 'close');
  }

  assertOpen(): void {
    if (this.#closed) throw new SocketError('EBADF', this.#kind, 'socket is closed');
  }

  setOption(option: SocketOptionName, value: number): void {
    this.assertOpen();
    setIntOption(this.fd, option, value);
  }
}

/** setsockopt of an integer option on any fd (before a socket is watched, too). */
export function setIntOption(fd: number, option: SocketOptionName, value: number): void {
  const { level, name } = SocketOption[option];
  check(addon().setIntOption(fd, level, name, value), `setsockopt ${option}`);
}
