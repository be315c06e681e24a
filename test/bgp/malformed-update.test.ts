import { describe, expect, it } from 'vitest';
import { resolveContext, type ResolvedContext } from '../../src/bgp/context.js';
import { BgpError, updateError, type ErrorAction } from '../../src/bgp/errors.js';
import type { UpdateMessage } from '../../src/bgp/types.js';
import { decodeUpdate } from '../../src/bgp/update.js';
import { WireReader } from '../../src/bgp/wire/reader.js';
import { concat, u16, u32 } from '../helpers/bytes.js';
import { attr, ON, OT, pfx, updateBody, v6, WK } from '../helpers/update-bytes.js';

function decode(body: Uint8Array, ctx: ResolvedContext = resolveContext()): UpdateMessage {
  return decodeUpdate(new WireReader(body, () => updateError(1, 'test.short', 'short read')), ctx);
}

const ORIGIN = attr(WK, 1, [0]);
const AS_PATH = attr(WK, 2, [2, 1], u32(65001));
const NEXT_HOP = attr(WK, 3, [192, 0, 2, 1]);
const NLRI = pfx(24, 10, 1, 2);
const announce = (...attrs: Uint8Array[]): Uint8Array => updateBody([], attrs, [NLRI]);
const base = (...extra: Uint8Array[]): Uint8Array => announce(ORIGIN, AS_PATH, NEXT_HOP, ...extra);
const withdrawOnly = (...attrs: Uint8Array[]): Uint8Array => updateBody([pfx(8, 10)], attrs, []);
const mpReach6 = (...nlri: Uint8Array[]): Uint8Array => attr(ON, 14, u16(2), [1], [16], v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), [0], ...nlri);
const twoOctet = resolveContext({ fourOctetAs: false });

interface Case {
  readonly name: string;
  readonly body: Uint8Array;
  readonly ctx?: ResolvedContext;
  readonly code: number;
  readonly subcode: number;
  readonly action: ErrorAction;
  readonly id: string;
  /** Expected NOTIFICATION data, when the RFC says what it is. */
  readonly data?: Uint8Array;
  /** For attribute-discard: the attribute type that must be gone. */
  readonly discarded?: string;
}

