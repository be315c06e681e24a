/**
 * BFD Control packet codec (RFC 5880 §4.1), with the optional Authentication Section of §4.2–4.4:
 * Simple Password, Keyed MD5 and Keyed SHA1, meticulous or not. Pure functions: a typed packet to
 * its octets (24, plus the Authentication Section when there is one), and a received UDP payload
 * to a packet or to the reason it is discarded (§6.8.6). Decoding never throws. Whether a section
 * is the right one, with the right key and sequence number, is the session's to judge (auth.ts,
 * session.ts): the codec only checks that it is well formed.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
 *   |                       My Discriminator                        |
 *   |                      Your Discriminator                       |
 *   |                    Desired Min TX Interval                    |
 *   |                   Required Min RX Interval                    |
 *   |                 Required Min Echo RX Interval                 |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |   Auth Type   |   Auth Len    |  Auth Key ID  |  Password (Simple, 1–16 octets) ...
 *   |   Auth Type   |   Auth Len    |  Auth Key ID  |   Reserved    |   (MD5, SHA1)
 *   |                        Sequence Number                        |
 *   |          Auth Key/Digest (16 octets) or Auth Key/Hash (20)    ...
 */
import { BFD_STATE_NAME, BfdAuthType, BfdState, type BfdAuthSection, type BfdControlPacket, type BfdDigestAuthType } from './types.js';

/** RFC 5880 §4.1: the length of a Control packet without an Authentication Section. */
export const BFD_CONTROL_LENGTH = 24;
/** §4.1 "Vers": the protocol version, 1. */
export const BFD_VERSION = 1;
/** §6.8.6: with the A bit set the Length must also cover the Auth Type and Auth Len octets. */
const MIN_LENGTH_WITH_AUTH = 26;
/** §4.2: Simple Password: Auth Type, Auth Len, Auth Key ID, then a password of 1–16 octets. */
export const BFD_SIMPLE_PASSWORD_MIN = 1;
export const BFD_SIMPLE_PASSWORD_MAX = 16;
const SIMPLE_HEADER_LENGTH = 3;
/** §4.3, §4.4: Auth Type, Auth Len, Auth Key ID, Reserved, Sequence Number, then the digest. */
const DIGEST_HEADER_LENGTH = 8;
/** §4.3: MD5 digests are 16 octets (Auth Len 24); §4.4: SHA1 hashes 20 (Auth Len 28). */
export const BFD_MD5_DIGEST_LENGTH = 16;
export const BFD_SHA1_DIGEST_LENGTH = 20;

const MAX_DIAG = 31;
const MAX_U32 = 0xffff_ffff;

// Octet 1: Sta (2 bits) then the flags P F C A D M.
const FLAG_POLL = 0x20;
const FLAG_FINAL = 0x10;
const FLAG_CPI = 0x08;
const FLAG_AUTH = 0x04;
const FLAG_DEMAND = 0x02;
const FLAG_MULTIPOINT = 0x01;

/**
 * Why a received packet is discarded: the checks of RFC 5880 §6.8.6 that need only the packet
 * (not the session it belongs to), in the RFC's order, then a malformed Authentication Section
 * (§4.2–4.4, §6.7).
 */
export const BFD_DISCARD_REASONS = [
  /** The version number is not 1. */
  'bad-version',
  /** The Length field is less than 24 (26 when the A bit is set). */
  'length-too-short',
  /** The Length field is greater than the payload, or the datagram cannot hold a packet at all. */
  'length-exceeds-payload',
  /** Detect Mult is zero. */
  'zero-detect-mult',
  /** The Multipoint (M) bit is set. */
  'multipoint',
  /** My Discriminator is zero. */
  'zero-my-discriminator',
  /** Your Discriminator is zero and State is neither Down nor AdminDown. */
  'zero-your-discriminator',
  /** The Auth Type is reserved (0) or unassigned (6–255): §4.1. */
  'bad-auth-type',
  /**
   * Auth Len does not fill the packet to its Length, or is not the type's: 4–19 for Simple
   * Password (§4.2), 24 for MD5 (§4.3, §6.7.3), 28 for SHA1 (§4.4, §6.7.4).
   */
  'bad-auth-length',
] as const;
export type BfdDiscardReason = (typeof BFD_DISCARD_REASONS)[number];

/** A received datagram that RFC 5880 §6.8.6 says to discard, with why, for logs and metrics. */
export interface BfdDiscard {
  readonly discard: BfdDiscardReason;
  readonly detail: string;
}

export function isBfdDiscard(x: BfdControlPacket | BfdDiscard): x is BfdDiscard {
  return 'discard' in x;
}

/**
 * A Control packet's octets (§4.1): version 1, M clear; without `auth` A clear and Length 24,
 * with it A set and the Authentication Section written as given (auth.ts signs one).
 * @throws RangeError when a field does not fit its wire width (or Detect Mult is 0)
 */
