import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeAs4Attributes } from '../../src/bgp/attributes/as-path.js';
import { resolveContext, type ResolvedContext } from '../../src/bgp/context.js';
import { BgpError, updateError } from '../../src/bgp/errors.js';
import type { Nlri, PathAttribute, UpdateMessage } from '../../src/bgp/types.js';
import { decodeUpdate, encodeUpdate, packUpdates } from '../../src/bgp/update.js';
import { WireReader } from '../../src/bgp/wire/reader.js';
import { WireWriter } from '../../src/bgp/wire/writer.js';
import { updateMessage, withoutFlags } from '../arbitraries/update.js';
import { concat, toHex, u16, u32 } from '../helpers/bytes.js';
import { attr, FLAG, ON, OT, pathPfx, pfx, updateBody, v6, WK } from '../helpers/update-bytes.js';
import { listWireFixtures, loadWireFixture } from '../peers/fixtures.js';

function decode(body: Uint8Array, ctx: ResolvedContext = resolveContext()): UpdateMessage {
  return decodeUpdate(new WireReader(body, () => updateError(1, 'test.short', 'short read')), ctx);
}

function encode(m: UpdateMessage, ctx: ResolvedContext = resolveContext()): Uint8Array {
  const w = new WireWriter();
  encodeUpdate(w, m, ctx);
  return Uint8Array.from(w.finish());
}

// -- IPv4 UPDATE with every attribute, 4-octet AS session ------------------------------------
const ipv4Attrs = [
  attr(WK, 1, [0]), // ORIGIN IGP
  attr(WK, 2, [2, 2], u32(65001), u32(4200000000)), // AS_PATH: AS_SEQUENCE of 2
  attr(WK, 3, [192, 0, 2, 1]), // NEXT_HOP
  attr(ON, 4, u32(100)), // MULTI_EXIT_DISC
  attr(WK, 5, u32(200)), // LOCAL_PREF
  attr(WK, 6), // ATOMIC_AGGREGATE
  attr(OT, 7, u32(65010), [10, 0, 0, 1]), // AGGREGATOR (8 octets)
  attr(OT | FLAG.EXTENDED, 8, u32(0xfde80064), u32(0xffffff01)), // COMMUNITIES, Extended Length on 8 octets
  attr(ON, 9, [10, 0, 0, 9]), // ORIGINATOR_ID
  attr(ON, 10, [244, 0, 0, 1], [244, 0, 0, 2]), // CLUSTER_LIST
  attr(OT, 16, [0x00, 0x02, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64]), // EXTENDED_COMMUNITIES: RT 65000:100
  attr(OT, 17, [2, 1], u32(4200000000)), // AS4_PATH
  attr(OT, 18, u32(4200000001), [10, 0, 0, 2]), // AS4_AGGREGATOR
  attr(OT, 32, u32(4200000000), u32(1), u32(2)), // LARGE_COMMUNITY
  attr(OT | FLAG.PARTIAL, 99, [1, 2, 3]), // unknown optional transitive, Partial set
];
const ipv4Body = updateBody([pfx(8, 10)], ipv4Attrs, [pfx(24, 10, 1, 2), pfx(32, 192, 0, 2, 55), pfx(0), pfx(25, 192, 168, 1, 128)]);
const ipv4Expected: UpdateMessage = {
  type: 'update',
  withdrawn: [{ prefix: '10.0.0.0/8' }],
  attributes: [
    { type: 'origin', flags: WK, origin: 'igp' },
    { type: 'as-path', flags: WK, segments: [{ type: 'sequence', asns: [65001, 4200000000] }] },
    { type: 'next-hop', flags: WK, nextHop: '192.0.2.1' },
    { type: 'med', flags: ON, med: 100 },
    { type: 'local-pref', flags: WK, localPref: 200 },
    { type: 'atomic-aggregate', flags: WK },
    { type: 'aggregator', flags: OT, asn: 65010, address: '10.0.0.1' },
    { type: 'communities', flags: OT | FLAG.EXTENDED, communities: [0xfde80064, 0xffffff01] },
    { type: 'originator-id', flags: ON, originatorId: '10.0.0.9' },
    { type: 'cluster-list', flags: ON, clusterIds: ['244.0.0.1', '244.0.0.2'] },
    { type: 'extended-communities', flags: OT, communities: [{ type: 0, subtype: 2, value: 'fde800000064' }] },
    { type: 'as4-path', flags: OT, segments: [{ type: 'sequence', asns: [4200000000] }] },
    { type: 'as4-aggregator', flags: OT, asn: 4200000001, address: '10.0.0.2' },
    { type: 'large-communities', flags: OT, communities: [[4200000000, 1, 2]] },
    { type: 'unknown', flags: OT | FLAG.PARTIAL, code: 99, value: Uint8Array.of(1, 2, 3) },
  ],
  nlri: [{ prefix: '10.1.2.0/24' }, { prefix: '192.0.2.55/32' }, { prefix: '0.0.0.0/0' }, { prefix: '192.168.1.128/25' }],
};

