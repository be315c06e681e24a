import { describe, expect, it } from 'vitest';
import { BgpFilter } from '../../src/rib/bgp-filter.js';
import { ExportPolicy } from '../../src/rib/export-policy.js';
import type { ExportPolicyContext } from '../../src/rib/export-policy.js';
import { peer } from './helpers.js';

// One node of the confd golden scenarios: pool 10.244.0.0/16 with local block .101.128/26, a
// disabled pool, service ranges, and a prefixAdvertisement.
const CTX: ExportPolicyContext = {
  exportPolicy: 'calico',
  pools: [
    { cidr: '10.244.0.0/16', disableBGPExport: false },
    { cidr: '10.250.0.0/16', disableBGPExport: true },
    { cidr: 'fd00:244::/48', disableBGPExport: false },
  ],
  localBlocks: ['10.244.101.128/26', 'fd00:244:0:1::/122'],
  staticRoutes: ['10.96.0.0/12'],
  serviceLoadBalancerIPs: ['198.51.100.0/24'],
  serviceExternalIPs: ['203.0.113.0/24'],
  prefixAdvertisements: [
    { cidr: '10.244.0.0/16', communities: [(64512 << 16) | 100], largeCommunities: [] },
    { cidr: '10.244.101.0/24', communities: [(64512 << 16) | 200], largeCommunities: [[64512, 1, 2]] },
  ],
  isReflector: false,
};

const staticSrc = peer('local', { kind: 'local', address: '', routerId: '10.0.0.201' });
const kernel = (ifname: string, metric = 1024) => peer('kernel', { kind: 'local', address: '', routerId: '10.0.0.201', kernel: { ifname, metric } });
const tor = peer('10.0.0.1', { kind: 'ebgp', asn: 65001 });
const node2 = peer('10.0.0.202');

describe('Calico export policy (calico_export_to_bgp_peers, CALICO.md §1.3)', () => {
  const policy = new ExportPolicy(CTX);

  it('exports the local block itself, with the communities of every matching advertisement', () => {
    const d = policy.decide('10.244.101.128/26', staticSrc, false);
    expect(d).toMatchObject({ accept: true, rule: 'local-block', communities: [(64512 << 16) | 100, (64512 << 16) | 200], largeCommunities: [[64512, 1, 2]] });
    expect(policy.decide('fd00:244:0:1::/122', staticSrc, true)).toMatchObject({ accept: true, rule: 'local-block' });
  });

  it('never exports the /32s beneath a local block (calico_aggr)', () => {
    expect(policy.decide('10.244.101.130/32', kernel('cali12345'), false)).toMatchObject({ accept: false, rule: 'inside-local-block' });
    expect(policy.decide('10.244.101.130/32', node2, true)).toMatchObject({ accept: false, rule: 'inside-local-block' });
    expect(policy.decide('fd00:244:0:1::5/128', kernel('cali1'), true)).toMatchObject({ accept: false });
  });

  it('exports an elevated-priority /32 beneath a block (KubeVirt live migration, metric < 1024)', () => {
    expect(policy.decide('10.244.101.130/32', kernel('cali12345', 512), false)).toMatchObject({ accept: true, rule: 'elevated-priority' });
  });

  it('judges elevation against the configured normal priority of the route\u2019s family (ipv4/ipv6NormalRoutePriority)', () => {
    const raised = new ExportPolicy({ ...CTX, normalRoutePriority: { ipv4: 2048, ipv6: 1024 } });
    // Metric 1024 is below a normal 2048: elevated for IPv4; IPv6 keeps 1024 as normal.
    expect(raised.decide('10.244.101.130/32', kernel('cali12345', 1024), false)).toMatchObject({ accept: true, rule: 'elevated-priority' });
    expect(policy.decide('10.244.101.130/32', kernel('cali12345', 1024), false)).toMatchObject({ accept: false, rule: 'inside-local-block' });
    // Every decision carries the priorities, for the LOCAL_PREF of routes without one (export-attrs.ts).
    expect(raised.decide('10.244.5.0/26', node2, false).normalPriority).toEqual({ ipv4: 2048, ipv6: 1024 });
  });

  it('exports a borrowed /32 outside the local blocks but inside a pool, as Calico does', () => {
    expect(policy.decide('10.244.7.9/32', kernel('cali999'), false)).toMatchObject({ accept: true, rule: 'inside-pool', communities: [(64512 << 16) | 100] });
  });

  it('exports other nodes’ blocks learned over BGP (inside a pool)', () => {
    expect(policy.decide('10.244.5.0/26', node2, false)).toMatchObject({ accept: true, rule: 'inside-pool' });
  });

  it('rejects anything in a pool with disableBGPExport', () => {
    expect(policy.decide('10.250.3.0/26', staticSrc, false)).toMatchObject({ accept: false, rule: 'pool-export-disabled' });
    expect(policy.decide('10.250.3.4/32', node2, true)).toMatchObject({ accept: false, rule: 'pool-export-disabled' });
  });

  it('exports the service ranges this node originates', () => {
    expect(policy.decide('10.96.0.0/12', staticSrc, false)).toMatchObject({ accept: true, rule: 'service-range', communities: [] });
    expect(policy.decide('10.96.0.10/32', staticSrc, false)).toMatchObject({ accept: true, rule: 'service-range' });
  });

  it('passes on LB and external service IPs only on a route reflector', () => {
    expect(policy.decide('198.51.100.7/32', node2, true)).toMatchObject({ accept: false, rule: 'outside-pools' });
    const rr = new ExportPolicy({ ...CTX, isReflector: true });
    expect(rr.decide('198.51.100.7/32', node2, true)).toMatchObject({ accept: true, rule: 'reflector-service-range' });
    expect(rr.decide('203.0.113.9/32', node2, true)).toMatchObject({ accept: true, rule: 'reflector-service-range' });
  });

  it('never leaks a ToR default route or a foreign prefix', () => {
    expect(policy.decide('0.0.0.0/0', tor, true)).toMatchObject({ accept: false, rule: 'outside-pools' });
    expect(policy.decide('192.168.0.0/16', tor, false)).toMatchObject({ accept: false, rule: 'outside-pools' });
    expect(policy.decide('::/0', tor, true)).toMatchObject({ accept: false, rule: 'outside-pools' });
    expect(policy.decide('10.0.0.0/8', tor, true)).toMatchObject({ accept: false });
  });

  it('keeps Felix’s VXLAN/WireGuard routes off iBGP sessions and eBPF routes off all', () => {
    expect(policy.decide('10.244.9.0/26', kernel('vxlan.calico'), true)).toMatchObject({ accept: false, rule: 'felix-interface' });
    expect(policy.decide('10.244.9.0/26', kernel('wireguard.cali'), true)).toMatchObject({ accept: false, rule: 'felix-interface' });
    expect(policy.decide('10.244.9.0/26', kernel('vxlan.calico'), false)).toMatchObject({ accept: true });
    expect(policy.decide('10.244.9.0/26', kernel('bpfout.cali'), false)).toMatchObject({ accept: false, rule: 'ebpf-interface' });
    expect(policy.decide('10.244.9.0/26', kernel('tunl0'), true)).toMatchObject({ accept: true });
    expect(new ExportPolicy({ ...CTX, felixOwnsIpip: true }).decide('10.244.9.0/26', kernel('tunl0'), true)).toMatchObject({ accept: false });
  });

  it("passes everything with exportPolicy 'all', still adding communities", () => {
    const all = new ExportPolicy({ ...CTX, exportPolicy: 'all' });
    expect(all.decide('0.0.0.0/0', tor, true)).toMatchObject({ accept: true, rule: 'export-all' });
    expect(all.decide('192.168.0.0/16', tor, false)).toMatchObject({ accept: true });
    expect(all.decide('10.244.3.0/26', node2, true)).toMatchObject({ accept: true, communities: [(64512 << 16) | 100] });
  });

  it('shares decision objects for single-advertisement matches', () => {
    expect(policy.decide('10.244.5.0/26', node2, false)).toBe(policy.decide('10.244.6.0/26', node2, false));
  });
});