export function encodeBfdControl(packet: BfdControlPacket): Buffer {
  checkInteger('diag', packet.diag, 0, MAX_DIAG);
  checkInteger('state', packet.state, BfdState.ADMIN_DOWN, BfdState.UP);
  // §4.1: Detect Mult "MUST NOT be zero" (§6.8.6 discards such packets).
  checkInteger('detectMult', packet.detectMult, 1, 255);
  checkInteger('myDiscriminator', packet.myDiscriminator, 0, MAX_U32);
  checkInteger('yourDiscriminator', packet.yourDiscriminator, 0, MAX_U32);
  checkInteger('desiredMinTxUs', packet.desiredMinTxUs, 0, MAX_U32);
  checkInteger('requiredMinRxUs', packet.requiredMinRxUs, 0, MAX_U32);
  checkInteger('requiredMinEchoRxUs', packet.requiredMinEchoRxUs, 0, MAX_U32);

  const authLength = packet.auth === undefined ? 0 : checkAuthSection(packet.auth);
  const out = Buffer.alloc(BFD_CONTROL_LENGTH + authLength);
  out[0] = (BFD_VERSION << 5) | packet.diag;
  out[1] =
    (packet.state << 6) |
    (packet.poll ? FLAG_POLL : 0) |
    (packet.final ? FLAG_FINAL : 0) |
    (packet.controlPlaneIndependent ? FLAG_CPI : 0) |
    (packet.auth !== undefined ? FLAG_AUTH : 0) |
    (packet.demand ? FLAG_DEMAND : 0);
  out[2] = packet.detectMult;
  out[3] = out.length;
  out.writeUInt32BE(packet.myDiscriminator, 4);
  out.writeUInt32BE(packet.yourDiscriminator, 8);
  out.writeUInt32BE(packet.desiredMinTxUs, 12);
  out.writeUInt32BE(packet.requiredMinRxUs, 16);
  out.writeUInt32BE(packet.requiredMinEchoRxUs, 20);
  const auth = packet.auth;
  if (auth !== undefined) {
    out[24] = auth.type;
    out[25] = authLength;
    out[26] = auth.keyId;
    if (auth.type === BfdAuthType.SIMPLE_PASSWORD) {
      out.set(auth.password, 24 + SIMPLE_HEADER_LENGTH);
    } else {
      // §4.3, §4.4: the Reserved octet is zero on transmit.
      out.writeUInt32BE(auth.sequence, 28);
      out.set(auth.digest, 24 + DIGEST_HEADER_LENGTH);
    }
  }
  return out;
}

/** The digest length of a keyed type: 16 for MD5 (§4.3), 20 for SHA1 (§4.4). */
export function bfdDigestLength(type: BfdDigestAuthType): number {
  return type === BfdAuthType.KEYED_MD5 || type === BfdAuthType.METICULOUS_KEYED_MD5 ? BFD_MD5_DIGEST_LENGTH : BFD_SHA1_DIGEST_LENGTH;
}

/** Checks a section to encode; returns its Auth Len. */
function checkAuthSection(auth: BfdAuthSection): number {
  checkInteger('auth key ID', auth.keyId, 0, 255);
  if (auth.type === BfdAuthType.SIMPLE_PASSWORD) {
    checkInteger('password length', auth.password.length, BFD_SIMPLE_PASSWORD_MIN, BFD_SIMPLE_PASSWORD_MAX);
    return SIMPLE_HEADER_LENGTH + auth.password.length;
  }
  checkInteger('auth type', auth.type, BfdAuthType.KEYED_MD5, BfdAuthType.METICULOUS_KEYED_SHA1);
  checkInteger('auth sequence number', auth.sequence, 0, MAX_U32);
  const digestLength = bfdDigestLength(auth.type);
  checkInteger('auth digest length', auth.digest.length, digestLength, digestLength);
  return DIGEST_HEADER_LENGTH + digestLength;
}

/**
 * A received UDP payload as a Control packet, or the §6.8.6 reason to discard it. Octets beyond
 * the Length field are ignored (the Length field rules). Never throws.
 */
