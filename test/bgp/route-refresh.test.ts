import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BgpError, headerError } from '../../src/bgp/errors.js';
import { decodeRouteRefresh, encodeRouteRefresh } from '../../src/bgp/route-refresh.js';
import type { RouteRefreshMessage } from '../../src/bgp/types.js';
import { WireReader } from '../../src/bgp/wire/reader.js';
import { WireWriter } from '../../src/bgp/wire/writer.js';
import { routeRefreshArb } from '../arbitraries/messages.js';
import { hex, message } from '../helpers/bytes.js';

const shortRead = (): BgpError => headerError(2, 'test.short', 'short read');

function decode(body: Uint8Array): RouteRefreshMessage {
  return decodeRouteRefresh(new WireReader(body, shortRead));
}

function encode(m: RouteRefreshMessage): Uint8Array {
  const w = new WireWriter(4);
  encodeRouteRefresh(w, m);
  return new Uint8Array(w.finish());
}

function errorOf(body: Uint8Array): BgpError {
  try {
    decode(body);
  } catch (e) {
    if (e instanceof BgpError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

describe('ROUTE-REFRESH (RFC 2918 §3, RFC 7313 §3)', () => {
  it.each([
    [hex`00 01 00 01`, { afi: 1, subtype: 'normal', safi: 1 }],
    [hex`00 02 01 01`, { afi: 2, subtype: 'borr', safi: 1 }],
    [hex`00 01 02 02`, { afi: 1, subtype: 'eorr', safi: 2 }],
  ] as const)('decodes %o and re-encodes it byte for byte', (body, want) => {
    const m = decode(body);
    expect(m).toEqual({ type: 'route-refresh', ...want });
    expect(encode(m)).toEqual(body);
  });

  it('decodes an undefined subtype as a number so the FSM can ignore it (RFC 7313 §5)', () => {
    const m = decode(hex`00 01 07 01`);
    expect(m).toEqual({ type: 'route-refresh', afi: 1, subtype: 7, safi: 1 });
    expect(encode(m)).toEqual(hex`00 01 07 01`);
  });

  it('accepts a longer message of an undefined subtype, which is to be ignored anyway (RFC 7313 §5)', () => {
    expect(decode(hex`00 01 ff 01 aa bb`)).toEqual({ type: 'route-refresh', afi: 1, subtype: 255, safi: 1 });
  });

  it.each([
    ['BoRR with a 5-octet body', hex`00 01 01 01 00`],
    ['EoRR with a 3-octet body', hex`00 01 02`],
  ])('rejects %s with 7/1 carrying the complete message (RFC 7313 §5)', (_name, body) => {
    const e = errorOf(body);
    expect([e.code, e.subcode, e.id, e.action]).toEqual([7, 1, 'route-refresh.length', 'session-reset']);
    expect(e.data).toEqual(message(5, body));
  });

  it.each([
    ['a normal request with a 5-octet body', hex`00 01 00 01 00`, 24],
    ['a normal request with a 3-octet body', hex`00 01 00`, 22],
    ['a 2-octet body (no subtype)', hex`00 01`, 21],
    ['an empty body', hex``, 19],
    ['an undefined subtype without a SAFI', hex`00 01 09`, 22],
  ])('rejects %s with 1/2 and the length field as data (RFC 4271 §6.1)', (_name, body, length) => {
    const e = errorOf(body);
    expect([e.code, e.subcode, e.id]).toEqual([1, 2, 'header.length']);
    expect(e.data).toEqual(Uint8Array.of(0, length));
  });

  it('round-trips ROUTE-REFRESH messages (fast-check)', () => {
    fc.assert(
      fc.property(routeRefreshArb, (m) => {
        const body = encode(m);
        expect(body).toHaveLength(4);
        expect(decode(body)).toEqual(m);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
