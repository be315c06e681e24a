/**
 * The malformed-input table (ws style): each hand-built message, the NOTIFICATION it must raise
 * (code, subcode, data), the RFC 7606 action and the stable error id. Header rows run through
 * both `decodeMessage` and the framer, which must agree.
 */
import { describe, expect, it } from 'vitest';
import { BgpError } from '../../src/bgp/errors.js';
import { BgpFramer } from '../../src/bgp/framer.js';
import { decodeMessage } from '../../src/bgp/index.js';
import type { CodecContext } from '../../src/bgp/types.js';
import { capability, concat, hex, MARKER, message, openBody, optParam, u16, u8, withLength } from '../helpers/bytes.js';

interface Row {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly code: number;
  readonly subcode: number;
  readonly id: string;
  readonly data: Uint8Array;
  readonly ctx?: CodecContext;
}

const OPEN_FIXED = { myAs: 64512, holdTimeSec: 240, bgpId: '10.0.0.1' };
const badMarker = message(4);
badMarker[15] = 0x7f;

const HEADER_ROWS: Row[] = [
  { name: 'marker not all ones → 1/1 (RFC 4271 §6.1)', bytes: badMarker, code: 1, subcode: 1, id: 'header.marker', data: hex`` },
  { name: 'length 18 → 1/2 (RFC 4271 §6.1)', bytes: withLength(message(4), 18), code: 1, subcode: 2, id: 'header.length', data: hex`00 12` },
  {
    name: 'length 4097 → 1/2 (RFC 4271 §4)',
    bytes: withLength(message(2, hex`00 00 00 00`), 4097),
    code: 1,
    subcode: 2,
    id: 'header.length',
    data: hex`10 01`,
  },
  {
    name: 'length 65535 without extended messages → 1/2 (RFC 8654 §3)',
    bytes: withLength(message(3, hex`06 00`), 0xffff),
    code: 1,
    subcode: 2,
    id: 'header.length',
    data: hex`ff ff`,
  },
  {
    name: 'OPEN of 4097 octets even with extended messages → 1/2 (RFC 8654 §3)',
    bytes: message(1, openBody(OPEN_FIXED, optParam(2, capability(200, new Uint8Array(200)))), new Uint8Array(4097 - 19 - 10 - 204)),
    code: 1,
    subcode: 2,
    id: 'header.length',
    data: hex`10 01`,
    ctx: { extendedMessage: true },
  },
  { name: 'type 0 → 1/3 (RFC 4271 §6.1)', bytes: message(0), code: 1, subcode: 3, id: 'header.type', data: hex`00` },
  { name: 'type 6 → 1/3 (RFC 4271 §6.1)', bytes: message(6, hex`00 00`), code: 1, subcode: 3, id: 'header.type', data: hex`06` },
  { name: 'OPEN of 28 octets → 1/2 (RFC 4271 §6.1)', bytes: message(1, new Uint8Array(9)), code: 1, subcode: 2, id: 'header.length', data: hex`00 1c` },
  { name: 'UPDATE of 22 octets → 1/2 (RFC 4271 §6.1)', bytes: message(2, hex`00 00 00`), code: 1, subcode: 2, id: 'header.length', data: hex`00 16` },
  { name: 'KEEPALIVE of 20 octets → 1/2 (RFC 4271 §4.4)', bytes: message(4, hex`00`), code: 1, subcode: 2, id: 'header.length', data: hex`00 14` },
  { name: 'NOTIFICATION of 20 octets → 1/2 (RFC 4271 §6.1)', bytes: message(3, hex`06`), code: 1, subcode: 2, id: 'header.length', data: hex`00 14` },
];