const badOrigin = attr(WK, 1, [3]);
const cases: Case[] = [
  // RFC 4271 §6.1 / §6.3: lengths that do not add up.
  { name: 'a body shorter than the two length fields (RFC 4271 §6.1)', body: Uint8Array.of(0, 0, 0), code: 1, subcode: 2, action: 'session-reset', id: 'header.length.update', data: u16(22) },
  { name: 'Withdrawn Routes Length past the message (RFC 4271 §6.3)', body: concat(u16(10), Uint8Array.of(8, 10)), code: 3, subcode: 1, action: 'session-reset', id: 'update.length.withdrawn' },
  { name: 'Total Path Attribute Length past the message (RFC 4271 §6.3)', body: concat(u16(0), u16(50), ORIGIN), code: 3, subcode: 1, action: 'session-reset', id: 'update.length.attributes' },
  // RFC 7606 §5.3: NLRI and Withdrawn Routes fields that do not parse.
  { name: 'an NLRI prefix length of 33 (RFC 7606 §5.3)', body: updateBody([], [ORIGIN, AS_PATH, NEXT_HOP], [Uint8Array.of(33, 1, 2, 3, 4, 5)]), code: 3, subcode: 10, action: 'session-reset', id: 'update.nlri.prefix-length' },
  { name: 'an NLRI running past the message (RFC 7606 §5.3)', body: updateBody([], [ORIGIN, AS_PATH, NEXT_HOP], [Uint8Array.of(24, 10, 1)]), code: 3, subcode: 10, action: 'session-reset', id: 'update.nlri.overrun' },
  { name: 'a withdrawn prefix length of 33 (RFC 7606 §3 i, §5.3)', body: updateBody([Uint8Array.of(33, 1, 2, 3, 4, 5)], [], []), code: 3, subcode: 10, action: 'session-reset', id: 'update.nlri.prefix-length' },
  // ORIGIN (RFC 7606 §7.1)
  { name: 'an undefined ORIGIN value (RFC 7606 §7.1)', body: announce(badOrigin, AS_PATH, NEXT_HOP), code: 3, subcode: 6, action: 'treat-as-withdraw', id: 'update.origin.malformed', data: badOrigin },
  { name: 'an ORIGIN of 2 octets (RFC 7606 §7.1)', body: announce(attr(WK, 1, [0, 0]), AS_PATH, NEXT_HOP), code: 3, subcode: 5, action: 'treat-as-withdraw', id: 'update.origin.length', data: attr(WK, 1, [0, 0]) },
  { name: 'ORIGIN flagged optional (RFC 7606 §3 c)', body: announce(attr(OT, 1, [0]), AS_PATH, NEXT_HOP), code: 3, subcode: 4, action: 'treat-as-withdraw', id: 'update.origin.flags', data: attr(OT, 1, [0]) },
  // AS_PATH (RFC 7606 §7.2)
  { name: 'an AS_PATH segment of unknown type (RFC 7606 §7.2)', body: announce(ORIGIN, attr(WK, 2, [5, 1], u32(1)), NEXT_HOP), code: 3, subcode: 11, action: 'treat-as-withdraw', id: 'update.as-path.malformed', data: new Uint8Array(0) },
  { name: 'an AS_PATH segment overrun (RFC 7606 §7.2)', body: announce(ORIGIN, attr(WK, 2, [2, 2], u32(1)), NEXT_HOP), code: 3, subcode: 11, action: 'treat-as-withdraw', id: 'update.as-path.malformed' },
  { name: 'an AS_PATH segment of length zero (RFC 7606 §7.2)', body: announce(ORIGIN, attr(WK, 2, [2, 0]), NEXT_HOP), code: 3, subcode: 11, action: 'treat-as-withdraw', id: 'update.as-path.malformed' },
  { name: 'an AS_PATH with one octet left over (RFC 7606 §7.2)', body: announce(ORIGIN, attr(WK, 2, [2, 1], u32(1), [2]), NEXT_HOP), code: 3, subcode: 11, action: 'treat-as-withdraw', id: 'update.as-path.malformed' },
  { name: 'a 4-octet AS_PATH on a 2-octet session (RFC 6793 §4.2.1)', ctx: twoOctet, body: announce(ORIGIN, attr(WK, 2, [2, 1], u32(65001)), NEXT_HOP), code: 3, subcode: 11, action: 'treat-as-withdraw', id: 'update.as-path.malformed' },
  // NEXT_HOP (RFC 7606 §7.3)
  { name: 'a NEXT_HOP of 5 octets (RFC 7606 §7.3)', body: announce(ORIGIN, AS_PATH, attr(WK, 3, [1, 2, 3, 4, 5])), code: 3, subcode: 5, action: 'treat-as-withdraw', id: 'update.next-hop.length' },
  { name: 'NEXT_HOP flagged optional (RFC 7606 §3 c)', body: announce(ORIGIN, AS_PATH, attr(ON, 3, [1, 2, 3, 4])), code: 3, subcode: 4, action: 'treat-as-withdraw', id: 'update.next-hop.flags' },
  // MED, LOCAL_PREF (RFC 7606 §7.4, §7.5)
  { name: 'a MULTI_EXIT_DISC of 3 octets (RFC 7606 §7.4)', body: base(attr(ON, 4, [0, 0, 1])), code: 3, subcode: 5, action: 'treat-as-withdraw', id: 'update.med.length' },
  { name: 'MULTI_EXIT_DISC flagged well-known (RFC 7606 §3 c)', body: base(attr(WK, 4, u32(1))), code: 3, subcode: 4, action: 'treat-as-withdraw', id: 'update.med.flags' },
  { name: 'a LOCAL_PREF of 2 octets (RFC 7606 §7.5)', body: base(attr(WK, 5, [0, 1])), code: 3, subcode: 5, action: 'treat-as-withdraw', id: 'update.local-pref.length' },
  // ATOMIC_AGGREGATE, AGGREGATOR (RFC 7606 §7.6, §7.7): attribute discard
  { name: 'an ATOMIC_AGGREGATE with a value (RFC 7606 §7.6)', body: base(attr(WK, 6, [1])), code: 3, subcode: 5, action: 'attribute-discard', id: 'update.atomic-aggregate.length', discarded: 'atomic-aggregate' },
  { name: 'a 6-octet AGGREGATOR on a 4-octet session (RFC 7606 §7.7)', body: base(attr(OT, 7, u16(1), [1, 2, 3, 4])), code: 3, subcode: 5, action: 'attribute-discard', id: 'update.aggregator.length', discarded: 'aggregator' },
  { name: 'an 8-octet AGGREGATOR on a 2-octet session (RFC 7606 §7.7)', ctx: twoOctet, body: announce(ORIGIN, attr(WK, 2, [2, 1], u16(1)), NEXT_HOP, attr(OT, 7, u32(1), [1, 2, 3, 4])), code: 3, subcode: 5, action: 'attribute-discard', id: 'update.aggregator.length', discarded: 'aggregator' },
  { name: 'AGGREGATOR flagged well-known (RFC 7606 §3 c, §7.7)', body: base(attr(WK, 7, u32(1), [1, 2, 3, 4])), code: 3, subcode: 4, action: 'attribute-discard', id: 'update.aggregator.flags', discarded: 'aggregator' },
  // Communities, reflection attributes (RFC 7606 §7.8–§7.10, §7.14, RFC 8092 §6)
  { name: 'COMMUNITIES of 3 octets (RFC 7606 §7.8)', body: base(attr(OT, 8, [1, 2, 3])), code: 3, subcode: 5, action: 'treat-as-withdraw', id: 'update.communities.length' },
  { name: 'empty COMMUNITIES (RFC 7606 §7.8)', body: base(attr(OT, 8)), code: 3, subcode: 5, action: 'treat-as-withdraw', id: 'update.communities.length' },
  { name: 'an ORIGINATOR_ID of 3 octets (RFC 7606 §7.9)', body: base(attr(ON, 9, [1, 2, 3])), code: 3, subcode: 5, action: 'treat-as-withdraw', id: 'update.originator-id.length' },
  { name: 'a CLUSTER_LIST of 6 octets (RFC 7606 §7.10)', body: base(attr(ON, 10, [1, 2, 3, 4, 5, 6])), code: 3, subcode: 5, action: 'treat-as-withdraw', id: 'update.cluster-list.length' },
  { name: 'EXTENDED_COMMUNITIES of 7 octets (RFC 7606 §7.14)', body: base(attr(OT, 16, [0, 2, 0, 0, 0, 0, 1])), code: 3, subcode: 5, action: 'treat-as-withdraw', id: 'update.extended-communities.length' },
  { name: 'LARGE_COMMUNITY of 13 octets (RFC 8092 §6)', body: base(attr(OT, 32, u32(1), u32(2), u32(3), [4])), code: 3, subcode: 5, action: 'treat-as-withdraw', id: 'update.large-communities.length' },
  // AS4 attributes (RFC 6793 §6): attribute discard
  { name: 'a malformed AS4_PATH (RFC 6793 §6)', body: base(attr(OT, 17, [2, 3], u32(1))), code: 3, subcode: 9, action: 'attribute-discard', id: 'update.as4-path.malformed', discarded: 'as4-path' },
  { name: 'an AS4_PATH with a confederation segment (RFC 6793 §6)', body: base(attr(OT, 17, [3, 1], u32(1))), code: 3, subcode: 9, action: 'attribute-discard', id: 'update.as4-path.malformed', discarded: 'as4-path' },
  { name: 'an AS4_AGGREGATOR of 6 octets (RFC 6793 §6)', body: base(attr(OT, 18, u16(1), [1, 2, 3, 4])), code: 3, subcode: 5, action: 'attribute-discard', id: 'update.as4-aggregator.length', discarded: 'as4-aggregator' },
  // MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 7606 §7.11, §5.3; RFC 4760 §7): session reset
  { name: 'an IPv6 next hop of 5 octets (RFC 7606 §7.11)', body: announce(attr(ON, 14, u16(2), [1], [5], [1, 2, 3, 4, 5], [0]), ORIGIN, AS_PATH), code: 3, subcode: 9, action: 'session-reset', id: 'update.mp-reach.malformed' },
  { name: 'an IPv4 next hop for IPv6 NLRI (RFC 7606 §7.11)', body: announce(attr(ON, 14, u16(2), [1], [4], [1, 2, 3, 4], [0]), ORIGIN, AS_PATH), code: 3, subcode: 9, action: 'session-reset', id: 'update.mp-reach.malformed' },
  { name: 'a next hop running past MP_REACH_NLRI (RFC 7606 §7.11)', body: announce(attr(ON, 14, u16(2), [1], [16], [1, 2, 3]), ORIGIN, AS_PATH), code: 3, subcode: 9, action: 'session-reset', id: 'update.mp-reach.malformed' },
  { name: 'an MP_REACH_NLRI of 4 octets (RFC 7606 §7.11)', body: announce(attr(ON, 14, u16(2), [1], [0]), ORIGIN, AS_PATH), code: 3, subcode: 5, action: 'session-reset', id: 'update.mp-reach.length' },
  { name: 'an MP_REACH_NLRI prefix running past the attribute (RFC 7606 §5.3)', body: announce(mpReach6(Uint8Array.of(64, 0x20, 0x01)), ORIGIN, AS_PATH), code: 3, subcode: 10, action: 'session-reset', id: 'update.nlri.overrun' },
  { name: 'an MP_UNREACH_NLRI prefix length of 129 (RFC 7606 §5.3)', body: withdrawOnly(attr(ON, 15, u16(2), [1], [129], new Uint8Array(17))), code: 3, subcode: 10, action: 'session-reset', id: 'update.nlri.prefix-length' },
  { name: 'an MP_UNREACH_NLRI of 2 octets (RFC 7606 §7.12)', body: withdrawOnly(attr(ON, 15, u16(2))), code: 3, subcode: 5, action: 'session-reset', id: 'update.mp-unreach.length' },
  { name: 'MP_REACH_NLRI flagged transitive (RFC 7606 §3 c, §7.11)', body: announce(attr(OT, 14, u16(2), [1], [16], v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), [0]), ORIGIN, AS_PATH), code: 3, subcode: 4, action: 'session-reset', id: 'update.mp-reach.flags' },
  // Duplicates (RFC 7606 §3 g)
  { name: 'MP_REACH_NLRI twice (RFC 7606 §3 g)', body: announce(mpReach6(), mpReach6(), ORIGIN, AS_PATH), code: 3, subcode: 1, action: 'session-reset', id: 'update.attribute.duplicate-mp' },
  { name: 'MP_UNREACH_NLRI twice (RFC 7606 §3 g)', body: withdrawOnly(attr(ON, 15, u16(2), [1]), attr(ON, 15, u16(2), [1])), code: 3, subcode: 1, action: 'session-reset', id: 'update.attribute.duplicate-mp' },
  { name: 'COMMUNITIES twice (RFC 7606 §3 g)', body: base(attr(OT, 8, u32(1)), attr(OT, 8, u32(2))), code: 3, subcode: 1, action: 'attribute-discard', id: 'update.attribute.duplicate' },
  // Unrecognised well-known attribute (RFC 4271 §6.3)
  { name: 'an unrecognised well-known attribute (RFC 4271 §6.3)', body: base(attr(WK, 99, [1])), code: 3, subcode: 2, action: 'session-reset', id: 'update.attribute.unrecognized-well-known', data: attr(WK, 99, [1]) },
  // Missing well-known attributes (RFC 7606 §3 d)
  { name: 'missing ORIGIN (RFC 7606 §3 d)', body: announce(AS_PATH, NEXT_HOP), code: 3, subcode: 3, action: 'treat-as-withdraw', id: 'update.missing.origin', data: Uint8Array.of(1) },
  { name: 'missing AS_PATH (RFC 7606 §3 d)', body: announce(ORIGIN, NEXT_HOP), code: 3, subcode: 3, action: 'treat-as-withdraw', id: 'update.missing.as-path', data: Uint8Array.of(2) },
  { name: 'missing NEXT_HOP with IPv4 NLRI (RFC 7606 §3 d)', body: announce(ORIGIN, AS_PATH), code: 3, subcode: 3, action: 'treat-as-withdraw', id: 'update.missing.next-hop', data: Uint8Array.of(3) },
  { name: 'missing ORIGIN beside MP_REACH_NLRI (RFC 7606 §3 d)', body: updateBody([], [mpReach6(pfx(32, 0x20, 0x01, 0x0d, 0xb8)), AS_PATH], []), code: 3, subcode: 3, action: 'treat-as-withdraw', id: 'update.missing.origin', data: Uint8Array.of(1) },
  // Attribute framing (RFC 7606 §4)
  { name: 'an attribute running past the attribute field (RFC 7606 §4)', body: announce(ORIGIN, AS_PATH, NEXT_HOP, Uint8Array.of(0x80, 4, 10)), code: 3, subcode: 1, action: 'treat-as-withdraw', id: 'update.attribute.framing' },
  { name: 'two octets left in the attribute field (RFC 7606 §4)', body: announce(ORIGIN, AS_PATH, NEXT_HOP, Uint8Array.of(0x80, 4)), code: 3, subcode: 1, action: 'treat-as-withdraw', id: 'update.attribute.framing' },
  { name: 'an Extended Length header cut short (RFC 7606 §4)', body: announce(ORIGIN, AS_PATH, NEXT_HOP, Uint8Array.of(0x90, 8, 0)), code: 3, subcode: 1, action: 'treat-as-withdraw', id: 'update.attribute.framing' },
  // RFC 7606 §5.2: no reachable NLRI
  { name: 'a treat-as-withdraw error with no reachable NLRI (RFC 7606 §5.2)', body: withdrawOnly(badOrigin), code: 3, subcode: 6, action: 'session-reset', id: 'update.origin.malformed' },
  { name: 'a framing error with no reachable NLRI (RFC 7606 §5.2)', body: withdrawOnly(ORIGIN, Uint8Array.of(0x40, 2, 9)), code: 3, subcode: 1, action: 'session-reset', id: 'update.attribute.framing' },
  { name: 'an attribute-discard error with no reachable NLRI (RFC 7606 §5.2)', body: withdrawOnly(attr(OT, 7, [1])), code: 3, subcode: 5, action: 'attribute-discard', id: 'update.aggregator.length', discarded: 'aggregator' },
  // RFC 7606 §3 h: the strongest action wins; the first on a tie
  { name: 'a discard and a withdraw error together (RFC 7606 §3 h)', body: announce(attr(OT, 7, [1]), badOrigin, AS_PATH, NEXT_HOP), code: 3, subcode: 6, action: 'treat-as-withdraw', id: 'update.origin.malformed' },
];

