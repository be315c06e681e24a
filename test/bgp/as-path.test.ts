import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asPathLength, decodeAsPath, encodeAsPath, mergeAs4Attributes, reconstructAsPath, splitForTwoOctetPeer } from '../../src/bgp/attributes/as-path.js';
import { updateError } from '../../src/bgp/errors.js';
import type { AsPathSegment, PathAttribute } from '../../src/bgp/types.js';
import { WireWriter } from '../../src/bgp/wire/writer.js';
import { concat, toHex, u16, u32 } from '../helpers/bytes.js';

const bad = (why: string) => updateError(11, 'test.as-path', why, undefined, 'treat-as-withdraw');
const seq = (...asns: number[]): AsPathSegment => ({ type: 'sequence', asns });
const set = (...asns: number[]): AsPathSegment => ({ type: 'set', asns });
const confedSeq = (...asns: number[]): AsPathSegment => ({ type: 'confed-sequence', asns });

function encoded(segments: AsPathSegment[], size: 2 | 4): string {
  const w = new WireWriter();
  encodeAsPath(w, segments, size);
  return toHex(w.finish());
}

describe('AS_PATH codec (RFC 4271 §4.3, RFC 6793)', () => {
  it('decodes and encodes all four segment types with 4-octet AS numbers', () => {
    const b = concat(Uint8Array.of(2, 2), u32(65001), u32(4200000000), Uint8Array.of(1, 1), u32(7), Uint8Array.of(3, 1), u32(64512), Uint8Array.of(4, 1), u32(64513));
    const segments = [seq(65001, 4200000000), set(7), confedSeq(64512), { type: 'confed-set' as const, asns: [64513] }];
    expect(decodeAsPath(b, 4, bad)).toEqual(segments);
    expect(encoded(segments, 4)).toBe(toHex(b));
  });

  it('uses 2-octet AS numbers on a 2-octet session, AS_TRANS for the large ones (RFC 6793 §4.2.2)', () => {
    const b = concat(Uint8Array.of(2, 2), u16(65001), u16(23456));
    expect(decodeAsPath(b, 2, bad)).toEqual([seq(65001, 23456)]);
    expect(encoded([seq(65001, 4200000000)], 2)).toBe(toHex(b));
  });

  it('splits a sequence longer than 255 ASNs into several segments (RFC 4271 §5.1.2)', () => {
    const asns = Array.from({ length: 300 }, (_, i) => i + 1);
    const back = decodeAsPath(Uint8Array.from(Buffer.from(encoded([seq(...asns)], 4), 'hex')), 4, bad);
    expect(back).toEqual([seq(...asns.slice(0, 255)), seq(...asns.slice(255))]);
    expect(encoded([seq()], 4)).toBe(''); // empty segments are malformed (RFC 7606 §7.2): left out
  });

  it('counts an AS_SET as one and confederation segments as none (RFC 4271 §9.1.2.2, RFC 5065 §5.3)', () => {
    expect(asPathLength([confedSeq(1, 2), seq(3, 4, 5), set(6, 7)])).toBe(4);
  });
});

describe('reconstructAsPath (RFC 6793 §4.2.3)', () => {
  it.each([
    ['AS4_PATH absent: AS_PATH as is', [seq(65001, 65002)], undefined, [seq(65001, 65002)]],
    ['AS_PATH shorter than AS4_PATH: AS4_PATH ignored', [seq(1, 2)], [seq(70000, 70001, 70002)], [seq(1, 2)]],
    ['equal counts: AS4_PATH replaces AS_PATH', [seq(23456, 23456)], [seq(70000, 70001)], [seq(70000, 70001)]],
    ['an OLD speaker prepended: its ASes lead', [seq(65001, 65002, 23456, 65003)], [seq(70000, 65003)], [seq(65001, 65002, 70000, 65003)]],
    ['an AS_SET counts as one', [seq(65001), set(1, 2, 3), seq(23456)], [seq(70000)], [seq(65001), set(1, 2, 3), seq(70000)]],
    ['confederation segments count none and stay', [confedSeq(64512, 64513), seq(23456, 65002)], [seq(70000, 65002)], [confedSeq(64512, 64513), seq(70000, 65002)]],
    ['a sequence is cut inside', [seq(1, 2, 3, 23456)], [set(70000, 70001)], [seq(1, 2, 3), set(70000, 70001)]],
  ] as const)('%s', (_n, asPath, as4Path, want) => {
    expect(reconstructAsPath(asPath, as4Path)).toEqual(want);
  });
});

