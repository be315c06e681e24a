/**
 * BFD Control packet codec (RFC 5880 §4.1), without the optional Authentication Section: petrel
 * implements no authentication type (§6.7), so it never sets the A bit and discards every packet
 * that has it. Pure functions: a typed packet to its 24 octets, and a received UDP payload to a
 * packet or to the reason it is discarded (§6.8.6). Decoding never throws.
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
 */
import { BFD_STATE_NAME, BfdState, type BfdControlPacket } from './types.js';

/** RFC 5880 §4.1: the length of a Control packet without an Authentication Section. */
export const BFD_CONTROL_LENGTH = 24;
/** §4.1 "Vers": the protocol version, 1. */
export const BFD_VERSION = 1;
/** §6.8.6: with the A bit set the Length must also cover the Auth Type and Auth Len octets. */
const MIN_LENGTH_WITH_AUTH = 26;

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
 * (not the session it belongs to), in the RFC's order, plus the A bit (§6.7: petrel has no
 * authentication in use).
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
  /** The A bit is set, and petrel has no authentication in use (§6.7). */
  'authentication-unsupported',
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
 * The 24 octets of a Control packet (§4.1): version 1, A and M clear, Length 24.
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

  const out = Buffer.alloc(BFD_CONTROL_LENGTH);
  out[0] = (BFD_VERSION << 5) | packet.diag;
  out[1] =
    (packet.state << 6) |
    (packet.poll ? FLAG_POLL : 0) |
    (packet.final ? FLAG_FINAL : 0) |
    (packet.controlPlaneIndependent ? FLAG_CPI : 0) |
    (packet.demand ? FLAG_DEMAND : 0);
  out[2] = packet.detectMult;
  out[3] = BFD_CONTROL_LENGTH;
  out.writeUInt32BE(packet.myDiscriminator, 4);
  out.writeUInt32BE(packet.yourDiscriminator, 8);
  out.writeUInt32BE(packet.desiredMinTxUs, 12);
  out.writeUInt32BE(packet.requiredMinRxUs, 16);
  out.writeUInt32BE(packet.requiredMinEchoRxUs, 20);
  return out;
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
  // §6.8.6 / §6.7: "If the A bit is set and no authentication is in use (bfd.AuthType is zero),
  // the packet MUST be discarded." petrel implements no authentication.
  if (auth) return discard('authentication-unsupported', 'the A bit is set and no authentication is in use');

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
  };
}

function discard(reason: BfdDiscardReason, detail: string): BfdDiscard {
  return { discard: reason, detail };
}

function checkInteger(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`BFD Control ${field} ${value} is not an integer in ${min}..${max}`);
  }
}
