/**
 * Incremental framer: TCP chunks in, whole BGP messages out (pg-protocol/ws style, separate from
 * the socket). Each header is checked (RFC 4271 §6.1: marker, length, type; RFC 8654 maximum) as
 * soon as its 19 octets are in, before waiting for the body, so a bad length ends the session at
 * once instead of stalling on bytes that never come.
 *
 * Cost: a message that lies wholly inside one chunk is returned as a view of that chunk (no copy).
 * Only a message split across chunks is copied, once, into a buffer of exactly its length that is
 * allocated when its header is complete; so many tiny chunks cost O(total bytes), never O(n²).
 *
 * Ownership: the framer never writes to an array after returning it. Returned messages are views
 * of the pushed chunks or fresh arrays, valid for as long as the caller leaves its chunks unchanged
 * (Node's socket chunks are never reused). A view keeps its whole chunk alive: a caller that keeps
 * bytes for long (rather than decoding them) should copy them.
 */
import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from './constants.js';
import type { BgpError } from './errors.js';
import { checkHeader } from './header.js';

export class BgpFramer {
  private maxLength: number;
  /** Header octets of a message whose header is still incomplete. */
  private readonly headerBuf = new Uint8Array(HEADER_LENGTH);
  private headerFill = 0;
  /** The message being assembled across chunks, once its header is known. */
  private partial: Uint8Array | undefined;
  private partialFill = 0;
  /** After a framing error the stream is out of sync for good (RFC 4271 §6.1: close). */
  private failure: BgpError | undefined;

  /** @param maxMessageLength 4096 until RFC 8654 extended messages are negotiated */
  constructor(maxMessageLength: number = MAX_MESSAGE_LENGTH) {
    this.maxLength = checkedMax(maxMessageLength);
  }

  /** Change the largest message accepted, e.g. to 65535 once both OPENs carried capability 6. */
  setMaxMessageLength(maxMessageLength: number): void {
    this.maxLength = checkedMax(maxMessageLength);
  }

  get maxMessageLength(): number {
    return this.maxLength;
  }

  /** Octets held for a message not yet complete. */
  get bufferedLength(): number {
    return this.partial ? this.partialFill : this.headerFill;
  }

  /**
   * Feed one chunk; returns the messages it completed, in order (header included).
   * @throws BgpError 1/1, 1/2 or 1/3 on a bad header; every later push throws the same error,
   *   and messages completed earlier in the failing chunk are not returned (the session resets).
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failure) throw this.failure;
    try {
      return this.frame(chunk);
    } catch (e) {
      this.failure = e as BgpError;
      throw e;
    }
  }

  private frame(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let pos = 0;
    if (this.headerFill > 0 || this.partial) {
      pos = this.continuePending(chunk, out);
      if (pos < 0) return out; // chunk used up by the pending message
    }
    const end = chunk.length;
    while (end - pos >= HEADER_LENGTH) {
      const length = checkHeader(chunk, pos, this.maxLength);
      if (end - pos < length) {
        this.startPartial(chunk, pos, length);
        return out;
      }
      out.push(chunk.subarray(pos, pos + length));
      pos += length;
    }
    if (pos < end) {
      this.headerBuf.set(chunk.subarray(pos), 0);
      this.headerFill = end - pos;
    }
    return out;
  }

  /** Complete the pending header and/or message from the chunk; returns where the rest starts, or -1. */
  private continuePending(chunk: Uint8Array, out: Uint8Array[]): number {
    let pos = 0;
    if (!this.partial) {
      const take = Math.min(HEADER_LENGTH - this.headerFill, chunk.length);
      this.headerBuf.set(chunk.subarray(0, take), this.headerFill);
      this.headerFill += take;
      pos = take;
      if (this.headerFill < HEADER_LENGTH) return -1;
      const length = checkHeader(this.headerBuf, 0, this.maxLength);
      this.headerFill = 0;
      this.partial = new Uint8Array(length);
      this.partial.set(this.headerBuf, 0);
      this.partialFill = HEADER_LENGTH;
    }
    const message = this.partial;
    const take = Math.min(message.length - this.partialFill, chunk.length - pos);
    message.set(chunk.subarray(pos, pos + take), this.partialFill);
    this.partialFill += take;
    pos += take;
    if (this.partialFill < message.length) return -1;
    out.push(message);
    this.partial = undefined;
    this.partialFill = 0;
    return pos;
  }

  /** Copy the start of a message whose header is complete but whose body runs past this chunk. */
  private startPartial(chunk: Uint8Array, pos: number, length: number): void {
    const message = new Uint8Array(length);
    message.set(chunk.subarray(pos), 0);
    this.partial = message;
    this.partialFill = chunk.length - pos;
  }
}

function checkedMax(n: number): number {
  if (!Number.isInteger(n) || n < MAX_MESSAGE_LENGTH || n > MAX_EXTENDED_MESSAGE_LENGTH) {
    throw new RangeError(`maximum message length ${n} is outside ${MAX_MESSAGE_LENGTH}..${MAX_EXTENDED_MESSAGE_LENGTH}`);
  }
  return n;
}