describe('AS4 attributes on 2-octet sessions (RFC 6793 §4.2)', () => {
  const attrs: PathAttribute[] = [
    { type: 'origin', origin: 'igp' },
    { type: 'as-path', segments: [confedSeq(64512), seq(65001, 4200000000)] },
    { type: 'next-hop', nextHop: '10.0.0.1' },
    { type: 'aggregator', asn: 4200000001, address: '10.0.0.2' },
    { type: 'large-communities', communities: [[1, 2, 3]] },
  ];

  it('substitutes AS_TRANS and adds AS4_PATH and AS4_AGGREGATOR in type-code order (§4.2.2)', () => {
    expect(splitForTwoOctetPeer(attrs)).toEqual([
      { type: 'origin', origin: 'igp' },
      { type: 'as-path', segments: [confedSeq(64512), seq(65001, 23456)] },
      { type: 'next-hop', nextHop: '10.0.0.1' },
      { type: 'aggregator', asn: 23456, address: '10.0.0.2' },
      { type: 'as4-path', segments: [seq(65001, 4200000000)] },
      { type: 'as4-aggregator', asn: 4200000001, address: '10.0.0.2' },
      { type: 'large-communities', communities: [[1, 2, 3]] },
    ]);
  });

  it('adds nothing when every AS fits two octets', () => {
    const small: PathAttribute[] = [{ type: 'as-path', segments: [seq(1, 2)] }, { type: 'aggregator', asn: 3, address: '10.0.0.2' }];
    expect(splitForTwoOctetPeer(small)).toEqual(small);
  });

  it('merges them back on receipt (§4.2.3)', () => {
    expect(mergeAs4Attributes(splitForTwoOctetPeer(attrs))).toEqual(attrs);
  });

  it('ignores both AS4 attributes when AGGREGATOR is not AS_TRANS (§4.2.3)', () => {
    const received: PathAttribute[] = [
      { type: 'as-path', segments: [seq(23456)] },
      { type: 'aggregator', asn: 65009, address: '10.0.0.2' },
      { type: 'as4-path', segments: [seq(70000)] },
      { type: 'as4-aggregator', asn: 70001, address: '10.0.0.3' },
    ];
    expect(mergeAs4Attributes(received)).toEqual(received.slice(0, 2));
  });

  it('split then merge keeps any path (fast-check)', () => {
    const segment = fc.record({ type: fc.constantFrom('set' as const, 'sequence' as const), asns: fc.array(fc.nat({ max: 0xffffffff }), { minLength: 1, maxLength: 8 }) });
    const normal = (segs: readonly AsPathSegment[]): AsPathSegment[] =>
      segs.reduce<AsPathSegment[]>((out, s) => {
        const last = out[out.length - 1];
        if (last?.type === 'sequence' && s.type === 'sequence') out[out.length - 1] = seq(...last.asns, ...s.asns);
        else out.push(s);
        return out;
      }, []);
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 5 }), (segments) => {
        const merged = mergeAs4Attributes(splitForTwoOctetPeer([{ type: 'as-path', segments }]));
        expect(merged).toHaveLength(1);
        const got = merged[0]!;
        expect(got.type === 'as-path' && normal(got.segments)).toEqual(normal(segments));
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
