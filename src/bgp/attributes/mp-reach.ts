/**
 * MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760 §3, §4) for IPv4 and IPv6 unicast and multicast.
 * IPv6 next hops are 16 octets, or 32 for global + link-local (RFC 2545 §3); IPv4 NLRI may carry
 * an IPv6 next hop of 16 or 32 octets (RFC 8950 §3). Any other AFI/SAFI is kept opaque in `raw`
 * (everything after the AFI/SAFI octets) so it can be passed on or ignored.
 *
 * A malformed MP attribute is a session reset: RFC 7606 §7.11 allows "session reset" or
 * "AFI/SAFI disable", and petrel does not implement AFI/SAFI disable. Header problems (too short,
 * next-hop length inconsistent with the AFI) are 3/9 Optional Attribute Error (RFC 4760 §7); NLRI
 * that do not parse are 3/10 Invalid Network Field (RFC 7606 §5.3).
 */
import { Afi } from '../constants.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../address.js';
import { afiSafiName, type ResolvedContext } from '../context.js';
import type { BgpError } from '../errors.js';
import { decodePrefixes, encodePrefixes, type PrefixFamily } from '../nlri.js';
import type { Nlri, PathAttribute } from '../types.js';
import type { WireWriter } from '../wire/writer.js';

type MpReach = Extract<PathAttribute, { type: 'mp-reach' }>;
type MpUnreach = Extract<PathAttribute, { type: 'mp-unreach' }>;

/** AFI (2) + SAFI (1) + next-hop length (1) + reserved (1). */
export const MP_REACH_MIN_LENGTH = 5;
/** AFI (2) + SAFI (1). */
export const MP_UNREACH_MIN_LENGTH = 3;
const AFI_SAFI_LENGTH = 3;
const IPV4_LENGTH = 4;
const IPV6_LENGTH = 16;

export interface MpDecodeEnv {
  readonly ctx: ResolvedContext;
  readonly flags: number;
  readonly bad: (why: string) => BgpError;
}

function familyOf(afi: number): PrefixFamily {
  return afi === Afi.IPV4 ? 4 : 6;
}

function addPathFor(ctx: ResolvedContext, afi: number, safi: number): boolean {
  const name = afiSafiName(afi, safi);
  return name !== undefined && ctx.addPath.has(name);
}

/** The next hops in `v[p, p+len)`, or undefined when the length does not fit the AFI. */
function decodeNextHops(v: Uint8Array, p: number, len: number, afi: number): string[] | undefined {
  if (afi === Afi.IPV4 && len === IPV4_LENGTH) return [formatIpv4(v, p)];
  if (len === IPV6_LENGTH) return [formatIpv6(v, p)];
  if (len === 2 * IPV6_LENGTH) return [formatIpv6(v, p), formatIpv6(v, p + IPV6_LENGTH)];
  return undefined;
}

export function decodeMpReach(v: Uint8Array, env: MpDecodeEnv): MpReach {
  if (v.length < MP_REACH_MIN_LENGTH) throw env.bad(`${v.length} octets is shorter than the fixed fields`);
  const afi = (v[0]! << 8) | v[1]!;
  const safi = v[2]!;
  if (afiSafiName(afi, safi) === undefined) {
    return { type: 'mp-reach', flags: env.flags, afi, safi, nextHops: [], nlri: [], raw: v.slice(AFI_SAFI_LENGTH) };
  }
  const nextHopLength = v[3]!;
  const nlriStart = 4 + nextHopLength + 1; // next hop, then the reserved octet (RFC 4760 §3: ignored)
  if (nlriStart > v.length) throw env.bad(`next hop length ${nextHopLength} runs past the attribute`);
  const nextHops = decodeNextHops(v, 4, nextHopLength, afi);
  // RFC 7606 §7.11: an unexpected next-hop length means the NLRI cannot be located.
  if (!nextHops) throw env.bad(`next hop length ${nextHopLength} does not fit AFI ${afi}`);
  const nlri = decodePrefixes(v, nlriStart, v.length, familyOf(afi), addPathFor(env.ctx, afi, safi), env.ctx.numericIpv4);
  return { type: 'mp-reach', flags: env.flags, afi, safi, nextHops, nlri };
}

export function decodeMpUnreach(v: Uint8Array, env: MpDecodeEnv): MpUnreach {
  if (v.length < MP_UNREACH_MIN_LENGTH) throw env.bad(`${v.length} octets is shorter than AFI and SAFI`);
  const afi = (v[0]! << 8) | v[1]!;
  const safi = v[2]!;
  if (afiSafiName(afi, safi) === undefined) {
    return { type: 'mp-unreach', flags: env.flags, afi, safi, withdrawn: [], raw: v.slice(AFI_SAFI_LENGTH) };
  }
  const withdrawn = decodePrefixes(v, AFI_SAFI_LENGTH, v.length, familyOf(afi), addPathFor(env.ctx, afi, safi), env.ctx.numericIpv4);
  return { type: 'mp-unreach', flags: env.flags, afi, safi, withdrawn };
}

function nextHopBytes(s: string): Uint8Array {
  const bytes = parseIpv4(s) ?? parseIpv6(s);
  if (!bytes) throw new RangeError(`not an IP address: ${s}`);
  return bytes;
}

/** Writes the next-hop length and next hops (each IPv4 text as 4 octets, IPv6 as 16). */
export function encodeNextHops(w: WireWriter, nextHops: readonly string[]): void {
  const parts = nextHops.map(nextHopBytes);
  w.u8(parts.reduce((n, b) => n + b.length, 0));
  for (const b of parts) w.bytes(b);
}

function knownFamily(afi: number, safi: number): PrefixFamily {
  if (afiSafiName(afi, safi) === undefined) throw new RangeError(`AFI ${afi} SAFI ${safi} needs raw bytes`);
  return familyOf(afi);
}

/** Writes the MP_REACH_NLRI value, with `nlri` in place of the attribute's own list if given. */
export function encodeMpReach(w: WireWriter, a: MpReach, ctx: ResolvedContext, nlri: readonly Nlri[] = a.nlri): void {
  w.u16(a.afi).u8(a.safi);
  if (a.raw) {
    w.bytes(a.raw);
    return;
  }
  const family = knownFamily(a.afi, a.safi);
  encodeNextHops(w, a.nextHops);
  w.u8(0); // reserved
  encodePrefixes(w, nlri, family, addPathFor(ctx, a.afi, a.safi));
}

export function encodeMpUnreach(w: WireWriter, a: MpUnreach, ctx: ResolvedContext): void {
  w.u16(a.afi).u8(a.safi);
  if (a.raw) {
    w.bytes(a.raw);
    return;
  }
  // An empty withdrawal list (an End-of-RIB, RFC 4724 §2) needs no knowledge of the family.
  if (a.withdrawn.length > 0) encodePrefixes(w, a.withdrawn, knownFamily(a.afi, a.safi), addPathFor(ctx, a.afi, a.safi));
}

/** Whether NLRI of this AFI/SAFI carry RFC 7911 path identifiers on this session. */
export function mpAddPath(ctx: ResolvedContext, afi: number, safi: number): boolean {
  return addPathFor(ctx, afi, safi);
}
