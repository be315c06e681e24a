import { describe, expect, it } from 'vitest';
import { BgpError } from '../../src/bgp/errors.js';
import { BgpFramer } from '../../src/bgp/framer.js';
import { capability, concat, hex, message, openBody, optParam, u16, withLength } from '../helpers/bytes.js';

/** A stream of one message of each type, built by hand (the UPDATE is an IPv4 End-of-RIB). */
const MESSAGES: readonly Uint8Array[] = [
  message(1, openBody({ myAs: 64512, holdTimeSec: 240, bgpId: '10.0.0.1' }, optParam(2, capability(65, hex`00 00 fc 00`)))),
  message(4),
  message(2, hex`00 00 00 00`),
  message(5, hex`00 01 00 01`),
  message(3, hex`06 02 03 62 79 65`),
  message(4),
];
const STREAM = concat(...MESSAGES);

function collect(framer: BgpFramer, chunks: Uint8Array[]): Uint8Array[] {
  return chunks.flatMap((c) => framer.push(c));
}

function errorOf(f: () => unknown): BgpError {
  try {
    f();
  } catch (e) {
    if (e instanceof BgpError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

describe('BgpFramer', () => {
  it('returns every message of a chunk that holds several', () => {
    expect(new BgpFramer().push(STREAM)).toEqual(MESSAGES);
  });

  it('returns the same messages when the stream is split in two at every offset', () => {
    for (let at = 0; at <= STREAM.length; at++) {
      const got = collect(new BgpFramer(), [STREAM.subarray(0, at), STREAM.subarray(at)]);
      expect(got, `split at ${at}`).toEqual(MESSAGES);
    }
  });

  it('returns the same messages when the stream arrives byte by byte', () => {
    const framer = new BgpFramer();
    const chunks = Array.from(STREAM, (b) => Uint8Array.of(b));
    expect(collect(framer, chunks)).toEqual(MESSAGES);
    expect(framer.bufferedLength).toBe(0);
  });

  it('returns the same messages for every split into three chunks around the second message', () => {
    const a = MESSAGES[0]!.length - 3;
    for (let b = a; b <= a + 30; b++) {
      const got = collect(new BgpFramer(), [STREAM.subarray(0, a), STREAM.subarray(a, b), STREAM.subarray(b)]);
      expect(got, `split at ${a}, ${b}`).toEqual(MESSAGES);
    }
  });

  it('returns views of the chunk, without copying, for messages wholly inside it', () => {
    const out = new BgpFramer().push(STREAM);
    expect(out[1]!.buffer).toBe(STREAM.buffer);
    expect(out[1]!.byteOffset).toBe(MESSAGES[0]!.length);
  });

  it('never writes to a message it returned when later chunks arrive', () => {
    const framer = new BgpFramer();
    const first = framer.push(STREAM.subarray(0, MESSAGES[0]!.length + 5));
    const snapshot = Uint8Array.from(first[0]!);
    framer.push(STREAM.subarray(MESSAGES[0]!.length + 5));
    expect(first[0]).toEqual(snapshot);
  });

  it('holds a partial header and a partial body between pushes', () => {
    const framer = new BgpFramer();
    expect(framer.push(STREAM.subarray(0, 10))).toEqual([]);
    expect(framer.bufferedLength).toBe(10);
    expect(framer.push(STREAM.subarray(10, 25))).toEqual([]);
    expect(framer.bufferedLength).toBe(25);
  });

  it('reports a bad length as soon as the header is in, without waiting for the body (RFC 4271 §6.1)', () => {
    const framer = new BgpFramer();
    const bad = withLength(message(2, hex`00 00 00 00`), 5000);
    const e = errorOf(() => framer.push(bad.subarray(0, 19)));
    expect([e.code, e.subcode, e.id]).toEqual([1, 2, 'header.length']);
    expect(e.data).toEqual(u16(5000));
  });

  it('reports a bad marker with 1/1 and a bad type with 1/3, also when the header is split', () => {
    const badMarker = message(4);
    badMarker[0] = 0;
    expect(errorOf(() => collect(new BgpFramer(), [badMarker.subarray(0, 7), badMarker.subarray(7)])).subcode).toBe(1);
    const badType = message(9, hex`00 00 00 00`);
    const e = errorOf(() => collect(new BgpFramer(), [badType.subarray(0, 18), badType.subarray(18)]));
    expect([e.code, e.subcode, e.data]).toEqual([1, 3, Uint8Array.of(9)]);
  });

  it('keeps failing with the same error after a framing error (RFC 4271 §6.1: the stream is out of sync)', () => {
    const framer = new BgpFramer();
    const bad = message(7, hex`00`);
    const first = errorOf(() => framer.push(bad));
    expect(errorOf(() => framer.push(message(4)))).toBe(first);
  });

  it('accepts 65535-octet UPDATEs only after setMaxMessageLength (RFC 8654)', () => {
    const big = message(2, hex`00 00`, u16(65535 - 23), new Uint8Array(65535 - 23));
    expect(errorOf(() => new BgpFramer().push(big.subarray(0, 19))).subcode).toBe(2);
    const framer = new BgpFramer();
    framer.setMaxMessageLength(65535);
    expect(framer.maxMessageLength).toBe(65535);
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < big.length; at += 1000) chunks.push(big.subarray(at, at + 1000));
    const got = collect(framer, chunks);
    expect(got).toHaveLength(1);
    expect(got[0]).toEqual(big);
  });

  it('refuses a maximum outside 4096..65535', () => {
    expect(() => new BgpFramer(100)).toThrow(RangeError);
    expect(() => new BgpFramer().setMaxMessageLength(70000)).toThrow(RangeError);
  });

  it('assembles a 65535-octet message pushed one octet at a time', () => {
    const framer = new BgpFramer(65535);
    const big = message(2, hex`00 00`, u16(65535 - 23), new Uint8Array(65535 - 23).fill(7));
    let got: Uint8Array[] = [];
    for (let i = 0; i < big.length; i++) got = got.concat(framer.push(big.subarray(i, i + 1)));
    expect(got).toEqual([big]);
  });
});
