// What the lab expects petrel to install per mode and family (SPEC §3 kernel programming,
// spelled out for the lab's plan), how it reads `ip -j route` back, and how it reads ping's summary.
import { describe, expect, it } from 'vitest';
import { LabMode } from '../../src/lab/configs.js';
import { labPlan, nodeNamed } from '../../src/lab/plan.js';
import { type KernelRouteView, expectedRoute, formatExpected, formatRoute, holdsExpected, trafficPossible } from '../../src/lab/routes.js';
import { parsePingSummary } from '../../src/lab/traffic.js';

const plan = labPlan({ reflector: false });
const [a1, a2, b1] = [nodeNamed(plan, 'a1'), nodeNamed(plan, 'a2'), nodeNamed(plan, 'b1')];

describe('expected routes', () => {
  it('no encapsulation: via the node IP on eth0 inside a subnet, nothing across the router', () => {
    expect(expectedRoute(LabMode.NO_ENCAP, a1, a2)).toEqual({ prefix: '10.244.2.0/26', gateway: '10.0.1.12', device: 'eth0', onlink: false, encap: 'native' });
    expect(expectedRoute(LabMode.NO_ENCAP, a1, b1)).toBeUndefined();
    expect(trafficPossible(LabMode.NO_ENCAP, a1, a2)).toBe(true);
    expect(trafficPossible(LabMode.NO_ENCAP, a1, b1)).toBe(false);
  });

  it('VXLAN Always: via the remote VTEP on vxlan.calico onlink, in and across subnets', () => {
    expect(expectedRoute(LabMode.VXLAN, a1, a2)).toEqual({ prefix: '10.244.2.0/26', gateway: '10.244.2.0', device: 'vxlan.calico', onlink: true, encap: 'vxlan' });
    expect(expectedRoute(LabMode.VXLAN, b1, a1)).toEqual({ prefix: '10.244.1.0/26', gateway: '10.244.1.0', device: 'vxlan.calico', onlink: true, encap: 'vxlan' });
  });

  it('CrossSubnet: native inside the subnet, VXLAN across it', () => {
    expect(expectedRoute(LabMode.CROSS_SUBNET, a1, a2)?.encap).toBe('native');
    expect(expectedRoute(LabMode.CROSS_SUBNET, a1, b1)).toEqual({ prefix: '10.244.3.0/26', gateway: '10.244.3.0', device: 'vxlan.calico', onlink: true, encap: 'vxlan' });
    expect(trafficPossible(LabMode.CROSS_SUBNET, a1, b1)).toBe(true);
  });

  it('IPIP Always: via the node IP on tunl0 onlink, and no traffic (no ipip module)', () => {
    expect(expectedRoute(LabMode.IPIP, a1, b1)).toEqual({ prefix: '10.244.3.0/26', gateway: '10.0.2.11', device: 'tunl0', onlink: true, encap: 'ipip' });
    expect(formatExpected(expectedRoute(LabMode.IPIP, a1, b1)!)).toBe('10.244.3.0/26 via 10.0.2.11 dev tunl0 proto bird onlink');
    expect(trafficPossible(LabMode.IPIP, a1, a2)).toBe(false);
    expect(trafficPossible(LabMode.IPIP, a1, a2, 4)).toBe(false);
  });
});

