import { describe, expect, it } from 'vitest';
import { AttrTable } from '../../src/rib/attr-set.js';
import { BgpFilter, asPathStartsWith, type FilterRuleSpec } from '../../src/rib/bgp-filter.js';
import { exportAttrs, makeExportTarget } from '../../src/rib/export-attrs.js';
import { ExportPolicy, type ExportPolicyContext } from '../../src/rib/export-policy.js';
import { importFiltered, reimport } from '../../src/rib/import-check.js';
import { Path, type PeerInfo } from '../../src/rib/path.js';
import { peer, SELF } from './helpers.js';

const CTX: ExportPolicyContext = {
  exportPolicy: 'calico',
  pools: [{ cidr: '10.244.0.0/16', disableBGPExport: false }],
  localBlocks: ['10.244.1.0/26'],
  staticRoutes: [],
  serviceLoadBalancerIPs: [],
  serviceExternalIPs: [],
  prefixAdvertisements: [],
  isReflector: false,
};
const P = '10.244.7.0/26';
const tor = peer('10.0.0.1', { kind: 'ebgp', asn: 65001 });
const tor2 = peer('10.0.0.3', { kind: 'ebgp', asn: 65001 });
const node2 = peer('10.0.0.2');
const local = peer('local', { kind: 'local', address: '', routerId: SELF.routerId });
const C = (a: number, b: number) => ((a << 16) | b) >>> 0;
const target = (p: PeerInfo) => makeExportTarget({ peer: p, self: SELF, localAddress: '10.0.0.100', nextHopMode: 'Auto' });

function v4(...rules: FilterRuleSpec[]): BgpFilter {
  return BgpFilter.compile({ ipv4: rules, ipv6: [] })!;
}

describe('BGPFilter v3.32 matches (confd template_funcs.go)', () => {
  const table = new AttrTable();
  const attrs = table.intern({ origin: 'igp', asPath: [{ type: 'sequence', asns: [65001, 65002, 65003] }], communities: [C(65000, 42)], largeCommunities: [[65000, 1, 2]], nextHops: ['10.0.0.1'] });

  const cases: readonly [string, FilterRuleSpec, boolean][] = [
    ['a standard community it carries', { action: 'Reject', communities: { values: ['65000:42'] } }, true],
    ['a standard community it lacks', { action: 'Reject', communities: { values: ['65000:43'] } }, false],
    ['a large community it carries', { action: 'Reject', communities: { values: ['65000:1:2'] } }, true],
    ['a large community it lacks', { action: 'Reject', communities: { values: ['65000:1:3'] } }, false],
    ['its first AS (bgp_path.first)', { action: 'Reject', asPathPrefix: [65001] }, true],
    ['another first AS', { action: 'Reject', asPathPrefix: [65002] }, false],
    ['the ASes it starts with ([= a b * =])', { action: 'Reject', asPathPrefix: [65001, 65002] }, true],
    ['ASes it holds but does not start with', { action: 'Reject', asPathPrefix: [65002, 65003] }, false],
    ['a prefix longer than the path', { action: 'Reject', asPathPrefix: [65001, 65002, 65003, 65004] }, false],
  ];
  it.each(cases)('matches %s: %s', (_, rule, matches) => {
    expect(v4(rule).evaluate(P, tor, false, { attrs })).toBe(matches ? 'reject' : undefined);
  });

  it('joins the new matches with the old ones (&&)', () => {
    const rule: FilterRuleSpec = { action: 'Reject', matchOperator: 'In', cidr: '10.244.0.0/16', communities: { values: ['65000:42'] }, asPathPrefix: [65001] };
    expect(v4(rule).evaluate(P, tor, false, { attrs })).toBe('reject');
    expect(v4(rule).evaluate('10.9.0.0/16', tor, false, { attrs })).toBeUndefined();
  });

  it('treats an AS_SET position as one AS it holds, and bgp_path.first only from a leading AS_SEQUENCE', () => {
    const path = [{ type: 'sequence' as const, asns: [65001] }, { type: 'set' as const, asns: [65005, 65006] }];
    expect(asPathStartsWith(path, [65001, 65006])).toBe(true);
    expect(asPathStartsWith([{ type: 'set', asns: [65001] }], [65001])).toBe(false);
    expect(asPathStartsWith([], [65001])).toBe(false);
  });

  it('matches priority on export against confd’s normalised krt_metric', () => {
    const policy = new ExportPolicy(CTX, v4({ action: 'Reject', priority: 1024 }));
    const other = new ExportPolicy(CTX, v4({ action: 'Reject', priority: 512 }));
    const block = table.intern({ origin: 'igp' });
    // A local route without a metric: the normal priority.
    expect(policy.decide('10.244.1.0/26', local, false, block).rule).toBe('export-filter-reject');
    expect(other.decide('10.244.1.0/26', local, false, block).rule).toBe('local-block');
    // A kernel route: its metric.
    const kernel = peer('kernel', { kind: 'local', address: '', kernel: { ifname: 'eth0', metric: 512 } });
    expect(other.decide('10.244.1.5/32', kernel, false, block).rule).toBe('export-filter-reject');
    // A BGP route with LOCAL_PREF: 2^31-1 − LOCAL_PREF.
    const lp = table.intern({ origin: 'igp', nextHops: ['10.0.0.2'], localPref: 2147483647 - 512 });
    expect(other.decide(P, node2, false, lp).rule).toBe('export-filter-reject');
    expect(policy.decide(P, node2, false, lp).rule).toBe('inside-pool');
    // One an import rule gave a priority: that one.
    const set = table.intern({ origin: 'igp', nextHops: ['10.0.0.1'], priority: 512 });
    expect(other.decide(P, tor, false, set).rule).toBe('export-filter-reject');
  });

  it('never matches priority on import: a received route has none (krt_metric undefined)', () => {
    const filter = v4({ action: 'Reject', priority: 1024 });
    expect(filter.evaluate(P, tor, false, { attrs })).toBeUndefined();
    expect(importFiltered(P, peer('10.0.0.1', { kind: 'ebgp', asn: 65001, importFilter: filter }), attrs)).toBe(attrs);
  });
});