// -- IPv6 MP_REACH_NLRI with global + link-local next hop (RFC 2545 §3) -----------------------
const ipv6Body = updateBody(
  [],
  [
    attr(
      ON,
      14,
      u16(2), // AFI IPv6
      [1], // SAFI unicast
      [32], // next hop length: global + link-local
      v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1),
      v6(0xfe80, 0, 0, 0, 0x0211, 0x22ff, 0xfe33, 0x4455),
      [0], // reserved
      pfx(64, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0),
      pfx(48, 0xfd, 0x00, 0, 0, 0, 0x10),
    ),
    attr(WK, 1, [2]),
    attr(WK, 2, [2, 1], u32(65001)),
  ],
  [],
);
const ipv6Expected: UpdateMessage = {
  type: 'update',
  withdrawn: [],
  attributes: [
    {
      type: 'mp-reach',
      flags: ON,
      afi: 2,
      safi: 1,
      nextHops: ['2001:db8::1', 'fe80::211:22ff:fe33:4455'],
      nlri: [{ prefix: '2001:db8:1::/64' }, { prefix: 'fd00:0:10::/48' }],
    },
    { type: 'origin', flags: WK, origin: 'incomplete' },
    { type: 'as-path', flags: WK, segments: [{ type: 'sequence', asns: [65001] }] },
  ],
  nlri: [],
};

// -- IPv6 withdrawals in MP_UNREACH_NLRI, IPv4 withdrawals ------------------------------------
const withdrawBody = updateBody(
  [pfx(26, 10, 244, 101, 128), pfx(16, 172, 16)],
  [attr(ON, 15, u16(2), [1], pfx(128, ...v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x99)))],
  [],
);
const withdrawExpected: UpdateMessage = {
  type: 'update',
  withdrawn: [{ prefix: '10.244.101.128/26' }, { prefix: '172.16.0.0/16' }],
  attributes: [{ type: 'mp-unreach', flags: ON, afi: 2, safi: 1, withdrawn: [{ prefix: '2001:db8::99/128' }] }],
  nlri: [],
};

// -- ADD-PATH (RFC 7911) for IPv4 unicast --------------------------------------------------
const addPathCtx = resolveContext({ addPath: ['ipv4-unicast', 'ipv6-unicast'] });
const addPathBody = updateBody(
  [pathPfx(7, 24, 10, 0, 0)],
  [attr(ON, 15, u16(2), [1], u32(9), pfx(32, 0x20, 0x01, 0x0d, 0xb8)), attr(WK, 1, [0]), attr(WK, 2), attr(WK, 3, [10, 0, 0, 1])],
  [pathPfx(1, 26, 10, 244, 0, 64), pathPfx(0xffffffff, 26, 10, 244, 0, 64)],
);
const addPathExpected: UpdateMessage = {
  type: 'update',
  withdrawn: [{ prefix: '10.0.0.0/24', pathId: 7 }],
  attributes: [
    { type: 'mp-unreach', flags: ON, afi: 2, safi: 1, withdrawn: [{ prefix: '2001:db8::/32', pathId: 9 }] },
    { type: 'origin', flags: WK, origin: 'igp' },
    { type: 'as-path', flags: WK, segments: [] },
    { type: 'next-hop', flags: WK, nextHop: '10.0.0.1' },
  ],
  nlri: [
    { prefix: '10.244.0.64/26', pathId: 1 },
    { prefix: '10.244.0.64/26', pathId: 0xffffffff },
  ],
};

