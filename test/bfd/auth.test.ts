/**
 * BFD authentication (RFC 5880 §4.2–4.4, §6.7): the Authentication Section in the codec, signing
 * and checking in auth.ts. Expected bytes are written out by hand, digests computed here with
 * node:crypto independently of auth.ts, and the known answers are packets a real BIRD 2.0.12
 * sent with each kind of authentication (test/fixtures/bfd/README.md).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bfdAuthKeyProblem, checkBfdAuth, inAuthSequenceWindow, signBfdControl, type BfdAuthKey } from '../../src/bfd/auth.js';
import { BFD_DISCARD_REASONS, decodeBfdControl, encodeBfdControl, isBfdDiscard, type BfdDiscardReason } from '../../src/bfd/packet.js';
import { BfdAuthType, BfdState, type BfdAuthSection, type BfdControlPacket } from '../../src/bfd/types.js';
import { concat, hex, u32 } from '../helpers/bytes.js';
import { UP_PACKET } from './builders.js';

const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/bfd/', import.meta.url));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(`${FIXTURE_DIR}${name}`));
const ascii = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text));

const base: BfdControlPacket = UP_PACKET;

/** The 24-octet header of `base` with the A bit and a Length, built by hand. */
function header(length: number, flags = 0xc4): Uint8Array {
  return concat(hex`20 ${flags} 03 ${length}`, u32(0x01020304), u32(0xa0b0c0d0), u32(300_000), u32(300_000), u32(0));
}

function decoded(bytes: Uint8Array): BfdControlPacket {
  const r = decodeBfdControl(bytes);
  if (isBfdDiscard(r)) throw new Error(`discarded: ${r.discard} (${r.detail})`);
  return r;
}

function expectDiscard(bytes: Uint8Array, reason: BfdDiscardReason): void {
  const r = decodeBfdControl(bytes);
  if (!isBfdDiscard(r)) throw new Error(`expected discard ${reason}, decoded ${JSON.stringify(r)}`);
  expect(r.discard).toBe(reason);
}

/** §6.7.3, §6.7.4 computed here: the digest field replaced by the zero-padded key, then hashed. */
function referenceDigest(algorithm: 'md5' | 'sha1', packet: Uint8Array, key: string): Buffer {
  const size = algorithm === 'md5' ? 16 : 20;
  const withKey = Buffer.concat([Buffer.from(packet.subarray(0, 32)), Buffer.concat([Buffer.from(key), Buffer.alloc(size)]).subarray(0, size)]);
  return createHash(algorithm).update(withKey).digest();
}

