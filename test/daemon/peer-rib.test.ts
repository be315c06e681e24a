// PeerRib takes an UPDATE in either decoded form: the IPv4 fields listed (`Nlri` objects, the
// library's form) or packed into typed arrays (what the daemon's sessions deliver). The same
// bytes must leave the same routes, counts and eligibility whichever form they arrive in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveContext, type ResolvedContext } from '../../src/bgp/context.js';
import { updateError } from '../../src/bgp/errors.js';
import type { UpdateMessage } from '../../src/bgp/types.js';
import { decodeUpdate } from '../../src/bgp/update.js';
import { WireReader } from '../../src/bgp/wire/reader.js';
import { PeerRib } from '../../src/daemon/peer-rib.js';
import { AttrTable } from '../../src/rib/attr-set.js';
import { BgpFilter } from '../../src/rib/bgp-filter.js';
import { DEFAULT_DECISION_OPTIONS } from '../../src/rib/decision.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import type { PeerInfo } from '../../src/rib/path.js';
import { u32 } from '../helpers/bytes.js';
import { attr, pathPfx, pfx, updateBody, WK } from '../helpers/update-bytes.js';
import { peer, SELF } from '../rib/helpers.js';

const BASE = [attr(WK, 1, [0]), attr(WK, 2, [2, 1], u32(65001)), attr(WK, 3, [10, 0, 0, 1])];
/** AS_PATH holding our own AS from an eBGP peer: a loop, stored ineligible. */
const LOOPED = [attr(WK, 1, [0]), attr(WK, 2, [2, 2], u32(65001), u32(64512)), attr(WK, 3, [10, 0, 0, 1])];
/** ORIGIN missing: treat-as-withdraw (RFC 7606 §3 d). */
const NO_ORIGIN = [attr(WK, 2, [2, 1], u32(65001)), attr(WK, 3, [10, 0, 0, 1])];

const TOR_IN = BgpFilter.compile({ ipv4: [{ action: 'Reject', matchOperator: 'In', cidr: '10.9.0.0/16' }], ipv6: [] });

/** A PeerRib on a table of its own, fed `bodies` decoded in one form. */
function feed(info: PeerInfo, ctx: ResolvedContext, bodies: readonly Uint8Array[]) {
  const locRib = new LocRib(DEFAULT_DECISION_OPTIONS);
  const rib = new PeerRib(info, new AttrTable(), locRib, () => ({ ...SELF, clusterId: undefined }));
  for (const body of bodies) {
    const update: UpdateMessage = decodeUpdate(new WireReader(body, () => updateError(1, 'test', 'short')), ctx);
    rib.applyUpdate(update);
  }
  const routes = [...rib.adjIn].map((p) => ({ prefix: p.prefix, pathId: p.pathId, ineligible: p.ineligible, best: locRib.best(p.prefix) === p }));
  return { routes, received: rib.received, accepted: rib.accepted, size: locRib.size };
}

/** The same bodies through the listed and the packed decoders. */
function both(info: PeerInfo, addPath: boolean, bodies: readonly Uint8Array[]) {
  const ctx = resolveContext({ numericIpv4: true, ...(addPath ? { addPath: ['ipv4-unicast' as const] } : {}) });
  return { listed: feed(info, ctx, bodies), packed: feed(info, { ...ctx, packedIpv4: true }, bodies) };
}

describe('PeerRib with packed IPv4 prefixes', () => {
  const ebgp = peer('10.0.0.1', { asn: 65001, kind: 'ebgp', localAsn: 64512 });

  it('stores, replaces and withdraws as with listed prefixes; loops and treat-as-withdraw stay flagged', () => {
    const bodies = [
      updateBody([], BASE, [pfx(24, 10, 1, 1), pfx(24, 10, 1, 2), pfx(16, 10, 2)]),
      updateBody([], LOOPED, [pfx(24, 10, 1, 3)]),
      updateBody([], NO_ORIGIN, [pfx(24, 10, 1, 4)]),
      // Withdraws one, re-announces another ineligible (a loop now), misses one never sent.
      updateBody([pfx(24, 10, 1, 1), pfx(24, 10, 7, 7)], LOOPED, [pfx(24, 10, 1, 2)]),
    ];
    const { listed, packed } = both(ebgp, false, bodies);
    expect(packed).toEqual(listed);
    expect(packed.routes.map((r) => [r.prefix, r.ineligible, r.best])).toEqual([
      ['10.1.2.0/24', 'as-loop', false],
      ['10.2.0.0/16', null, true],
      ['10.1.3.0/24', 'as-loop', false],
      ['10.1.4.0/24', 'treat-as-withdraw', false],
    ]);
    expect([packed.received, packed.accepted]).toEqual([4, 1]);
  });

  it('keeps ADD-PATH identifiers apart (RFC 7911)', () => {
    const bodies = [
      updateBody([], BASE, [pathPfx(1, 24, 10, 1, 1), pathPfx(2, 24, 10, 1, 1), pathPfx(0xfffffff0, 24, 10, 1, 1)]),
      updateBody([pathPfx(2, 24, 10, 1, 1)], [], []),
    ];
    const { listed, packed } = both(ebgp, true, bodies);
    expect(packed).toEqual(listed);
    expect(packed.routes.map((r) => r.pathId).sort((a, b) => a - b)).toEqual([1, 0xfffffff0]);
  });

  it('applies a BGPFilter import rule to each packed prefix (CALICO.md §1.7)', () => {
    const filtered = peer('10.0.0.1', { asn: 65001, kind: 'ebgp', localAsn: 64512, ...(TOR_IN && { importFilter: TOR_IN }) });
    const { listed, packed } = both(filtered, false, [updateBody([], BASE, [pfx(24, 10, 9, 1), pfx(24, 10, 8, 1)])]);
    expect(packed).toEqual(listed);
    expect(packed.routes.map((r) => [r.prefix, r.ineligible])).toEqual([
      ['10.9.1.0/24', 'import-rejected'],
      ['10.8.1.0/24', null],
    ]);
  });

  it('ends in the same table for any sequence of announcements and withdrawals (fast-check)', () => {
    const prefix = fc.tuple(fc.integer({ min: 8, max: 32 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }));
    const bytesOf = ([len, b, c]: [number, number, number]) => pfx(len, ...[10, b, c, 1].slice(0, (len + 7) >>> 3));
    const step = fc.record({ withdrawn: fc.array(prefix, { maxLength: 4 }), nlri: fc.array(prefix, { maxLength: 4 }), looped: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        const bodies = steps.map((s) => updateBody(s.withdrawn.map(bytesOf), s.nlri.length > 0 ? (s.looped ? LOOPED : BASE) : [], s.nlri.map(bytesOf)));
        const { listed, packed } = both(ebgp, false, bodies);
        expect(packed).toEqual(listed);
      }),
      { seed: 5, numRuns: 300 },
    );
  });
});
