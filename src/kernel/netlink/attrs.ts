/**
 * rtattr TLVs (rtnetlink(7), <linux/rtnetlink.h> RTA_* macros; nlattr in netlink.h is the same
 * layout): a u16 length counting the 4-octet header and the payload, a u16 type, the payload,
 * then zero padding to 4 octets that the length does not count. Nested attributes are an
 * attribute whose payload is more attributes.
 *
 * Writing: `beginAttr` reserves the header and `endAttr` backfills the length and pads, so
 * nested attributes need no intermediate buffers. Reading: `AttrCursor` walks a range without
 * allocating and checks every length, so a malformed attribute is a `NetlinkDecodeError`.
 */
import { ByteView, type NetlinkWriter } from './bytes.js';
import { NLA_TYPE_MASK, NlaFlag } from './constants.js';
import { NetlinkDecodeError, NetlinkEncodeError } from './errors.js';

/** sizeof(struct rtattr). */
export const ATTR_HEADER_BYTES = 4;
const MAX_ATTR_BYTES = 0xffff;

/** Starts an attribute (or a nest); returns its offset for `endAttr`. */
export function beginAttr(w: NetlinkWriter, type: number): number {
  const start = w.length;
  w.u16(0);
  w.u16(type);
  return start;
}

/** Backfills rta_len with everything written since `beginAttr`, then pads to 4 octets. */
export function endAttr(w: NetlinkWriter, start: number): void {
  const length = w.length - start;
  if (length > MAX_ATTR_BYTES) throw new NetlinkEncodeError('too-long', `attribute of ${length} octets`);
  w.setU16(start, length);
  w.pad();
}

export function writeAttrU8(w: NetlinkWriter, type: number, v: number): void {
  w.u16(ATTR_HEADER_BYTES + 1);
  w.u16(type);
  w.u8(v);
  w.zeros(3);
}

export function writeAttrU16(w: NetlinkWriter, type: number, v: number): void {
  w.u16(ATTR_HEADER_BYTES + 2);
  w.u16(type);
  w.u16(v);
  w.zeros(2);
}

/** A u16 in network order (IFLA_VXLAN_PORT). */
export function writeAttrU16be(w: NetlinkWriter, type: number, v: number): void {
  w.u16(ATTR_HEADER_BYTES + 2);
  w.u16(type);
  w.u16be(v);
  w.zeros(2);
}

export function writeAttrU32(w: NetlinkWriter, type: number, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new NetlinkEncodeError('out-of-range', `u32 attribute ${type} = ${v}`);
  w.u16(ATTR_HEADER_BYTES + 4);
  w.u16(type);
  w.u32(v);
}

export function writeAttrBytes(w: NetlinkWriter, type: number, bytes: Uint8Array): void {
  const start = beginAttr(w, type);
  w.bytes(bytes);
  endAttr(w, start);
}

/** A NUL-terminated string attribute (IFLA_IFNAME, IFLA_INFO_KIND, IFA_LABEL). */
export function writeAttrString(w: NetlinkWriter, type: number, text: string): void {
  const start = beginAttr(w, type);
  w.bytes(Buffer.from(text, 'utf8'));
  w.u8(0);
  endAttr(w, start);
}

/**
 * Cursor over the attributes in [start, end) of `view`. Call `next()` until it returns false;
 * after each true, `type`, `payloadStart` and `payloadEnd` describe the current attribute.
 * The last attribute may omit its trailing padding (RTA_OK only requires rta_len <= remaining).
 */
export class AttrCursor {
  /** Type without the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits. */
  type = 0;
  /** Whether the sender marked the attribute NLA_F_NESTED. */
  nestedFlag = false;
  payloadStart = 0;
  payloadEnd = 0;
  private pos: number;

  constructor(
    readonly view: ByteView,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }

  next(): boolean {
    if (this.pos >= this.end) return false;
    const at = this.pos;
    if (this.end - at < ATTR_HEADER_BYTES) {
      throw new NetlinkDecodeError('attr-length', at, `${this.end - at} octets cannot hold an attribute header`);
    }
    const length = this.view.u16(at);
    if (length < ATTR_HEADER_BYTES || length > this.end - at) {
      throw new NetlinkDecodeError('attr-length', at, `rta_len ${length} with ${this.end - at} octets left`);
    }
    const rawType = this.view.u16(at + 2);
    this.type = rawType & NLA_TYPE_MASK;
    this.nestedFlag = (rawType & NlaFlag.NESTED) !== 0;
    this.payloadStart = at + ATTR_HEADER_BYTES;
    this.payloadEnd = at + length;
    this.pos = at + ((length + 3) & ~3);
    return true;
  }

  get payloadLength(): number {
    return this.payloadEnd - this.payloadStart;
  }

  private expectSize(n: number): void {
    if (this.payloadLength !== n) {
      throw new NetlinkDecodeError('attr-size', this.payloadStart, `attribute ${this.type} has ${this.payloadLength} octets, expected ${n}`);
    }
  }

  u8(): number {
    this.expectSize(1);
    return this.view.u8(this.payloadStart);
  }

  u16(): number {
    this.expectSize(2);
    return this.view.u16(this.payloadStart);
  }

  u16be(): number {
    this.expectSize(2);
    return this.view.u16be(this.payloadStart);
  }

  u32(): number {
    this.expectSize(4);
    return this.view.u32(this.payloadStart);
  }

  /** The payload as a view (no copy). */
  bytes(): Uint8Array {
    return this.view.sub(this.payloadStart, this.payloadEnd);
  }

  /** A string payload up to its NUL terminator (or the payload's end when there is none). */
  string(): string {
    const bytes = this.bytes();
    const nul = bytes.indexOf(0);
    return Buffer.from(bytes.buffer, bytes.byteOffset, nul < 0 ? bytes.length : nul).toString('utf8');
  }

  /** A cursor over the attributes nested in this one. */
  nested(): AttrCursor {
    return new AttrCursor(this.view, this.payloadStart, this.payloadEnd);
  }
}

/** A cursor over the attributes of `bytes` from `start` to the end. */
export function attrsOf(bytes: Uint8Array, start: number): AttrCursor {
  return new AttrCursor(new ByteView(bytes), start, bytes.length);
}