describe('Authentication Section codec (RFC 5880 §4.2–4.4)', () => {
  it('encodes Simple Password: Auth Type 1, Auth Len 3 + password, Key ID, the password (§4.2)', () => {
    const bytes = encodeBfdControl({ ...base, auth: { type: BfdAuthType.SIMPLE_PASSWORD, keyId: 9, password: ascii('abc') } });
    expect(new Uint8Array(bytes)).toEqual(concat(header(30), hex`01 06 09 61 62 63`));
  });

  it('encodes Keyed MD5: Auth Len 24, Reserved 0, Sequence Number, 16-octet digest (§4.3)', () => {
    const digest = Uint8Array.from({ length: 16 }, (_, i) => i);
    const bytes = encodeBfdControl({ ...base, auth: { type: BfdAuthType.KEYED_MD5, keyId: 1, sequence: 0xfffffffe, digest } });
    expect(new Uint8Array(bytes)).toEqual(concat(header(48), hex`02 18 01 00  ff ff ff fe`, digest));
  });

  it('encodes Meticulous Keyed SHA1: Auth Len 28, 20-octet hash (§4.4)', () => {
    const digest = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
    const bytes = encodeBfdControl({ ...base, auth: { type: BfdAuthType.METICULOUS_KEYED_SHA1, keyId: 255, sequence: 7, digest } });
    expect(new Uint8Array(bytes)).toEqual(concat(header(52), hex`05 1c ff 00  00 00 00 07`, digest));
  });

  it.each<[string, BfdAuthSection]>([
    ['Simple Password, 1 octet', { type: BfdAuthType.SIMPLE_PASSWORD, keyId: 0, password: ascii('x') }],
    ['Simple Password, 16 octets', { type: BfdAuthType.SIMPLE_PASSWORD, keyId: 1, password: ascii('0123456789abcdef') }],
    ['Keyed MD5', { type: BfdAuthType.KEYED_MD5, keyId: 2, sequence: 0, digest: new Uint8Array(16).fill(7) }],
    ['Meticulous Keyed MD5', { type: BfdAuthType.METICULOUS_KEYED_MD5, keyId: 3, sequence: 0xffffffff, digest: new Uint8Array(16).fill(8) }],
    ['Keyed SHA1', { type: BfdAuthType.KEYED_SHA1, keyId: 4, sequence: 12345, digest: new Uint8Array(20).fill(9) }],
    ['Meticulous Keyed SHA1', { type: BfdAuthType.METICULOUS_KEYED_SHA1, keyId: 5, sequence: 1, digest: new Uint8Array(20).fill(10) }],
  ])('round-trips %s, A bit set and Length 24 + Auth Len', (_name, auth) => {
    const bytes = encodeBfdControl({ ...base, auth });
    expect(bytes[1]! & 0x04).toBe(0x04);
    expect(bytes[3]).toBe(24 + bytes[25]!);
    expect(bytes.length).toBe(bytes[3]);
    expect(decoded(bytes)).toEqual({ ...base, auth });
  });

  it.each<[string, BfdAuthSection]>([
    ['an empty password', { type: BfdAuthType.SIMPLE_PASSWORD, keyId: 1, password: new Uint8Array(0) }],
    ['a 17-octet password', { type: BfdAuthType.SIMPLE_PASSWORD, keyId: 1, password: new Uint8Array(17) }],
    ['an MD5 digest of 20 octets', { type: BfdAuthType.KEYED_MD5, keyId: 1, sequence: 0, digest: new Uint8Array(20) }],
    ['a SHA1 hash of 16 octets', { type: BfdAuthType.KEYED_SHA1, keyId: 1, sequence: 0, digest: new Uint8Array(16) }],
    ['Key ID 256', { type: BfdAuthType.KEYED_SHA1, keyId: 256, sequence: 0, digest: new Uint8Array(20) }],
    ['a sequence number of 2^32', { type: BfdAuthType.KEYED_SHA1, keyId: 1, sequence: 2 ** 32, digest: new Uint8Array(20) }],
  ])('refuses to encode %s (RangeError)', (_name, auth) => {
    expect(() => encodeBfdControl({ ...base, auth })).toThrow(RangeError);
  });

  it.each([0, 6, 255])('discards Auth Type %i (reserved or unassigned, §4.1)', (type) => {
    expectDiscard(concat(header(28), hex`${type} 04 01 61`), 'bad-auth-type');
  });

  it.each<[string, Uint8Array]>([
    ['Simple Password with Auth Len 3 (no password)', concat(header(27), hex`01 03 01`)],
    ['Simple Password with Auth Len 20 (a 17-octet password)', concat(header(44), hex`01 14 01`, new Uint8Array(17))],
    ['Keyed MD5 with Auth Len 28 (§6.7.3: MUST be 24)', concat(header(52), hex`02 1c 01 00`, new Uint8Array(24))],
    ['Meticulous Keyed MD5 with Auth Len 20', concat(header(44), hex`03 14 01 00`, new Uint8Array(16))],
    ['Keyed SHA1 with Auth Len 24 (§6.7.4: MUST be 28)', concat(header(48), hex`04 18 01 00`, new Uint8Array(20))],
    ['Auth Len beyond the Length', concat(header(30), hex`01 07 01 61 62 63`, hex`64`)],
    ['Auth Len short of the Length', concat(header(31), hex`01 06 01 61 62 63`, hex`00`)],
  ])('discards %s as bad-auth-length', (_name, bytes) => {
    expectDiscard(bytes, 'bad-auth-length');
  });

  it('checks the §6.8.6 header before the Authentication Section', () => {
    expectDiscard(concat(header(28, 0xc5), hex`00 04 01 61`), 'multipoint');
    expect(BFD_DISCARD_REASONS.indexOf('bad-auth-type')).toBeGreaterThan(BFD_DISCARD_REASONS.indexOf('zero-your-discriminator'));
  });

  it('never throws, and round-trips what it accepts, over random sections (fast-check)', () => {
    const section = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 40 }), fc.uint8Array({ minLength: 0, maxLength: 40 }));
    fc.assert(
      fc.property(section, ([type, authLen, rest]) => {
        const tail = concat(Uint8Array.of(type, authLen), rest);
        const length = Math.min(255, 24 + tail.length);
        const r = decodeBfdControl(concat(header(length), tail));
        if (!isBfdDiscard(r)) expect(decodeBfdControl(encodeBfdControl(r))).toEqual(r);
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});

describe('signing and checking (RFC 5880 §6.7.2–6.7.4)', () => {
  const keys: BfdAuthKey[] = [
    { type: BfdAuthType.SIMPLE_PASSWORD, keyId: 1, key: ascii('pw') },
    { type: BfdAuthType.KEYED_MD5, keyId: 2, key: ascii('md5-key') },
    { type: BfdAuthType.METICULOUS_KEYED_MD5, keyId: 3, key: ascii('0123456789abcdef') },
    { type: BfdAuthType.KEYED_SHA1, keyId: 4, key: ascii('sha1-key') },
    { type: BfdAuthType.METICULOUS_KEYED_SHA1, keyId: 5, key: ascii('0123456789abcdefghij') },
  ];

  it.each(keys)('type $type: a signed packet passes with the same key and fails with another', (key) => {
    const wire = encodeBfdControl(signBfdControl(base, key, 0x11223344));
    const packet = decoded(wire);
    expect(checkBfdAuth(packet, wire, key)).toBeUndefined();
    const other = { ...key, key: ascii('wrong') };
    expect(checkBfdAuth(packet, wire, other)?.discard).toBe(key.type === BfdAuthType.SIMPLE_PASSWORD ? 'auth-password-mismatch' : 'auth-digest-mismatch');
    expect(checkBfdAuth(packet, wire, { ...key, keyId: key.keyId + 1 })?.discard).toBe('auth-key-id-mismatch');
  });

  it('computes the digest over the whole packet with the zero-padded key in its place (independent MD5 and SHA1)', () => {
    for (const [type, algorithm] of [
      [BfdAuthType.KEYED_MD5, 'md5'],
      [BfdAuthType.METICULOUS_KEYED_SHA1, 'sha1'],
    ] as const) {
      const wire = encodeBfdControl(signBfdControl(base, { type, keyId: 1, key: ascii('k') }, 42));
      expect(wire.subarray(32)).toEqual(referenceDigest(algorithm, wire, 'k'));
    }
  });

  it('a changed octet anywhere in the packet breaks the digest, the Reserved octet included', () => {
    const key = keys[3]!;
    const wire = encodeBfdControl(signBfdControl(base, key, 1));
    for (const at of [1, 2, 9, 23, 27, 31]) {
      const tampered = Buffer.from(wire);
      tampered[at] = tampered[at]! ^ 0x01;
      const packet = decodeBfdControl(tampered);
      if (isBfdDiscard(packet)) continue;
      expect(checkBfdAuth(packet, tampered, key)?.discard).toBe('auth-digest-mismatch');
    }
  });

  it('§6.8.6: the A bit without authentication in use, and no A bit with it, are discarded; another type too', () => {
    const signed = encodeBfdControl(signBfdControl(base, keys[3]!, 1));
    expect(checkBfdAuth(decoded(signed), signed, undefined)?.discard).toBe('auth-not-in-use');
    const plain = encodeBfdControl(base);
    expect(checkBfdAuth(base, plain, keys[3])?.discard).toBe('auth-missing');
    expect(checkBfdAuth(base, plain, undefined)).toBeUndefined();
    expect(checkBfdAuth(decoded(signed), signed, keys[4])?.discard).toBe('auth-type-mismatch');
  });

  it('§6.7.3, §6.7.4: the sequence window is RcvAuthSeq..+3×Detect Mult (from +1 when meticulous), circular', () => {
    expect(inAuthSequenceWindow(100, 100, 3, false)).toBe(true);
    expect(inAuthSequenceWindow(109, 100, 3, false)).toBe(true);
    expect(inAuthSequenceWindow(110, 100, 3, false)).toBe(false);
    expect(inAuthSequenceWindow(99, 100, 3, false)).toBe(false);
    expect(inAuthSequenceWindow(100, 100, 3, true)).toBe(false);
    expect(inAuthSequenceWindow(101, 100, 3, true)).toBe(true);
    expect(inAuthSequenceWindow(2, 0xfffffffe, 2, true)).toBe(true);
    expect(inAuthSequenceWindow(5, 0xfffffffe, 2, true)).toBe(false);
    expect(inAuthSequenceWindow(0xfffffffe, 2, 2, false)).toBe(false);
  });

  it('allows keys of 1–16 octets for Simple Password and MD5, 1–20 for SHA1, and never names the key', () => {
    expect(bfdAuthKeyProblem(BfdAuthType.SIMPLE_PASSWORD, 16)).toBeUndefined();
    expect(bfdAuthKeyProblem(BfdAuthType.SIMPLE_PASSWORD, 17)).toMatch(/simple keys are 1–16 bytes \(RFC 5880 §4\.2\); this one is 17/);
    expect(bfdAuthKeyProblem(BfdAuthType.KEYED_MD5, 17)).toMatch(/keyed-md5 keys are 1–16 bytes/);
    expect(bfdAuthKeyProblem(BfdAuthType.METICULOUS_KEYED_SHA1, 20)).toBeUndefined();
    expect(bfdAuthKeyProblem(BfdAuthType.KEYED_SHA1, 21)).toMatch(/keyed-sha1 keys are 1–20 bytes \(RFC 5880 §4\.4\)/);
    expect(bfdAuthKeyProblem(BfdAuthType.KEYED_SHA1, 0)).toBeDefined();
  });
});

describe('known answers: packets BIRD 2.0.12 sent with authentication (test/fixtures/bfd)', () => {
  const cases = [
    { file: 'bird2-keyed-sha1-down.bin', type: BfdAuthType.KEYED_SHA1, key: 'petrel-sha1-key', algorithm: 'sha1', state: BfdState.DOWN },
    { file: 'bird2-keyed-sha1-init.bin', type: BfdAuthType.KEYED_SHA1, key: 'petrel-sha1-key', algorithm: 'sha1', state: BfdState.INIT },
    { file: 'bird2-keyed-sha1-up.bin', type: BfdAuthType.KEYED_SHA1, key: 'petrel-sha1-key', algorithm: 'sha1', state: BfdState.UP },
    { file: 'bird2-meticulous-keyed-md5-down.bin', type: BfdAuthType.METICULOUS_KEYED_MD5, key: 'petrel-md5', algorithm: 'md5', state: BfdState.DOWN },
    { file: 'bird2-meticulous-keyed-md5-down-next.bin', type: BfdAuthType.METICULOUS_KEYED_MD5, key: 'petrel-md5', algorithm: 'md5', state: BfdState.DOWN },
    { file: 'bird2-meticulous-keyed-md5-init.bin', type: BfdAuthType.METICULOUS_KEYED_MD5, key: 'petrel-md5', algorithm: 'md5', state: BfdState.INIT },
  ] as const;

  it.each(cases)('$file: decodes, re-encodes byte for byte, and its digest checks out with the key', ({ file, type, key, algorithm, state }) => {
    const bytes = fixture(file);
    const packet = decoded(bytes);
    expect(packet.state).toBe(state);
    expect(packet.auth).toMatchObject({ type, keyId: 1 });
    expect(new Uint8Array(encodeBfdControl(packet))).toEqual(bytes);
    // The digest BIRD sent is the one computed here, by hand, from the RFC's rule.
    expect(Buffer.from(bytes.subarray(32))).toEqual(referenceDigest(algorithm, bytes, key));
    const authKey: BfdAuthKey = { type, keyId: 1, key: ascii(key) };
    expect(checkBfdAuth(packet, bytes, authKey)).toBeUndefined();
    expect(checkBfdAuth(packet, bytes, { ...authKey, key: ascii(`${key}x`) })?.discard).toBe('auth-digest-mismatch');
    // Signing BIRD's packet again with its sequence number gives BIRD's octets.
    const { auth, ...unsigned } = packet;
    if (auth === undefined || auth.type === BfdAuthType.SIMPLE_PASSWORD) throw new Error('expected a keyed section');
    expect(new Uint8Array(encodeBfdControl(signBfdControl(unsigned, authKey, auth.sequence)))).toEqual(bytes);
  });

  it('BIRD advances a meticulous sequence number by one per packet (§6.7.3)', () => {
    const seq = (f: string): number => {
      const auth = decoded(fixture(f)).auth;
      return auth !== undefined && auth.type !== BfdAuthType.SIMPLE_PASSWORD ? auth.sequence : -1;
    };
    const first = seq('bird2-meticulous-keyed-md5-down.bin');
    expect(seq('bird2-meticulous-keyed-md5-down-next.bin')).toBe((first + 1) >>> 0);
    expect(seq('bird2-meticulous-keyed-md5-init.bin')).toBe((first + 2) >>> 0);
    // Keyed SHA1 (not meticulous): a step or two, within any window of 3 × Detect Mult.
    expect(inAuthSequenceWindow(seq('bird2-keyed-sha1-init.bin'), seq('bird2-keyed-sha1-down.bin'), 5, false)).toBe(true);
  });

  it('bird2-simple-down.bin: Simple Password in clear, byte for byte', () => {
    const bytes = fixture('bird2-simple-down.bin');
    const packet = decoded(bytes);
    expect(bytes.subarray(24)).toEqual(hex`01 10 01 ${ascii('petrel-simple')}`);
    expect(packet.auth).toEqual({ type: BfdAuthType.SIMPLE_PASSWORD, keyId: 1, password: ascii('petrel-simple') });
    expect(new Uint8Array(encodeBfdControl(packet))).toEqual(bytes);
    const key: BfdAuthKey = { type: BfdAuthType.SIMPLE_PASSWORD, keyId: 1, key: ascii('petrel-simple') };
    expect(checkBfdAuth(packet, bytes, key)).toBeUndefined();
    expect(checkBfdAuth(packet, bytes, { ...key, key: ascii('petrel-simplE') })?.discard).toBe('auth-password-mismatch');
  });
});
