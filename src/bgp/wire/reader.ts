/**
 * Bounds-checked reader over a byte buffer (OpenBGPD's ibuf). Every read checks the remaining
 * length first; a short read throws the error the owner bound to this reader, so a truncated
 * field becomes the right NOTIFICATION instead of a RangeError.
 */
import type { BgpError } from '../errors.js';

export class WireReader {
  private pos: number;
  private readonly end: number;

  /**
   * @param buf    the bytes; never copied
   * @param onShort builds the error for a read past the end (e.g. 3/1 for an attribute list)
   */
  constructor(
    private readonly buf: Uint8Array,
    private readonly onShort: () => BgpError,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private need(n: number): void {
    if (n > this.end - this.pos) throw this.onShort();
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const b = this.buf;
    const v = (b[this.pos]! << 8) | b[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    const v = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    this.pos += 4;
    return v;
  }

  /** Peek a byte without consuming it. */
  peekU8(at = 0): number {
    this.need(at + 1);
    return this.buf[this.pos + at]!;
  }

  /** The next n bytes as a view (no copy). */
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A sub-reader over the next n bytes, with its own short-read error. */
  take(n: number, onShort: () => BgpError = this.onShort): WireReader {
    this.need(n);
    const r = new WireReader(this.buf, onShort, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  /** The rest of this reader as a view. */
  rest(): Uint8Array {
    return this.bytes(this.end - this.pos);
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}
