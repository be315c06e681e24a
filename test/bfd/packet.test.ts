/**
 * BFD Control packet codec (RFC 5880 §4.1, discards per §6.8.6). Expected bytes are written out
 * by hand; the golden fixtures in test/fixtures/bfd/ were sent by a real BIRD 2.0.12 (see the
 * README there).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BFD_CONTROL_LENGTH,
  BFD_DISCARD_REASONS,
  decodeBfdControl,
  encodeBfdControl,
  isBfdDiscard,
  type BfdDiscard,
  type BfdDiscardReason,
} from '../../src/bfd/packet.js';
import { BfdDiag, BfdState, type BfdControlPacket } from '../../src/bfd/types.js';
import { concat, hex, u32 } from '../helpers/bytes.js';
import { UP_PACKET } from './builders.js';

const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/bfd/', import.meta.url));

const base: BfdControlPacket = UP_PACKET;

/** A 24-octet Control packet written field by field, for crafting the discard cases. */
function craft(o: {
  vers?: number;
  diag?: number;
  sta?: number;
  flags?: number;
  mult?: number;
  length?: number;
  my?: number;
  your?: number;
}): Uint8Array {
  const vers = o.vers ?? 1;
  return concat(
    Uint8Array.of((vers << 5) | (o.diag ?? 0), ((o.sta ?? BfdState.UP) << 6) | (o.flags ?? 0), o.mult ?? 3, o.length ?? 24),
    u32(o.my ?? 1),
    u32(o.your ?? 2),
    u32(1_000_000),
    u32(1_000_000),
    u32(0),
  );
}

function expectDiscard(bytes: Uint8Array, reason: BfdDiscardReason): BfdDiscard {
  const r = decodeBfdControl(bytes);
  if (!isBfdDiscard(r)) throw new Error(`expected discard ${reason}, decoded ${JSON.stringify(r)}`);
  expect(r.discard).toBe(reason);
  expect(r.detail).not.toBe('');
  return r;
}

function expectPacket(bytes: Uint8Array): BfdControlPacket {
  const r = decodeBfdControl(bytes);
  if (isBfdDiscard(r)) throw new Error(`expected a packet, discarded: ${r.discard} (${r.detail})`);
  return r;
}

