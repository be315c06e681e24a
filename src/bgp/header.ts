/**
 * The 19-octet BGP message header (RFC 4271 §4.1): marker, length, type. `checkHeader` runs the
 * RFC 4271 §6.1 checks that need nothing but the header, so the framer can reject a bad length
 * before waiting for a body that may never come. It allocates nothing on success: the framer and
 * `decodeMessage` call it once per message on the path of a full table.
 */
import { HEADER_LENGTH, HeaderSubcode, MARKER_LENGTH, MAX_MESSAGE_LENGTH, MsgType } from './constants.js';
import { type BgpError, headerError } from './errors.js';
import type { WireWriter } from './wire/writer.js';

const LENGTH_OFFSET = MARKER_LENGTH;
const TYPE_OFFSET = MARKER_LENGTH + 2;

/**
 * RFC 4271 §6.1 (and RFC 4271 §4.2/§4.3/§4.4/§4.5): the smallest whole message of each type.
 * ROUTE-REFRESH is left to its decoder: RFC 7313 §5 picks the error by subtype, which lies in the body.
 */
const MIN_LENGTH_BY_TYPE: readonly number[] = [
  0, // no type 0
  29, // OPEN: 10 fixed octets of body
  23, // UPDATE: withdrawn length + attribute length
  21, // NOTIFICATION: code + subcode
  HEADER_LENGTH, // KEEPALIVE: header only (checked as exact below)
  HEADER_LENGTH, // ROUTE-REFRESH: see above
];

/** The 2-octet length field of a message whose total length is `length`, as NOTIFICATION data. */
export function lengthFieldData(length: number): Uint8Array {
  return Uint8Array.of((length >>> 8) & 0xff, length & 0xff);
}

/** RFC 4271 §6.1: Bad Message Length, data = the erroneous length field. */
export function badMessageLength(length: number, why: string): BgpError {
  return headerError(HeaderSubcode.BAD_MESSAGE_LENGTH, 'header.length', `bad message length ${length}: ${why}`, lengthFieldData(length));
}

/**
 * Check the header at `buf[offset..offset+19)` (the caller guarantees 19 octets are there) and
 * return the message's total length. The type is `buf[offset + 18]`, valid once this returns.
 * @param maxLength 4096, or 65535 after RFC 8654 extended messages were negotiated
 * @throws BgpError 1/1 bad marker, 1/2 bad length (data: length field), 1/3 bad type (data: type)
 */
export function checkHeader(buf: Uint8Array, offset: number, maxLength: number): number {
  // RFC 4271 §6.1: the marker must be all ones (authentication is gone since RFC 4271).
  for (let i = offset; i < offset + MARKER_LENGTH; i++) {
    if (buf[i] !== 0xff) {
      throw headerError(HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, 'header.marker', 'message marker is not all ones');
    }
  }
  const length = (buf[offset + LENGTH_OFFSET]! << 8) | buf[offset + LENGTH_OFFSET + 1]!;
  if (length < HEADER_LENGTH || length > maxLength) {
    throw badMessageLength(length, `outside ${HEADER_LENGTH}..${maxLength}`);
  }
  const type = buf[offset + TYPE_OFFSET]!;
  if (type < MsgType.OPEN || type > MsgType.ROUTE_REFRESH) {
    throw headerError(HeaderSubcode.BAD_MESSAGE_TYPE, 'header.type', `unknown message type ${type}`, Uint8Array.of(type));
  }
  if (length < MIN_LENGTH_BY_TYPE[type]!) {
    throw badMessageLength(length, `too short for message type ${type}`);
  }
  // RFC 4271 §4.4: a KEEPALIVE is the header alone.
  if (type === MsgType.KEEPALIVE && length !== HEADER_LENGTH) {
    throw badMessageLength(length, 'a KEEPALIVE is exactly 19 octets');
  }
  // RFC 8654 §3: OPEN (and KEEPALIVE) never exceed 4096, even once extended messages are agreed.
  if (type === MsgType.OPEN && length > MAX_MESSAGE_LENGTH) {
    throw badMessageLength(length, 'an OPEN never exceeds 4096 octets');
  }
  return length;
}

const MARKER = new Uint8Array(MARKER_LENGTH).fill(0xff);

/** Write marker, a length placeholder and the type; returns the offset to pass to `finishHeader`. */
export function startHeader(w: WireWriter, type: MsgType): number {
  const start = w.length;
  w.bytes(MARKER).u16(0).u8(type);
  return start;
}

/** Backfill the length field of the message that `startHeader` began at `start`. */
export function finishHeader(w: WireWriter, start: number): number {
  const length = w.length - start;
  w.setU16(start + LENGTH_OFFSET, length);
  return length;
}
