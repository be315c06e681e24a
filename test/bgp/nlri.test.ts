import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BgpError } from '../../src/bgp/errors.js';
import { decodePackedIpv4, decodePrefixes, encodePackedIpv4, encodePrefix, formatIpv4Prefix, Ipv4Nlri, PackedIpv4Prefixes } from '../../src/bgp/nlri.js';
import type { Nlri } from '../../src/bgp/types.js';
import { WireWriter } from '../../src/bgp/wire/writer.js';
import { ipv4Prefix, ipv6Prefix } from '../arbitraries/update.js';
import { concat, toHex } from '../helpers/bytes.js';
import { pathPfx, pfx, v6 } from '../helpers/update-bytes.js';

function enc(list: Nlri[], family: 4 | 6, addPath = false): string {
  const w = new WireWriter();
  for (const n of list) encodePrefix(w, n, family, addPath);
  return toHex(w.finish());
}

describe('NLRI prefixes (RFC 4271 §4.3, RFC 4760 §5)', () => {
  it('decodes IPv4 prefixes of every octet count', () => {
    const b = concat(pfx(0), pfx(8, 10), pfx(20, 172, 16, 0x10), pfx(24, 192, 0, 2), pfx(32, 255, 255, 255, 255));
    expect(decodePrefixes(b, 0, b.length, 4, false).map((n) => n.prefix)).toEqual([
      '0.0.0.0/0',
      '10.0.0.0/8',
      '172.16.16.0/20',
      '192.0.2.0/24',
      '255.255.255.255/32',
    ]);
  });

  it('clears host bits that a peer left set (RFC 4271 §4.3: trailing bits are irrelevant)', () => {
    const b = pfx(25, 10, 0, 0, 0xff);
    expect(decodePrefixes(b, 0, b.length, 4, false)).toEqual([{ prefix: '10.0.0.128/25' }]);
    expect(formatIpv4Prefix(Uint8Array.of(0xff), 0, 1, 3)).toBe('224.0.0.0/3');
    const c = pfx(65, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0x7f);
    expect(decodePrefixes(c, 0, c.length, 6, false)).toEqual([{ prefix: '2001:db8::/65' }]);
  });

  it('decodes IPv6 prefixes in RFC 5952 form', () => {
    const b = concat(pfx(128, ...v6(0xfe80, 0, 0, 0, 0, 0, 0, 1)), pfx(32, 0x20, 0x01, 0x0d, 0xb8), pfx(0));
    expect(decodePrefixes(b, 0, b.length, 6, false).map((n) => n.prefix)).toEqual(['fe80::1/128', '2001:db8::/32', '::/0']);
  });

  it('reads a path identifier before each prefix with ADD-PATH (RFC 7911 §3)', () => {
    const b = concat(pathPfx(0, 8, 10), pathPfx(0xfffffffe, 16, 10, 1));
    expect(decodePrefixes(b, 0, b.length, 4, true)).toEqual([
      { prefix: '10.0.0.0/8', pathId: 0 },
      { prefix: '10.1.0.0/16', pathId: 0xfffffffe },
    ]);
    expect(enc([{ prefix: '10.0.0.0/8', pathId: 0 }, { prefix: '10.1.0.0/16', pathId: 0xfffffffe }], 4, true)).toBe(toHex(b));
  });

  it.each([
    ['a /33', Uint8Array.of(33, 1, 2, 3, 4, 5), 4, false, 'update.nlri.prefix-length'],
    ['a /129', concat(Uint8Array.of(129), new Uint8Array(17)), 6, false, 'update.nlri.prefix-length'],
    ['a prefix cut short', Uint8Array.of(24, 10, 1), 4, false, 'update.nlri.overrun'],
    ['a path identifier cut short', Uint8Array.of(0, 0, 0, 1), 4, true, 'update.nlri.overrun'],
    ['a path identifier with no prefix', Uint8Array.of(0, 0, 0, 1), 4, true, 'update.nlri.overrun'],
  ] as const)('rejects %s with 3/10, session reset (RFC 7606 §5.3)', (_n, b, family, addPath, id) => {
    try {
      decodePrefixes(b, 0, b.length, family, addPath);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BgpError);
      expect(e).toMatchObject({ code: 3, subcode: 10, action: 'session-reset', id });
    }
  });

  it('encodes against hand-built bytes, clearing host bits', () => {
    expect(enc([{ prefix: '10.244.101.129/26' }, { prefix: '0.0.0.0/0' }], 4)).toBe(toHex(concat(pfx(26, 10, 244, 101, 128), pfx(0))));
    expect(enc([{ prefix: '2001:db8::ff/120' }], 6)).toBe(toHex(pfx(120, ...v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0).slice(0, 15))));
  });

  it.each(['10.0.0.0', '10.0.0/8', '10.0.0.0/33', '256.0.0.0/8', '1.2.3.4.5/8', '10.0.0.0/', 'a.b.c.d/8', '10..0.0/8', '1000.0.0.0/8'])(
    'refuses to encode %s as an IPv4 prefix',
    (s) => {
      expect(() => enc([{ prefix: s }], 4)).toThrow(RangeError);
    },
  );

  it('refuses to encode malformed IPv6 prefixes', () => {
    for (const s of ['2001:db8::', '2001:db8::/129', 'zz::/8', '::/']) expect(() => enc([{ prefix: s }], 6), s).toThrow(RangeError);
  });

  it('round-trips any prefix (fast-check)', () => {
    for (const [family, arb] of [
      [4, ipv4Prefix()],
      [6, ipv6Prefix()],
    ] as const) {
      fc.assert(
        fc.property(fc.array(fc.record({ prefix: arb, pathId: fc.nat({ max: 0xffffffff }) })), (list) => {
          const w = new WireWriter();
          for (const n of list) encodePrefix(w, n, family, true);
          const b = w.finish();
          expect(decodePrefixes(b, 0, b.length, family, true)).toEqual(list);
        }),
        { seed: 42, numRuns: 200 },
      );
    }
  });

  describe('numeric IPv4 NLRI (the RIB\'s form: no text per prefix)', () => {
    it('decodes to numbers whose text, JSON and re-encoding match the text decoder, host bits cleared', () => {
      const b = concat(pathPfx(7, 0), pathPfx(1, 25, 10, 0, 0, 0xff), pathPfx(2, 32, 255, 255, 255, 255), pathPfx(3, 1, 0x80));
      const numeric = decodePrefixes(b, 0, b.length, 4, true, true);
      const text = decodePrefixes(b, 0, b.length, 4, true);
      expect(numeric.every((n) => n instanceof Ipv4Nlri)).toBe(true);
      expect(numeric.map((n) => ({ prefix: n.prefix, pathId: n.pathId }))).toEqual(text);
      expect(JSON.parse(JSON.stringify(numeric))).toEqual(text);
      expect(numeric.map((n) => (n as Ipv4Nlri).address4)).toEqual([0, 0x0a000080, -1, -0x80000000]);
      // Host bits stay cleared on the way out, as from text.
      expect(enc(numeric, 4, true)).toBe(enc(text, 4, true));
      expect(enc(numeric, 4, true)).not.toBe(toHex(b));
    });

    it('leaves IPv6 as text and carries no path identifier without ADD-PATH', () => {
      const b = pfx(24, 192, 0, 2);
      const [n] = decodePrefixes(b, 0, b.length, 4, false, true);
      expect(n).toBeInstanceOf(Ipv4Nlri);
      expect(n!.pathId).toBeUndefined();
      expect(JSON.stringify(n)).toBe('{"prefix":"192.0.2.0/24"}');
      const c = pfx(32, 0x20, 0x01, 0x0d, 0xb8);
      expect(decodePrefixes(c, 0, c.length, 6, false, true)).toEqual([{ prefix: '2001:db8::/32' }]);
    });

    it('round-trips any IPv4 prefix through numbers (fast-check)', () => {
      fc.assert(
        fc.property(fc.array(fc.record({ prefix: ipv4Prefix(), pathId: fc.nat({ max: 0xffffffff }) })), (list) => {
          const w = new WireWriter();
          for (const n of list) encodePrefix(w, n, 4, true);
          const b = w.finish();
          const numeric = decodePrefixes(b, 0, b.length, 4, true, true);
          expect(numeric.map((n) => ({ prefix: n.prefix, pathId: n.pathId }))).toEqual(list);
          expect(enc(numeric, 4, true)).toBe(toHex(b));
        }),
        { seed: 7, numRuns: 200 },
      );
    });
  });

  describe('packed IPv4 prefixes (the daemon\'s form)', () => {
    /** `decodePrefixes`' outcome: the prefixes as numbers, or the error's id. */
    function outcome(f: () => readonly Nlri[]): { prefixes: { prefix: string; pathId: number | undefined }[] } | { error: unknown } {
      try {
        return { prefixes: f().map((n) => ({ prefix: n.prefix, pathId: n.pathId })) };
      } catch (e) {
        return { error: e instanceof BgpError ? { code: e.code, subcode: e.subcode, action: e.action, id: e.id } : e };
      }
    }

    it('decodes what decodePrefixes decodes, and fails where it fails, with the same error (fast-check)', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 40 }), fc.boolean(), (b, addPath) => {
          const packed = outcome(() => decodePackedIpv4(b, 0, b.length, addPath).toArray());
          expect(packed).toEqual(outcome(() => decodePrefixes(b, 0, b.length, 4, addPath, true)));
        }),
        { seed: 11, numRuns: 2000 },
      );
    });

    it('reads numbers, lengths and path identifiers in wire order, host bits cleared', () => {
      const b = concat(pathPfx(0, 0), pathPfx(0xfffffffe, 25, 10, 0, 0, 0xff), pathPfx(7, 32, 255, 255, 255, 255));
      const p = decodePackedIpv4(b, 0, b.length, true);
      expect(p.count).toBe(3);
      expect([p.address4(1), p.prefixLength(1), p.pathId(1)]).toEqual([0x0a000080, 25, 0xfffffffe]);
      expect([p.address4(2) >>> 0, p.prefixLength(2), p.pathId(2)]).toEqual([0xffffffff, 32, 7]);
      expect(p.at(1)).toBeInstanceOf(Ipv4Nlri);
      expect(JSON.stringify(p)).toBe('[{"prefix":"0.0.0.0/0","pathId":0},{"prefix":"10.0.0.128/25","pathId":4294967294},{"prefix":"255.255.255.255/32","pathId":7}]');
      const plain = decodePackedIpv4(pfx(24, 192, 0, 2), 0, 4, false);
      expect([plain.pathId(0), plain.at(0).pathId]).toEqual([0, undefined]);
    });

    it('shares one empty list for an empty field', () => {
      expect(decodePackedIpv4(new Uint8Array(0), 0, 0, false)).toBe(PackedIpv4Prefixes.EMPTY);
      expect(PackedIpv4Prefixes.EMPTY.count).toBe(0);
    });

    it('encodes back to the bytes any list of prefixes was encoded to (fast-check)', () => {
      fc.assert(
        fc.property(fc.array(fc.record({ prefix: ipv4Prefix(), pathId: fc.nat({ max: 0xffffffff }) })), fc.boolean(), (list, addPath) => {
          const w = new WireWriter();
          for (const n of list) encodePrefix(w, n, 4, addPath);
          const b = w.finish();
          const back = new WireWriter();
          encodePackedIpv4(back, decodePackedIpv4(b, 0, b.length, addPath), addPath);
          expect(toHex(back.finish())).toBe(toHex(b));
        }),
        { seed: 13, numRuns: 200 },
      );
    });
  });
});
