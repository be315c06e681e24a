// VTEP fields in the config (Calico Node `ipv4VXLANTunnelAddr` / `vxlanTunnelMACAddr` carried
// by mesh entries until Calico resources are mapped), and what the kernel plane makes of them.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { encapOptionsOf, usesVxlan, vtepRemotesOf } from '../../src/daemon/kernel-plane.js';
import { vtepMacFor } from '../../src/kernel/vxlan.js';
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
