// VTEP fields in the config (Calico Node `ipv4VXLANTunnelAddr` / `vxlanTunnelMACAddr` carried
// by mesh entries until Calico resources are mapped), and what the kernel plane makes of them.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { encapOptionsOf, peerInterfacesOf, usesVxlan, vtepRemotesOf, vxlanPlaneOptionsOf } from '../../src/daemon/kernel-plane.js';
import { vtepMacFor } from '../../src/kernel/vxlan.js';
import { mustLoadWith } from '../config/calico-helpers.js';
import { config } from './harness.js';

const NODE = 'node: {name: node1, ipv4Address: 10.0.0.1/24}\n';

function errorsOf(yaml: string): { path: string; message: string }[] {
  const result = parseConfig(yaml, 'test.yaml', { env: {}, readFile: () => '' });
  return result.ok ? [] : result.errors.map((e) => ({ path: e.path, message: e.message }));
}

describe('VTEP fields on node and mesh nodes', () => {
  it('accepts a VTEP address and MAC and writes the MAC lower-case', () => {
    const c = config(`${NODE}mesh:\n  nodes: [{name: node2, ipv4Address: 10.0.0.2/24, vxlanTunnelAddress: 10.244.2.0, vxlanTunnelMac: 66:2F:C1:0A:1B:2C}]\n`);
    expect(c.mesh.nodes[0]).toMatchObject({ vxlanTunnelAddress: '10.244.2.0', vxlanTunnelMac: '66:2f:c1:0a:1b:2c' });
  });

  it.each([
    ['a MAC that is not six octets', 'vxlanTunnelAddress: 10.244.2.0, vxlanTunnelMac: 66:2f:c1:0a:1b', /expected a MAC address/],
    ['a multicast MAC', 'vxlanTunnelAddress: 10.244.2.0, vxlanTunnelMac: 01:00:5e:00:00:01', /must be unicast/],
    ['a MAC without the VTEP address', 'vxlanTunnelMac: 66:2f:c1:0a:1b:2c', /needs vxlanTunnelAddress/],
    ['a VTEP address that is not IPv4', 'vxlanTunnelAddress: fd00::1', /IPv4/],
  ])('rejects %s on a mesh node', (_what, fields, message) => {
    const errors = errorsOf(`${NODE}mesh:\n  nodes: [{name: node2, ipv4Address: 10.0.0.2/24, ${fields}}]\n`);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toMatch(/^mesh\.nodes\[0\]\.vxlanTunnel(Address|Mac)$/);
    expect(errors[0]!.message).toMatch(message);
  });

  it('accepts IPv6 VTEP fields (Node ipv6VXLANTunnelAddr, vxlanTunnelMACAddrV6), canonical and lower-case, and checks them alike', () => {
    const c = config(`${NODE}mesh:\n  nodes: [{name: node2, ipv4Address: 10.0.0.2/24, vxlanTunnelAddressV6: 'FD00:247:0::2', vxlanTunnelMacV6: 66:2F:C1:0A:1B:2D}]\n`);
    expect(c.mesh.nodes[0]).toMatchObject({ vxlanTunnelAddressV6: 'fd00:247::2', vxlanTunnelMacV6: '66:2f:c1:0a:1b:2d' });
    expect(errorsOf(`${NODE}mesh:\n  nodes: [{name: node2, ipv4Address: 10.0.0.2/24, vxlanTunnelMacV6: 66:2f:c1:0a:1b:2c}]\n`)).toEqual([
      { path: 'mesh.nodes[0].vxlanTunnelMacV6', message: expect.stringMatching(/needs vxlanTunnelAddressV6/) },
    ]);
    expect(errorsOf(`${NODE}mesh:\n  nodes: [{name: node2, ipv4Address: 10.0.0.2/24, vxlanTunnelAddressV6: 10.244.2.0}]\n`).map((e) => e.path)).toEqual([
      'mesh.nodes[0].vxlanTunnelAddressV6',
    ]);
  });

  it('checks the node\u2019s own VTEP the same way', () => {
    const errors = errorsOf('node: {name: node1, ipv4Address: 10.0.0.1/24, vxlanTunnelMac: 66:2f:c1:0a:1b:2c}\n');
    expect(errors.map((e) => e.path)).toEqual(['node.vxlanTunnelMac']);
    expect(errors[0]!.message).toMatch(/needs vxlanTunnelAddress/);
    expect(config('node: {name: node1, ipv4Address: 10.0.0.1/24, vxlanTunnelAddress: 10.244.1.0}\n').node.vxlanTunnelAddress).toBe('10.244.1.0');
  });
});

