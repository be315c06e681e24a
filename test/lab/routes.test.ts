// What the lab expects petrel to install per mode (SPEC §3 kernel programming, spelled out for
// the lab's plan), how it reads `ip -j route` back, and how it reads ping's summary.
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
