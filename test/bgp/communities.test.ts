import { describe, expect, it } from 'vitest';
import {
  decodeCommunities,
  decodeExtendedCommunities,
  decodeLargeCommunities,
  encodeCommunities,
  encodeExtendedCommunities,
  encodeLargeCommunities,
} from '../../src/bgp/attributes/communities.js';
import { WireWriter } from '../../src/bgp/wire/writer.js';
import { concat, toHex, u32 } from '../helpers/bytes.js';

function hexOf(f: (w: WireWriter) => void): string {
  const w = new WireWriter();
  f(w);
  return toHex(w.finish());
}

describe('communities', () => {
  it('decodes and encodes RFC 1997 communities, well-known ones included', () => {
    const b = concat(u32(0xfde80064), u32(0xffffff01), u32(0xffffff02));
    expect(decodeCommunities(b)).toEqual([0xfde80064, 0xffffff01, 0xffffff02]);
    expect(hexOf((w) => encodeCommunities(w, [0xfde80064, 0xffffff01, 0xffffff02]))).toBe(toHex(b));
  });

  it('decodes and encodes RFC 4360 extended communities as type, subtype and 12 hex digits', () => {
    const b = Uint8Array.of(0x00, 0x02, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64, 0x03, 0x0c, 0, 0, 0, 0, 0, 8);
    const want = [
      { type: 0, subtype: 2, value: 'fde800000064' },
      { type: 3, subtype: 12, value: '000000000008' },
    ];
    expect(decodeExtendedCommunities(b)).toEqual(want);
    expect(hexOf((w) => encodeExtendedCommunities(w, want))).toBe(toHex(b));
    expect(() => hexOf((w) => encodeExtendedCommunities(w, [{ type: 0, subtype: 2, value: 'fde8' }]))).toThrow(RangeError);
  });

  it('decodes and encodes RFC 8092 large communities', () => {
    const b = concat(u32(4200000000), u32(0), u32(0xffffffff));
    expect(decodeLargeCommunities(b)).toEqual([[4200000000, 0, 0xffffffff]]);
    expect(hexOf((w) => encodeLargeCommunities(w, [[4200000000, 0, 0xffffffff]]))).toBe(toHex(b));
  });
});