describe('kernel plane inputs from the config', () => {
  const c = config(`${NODE}pools:
  - {cidr: 10.244.0.0/16, vxlanMode: Always}
serviceClusterIPs: [10.96.0.0/12]
serviceExternalIPs: [192.0.2.0/24]
serviceLoadBalancerIPs: [198.51.100.0/24]
vxlan: {device: vx0}
mesh:
  nodes:
    - {name: node2, ipv4Address: 10.0.0.2/24, vxlanTunnelAddress: 10.244.2.0, vxlanTunnelMac: 66:2f:c1:0a:1b:2c}
    - {name: node3, ipv4Address: 10.0.0.3/24, vxlanTunnelAddress: 10.244.3.0}
    - {name: node4, ipv4Address: 10.0.0.4/24}
`);

  it('maps mesh entries with a VTEP to remotes, deriving a missing MAC from the node IP', () => {
    expect(vtepRemotesOf(c)).toEqual([
      { vtepIp: '10.244.2.0', vtepMac: '66:2f:c1:0a:1b:2c', nodeIp: '10.0.0.2' },
      { vtepIp: '10.244.3.0', vtepMac: vtepMacFor('10.0.0.3'), nodeIp: '10.0.0.3' },
    ]);
  });

  it('never installs any service range from peers, and encapsulates on the configured device', () => {
    expect(encapOptionsOf(c)).toMatchObject({
      serviceRanges: ['10.96.0.0/12', '192.0.2.0/24', '198.51.100.0/24'],
      nodeIpv4Address: '10.0.0.1/24',
      vxlanDevice: 'vx0',
    });
  });

  it('sets up VXLAN only when a pool uses it', () => {
    expect(usesVxlan(c)).toBe(true);
    expect(usesVxlan(config(`${NODE}pools: [{cidr: 10.244.0.0/16, ipipMode: CrossSubnet}]\n`))).toBe(false);
  });
});

