/**
 * BFD authentication (RFC 5880 §6.7), the pure part: signing a Control packet and checking a
 * received one against the configured key, for the five types of §4.2–4.4 — Simple Password
 * (§6.7.2), Keyed MD5 and Meticulous Keyed MD5 (§6.7.3), Keyed SHA1 and Meticulous Keyed SHA1
 * (§6.7.4). The sequence numbers (bfd.XmitAuthSeq, bfd.RcvAuthSeq, bfd.AuthSeqKnown) are session
 * state and live in session.ts; the window test is here.
 *
 * The keyed types carry a digest computed over the whole packet with the key, zero-padded to
 * the digest's length, in the digest's place (§6.7.3, §6.7.4): the receiver puts its own key
 * there and computes again. petrel holds one key per session, selected by its Auth Key ID.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { BFD_MD5_DIGEST_LENGTH, BFD_SHA1_DIGEST_LENGTH, BFD_SIMPLE_PASSWORD_MAX, BFD_SIMPLE_PASSWORD_MIN, BFD_CONTROL_LENGTH, bfdDigestLength, encodeBfdControl } from './packet.js';
import { BFD_AUTH_TYPE_NAME, BfdAuthType, type BfdAuthTypeInUse, type BfdControlPacket, type BfdDigestAuthType } from './types.js';

/** The authentication a session uses: bfd.AuthType, the Auth Key ID, and the key itself. */
export interface BfdAuthKey {
  readonly type: BfdAuthTypeInUse;
  /** 0–255 (§4.1 Auth Key ID). */
  readonly keyId: number;
  /** The password (Simple: 1–16 octets) or the key (MD5: 1–16, SHA1: 1–20). */
  readonly key: Uint8Array;
}

/** Offset of the digest in a packet with a keyed Authentication Section (§4.3, §4.4). */
const DIGEST_OFFSET = BFD_CONTROL_LENGTH + 8;

/** Why a packet that reached its session fails authentication (RFC 5880 §6.8.6, §6.7). */
export const BFD_AUTH_DISCARD_REASONS = [
  /** §6.8.6: the A bit is set and no authentication is in use. */
  'auth-not-in-use',
  /** §6.8.6: the A bit is clear and authentication is in use. */
  'auth-missing',
  /** §6.7.2–6.7.4: the Auth Type is not the one in use. */
  'auth-type-mismatch',
  /** §6.7.2–6.7.4: the Auth Key ID is not the configured key's. */
  'auth-key-id-mismatch',
  /** §6.7.3, §6.7.4: the Sequence Number is outside the window after bfd.RcvAuthSeq (a replay, or too far ahead). */
  'auth-sequence-out-of-window',
  /** §6.7.2: the password is not the configured one. */
  'auth-password-mismatch',
  /** §6.7.3, §6.7.4: the digest computed with our key differs. */
  'auth-digest-mismatch',
] as const;
export type BfdAuthDiscardReason = (typeof BFD_AUTH_DISCARD_REASONS)[number];

export interface BfdAuthDiscard {
  readonly discard: BfdAuthDiscardReason;
  readonly detail: string;
}

/** §6.7.3, §6.7.4: the meticulous types advance the sequence number with every packet. */
export function isMeticulous(type: BfdAuthTypeInUse): boolean {
  return type === BfdAuthType.METICULOUS_KEYED_MD5 || type === BfdAuthType.METICULOUS_KEYED_SHA1;
}

/** The longest key a type takes: 16 octets for Simple Password (§4.2) and MD5 (§4.3), 20 for SHA1 (§4.4). */
export function bfdAuthKeyMaxLength(type: BfdAuthTypeInUse): number {
  if (type === BfdAuthType.SIMPLE_PASSWORD) return BFD_SIMPLE_PASSWORD_MAX;
  return bfdDigestLength(type) === BFD_MD5_DIGEST_LENGTH ? BFD_MD5_DIGEST_LENGTH : BFD_SHA1_DIGEST_LENGTH;
}

/** What is wrong with a key of `length` octets for `type`, or undefined. Never mentions the key itself. */
export function bfdAuthKeyProblem(type: BfdAuthTypeInUse, length: number): string | undefined {
  const max = bfdAuthKeyMaxLength(type);
  if (length >= BFD_SIMPLE_PASSWORD_MIN && length <= max) return undefined;
  const section = type === BfdAuthType.SIMPLE_PASSWORD ? '§4.2' : max === BFD_MD5_DIGEST_LENGTH ? '§4.3' : '§4.4';
  return `${BFD_AUTH_TYPE_NAME[type]} keys are 1\u2013${max} bytes (RFC 5880 ${section}); this one is ${length}`;
}

