/**
 * A minimal BGP speaker that records what a real daemon sends, for golden wire fixtures and
 * harness tests. Deliberately independent of petrel's codec (src/bgp): every byte it sends is
 * built by hand here, and it frames what it receives naively by the header's length field
 * (RFC 4271 §4.1), keeping each message byte for byte.
 *
 * Behaviour: sends an OPEN with the chosen capabilities as soon as it has a socket, answers the
 * peer's OPEN and every KEEPALIVE with a KEEPALIVE (enough for hold times longer than a test),
 * and can send raw bytes (UPDATEs built with `buildUpdate`, or deliberately malformed messages).
 */
import type net from 'node:net';

export const MessageType = { OPEN: 1, UPDATE: 2, NOTIFICATION: 3, KEEPALIVE: 4, ROUTE_REFRESH: 5 } as const;

const HEADER_LENGTH = 19;
const MARKER = Buffer.alloc(16, 0xff);
/** RFC 6793 §9. */
const AS_TRANS = 23456;

export interface RecordedMessage {
  readonly type: number;
  /** The whole message, header included. */
  readonly bytes: Buffer;
  /** Milliseconds since the recorder started. */
  readonly atMs: number;
}

/** One capability as code + value octets (RFC 5492 §4). */
export interface RawCapability {
  readonly code: number;
  readonly value: Buffer;
}

type Family = readonly [afi: number, safi: number];
export const IPV4_UNICAST: Family = [1, 1];
export const IPV6_UNICAST: Family = [2, 1];

/** Capability builders, each citing where its layout is defined. */
export const caps = {
  /** RFC 4760 §8. */
  multiprotocol: ([afi, safi]: Family): RawCapability => ({ code: 1, value: Buffer.from([afi >> 8, afi & 0xff, 0, safi]) }),
  /** RFC 2918 §3. */
  routeRefresh: (): RawCapability => ({ code: 2, value: Buffer.alloc(0) }),
  /** RFC 8654 §3. */
  extendedMessage: (): RawCapability => ({ code: 6, value: Buffer.alloc(0) }),
  /** RFC 4724 §3: restart flags + time in 12 bits, then AFI/SAFI/flags per family. */
  gracefulRestart: (restartTimeSec: number, families: readonly Family[]): RawCapability => {
    const value = Buffer.alloc(2 + 4 * families.length);
    value.writeUInt16BE(restartTimeSec & 0x0fff, 0);
    families.forEach(([afi, safi], i) => {
      value.writeUInt16BE(afi, 2 + 4 * i);
      value.writeUInt8(safi, 4 + 4 * i);
    });
    return { code: 64, value };
  },
  /** RFC 6793 §3. */
  fourOctetAs: (asn: number): RawCapability => {
    const value = Buffer.alloc(4);
    value.writeUInt32BE(asn, 0);
    return { code: 65, value };
  },
  /** RFC 7911 §4: AFI, SAFI, send/receive (1 receive, 2 send, 3 both). */
  addPath: (families: readonly (readonly [Family, 1 | 2 | 3])[]): RawCapability => ({
    code: 69,
    value: Buffer.concat(families.map(([[afi, safi], mode]) => Buffer.from([afi >> 8, afi & 0xff, safi, mode]))),
  }),
};

export interface RecorderOptions {
  readonly myAs: number;
  readonly routerId: string;
  readonly holdTimeSec?: number;
  readonly capabilities: readonly RawCapability[];
}

function header(type: number, bodyLength: number): Buffer {
  const h = Buffer.alloc(HEADER_LENGTH);
  MARKER.copy(h, 0);
  h.writeUInt16BE(HEADER_LENGTH + bodyLength, 16);
  h.writeUInt8(type, 18);
  return h;
}

export function message(type: number, body: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([header(type, body.length), body]);
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

/** RFC 4271 §4.2 OPEN with all capabilities in one Capabilities optional parameter (RFC 5492). */
export function buildOpen(opts: RecorderOptions): Buffer {
  const capBytes = Buffer.concat(opts.capabilities.map((c) => Buffer.concat([Buffer.from([c.code, c.value.length]), c.value])));
  const params = capBytes.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([2, capBytes.length]), capBytes]);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt8(4, 0);
  fixed.writeUInt16BE(opts.myAs > 0xffff ? AS_TRANS : opts.myAs, 1);
  fixed.writeUInt16BE(opts.holdTimeSec ?? 240, 3);
  ipv4Bytes(opts.routerId).copy(fixed, 5);
  fixed.writeUInt8(params.length, 9);
  return message(MessageType.OPEN, Buffer.concat([fixed, params]));
}

export interface SimpleUpdate {
  /** IPv4 prefixes `a.b.c.d/len`. */
  readonly nlri: readonly string[];
  readonly nextHop: string;
  /** AS numbers, one AS_SEQUENCE, 4 octets each (the session must have negotiated RFC 6793). */
  readonly asPath: readonly number[];
  readonly localPref?: number;
}

function attribute(flags: number, type: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([flags, type, value.length]), value]);
}

