import { describe, expect, it } from 'vitest';
import { Encapsulation, blockBlackhole, type EncapEnvironment, type EncapOptions } from '../../src/kernel/encap.js';

const OPTIONS: EncapOptions = {
  pools: [
    { cidr: '10.244.0.0/16', ipipMode: 'Always', vxlanMode: 'Never' },
    { cidr: '10.245.0.0/16', ipipMode: 'CrossSubnet', vxlanMode: 'Never' },
    { cidr: '10.246.0.0/16', ipipMode: 'Never', vxlanMode: 'Never' },
    { cidr: '10.247.0.0/16', ipipMode: 'Never', vxlanMode: 'Always' },
    { cidr: '10.248.0.0/16', ipipMode: 'Never', vxlanMode: 'CrossSubnet' },
    { cidr: 'fd00:244::/48', ipipMode: 'Never', vxlanMode: 'Never' },
    { cidr: 'fd00:247::/48', ipipMode: 'Never', vxlanMode: 'Always' },
    { cidr: 'fd00:248::/48', ipipMode: 'Never', vxlanMode: 'CrossSubnet' },
  ],
  serviceRanges: ['10.96.0.0/12', '192.168.50.0/24'],
  nodeIpv4Address: '192.0.2.10/24',
  nodeIpv6Address: '2001:db8:ff::10/64',
  vxlanDevice: 'vxlan.calico',
};

/** Connected subnets 192.0.2.0/24 on eth0 and 2001:db8:ff::/64 on eth1; VTEPs for two nodes. */
const ENV: EncapEnvironment = {
  interfaces: {
    interfaceFor: (address) => (address.startsWith('192.0.2.') ? 'eth0' : address.startsWith('2001:db8:ff::') ? 'eth1' : undefined),
  },
  vtepFor: (nodeIp) =>
    ({ '192.0.2.22': '10.247.200.1', '198.51.100.7': '10.247.201.1', '2001:db8:ff::22': 'fd00:247:ffff::22', '2001:db8:77::7': 'fd00:247:ffff::7' })[nodeIp],
};

const encap = new Encapsulation(OPTIONS);
const route = (prefix: string, ...nextHops: string[]) => encap.routeFor({ prefix, nextHops }, ENV);
const tunl0 = (gateway: string) => ({ gateway, device: 'tunl0', onlink: true });
const native = (gateway: string, device = 'eth0') => ({ gateway, device, onlink: false });

describe('programClusterRoutes: the pools whose cluster routes Felix programs are skipped (CALICO.md §1.4)', () => {
  const under = (mode: NonNullable<EncapOptions['programClusterRoutes']>) => new Encapsulation({ ...OPTIONS, programClusterRoutes: mode });
  const decide = (e: Encapsulation, prefix: string) => e.routeFor({ prefix, nextHops: ['192.0.2.22'] }, ENV).action;
  const skipped = { action: 'skip', reason: 'felix-owned' };

  it('installs IPIP and no-encap pools under Enabled (the default), and VXLAN pools under every mode', () => {
    for (const e of [encap, under('Enabled')]) expect(['10.244.1.0/26', '10.246.1.0/26', '10.247.1.0/26'].map((p) => decide(e, p))).toEqual(['install', 'install', 'install']);
    for (const mode of ['Disabled', 'EnabledIPIPOnly', 'EnabledNoEncapOnly'] as const) expect(decide(under(mode), '10.247.1.0/26')).toBe('install');
  });

  it('leaves IPIP pools to Felix under Disabled and EnabledNoEncapOnly, no-encap pools under Disabled and EnabledIPIPOnly', () => {
    expect(under('Disabled').routeFor({ prefix: '10.244.1.0/26', nextHops: ['192.0.2.22'] }, ENV)).toEqual(skipped);
    expect(under('Disabled').routeFor({ prefix: '10.246.1.0/26', nextHops: ['192.0.2.22'] }, ENV)).toEqual(skipped);
    expect([decide(under('EnabledNoEncapOnly'), '10.244.1.0/26'), decide(under('EnabledNoEncapOnly'), '10.245.1.0/26'), decide(under('EnabledNoEncapOnly'), '10.246.1.0/26')]).toEqual(['skip', 'skip', 'install']);
    expect([decide(under('EnabledIPIPOnly'), '10.244.1.0/26'), decide(under('EnabledIPIPOnly'), '10.246.1.0/26'), decide(under('EnabledIPIPOnly'), 'fd00:244::/64')]).toEqual(['install', 'skip', 'skip']);
    // Outside every pool (a ToR's default route) petrel installs, whatever the mode.
    expect(decide(under('Disabled'), '0.0.0.0/0')).toBe('install');
  });
});