// -- 2-octet AS session (RFC 6793): AS_TRANS, 6-octet AGGREGATOR, AS4 attributes ----------------
const twoOctetCtx = resolveContext({ fourOctetAs: false });
const twoOctetBody = updateBody(
  [],
  [
    attr(WK, 1, [0]),
    attr(WK, 2, [2, 3], u16(65001), u16(23456), u16(65002)),
    attr(WK, 3, [192, 0, 2, 1]),
    attr(OT, 7, u16(23456), [10, 0, 0, 1]),
    attr(OT, 17, [2, 2], u32(4200000000), u32(65002)),
    attr(OT, 18, u32(4200000001), [10, 0, 0, 1]),
  ],
  [pfx(24, 198, 51, 100)],
);
const twoOctetExpected: UpdateMessage = {
  type: 'update',
  withdrawn: [],
  attributes: [
    { type: 'origin', flags: WK, origin: 'igp' },
    { type: 'as-path', flags: WK, segments: [{ type: 'sequence', asns: [65001, 23456, 65002] }] },
    { type: 'next-hop', flags: WK, nextHop: '192.0.2.1' },
    { type: 'aggregator', flags: OT, asn: 23456, address: '10.0.0.1' },
    { type: 'as4-path', flags: OT, segments: [{ type: 'sequence', asns: [4200000000, 65002] }] },
    { type: 'as4-aggregator', flags: OT, asn: 4200000001, address: '10.0.0.1' },
  ],
  nlri: [{ prefix: '198.51.100.0/24' }],
};

const goldens: [string, Uint8Array, UpdateMessage, ResolvedContext][] = [
  ['IPv4 with every attribute (RFC 4271 §4.3)', ipv4Body, ipv4Expected, resolveContext()],
  ['IPv6 MP_REACH_NLRI with a link-local next hop (RFC 2545 §3)', ipv6Body, ipv6Expected, resolveContext()],
  ['withdrawals, IPv4 and MP_UNREACH_NLRI (RFC 4760 §4)', withdrawBody, withdrawExpected, resolveContext()],
  ['ADD-PATH path identifiers (RFC 7911 §3)', addPathBody, addPathExpected, addPathCtx],
  ['a 2-octet AS session (RFC 6793 §4.2)', twoOctetBody, twoOctetExpected, twoOctetCtx],
];

describe('UPDATE golden messages', () => {
  it.each(goldens)('decodes %s and re-encodes it byte for byte', (_name, body, expected, ctx) => {
    const m = decode(body, ctx);
    expect(m).toEqual(expected);
    expect(m.problem).toBeUndefined();
    expect(toHex(encode(m, ctx))).toBe(toHex(body));
  });

  it('merges AS4_PATH and AS4_AGGREGATOR received on a 2-octet session (RFC 6793 §4.2.3)', () => {
    const merged = mergeAs4Attributes(decode(twoOctetBody, twoOctetCtx).attributes);
    expect(merged).toEqual([
      { type: 'origin', flags: WK, origin: 'igp' },
      { type: 'as-path', flags: WK, segments: [{ type: 'sequence', asns: [65001, 4200000000, 65002] }] },
      { type: 'next-hop', flags: WK, nextHop: '192.0.2.1' },
      { type: 'aggregator', flags: OT, asn: 4200000001, address: '10.0.0.1' },
    ]);
  });
});