function ipv4Prefix(prefix: string): Buffer {
  const [address, lengthText] = prefix.split('/');
  const length = Number(lengthText);
  return Buffer.concat([Buffer.from([length]), ipv4Bytes(address!).subarray(0, Math.ceil(length / 8))]);
}

/** RFC 4271 §4.3 UPDATE announcing IPv4 prefixes with ORIGIN IGP, AS_PATH, NEXT_HOP [, LOCAL_PREF]. */
export function buildUpdate(u: SimpleUpdate): Buffer {
  const asPath = Buffer.alloc(u.asPath.length === 0 ? 0 : 2 + 4 * u.asPath.length);
  if (u.asPath.length > 0) {
    asPath.writeUInt8(2, 0); // AS_SEQUENCE
    asPath.writeUInt8(u.asPath.length, 1);
    u.asPath.forEach((asn, i) => asPath.writeUInt32BE(asn, 2 + 4 * i));
  }
  const localPref = Buffer.alloc(4);
  localPref.writeUInt32BE(u.localPref ?? 0, 0);
  const attrs = Buffer.concat([
    attribute(0x40, 1, Buffer.from([0])), // ORIGIN IGP, well-known transitive
    attribute(0x40, 2, asPath),
    attribute(0x40, 3, ipv4Bytes(u.nextHop)),
    ...(u.localPref === undefined ? [] : [attribute(0x40, 5, localPref)]),
  ]);
  const lengths = Buffer.alloc(4); // withdrawn routes length 0, then total path attribute length
  lengths.writeUInt16BE(attrs.length, 2);
  return message(MessageType.UPDATE, Buffer.concat([lengths, attrs, ...u.nlri.map(ipv4Prefix)]));
}

type Waiter = { readonly match: (m: RecordedMessage) => boolean; readonly resolve: (m: RecordedMessage) => void };

export class Recorder {
  readonly messages: RecordedMessage[] = [];
  readonly sentOpen: Buffer;
  private buffer = Buffer.alloc(0);
  private readonly startedAt = Date.now();
  private waiters: Waiter[] = [];
  private closedWith: Error | undefined;
  private closeListeners: ((err: Error) => void)[] = [];

  constructor(
    private readonly socket: net.Socket,
    opts: RecorderOptions,
  ) {
    this.sentOpen = buildOpen(opts);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.onClose(err));
    socket.on('close', () => this.onClose(new Error('connection closed')));
    socket.write(this.sentOpen);
    socket.resume();
  }

  /** The peer's OPEN, once received. */
  get peerOpen(): Buffer | undefined {
    return this.messages.find((m) => m.type === MessageType.OPEN)?.bytes;
  }

  /** Resolves with the first recorded message (past or future) that matches. */
  waitFor(match: (m: RecordedMessage) => boolean, timeoutMs = 10_000, what = 'a message'): Promise<RecordedMessage> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    if (this.closedWith) return Promise.reject(new Error(`waiting for ${what}: ${this.closedWith.message}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.waiters.push(waiter);
      this.closeListeners.push((err) => {
        clearTimeout(timer);
        reject(new Error(`waiting for ${what}: ${err.message}`));
      });
    });
  }

  /** RFC 4271 §8.2.2: Established once the peer's OPEN and then a KEEPALIVE have arrived. */
  async established(timeoutMs = 10_000): Promise<void> {
    await this.waitFor((m) => m.type === MessageType.OPEN, timeoutMs, 'the peer OPEN');
    await this.waitFor((m) => m.type === MessageType.KEEPALIVE, timeoutMs, 'the first KEEPALIVE');
  }

  /** The type and index of every message after `fromIndex` that matches. */
  since(fromIndex: number, type?: number): RecordedMessage[] {
    return this.messages.slice(fromIndex).filter((m) => type === undefined || m.type === type);
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Closes the TCP connection and resolves when the socket is gone. */
  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.destroy();
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    // Naive framing: trust the length field; a short or bogus length is the peer's problem and
    // shows up as a fixture that does not decode.
    while (this.buffer.length >= HEADER_LENGTH) {
      const length = this.buffer.readUInt16BE(16);
      if (length < HEADER_LENGTH) {
        this.onClose(new Error(`peer sent a header with length ${length}`));
        this.socket.destroy();
        return;
      }
      if (this.buffer.length < length) return;
      const bytes = Buffer.from(this.buffer.subarray(0, length));
      this.buffer = this.buffer.subarray(length);
      this.record({ type: bytes.readUInt8(18), bytes, atMs: Date.now() - this.startedAt });
    }
  }

  private record(m: RecordedMessage): void {
    this.messages.push(m);
    if (m.type === MessageType.OPEN || m.type === MessageType.KEEPALIVE) {
      if (!this.socket.destroyed) this.socket.write(message(MessageType.KEEPALIVE));
    }
    const ready = this.waiters.filter((w) => w.match(m));
    this.waiters = this.waiters.filter((w) => !w.match(m));
    for (const w of ready) w.resolve(m);
  }

  private onClose(err: Error): void {
    if (this.closedWith) return;
    this.closedWith = err;
    const listeners = this.closeListeners;
    this.closeListeners = [];
    this.waiters = [];
    for (const l of listeners) l(err);
  }
}
