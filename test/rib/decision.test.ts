import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparePaths, DEFAULT_DECISION_OPTIONS, DecisionStep, decidingStep, explainSelection, multipathSet, selectBest } from '../../src/rib/decision.js';
import type { MultipathOptions } from '../../src/rib/decision.js';
import type { Path } from '../../src/rib/path.js';
import { pathFactory, peer, permutations } from './helpers.js';

const O = DEFAULT_DECISION_OPTIONS;
const ECMP: MultipathOptions = { ...O, maxPaths: 8 };
const P = '10.244.1.0/26';

describe('decision process (RFC 4271 §9.1.2.2, RFC 4456 §9)', () => {
  const { path } = pathFactory();
  const refPeer = peer('10.0.0.5', { kind: 'ebgp', asn: 65001 });
  const refAttrs = { localPref: 200, asPath: [{ type: 'sequence' as const, asns: [65001, 65002] }], med: 10 };
  const ref = path(P, refPeer, refAttrs, { pathId: 1 });

  // Each variant is worse than the reference in exactly one step.
  const variants: [string, DecisionStep, Path][] = [
    ['ineligible (loop)', DecisionStep.ELIGIBILITY, path(P, refPeer, refAttrs, { pathId: 1, ineligible: 'as-loop' })],
    ['lower protocol preference', DecisionStep.PREFERENCE, path(P, peer('10.0.0.5', { kind: 'ebgp', asn: 65001, preference: 50 }), refAttrs, { pathId: 1 })],
    ['lower LOCAL_PREF', DecisionStep.LOCAL_PREF, path(P, refPeer, { ...refAttrs, localPref: 150 }, { pathId: 1 })],
    ['longer AS_PATH', DecisionStep.AS_PATH, path(P, refPeer, { ...refAttrs, asPath: [{ type: 'sequence', asns: [65001, 65002, 65003] }] }, { pathId: 1 })],
    ['AS_SET counted as one', DecisionStep.AS_PATH, path(P, refPeer, { ...refAttrs, asPath: [{ type: 'sequence', asns: [65001, 65002] }, { type: 'set', asns: [1, 2, 3] }] }, { pathId: 1 })],
    ['worse ORIGIN', DecisionStep.ORIGIN, path(P, refPeer, { ...refAttrs, origin: 'egp' }, { pathId: 1 })],
    ['higher MED, same neighbour AS', DecisionStep.MED, path(P, refPeer, { ...refAttrs, med: 20 }, { pathId: 1 })],
    ['iBGP instead of eBGP', DecisionStep.PEER_TYPE, path(P, peer('10.0.0.5', { kind: 'ibgp', asn: 64512 }), refAttrs, { pathId: 1 })],
    ['longer CLUSTER_LIST', DecisionStep.CLUSTER_LIST, path(P, refPeer, { ...refAttrs, clusterList: ['1.1.1.1'] }, { pathId: 1 })],
    ['higher router ID', DecisionStep.ROUTER_ID, path(P, peer('10.0.0.5', { kind: 'ebgp', asn: 65001, routerId: '10.0.0.9' }), refAttrs, { pathId: 1 })],
    ['higher ORIGINATOR_ID', DecisionStep.ROUTER_ID, path(P, refPeer, { ...refAttrs, originatorId: '10.0.0.9' }, { pathId: 1 })],
    ['higher peer address', DecisionStep.PEER_ADDRESS, path(P, peer('10.0.0.6', { kind: 'ebgp', asn: 65001, routerId: '10.0.0.5' }), refAttrs, { pathId: 1 })],
    ['higher path ID', DecisionStep.PATH_ID, path(P, refPeer, refAttrs, { pathId: 2 })],
  ];

  it.each(variants)('prefers the reference over a path with %s, at that step, in both directions', (_name, step, worse) => {
    expect(comparePaths(ref, worse, O)).toBe(-step);
    expect(comparePaths(worse, ref, O)).toBe(step);
    expect(decidingStep(comparePaths(worse, ref, O))).toBe(step);
    expect(selectBest([ref, worse], O)).toBe(ref);
    expect(selectBest([worse, ref], O)).toBe(ref);
  });

  it('treats a missing MED as 0 (RFC 4271 §9.1.2.2 c)', () => {
    const noMed = path(P, refPeer, { ...refAttrs, med: undefined }, { pathId: 1 });
    expect(comparePaths(noMed, ref, O)).toBe(-DecisionStep.MED);
  });

  it('gives paths without LOCAL_PREF the configured default', () => {
    const none = path(P, refPeer, { ...refAttrs, localPref: undefined }, { pathId: 1 });
    const explicit100 = path(P, refPeer, { ...refAttrs, localPref: 100 }, { pathId: 2 });
    expect(comparePaths(none, explicit100, O)).toBe(-DecisionStep.PATH_ID);
    expect(comparePaths(none, explicit100, { ...O, defaultLocalPref: 101 })).toBe(-DecisionStep.LOCAL_PREF);
  });

  it('compares MED only between routes from the same neighbouring AS unless always-compare-med', () => {
    const other = path(P, peer('10.0.0.7', { kind: 'ebgp', asn: 65009 }), { ...refAttrs, med: 99, asPath: [{ type: 'sequence', asns: [65009, 65002] }] }, { pathId: 1 });
    expect(comparePaths(ref, other, O)).toBe(-DecisionStep.ROUTER_ID);
    expect(comparePaths(ref, other, { ...O, alwaysCompareMed: true })).toBe(-DecisionStep.MED);
  });

  it('prefers a locally originated static route over any BGP route, as BIRD does', () => {
    const local = path(P, peer('local', { kind: 'local', address: '', routerId: '10.0.0.100' }), { localPref: 0, nextHops: [] });
    expect(comparePaths(local, ref, O)).toBe(-DecisionStep.PREFERENCE);
    const kernel = path(P, peer('kernel', { kind: 'local', address: '', routerId: '10.0.0.100', kernel: { ifname: 'cali1', metric: 1024 } }), { nextHops: [] });
    expect(comparePaths(ref, kernel, O)).toBe(-DecisionStep.PREFERENCE);
  });

  it('never selects an ineligible path', () => {
    expect(selectBest([variants[0]![2]], O)).toBeUndefined();
    expect(multipathSet([variants[0]![2]], ECMP)).toEqual([]);
  });
});

