import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as bgp from '../../src/bgp/index.js';
import { BgpError, BgpFramer, decodeMessage, encodeMessage } from '../../src/bgp/index.js';
import type { BgpMessage, CodecContext } from '../../src/bgp/types.js';
import { keepaliveArb, notificationArb, openArb, routeRefreshArb } from '../arbitraries/messages.js';
import { ascii, capability, concat, hex, message, openBody, optParam, truncatedMessage, u8 } from '../helpers/bytes.js';
import { listWireFixtures, loadWireFixture } from '../peers/fixtures.js';

const OPEN_BYTES = message(
  1,
  openBody(
    { myAs: 64512, holdTimeSec: 240, bgpId: '10.0.0.201' },
    optParam(2, capability(1, hex`00 01 00 01`), capability(2), capability(65, hex`00 00 fc 00`), capability(64, hex`00 78 00 01 01 80`)),
  ),
);
const OPEN: BgpMessage = {
  type: 'open',
  version: 4,
  myAs: 64512,
  holdTimeSec: 240,
  bgpId: '10.0.0.201',
  capabilities: [
    { code: 'multiprotocol', afi: 1, safi: 1 },
    { code: 'route-refresh' },
    { code: 'four-octet-as', asn: 64512 },
    { code: 'graceful-restart', restarting: false, notification: false, restartTimeSec: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] },
  ],
};
const NOTIFICATION_BYTES = message(3, hex`06 02 05 68 65 6c 6c 6f`);
const NOTIFICATION: BgpMessage = { type: 'notification', code: 6, subcode: 2, data: hex`05 68 65 6c 6c 6f`, shutdownMessage: 'hello' };
const KEEPALIVE_BYTES = message(4);
const ROUTE_REFRESH_BYTES = message(5, hex`00 02 01 01`);
const ROUTE_REFRESH: BgpMessage = { type: 'route-refresh', afi: 2, subtype: 'borr', safi: 1 };
/** RFC 4724 §2: the IPv4 unicast End-of-RIB, an UPDATE with nothing in it. */
const END_OF_RIB_BYTES = message(2, hex`00 00 00 00`);