const BODY_ROWS: Row[] = [
  {
    name: 'OPEN version 3 → 2/1, data = highest supported version (RFC 4271 §6.2)',
    bytes: message(1, openBody({ ...OPEN_FIXED, version: 3 })),
    code: 2,
    subcode: 1,
    id: 'open.version',
    data: hex`00 04`,
  },
  {
    name: 'OPEN hold time 1 → 2/6 (RFC 4271 §6.2)',
    bytes: message(1, openBody({ ...OPEN_FIXED, holdTimeSec: 1 })),
    code: 2,
    subcode: 6,
    id: 'open.hold-time',
    data: hex``,
  },
  {
    name: 'OPEN hold time 2 → 2/6 (RFC 4271 §6.2)',
    bytes: message(1, openBody({ ...OPEN_FIXED, holdTimeSec: 2 })),
    code: 2,
    subcode: 6,
    id: 'open.hold-time',
    data: hex``,
  },
  {
    name: 'OPEN BGP Identifier 0.0.0.0 → 2/3 (RFC 6286 §2.2)',
    bytes: message(1, openBody({ ...OPEN_FIXED, bgpId: '0.0.0.0' })),
    code: 2,
    subcode: 3,
    id: 'open.bgp-id',
    data: hex``,
  },
  {
    name: 'OPEN optional parameter type 1 → 2/4 (RFC 4271 §6.2)',
    bytes: message(1, openBody(OPEN_FIXED, optParam(1, hex`01 02`))),
    code: 2,
    subcode: 4,
    id: 'open.optional-parameter.unsupported',
    data: hex``,
  },
  {
    name: 'OPEN parameters length beyond the message → 2/0',
    bytes: message(1, openBody(OPEN_FIXED).subarray(0, 9), u8(10), optParam(2, capability(2))),
    code: 2,
    subcode: 0,
    id: 'open.optional-parameters.malformed',
    data: hex``,
  },
  {
    name: 'OPEN capability overrunning its parameter → 2/0 (RFC 5492 §4)',
    bytes: message(1, openBody(OPEN_FIXED, optParam(2, hex`02 01`))),
    code: 2,
    subcode: 0,
    id: 'open.optional-parameters.malformed',
    data: hex``,
  },
  {
    name: 'OPEN RFC 9072 block whose length disagrees with the message → 2/0 (RFC 9072 §2)',
    bytes: message(1, openBody(OPEN_FIXED).subarray(0, 9), hex`ff ff`, u16(9), u8(2), u16(2), capability(2)),
    code: 2,
    subcode: 0,
    id: 'open.optional-parameters.malformed',
    data: hex``,
  },
  {
    name: 'ROUTE-REFRESH BoRR of 24 octets → 7/1 with the complete message (RFC 7313 §5)',
    bytes: message(5, hex`00 01 01 01 00`),
    code: 7,
    subcode: 1,
    id: 'route-refresh.length',
    data: message(5, hex`00 01 01 01 00`),
  },
  {
    name: 'ROUTE-REFRESH EoRR of 22 octets → 7/1 with the complete message (RFC 7313 §5)',
    bytes: message(5, hex`00 02 02`),
    code: 7,
    subcode: 1,
    id: 'route-refresh.length',
    data: message(5, hex`00 02 02`),
  },
  {
    name: 'ROUTE-REFRESH normal request of 24 octets → 1/2 (RFC 2918 §3)',
    bytes: message(5, hex`00 01 00 01 00`),
    code: 1,
    subcode: 2,
    id: 'header.length',
    data: hex`00 18`,
  },
  {
    name: 'ROUTE-REFRESH of 19 octets → 1/2 (RFC 2918 §3)',
    bytes: message(5),
    code: 1,
    subcode: 2,
    id: 'header.length',
    data: hex`00 13`,
  },
];

const MISMATCH_ROWS: Row[] = [
  {
    name: 'fewer octets than the header says → 1/2',
    bytes: message(4).subarray(0, 18),
    code: 1,
    subcode: 2,
    id: 'header.length-mismatch',
    data: hex`00 13`,
  },
  {
    name: 'more octets than the header says → 1/2',
    bytes: concat(message(4), hex`00`),
    code: 1,
    subcode: 2,
    id: 'header.length-mismatch',
    data: hex`00 13`,
  },
  {
    name: 'a header cut inside the length field → 1/2',
    bytes: concat(MARKER, hex`00`),
    code: 1,
    subcode: 2,
    id: 'header.length-mismatch',
    data: hex`00`,
  },
];

function decodeError(bytes: Uint8Array, ctx?: CodecContext): BgpError {
  try {
    decodeMessage(bytes, ctx);
  } catch (e) {
    if (e instanceof BgpError) return e;
    throw e;
  }
  throw new Error('decoded without error');
}

function framerError(bytes: Uint8Array, ctx?: CodecContext): BgpError {
  const framer = new BgpFramer(ctx?.extendedMessage ? 65535 : 4096);
  try {
    framer.push(bytes);
  } catch (e) {
    if (e instanceof BgpError) return e;
    throw e;
  }
  throw new Error('framed without error');
}

const summary = (e: BgpError): object => ({ code: e.code, subcode: e.subcode, id: e.id, action: e.action, data: e.data });

describe('malformed messages', () => {
  it.each([...HEADER_ROWS, ...BODY_ROWS, ...MISMATCH_ROWS].map((r) => [r.name, r] as const))('decodeMessage: %s', (_name, row) => {
    expect(summary(decodeError(row.bytes, row.ctx))).toEqual({
      code: row.code,
      subcode: row.subcode,
      id: row.id,
      action: 'session-reset',
      data: row.data,
    });
  });

  it.each(HEADER_ROWS.map((r) => [r.name, r] as const))('framer, from the header alone: %s', (_name, row) => {
    expect(summary(framerError(row.bytes.subarray(0, 19), row.ctx))).toEqual(summary(decodeError(row.bytes, row.ctx)));
  });
});