describe('a peer’s BGPFilter export rules before Calico’s policy (CALICO.md §1.7)', () => {
  const base = new ExportPolicy(CTX);
  const rules = () =>
    [
      { action: 'Reject', matchOperator: 'Equal', cidr: '10.244.101.128/26' },
      { action: 'Accept', matchOperator: 'Equal', cidr: '192.0.2.0/24' },
      { action: 'Reject', source: 'RemotePeers', matchOperator: 'In', cidr: '10.244.0.0/16' },
    ] as const;
  const filter = BgpFilter.compile({ ipv4: rules(), ipv6: [] })!;
  const policy = base.withFilter(filter);

  it('rejects what a rule rejects, even a local block Calico would export', () => {
    expect(policy.decide('10.244.101.128/26', staticSrc, false)).toMatchObject({ accept: false, rule: 'export-filter-reject' });
    expect(base.decide('10.244.101.128/26', staticSrc, false)).toMatchObject({ accept: true, rule: 'local-block' });
  });

  it('accepts what a rule accepts, even outside every pool, without Calico’s communities', () => {
    expect(policy.decide('192.0.2.0/24', tor, false)).toMatchObject({ accept: true, rule: 'export-filter-accept', communities: [], communityKey: '' });
    expect(base.decide('192.0.2.0/24', tor, false)).toMatchObject({ accept: false, rule: 'outside-pools' });
  });

  it('falls through to Calico’s policy, communities included, when no rule matches', () => {
    expect(policy.decide('10.244.7.0/26', staticSrc, false)).toEqual(base.decide('10.244.7.0/26', staticSrc, false));
    expect(policy.decide('10.244.7.0/26', node2, false)).toMatchObject({ accept: false, rule: 'export-filter-reject' });
    expect(policy.decide('0.0.0.0/0', tor, false)).toMatchObject({ accept: false, rule: 'outside-pools' });
  });

  it('is memoised per filter, and no filter leaves the shared policy', () => {
    expect(base.withFilter(BgpFilter.compile({ ipv4: rules(), ipv6: [] }))).toBe(policy);
    expect(base.withFilter(undefined)).toBe(base);
    expect(policy.filterKey).toBe(filter.key);
    expect(base.filterKey).toBe('');
  });

  it('runs before exportPolicy all as well', () => {
    const all = new ExportPolicy({ ...CTX, exportPolicy: 'all' }).withFilter(filter);
    expect(all.decide('10.244.101.128/26', staticSrc, false)).toMatchObject({ accept: false, rule: 'export-filter-reject' });
    expect(all.decide('0.0.0.0/0', tor, false)).toMatchObject({ accept: true, rule: 'export-all' });
  });
});
