/**
 * The benchmark clients' bytes: the announcer's pre-encoded stream is full, standard UPDATEs
 * carrying exactly the benchmark prefixes, and the receivers' counting parser agrees with a
 * full decode on what is held, however the prefixes arrive (RFC 4271 §4.3, RFC 4760).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { benchPrefix, encodeAnnouncements, encodeOpenMessage, encodeWithdrawals, PrefixHoldings } from '../../bench/clients/wire.js';
import { BgpFramer, decodeMessage, encodeMessage, type Nlri, type PathAttribute, type UpdateMessage } from '../../src/bgp/index.js';

const NEXT_HOP = '10.255.1.1';
const BASE_ATTRS: PathAttribute[] = [
  { type: 'origin', origin: 'igp' },
  { type: 'as-path', segments: [] },
];

function frames(stream: Buffer): Uint8Array[] {
  return new BgpFramer().push(stream);
}

function updates(stream: Buffer): UpdateMessage[] {
  return frames(stream).map((m) => {
    const msg = decodeMessage(m);
    if (msg.type !== 'update') throw new Error(`expected UPDATE, got ${msg.type}`);
    return msg;
  });
}

function nlri(indices: readonly number[]): Nlri[] {
  return indices.map((i) => ({ prefix: benchPrefix(i) }));
}

function apply(holdings: PrefixHoldings, message: UpdateMessage): void {
  holdings.applyUpdate(encodeMessage(message));
}

describe('benchmark prefixes', () => {
  it('are distinct /24s counted up from 11.0.0.0/24', () => {
    expect([0, 1, 255, 256, 65_535, 65_536, 999_999].map(benchPrefix)).toEqual([
      '11.0.0.0/24',
      '11.0.1.0/24',
      '11.0.255.0/24',
      '11.1.0.0/24',
      '11.255.255.0/24',
      '12.0.0.0/24',
      '26.66.63.0/24',
    ]);
  });
});

describe('announcer stream', () => {
  const count = 5000;
  const stream = encodeAnnouncements(count, NEXT_HOP);
  const msgs = updates(stream.bytes);

  it('announces every prefix once, in order, with the shared iBGP attributes', () => {
    expect(msgs).toHaveLength(stream.messages);
    expect(msgs.flatMap((m) => m.nlri.map((n) => n.prefix))).toEqual(nlri(Array.from({ length: count }, (_, i) => i)).map((n) => n.prefix));
    for (const m of msgs) {
      expect(m.withdrawn).toEqual([]);
      expect(m.attributes).toMatchObject([...BASE_ATTRS, { type: 'next-hop', nextHop: NEXT_HOP }, { type: 'local-pref', localPref: 100 }]);
    }
  });

  it('fills every UPDATE but the last to within one /24 of 4096 octets (RFC 4271 §4)', () => {
    const lengths = frames(stream.bytes).map((m) => m.length);
    for (const length of lengths.slice(0, -1)) expect(length).toBeGreaterThan(4096 - 4);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(4096);
  });

  it('has a withdrawal stream that withdraws the same prefixes and carries no attributes', () => {
    const w = updates(encodeWithdrawals(count).bytes);
    expect(w.flatMap((m) => m.withdrawn.map((n) => n.prefix))).toEqual(msgs.flatMap((m) => m.nlri.map((n) => n.prefix)));
    for (const m of w) expect(m.attributes).toEqual([]);
  });
});

describe('PrefixHoldings (the receivers\u2019 counting parser)', () => {
  it('holds everything after the announcements and nothing after the withdrawals', () => {
    const h = new PrefixHoldings(3000);
    for (const m of frames(encodeAnnouncements(3000, NEXT_HOP).bytes)) h.applyUpdate(m);
    expect(h.held).toBe(3000);
    for (const m of frames(encodeWithdrawals(3000).bytes)) h.applyUpdate(m);
    expect(h.held).toBe(0);
    expect(h.foreign).toBe(0);
  });

  it('counts a re-announced prefix once and ignores withdrawals of prefixes not held', () => {
    const h = new PrefixHoldings(10);
    apply(h, { type: 'update', withdrawn: nlri([7]), attributes: [...BASE_ATTRS, { type: 'next-hop', nextHop: NEXT_HOP }], nlri: nlri([1, 2, 2]) });
    apply(h, { type: 'update', withdrawn: [], attributes: [...BASE_ATTRS, { type: 'next-hop', nextHop: NEXT_HOP }], nlri: nlri([1]) });
    expect(h.held).toBe(2);
  });

  it('sets aside prefixes that are not the benchmark\u2019s', () => {
    const h = new PrefixHoldings(10);
    const others = ['10.0.0.0/8', '11.0.0.0/25', '11.0.0.128/25', '0.0.0.0/0', benchPrefix(10)].map((prefix) => ({ prefix }));
    apply(h, { type: 'update', withdrawn: [], attributes: [...BASE_ATTRS, { type: 'next-hop', nextHop: NEXT_HOP }], nlri: others });
    expect(h.held).toBe(0);
    expect(h.foreign).toBe(5);
  });

  it('reads IPv4 unicast NLRI from MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760 §3, §4)', () => {
    const h = new PrefixHoldings(10);
    const reach: PathAttribute = { type: 'mp-reach', afi: 1, safi: 1, nextHops: [NEXT_HOP], nlri: nlri([3, 4, 5]) };
    apply(h, { type: 'update', withdrawn: [], attributes: [reach, ...BASE_ATTRS, { type: 'local-pref', localPref: 100 }], nlri: [] });
    expect(h.held).toBe(3);
    const unreach: PathAttribute = { type: 'mp-unreach', afi: 1, safi: 1, withdrawn: nlri([4]) };
    apply(h, { type: 'update', withdrawn: [], attributes: [unreach], nlri: [] });
    expect(h.held).toBe(2);
  });

  it('ignores IPv6 NLRI in MP_REACH_NLRI', () => {
    const h = new PrefixHoldings(10);
    const reach: PathAttribute = { type: 'mp-reach', afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: [{ prefix: '2001:db8::/32' }] };
    apply(h, { type: 'update', withdrawn: [], attributes: [reach, ...BASE_ATTRS], nlri: [] });
    expect(h.held).toBe(0);
  });

  it('agrees with a set of what was announced and withdrawn, over random UPDATE sequences', () => {
    const op = fc.record({ announce: fc.array(fc.nat(199), { maxLength: 40 }), withdraw: fc.array(fc.nat(199), { maxLength: 40 }) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
        const h = new PrefixHoldings(200);
        const model = new Set<number>();
        for (const o of ops) {
          const attributes = o.announce.length > 0 ? [...BASE_ATTRS, { type: 'next-hop' as const, nextHop: NEXT_HOP }] : [];
          apply(h, { type: 'update', withdrawn: nlri(o.withdraw), attributes, nlri: nlri(o.announce) });
          // RFC 4271 §4.3: withdrawals in an UPDATE are processed before its NLRI.
          for (const i of o.withdraw) model.delete(i);
          for (const i of o.announce) model.add(i);
        }
        expect(h.held).toBe(model.size);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('client OPEN', () => {
  it('offers IPv4 unicast, route refresh and the 4-octet AS, and no ADD-PATH', () => {
    const open = decodeMessage(encodeOpenMessage({ asn: 64512, bgpId: NEXT_HOP, holdTimeSec: 240 }));
    expect(open).toMatchObject({ type: 'open', version: 4, myAs: 64512, holdTimeSec: 240, bgpId: NEXT_HOP });
    if (open.type !== 'open') throw new Error('not an OPEN');
    expect(open.capabilities.map((c) => c.code)).toEqual(['multiprotocol', 'route-refresh', 'four-octet-as']);
  });
});
