/**
 * TCP sockets with their options in place before the SYN: the RFC 2385 MD5 key (TCP_MD5SIG) and
 * RFC 5082 TTL security (send with TTL 255, drop below a minimum). Node creates the fd inside
 * `connect`, too late for both, so petrel creates, configures and connects the fd itself and
 * hands the connected fd to a `net.Socket`. The passive side sets the same options on the
 * listening fd, which accepted sockets inherit.
 */
import net from 'node:net';
import { addon } from './addon.js';
import { SocketOption, TCP_MD5_MAX_KEY_BYTES, type SocketOptionName } from './constants.js';
import { SocketError, check, checkNumber } from './errors.js';

export type IpVersion = 4 | 6;

/** 4 or 6 for an address (an IPv6 zone suffix is allowed); throws on anything else. */
export function ipVersion(address: string): IpVersion {
  const version = net.isIP(address);
  if (version === 4 || version === 6) return version;
  throw new TypeError(`not an IP address: ${address}`);
}

export function createTcpSocket(version: IpVersion): number {
  return checkNumber(addon().tcpSocket(version), 'socket');
}

export function bindSocket(fd: number, address: string, port = 0): void {
  check(addon().bindAddress(fd, address, port), 'bind', `${address}:${port}`);
}

export function closeFd(fd: number): void {
  check(addon().closeFd(fd), 'close');
}

export function setSocketOption(fd: number, option: SocketOptionName, value: number): void {
  const { level, name } = SocketOption[option];
  check(addon().setIntOption(fd, level, name, value), `setsockopt ${option}`);
}

export function getSocketOption(fd: number, option: SocketOptionName): number {
  const { level, name } = SocketOption[option];
  return checkNumber(addon().getIntOption(fd, level, name), `getsockopt ${option}`);
}

/** The pending SO_ERROR of fd as an errno name, or undefined; reading clears it. */
export function socketError(fd: number): string | undefined {
  return addon().socketError(fd);
}

/**
 * Installs the RFC 2385 key for segments to and from `peerAddress`; an empty key deletes it.
 * On a listening fd the key applies to connections accepted from that peer.
 */
export function setTcpMd5Key(fd: number, peerAddress: string, key: string | Uint8Array): void {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (bytes.length > TCP_MD5_MAX_KEY_BYTES) {
    throw new RangeError(`TCP MD5 key is ${bytes.length} bytes, the kernel allows ${TCP_MD5_MAX_KEY_BYTES}`);
  }
  check(addon().setTcpMd5(fd, peerAddress, bytes), 'setsockopt TCP_MD5SIG', peerAddress);
}

/*
 * An IPv6 socket may carry IPv4 traffic (IPv4-mapped peers on a dual-stack socket), which uses
 * the IPv4 options, so IPv6 sockets get both.
 */
function setTtl(fd: number, version: IpVersion, ttl: number): void {
  if (version === 6) setSocketOption(fd, 'IPV6_UNICAST_HOPS', ttl);
  setSocketOption(fd, 'IP_TTL', ttl);
}

function setMinTtl(fd: number, version: IpVersion, minTtl: number): void {
  if (version === 6) setSocketOption(fd, 'IPV6_MINHOPCOUNT', minTtl);
  setSocketOption(fd, 'IP_MINTTL', minTtl);
}

export interface ConnectTcpOptions {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Source address to bind (port chosen by the kernel). */
  readonly localAddress?: string;
  /** RFC 2385 key for this peer. */
  readonly md5Key?: string | Uint8Array;
  /** Outgoing TTL / hop limit; 255 for RFC 5082 GTSM. */
  readonly ttl?: number;
  /** RFC 5082 minimum incoming TTL / hop limit (255 - allowed hops). */
  readonly minTtl?: number;
  /** Fails with ETIMEDOUT when the handshake has not finished by then. */
  readonly timeoutMs: number;
  /** Aborting closes the half-open fd and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('connect aborted', { cause: reason });
}

/** Waits until a non-blocking connect on fd finishes; rejects with its error, ETIMEDOUT or abort. */
function waitForConnect(fd: number, target: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    let settled = false;
    const finish = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      addon().unwatch(handle);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = (): void => finish(signal && abortReason(signal));
    const watched = addon().watchConnect(fd, (code) =>
      finish(code === undefined ? undefined : new SocketError(code, 'connect', target)),
    );
    if (typeof watched === 'string') {
      reject(new SocketError(watched, 'poll', target));
      return;
    }
    const handle = watched;
    const timer = setTimeout(() => finish(new SocketError('ETIMEDOUT', 'connect', target)), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Opens a TCP connection with MD5 and TTL options applied before the SYN, and resolves with a
 * `net.Socket` once the handshake has completed. On any failure the fd is closed.
 */
export async function connectTcp(options: ConnectTcpOptions): Promise<net.Socket> {
  const { remoteAddress, remotePort } = options;
  const target = net.isIPv6(remoteAddress) ? `[${remoteAddress}]:${remotePort}` : `${remoteAddress}:${remotePort}`;
  const version = ipVersion(remoteAddress);
  const fd = createTcpSocket(version);
  try {
    if (options.localAddress !== undefined) bindSocket(fd, options.localAddress);
    if (options.md5Key !== undefined) setTcpMd5Key(fd, remoteAddress, options.md5Key);
    if (options.ttl !== undefined) setTtl(fd, version, options.ttl);
    if (options.minTtl !== undefined) setMinTtl(fd, version, options.minTtl);
    const started = addon().connect(fd, remoteAddress, remotePort);
    if (started === 'EINPROGRESS') await waitForConnect(fd, target, options.timeoutMs, options.signal);
    else check(started, 'connect', target);
    // Node's fd-wrapped sockets emit no 'connect': the handshake is already done here.
    return new net.Socket({ fd, readable: true, writable: true });
  } catch (error) {
    addon().closeFd(fd);
    throw error;
  }
}

function isFdCarrier(value: unknown): value is { readonly fd: number } {
  return typeof value === 'object' && value !== null && 'fd' in value && typeof value.fd === 'number';
}

/** The fd under a listening `net.Server` or an open `net.Socket` (Node's private `_handle.fd`). */
export function handleFd(endpoint: net.Server | net.Socket): number {
  const handle: unknown = Reflect.get(endpoint, '_handle');
  if (!isFdCarrier(handle) || handle.fd < 0) throw new Error('socket has no open fd (not listening or closed)');
  return handle.fd;
}

function listenerVersion(server: net.Server): IpVersion {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server is not listening on TCP');
  return address.family === 'IPv6' ? 6 : 4;
}

/** RFC 2385 key for connections accepted from `peerAddress`; an empty key removes it. */
export function setListenerMd5(server: net.Server, peerAddress: string, key: string | Uint8Array): void {
  setTcpMd5Key(handleFd(server), peerAddress, key);
}

/** RFC 5082: accepted connections drop packets arriving with a TTL / hop limit below `minTtl`. */
export function setListenerMinTtl(server: net.Server, minTtl: number): void {
  setMinTtl(handleFd(server), listenerVersion(server), minTtl);
}

/** Outgoing TTL / hop limit of accepted connections (255 for RFC 5082). */
export function setListenerTtl(server: net.Server, ttl: number): void {
  setTtl(handleFd(server), listenerVersion(server), ttl);
}