describe('selection is independent of insertion order', () => {
  it('picks one best for every order of a MED cycle (RFC 3345)', () => {
    const { path } = pathFactory();
    // Pairwise: a beats b on MED, b beats c on router ID, c beats a on router ID (MED not compared).
    const a = path(P, peer('10.0.0.3', { asn: 64512 }), { med: 10, asPath: [{ type: 'sequence', asns: [65001] }] });
    const b = path(P, peer('10.0.0.1', { asn: 64512 }), { med: 20, asPath: [{ type: 'sequence', asns: [65001] }] });
    const c = path(P, peer('10.0.0.2', { asn: 64512 }), { med: 0, asPath: [{ type: 'sequence', asns: [65002] }] });
    const d = path(P, peer('10.0.0.4', { asn: 64512 }), { med: 5, asPath: [{ type: 'sequence', asns: [65002] }], localPref: 50 });
    const e = path(P, peer('10.0.0.5', { asn: 64512 }), { asPath: [{ type: 'sequence', asns: [65003] }] }, { ineligible: 'cluster-loop' });
    const f = path(P, peer('10.0.0.6', { asn: 64512 }), { asPath: [{ type: 'sequence', asns: [65003, 1] }] });
    expect(comparePaths(a, b, O)).toBeLessThan(0);
    expect(comparePaths(b, c, O)).toBeLessThan(0);
    expect(comparePaths(c, a, O)).toBeLessThan(0);
    // b is removed by a's lower MED; of a and c, c has the lower router ID.
    for (const order of permutations([a, b, c, d, e, f])) {
      expect(selectBest(order, O)).toBe(c);
      expect(multipathSet(order, ECMP)).toEqual([c, a]);
    }
  });

  it('gives the same best and ECMP set for every permutation of random path sets', () => {
    const attrsArb = fc.record({
      localPref: fc.constantFrom(100, 200),
      asns: fc.array(fc.constantFrom(65001, 65002), { minLength: 1, maxLength: 2 }),
      origin: fc.constantFrom('igp' as const, 'incomplete' as const),
      med: fc.option(fc.constantFrom(0, 10), { nil: undefined }),
      ebgp: fc.boolean(),
      clusterLen: fc.integer({ min: 0, max: 1 }),
      routerId: fc.constantFrom('1.1.1.1', '2.2.2.2', '3.3.3.3'),
      eligible: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(attrsArb, { minLength: 5, maxLength: 5 }), (specs) => {
        const { path } = pathFactory();
        const paths = specs.map((s, i) =>
          path(
            P,
            peer(`10.0.1.${i + 1}`, { kind: s.ebgp ? 'ebgp' : 'ibgp', asn: s.ebgp ? s.asns[0]! : 64512, routerId: s.routerId }),
            { localPref: s.localPref, asPath: [{ type: 'sequence', asns: s.asns }], origin: s.origin, med: s.med, clusterList: s.clusterLen ? ['9.9.9.9'] : [] },
            s.eligible ? {} : { ineligible: 'import-rejected' },
          ),
        );
        const best = selectBest(paths, O);
        const set = multipathSet(paths, ECMP);
        for (const order of permutations(paths)) {
          expect(selectBest(order, O)).toBe(best);
          expect(multipathSet(order, ECMP)).toEqual(set);
        }
        if (best) expect(set[0]).toBe(best);
      }),
      { seed: 42, numRuns: 60 },
    );
  });
});