export function decodeBfdControl(bytes: Uint8Array): BfdControlPacket | BfdDiscard {
  // §6.8.6: "If the version number is not correct (1), the packet MUST be discarded."
  const b0 = bytes[0];
  if (b0 !== undefined && b0 >> 5 !== BFD_VERSION) {
    return discard('bad-version', `version ${b0 >> 5}, expected ${BFD_VERSION}`);
  }
  const b1 = bytes[1];
  const detectMult = bytes[2];
  const length = bytes[3];
  if (b0 === undefined || b1 === undefined || detectMult === undefined || length === undefined) {
    return discard('length-exceeds-payload', `a datagram of ${bytes.length} octets cannot hold a Control packet`);
  }
  const auth = (b1 & FLAG_AUTH) !== 0;
  // §6.8.6: "If the Length field is less than the minimum correct value (24 if the A bit is
  // clear, or 26 if the A bit is set), the packet MUST be discarded."
  const minLength = auth ? MIN_LENGTH_WITH_AUTH : BFD_CONTROL_LENGTH;
  if (length < minLength) {
    return discard('length-too-short', `Length ${length} is less than ${minLength}${auth ? ' (A bit set)' : ''}`);
  }
  // §6.8.6: "If the Length field is greater than the payload of the encapsulating protocol, the
  // packet MUST be discarded."
  if (length > bytes.length) {
    return discard('length-exceeds-payload', `Length ${length} is greater than the ${bytes.length}-octet payload`);
  }
  // §6.8.6: "If the Detect Mult field is zero, the packet MUST be discarded."
  if (detectMult === 0) return discard('zero-detect-mult', 'Detect Mult is zero');
  // §6.8.6: "If the Multipoint (M) bit is nonzero, the packet MUST be discarded."
  if ((b1 & FLAG_MULTIPOINT) !== 0) return discard('multipoint', 'the Multipoint (M) bit is set');

  const view = new DataView(bytes.buffer, bytes.byteOffset, BFD_CONTROL_LENGTH);
  const myDiscriminator = view.getUint32(4);
  const yourDiscriminator = view.getUint32(8);
  const state = (b1 >> 6) as BfdState;
  // §6.8.6: "If the My Discriminator field is zero, the packet MUST be discarded."
  if (myDiscriminator === 0) return discard('zero-my-discriminator', 'My Discriminator is zero');
  // §6.8.6: "If the Your Discriminator field is zero and the State field is not Down or
  // AdminDown, the packet MUST be discarded."
  if (yourDiscriminator === 0 && state !== BfdState.DOWN && state !== BfdState.ADMIN_DOWN) {
    return discard('zero-your-discriminator', `Your Discriminator is zero in state ${BFD_STATE_NAME[state]}`);
  }
  let section: BfdAuthSection | undefined;
  if (auth) {
    const decoded = decodeAuthSection(bytes, length);
    if ('discard' in decoded) return decoded;
    section = decoded;
  }

  return {
    diag: b0 & MAX_DIAG,
    state,
    poll: (b1 & FLAG_POLL) !== 0,
    final: (b1 & FLAG_FINAL) !== 0,
    controlPlaneIndependent: (b1 & FLAG_CPI) !== 0,
    demand: (b1 & FLAG_DEMAND) !== 0,
    detectMult,
    myDiscriminator,
    yourDiscriminator,
    desiredMinTxUs: view.getUint32(12),
    requiredMinRxUs: view.getUint32(16),
    requiredMinEchoRxUs: view.getUint32(20),
    ...(section !== undefined ? { auth: section } : {}),
  };
}

/**
 * The Authentication Section of a packet with the A bit set, whose Length (at least 26, at most
 * the payload) the caller has checked. Whether it authenticates the packet is §6.7's question.
 */
function decodeAuthSection(bytes: Uint8Array, length: number): BfdAuthSection | BfdDiscard {
  const type = bytes[24]!;
  const authLength = bytes[25]!;
  if (type === BfdAuthType.RESERVED || type > BfdAuthType.METICULOUS_KEYED_SHA1) {
    return discard('bad-auth-type', `Auth Type ${type} is ${type === 0 ? 'reserved' : 'not assigned'} (RFC 5880 §4.1)`);
  }
  // §4.1: the Authentication Section ends the packet, so Length is 24 plus Auth Len.
  if (BFD_CONTROL_LENGTH + authLength !== length) {
    return discard('bad-auth-length', `Auth Len ${authLength} does not match Length ${length} (24 + Auth Len)`);
  }
  if (type === BfdAuthType.SIMPLE_PASSWORD) {
    // §4.2: a password of 1–16 octets.
    const passwordLength = authLength - SIMPLE_HEADER_LENGTH;
    if (passwordLength < BFD_SIMPLE_PASSWORD_MIN || passwordLength > BFD_SIMPLE_PASSWORD_MAX) {
      return discard('bad-auth-length', `Auth Len ${authLength} is not 4–19 for Simple Password (RFC 5880 §4.2)`);
    }
    return { type, keyId: bytes[26]!, password: Uint8Array.from(bytes.subarray(27, length)) };
  }
  const digestType = type as BfdDigestAuthType;
  const digestLength = bfdDigestLength(digestType);
  // §6.7.3: "If the Auth Len field is not equal to 24, the packet MUST be discarded" (§6.7.4: 28).
  if (authLength !== DIGEST_HEADER_LENGTH + digestLength) {
    return discard('bad-auth-length', `Auth Len ${authLength} is not ${DIGEST_HEADER_LENGTH + digestLength} for Auth Type ${type} (RFC 5880 ${digestLength === BFD_MD5_DIGEST_LENGTH ? '§6.7.3' : '§6.7.4'})`);
  }
  const sequence = new DataView(bytes.buffer, bytes.byteOffset + 28, 4).getUint32(0);
  return { type: digestType, keyId: bytes[26]!, sequence, digest: Uint8Array.from(bytes.subarray(32, length)) };
}

function discard(reason: BfdDiscardReason, detail: string): BfdDiscard {
  return { discard: reason, detail };
}

function checkInteger(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`BFD Control ${field} ${value} is not an integer in ${min}..${max}`);
  }
}