describe('BGPFilter v3.32 operations on export', () => {
  const table = new AttrTable();
  const received = table.intern({ origin: 'igp', asPath: [{ type: 'sequence', asns: [65010] }], nextHops: ['10.0.0.2'], communities: [C(65000, 42)] });
  const path = Path.create(P, 0, received, node2);
  const ops: FilterRuleSpec = {
    action: 'Accept',
    communities: { values: ['65000:42'] },
    operations: [{ addCommunity: { value: '65001:200' } }, { prependASPath: { prefix: [65100, 65200] } }, { addCommunity: { value: '65001:7:8' } }, { setPriority: { value: 5 } }],
  };

  it('adds communities and prepends the AS path in order before export rewriting (our AS still first to eBGP)', () => {
    const policy = new ExportPolicy(CTX, v4(ops));
    const decision = policy.decide(P, node2, false, received);
    expect(decision).toMatchObject({ accept: true, rule: 'export-filter-accept' });
    const out = exportAttrs(path, target(tor), decision);
    expect(out.asPath).toEqual([{ type: 'sequence', asns: [SELF.asn, 65100, 65200, 65010] }]);
    expect(out.communities).toEqual([C(65000, 42), C(65001, 200)]);
    expect(out.largeCommunities).toEqual([[65001, 7, 8]]);
    // setPriority on export changes nothing sent (LOCAL_PREF came before the filter in confd).
    expect(out.priority).toBeUndefined();
    expect(out.localPref).toBeUndefined();
    // The stored set is untouched; the same inputs give the same interned set.
    expect(received.communities).toEqual([C(65000, 42)]);
    expect(exportAttrs(path, target(tor2), decision)).toBe(out);
  });

  it('does not add a community twice (BIRD int set add)', () => {
    const policy = new ExportPolicy(CTX, v4({ action: 'Accept', operations: [{ addCommunity: { value: '65000:42' } }] }));
    expect(exportAttrs(path, target(tor), policy.decide(P, node2, false, received)).communities).toEqual([C(65000, 42)]);
  });

  it('lets later rules decide routes a rule with operations does not match, without its operations', () => {
    const policy = new ExportPolicy(CTX, v4({ ...ops, communities: { values: ['65000:99'] } }, { action: 'Accept', matchOperator: 'In', cidr: '10.244.0.0/16' }));
    const decision = policy.decide(P, node2, false, received);
    expect(decision.operations).toBeUndefined();
    const out = exportAttrs(path, target(tor), decision);
    expect(out.asPath).toEqual([{ type: 'sequence', asns: [SELF.asn, 65010] }]);
    expect(out.communities).toEqual([C(65000, 42)]);
  });

  it('gives filters differing only in operations different keys: their peers never share an update group', () => {
    const a = v4(ops);
    const b = v4({ ...ops, operations: [{ prependASPath: { prefix: [65100] } }] });
    const c = v4({ ...ops, operations: [{ prependASPath: { prefix: [65100, 65100] } }] });
    expect(new Set([a.key, b.key, c.key, v4({ action: 'Accept' }).key]).size).toBe(4);
    expect(v4(ops).key).toBe(a.key);
  });
});

