import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  capabilityName,
  CISCO_ROUTE_REFRESH_CAPABILITY,
  decodeCapability,
  encodeCapability,
} from '../../src/bgp/capabilities.js';
import type { Capability } from '../../src/bgp/types.js';
import { WireWriter } from '../../src/bgp/wire/writer.js';
import { capabilityArb } from '../arbitraries/messages.js';
import { ascii, capability, concat, hex, u8 } from '../helpers/bytes.js';

function encoded(c: Capability): Uint8Array {
  const w = new WireWriter(8);
  encodeCapability(w, c);
  return new Uint8Array(w.finish());
}

/** Decode a TLV built by hand: code, length, value. */
function decodeTlv(tlv: Uint8Array): Capability {
  expect(tlv[1]).toBe(tlv.length - 2);
  return decodeCapability(tlv[0]!, tlv.subarray(2));
}

describe('capabilities (RFC 5492 table)', () => {
  const golden: [string, Uint8Array, Capability][] = [
    ['multiprotocol IPv6 unicast (RFC 4760 §8)', capability(1, hex`00 02 00 01`), { code: 'multiprotocol', afi: 2, safi: 1 }],
    ['route refresh (RFC 2918 §2)', capability(2), { code: 'route-refresh' }],
    ['extended message (RFC 8654 §3)', capability(6), { code: 'extended-message' }],
    ['enhanced route refresh (RFC 7313 §4)', capability(70), { code: 'enhanced-route-refresh' }],
    ['4-octet AS (RFC 6793 §3)', capability(65, hex`00 01 00 00`), { code: 'four-octet-as', asn: 65536 }],
    [
      'graceful restart with R and N bits, time 120 and two families (RFC 4724 §3, RFC 8538 §2)',
      capability(64, hex`c0 78  00 01 01 80  00 02 01 00`),
      {
        code: 'graceful-restart',
        restarting: true,
        notification: true,
        restartTimeSec: 120,
        families: [
          { afi: 1, safi: 1, forwardingPreserved: true },
          { afi: 2, safi: 1, forwardingPreserved: false },
        ],
      },
    ],
    [
      'graceful restart with no families and the maximum 12-bit time (RFC 4724 §3)',
      capability(64, hex`0f ff`),
      { code: 'graceful-restart', restarting: false, notification: false, restartTimeSec: 4095, families: [] },
    ],
    [
      'ADD-PATH receive, send and both (RFC 7911 §4)',
      capability(69, hex`00 01 01 01  00 02 01 02  00 01 02 03`),
      {
        code: 'add-path',
        families: [
          { afi: 1, safi: 1, mode: 'receive' },
          { afi: 2, safi: 1, mode: 'send' },
          { afi: 1, safi: 2, mode: 'both' },
        ],
      },
    ],
    [
      'long-lived graceful restart with a 24-bit stale time (RFC 9494 §3)',
      capability(71, hex`00 01 01 80 ff ff fe`),
      { code: 'long-lived-graceful-restart', families: [{ afi: 1, safi: 1, forwardingPreserved: true, staleTimeSec: 0xfffffe }] },
    ],
    [
      'FQDN hostname and domain (draft-walton-bgp-hostname-capability)',
      capability(73, u8(5), ascii('node1'), u8(11), ascii('example.org')),
      { code: 'fqdn', hostname: 'node1', domain: 'example.org' },
    ],
    ['FQDN with an empty domain', capability(73, u8(2), ascii('r1'), u8(0)), { code: 'fqdn', hostname: 'r1', domain: '' }],
    ['an unknown capability, kept raw (RFC 5492 §4)', capability(200, hex`de ad be ef`), { code: 'unknown', type: 200, value: hex`de ad be ef` }],
    [
      "Cisco's pre-standard route refresh 128, kept raw",
      capability(CISCO_ROUTE_REFRESH_CAPABILITY),
      { code: 'unknown', type: 128, value: new Uint8Array(0) },
    ],
  ];

  it.each(golden)('decodes %s and re-encodes it byte for byte', (_name, tlv, want) => {
    expect(decodeTlv(tlv)).toEqual(want);
    expect(encoded(want)).toEqual(tlv);
  });

  const malformed: [string, Uint8Array][] = [
    ['multiprotocol of 3 octets', capability(1, hex`00 01 01`)],
    ['route refresh with a value', capability(2, hex`00`)],
    ['extended message with a value', capability(6, hex`01`)],
    ['enhanced route refresh with a value', capability(70, hex`01 02`)],
    ['4-octet AS of 2 octets', capability(65, hex`fc 00`)],
    ['graceful restart of 1 octet', capability(64, hex`00`)],
    ['graceful restart with a partial family', capability(64, hex`00 78 00 01 01`)],
    ['ADD-PATH with Send/Receive 0 (RFC 7911 §4: treated as not understood)', capability(69, hex`00 01 01 00`)],
    ['ADD-PATH with Send/Receive 4 (RFC 7911 §4)', capability(69, hex`00 01 01 04`)],
    ['ADD-PATH of 5 octets', capability(69, hex`00 01 01 01 00`)],
    ['long-lived graceful restart of 6 octets', capability(71, hex`00 01 01 80 00 00`)],
    ['FQDN whose hostname runs past the value', capability(73, hex`09 61 62`)],
    ['FQDN with trailing octets', capability(73, hex`01 61 01 62 63`)],
    ['FQDN with invalid UTF-8', capability(73, hex`01 ff 00`)],
    ['FQDN with no domain length', capability(73, hex`01 61`)],
  ];

  it.each(malformed)('keeps a malformed %s as unknown, byte for byte, instead of failing the OPEN', (_name, tlv) => {
    const c = decodeTlv(tlv);
    expect(c).toEqual({ code: 'unknown', type: tlv[0], value: tlv.subarray(2) });
    expect(encoded(c)).toEqual(tlv);
  });

  it('copies a raw value, so it does not pin or alias the received buffer', () => {
    const tlv = capability(200, hex`01 02`);
    const c = decodeTlv(tlv);
    tlv[2] = 9;
    expect(c).toEqual({ code: 'unknown', type: 200, value: hex`01 02` });
  });

  it('ignores reserved bits on receipt and sends them as zero (RFC 4760 §8, RFC 4724 §3)', () => {
    expect(decodeTlv(capability(1, hex`00 01 ff 01`))).toEqual({ code: 'multiprotocol', afi: 1, safi: 1 });
    const gr = decodeTlv(capability(64, hex`b0 5a 00 01 01 7f`));
    expect(gr).toEqual({
      code: 'graceful-restart',
      restarting: true,
      notification: false,
      restartTimeSec: 90,
      families: [{ afi: 1, safi: 1, forwardingPreserved: false }],
    });
    expect(encoded(gr)).toEqual(capability(64, hex`80 5a 00 01 01 00`));
  });

  it('keeps a UTF-8 byte order mark in an FQDN hostname', () => {
    const tlv = capability(73, u8(4), hex`ef bb bf 61`, u8(0));
    expect(decodeTlv(tlv)).toEqual({ code: 'fqdn', hostname: '\ufeffa', domain: '' });
    expect(encoded(decodeTlv(tlv))).toEqual(tlv);
  });

  it('refuses to encode values that do not fit their fields', () => {
    expect(() => encoded({ code: 'graceful-restart', restarting: false, notification: false, restartTimeSec: 4096, families: [] })).toThrow(
      RangeError,
    );
    expect(() => encoded({ code: 'fqdn', hostname: 'x'.repeat(256), domain: '' })).toThrow(RangeError);
    expect(() => encoded({ code: 'unknown', type: 200, value: new Uint8Array(256) })).toThrow(RangeError);
    expect(() => encoded({ code: 'add-path', families: Array.from({ length: 64 }, () => ({ afi: 1, safi: 1, mode: 'both' as const })) })).toThrow(
      RangeError,
    );
  });

  it('names capability codes for logs', () => {
    expect(capabilityName(64)).toBe('graceful-restart');
    expect(capabilityName(128)).toBe('route-refresh-cisco');
    expect(capabilityName(250)).toBe('capability-250');
  });

  it('round-trips every capability kind (fast-check, RFC 5492)', () => {
    fc.assert(
      fc.property(capabilityArb, (c) => {
        const tlv = encoded(c);
        expect(decodeTlv(tlv)).toEqual(c);
        expect(encoded(decodeTlv(tlv))).toEqual(tlv);
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('decodes every value of every known code to something that re-encodes (fast-check)', () => {
    const known = [1, 2, 6, 64, 65, 69, 70, 71, 73];
    fc.assert(
      fc.property(fc.constantFrom(...known), fc.uint8Array({ maxLength: 30 }), (code, value) => {
        const c = decodeTlv(concat(u8(code), u8(value.length), value));
        expect(() => encoded(c)).not.toThrow();
      }),
      { seed: 42, numRuns: 1000 },
    );
  });
});
