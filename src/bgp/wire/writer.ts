/**
 * Growable byte writer with reserve-then-backfill length slots (pg-protocol): reserve a u8/u16
 * where a length goes, write the body, then close the slot with the number of bytes written
 * since. One writer per message; it is never shared.
 */
export interface LengthSlot {
  readonly at: number;
  readonly width: 1 | 2;
  /** Offset where the counted bytes start. */
  readonly from: number;
}

export class WireWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
  }

  /**
   * A writer over `storage` (e.g. `Buffer.allocUnsafe`: a message-sized writer need not be
   * zero-filled first); it still grows by copying if written past the end.
   */
  static over(storage: Uint8Array): WireWriter {
    const w = new WireWriter(0);
    w.buf = storage;
    return w;
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf[this.pos++] = (v >>> 24) & 0xff;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  /** An octet, then the first `count` (0–4) octets of `v` as a big-endian 32-bit value (an IPv4 prefix: its length, its network). */
  u8LeadingOctets(first: number, v: number, count: number): this {
    this.ensure(count + 1);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = first & 0xff;
    for (let k = 0; k < count; k++) buf[pos++] = (v >>> (24 - 8 * k)) & 0xff;
    this.pos = pos;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Reserve a length field; the counted bytes start right after it. */
  reserveU8(): LengthSlot {
    const at = this.pos;
    this.u8(0);
    return { at, width: 1, from: this.pos };
  }

  reserveU16(): LengthSlot {
    const at = this.pos;
    this.u16(0);
    return { at, width: 2, from: this.pos };
  }

  /** Backfill a slot with the bytes written since it; returns that count. */
  close(slot: LengthSlot, extra = 0): number {
    const n = this.pos - slot.from + extra;
    if (slot.width === 1) {
      if (n > 0xff) throw new RangeError(`length ${n} does not fit one octet`);
      this.buf[slot.at] = n;
    } else {
      if (n > 0xffff) throw new RangeError(`length ${n} does not fit two octets`);
      this.buf[slot.at] = n >>> 8;
      this.buf[slot.at + 1] = n & 0xff;
    }
    return n;
  }

  /** Overwrite a u16 at an absolute offset (e.g. the message length in the header). */
  setU16(at: number, v: number): void {
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
  }

  /** The bytes written so far, as a Buffer view of the internal storage. */
  finish(): Buffer {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, this.pos);
  }
}
