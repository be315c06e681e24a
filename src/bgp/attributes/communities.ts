/**
 * Community attributes: COMMUNITIES (RFC 1997, 4 octets each), EXTENDED_COMMUNITIES (RFC 4360,
 * 8 octets: type, subtype, 6 value octets) and LARGE_COMMUNITY (RFC 8092, 12 octets). Each is a
 * list whose attribute length must be a non-zero multiple of the element size (RFC 7606 §7.8,
 * §7.14, RFC 8092 §6); the table checks that before these run.
 */
import type { ExtendedCommunity, LargeCommunity } from '../types.js';
import type { WireWriter } from '../wire/writer.js';

const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const EXT_VALUE_OCTETS = 6;

function u32(v: Uint8Array, p: number): number {
  return v[p]! * 0x1000000 + ((v[p + 1]! << 16) | (v[p + 2]! << 8) | v[p + 3]!);
}

export function decodeCommunities(v: Uint8Array): number[] {
  const out = new Array<number>(v.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = u32(v, 4 * i);
  return out;
}

export function encodeCommunities(w: WireWriter, communities: readonly number[]): void {
  for (const c of communities) w.u32(c);
}

export function decodeExtendedCommunities(v: Uint8Array): ExtendedCommunity[] {
  const out: ExtendedCommunity[] = [];
  for (let p = 0; p < v.length; p += 8) {
    let value = '';
    for (let i = 2; i < 8; i++) value += HEX2[v[p + i]!]!;
    out.push({ type: v[p]!, subtype: v[p + 1]!, value });
  }
  return out;
}

export function encodeExtendedCommunities(w: WireWriter, communities: readonly ExtendedCommunity[]): void {
  for (const c of communities) {
    if (!/^[0-9a-fA-F]{12}$/.test(c.value)) throw new RangeError(`extended community value must be 12 hex digits: ${c.value}`);
    w.u8(c.type).u8(c.subtype);
    for (let i = 0; i < EXT_VALUE_OCTETS; i++) w.u8(parseInt(c.value.slice(2 * i, 2 * i + 2), 16));
  }
}

export function decodeLargeCommunities(v: Uint8Array): LargeCommunity[] {
  const out: LargeCommunity[] = [];
  for (let p = 0; p < v.length; p += 12) out.push([u32(v, p), u32(v, p + 4), u32(v, p + 8)]);
  return out;
}

export function encodeLargeCommunities(w: WireWriter, communities: readonly LargeCommunity[]): void {
  for (const [global, local1, local2] of communities) w.u32(global).u32(local1).u32(local2);
}
