/**
 * fast-check arbitraries for UPDATE messages with every attribute kind. Messages are generated
 * valid for the given session (AS number width, ADD-PATH), so that a round trip must give them
 * back unchanged apart from the flags octet the decoder fills in.
 */
import fc from 'fast-check';
import { formatIpv6 } from '../../src/bgp/address.js';
import type { ResolvedContext } from '../../src/bgp/context.js';
import type { AsPathSegment, Nlri, PathAttribute, UpdateMessage } from '../../src/bgp/types.js';

const OT = 0xc0;
const ON = 0x80;
const WK = 0x40;
const EXT = 0x10;

export function ipv4Prefix(): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min: 0, max: 32 }), fc.nat({ max: 0xffffffff })).map(([len, raw]) => {
    const v = len === 0 ? 0 : (raw & (-1 << (32 - len))) >>> 0;
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}/${len}`;
  });
}

export function ipv6Prefix(): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min: 0, max: 128 }), fc.uint8Array({ minLength: 16, maxLength: 16 })).map(([len, raw]) => {
    const b = Uint8Array.from(raw);
    for (let bit = len; bit < 128; bit++) b[bit >> 3]! &= ~(0x80 >> (bit & 7));
    return `${formatIpv6(b)}/${len}`;
  });
}

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b));
const u32 = fc.nat({ max: 0xffffffff });

function nlriList(prefix: fc.Arbitrary<string>, addPath: boolean, maxLength: number): fc.Arbitrary<Nlri[]> {
  const one: fc.Arbitrary<Nlri> = addPath ? fc.record({ prefix, pathId: u32 }) : fc.record({ prefix });
  return fc.array(one, { maxLength });
}

function segments(asn: fc.Arbitrary<number>, confed: boolean): fc.Arbitrary<AsPathSegment[]> {
  const types = confed ? (['set', 'sequence', 'confed-sequence', 'confed-set'] as const) : (['set', 'sequence'] as const);
  return fc.array(fc.record({ type: fc.constantFrom(...types), asns: fc.array(asn, { minLength: 1, maxLength: 12 }) }), { maxLength: 4 });
}

/** Flags as a received message would carry them: absent, standard, or standard with Extended Length. */
function withFlags<T extends PathAttribute>(a: fc.Arbitrary<T>, standard: number): fc.Arbitrary<PathAttribute> {
  return fc.tuple(a, fc.constantFrom<number | undefined>(undefined, standard, standard | EXT)).map(([attr, flags]) =>
    flags === undefined ? attr : { ...attr, flags },
  );
}

const UNKNOWN_CODES = [19, 21, 22, 25, 26, 33, 40, 128, 200, 255];

export function updateMessage(ctx: ResolvedContext): fc.Arbitrary<UpdateMessage> {
  const asn = ctx.fourOctetAs ? u32 : fc.nat(0xffff);
  const v4AddPath = ctx.addPath.has('ipv4-unicast');
  const v6AddPath = ctx.addPath.has('ipv6-unicast');
  const optional: Record<string, fc.Arbitrary<PathAttribute>> = {
    med: withFlags(fc.record({ type: fc.constant('med' as const), med: u32 }), ON),
    localPref: withFlags(fc.record({ type: fc.constant('local-pref' as const), localPref: u32 }), WK),
    atomic: withFlags(fc.constant({ type: 'atomic-aggregate' as const }), WK),
    aggregator: withFlags(fc.record({ type: fc.constant('aggregator' as const), asn, address: ipv4 }), OT),
    communities: withFlags(fc.record({ type: fc.constant('communities' as const), communities: fc.array(u32, { minLength: 1, maxLength: 80 }) }), OT),
    originator: withFlags(fc.record({ type: fc.constant('originator-id' as const), originatorId: ipv4 }), ON),
    clusters: withFlags(fc.record({ type: fc.constant('cluster-list' as const), clusterIds: fc.array(ipv4, { minLength: 1, maxLength: 4 }) }), ON),
    ext: withFlags(
      fc.record({
        type: fc.constant('extended-communities' as const),
        communities: fc.array(
          fc.record({ type: fc.nat(255), subtype: fc.nat(255), value: fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Buffer.from(b).toString('hex')) }),
          { minLength: 1, maxLength: 4 },
        ),
      }),
      OT,
    ),
    as4Path: withFlags(fc.record({ type: fc.constant('as4-path' as const), segments: segments(u32, false) }), OT),
    as4Aggregator: withFlags(fc.record({ type: fc.constant('as4-aggregator' as const), asn: u32, address: ipv4 }), OT),
    large: withFlags(fc.record({ type: fc.constant('large-communities' as const), communities: fc.array(fc.tuple(u32, u32, u32), { minLength: 1, maxLength: 4 }) }), OT),
  };
  const unknowns = fc.uniqueArray(
    fc.record({
      type: fc.constant('unknown' as const),
      code: fc.constantFrom(...UNKNOWN_CODES),
      flags: fc.constantFrom(ON, OT, OT | 0x20, OT | EXT),
      value: fc.uint8Array({ maxLength: 300 }),
    }),
    { selector: (u) => u.code, maxLength: 2 },
  );
  const mp = fc.oneof(
    fc.record({
      type: fc.constant('mp-reach' as const),
      afi: fc.constant(2),
      safi: fc.constantFrom(1, 2),
      nextHops: fc.oneof(fc.tuple(ipv6), fc.tuple(ipv6, ipv6)),
      nlri: nlriList(ipv6Prefix(), v6AddPath, 6),
    }).map((a) => (a.safi === 1 ? a : { ...a, nlri: a.nlri.map(({ prefix }) => ({ prefix })) })),
    fc.record({
      type: fc.constant('mp-unreach' as const),
      afi: fc.constant(2),
      safi: fc.constant(1),
      withdrawn: nlriList(ipv6Prefix(), v6AddPath, 6),
    }),
    fc.record({
      type: fc.constant('mp-reach' as const),
      afi: fc.constant(1),
      safi: fc.constant(2),
      nextHops: fc.tuple(ipv4),
      nlri: nlriList(ipv4Prefix(), false, 6),
    }),
    fc.record({
      type: fc.constant('mp-reach' as const),
      afi: fc.constant(25),
      safi: fc.constant(65),
      nextHops: fc.constant([]),
      nlri: fc.constant([]),
      raw: fc.uint8Array({ minLength: 2, maxLength: 20 }),
    }),
  );
  return fc
    .record({
      origin: withFlags(fc.record({ type: fc.constant('origin' as const), origin: fc.constantFrom('igp' as const, 'egp' as const, 'incomplete' as const) }), WK),
      asPath: withFlags(fc.record({ type: fc.constant('as-path' as const), segments: segments(asn, true) }), WK),
      nextHop: withFlags(fc.record({ type: fc.constant('next-hop' as const), nextHop: ipv4 }), WK),
      optional: fc.subarray(Object.values(optional)).chain((arbs): fc.Arbitrary<PathAttribute[]> => (arbs.length ? fc.tuple(...arbs) : fc.constant([]))),
      mp: fc.option(mp, { nil: undefined }),
      unknowns,
      withdrawn: nlriList(ipv4Prefix(), v4AddPath, 8),
      nlri: nlriList(ipv4Prefix(), v4AddPath, 8),
    })
    .map(({ origin, asPath, nextHop, optional: rest, mp: mpAttr, unknowns: unk, withdrawn, nlri }) => {
      // MP first (RFC 7606 §5.1), then type-code order: what petrel builds.
      const attributes: PathAttribute[] = [...(mpAttr ? [mpAttr] : []), origin, asPath, nextHop, ...rest, ...unk];
      return { type: 'update' as const, withdrawn, attributes, nlri };
    });
}

/** The message without the flags octets (which the decoder fills in). */
export function withoutFlags(m: UpdateMessage): UpdateMessage {
  return { ...m, attributes: m.attributes.map(({ flags: _flags, ...rest }) => rest as PathAttribute) };
}