describe('malformed UPDATEs (RFC 7606)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('handles %s', (_name, c) => {
    const ctx = c.ctx ?? resolveContext();
    let err: BgpError | undefined;
    let m: UpdateMessage | undefined;
    try {
      m = decode(c.body, ctx);
      err = m.problem;
    } catch (e) {
      expect(e).toBeInstanceOf(BgpError);
      err = e as BgpError;
    }
    expect(err, 'an error is reported').toBeDefined();
    expect({ code: err!.code, subcode: err!.subcode, action: err!.action, id: err!.id }).toEqual({
      code: c.code,
      subcode: c.subcode,
      action: c.action,
      id: c.id,
    });
    // Only session resets are thrown; everything else comes back with the message.
    expect(m === undefined).toBe(c.action === 'session-reset');
    if (c.data) expect(Array.from(err!.data)).toEqual(Array.from(c.data));
    if (m && c.action === 'treat-as-withdraw') {
      // The NLRI are all there, for the caller to withdraw.
      const mp = m.attributes.find((a) => a.type === 'mp-reach');
      expect(m.nlri.length + (mp?.type === 'mp-reach' ? mp.nlri.length : 0)).toBeGreaterThan(0);
    }
    if (m && c.discarded) expect(m.attributes.map((a) => a.type)).not.toContain(c.discarded);
  });

  it('keeps the first of duplicated attributes (RFC 7606 §3 g)', () => {
    const m = decode(base(attr(OT, 8, u32(1)), attr(OT, 8, u32(2))));
    expect(m.attributes.filter((a) => a.type === 'communities')).toEqual([{ type: 'communities', flags: OT, communities: [1] }]);
  });

  it('needs no other attribute for MP_UNREACH_NLRI or withdrawals alone (RFC 4760 §4, RFC 4271 §5)', () => {
    expect(decode(withdrawOnly(attr(ON, 15, u16(2), [1], pfx(32, 0x20, 0x01, 0x0d, 0xb8)))).problem).toBeUndefined();
    expect(decode(updateBody([pfx(8, 10)], [], [])).problem).toBeUndefined();
  });

  it('does not ask for NEXT_HOP when MP_REACH_NLRI carries the only NLRI (RFC 4760 §3)', () => {
    expect(decode(updateBody([], [mpReach6(pfx(32, 0x20, 0x01, 0x0d, 0xb8)), ORIGIN, AS_PATH], [])).problem).toBeUndefined();
  });

  it('passes unrecognised optional attributes through, non-transitive ones too (RFC 4271 §5)', () => {
    const m = decode(base(attr(ON, 200, [9])));
    expect(m.problem).toBeUndefined();
    expect(m.attributes[3]).toEqual({ type: 'unknown', flags: ON, code: 200, value: Uint8Array.of(9) });
  });
});