const GOLDEN: [string, Uint8Array, BgpMessage][] = [
  ['OPEN', OPEN_BYTES, OPEN],
  ['NOTIFICATION', NOTIFICATION_BYTES, NOTIFICATION],
  ['KEEPALIVE', KEEPALIVE_BYTES, { type: 'keepalive' }],
  ['ROUTE-REFRESH', ROUTE_REFRESH_BYTES, ROUTE_REFRESH],
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

/** The property every input must satisfy: a message, or a session-reset BgpError, nothing else. */
function decodesOrThrowsBgpError(bytes: Uint8Array, ctx?: CodecContext): void {
  try {
    decodeMessage(bytes, ctx);
  } catch (e) {
    if (!(e instanceof BgpError)) throw new Error(`non-BgpError escaped for ${Buffer.from(bytes).toString('hex')}`, { cause: e });
    expect(e.action).toBe('session-reset');
  }
}

describe('decodeMessage / encodeMessage (SPEC §2)', () => {
  it.each(GOLDEN)('decodes a whole %s and re-encodes it byte for byte', (_name, bytes, want) => {
    expect(decodeMessage(bytes)).toEqual(want);
    expect(new Uint8Array(encodeMessage(want))).toEqual(bytes);
  });

  it('decodes an End-of-RIB UPDATE through the UPDATE codec (RFC 4724 §2)', () => {
    const m = decodeMessage(END_OF_RIB_BYTES);
    expect(m).toMatchObject({ type: 'update', withdrawn: [], attributes: [], nlri: [] });
    expect(new Uint8Array(encodeMessage(m))).toEqual(END_OF_RIB_BYTES);
  });

  it('decodes messages the framer returned, views included', () => {
    const stream = concat(OPEN_BYTES, KEEPALIVE_BYTES, NOTIFICATION_BYTES);
    const framer = new BgpFramer();
    const got = [...framer.push(stream.subarray(0, 40)), ...framer.push(stream.subarray(40))].map((b) => decodeMessage(b));
    expect(got).toEqual([OPEN, { type: 'keepalive' }, NOTIFICATION]);
  });

  it('returns a Buffer from encodeMessage', () => {
    expect(Buffer.isBuffer(encodeMessage({ type: 'keepalive' }))).toBe(true);
  });

  it('accepts a NOTIFICATION above 4096 octets only with ctx.extendedMessage (RFC 8654 §3)', () => {
    const big: BgpMessage = { type: 'notification', code: 3, subcode: 1, data: new Uint8Array(5000) };
    expect(() => encodeMessage(big)).toThrow(RangeError);
    const bytes = encodeMessage(big, { extendedMessage: true });
    expect(bytes.length).toBe(5021);
    expect(decodeError(bytes).subcode).toBe(2);
    expect(decodeMessage(bytes, { extendedMessage: true })).toEqual(big);
  });

  it('never encodes an OPEN above 4096 octets, even with extended messages (RFC 8654 §3)', () => {
    const caps = Array.from({ length: 17 }, () => ({ code: 'unknown' as const, type: 200, value: new Uint8Array(250) }));
    const open: BgpMessage = { type: 'open', version: 4, myAs: 1, holdTimeSec: 90, bgpId: '1.1.1.1', capabilities: caps };
    expect(() => encodeMessage(open, { extendedMessage: true })).toThrow(RangeError);
  });

  it('re-exports the codec surface for tools', () => {
    expect(typeof bgp.BgpFramer).toBe('function');
    expect(bgp.MsgType.OPEN).toBe(1);
    expect(bgp.formatIpv4(Uint8Array.of(10, 0, 0, 1))).toBe('10.0.0.1');
    expect(bgp.notificationFor(new bgp.BgpError({ code: 4, subcode: 0, id: 'x', message: 'x' })).code).toBe(4);
    expect(bgp.describeNotification(bgp.shutdownNotification('bye'))).toContain('Cease / Administrative Shutdown');
    expect(typeof bgp.decodeUpdate).toBe('function');
    expect(typeof bgp.resolveContext).toBe('function');
  });

  describe('messages captured from BIRD 1.6, BIRD 2, GoBGP and FRR (test/fixtures/wire)', () => {
    const fixtures = listWireFixtures().map(({ daemon, name }) => loadWireFixture(daemon, name));

    it('has captures to check', () => {
      expect(new Set(fixtures.map((f) => f.daemon))).toEqual(new Set(['bird16', 'bird2', 'frr', 'gobgp']));
    });

    it.each(fixtures.filter((f) => f.bytes[18] !== 2).map((f) => [`${f.daemon}/${f.name}`, f] as const))(
      'decodes %s and re-encodes it byte for byte',
      (_name, f) => {
        const m = decodeMessage(f.bytes, f.meta);
        expect(m.type).not.toBe('update');
        expect(new Uint8Array(encodeMessage(m, f.meta))).toEqual(f.bytes);
      },
    );

    it.each(fixtures.filter((f) => f.bytes[18] === 2).map((f) => [`${f.daemon}/${f.name}`, f] as const))(
      'hands the UPDATE %s to the UPDATE codec with its session context',
      (_name, f) => {
        expect(decodeMessage(f.bytes, f.meta).type).toBe('update');
      },
    );

    it.each(fixtures.filter((f) => f.bytes[18] === 2).map((f) => [`${f.daemon}/${f.name}`, f] as const))(
      'decodes the UPDATE %s packed as the daemon does, to the same prefixes and back to the same bytes',
      (_name, f) => {
        const listed = decodeMessage(f.bytes, f.meta);
        const packed = decodeMessage(f.bytes, { ...f.meta, numericIpv4: true, packedIpv4: true });
        if (listed.type !== 'update' || packed.type !== 'update') throw new Error('not an UPDATE');
        expect(packed.packed?.withdrawn).toBeInstanceOf(bgp.PackedIpv4Prefixes);
        expect(JSON.parse(JSON.stringify(packed.packed))).toEqual(JSON.parse(JSON.stringify({ withdrawn: listed.withdrawn, nlri: listed.nlri })));
        expect(new Uint8Array(encodeMessage(packed, f.meta))).toEqual(f.bytes);
      },
    );

    it("decodes FRR's OPEN, one capability per parameter, with Cisco's route refresh kept raw (RFC 5492 §4)", () => {
      const f = loadWireFixture('frr', 'main-open');
      const want: BgpMessage = {
        type: 'open',
        version: 4,
        myAs: 23456,
        holdTimeSec: 90,
        bgpId: '10.0.0.1',
        capabilities: [
          { code: 'multiprotocol', afi: 1, safi: 1 },
          { code: 'multiprotocol', afi: 2, safi: 1 },
          { code: 'unknown', type: 128, value: new Uint8Array(0) },
          { code: 'route-refresh' },
          { code: 'enhanced-route-refresh' },
          { code: 'four-octet-as', asn: 4200000001 },
          { code: 'extended-message' },
          {
            code: 'add-path',
            families: [
              { afi: 1, safi: 1, mode: 'receive' },
              { afi: 2, safi: 1, mode: 'receive' },
            ],
          },
          { code: 'fqdn', hostname: 'petrel-frr', domain: '' },
          {
            code: 'graceful-restart',
            restarting: true,
            notification: true,
            restartTimeSec: 120,
            families: [
              { afi: 1, safi: 1, forwardingPreserved: false },
              { afi: 2, safi: 1, forwardingPreserved: false },
            ],
          },
          {
            code: 'long-lived-graceful-restart',
            families: [
              { afi: 1, safi: 1, forwardingPreserved: true, staleTimeSec: 0 },
              { afi: 2, safi: 1, forwardingPreserved: true, staleTimeSec: 0 },
            ],
          },
        ],
        capabilityGrouping: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
      };
      expect(decodeMessage(f.bytes, f.meta)).toEqual(want);
      // The same message written out independently of the capture.
      const fqdn = capability(73, u8(10), ascii('petrel-frr'), u8(0));
      const params = [
        capability(1, hex`00 01 00 01`),
        capability(1, hex`00 02 00 01`),
        capability(128),
        capability(2),
        capability(70),
        capability(65, hex`fa 56 ea 01`),
        capability(6),
        capability(69, hex`00 01 01 01 00 02 01 01`),
        fqdn,
        capability(64, hex`c0 78 00 01 01 00 00 02 01 00`),
        capability(71, hex`00 01 01 80 00 00 00 00 02 01 80 00 00 00`),
      ].map((c) => optParam(2, c));
      expect(f.bytes).toEqual(message(1, openBody({ myAs: 23456, holdTimeSec: 90, bgpId: '10.0.0.1' }, ...params)));
    });

    it("decodes BIRD 2's LLGR capability with no families and GoBGP's extended next hop kept raw", () => {
      const bird = decodeMessage(loadWireFixture('bird2', 'main-open').bytes);
      expect(bird.type === 'open' && bird.capabilities).toContainEqual({ code: 'long-lived-graceful-restart', families: [] });
      const gobgp = decodeMessage(loadWireFixture('gobgp', 'main-open').bytes);
      expect(gobgp.type === 'open' && gobgp.capabilities).toContainEqual({ code: 'unknown', type: 5, value: hex`00 01 00 01 00 02` });
    });

    it('frames each daemon\'s captures, sent as one stream, at every split point', () => {
      for (const daemon of ['bird16', 'bird2', 'frr', 'gobgp']) {
        const mine = fixtures.filter((f) => f.daemon === daemon).map((f) => f.bytes);
        const stream = concat(...mine);
        for (let at = 0; at <= stream.length; at++) {
          const framer = new BgpFramer(65535);
          const got = [...framer.push(stream.subarray(0, at)), ...framer.push(stream.subarray(at))];
          // Same message boundaries and same octets (cheaper than a deep compare at every offset).
          expect(got.map((m) => m.length), `${daemon} split at ${at}`).toEqual(mine.map((m) => m.length));
          expect(Buffer.compare(Buffer.concat(got), stream), `${daemon} split at ${at}`).toBe(0);
        }
      }
    });
  });

  describe('truncation sweep (every shorter length)', () => {
    it.each([...GOLDEN.map(([n, b]) => [n, b] as const), ['End-of-RIB UPDATE', END_OF_RIB_BYTES] as const])(
      'rejects every prefix of a %s with 1/2, data = its length field (RFC 4271 §6.1)',
      (_name, bytes) => {
        for (let n = 0; n < bytes.length; n++) {
          const e = decodeError(bytes.subarray(0, n));
          expect([e.code, e.subcode, e.id], `length ${n}`).toEqual([1, 2, 'header.length-mismatch']);
          expect(e.data, `length ${n}`).toEqual(bytes.subarray(16, Math.min(n, 18)));
        }
      },
    );

    it('rejects an OPEN cut short with its length fixed: 1/2 below 29 octets, 2/0 above (RFC 4271 §6.1, §6.2)', () => {
      for (let n = 19; n < OPEN_BYTES.length; n++) {
        const e = decodeError(truncatedMessage(OPEN_BYTES, n));
        const want = n < 29 ? [1, 2, 'header.length'] : [2, 0, 'open.optional-parameters.malformed'];
        expect([e.code, e.subcode, e.id], `length ${n}`).toEqual(want);
      }
    });

    it('rejects a NOTIFICATION below 21 octets with 1/2, and decodes a shorter one as shorter data (RFC 4271 §4.5)', () => {
      for (let n = 19; n < NOTIFICATION_BYTES.length; n++) {
        const bytes = truncatedMessage(NOTIFICATION_BYTES, n);
        if (n < 21) {
          expect(decodeError(bytes).subcode, `length ${n}`).toBe(2);
        } else {
          expect(decodeMessage(bytes), `length ${n}`).toMatchObject({ code: 6, subcode: 2, data: NOTIFICATION_BYTES.subarray(21, n) });
        }
      }
    });

    it('rejects a ROUTE-REFRESH cut short: 1/2 while the subtype is missing, 7/1 for a BoRR (RFC 7313 §5)', () => {
      const got = [19, 20, 21, 22].map((n) => {
        const e = decodeError(truncatedMessage(ROUTE_REFRESH_BYTES, n));
        return [e.code, e.subcode];
      });
      expect(got).toEqual([
        [1, 2],
        [1, 2],
        [1, 2],
        [7, 1],
      ]);
      const normal = message(5, hex`00 01 00 01`);
      for (let n = 19; n < 23; n++) expect(decodeError(truncatedMessage(normal, n)).subcode).toBe(2);
    });
  });

  describe('round trips through the whole-message codec (fast-check)', () => {
    const arbitraries = [
      ['OPEN', openArb],
      ['NOTIFICATION', notificationArb],
      ['KEEPALIVE', keepaliveArb],
      ['ROUTE-REFRESH', routeRefreshArb],
    ] as const;

    it.each(arbitraries)('%s: decode(encode(m)) re-encodes to the same bytes', (_name, arb) => {
      fc.assert(
        fc.property(arb as fc.Arbitrary<BgpMessage>, (m) => {
          const bytes = encodeMessage(m);
          expect(new Uint8Array(encodeMessage(decodeMessage(bytes)))).toEqual(new Uint8Array(bytes));
        }),
        { seed: 42, numRuns: 200 },
      );
    });
  });

  describe('any bytes decode or throw BgpError (fast-check)', () => {
    const contexts: CodecContext[] = [{}, { fourOctetAs: false }, { addPath: ['ipv4-unicast', 'ipv6-unicast'] }, { extendedMessage: true }];
    const ctxArb = fc.constantFrom(...contexts);

    it('holds for arbitrary bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 120 }), ctxArb, (bytes, ctx) => decodesOrThrowsBgpError(bytes, ctx)),
        { seed: 42, numRuns: 2000 },
      );
    });

    it('holds for a valid header of any type over arbitrary body bytes', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 7 }), fc.uint8Array({ maxLength: 300 }), ctxArb, (type, body, ctx) =>
          decodesOrThrowsBgpError(message(type, body), ctx),
        ),
        { seed: 42, numRuns: 3000 },
      );
    });

    it('holds for valid messages with mutated octets (header length kept consistent or not)', () => {
      const valid = fc.oneof(
        openArb.map((m) => new Uint8Array(encodeMessage(m))),
        notificationArb.map((m) => new Uint8Array(encodeMessage(m))),
        routeRefreshArb.map((m) => new Uint8Array(encodeMessage(m))),
        fc.constantFrom(OPEN_BYTES, NOTIFICATION_BYTES, KEEPALIVE_BYTES, ROUTE_REFRESH_BYTES, END_OF_RIB_BYTES),
        // Real captures, UPDATEs included: the whole decodeMessage path, not only ours.
        fc.constantFrom(...listWireFixtures().map(({ daemon, name }) => loadWireFixture(daemon, name).bytes)),
      );
      const mutation = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }));
      fc.assert(
        fc.property(valid, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), ctxArb, (bytes, mutations, keepLength, ctx) => {
          const out = Uint8Array.from(bytes);
          for (const [at, value] of mutations) {
            // Mostly mutate past the header, where the interesting decoding happens.
            const pos = keepLength ? 19 + (at % Math.max(1, out.length - 19)) : at % out.length;
            if (pos < out.length) out[pos] = value;
          }
          decodesOrThrowsBgpError(out, ctx);
        }),
        { seed: 42, numRuns: 5000 },
      );
    });
  });
});