describe('BFD Control packet (RFC 5880 §4.1)', () => {
  it('is 24 octets without an Authentication Section', () => {
    expect(BFD_CONTROL_LENGTH).toBe(24);
  });

  it('encodes every field in its place, big-endian', () => {
    const bytes = encodeBfdControl({
      diag: BfdDiag.NEIGHBOR_SIGNALED_SESSION_DOWN,
      state: BfdState.INIT,
      poll: true,
      final: false,
      controlPlaneIndependent: true,
      demand: true,
      detectMult: 255,
      myDiscriminator: 0xdeadbeef,
      yourDiscriminator: 0x00000001,
      desiredMinTxUs: 0xffffffff,
      requiredMinRxUs: 50_000,
      requiredMinEchoRxUs: 1,
    });
    expect(bytes).toBeInstanceOf(Buffer);
    expect(new Uint8Array(bytes)).toEqual(hex`
      23        # Vers 1, Diag 3
      aa        # Sta Init (10), P 1, F 0, C 1, A 0, D 1, M 0
      ff 18     # Detect Mult 255, Length 24
      de ad be ef
      00 00 00 01
      ff ff ff ff
      00 00 c3 50
      00 00 00 01
    `);
  });

  it.each<[string, BfdControlPacket]>([
    ['Down, no Your Discriminator, 1 s slow start', { ...base, state: BfdState.DOWN, yourDiscriminator: 0, desiredMinTxUs: 1_000_000 }],
    ['AdminDown with its diagnostic', { ...base, state: BfdState.ADMIN_DOWN, diag: BfdDiag.ADMINISTRATIVELY_DOWN, yourDiscriminator: 0 }],
    ['Init', { ...base, state: BfdState.INIT }],
    ['Up with Poll', { ...base, poll: true }],
    ['Up with Final', { ...base, final: true }],
    ['Up, C and D set', { ...base, controlPlaneIndependent: true, demand: true }],
    ['reserved diagnostic 31, extreme values', { ...base, diag: 31, detectMult: 255, myDiscriminator: 0xffffffff, yourDiscriminator: 0xffffffff, desiredMinTxUs: 0xffffffff, requiredMinRxUs: 0, requiredMinEchoRxUs: 0xffffffff }],
    ['Down with Control Detection Time Expired', { ...base, state: BfdState.DOWN, diag: BfdDiag.CONTROL_DETECTION_TIME_EXPIRED, yourDiscriminator: 0, detectMult: 1 }],
  ])('round-trips %s', (_name, packet) => {
    const bytes = encodeBfdControl(packet);
    expect(bytes.length).toBe(24);
    expect(bytes[0]! >> 5).toBe(1);
    expect(bytes[3]).toBe(24);
    expect(bytes[1]! & 0x05).toBe(0); // A and M never set
    expect(decodeBfdControl(bytes)).toEqual(packet);
  });

  it('decodes from a view into a larger buffer (receive chunk offset)', () => {
    const packet = { ...base, poll: true };
    const chunk = concat(hex`ee ee ee`, encodeBfdControl(packet), hex`ee`);
    expect(decodeBfdControl(chunk.subarray(3, 27))).toEqual(packet);
  });

  it('ignores octets beyond the Length field', () => {
    const packet = { ...base, final: true };
    expect(decodeBfdControl(concat(encodeBfdControl(packet), hex`01 02 03 04 05`))).toEqual(packet);
  });

  it('accepts a Length greater than 24 without the A bit when the payload covers it', () => {
    expect(expectPacket(concat(craft({ length: 28 }), hex`00 00 00 00`)).state).toBe(BfdState.UP);
  });

  it.each<[string, keyof BfdControlPacket, number]>([
    ['diag above 31', 'diag', 32],
    ['negative diag', 'diag', -1],
    ['Detect Mult zero', 'detectMult', 0],
    ['Detect Mult above 255', 'detectMult', 256],
    ['fractional Detect Mult', 'detectMult', 2.5],
    ['My Discriminator above 2^32-1', 'myDiscriminator', 2 ** 32],
    ['negative Your Discriminator', 'yourDiscriminator', -1],
    ['fractional Desired Min TX', 'desiredMinTxUs', 0.5],
    ['Required Min RX above 2^32-1', 'requiredMinRxUs', 2 ** 32],
    ['NaN Required Min Echo RX', 'requiredMinEchoRxUs', Number.NaN],
    ['state out of its two bits', 'state', 4],
  ])('refuses to encode %s (RangeError)', (_name, field, value) => {
    expect(() => encodeBfdControl({ ...base, [field]: value })).toThrow(RangeError);
  });

  it('encodes discriminators of zero (the RFC forbids only receiving them)', () => {
    const bytes = encodeBfdControl({ ...base, myDiscriminator: 0, yourDiscriminator: 0 });
    expect(bytes.subarray(4, 12)).toEqual(Buffer.alloc(8));
  });
});