describe('multipath set', () => {
  const { path } = pathFactory();
  const seq = (...asns: number[]) => [{ type: 'sequence' as const, asns }];
  const tor1 = path(P, peer('10.0.0.1', { kind: 'ebgp', asn: 65001 }), { asPath: seq(65001) });
  const tor2 = path(P, peer('10.0.0.2', { kind: 'ebgp', asn: 65001 }), { asPath: seq(65001) });
  const tor3 = path(P, peer('10.0.0.3', { kind: 'ebgp', asn: 65002 }), { asPath: seq(65002) });
  const longer = path(P, peer('10.0.0.4', { kind: 'ebgp', asn: 65001 }), { asPath: seq(65001, 1) });
  const higherMed = path(P, peer('10.0.0.5', { kind: 'ebgp', asn: 65001 }), { asPath: seq(65001), med: 5 });
  const internal = path(P, peer('10.0.0.6', { kind: 'ibgp' }), { asPath: seq(65001) });

  it('holds paths equal through the MED step from the same neighbouring AS, best first', () => {
    expect(multipathSet([tor2, longer, tor1, higherMed, internal], ECMP)).toEqual([tor1, tor2]);
  });

  it('admits another neighbouring AS only with relaxNeighborAs', () => {
    expect(multipathSet([tor3, tor2, tor1], ECMP)).toEqual([tor1, tor2]);
    expect(multipathSet([tor3, tor2, tor1], { ...ECMP, relaxNeighborAs: true })).toEqual([tor1, tor2, tor3]);
  });

  it('never mixes eBGP and iBGP paths, and respects maxPaths', () => {
    const i2 = path(P, peer('10.0.0.7', { kind: 'ibgp' }), { asPath: seq(65001), clusterList: ['1.1.1.1'] });
    expect(multipathSet([internal, i2], ECMP)).toEqual([internal, i2]);
    expect(multipathSet([tor1, tor2, tor3], { ...ECMP, maxPaths: 1, relaxNeighborAs: true })).toEqual([tor1]);
    expect(multipathSet([tor1, tor2, tor3], { ...ECMP, maxPaths: 2, relaxNeighborAs: true })).toEqual([tor1, tor2]);
  });

  it('explains why each path lost', () => {
    const verdicts = explainSelection([longer, tor1, higherMed, internal], O);
    expect(verdicts.map((v) => [v.path, v.best, v.step])).toEqual([
      [longer, false, DecisionStep.AS_PATH],
      [tor1, true, undefined],
      [higherMed, false, DecisionStep.MED],
      [internal, false, DecisionStep.PEER_TYPE],
    ]);
  });
});