describe('UPDATEs captured from BIRD, GoBGP and FRR', () => {
  const UPDATE_TYPE = 2;
  const captures = listWireFixtures()
    .map((f) => loadWireFixture(f.daemon, f.name))
    .filter((f) => f.bytes[18] === UPDATE_TYPE);

  it('has captures to check', () => {
    expect(captures.length).toBeGreaterThan(10);
  });

  it.each(captures.map((f) => [`${f.daemon}/${f.name}`, f] as const))('decodes %s without a problem and re-encodes it byte for byte', (_n, f) => {
    const ctx = resolveContext(f.meta);
    const body = f.bytes.subarray(19);
    const m = decode(body, ctx);
    expect(m.problem).toBeUndefined();
    expect(toHex(encode(m, ctx))).toBe(toHex(body));
  });
});

describe('UPDATE encoding against independently built bytes', () => {
  it('uses the standard flags when petrel builds the attributes (RFC 4271 §5)', () => {
    const m: UpdateMessage = {
      type: 'update',
      withdrawn: [],
      attributes: [
        { type: 'origin', origin: 'egp' },
        { type: 'as-path', segments: [{ type: 'sequence', asns: [64512] }, { type: 'set', asns: [1, 2] }] },
        { type: 'next-hop', nextHop: '10.0.0.201' },
        { type: 'med', med: 0 },
        { type: 'local-pref', localPref: 100 },
        { type: 'communities', communities: [0xfde80001] },
        { type: 'originator-id', originatorId: '10.0.0.1' },
        { type: 'cluster-list', clusterIds: ['244.0.0.1'] },
        { type: 'large-communities', communities: [[64512, 0, 1]] },
      ],
      nlri: [{ prefix: '10.244.101.128/26' }],
    };
    const want = updateBody(
      [],
      [
        attr(0x40, 1, [1]),
        attr(0x40, 2, [2, 1], u32(64512), [1, 2], u32(1), u32(2)),
        attr(0x40, 3, [10, 0, 0, 201]),
        attr(0x80, 4, u32(0)),
        attr(0x40, 5, u32(100)),
        attr(0xc0, 8, u32(0xfde80001)),
        attr(0x80, 9, [10, 0, 0, 1]),
        attr(0x80, 10, [244, 0, 0, 1]),
        attr(0xc0, 32, u32(64512), u32(0), u32(1)),
      ],
      [pfx(26, 10, 244, 101, 128)],
    );
    expect(toHex(encode(m))).toBe(toHex(want));
  });

  it('sets Extended Length only when a value exceeds 255 octets', () => {
    const communities = Array.from({ length: 64 }, (_, i) => i); // 256 octets
    const m: UpdateMessage = { type: 'update', withdrawn: [], attributes: [{ type: 'communities', communities }], nlri: [] };
    const want = updateBody([], [attr(0xc0 | FLAG.EXTENDED, 8, ...communities.map(u32))], []);
    expect(toHex(encode(m))).toBe(toHex(want));
    const short: UpdateMessage = { ...m, attributes: [{ type: 'communities', communities: communities.slice(0, 63) }] };
    expect(encode(short)[4]).toBe(0xc0);
  });

  it('writes AS numbers in two octets on a 2-octet session, AS_TRANS for the large ones (RFC 6793 §4.2.2)', () => {
    const m: UpdateMessage = {
      type: 'update',
      withdrawn: [],
      attributes: [
        { type: 'as-path', segments: [{ type: 'sequence', asns: [65001, 4200000000] }] },
        { type: 'aggregator', asn: 4200000000, address: '10.0.0.1' },
      ],
      nlri: [],
    };
    const want = updateBody([], [attr(0x40, 2, [2, 2], u16(65001), u16(23456)), attr(0xc0, 7, u16(23456), [10, 0, 0, 1])], []);
    expect(toHex(encode(m, twoOctetCtx))).toBe(toHex(want));
  });

  it('writes ADD-PATH identifiers, 0 when a prefix has none (RFC 7911 §3)', () => {
    const m: UpdateMessage = { type: 'update', withdrawn: [{ prefix: '10.0.0.0/8' }], attributes: [], nlri: [] };
    expect(toHex(encode(m, addPathCtx))).toBe(toHex(updateBody([pathPfx(0, 8, 10)], [], [])));
  });
});

