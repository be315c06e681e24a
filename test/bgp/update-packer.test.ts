import { describe, expect, it } from 'vitest';
import { resolveContext } from '../../src/bgp/context.js';
import { decodeMessage, encodeMessage } from '../../src/bgp/index.js';
import { Ipv4Nlri } from '../../src/bgp/nlri.js';
import type { CodecContext, Nlri, PathAttribute, UpdateMessage } from '../../src/bgp/types.js';
import { UpdatePacker } from '../../src/bgp/update-packer.js';
import { toHex } from '../helpers/bytes.js';

const attrs: PathAttribute[] = [
  { type: 'origin', origin: 'igp' },
  { type: 'as-path', segments: [{ type: 'sequence', asns: [65001] }] },
  { type: 'next-hop', nextHop: '10.0.0.1' },
];
const v6Attrs = (nlri: Nlri[] = []): PathAttribute[] => [
  { type: 'mp-reach', afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri },
  { type: 'origin', origin: 'igp' },
  { type: 'as-path', segments: [] },
];
const IPV6 = { afi: 2, safi: 1 } as const;

function packed(p: UpdatePacker, nlri: readonly Nlri[]): Buffer[] {
  for (const n of nlri) p.add(n);
  return p.finish();
}

describe('UpdatePacker', () => {
  it('builds, for a few prefixes, the bytes of the UPDATE encoded whole (one-octet MP lengths where short)', () => {
    const ctx = resolveContext();
    const v4 = [{ prefix: '10.1.0.0/16' }, new Ipv4Nlri(0x0a020300, 24, undefined)];
    const v6 = [{ prefix: '2001:db8:1::/48' }, { prefix: '2001:db8:2::/64' }];
    const whole = (m: Omit<UpdateMessage, 'type'>): string => toHex(encodeMessage({ type: 'update', ...m }));
    expect(packed(UpdatePacker.announcements(attrs, ctx), v4).map(toHex)).toEqual([whole({ withdrawn: [], attributes: attrs, nlri: v4 })]);
    expect(packed(UpdatePacker.withdrawals(ctx), v4).map(toHex)).toEqual([whole({ withdrawn: v4, attributes: [], nlri: [] })]);
    expect(packed(UpdatePacker.announcements(v6Attrs(), ctx), v6).map(toHex)).toEqual([whole({ withdrawn: [], attributes: v6Attrs(v6), nlri: [] })]);
    expect(packed(UpdatePacker.withdrawals(ctx, IPV6), v6).map(toHex)).toEqual([
      whole({ withdrawn: [], attributes: [{ type: 'mp-unreach', afi: 2, safi: 1, withdrawn: v6 }], nlri: [] }),
    ]);
  });

  it('keeps a two-octet MP length once the attribute is longer than 255 octets', () => {
    const ctx = resolveContext();
    const v6 = Array.from({ length: 40 }, (_, i) => ({ prefix: `2001:db8:${(i + 1).toString(16)}::/48` }));
    const [message] = packed(UpdatePacker.announcements(v6Attrs(), ctx), v6);
    expect(toHex(message!)).toBe(toHex(encodeMessage({ type: 'update', withdrawn: [], attributes: v6Attrs(v6), nlri: [] })));
  });

  it('fills each message until the next prefix would not fit, ADD-PATH identifiers included', () => {
    for (const codec of [{}, { addPath: ['ipv4-unicast', 'ipv6-unicast'] }, { extendedMessage: true }] satisfies CodecContext[]) {
      const ctx = resolveContext(codec);
      const v4 = Array.from({ length: 3000 }, (_, i) => ({ prefix: `10.${i >> 8}.${i & 255}.0/${24 + (i % 9)}`, pathId: i % 5 }));
      const v6 = Array.from({ length: 3000 }, (_, i) => ({ prefix: `2001:db8:${(i + 1).toString(16)}::/${48 + (i % 81)}`, pathId: i }));
      const cases: [UpdatePacker, Nlri[]][] = [
        [UpdatePacker.announcements(attrs, ctx), v4],
        [UpdatePacker.withdrawals(ctx), v4],
        [UpdatePacker.announcements(v6Attrs(), ctx), v6],
        [UpdatePacker.withdrawals(ctx, IPV6), v6],
      ];
      for (const [packer, nlri] of cases) {
        const messages = packed(packer, nlri);
        const seen: string[] = [];
        messages.forEach((m, k) => {
          expect(m.length).toBeLessThanOrEqual(ctx.maxMessageLength);
          const decoded = decodeMessage(m, codec);
          if (decoded.type !== 'update') throw new Error('not an UPDATE');
          expect(decoded.problem).toBeUndefined();
          const here = [
            ...decoded.nlri,
            ...decoded.withdrawn,
            ...decoded.attributes.flatMap((a) => (a.type === 'mp-reach' ? a.nlri : a.type === 'mp-unreach' ? a.withdrawn : [])),
          ];
          seen.push(...here.map((n) => `${n.prefix}#${n.pathId ?? ''}`));
          // Full: the next message's first prefix (at most 21 octets) did not fit in this one.
          if (k < messages.length - 1) expect(m.length).toBeGreaterThan(ctx.maxMessageLength - 21);
        });
        const addPath = ctx.addPath.size > 0;
        expect(seen).toEqual(nlri.map((n) => `${n.prefix}#${addPath ? n.pathId : ''}`));
      }
    }
  });

  it('does not keep a 64 KiB buffer behind a small message (extended messages, RFC 8654)', () => {
    const ctx = resolveContext({ extendedMessage: true });
    const [small] = packed(UpdatePacker.withdrawals(ctx), [{ prefix: '10.0.0.0/8' }]);
    expect(small!.buffer.byteLength).toBeLessThan(ctx.maxMessageLength / 4);
    const full = packed(UpdatePacker.withdrawals(ctx), Array.from({ length: 20_000 }, (_, i) => ({ prefix: `10.${i >> 8}.${i & 255}.0/24` })));
    expect(full[0]!.length).toBeGreaterThan(ctx.maxMessageLength - 21);
  });

  it('refuses attributes that leave no room for a single prefix, and sends nothing when given nothing', () => {
    const ctx = resolveContext();
    const huge: PathAttribute = { type: 'communities', communities: Array.from({ length: 1020 }, (_, i) => i) };
    expect(() => UpdatePacker.announcements([...attrs, huge], ctx).add({ prefix: '10.0.0.0/8' })).toThrow(RangeError);
    expect(UpdatePacker.withdrawals(ctx).finish()).toEqual([]);
    expect(() => UpdatePacker.announcements([], ctx, IPV6)).toThrow(/mp-reach/);
  });
});
