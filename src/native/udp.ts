/**
 * UDP sockets that report the TTL (IPv4) or hop limit (IPv6) every datagram arrived with, for
 * BFD's single-hop check (RFC 5881 §5: discard unless 255). Node's dgram cannot read the TTL, and
 * IP_MINTTL does not filter UDP on Linux, so the addon creates the socket with IP_RECVTTL /
 * IPV6_RECVHOPLIMIT (and IP_PKTINFO / IPV6_RECVPKTINFO for the receiving interface) and reads it
 * with recvmsg. The socket only reports the TTL: dropping is the caller's decision.
 *
 * Receiving runs on the Node event loop like NetlinkSocket's (a native uv_poll watcher drains up
 * to 64 datagrams per wake-up), starting at `open`, so replies to a socket that was never bound
 * (the kernel binds it at the first send) are heard too. IPv6 sockets are IPv6-only. The sending
 * TTL is the kernel default until `setTtl` (255 for RFC 5881 single-hop BFD).
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { addon, type ErrnoName, type PetrelAddon, type WatchHandle } from './addon.js';
import { SocketError, check, checkNumber } from './errors.js';
import { WatchedFd } from './watched-fd.js';

/** Where a datagram came from, and how it arrived. */
export interface UdpSource {
  readonly address: string;
  readonly port: number;
  /** IPv4 TTL or IPv6 hop limit as received; -1 if the kernel did not report it. */
  readonly ttl: number;
  /** Index of the interface the datagram arrived on, when the kernel reported it. */
  readonly ifindex?: number;
}

export interface UdpSocketEvents {
  message: [data: Buffer, from: UdpSource];
  error: [error: SocketError];
}

export interface UdpBindOptions {
  /** SO_REUSEADDR before bind. */
  readonly reuseAddress?: boolean;
}

/** One datagram as the addon's watchUdp hands it over. */
interface NativeDatagram {
  readonly data: Buffer;
  readonly address: string;
  readonly port: number;
  readonly ttl: number;
  readonly ifindex?: number;
}

/** The addon's UDP functions (native/udp.c). */
interface UdpAddon {
  udpSocket(ipVersion: 4 | 6): number | ErrnoName;
  udpSend(fd: number, address: string, port: number, data: Buffer): ErrnoName | undefined;
  localPort(fd: number): number | ErrnoName;
  watchUdp(fd: number, callback: (error: ErrnoName | undefined, datagrams: NativeDatagram[]) => void): WatchHandle | ErrnoName;
}

const UDP_FUNCTION_NAMES = ['udpSocket', 'udpSend', 'localPort', 'watchUdp'] as const satisfies readonly (keyof UdpAddon)[];

function hasUdp(native: PetrelAddon): native is PetrelAddon & UdpAddon {
  const record = native as unknown as Record<string, unknown>;
  return UDP_FUNCTION_NAMES.every((name) => typeof record[name] === 'function');
}

function udpAddon(): PetrelAddon & UdpAddon {
  const native = addon();
  if (!hasUdp(native)) throw new Error('native addon is out of date: run npm install');
  return native;
}

function endpoint(address: string, port: number): string {
  return net.isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

export class UdpSocket extends EventEmitter<UdpSocketEvents> {
  readonly version: 4 | 6;
  readonly #io: WatchedFd;

  private constructor(version: 4 | 6) {
    super();
    const native = udpAddon();
    const fd = checkNumber(native.udpSocket(version), 'socket');
    const watched = native.watchUdp(fd, (error, datagrams) => this.#onBatch(error, datagrams));
    if (typeof watched === 'string') {
      native.closeFd(fd);
      throw new SocketError(watched, 'poll');
    }
    this.version = version;
    this.#io = new WatchedFd(fd, watched, 'udp');
  }

  /** A new, unbound UDP socket of the given IP version, already receiving. */
  static open(version: 4 | 6): UdpSocket {
    if (version !== 4 && version !== 6) throw new TypeError(`not an IP version: ${String(version)}`);
    return new UdpSocket(version);
  }

  get closed(): boolean {
    return this.#io.closed;
  }

  /** Binds to a local address (of this socket's version, zone allowed) and port; port 0 picks one. */
  bind(address: string, port: number, options: UdpBindOptions = {}): void {
    this.#io.assertOpen();
    if (options.reuseAddress === true) this.#io.setOption('SO_REUSEADDR', 1);
    check(addon().bindAddress(this.#io.fd, address, port), 'bind', endpoint(address, port));
  }

  /** The bound local port (the kernel's choice after bind with port 0 or a first send). */
  localPort(): number {
    this.#io.assertOpen();
    return checkNumber(udpAddon().localPort(this.#io.fd), 'getsockname');
  }

  /** TTL (IPv4) or hop limit (IPv6) of the datagrams this socket sends, 1 to 255. */
  setTtl(ttl: number): void {
    this.#io.setOption(this.version === 4 ? 'IP_TTL' : 'IPV6_UNICAST_HOPS', ttl);
  }

  /** Sends one datagram; throws a SocketError when the kernel refuses it (EAGAIN when the send buffer is full). */
  send(data: Uint8Array, address: string, port: number): void {
    this.#io.assertOpen();
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    check(udpAddon().udpSend(this.#io.fd, address, port, bytes), 'sendto', endpoint(address, port));
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

  #onBatch(error: ErrnoName | undefined, datagrams: readonly NativeDatagram[]): void {
    for (const { data, address, port, ttl, ifindex } of datagrams) {
      if (this.#io.closed) return;
      this.emit('message', data, ifindex === undefined ? { address, port, ttl } : { address, port, ttl, ifindex });
    }
    if (error !== undefined && !this.#io.closed) this.emit('error', new SocketError(error, 'recvmsg'));
  }
}
