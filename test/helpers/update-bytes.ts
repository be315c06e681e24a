/**
 * UPDATE-specific pieces for the independent byte builder in `bytes.ts`: path attributes, NLRI
 * and UPDATE bodies written out octet by octet, never through petrel's encoder.
 */
import { concat, u16, u32, u8 } from './bytes.js';

export const FLAG = { OPTIONAL: 0x80, TRANSITIVE: 0x40, PARTIAL: 0x20, EXTENDED: 0x10 } as const;
/** Well-known (transitive), optional transitive, optional non-transitive. */
export const WK = FLAG.TRANSITIVE;
export const OT = FLAG.OPTIONAL | FLAG.TRANSITIVE;
export const ON = FLAG.OPTIONAL;

/** A path attribute: flags, type code, 1- or 2-octet length (by the Extended Length flag), value. */
export function attr(flags: number, code: number, ...value: (Uint8Array | number[])[]): Uint8Array {
  const v = concat(...value.map((x) => Uint8Array.from(x)));
  const len = flags & FLAG.EXTENDED ? u16(v.length) : u8(v.length);
  return concat(u8(flags), u8(code), len, v);
}

/** An NLRI: length octet and the significant octets as given. */
export function pfx(len: number, ...octets: number[]): Uint8Array {
  if (octets.length !== (len + 7) >> 3) throw new Error(`prefix /${len} needs ${(len + 7) >> 3} octets`);
  return Uint8Array.of(len, ...octets);
}

/** An NLRI with an RFC 7911 path identifier in front. */
export function pathPfx(pathId: number, len: number, ...octets: number[]): Uint8Array {
  return concat(u32(pathId), pfx(len, ...octets));
}

/** An UPDATE body with both length fields computed here. */
export function updateBody(withdrawn: Uint8Array[], attrs: Uint8Array[], nlri: Uint8Array[]): Uint8Array {
  const w = concat(...withdrawn);
  const a = concat(...attrs);
  return concat(u16(w.length), w, u16(a.length), a, ...nlri);
}

/** 16 octets of an IPv6 address from its eight groups. */
export function v6(...groups: number[]): number[] {
  if (groups.length !== 8) throw new Error('eight groups');
  return groups.flatMap((g) => [(g >> 8) & 0xff, g & 0xff]);
}

export function bytesOf(...parts: Uint8Array[]): number[] {
  return Array.from(concat(...parts));
}
