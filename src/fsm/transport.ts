/**
 * The TCP transport of one BGP session: owns the `net.Socket`, cuts the byte stream into whole
 * messages with the framer, and bounds what is buffered in both directions.
 *
 * - Reading: frames are emitted as they complete. A consumer that cannot keep up calls
 *   `pauseReading()`; TCP flow control then slows the peer down instead of petrel buffering
 *   without bound (STYLE.md: ws and OpenBGPD).
 * - Writing: `send()` queues in the socket and returns false once more than `highWaterMark`
 *   bytes wait; the session then tells the RIB to hold back (XOFF) until 'drain' (XON).
 * - Framing errors (RFC 4271 §6.1) surface as 'protocolError' with the BgpError to notify.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { isBgpError, type BgpError } from '../bgp/errors.js';
import { BgpFramer } from '../bgp/framer.js';
import { MAX_MESSAGE_LENGTH } from '../bgp/constants.js';

export interface TransportOptions {
  /** Bytes queued for writing above which `send` reports backpressure. */
  readonly highWaterMark?: number;
}

export interface TransportEvents {
  /** One whole message, header included. Valid only during the listener call. */
  frame: [frame: Uint8Array];
  protocolError: [error: BgpError];
  /** The write queue fell below the high-water mark again. */
  drain: [];
  /** The connection is gone; `error` is set when it ended abnormally. */
  closed: [error?: Error];
}

const DEFAULT_HIGH_WATER_MARK = 1 << 20;

/** `fe80::1%eth0` → `fe80::1`: Node names the scope of a link-local socket address after its interface. */
export function withoutZone(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const zone = address.indexOf('%');
  return zone < 0 ? address : address.slice(0, zone);
}

const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/**
 * A socket address as the session's own family writes it: zone-free, and `::ffff:10.0.0.1` →
 * `10.0.0.1`, as Node reports both ends of an IPv4 connection accepted on a `::` listener.
 */
export function sessionAddress(address: string | undefined): string | undefined {
  const bare = withoutZone(address);
  return bare === undefined ? undefined : (IPV4_MAPPED.exec(bare)?.[1] ?? bare);
}

export class Transport extends EventEmitter<TransportEvents> {
  private readonly framer = new BgpFramer(MAX_MESSAGE_LENGTH);
  private readonly highWaterMark: number;
  private closed = false;
  private closing = false;
  private failed = false;

  constructor(
    readonly socket: Socket,
    opts: TransportOptions = {},
  ) {
    super();
    this.highWaterMark = opts.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', (err) => this.finish(err));
    socket.on('close', () => this.finish());
  }

  /**
   * The peer's address, without the zone Node appends to a link-local one (`fe80::1%eth0`) and
   * IPv4-mapped ones unwrapped.
   */
  get remoteAddress(): string | undefined {
    return sessionAddress(this.socket.remoteAddress);
  }

  /**
   * Our address on this connection, without a zone: it is what goes into NEXT_HOP and `show`,
   * where an interface suffix has no place (the session's link is known from its config, RFC 4291 §2.5.6);
   * an IPv4 session accepted on `::` gives its IPv4 address, not the IPv4-mapped form.
   */
  get localAddress(): string | undefined {
    return sessionAddress(this.socket.localAddress);
  }

  /** True while writes are queued above the high-water mark. */
  get backpressured(): boolean {
    return this.socket.writableLength > this.highWaterMark;
  }

  /** RFC 8654: raise the frame limit once extended messages are negotiated. */
  setMaxMessageLength(n: number): void {
    this.framer.setMaxMessageLength(n);
  }

  /** Queue a whole message; false means "stop producing until 'drain'". */
  send(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    this.socket.write(bytes);
    return !this.backpressured;
  }

  /**
   * Queue several whole messages as one write (corked: one `writev` instead of a system call per
   * message, which is what a full table or a fan-out to hundreds of peers is made of).
   */
  sendAll(messages: readonly Uint8Array[]): boolean {
    if (this.closed) return false;
    if (messages.length === 1) return this.send(messages[0]!);
    this.socket.cork();
    for (const m of messages) this.socket.write(m);
    this.socket.uncork();
    return !this.backpressured;
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    if (!this.closed) this.socket.resume();
  }

  /** Flush what is queued (e.g. a NOTIFICATION), then close. */
  close(): void {
    if (this.closed || this.closing) return;
    this.closing = true;
    this.socket.end();
    // A peer that never reads must not keep the socket forever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  destroy(): void {
    this.socket.destroy();
    this.finish();
  }

  private onData(chunk: Buffer): void {
    if (this.failed || this.closed) return;
    let frames: Uint8Array[];
    try {
      frames = this.framer.push(chunk);
    } catch (e) {
      if (!isBgpError(e)) throw e;
      this.failed = true;
      this.socket.pause();
      this.emit('protocolError', e);
      return;
    }
    for (const f of frames) {
      if (this.failed || this.closed) return;
      this.emit('frame', f);
    }
  }

  private finish(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('closed', err);
  }
}
