/**
 * The bytes the benchmark's test clients send and the lean parser they receive with.
 *
 * Sending: the announcing client's whole UPDATE stream is encoded once, up front, with petrel's
 * own codec (`packUpdates` fills 4096-octet UPDATEs, RFC 4271 §4.3), and then written in large
 * chunks, so the client never limits the reflector under test.
 *
 * Receiving: no attribute is decoded. A receiver only walks the framing and the prefix lengths
 * of the Withdrawn Routes and NLRI fields (and of IPv4 MP_REACH/MP_UNREACH, RFC 4760, should a
 * reflector use them), and keeps one bit per benchmark prefix: it knows exactly how many of the
 * announced prefixes it holds, whatever the order, duplicates or implicit withdrawals.
 */
import {
  Afi,
  AttrFlag,
  AttrType,
  BGP_VERSION,
  encodeMessage,
  HEADER_LENGTH,
  MARKER_LENGTH,
  MsgType,
  resolveContext,
  Safi,
  type Nlri,
  type PathAttribute,
} from '../../src/bgp/index.js';
import { packUpdates } from '../../src/bgp/update.js';

/** The benchmark's prefixes are /24s counted up from 11.0.0.0/24: index i is 11+(i>>16).(i>>8).i.0. */
const FIRST_OCTET = 11;
const BENCH_PREFIX_LENGTH = 24;
/** 2^24 /24s fit between 11.0.0.0 and 11+255.255.255.0; far more than any scenario needs. */
export const MAX_BENCH_PREFIXES = 1 << 24;

export function benchPrefix(index: number): string {
  return `${FIRST_OCTET + (index >>> 16)}.${(index >>> 8) & 255}.${index & 255}.0/${BENCH_PREFIX_LENGTH}`;
}

export interface OpenParams {
  readonly asn: number;
  readonly bgpId: string;
  readonly holdTimeSec: number;
}

/** OPEN with IPv4 unicast, route refresh and 4-octet AS; no ADD-PATH, no graceful restart. */
export function encodeOpenMessage(p: OpenParams): Buffer {
  return encodeMessage({
    type: 'open',
    version: BGP_VERSION,
    myAs: p.asn,
    holdTimeSec: p.holdTimeSec,
    bgpId: p.bgpId,
    capabilities: [
      { code: 'multiprotocol', afi: Afi.IPV4, safi: Safi.UNICAST },
      { code: 'route-refresh' },
      { code: 'four-octet-as', asn: p.asn },
    ],
  });
}

export const KEEPALIVE_BYTES: Buffer = encodeMessage({ type: 'keepalive' });

function withHeader(bodies: readonly Buffer[]): Buffer {
  const total = bodies.reduce((n, b) => n + HEADER_LENGTH + b.length, 0);
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (const body of bodies) {
    out.fill(0xff, pos, pos + MARKER_LENGTH);
    out.writeUInt16BE(HEADER_LENGTH + body.length, pos + MARKER_LENGTH);
    out[pos + MARKER_LENGTH + 2] = MsgType.UPDATE;
    body.copy(out, pos + HEADER_LENGTH);
    pos += HEADER_LENGTH + body.length;
  }
  return out;
}

function benchNlri(count: number): Nlri[] {
  const list = new Array<Nlri>(count);
  for (let i = 0; i < count; i++) list[i] = { prefix: benchPrefix(i) };
  return list;
}

/** A whole UPDATE stream as one buffer, and how many messages it holds. */
export interface UpdateStream {
  readonly bytes: Buffer;
  readonly messages: number;
}

/**
 * `count` prefixes announced by an iBGP client with identical attributes (ORIGIN IGP, empty
 * AS_PATH, NEXT_HOP the client itself, LOCAL_PREF 100), packed into full UPDATEs.
 */