describe('IPv6 VXLAN inputs from the config (vxlan-v6.calico)', () => {
  const c = config(`node: {name: node1, ipv4Address: 10.0.0.1/24, ipv6Address: 'fd00:1::1/64', vxlanTunnelAddressV6: 'fd00:247:ffff::1'}
pools:
  - {cidr: 10.244.0.0/16}
  - {cidr: 'fd00:247::/48', vxlanMode: CrossSubnet}
mesh:
  nodes:
    - {name: node2, ipv4Address: 10.0.0.2/24, ipv6Address: 'fd00:1::2/64', vxlanTunnelAddress: 10.244.2.0, vxlanTunnelAddressV6: 'fd00:247:ffff::2'}
    - {name: node3, ipv4Address: 10.0.0.3/24, ipv6Address: 'fd00:1::3/64', vxlanTunnelAddressV6: 'fd00:247:ffff::3', vxlanTunnelMacV6: '66:2f:c1:0a:1b:2e'}
    - {name: node4, ipv4Address: 10.0.0.4/24, vxlanTunnelAddressV6: 'fd00:247:ffff::4'}
`);

  it('sets up VXLAN per family: only the IPv6 device here', () => {
    expect([usesVxlan(c), usesVxlan(c, 4), usesVxlan(c, 6)]).toEqual([true, false, true]);
  });

  it('maps the IPv6 VTEPs of mesh entries with an IPv6 address, the MAC derived from it when missing', () => {
    expect(vtepRemotesOf(c, 6)).toEqual([
      { vtepIp: 'fd00:247:ffff::2', vtepMac: vtepMacFor('fd00:1::2'), nodeIp: 'fd00:1::2' },
      { vtepIp: 'fd00:247:ffff::3', vtepMac: '66:2f:c1:0a:1b:2e', nodeIp: 'fd00:1::3' },
    ]);
    expect(vtepRemotesOf(c, 4)).toEqual([{ vtepIp: '10.244.2.0', vtepMac: vtepMacFor('10.0.0.2'), nodeIp: '10.0.0.2' }]);
  });

  it('builds vxlan-v6.calico over node.ipv6Address, same VNI and port, MTU 20 octets lower', () => {
    expect(vxlanPlaneOptionsOf(c, 6)).toEqual({ device: 'vxlan-v6.calico', vni: 4096, port: 4789, mtu: 1430, nodeIp: 'fd00:1::1', vtepIp: 'fd00:247:ffff::1' });
    expect(vxlanPlaneOptionsOf(config(NODE), 6)).toBeUndefined();
    expect(encapOptionsOf(c)).toMatchObject({ nodeIpv6Address: 'fd00:1::1/64', vxlanDeviceV6: 'vxlan-v6.calico' });
  });
});

describe('link-local peers', () => {
  it('name the interface their next hops lead to, by peer name', () => {
    const c = config(`${NODE}peers:\n  - {name: tor-a, address: 'fe80::1', interface: eth1, asNumber: 65001}\n  - {name: tor-b, address: 10.0.0.254, asNumber: 65001}\n`);
    expect([...peerInterfacesOf(c)]).toEqual([['tor-a', 'eth1']]);
  });
});

describe('IPv6 VTEPs from Calico Node resources', () => {
  const FILE = '/etc/petrel/calico.yaml';
  const node = (name: string, n: number, vtep: string): string => `apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: ${name}}
spec:
  bgp: {ipv4Address: 10.0.0.${n}/24, ipv6Address: 'fd00:1::${n}/64'}
${vtep}`;

  it('maps spec.ipv6VXLANTunnelAddr and vxlanTunnelMACAddrV6 next to the IPv4 VTEP, for this node and the others', () => {
    const manifest = [
      node('node1', 1, "  ipv6VXLANTunnelAddr: 'fd00:247:ffff::1'\n  vxlanTunnelMACAddrV6: 66:2F:C1:0A:1B:01\n"),
      node('node2', 2, "  ipv4VXLANTunnelAddr: 10.244.2.0\n  ipv6VXLANTunnelAddr: 'fd00:247:ffff::2'\n  vxlanTunnelMACAddrV6: 66:2f:c1:0a:1b:02\n"),
    ].join('---\n');
    const { config: c } = mustLoadWith(`node: {name: node1}\ncalicoResources: [${FILE}]\n`, { [FILE]: manifest });
    expect(c.node).toMatchObject({ vxlanTunnelAddressV6: 'fd00:247:ffff::1', vxlanTunnelMacV6: '66:2f:c1:0a:1b:01' });
    expect(c.mesh.nodes).toEqual([
      expect.objectContaining({ name: 'node2', vxlanTunnelAddress: '10.244.2.0', vxlanTunnelAddressV6: 'fd00:247:ffff::2', vxlanTunnelMacV6: '66:2f:c1:0a:1b:02' }),
    ]);
    expect(vtepRemotesOf(c, 6)).toEqual([{ vtepIp: 'fd00:247:ffff::2', vtepMac: '66:2f:c1:0a:1b:02', nodeIp: 'fd00:1::2' }]);
  });
});
