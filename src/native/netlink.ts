/**
 * A netlink datagram socket for the kernel syncer. It moves raw datagrams only; the rtnetlink
 * message codec lives in src/kernel/.
 *
 * Receiving runs on the Node event loop (a native uv_poll watcher drains up to a batch of
 * datagrams per wake-up), so there are no blocked threads and close is immediate. When the
 * kernel drops messages because the receive buffer overflowed, the socket emits an 'error' whose
 * code is 'ENOBUFS' and keeps working: the owner resyncs with a fresh dump (netlink(7)), unless
 * it chose `noEnobufs`. The error follows the datagrams drained in the same wake-up; the kernel
 * drops further notifications until the queue is empty, so a resync started from the 'error'
 * listener sees a socket that accepts notifications again. Like any Node emitter, an 'error'
 * without a listener throws (as an uncaught exception, never a process abort).
 */
import { EventEmitter } from 'node:events';
import { addon } from './addon.js';
import { NetlinkProtocol, SocketOption } from './constants.js';
import { SocketError, check, checkNumber } from './errors.js';
import { setIntOption, WatchedFd } from './watched-fd.js';

export interface NetlinkSocketOptions {
  /** Netlink family; NETLINK_ROUTE by default. */
  readonly protocol?: NetlinkProtocol;
  /** Multicast groups to join (RtnlGroup in src/kernel/netlink/constants.ts). */
  readonly groups?: readonly number[];
  /** SO_RCVBUFFORCE (SO_RCVBUF without CAP_NET_ADMIN); the kernel doubles it for bookkeeping. */
  readonly receiveBufferBytes?: number;
  /** NETLINK_NO_ENOBUFS: lose messages silently instead of reporting an overflow. */
  readonly noEnobufs?: boolean;
  /** NETLINK_EXT_ACK: error messages and offsets in NLMSG_ERROR. */
  readonly extendedAck?: boolean;
  /** NETLINK_GET_STRICT_CHK: strict request checking; the kernel then applies dump filters. */
  readonly strictCheck?: boolean;
}

export interface NetlinkSocketEvents {
  /** One datagram as received; it may hold several netlink messages. */
  message: [datagram: Buffer];
  error: [error: SocketError];
}

export class NetlinkSocket extends EventEmitter<NetlinkSocketEvents> {
  /** The port id the kernel assigned (nlmsg_pid of replies to us). */
  readonly portId: number;
  readonly #io: WatchedFd;

  constructor(options: NetlinkSocketOptions = {}) {
    super();
    const native = addon();
    const fd = checkNumber(native.netlinkSocket(options.protocol ?? NetlinkProtocol.NETLINK_ROUTE), 'socket');
    try {
      if (options.receiveBufferBytes !== undefined) setReceiveBuffer(fd, options.receiveBufferBytes);
      if (options.noEnobufs === true) setIntOption(fd, 'NETLINK_NO_ENOBUFS', 1);
      if (options.extendedAck === true) setIntOption(fd, 'NETLINK_EXT_ACK', 1);
      if (options.strictCheck === true) setIntOption(fd, 'NETLINK_GET_STRICT_CHK', 1);
      for (const group of options.groups ?? []) setIntOption(fd, 'NETLINK_ADD_MEMBERSHIP', group);
      this.portId = checkNumber(native.netlinkPortId(fd), 'getsockname');
      const watched = native.watchNetlink(fd, (error, datagrams) => this.#onBatch(error, datagrams));
      if (typeof watched === 'string') throw new SocketError(watched, 'poll');
      this.#io = new WatchedFd(fd, watched, 'netlink');
    } catch (error) {
      native.closeFd(fd);
      throw error;
    }
  }

  get closed(): boolean {
    return this.#io.closed;
  }

  /** Sends one datagram (one or more netlink messages) to the kernel; throws on failure. */
  send(datagram: Uint8Array): void {
    this.#io.assertOpen();
    const bytes = Buffer.isBuffer(datagram) ? datagram : Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    check(addon().netlinkSend(this.#io.fd, bytes), 'send');
  }

  addMembership(group: number): void {
    this.#io.setOption('NETLINK_ADD_MEMBERSHIP', group);
  }

  dropMembership(group: number): void {
    this.#io.setOption('NETLINK_DROP_MEMBERSHIP', group);
  }

  /**
   * Drops, in the kernel, the notifications caused by requests of the socket with port id `port`
   * (a socket filter on nlmsg_pid): a listener skips the echo of its own process's writes before
   * it costs a queued datagram, a read and a copy. Replaces any earlier filter.
   */
  skipPort(port: number): void {
    this.#io.assertOpen();
    check(addon().netlinkSkipPort(this.#io.fd, port), 'setsockopt SO_ATTACH_FILTER');
  }

  /** The effective SO_RCVBUF in bytes (twice what was asked for, see socket(7)). */
  get receiveBufferBytes(): number {
    this.#io.assertOpen();
    const { level, name } = SocketOption.SO_RCVBUF;
    return checkNumber(addon().getIntOption(this.#io.fd, level, name), 'getsockopt SO_RCVBUF');
  }

  /** Keeps the event loop alive while open (the default). */
  ref(): this {
    this.#io.ref(true);
    return this;
  }

  /** Lets the process exit while this socket is open. */
  unref(): this {
    this.#io.ref(false);
    return this;
  }

  /** Stops receiving and closes the fd; no events follow. Idempotent. */
  close(): void {
    this.#io.close();
  }

  #onBatch(error: string | undefined, datagrams: readonly Buffer[]): void {
    for (const datagram of datagrams) {
      if (this.#io.closed) return;
      this.emit('message', datagram);
    }
    if (error !== undefined && !this.#io.closed) this.emit('error', new SocketError(error, 'recvmsg'));
  }
}

/** SO_RCVBUFFORCE goes past net.core.rmem_max but needs CAP_NET_ADMIN; else SO_RCVBUF. */
function setReceiveBuffer(fd: number, bytes: number): void {
  const { level, name } = SocketOption.SO_RCVBUFFORCE;
  const forced = addon().setIntOption(fd, level, name, bytes);
  if (forced === 'EPERM') setIntOption(fd, 'SO_RCVBUF', bytes);
  else check(forced, 'setsockopt SO_RCVBUFFORCE');
}
