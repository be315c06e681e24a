/**
 * Byte access in host order for netlink (netlink(7): every header field and most attribute
 * payloads are in the byte order of the host; only a few, such as IFLA_VXLAN_PORT, are network
 * order). `NetlinkWriter` is a growable, reusable buffer with in-place length backfill, so a batch
 * of requests is written into one allocation; `ByteView` is a bounds-checked reader whose short
 * reads raise `NetlinkDecodeError` instead of a RangeError.
 */
import { endianness } from 'node:os';
import { NetlinkDecodeError } from './errors.js';

/** Whether this host is little-endian: netlink integers are in host order. */
export const HOST_LITTLE_ENDIAN = endianness() === 'LE';

/** NLMSG_ALIGN / RTA_ALIGN: netlink pads every message and attribute to 4 octets. */
export function align4(n: number): number {
  return (n + 3) & ~3;
}

export class NetlinkWriter {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;

  constructor(initialBytes = 4096) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialBytes));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  get length(): number {
    return this.pos;
  }

  /** Forgets what was written and keeps the storage, so a writer can be reused batch after batch. */
  reset(): void {
    this.pos = 0;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v, HOST_LITTLE_ENDIAN);
    this.pos += 2;
  }

  /** A 16-bit value in network order (IFLA_VXLAN_PORT, NDA_PORT). */
  u16be(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v, false);
    this.pos += 2;
  }

  /** A 32-bit value in network order (an IPv4 address parsed to a number). */
  u32be(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, false);
    this.pos += 4;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, HOST_LITTLE_ENDIAN);
    this.pos += 4;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  zeros(n: number): void {
    this.ensure(n);
    for (let i = 0; i < n; i++) this.buf[this.pos++] = 0;
  }

  /** Zero-pads to the next 4-octet boundary. */
  pad(): void {
    this.zeros(align4(this.pos) - this.pos);
  }

  setU16(at: number, v: number): void {
    this.view.setUint16(at, v, HOST_LITTLE_ENDIAN);
  }

  setU32(at: number, v: number): void {
    this.view.setUint32(at, v, HOST_LITTLE_ENDIAN);
  }

  /** A view of bytes already written (no copy; valid until the writer grows or is reset). */
  slice(start: number, end: number): Buffer {
    return this.buf.subarray(start, end);
  }

  /** The bytes written so far as a view of the internal storage. */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Bounds-checked host-order reads over a byte array. */
export class ByteView {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Throws `struct-short` unless [at, at+n) lies inside the bytes. */
  need(at: number, n: number, what: string): void {
    if (at < 0 || at + n > this.bytes.length) {
      throw new NetlinkDecodeError('struct-short', at, `${what} needs ${n} octets, ${Math.max(0, this.bytes.length - at)} left`);
    }
  }

  u8(at: number): number {
    this.need(at, 1, 'u8');
    return this.bytes[at]!;
  }

  u16(at: number): number {
    this.need(at, 2, 'u16');
    return this.view.getUint16(at, HOST_LITTLE_ENDIAN);
  }

  u16be(at: number): number {
    this.need(at, 2, 'u16');
    return this.view.getUint16(at, false);
  }

  u32(at: number): number {
    this.need(at, 4, 'u32');
    return this.view.getUint32(at, HOST_LITTLE_ENDIAN);
  }

  i32(at: number): number {
    this.need(at, 4, 'i32');
    return this.view.getInt32(at, HOST_LITTLE_ENDIAN);
  }

  sub(start: number, end: number): Uint8Array {
    return this.bytes.subarray(start, end);
  }
}