describe('BGPFilter v3.32 operations on import', () => {
  const table = new AttrTable();
  const received = table.intern({ origin: 'igp', asPath: [{ type: 'sequence', asns: [65001] }], nextHops: ['10.0.0.1'] });
  const filter = v4(
    { action: 'Reject', matchOperator: 'Equal', cidr: '0.0.0.0/0' },
    { action: 'Accept', matchOperator: 'In', cidr: '10.244.0.0/16', operations: [{ prependASPath: { prefix: [65050] } }, { setPriority: { value: 512 } }, { addCommunity: { value: '65000:9' } }] },
  );
  const filtered = peer('10.0.0.1', { kind: 'ebgp', asn: 65001, importFilter: filter });

  it('stores what the operations produced: a new interned set, the received one untouched', () => {
    const stored = importFiltered(P, filtered, received)!;
    expect(stored).not.toBe(received);
    expect(stored).toMatchObject({ asPath: [{ type: 'sequence', asns: [65050, 65001] }], communities: [C(65000, 9)], priority: 512 });
    expect(importFiltered(P, filtered, received)).toBe(stored);
    expect(received.priority).toBeUndefined();
    expect(importFiltered('0.0.0.0/0', filtered, received)).toBeNull();
    expect(importFiltered('192.0.2.0/24', filtered, received)).toBe(received);
  });

  it('sends an iBGP peer LOCAL_PREF 2^31-1 − priority for such a route, and never the priority itself', () => {
    const stored = importFiltered(P, filtered, received)!;
    const out = exportAttrs(Path.create(P, 0, stored, filtered), target(node2));
    expect(out.localPref).toBe(2147483647 - 512);
    expect(out.priority).toBeUndefined();
    // Without the operation: the normal priority (1024), as confd's export prologue sets it.
    expect(exportAttrs(Path.create(P, 0, received, filtered), target(node2)).localPref).toBe(2147482623);
  });

  it('judges a stored path again from the received attributes, never applying operations twice', () => {
    const stored = importFiltered(P, filtered, received)!;
    const path = Path.create(P, 0, stored, filtered);
    expect(reimport(path, filtered, SELF, received)).toEqual({ ineligible: null, attrs: stored });
    const other = peer('10.0.0.1', { kind: 'ebgp', asn: 65001, importFilter: v4({ action: 'Reject', matchOperator: 'In', cidr: '10.244.0.0/16' }) });
    expect(reimport(path, other, SELF, received)).toEqual({ ineligible: 'import-rejected', attrs: received });
    const none = peer('10.0.0.1', { kind: 'ebgp', asn: 65001 });
    expect(reimport(path, none, SELF, received)).toEqual({ ineligible: null, attrs: received });
  });
});
