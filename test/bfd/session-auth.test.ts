/**
 * BFD authentication in the session (RFC 5880 §6.7, §6.8.1, §6.8.6) on a FakeClock: what it
 * signs and with which sequence numbers, which received packets it discards (counted, with no
 * change of state), the sequence window, and bfd.AuthSeqKnown's reset.
 */
import { describe, expect, it } from 'vitest';
import { checkBfdAuth, signBfdControl, type BfdAuthKey } from '../../src/bfd/auth.js';
import { encodeBfdControl } from '../../src/bfd/packet.js';
import { BfdSession, type BfdSessionOptions } from '../../src/bfd/session.js';
import { BfdAuthType, BfdState, type BfdAuthTypeInUse, type BfdControlPacket } from '../../src/bfd/types.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { LOCAL, sessionHarness, UP_PACKET } from './builders.js';

const PEER = 0xbeef;
const { DOWN, INIT, UP } = BfdState;
const key = (type: BfdAuthTypeInUse, text = 'the-key', keyId = 1): BfdAuthKey => ({ type, keyId, key: Uint8Array.from(Buffer.from(text)) });
const SHA1 = key(BfdAuthType.KEYED_SHA1);
const MSHA1 = key(BfdAuthType.METICULOUS_KEYED_SHA1);

function harness(auth: BfdAuthKey | undefined, overrides: Partial<BfdSessionOptions> = {}) {
  const h = sessionHarness({ xmitAuthSeq: 1000, ...(auth !== undefined ? { auth } : {}), ...overrides });
  return { ...h, get states(): BfdState[] { return h.events.map((e) => e.to); } };
}

/** A packet from the peer (Detect Mult 3, 300 ms), signed with `auth` at `sequence`. */
function fromPeer(state: BfdState, auth: BfdAuthKey | undefined, sequence: number, over: Partial<BfdControlPacket> = {}): { packet: BfdControlPacket; wire: Buffer } {
  const plain: BfdControlPacket = { ...UP_PACKET, state, myDiscriminator: PEER, yourDiscriminator: state === DOWN ? 0 : LOCAL, ...over };
  const packet = auth === undefined ? plain : signBfdControl(plain, auth, sequence);
  return { packet, wire: encodeBfdControl(packet) };
}

function receive(h: ReturnType<typeof harness>, p: { packet: BfdControlPacket; wire: Buffer }) {
  return h.session.receive(p.packet, p.wire);
}

const seqOf = (p: BfdControlPacket): number => (p.auth !== undefined && p.auth.type !== BfdAuthType.SIMPLE_PASSWORD ? p.auth.sequence : -1);

describe('transmission (RFC 5880 §6.7.2–6.7.4, §6.8.1 bfd.XmitAuthSeq)', () => {
  it('signs every packet with the key, verifiable by the peer', () => {
    for (const type of [BfdAuthType.SIMPLE_PASSWORD, BfdAuthType.KEYED_MD5, BfdAuthType.METICULOUS_KEYED_MD5, BfdAuthType.KEYED_SHA1, BfdAuthType.METICULOUS_KEYED_SHA1] as const) {
      const h = harness(key(type));
      h.session.start();
      h.clock.advance(3000);
      expect(h.sent.length).toBeGreaterThan(2);
      for (const { packet } of h.sent) {
        expect(packet.auth?.type).toBe(type);
        expect(checkBfdAuth(packet, encodeBfdControl(packet), key(type))).toBeUndefined();
      }
    }
  });

  it('meticulous: the sequence number goes up by one with every packet, from the initial value, and wraps', () => {
    const h = harness(MSHA1, { xmitAuthSeq: 0xfffffffe });
    h.session.start();
    h.clock.advance(3000);
    expect(h.sent.map((s) => seqOf(s.packet))).toEqual([0xffffffff, 0, 1, 2]);
  });

  it('keyed (not meticulous): at most one step a second, and one at each change of state', () => {
    const h = harness(SHA1);
    h.session.start();
    h.clock.advance(2000); // three packets at the 1 s slow rate: 1000, 1001, 1002
    expect(h.sent.map((s) => seqOf(s.packet))).toEqual([1000, 1001, 1002]);
    const before = h.sent.length;
    // Down → Init (the peer's Down), answered at once; Init → Up with the Poll answered.
    receive(h, fromPeer(DOWN, SHA1, 7));
    receive(h, fromPeer(UP, SHA1, 7, { poll: true }));
    expect(h.session.state).toBe(UP);
    const final = h.sent.slice(before);
    expect(seqOf(final[0]!.packet)).toBe(1003);
    // Up at 300 ms: packets within one second share a number.
    h.clock.advance(2000);
    const seqs = h.sent.slice(before).map((s) => seqOf(s.packet));
    expect(new Set(seqs).size).toBeLessThanOrEqual(4);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]! - seqs[i - 1]!).toBeGreaterThanOrEqual(0);
    expect(seqs.at(-1)! - seqs[0]!).toBeLessThanOrEqual(3);
  });

  it('starts bfd.XmitAuthSeq at a random value by default (§6.8.1)', () => {
    const first = (): number => {
      const clock = new FakeClock();
      const sent: BfdControlPacket[] = [];
      const s = new BfdSession({ desiredMinTxMs: 300, requiredMinRxMs: 300, detectMult: 3, localDiscriminator: LOCAL, clock, auth: MSHA1, send: (p) => sent.push(p) });
      s.start();
      return seqOf(sent[0]!);
    };
    const values = new Set([first(), first(), first(), first()]);
    expect(values.size).toBeGreaterThan(1);
  });
});