describe('encapsulation (calico_kernel_programming, CALICO.md §1.4)', () => {
  it('IPIP Always: via the next hop on tunl0, on-link, wherever the next hop is', () => {
    expect(route('10.244.1.0/26', '192.0.2.20')).toEqual({ action: 'install', route: { prefix: '10.244.1.0/26', type: 'unicast', nextHops: [tunl0('192.0.2.20')] } });
  });

  it('IPIP CrossSubnet: native inside this node\u2019s subnet, tunl0 across subnets', () => {
    expect(route('10.245.1.0/26', '192.0.2.20')).toMatchObject({ route: { nextHops: [native('192.0.2.20')] } });
    expect(route('10.245.1.0/26', '198.51.100.7')).toMatchObject({ route: { nextHops: [tunl0('198.51.100.7')] } });
  });

  it('no encapsulation: via the next hop on the NIC whose connected subnet holds it', () => {
    expect(route('10.246.1.0/26', '192.0.2.21')).toMatchObject({ route: { nextHops: [native('192.0.2.21')] } });
    expect(route('fd00:244:0:1::/64', '2001:db8:ff::7')).toMatchObject({ route: { nextHops: [native('2001:db8:ff::7', 'eth1')] } });
  });

  it('VXLAN Always: via the remote VTEP on vxlan.calico, on-link; skipped while the VTEP is unknown', () => {
    expect(route('10.247.1.0/26', '192.0.2.22')).toMatchObject({ route: { nextHops: [{ gateway: '10.247.200.1', device: 'vxlan.calico', onlink: true }] } });
    expect(route('10.247.2.0/26', '192.0.2.99')).toEqual({ action: 'skip', reason: 'no-vtep' });
  });

  it('VXLAN CrossSubnet: native inside the subnet, the VTEP across', () => {
    expect(route('10.248.1.0/26', '192.0.2.22')).toMatchObject({ route: { nextHops: [native('192.0.2.22')] } });
    expect(route('10.248.1.0/26', '198.51.100.7')).toMatchObject({ route: { nextHops: [{ gateway: '10.247.201.1', device: 'vxlan.calico', onlink: true }] } });
  });

  it('outside every pool (a ToR default): plain via the next hop, without a device when no subnet holds it', () => {
    expect(route('0.0.0.0/0', '192.0.2.1')).toMatchObject({ route: { nextHops: [native('192.0.2.1')] } });
    expect(route('172.16.0.0/12', '203.0.113.1')).toMatchObject({ route: { nextHops: [{ gateway: '203.0.113.1', onlink: false }] } });
  });

  it('never installs service ranges from peers, nor anything inside them', () => {
    expect(route('10.96.0.0/12', '192.0.2.20')).toEqual({ action: 'skip', reason: 'service-range' });
    expect(route('192.168.50.7/32', '192.0.2.20')).toEqual({ action: 'skip', reason: 'service-range' });
    // A covering prefix is not inside the range: installed.
    expect(route('10.0.0.0/8', '192.0.2.20')).toMatchObject({ action: 'install' });
  });

  it('ECMP: one multipath route, each next hop encapsulated on its own, duplicates merged', () => {
    expect(route('10.244.2.0/26', '192.0.2.20', '198.51.100.7', '192.0.2.20')).toMatchObject({ route: { nextHops: [tunl0('192.0.2.20'), tunl0('198.51.100.7')] } });
    expect(route('10.245.2.0/26', '192.0.2.20', '198.51.100.7')).toMatchObject({ route: { nextHops: [native('192.0.2.20'), tunl0('198.51.100.7')] } });
  });

  it('skips a path without next hops and keeps the metric it is given', () => {
    expect(route('10.244.3.0/26')).toEqual({ action: 'skip', reason: 'no-next-hop' });
    expect(encap.routeFor({ prefix: '10.244.3.0/26', nextHops: ['192.0.2.20'], metric: 512 }, ENV)).toMatchObject({ route: { metric: 512 } });
  });

  it('IPv6 link-local next hops: via fe80::… dev <session interface>, the global when it is on-link (RFC 2545 §3)', () => {
    const ll = 'fe80::2';
    const overEth1 = (addresses: string[]) => ({ addresses, peerAddress: '2001:db8:ff::7' });
    expect(encap.routeFor({ prefix: 'fd00:244:0:1::/64', nextHops: [overEth1([ll])] }, ENV)).toMatchObject({ route: { nextHops: [native(ll, 'eth1')] } });
    expect(encap.routeFor({ prefix: 'fd00:244:0:1::/64', nextHops: [overEth1(['2001:db8:ff::7', ll])] }, ENV)).toMatchObject({ route: { nextHops: [native('2001:db8:ff::7', 'eth1')] } });
    expect(encap.routeFor({ prefix: '2001:db8:5::/48', nextHops: [overEth1(['::', ll])] }, ENV)).toMatchObject({ route: { nextHops: [native(ll, 'eth1')] } });
    // A multihop session: no link to name, not installed.
    expect(encap.routeFor({ prefix: 'fd00:244:0:1::/64', nextHops: [{ addresses: [ll], peerAddress: '2001:db8:77::1' }] }, ENV)).toEqual({
      action: 'skip',
      reason: 'link-local-without-interface',
    });
    // One unusable path of an ECMP set leaves the others.
    expect(encap.routeFor({ prefix: 'fd00:244:0:1::/64', nextHops: [{ addresses: [ll] }, '2001:db8:ff::8'] }, ENV)).toMatchObject({ route: { nextHops: [native('2001:db8:ff::8', 'eth1')] } });
  });

  it('IPv6 VXLAN: via the remote v6 VTEP on vxlan-v6.calico; CrossSubnet by node.ipv6Address’s subnet', () => {
    const v6Vtep = (gateway: string) => ({ gateway, device: 'vxlan-v6.calico', onlink: true });
    expect(route('fd00:247:0:1::/64', '2001:db8:ff::22')).toMatchObject({ route: { nextHops: [v6Vtep('fd00:247:ffff::22')] } });
    expect(route('fd00:247:0:2::/64', '2001:db8:ff::99')).toEqual({ action: 'skip', reason: 'no-vtep' });
    expect(route('fd00:248:0:1::/64', '2001:db8:ff::22')).toMatchObject({ route: { nextHops: [native('2001:db8:ff::22', 'eth1')] } });
    expect(route('fd00:248:0:1::/64', '2001:db8:77::7')).toMatchObject({ route: { nextHops: [v6Vtep('fd00:247:ffff::7')] } });
    // The v4 subnet says nothing about a v6 next hop, nor the other way round.
    expect(new Encapsulation({ ...OPTIONS, vxlanDeviceV6: 'vx6' }).routeFor({ prefix: 'fd00:248:0:1::/64', nextHops: ['2001:db8:77::7'] }, ENV)).toMatchObject({
      route: { nextHops: [{ gateway: 'fd00:247:ffff::7', device: 'vx6', onlink: true }] },
    });
  });

  it('originates local blocks as blackholes, except /32 and /128 blocks (CALICO.md §1.2)', () => {
    expect(blockBlackhole('10.244.101.128/26')).toEqual({ prefix: '10.244.101.128/26', type: 'blackhole', nextHops: [] });
    expect(blockBlackhole('10.244.101.5/32')).toBeUndefined();
    expect(blockBlackhole('fd00:244::5/128')).toBeUndefined();
  });
});
