import { describe, expect, it } from 'vitest';
import { BgpError } from '../../src/bgp/errors.js';
import { checkHeader, finishHeader, startHeader } from '../../src/bgp/header.js';
import { WireWriter } from '../../src/bgp/wire/writer.js';
import { concat, hex, message, MARKER, withLength } from '../helpers/bytes.js';

function headerErrorOf(buf: Uint8Array, max = 4096): BgpError {
  try {
    checkHeader(buf, 0, max);
  } catch (e) {
    if (e instanceof BgpError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

describe('message header (RFC 4271 §4.1, §6.1)', () => {
  it('returns the length of a valid header at any offset', () => {
    const buf = concat(hex`00 00 00`, message(4));
    expect(checkHeader(buf, 3, 4096)).toBe(19);
  });

  it('rejects a marker that is not all ones with 1/1 (RFC 4271 §6.1)', () => {
    const msg = message(4);
    msg[7] = 0xfe;
    const e = headerErrorOf(msg);
    expect([e.code, e.subcode, e.id, e.data.length]).toEqual([1, 1, 'header.marker', 0]);
  });

  it.each([
    [18, 'below the 19-octet header'],
    [4097, 'above 4096'],
    [0, 'zero'],
    [0xffff, 'at 65535 without extended messages'],
  ])('rejects length %i (%s) with 1/2 and the length field as data (RFC 4271 §6.1)', (length) => {
    const e = headerErrorOf(withLength(message(2, hex`00 00 00 00`), length));
    expect([e.code, e.subcode, e.id]).toEqual([1, 2, 'header.length']);
    expect(e.data).toEqual(Uint8Array.of(length >> 8, length & 0xff));
  });

  it.each([0, 6, 255])('rejects message type %i with 1/3 and the type as data (RFC 4271 §6.1)', (type) => {
    const e = headerErrorOf(message(type, hex`00 00 00 00`));
    expect([e.code, e.subcode, e.id]).toEqual([1, 3, 'header.type']);
    expect(e.data).toEqual(Uint8Array.of(type));
  });

  it.each([
    [1, 28, 'OPEN below 29'],
    [2, 22, 'UPDATE below 23'],
    [3, 20, 'NOTIFICATION below 21'],
    [4, 20, 'KEEPALIVE above 19'],
  ])('rejects type %i with length %i (%s) with 1/2 (RFC 4271 §6.1)', (type, length) => {
    const msg = concat(MARKER, Uint8Array.of(length >> 8, length & 0xff, type), new Uint8Array(length - 19));
    const e = headerErrorOf(msg);
    expect([e.code, e.subcode, e.id]).toEqual([1, 2, 'header.length']);
    expect(e.data).toEqual(Uint8Array.of(0, length));
  });

  it('accepts the minimum length of each type', () => {
    for (const [type, length] of [[1, 29], [2, 23], [3, 21], [4, 19], [5, 23]] as const) {
      const msg = concat(MARKER, Uint8Array.of(0, length, type), new Uint8Array(length - 19));
      expect(checkHeader(msg, 0, 4096)).toBe(length);
    }
  });

  it('accepts an UPDATE up to 65535 octets once extended messages are negotiated (RFC 8654 §3)', () => {
    const head = concat(MARKER, hex`ff ff 02`);
    expect(checkHeader(head, 0, 65535)).toBe(65535);
    expect(headerErrorOf(head, 4096).subcode).toBe(2);
  });

  it('never accepts an OPEN above 4096, even with extended messages (RFC 8654 §3)', () => {
    const e = headerErrorOf(concat(MARKER, hex`10 01 01`), 65535);
    expect([e.code, e.subcode, e.id]).toEqual([1, 2, 'header.length']);
    expect(e.data).toEqual(hex`10 01`);
  });

  it('writes a header whose length is backfilled', () => {
    const w = new WireWriter(4);
    const start = startHeader(w, 5);
    w.u16(1).u8(0).u8(1);
    expect(finishHeader(w, start)).toBe(23);
    expect(new Uint8Array(w.finish())).toEqual(message(5, hex`00 01 00 01`));
  });
});
