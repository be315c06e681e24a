import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BgpError, headerError } from '../../src/bgp/errors.js';
import { decodeOpen, encodeOpen } from '../../src/bgp/open.js';
import type { OpenMessage } from '../../src/bgp/types.js';
import { WireReader } from '../../src/bgp/wire/reader.js';
import { WireWriter } from '../../src/bgp/wire/writer.js';
import { openArb } from '../arbitraries/messages.js';
import { ascii, capability, concat, hex, ipv4, openBody, optParam, u16, u8 } from '../helpers/bytes.js';

const shortRead = (): BgpError => headerError(2, 'test.short', 'short read');

function decode(body: Uint8Array): OpenMessage {
  return decodeOpen(new WireReader(body, shortRead));
}

function encode(m: OpenMessage): Uint8Array {
  const w = new WireWriter(16);
  encodeOpen(w, m);
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

const FIXED = { myAs: 64512, holdTimeSec: 240, bgpId: '10.0.0.201' };

describe('OPEN (RFC 4271 §4.2)', () => {
  it('decodes a BIRD-style OPEN with every capability in one parameter and re-encodes it byte for byte', () => {
    const body = openBody(
      { myAs: 23456, holdTimeSec: 240, bgpId: '10.0.0.201' },
      optParam(
        2,
        capability(1, hex`00 01 00 01`),
        capability(1, hex`00 02 00 01`),
        capability(2),
        capability(70),
        capability(64, hex`40 78 00 01 01 80 00 02 01 80`),
        capability(65, hex`00 01 00 00`),
        capability(69, hex`00 01 01 03 00 02 01 03`),
        capability(6),
        capability(71, hex`00 01 01 80 00 0e 10`),
        capability(73, u8(5), ascii('node1'), u8(0)),
      ),
    );
    const want: OpenMessage = {
      type: 'open',
      version: 4,
      myAs: 23456,
      holdTimeSec: 240,
      bgpId: '10.0.0.201',
      capabilities: [
        { code: 'multiprotocol', afi: 1, safi: 1 },
        { code: 'multiprotocol', afi: 2, safi: 1 },
        { code: 'route-refresh' },
        { code: 'enhanced-route-refresh' },
        {
          code: 'graceful-restart',
          restarting: false,
          notification: true,
          restartTimeSec: 120,
          families: [
            { afi: 1, safi: 1, forwardingPreserved: true },
            { afi: 2, safi: 1, forwardingPreserved: true },
          ],
        },
        { code: 'four-octet-as', asn: 65536 },
        {
          code: 'add-path',
          families: [
            { afi: 1, safi: 1, mode: 'both' },
            { afi: 2, safi: 1, mode: 'both' },
          ],
        },
        { code: 'extended-message' },
        { code: 'long-lived-graceful-restart', families: [{ afi: 1, safi: 1, forwardingPreserved: true, staleTimeSec: 3600 }] },
        { code: 'fqdn', hostname: 'node1', domain: '' },
      ],
    };
    expect(decode(body)).toEqual(want);
    expect(encode(want)).toEqual(body);
  });

  it('keeps one parameter per capability (FRR/Quagga style) in capabilityGrouping and re-encodes it byte for byte (RFC 5492 §4)', () => {
    const body = openBody(
      FIXED,
      optParam(2, capability(1, hex`00 01 00 01`)),
      optParam(2, capability(128)),
      optParam(2, capability(2)),
      optParam(2, capability(65, hex`00 00 fc 00`)),
    );
    const m = decode(body);
    expect(m.capabilityGrouping).toEqual([1, 1, 1, 1]);
    expect(m.capabilities[1]).toEqual({ code: 'unknown', type: 128, value: new Uint8Array(0) });
    expect(encode(m)).toEqual(body);
  });

  it('decodes an OPEN with no optional parameters', () => {
    const body = openBody({ myAs: 65001, holdTimeSec: 0, bgpId: '192.0.2.1' });
    const m = decode(body);
    expect(m).toEqual({ type: 'open', version: 4, myAs: 65001, holdTimeSec: 0, bgpId: '192.0.2.1', capabilities: [] });
    expect(m.capabilityGrouping).toBeUndefined();
    expect(encode(m)).toEqual(body);
  });

  it('keeps an empty Capabilities parameter as a grouping of [0]', () => {
    const body = openBody(FIXED, optParam(2));
    const m = decode(body);
    expect(m.capabilityGrouping).toEqual([0]);
    expect(encode(m)).toEqual(body);
  });

  it('decodes the RFC 9072 extended optional parameters form and keeps it for re-encoding (RFC 9072 §2)', () => {
    const caps = concat(capability(2), capability(65, hex`00 00 fc 00`));
    const body = concat(u8(4), u16(64512), u16(90), ipv4('10.0.0.1'), hex`ff ff`, u16(3 + caps.length), u8(2), u16(caps.length), caps);
    const m = decode(body);
    expect(m).toEqual({
      type: 'open',
      version: 4,
      myAs: 64512,
      holdTimeSec: 90,
      bgpId: '10.0.0.1',
      capabilities: [{ code: 'route-refresh' }, { code: 'four-octet-as', asn: 64512 }],
      extendedOptionalParameters: true,
    });
    expect(encode(m)).toEqual(body);
  });

  it('switches to the RFC 9072 form by itself only when the parameters exceed 255 octets (RFC 9072 §2)', () => {
    const big = { code: 'unknown' as const, type: 200, value: new Uint8Array(250).fill(1) };
    const small: OpenMessage = { type: 'open', version: 4, ...FIXED, capabilities: [big] };
    // 2 + 252 = 254 octets: the classic form.
    expect(encode(small)).toEqual(openBody(FIXED, optParam(2, capability(200, big.value))));
    const two: OpenMessage = { ...small, capabilities: [big, { code: 'route-refresh' }] };
    const caps = concat(capability(200, big.value), capability(2));
    const want = concat(u8(4), u16(64512), u16(240), ipv4('10.0.0.201'), hex`ff ff`, u16(3 + caps.length), u8(2), u16(caps.length), caps);
    expect(encode(two)).toEqual(want);
    expect(decode(want)).toEqual({ ...two, extendedOptionalParameters: true });
  });

  it('reads a classic parameter block of exactly 255 octets whose first type is not 255 (RFC 9072 §2)', () => {
    const body = openBody(FIXED, optParam(2, capability(200, new Uint8Array(251))));
    expect(body[9]).toBe(255);
    expect(decode(body).extendedOptionalParameters).toBeUndefined();
  });

  it.each([0, 3, 240, 65535])('accepts hold time %i (RFC 4271 §4.2: 0 or at least 3)', (hold) => {
    expect(decode(openBody({ ...FIXED, holdTimeSec: hold })).holdTimeSec).toBe(hold);
  });

  it('accepts any non-zero BGP Identifier, e.g. 255.255.255.255 (RFC 6286 §2.2)', () => {
    expect(decode(openBody({ ...FIXED, bgpId: '255.255.255.255' })).bgpId).toBe('255.255.255.255');
  });

  const errors: [string, Uint8Array, number, number, string, Uint8Array][] = [
    ['version 3 → 2/1 with data 0x0004 (RFC 4271 §6.2)', openBody({ ...FIXED, version: 3 }), 2, 1, 'open.version', hex`00 04`],
    ['hold time 1 → 2/6 (RFC 4271 §6.2)', openBody({ ...FIXED, holdTimeSec: 1 }), 2, 6, 'open.hold-time', hex``],
    ['hold time 2 → 2/6 (RFC 4271 §6.2)', openBody({ ...FIXED, holdTimeSec: 2 }), 2, 6, 'open.hold-time', hex``],
    ['BGP Identifier 0.0.0.0 → 2/3 (RFC 6286 §2.2)', openBody({ ...FIXED, bgpId: '0.0.0.0' }), 2, 3, 'open.bgp-id', hex``],
    [
      'authentication parameter (type 1) → 2/4 (RFC 4271 §6.2, RFC 5492)',
      openBody(FIXED, optParam(1, hex`00`)),
      2,
      4,
      'open.optional-parameter.unsupported',
      hex``,
    ],
    [
      'unknown parameter after capabilities → 2/4',
      openBody(FIXED, optParam(2, capability(2)), optParam(9)),
      2,
      4,
      'open.optional-parameter.unsupported',
      hex``,
    ],
    [
      'parameters length longer than the message → 2/0',
      concat(openBody(FIXED).subarray(0, 9), u8(4), hex`02 02 02`),
      2,
      0,
      'open.optional-parameters.malformed',
      hex``,
    ],
    [
      'octets after the parameters → 2/0',
      concat(openBody(FIXED, optParam(2, capability(2))), hex`00`),
      2,
      0,
      'open.optional-parameters.malformed',
      hex``,
    ],
    [
      'a parameter running past the parameters → 2/0',
      concat(openBody(FIXED).subarray(0, 9), u8(3), hex`02 05 02`),
      2,
      0,
      'open.optional-parameters.malformed',
      hex``,
    ],
    [
      'a capability running past its parameter → 2/0 (RFC 5492 §4)',
      openBody(FIXED, optParam(2, hex`41 04 00 00`)),
      2,
      0,
      'open.optional-parameters.malformed',
      hex``,
    ],
    [
      'a lone octet after a capability → 2/0',
      openBody(FIXED, optParam(2, capability(2), hex`41`)),
      2,
      0,
      'open.optional-parameters.malformed',
      hex``,
    ],
    [
      'RFC 9072 form without its 2-octet length → 2/0',
      concat(openBody(FIXED).subarray(0, 9), hex`ff ff 00`),
      2,
      0,
      'open.optional-parameters.malformed',
      hex``,
    ],
    [
      'RFC 9072 parameter length running past the block → 2/0',
      concat(openBody(FIXED).subarray(0, 9), hex`ff ff 00 04 02 00 09 02`),
      2,
      0,
      'open.optional-parameters.malformed',
      hex``,
    ],
  ];

  it.each(errors)('rejects %s', (_name, body, code, subcode, id, data) => {
    const e = errorOf(body);
    expect({ code: e.code, subcode: e.subcode, id: e.id, action: e.action }).toEqual({ code, subcode, id, action: 'session-reset' });
    expect(e.data).toEqual(data);
  });

  it('refuses to encode a grouping that does not cover the capabilities, or a bad BGP Identifier', () => {
    const m: OpenMessage = { type: 'open', version: 4, ...FIXED, capabilities: [{ code: 'route-refresh' }], capabilityGrouping: [2] };
    expect(() => encode(m)).toThrow(RangeError);
    expect(() => encode({ ...m, capabilityGrouping: [1], bgpId: '10.0.0' })).toThrow(RangeError);
  });

  it('round-trips OPENs with every capability kind, grouping and RFC 9072 form (fast-check)', () => {
    fc.assert(
      fc.property(openArb, (m) => {
        const body = encode(m);
        const back = decode(body);
        // The decoder reports the RFC 9072 form whenever it was used, also when the size forced it.
        const usedExtended = body[9] === 255 && body[10] === 255;
        expect(back).toEqual(usedExtended ? { ...m, extendedOptionalParameters: true } : m);
        expect(encode(back)).toEqual(body);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