describe('reception (RFC 5880 §6.8.6, §6.7)', () => {
  it('comes Up with the right key; a wrong key, type or key ID is discarded, counted, and changes nothing', () => {
    const h = harness(SHA1);
    h.session.start();
    expect(receive(h, fromPeer(DOWN, key(BfdAuthType.KEYED_SHA1, 'wrong'), 1))?.discard).toBe('auth-digest-mismatch');
    expect(receive(h, fromPeer(DOWN, MSHA1, 1))?.discard).toBe('auth-type-mismatch');
    expect(receive(h, fromPeer(DOWN, key(BfdAuthType.KEYED_SHA1, 'the-key', 2), 1))?.discard).toBe('auth-key-id-mismatch');
    expect(receive(h, fromPeer(DOWN, undefined, 0))?.discard).toBe('auth-missing');
    expect(h.session.state).toBe(DOWN);
    expect(h.session.info()).toMatchObject({ remoteDiscriminator: 0, authFailures: 4, authType: BfdAuthType.KEYED_SHA1, authKeyId: 1 });
    expect(receive(h, fromPeer(DOWN, SHA1, 1))).toBeUndefined();
    expect(receive(h, fromPeer(UP, SHA1, 1))).toBeUndefined();
    expect(h.states).toEqual([DOWN, INIT, UP]);
  });

  it('without authentication configured, a packet with the A bit is discarded (§6.8.6)', () => {
    const h = harness(undefined);
    h.session.start();
    expect(receive(h, fromPeer(DOWN, SHA1, 1))?.discard).toBe('auth-not-in-use');
    expect(h.session.state).toBe(DOWN);
    expect(h.session.info()).toMatchObject({ authFailures: 1, authType: undefined });
  });

  it('rejects a replayed (older) sequence number, accepts the window up to 3 × Detect Mult ahead (keyed)', () => {
    const h = harness(SHA1);
    h.session.start();
    expect(receive(h, fromPeer(DOWN, SHA1, 500))).toBeUndefined();
    expect(receive(h, fromPeer(UP, SHA1, 500))).toBeUndefined(); // same number: keyed allows it
    expect(receive(h, fromPeer(UP, SHA1, 509))).toBeUndefined(); // +9 = 3 × 3
    expect(receive(h, fromPeer(UP, SHA1, 505))?.discard).toBe('auth-sequence-out-of-window'); // a replay
    expect(receive(h, fromPeer(UP, SHA1, 519))?.discard).toBe('auth-sequence-out-of-window'); // too far ahead
    expect(h.session.state).toBe(UP);
  });

  it('meticulous: the same sequence number twice is a replay', () => {
    const h = harness(MSHA1);
    h.session.start();
    const first = fromPeer(DOWN, MSHA1, 0xffffffff);
    expect(receive(h, first)).toBeUndefined();
    expect(receive(h, first)?.discard).toBe('auth-sequence-out-of-window');
    expect(receive(h, fromPeer(UP, MSHA1, 0))).toBeUndefined(); // wraps
    expect(h.session.state).toBe(UP);
  });

  it('a forged packet (bad digest) does not move the window', () => {
    const h = harness(MSHA1);
    h.session.start();
    receive(h, fromPeer(DOWN, MSHA1, 100));
    expect(receive(h, fromPeer(UP, key(BfdAuthType.METICULOUS_KEYED_SHA1, 'forged'), 108))?.discard).toBe('auth-digest-mismatch');
    // Still relative to 100: 101 is accepted, which it would not be after 108.
    expect(receive(h, fromPeer(UP, MSHA1, 101))).toBeUndefined();
  });

  it('forgets bfd.RcvAuthSeq after 2 × Detection Time without a valid packet (§6.8.1 bfd.AuthSeqKnown)', () => {
    const h = harness(MSHA1);
    h.session.start();
    receive(h, fromPeer(DOWN, MSHA1, 100));
    receive(h, fromPeer(UP, MSHA1, 101));
    expect(h.session.info().detectionTimeMs).toBe(900);
    // The peer restarts with a new random sequence number: out of the window while it is known.
    h.clock.advance(1000);
    expect(h.session.state).toBe(DOWN);
    expect(receive(h, fromPeer(DOWN, MSHA1, 5))?.discard).toBe('auth-sequence-out-of-window');
    h.clock.advance(800); // 1800 ms = 2 × 900 since the last valid packet
    expect(receive(h, fromPeer(DOWN, MSHA1, 5))).toBeUndefined();
    expect(h.session.state).toBe(INIT);
  });

  it('applies a new key on reload: packets signed with it at once, and the old key refused', () => {
    const h = harness(SHA1);
    h.session.start();
    receive(h, fromPeer(DOWN, SHA1, 1));
    const next = key(BfdAuthType.KEYED_MD5, 'new-key', 9);
    h.session.setAuth(next);
    h.clock.advance(1000);
    expect(h.sent.at(-1)!.packet.auth).toMatchObject({ type: BfdAuthType.KEYED_MD5, keyId: 9 });
    expect(receive(h, fromPeer(INIT, SHA1, 2))?.discard).toBe('auth-type-mismatch');
    // bfd.AuthSeqKnown starts over with the new key: any sequence number is taken first.
    expect(receive(h, fromPeer(INIT, next, 77_777))).toBeUndefined();
    expect(h.session.info()).toMatchObject({ authType: BfdAuthType.KEYED_MD5, authKeyId: 9 });
    h.session.setAuth(undefined);
    expect(receive(h, fromPeer(UP, undefined, 0))).toBeUndefined();
  });

  it('refuses keys longer than the type allows', () => {
    expect(() => harness(key(BfdAuthType.KEYED_MD5, 'x'.repeat(17)))).toThrow(RangeError);
    expect(() => harness(key(BfdAuthType.KEYED_SHA1, 'x'.repeat(20)))).not.toThrow();
  });
});