/**
 * The packet with its Authentication Section (§6.7.2–6.7.4 transmission): the password, or the
 * sequence number and the digest of the whole packet computed with the key in the digest's place.
 * `sequence` is bfd.XmitAuthSeq (ignored for Simple Password).
 */
export function signBfdControl(packet: BfdControlPacket, key: BfdAuthKey, sequence: number): BfdControlPacket {
  if (key.type === BfdAuthType.SIMPLE_PASSWORD) {
    return { ...packet, auth: { type: key.type, keyId: key.keyId, password: key.key } };
  }
  const withKey: BfdControlPacket = { ...packet, auth: { type: key.type, keyId: key.keyId, sequence, digest: paddedKey(key.type, key.key) } };
  const digest = bfdAuthDigest(key.type, encodeBfdControl(withKey), key.key);
  return { ...packet, auth: { type: key.type, keyId: key.keyId, sequence, digest } };
}

/**
 * §6.7.3, §6.7.4: the MD5 or SHA1 digest of a packet (its Length octets, as sent or received)
 * with the Auth Key/Digest field replaced by the key, zero-padded to 16 or 20 octets.
 */
export function bfdAuthDigest(type: BfdDigestAuthType, wire: Uint8Array, key: Uint8Array): Buffer {
  const length = bfdDigestLength(type);
  const packet = Buffer.from(wire.subarray(0, DIGEST_OFFSET + length));
  packet.set(paddedKey(type, key), DIGEST_OFFSET);
  return createHash(length === BFD_MD5_DIGEST_LENGTH ? 'md5' : 'sha1')
    .update(packet)
    .digest();
}

/**
 * §6.7.3, §6.7.4: whether `sequence` lies in bfd.RcvAuthSeq..bfd.RcvAuthSeq + 3 × Detect Mult
 * (from bfd.RcvAuthSeq + 1 for the meticulous types), in the circular 32-bit number space.
 */
export function inAuthSequenceWindow(sequence: number, rcvAuthSeq: number, detectMult: number, meticulous: boolean): boolean {
  const ahead = (sequence - rcvAuthSeq) >>> 0;
  return ahead >= (meticulous ? 1 : 0) && ahead <= 3 * detectMult;
}

/**
 * The checks of §6.8.6 and §6.7.2–6.7.4 that need no session state: the A bit against the
 * configuration, the Auth Type, the Auth Key ID, and the password or digest. `wire` is the packet
 * as received (at least its Length octets): the digest covers every octet, the Reserved one
 * included. The sequence window is the caller's (it holds bfd.RcvAuthSeq).
 */
export function checkBfdAuth(packet: BfdControlPacket, wire: Uint8Array, key: BfdAuthKey | undefined): BfdAuthDiscard | undefined {
  const auth = packet.auth;
  if (key === undefined) {
    return auth === undefined ? undefined : discard('auth-not-in-use', 'the A bit is set and no authentication is in use');
  }
  if (auth === undefined) return discard('auth-missing', `the A bit is clear and ${BFD_AUTH_TYPE_NAME[key.type]} authentication is in use`);
  if (auth.type !== key.type) return discard('auth-type-mismatch', `Auth Type ${auth.type}, expected ${key.type} (${BFD_AUTH_TYPE_NAME[key.type]})`);
  if (auth.keyId !== key.keyId) return discard('auth-key-id-mismatch', `Auth Key ID ${auth.keyId}, expected ${key.keyId}`);
  if (auth.type === BfdAuthType.SIMPLE_PASSWORD) {
    // §6.7.2: the password must match the one of the selected key.
    return sameOctets(auth.password, key.key) ? undefined : discard('auth-password-mismatch', 'the password does not match');
  }
  const expected = bfdAuthDigest(auth.type, wire, key.key);
  return sameOctets(auth.digest, expected) ? undefined : discard('auth-digest-mismatch', `the ${bfdDigestLength(auth.type) === BFD_MD5_DIGEST_LENGTH ? 'MD5' : 'SHA1'} digest does not match`);
}

/** §6.7.3, §6.7.4: a key shorter than the digest is padded with zero octets. */
function paddedKey(type: BfdDigestAuthType, key: Uint8Array): Buffer {
  const out = Buffer.alloc(bfdDigestLength(type));
  out.set(key.subarray(0, out.length));
  return out;
}

/** Equal octets, compared in constant time (the length is no secret: Auth Len carries it). */
function sameOctets(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function discard(reason: BfdAuthDiscardReason, detail: string): BfdAuthDiscard {
  return { discard: reason, detail };
}
