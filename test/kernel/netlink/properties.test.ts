import { readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAddressBody, writeAddressBody } from '../../../src/kernel/netlink/address.js';
import { RtmType } from '../../../src/kernel/netlink/constants.js';
import { NetlinkDecodeError } from '../../../src/kernel/netlink/errors.js';
import { decodeRtnetlink } from '../../../src/kernel/netlink/index.js';
import { decodeLinkBody, writeLinkBody } from '../../../src/kernel/netlink/link.js';
import { type BodyEncoder, type NetlinkMessage, encodeRequest, splitDatagram } from '../../../src/kernel/netlink/message.js';
import { decodeNeighBody, writeNeighBody } from '../../../src/kernel/netlink/neigh.js';
import { decodeRouteBody, writeRouteBody } from '../../../src/kernel/netlink/route.js';
import * as arb from './arbitraries.js';
import { loadFixture } from './helpers.js';

const RUNS = { seed: 42, numRuns: 300 };

function payloadOf<T>(type: number, encode: BodyEncoder<T>, body: T): Uint8Array {
  return splitDatagram(encodeRequest(type, 1, 1, encode, body))[0]!.payload;
}

/** Decodes, accepting success or NetlinkDecodeError and failing on anything else. */
function decodesOrThrowsTyped(decode: () => unknown): void {
  try {
    decode();
  } catch (e) {
    if (!(e instanceof NetlinkDecodeError)) throw e;
  }
}

/** Every shorter payload of a message decodes or throws NetlinkDecodeError (BIRD's truncation sweep). */
function truncationSweep(message: NetlinkMessage): void {
  for (let n = 0; n < message.payload.length; n++) {
    decodesOrThrowsTyped(() => decodeRtnetlink({ ...message, payload: message.payload.subarray(0, n) }));
  }
}

describe('round trips (fast-check, seed 42)', () => {
  it('routes: v4/v6, any type and table, gateways of either family, multipath', () => {
    fc.assert(
      fc.property(arb.route, (route) => {
        expect(decodeRouteBody(payloadOf(RtmType.NEWROUTE, writeRouteBody, route))).toEqual(route);
      }),
      RUNS,
    );
  });

  it('links, with vxlan data', () => {
    fc.assert(
      fc.property(arb.link, (link) => {
        expect(decodeLinkBody(payloadOf(RtmType.NEWLINK, writeLinkBody, link))).toEqual(link);
      }),
      RUNS,
    );
  });

  it('addresses', () => {
    fc.assert(
      fc.property(arb.address, (a) => {
        expect(decodeAddressBody(payloadOf(RtmType.NEWADDR, writeAddressBody, a))).toEqual(a);
      }),
      RUNS,
    );
  });

  it('neighbours and FDB entries', () => {
    fc.assert(
      fc.property(arb.neigh, (n) => {
        expect(decodeNeighBody(payloadOf(RtmType.NEWNEIGH, writeNeighBody, n))).toEqual(n);
      }),
      RUNS,
    );
  });
});

describe('decoders throw only NetlinkDecodeError', () => {
  const fixtures = readdirSync(path.join(import.meta.dirname, '..', '..', 'fixtures', 'netlink')).map((f) => f.replace(/\.hex$/, ''));

  it.each(fixtures)('on every truncation of the captured %s', (name) => {
    for (const datagram of loadFixture(name).datagrams) {
      for (let n = 0; n < datagram.length; n++) decodesOrThrowsTyped(() => splitDatagram(datagram.subarray(0, n)).map(decodeRtnetlink));
      for (const message of splitDatagram(datagram)) truncationSweep(message);
    }
  });

  it('on every truncation of encoded routes, links, addresses and neighbours', () => {
    const encoded = fc.oneof(
      arb.route.map((r) => encodeRequest(RtmType.NEWROUTE, 1, 1, writeRouteBody, r)),
      arb.link.map((l) => encodeRequest(RtmType.NEWLINK, 1, 1, writeLinkBody, l)),
      arb.address.map((a) => encodeRequest(RtmType.NEWADDR, 1, 1, writeAddressBody, a)),
      arb.neigh.map((n) => encodeRequest(RtmType.NEWNEIGH, 1, 1, writeNeighBody, n)),
    );
    fc.assert(
      fc.property(encoded, (buf) => {
        truncationSweep(splitDatagram(buf)[0]!);
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('on any bytes, as a datagram or as the body of any message type', () => {
    const types = [2, 3, 16, 17, 20, 21, 24, 25, 28, 29];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...types), fc.integer({ min: 0, max: 0xffff }), (bytes, type, flags) => {
        decodesOrThrowsTyped(() => splitDatagram(bytes).map(decodeRtnetlink));
        decodesOrThrowsTyped(() => decodeRtnetlink({ type, flags, seq: 0, pid: 0, payload: bytes }));
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});
