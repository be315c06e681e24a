import { describe, expect, it } from 'vitest';
import { decodeMpReach, decodeMpUnreach, encodeMpReach, encodeMpUnreach } from '../../src/bgp/attributes/mp-reach.js';
import { resolveContext, type ResolvedContext } from '../../src/bgp/context.js';
import { BgpError, updateError } from '../../src/bgp/errors.js';
import type { PathAttribute } from '../../src/bgp/types.js';
import { WireWriter } from '../../src/bgp/wire/writer.js';
import { concat, toHex, u16, u32 } from '../helpers/bytes.js';
import { pathPfx, pfx, v6 } from '../helpers/update-bytes.js';

const env = (ctx: ResolvedContext = resolveContext()) => ({
  ctx,
  flags: 0x80,
  bad: (why: string) => updateError(9, 'test.mp', why),
});
const GLOBAL = v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
const LINK_LOCAL = v6(0xfe80, 0, 0, 0, 0, 0, 0, 0x1);

function enc(a: PathAttribute, ctx = resolveContext()): string {
  const w = new WireWriter();
  if (a.type === 'mp-reach') encodeMpReach(w, a, ctx);
  else if (a.type === 'mp-unreach') encodeMpUnreach(w, a, ctx);
  return toHex(w.finish());
}

describe('MP_REACH_NLRI (RFC 4760 §3)', () => {
  it.each([
    ['IPv6 unicast, global next hop', concat(u16(2), Uint8Array.of(1, 16), Uint8Array.from(GLOBAL), Uint8Array.of(0), pfx(32, 0x20, 0x01, 0x0d, 0xb8)), ['2001:db8::1'], 2, 1, ['2001:db8::/32']],
    ['IPv6 multicast, global + link-local (RFC 2545 §3)', concat(u16(2), Uint8Array.of(2, 32), Uint8Array.from([...GLOBAL, ...LINK_LOCAL]), Uint8Array.of(0)), ['2001:db8::1', 'fe80::1'], 2, 2, []],
    ['IPv4 unicast', concat(u16(1), Uint8Array.of(1, 4, 10, 0, 0, 1, 0), pfx(24, 10, 1, 2)), ['10.0.0.1'], 1, 1, ['10.1.2.0/24']],
    ['IPv4 multicast with an IPv6 next hop (RFC 8950 §3)', concat(u16(1), Uint8Array.of(2, 16), Uint8Array.from(GLOBAL), Uint8Array.of(0), pfx(8, 10)), ['2001:db8::1'], 1, 2, ['10.0.0.0/8']],
  ] as const)('decodes and re-encodes %s', (_n, value, nextHops, afi, safi, prefixes) => {
    const a = decodeMpReach(value, env());
    expect(a).toEqual({ type: 'mp-reach', flags: 0x80, afi, safi, nextHops, nlri: prefixes.map((prefix) => ({ prefix })) });
    expect(enc(a)).toBe(toHex(value));
  });

  it('keeps an unknown AFI/SAFI opaque in raw', () => {
    const value = concat(u16(25), Uint8Array.of(65), Uint8Array.of(4, 1, 2, 3, 4, 0, 9, 9));
    const a = decodeMpReach(value, env());
    expect(a).toEqual({ type: 'mp-reach', flags: 0x80, afi: 25, safi: 65, nextHops: [], nlri: [], raw: Uint8Array.of(4, 1, 2, 3, 4, 0, 9, 9) });
    expect(enc(a)).toBe(toHex(value));
  });

  it('reads path identifiers only for the ADD-PATH families of the session (RFC 7911 §3)', () => {
    const value = concat(u16(2), Uint8Array.of(1, 16), Uint8Array.from(GLOBAL), Uint8Array.of(0), pathPfx(5, 32, 0x20, 0x01, 0x0d, 0xb8));
    const ctx = resolveContext({ addPath: ['ipv6-unicast'] });
    expect(decodeMpReach(value, env(ctx)).nlri).toEqual([{ prefix: '2001:db8::/32', pathId: 5 }]);
    expect(() => decodeMpReach(value, env())).toThrow(BgpError);
  });

  it.each([
    ['shorter than its fixed fields', concat(u16(2), Uint8Array.of(1, 0))],
    ['a next hop length of 8 for IPv6', concat(u16(2), Uint8Array.of(1, 8), new Uint8Array(8), Uint8Array.of(0))],
    ['a next hop length of 4 for IPv6', concat(u16(2), Uint8Array.of(1, 4), new Uint8Array(4), Uint8Array.of(0))],
    ['a next hop past the end', concat(u16(2), Uint8Array.of(1, 16), new Uint8Array(10))],
  ])('rejects %s as malformed (RFC 7606 §7.11)', (_n, value) => {
    expect(() => decodeMpReach(value, env())).toThrow(expect.objectContaining({ id: 'test.mp' }) as Error);
  });
});

describe('MP_UNREACH_NLRI (RFC 4760 §4)', () => {
  it('decodes and re-encodes IPv6 withdrawals', () => {
    const value = concat(u16(2), Uint8Array.of(1), pfx(64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1), pfx(0));
    const a = decodeMpUnreach(value, env());
    expect(a).toEqual({ type: 'mp-unreach', flags: 0x80, afi: 2, safi: 1, withdrawn: [{ prefix: '2001:db8:0:1::/64' }, { prefix: '::/0' }] });
    expect(enc(a)).toBe(toHex(value));
  });

  it('keeps an unknown AFI/SAFI opaque and rejects a value shorter than AFI + SAFI', () => {
    const value = concat(u16(1), Uint8Array.of(128), u32(7));
    expect(decodeMpUnreach(value, env())).toEqual({ type: 'mp-unreach', flags: 0x80, afi: 1, safi: 128, withdrawn: [], raw: u32(7) });
    expect(() => decodeMpUnreach(u16(2), env())).toThrow(BgpError);
  });

  it('refuses to encode a known family with bad next-hop text or an unknown one without raw', () => {
    expect(() => enc({ type: 'mp-reach', afi: 2, safi: 1, nextHops: ['nope'], nlri: [] })).toThrow(RangeError);
    expect(() => enc({ type: 'mp-unreach', afi: 3, safi: 1, withdrawn: [{ prefix: '10.0.0.0/8' }] })).toThrow(RangeError);
  });
});