describe('expected IPv6 routes (the prefix’s family picks addresses and device)', () => {
  it('no encapsulation, and IPIP mode (no IPIP for IPv6): via the node’s IPv6 address on eth0, in the subnet only', () => {
    for (const mode of [LabMode.NO_ENCAP, LabMode.IPIP]) {
      expect(expectedRoute(mode, a1, a2, a2.block6)).toEqual({ prefix: 'fd10:244::2:0/122', gateway: 'fd00:0:1::12', device: 'eth0', onlink: false, encap: 'native' });
      expect(expectedRoute(mode, a1, b1, b1.block6)).toBeUndefined();
      expect(trafficPossible(mode, a1, a2, 6)).toBe(true);
      expect(trafficPossible(mode, a1, b1, 6)).toBe(false);
    }
  });

  it('VXLAN Always: via the remote IPv6 VTEP on vxlan-v6.calico onlink', () => {
    expect(expectedRoute(LabMode.VXLAN, b1, a1, a1.block6)).toEqual({ prefix: 'fd10:244::1:0/122', gateway: 'fd10:244::1:0', device: 'vxlan-v6.calico', onlink: true, encap: 'vxlan' });
    expect(trafficPossible(LabMode.VXLAN, a1, b1, 6)).toBe(true);
  });

  it('CrossSubnet: native inside the subnet, vxlan-v6.calico across it', () => {
    expect(expectedRoute(LabMode.CROSS_SUBNET, a1, a2, a2.block6)).toMatchObject({ gateway: 'fd00:0:1::12', device: 'eth0', encap: 'native' });
    expect(expectedRoute(LabMode.CROSS_SUBNET, a1, b1, b1.block6)).toMatchObject({ gateway: 'fd10:244::3:0', device: 'vxlan-v6.calico', onlink: true });
  });

  it('gives every node its own IPv6 block, pod, VTEP and VTEP MAC', () => {
    expect([a1, a2, b1].map((n) => [n.address6, n.block6, n.pods[0]?.ip6, n.vtepIp6])).toEqual([
      ['fd00:0:1::11', 'fd10:244::1:0/122', 'fd10:244::1:10', 'fd10:244::1:0'],
      ['fd00:0:1::12', 'fd10:244::2:0/122', 'fd10:244::2:10', 'fd10:244::2:0'],
      ['fd00:0:2::11', 'fd10:244::3:0/122', 'fd10:244::3:10', 'fd10:244::3:0'],
    ]);
    expect(new Set([a1, a2, b1].flatMap((n) => [n.vtepMac, n.vtepMac6])).size).toBe(6);
  });
});

describe('kernel routes read back', () => {
  const expected = expectedRoute(LabMode.VXLAN, a1, a2)!;
  const exact: KernelRouteView = { dst: '10.244.2.0/26', gateway: '10.244.2.0', dev: 'vxlan.calico', protocol: 'bird', flags: ['onlink'] };

  it('holds the expected route only when every field matches and petrel wrote it', () => {
    expect(holdsExpected([exact], expected)).toBe(true);
    expect(holdsExpected([{ ...exact, protocol: '12' }], expected)).toBe(true);
    expect(holdsExpected([{ ...exact, protocol: '80' }], expected)).toBe(false);
    expect(holdsExpected([{ ...exact, flags: [] }], expected)).toBe(false);
    expect(holdsExpected([{ ...exact, dev: 'eth0' }], expected)).toBe(false);
    expect(holdsExpected([{ ...exact, gateway: '10.0.1.12' }], expected)).toBe(false);
    expect(holdsExpected([{ ...exact, type: 'blackhole' }], expected)).toBe(false);
  });

  it('reads IPv6 routes the same way', () => {
    const expected6 = expectedRoute(LabMode.VXLAN, a1, a2, a2.block6)!;
    const route: KernelRouteView = { dst: 'fd10:244::2:0/122', gateway: 'fd10:244::2:0', dev: 'vxlan-v6.calico', protocol: 'bird', metric: 1024, flags: ['onlink'] };
    expect(holdsExpected([route], expected6)).toBe(true);
    expect(holdsExpected([{ ...route, dev: 'vxlan.calico' }], expected6)).toBe(false);
    expect(holdsExpected([route], expected)).toBe(false);
  });

  it('prints routes as ip route does', () => {
    expect(formatRoute(exact)).toBe('10.244.2.0/26 via 10.244.2.0 dev vxlan.calico proto bird onlink');
    expect(formatRoute({ dst: '10.244.1.10', dev: 'cali0123456789a', protocol: 'boot', scope: 'link', flags: [] })).toBe('10.244.1.10 dev cali0123456789a scope link');
    expect(formatRoute({ dst: '10.244.1.0/26', type: 'blackhole', protocol: 'bird', flags: [] })).toBe('blackhole 10.244.1.0/26 proto bird');
  });
});

describe('ping summary', () => {
  it('reads transmitted and received counts', () => {
    const output = [
      'PING 10.244.2.10 (10.244.2.10) 56(84) bytes of data.',
      '',
      '--- 10.244.2.10 ping statistics ---',
      '5 packets transmitted, 4 received, 20% packet loss, time 804ms',
      'rtt min/avg/max/mdev = 0.061/0.081/0.110/0.018 ms',
    ].join('\n');
    expect(parsePingSummary(output)).toEqual({
      transmitted: 5,
      received: 4,
      summary: '5 packets transmitted, 4 received, 20% packet loss, time 804ms\nrtt min/avg/max/mdev = 0.061/0.081/0.110/0.018 ms',
    });
    expect(parsePingSummary('ping: connect: Network is unreachable')).toMatchObject({ transmitted: 0, received: 0 });
  });
});