describe('UPDATE round trip (fast-check)', () => {
  const contexts: [string, ResolvedContext][] = [
    ['4-octet AS', resolveContext()],
    ['2-octet AS', twoOctetCtx],
    ['ADD-PATH', addPathCtx],
  ];
  it.each(contexts)('decode(encode(m)) gives m back on a %s session', (_name, ctx) => {
    fc.assert(
      fc.property(updateMessage(ctx), (m) => {
        const bytes = encode(m, ctx);
        const back = decode(bytes, ctx);
        expect(back.problem).toBeUndefined();
        expect(withoutFlags(back)).toEqual(withoutFlags(m));
        expect(toHex(encode(back, ctx))).toBe(toHex(bytes));
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('UPDATE with packed IPv4 prefixes (CodecContext.packedIpv4, the daemon\'s form)', () => {
  const contexts: [string, ResolvedContext][] = [
    ['4-octet AS', resolveContext()],
    ['ADD-PATH', addPathCtx],
  ];
  it.each(contexts)('holds what the listed form holds, and encodes to the same bytes, on a %s session (fast-check)', (_name, ctx) => {
    const packedCtx = { ...ctx, packedIpv4: true };
    const listed = (list: readonly Nlri[]) => list.map((n) => ({ prefix: n.prefix, pathId: n.pathId }));
    fc.assert(
      fc.property(updateMessage(ctx), (m) => {
        const bytes = encode(m, ctx);
        const plain = decode(bytes, ctx);
        const packed = decode(bytes, packedCtx);
        expect(packed.withdrawn).toEqual([]);
        expect(packed.nlri).toEqual([]);
        expect(listed(packed.packed!.withdrawn.toArray())).toEqual(listed(plain.withdrawn));
        expect(listed(packed.packed!.nlri.toArray())).toEqual(listed(plain.nlri));
        expect(packed.attributes).toEqual(plain.attributes);
        expect(packed.problem).toEqual(plain.problem);
        expect(toHex(encode(packed, ctx))).toBe(toHex(bytes));
      }),
      { seed: 43, numRuns: 300 },
    );
  });

  it('finds NEXT_HOP missing for packed NLRI as for listed ones: treat-as-withdraw (RFC 7606 §3 d)', () => {
    const body = updateBody([], [attr(WK, 1, [0]), attr(WK, 2)], [pfx(24, 192, 0, 2)]);
    const packed = decode(body, { ...resolveContext(), packedIpv4: true });
    expect(packed.problem).toMatchObject({ code: 3, subcode: 3, action: 'treat-as-withdraw' });
    expect(packed.packed!.nlri.count).toBe(1);
  });

  it('resets the session on a withdrawal-only UPDATE with a bad attribute, as the listed form does (RFC 7606 §5.2)', () => {
    const body = updateBody([pfx(8, 10)], [attr(WK, 1, [9])], []);
    expect(() => decode(body, { ...resolveContext(), packedIpv4: true })).toThrow(BgpError);
    expect(() => decode(body)).toThrow(BgpError);
  });
});

describe('UPDATE truncation sweep', () => {
  function outcome(body: Uint8Array, ctx: ResolvedContext): string {
    try {
      const m = decode(body, ctx);
      return m.problem ? `${m.problem.action}:${m.problem.id}` : 'ok';
    } catch (e) {
      expect(e).toBeInstanceOf(BgpError);
      const err = e as BgpError;
      expect(err.action).toBe('session-reset');
      return `${err.code}/${err.subcode}`;
    }
  }

  const bodies: [string, Uint8Array, ResolvedContext][] = [
    ['IPv4 with every attribute', ipv4Body, resolveContext()],
    ['IPv6 MP_REACH', ipv6Body, resolveContext()],
    ['withdrawals', withdrawBody, resolveContext()],
    ['ADD-PATH', addPathBody, addPathCtx],
  ];

  it.each(bodies)('a cut %s body ends in a length error, or an NLRI error or fewer NLRI when cut in the NLRI', (_n, body, ctx) => {
    const withdrawnEnd = 2 + ((body[0]! << 8) | body[1]!);
    const nlriStart = withdrawnEnd + 2 + ((body[withdrawnEnd]! << 8) | body[withdrawnEnd + 1]!);
    for (let n = 0; n < body.length; n++) {
      const got = outcome(body.subarray(0, n), ctx);
      if (n < 4) expect(got, `n=${n}`).toBe('1/2'); // RFC 4271 §6.1: shorter than an UPDATE
      else if (n < nlriStart) expect(got, `n=${n}`).toBe('3/1'); // RFC 4271 §6.3
      else expect(['ok', '3/10'], `n=${n}`).toContain(got); // RFC 7606 §5.3, or cut on an NLRI boundary
    }
  });

  it('an attribute list cut short inside its own length is treat-as-withdraw (RFC 7606 §4)', () => {
    // Rebuild the IPv4 UPDATE with the attribute field cut at every offset and its length fixed.
    const all = concat(...ipv4Attrs);
    const boundaries = new Set<number>();
    let at = 0;
    for (const a of ipv4Attrs) boundaries.add((at += a.length));
    const nlri = [pfx(24, 10, 1, 2)];
    for (let k = 0; k < all.length; k++) {
      const m = decode(concat(u16(0), u16(k), all.subarray(0, k), ...nlri));
      expect(m.nlri).toEqual([{ prefix: '10.1.2.0/24' }]);
      if (boundaries.has(k) || k === 0) {
        // Whole attributes only: well-formed unless a mandatory one is missing (RFC 7606 §3 d).
        const missingMandatory = k < boundaries.values().next().value! + ipv4Attrs[1]!.length + ipv4Attrs[2]!.length;
        if (missingMandatory) expect(m.problem?.id, `k=${k}`).toMatch(/^update\.missing\./);
        else expect(m.problem, `k=${k}`).toBeUndefined();
      } else {
        expect(m.problem?.id, `k=${k}`).toBe('update.attribute.framing');
        expect(m.problem?.action).toBe('treat-as-withdraw');
      }
    }
  });

  it('the same cut in an UPDATE without reachable NLRI resets the session (RFC 7606 §5.2)', () => {
    const attrs = [attr(WK, 1, [0]), attr(WK, 2, [2, 1], u32(65001)), attr(ON, 4, u32(5))];
    const all = concat(...attrs);
    for (let k = 1; k < all.length; k++) {
      if (k === 4 || k === 4 + attrs[1]!.length) continue; // attribute boundaries: well-formed
      expect(() => decode(concat(u16(0), u16(k), all.subarray(0, k))), `k=${k}`).toThrow(BgpError);
    }
  });
});

describe('packUpdates', () => {
  const attrs: PathAttribute[] = [
    { type: 'origin', origin: 'igp' },
    { type: 'as-path', segments: [{ type: 'sequence', asns: [65001] }] },
    { type: 'next-hop', nextHop: '10.0.0.1' },
    { type: 'communities', communities: [1, 2, 3] },
  ];
  const v4 = (i: number, len: number): Nlri => ({ prefix: `10.${(i >> 8) & 255}.${i & 255}.0/${len}` });

  function collect(bodies: Buffer[], ctx: ResolvedContext, max: number): { nlri: string[]; withdrawn: string[] } {
    const nlri: string[] = [];
    const withdrawn: string[] = [];
    for (const b of bodies) {
      expect(b.length + 19).toBeLessThanOrEqual(max);
      const m = decode(b, ctx);
      expect(m.problem).toBeUndefined();
      const key = (n: Nlri): string => `${n.prefix}#${n.pathId ?? ''}`;
      nlri.push(...m.nlri.map(key));
      withdrawn.push(...m.withdrawn.map(key));
      for (const a of m.attributes) {
        if (a.type === 'mp-reach') nlri.push(...a.nlri.map(key));
        if (a.type === 'mp-unreach') withdrawn.push(...a.withdrawn.map(key));
      }
      // RFC 7606 §5.1: withdrawals and announcements never share a message.
      const announces = m.nlri.length > 0 || m.attributes.some((a) => a.type === 'mp-reach');
      const withdraws = m.withdrawn.length > 0 || m.attributes.some((a) => a.type === 'mp-unreach');
      expect(announces && withdraws).toBe(false);
    }
    return { nlri, withdrawn };
  }

  it('packs IPv4 prefixes into full 4096-octet UPDATEs, each prefix exactly once', () => {
    const ctx = resolveContext();
    const nlri = Array.from({ length: 5000 }, (_, i) => v4(i, 24));
    const withdrawn = Array.from({ length: 3000 }, (_, i) => v4(i + 20000, 26));
    const bodies = packUpdates(attrs, nlri, withdrawn, ctx);
    const got = collect(bodies, ctx, 4096);
    expect(got.nlri.sort()).toEqual(nlri.map((n) => `${n.prefix}#`).sort());
    expect(got.withdrawn.sort()).toEqual(withdrawn.map((n) => `${n.prefix}#`).sort());
    // 4 octets per /24: (4096 - 19 - 4 - attributes) / 4 per message, all but the last full.
    const perMessage = Math.floor((4096 - 19 - 4 - encode({ type: 'update', withdrawn: [], attributes: attrs, nlri: [] }).length + 4) / 4);
    expect(bodies.length).toBe(Math.ceil(5000 / perMessage) + Math.ceil(3000 / Math.floor((4096 - 19 - 4) / 5)));
  });

  it('packs IPv6 prefixes with ADD-PATH into MP_REACH / MP_UNREACH, extended messages too', () => {
    for (const ctx of [resolveContext({ addPath: ['ipv6-unicast'] }), resolveContext({ extendedMessage: true, addPath: ['ipv6-unicast'] })]) {
      const mp: PathAttribute = { type: 'mp-reach', afi: 2, safi: 1, nextHops: ['2001:db8::1', 'fe80::1'], nlri: [] };
      const nlri = Array.from({ length: 4000 }, (_, i) => ({ prefix: `2001:db8:${(i + 1).toString(16)}::/48`, pathId: i % 3 }));
      const withdrawn = Array.from({ length: 2500 }, (_, i) => ({ prefix: `fd00:${(i + 1).toString(16)}::/32`, pathId: 1 }));
      const bodies = packUpdates([mp, ...attrs.filter((a) => a.type !== 'next-hop')], nlri, withdrawn, ctx);
      const got = collect(bodies, ctx, ctx.maxMessageLength);
      expect(got.nlri.sort()).toEqual(nlri.map((n) => `${n.prefix}#${n.pathId}`).sort());
      expect(got.withdrawn.sort()).toEqual(withdrawn.map((n) => `${n.prefix}#${n.pathId}`).sort());
      // MP_REACH_NLRI goes first (RFC 7606 §5.1).
      expect(decode(bodies[bodies.length - 1]!, ctx).attributes[0]!.type).toBe('mp-reach');
    }
  });

  it('packs withdraw-only IPv6 batches when told the family', () => {
    const ctx = resolveContext();
    const bodies = packUpdates([], [], [{ prefix: '2001:db8::/32' }], ctx, { afi: 2, safi: 1 });
    expect(toHex(bodies[0]!)).toBe(toHex(updateBody([], [attr(ON, 15, u16(2), [1], pfx(32, 0x20, 0x01, 0x0d, 0xb8))], [])));
  });

  it('refuses attributes that leave no room for a single prefix', () => {
    const huge: PathAttribute = { type: 'communities', communities: Array.from({ length: 1020 }, (_, i) => i) };
    expect(() => packUpdates([huge], [{ prefix: '10.0.0.0/8' }], [], resolveContext())).toThrow(RangeError);
  });
});