export function encodeAnnouncements(count: number, nextHop: string): UpdateStream {
  const attributes: PathAttribute[] = [
    { type: 'origin', origin: 'igp' },
    { type: 'as-path', segments: [] },
    { type: 'next-hop', nextHop },
    { type: 'local-pref', localPref: 100 },
  ];
  const bodies = packUpdates(attributes, benchNlri(count), [], resolveContext());
  return { bytes: withHeader(bodies), messages: bodies.length };
}

/** The same prefixes withdrawn, packed into full UPDATEs. */
export function encodeWithdrawals(count: number): UpdateStream {
  const bodies = packUpdates([], [], benchNlri(count), resolveContext());
  return { bytes: withHeader(bodies), messages: bodies.length };
}

/**
 * One bit per benchmark prefix: which of them this receiver holds. Prefixes that are not the
 * benchmark's (none are expected) are counted apart and otherwise ignored.
 */
export class PrefixHoldings {
  private bits: Uint8Array;
  held = 0;
  foreign = 0;

  constructor(capacity: number) {
    this.bits = new Uint8Array(capacity);
  }

  /** Forget everything and track `capacity` prefixes (a new scenario on the same session). */
  reset(capacity: number): void {
    this.bits = new Uint8Array(capacity);
    this.held = 0;
    this.foreign = 0;
  }

  /** Walks one UPDATE (header included) and applies its withdrawals, then its NLRI. */
  applyUpdate(msg: Uint8Array): void {
    const end = msg.length;
    let pos = HEADER_LENGTH;
    const withdrawnLength = (msg[pos]! << 8) | msg[pos + 1]!;
    pos += 2;
    this.walk(msg, pos, pos + withdrawnLength, false);
    pos += withdrawnLength;
    const attributesLength = (msg[pos]! << 8) | msg[pos + 1]!;
    pos += 2;
    this.walkAttributes(msg, pos, pos + attributesLength);
    pos += attributesLength;
    this.walk(msg, pos, end, true);
  }

  /** RFC 4760: IPv4 unicast NLRI carried in MP_REACH_NLRI / MP_UNREACH_NLRI. */
  private walkAttributes(msg: Uint8Array, from: number, to: number): void {
    let pos = from;
    while (pos + 3 <= to) {
      const flags = msg[pos]!;
      const type = msg[pos + 1]!;
      const extended = (flags & AttrFlag.EXTENDED_LENGTH) !== 0;
      const length = extended ? (msg[pos + 2]! << 8) | msg[pos + 3]! : msg[pos + 2]!;
      const value = pos + (extended ? 4 : 3);
      pos = value + length;
      if (type !== AttrType.MP_REACH_NLRI && type !== AttrType.MP_UNREACH_NLRI) continue;
      const afi = (msg[value]! << 8) | msg[value + 1]!;
      if (afi !== Afi.IPV4 || msg[value + 2] !== Safi.UNICAST) continue;
      if (type === AttrType.MP_UNREACH_NLRI) {
        this.walk(msg, value + 3, pos, false);
      } else {
        const nextHopLength = msg[value + 3]!;
        // AFI, SAFI, next-hop length, next hop, one reserved octet, then the NLRI.
        this.walk(msg, value + 4 + nextHopLength + 1, pos, true);
      }
    }
  }

  /** Prefixes as (length octet, ceil(length/8) address octets), RFC 4271 §4.3. */
  private walk(msg: Uint8Array, from: number, to: number, announce: boolean): void {
    let pos = from;
    while (pos < to) {
      const length = msg[pos]!;
      const index = length === BENCH_PREFIX_LENGTH ? ((msg[pos + 1]! - FIRST_OCTET) << 16) | (msg[pos + 2]! << 8) | msg[pos + 3]! : -1;
      pos += 1 + ((length + 7) >>> 3);
      if (index < 0 || index >= this.bits.length) {
        this.foreign += 1;
        continue;
      }
      if (announce) {
        if (this.bits[index] === 0) {
          this.bits[index] = 1;
          this.held += 1;
        }
      } else if (this.bits[index] === 1) {
        this.bits[index] = 0;
        this.held -= 1;
      }
    }
  }
}