describe('BFD Control packet discards (RFC 5880 §6.8.6)', () => {
  it('lists the reasons in the RFC order', () => {
    expect(BFD_DISCARD_REASONS).toEqual([
      'bad-version',
      'length-too-short',
      'length-exceeds-payload',
      'zero-detect-mult',
      'multipoint',
      'zero-my-discriminator',
      'zero-your-discriminator',
      'bad-auth-type',
      'bad-auth-length',
    ]);
  });

  it.each([0, 2, 7])('discards version %i', (vers) => {
    expect(expectDiscard(craft({ vers }), 'bad-version').detail).toContain(`${vers}`);
  });

  it.each([0, 1, 23])('discards a Length field of %i (less than 24)', (length) => {
    expectDiscard(craft({ length }), 'length-too-short');
  });

  it.each([24, 25])('discards a Length field of %i with the A bit set (less than 26)', (length) => {
    expectDiscard(concat(craft({ flags: 0x04, length }), hex`01 02`), 'length-too-short');
  });

  it('discards a Length field greater than the payload', () => {
    expectDiscard(craft({ length: 25 }), 'length-exceeds-payload');
    expectDiscard(craft({ length: 255 }), 'length-exceeds-payload');
    expectDiscard(craft({}).subarray(0, 23), 'length-exceeds-payload');
  });

  it.each([0, 1, 3])('discards a datagram of %i octets that cannot hold the header', (n) => {
    expectDiscard(craft({}).subarray(0, n), 'length-exceeds-payload');
  });

  it('discards Detect Mult zero', () => {
    expectDiscard(craft({ mult: 0 }), 'zero-detect-mult');
  });

  it('discards the Multipoint (M) bit', () => {
    expectDiscard(craft({ flags: 0x01 }), 'multipoint');
  });

  it('discards My Discriminator zero', () => {
    expectDiscard(craft({ my: 0 }), 'zero-my-discriminator');
  });

  it.each([BfdState.INIT, BfdState.UP])('discards Your Discriminator zero in state %i', (sta) => {
    expectDiscard(craft({ sta, your: 0 }), 'zero-your-discriminator');
  });

  it.each([BfdState.DOWN, BfdState.ADMIN_DOWN])('accepts Your Discriminator zero in state %i', (sta) => {
    const p = expectPacket(craft({ sta, your: 0 }));
    expect(p.state).toBe(sta);
    expect(p.yourDiscriminator).toBe(0);
  });

  it('discards a Simple Password section too short to hold a password (Auth Len 2 < 4, §4.2)', () => {
    expectDiscard(concat(craft({ flags: 0x04, length: 26 }), hex`01 02`), 'bad-auth-length');
  });

  it('checks in the RFC order: the first failing check is reported', () => {
    // Every check fails: version wins.
    expectDiscard(craft({ vers: 2, length: 0, mult: 0, flags: 0x05, my: 0, your: 0 }), 'bad-version');
    expectDiscard(craft({ length: 30, mult: 0 }), 'length-exceeds-payload');
    expectDiscard(craft({ mult: 0, flags: 0x01, my: 0, your: 0 }), 'zero-detect-mult');
    expectDiscard(craft({ flags: 0x01, my: 0, your: 0 }), 'multipoint');
    expectDiscard(concat(craft({ flags: 0x05, length: 26, my: 0, your: 0 }), hex`01 02`), 'multipoint');
    expectDiscard(concat(craft({ flags: 0x04, length: 26, my: 0, your: 0 }), hex`01 02`), 'zero-my-discriminator');
    expectDiscard(concat(craft({ flags: 0x04, length: 26, your: 0 }), hex`01 02`), 'zero-your-discriminator');
  });
});

/** Packets that survive every §6.8.6 check: Your Discriminator zero only in Down / AdminDown. */
const u32Arb = fc.integer({ min: 0, max: 0xffffffff });
const validPacketArb: fc.Arbitrary<BfdControlPacket> = fc
  .record({
    diag: fc.integer({ min: 0, max: 31 }),
    state: fc.constantFrom(BfdState.ADMIN_DOWN, BfdState.DOWN, BfdState.INIT, BfdState.UP),
    poll: fc.boolean(),
    final: fc.boolean(),
    controlPlaneIndependent: fc.boolean(),
    demand: fc.boolean(),
    detectMult: fc.integer({ min: 1, max: 255 }),
    myDiscriminator: fc.integer({ min: 1, max: 0xffffffff }),
    yourDiscriminator: u32Arb,
    desiredMinTxUs: u32Arb,
    requiredMinRxUs: u32Arb,
    requiredMinEchoRxUs: u32Arb,
  })
  .map((p) => (p.yourDiscriminator === 0 && p.state !== BfdState.DOWN && p.state !== BfdState.ADMIN_DOWN ? { ...p, yourDiscriminator: 1 } : p));

describe('BFD Control packet properties (fast-check)', () => {
  it('decode ∘ encode is the identity on valid packets', () => {
    fc.assert(
      fc.property(validPacketArb, (p) => {
        const bytes = encodeBfdControl(p);
        expect(bytes.length).toBe(24);
        expect(decodeBfdControl(bytes)).toEqual(p);
      }),
      { seed: 42, numRuns: 1000 },
    );
  });

  it('never throws on random bytes, and re-encodes what it accepts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (bytes) => {
        const r = decodeBfdControl(bytes);
        if (isBfdDiscard(r)) {
          expect(BFD_DISCARD_REASONS).toContain(r.discard);
        } else {
          // Accepted: the first 24 octets are the packet, which re-encodes with Length 24, and
          // with the A bit the Authentication Section after them (its Reserved octet zeroed).
          const again = encodeBfdControl(r);
          expect(again.subarray(0, 3)).toEqual(Buffer.from(bytes.subarray(0, 3)));
          expect(again.subarray(4, 24)).toEqual(Buffer.from(bytes.subarray(4, 24)));
          if (r.auth === undefined) {
            expect(again.length).toBe(24);
          } else {
            const sent = Buffer.from(bytes.subarray(24, bytes[3]));
            if (r.auth.type !== 1) sent[3] = 0;
            expect(again.subarray(24)).toEqual(sent);
          }
          expect(decodeBfdControl(again)).toEqual(r);
        }
      }),
      { seed: 42, numRuns: 2000 },
    );
  });

  it('never throws on random bytes shaped like a header (version 1, plausible Length)', () => {
    const headerLike = fc
      .tuple(fc.uint8Array({ minLength: 24, maxLength: 64 }), fc.integer({ min: 0, max: 64 }))
      .map(([bytes, length]) => {
        const b = Uint8Array.from(bytes);
        b[0] = (1 << 5) | (b[0]! & 0x1f);
        b[3] = length;
        return b;
      });
    fc.assert(
      fc.property(headerLike, (bytes) => {
        const r = decodeBfdControl(bytes);
        if (!isBfdDiscard(r)) expect(decodeBfdControl(encodeBfdControl(r))).toEqual(r);
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});

describe('golden captures from BIRD 2.0.12 (test/fixtures/bfd)', () => {
  // BIRD's defaults: multiplier 5, min rx interval 10 ms, min tx interval 100 ms, and 1 s
  // (idle tx interval) while not Up, as RFC 5880 §6.8.3 requires. No echo.
  const fixtures: [file: string, state: BfdState, diag: number, flags: { poll: boolean; final: boolean }, txUs: number, yourZero: boolean][] = [
    ['bird2-down.bin', BfdState.DOWN, BfdDiag.NONE, { poll: false, final: false }, 1_000_000, true],
    ['bird2-init.bin', BfdState.INIT, BfdDiag.NONE, { poll: false, final: false }, 1_000_000, false],
    ['bird2-up-poll.bin', BfdState.UP, BfdDiag.NONE, { poll: true, final: false }, 100_000, false],
    ['bird2-up-final.bin', BfdState.UP, BfdDiag.NONE, { poll: false, final: true }, 100_000, false],
    ['bird2-up.bin', BfdState.UP, BfdDiag.NONE, { poll: false, final: false }, 100_000, false],
    ['bird2-down-detect-expired.bin', BfdState.DOWN, BfdDiag.CONTROL_DETECTION_TIME_EXPIRED, { poll: false, final: false }, 1_000_000, true],
  ];

  it.each(fixtures)('%s decodes to the expected fields and re-encodes byte for byte', (file, state, diag, flags, txUs, yourZero) => {
    const bytes = new Uint8Array(readFileSync(`${FIXTURE_DIR}${file}`));
    expect(bytes.length).toBe(24);
    expect(bytes[0]! >> 5).toBe(1); // version 1
    const p = expectPacket(bytes);
    expect(p).toMatchObject({
      state,
      diag,
      ...flags,
      controlPlaneIndependent: false,
      demand: false,
      detectMult: 5,
      desiredMinTxUs: txUs,
      requiredMinRxUs: 10_000,
      requiredMinEchoRxUs: 0,
    });
    expect(p.myDiscriminator).not.toBe(0);
    if (yourZero) expect(p.yourDiscriminator).toBe(0);
    else expect(p.yourDiscriminator).not.toBe(0);
    expect(new Uint8Array(encodeBfdControl(p))).toEqual(bytes);
  });

  it('the session captures agree on the discriminators of both ends', () => {
    const load = (f: string): BfdControlPacket => expectPacket(new Uint8Array(readFileSync(`${FIXTURE_DIR}${f}`)));
    const down = load('bird2-down.bin');
    const init = load('bird2-init.bin');
    const up = load('bird2-up.bin');
    const peerDown = load('bird2-down-detect-expired.bin');
    // 10.99.0.1 keeps its discriminator, and learns the peer's from the peer's own packets.
    expect(init.myDiscriminator).toBe(down.myDiscriminator);
    expect(up.myDiscriminator).toBe(down.myDiscriminator);
    expect(init.yourDiscriminator).toBe(peerDown.myDiscriminator);
    expect(up.yourDiscriminator).toBe(peerDown.myDiscriminator);
  });
});
