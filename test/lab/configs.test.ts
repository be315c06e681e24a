// The lab's generated configs load through petrel's own loader in every mode, and say what
// SPEC §5 asks: the pools' encapsulation (IPv4 and IPv6), the full mesh or the reflector's
// clients with a session per family, short timers, remote VTEPs of both families, per-machine paths.
import { describe, expect, it } from 'vitest';
import { formatIssue, parseConfig } from '../../src/config/load.js';
import { effectivePeers } from '../../src/config/peers.js';
import type { Config } from '../../src/config/schema.js';
import { LAB_HOLD_TIME_SEC, LAB_MODES, LabMode, configYaml, nodeConfig, pool6For, poolFor, reflectorConfig } from '../../src/lab/configs.js';
import { labPlan, nodeNamed } from '../../src/lab/plan.js';

const environment = { env: {}, readFile: (path: string): string => { throw new Error(`unexpected read of ${path}`); } };

function loaded(yaml: string, file: string): Config {
  const result = parseConfig(yaml, file, environment);
  if (!result.ok) throw new Error(result.errors.map(formatIssue).join('\n'));
  return result.config;
}

function nodeLoaded(mode: LabMode, reflector: boolean, name: string): Config {
  const plan = labPlan({ reflector });
  return loaded(configYaml(nodeConfig(plan, nodeNamed(plan, name), { mode, files: { dir: `/tmp/lab/${name}` } })), `/tmp/lab/${name}/petrel.yaml`);
}

describe('lab configs', () => {
  it.each(LAB_MODES.flatMap((mode) => [{ mode, reflector: false }, { mode, reflector: true }]))('load without errors: $mode, reflector $reflector', ({ mode, reflector }) => {
    const plan = labPlan({ reflector });
    for (const node of plan.nodes) nodeLoaded(mode, reflector, node.name);
    if (plan.reflector) loaded(configYaml(reflectorConfig(plan, plan.reflector, { mode, files: { dir: '/tmp/lab/rr' } })), '/tmp/lab/rr/petrel.yaml');
  });

  it('sets the pool encapsulation of each mode (CALICO.md §1.4)', () => {
    expect(poolFor(LabMode.NO_ENCAP)).toMatchObject({ ipipMode: 'Never', vxlanMode: 'Never' });
    expect(poolFor(LabMode.VXLAN)).toMatchObject({ ipipMode: 'Never', vxlanMode: 'Always' });
    expect(poolFor(LabMode.CROSS_SUBNET)).toMatchObject({ ipipMode: 'Never', vxlanMode: 'CrossSubnet' });
    expect(poolFor(LabMode.IPIP)).toMatchObject({ ipipMode: 'Always', vxlanMode: 'Never' });
    expect(nodeLoaded(LabMode.CROSS_SUBNET, false, 'a1').pools).toEqual([
      expect.objectContaining({ cidr: '10.244.0.0/16', blockSize: 26, vxlanMode: 'CrossSubnet', ipipMode: 'Never' }),
      expect.objectContaining({ cidr: 'fd10:244::/64', blockSize: 122, vxlanMode: 'CrossSubnet', ipipMode: 'Never' }),
    ]);
  });

  it('gives the IPv6 pool the IPv4 pool’s VXLAN mode, and no IPIP, which Calico does not have for IPv6', () => {
    expect(pool6For(LabMode.NO_ENCAP)).toMatchObject({ ipipMode: 'Never', vxlanMode: 'Never' });
    expect(pool6For(LabMode.VXLAN)).toMatchObject({ ipipMode: 'Never', vxlanMode: 'Always' });
    expect(pool6For(LabMode.CROSS_SUBNET)).toMatchObject({ ipipMode: 'Never', vxlanMode: 'CrossSubnet' });
    expect(pool6For(LabMode.IPIP)).toMatchObject({ ipipMode: 'Never', vxlanMode: 'Never' });
  });

  it('meshes every node with the others, with short hold times, its own blocks, its VTEPs and theirs', () => {
    const a1 = nodeLoaded(LabMode.VXLAN, false, 'a1');
    expect(a1.node).toMatchObject({
      name: 'a1',
      ipv4Address: '10.0.1.11/24',
      ipv6Address: 'fd00:0:1::11/64',
      vxlanTunnelAddress: '10.244.1.0',
      vxlanTunnelMac: '02:50:0a:00:01:0b',
      vxlanTunnelAddressV6: 'fd10:244::1:0',
      vxlanTunnelMacV6: '02:56:0a:00:01:0b',
    });
    expect(a1.listen.address).toBe('::');
    expect(a1.mesh.enabled).toBe(true);
    expect(a1.mesh.holdTimeSec).toBe(LAB_HOLD_TIME_SEC);
    expect(a1.mesh.nodes.map((n) => [n.name, n.ipv4Address, n.ipv6Address, n.vxlanTunnelAddress, n.vxlanTunnelAddressV6])).toEqual([
      ['a2', '10.0.1.12/24', 'fd00:0:1::12/64', '10.244.2.0', 'fd10:244::2:0'],
      ['b1', '10.0.2.11/24', 'fd00:0:2::11/64', '10.244.3.0', 'fd10:244::3:0'],
    ]);
    // Calico's BIRD runs a session per family with each node: so does petrel's mesh.
    expect(effectivePeers(a1).map((p) => [p.name, p.family, p.sourceAddress])).toEqual([
      ['Mesh_10_0_1_12', 4, '10.0.1.11'],
      ['Mesh_fd00_0_1__12', 6, 'fd00:0:1::11'],
      ['Mesh_10_0_2_11', 4, '10.0.1.11'],
      ['Mesh_fd00_0_2__11', 6, 'fd00:0:1::11'],
    ]);
    expect(a1.blocks).toEqual(['10.244.1.0/26', 'fd10:244::1:0/122']);
    expect(a1.peers).toEqual([]);
    expect(a1.kernel).toMatchObject({ enabled: true, routeProtocol: 12, learn: true, persist: true });
    expect(a1.control.socket).toBe('/tmp/lab/a1/petrel.sock');
    expect(a1.stateDir).toBe('/tmp/lab/a1/state');
  });

  it('makes the nodes clients of the reflector over both families, and the reflector programs no kernel routes', () => {
    const a1 = nodeLoaded(LabMode.VXLAN, true, 'a1');
    expect(a1.mesh.enabled).toBe(false);
    expect(a1.peers).toEqual([
      expect.objectContaining({ address: '10.0.1.2', asNumber: 64512, holdTimeSec: LAB_HOLD_TIME_SEC, families: ['ipv4-unicast'] }),
      expect.objectContaining({ address: 'fd00:0:1::2', asNumber: 64512, holdTimeSec: LAB_HOLD_TIME_SEC, families: ['ipv6-unicast'] }),
    ]);
    const plan = labPlan({ reflector: true });
    const rr = loaded(configYaml(reflectorConfig(plan, plan.reflector!, { mode: LabMode.VXLAN, files: { dir: '/tmp/lab/rr' } })), '/tmp/lab/rr/petrel.yaml');
    expect(rr.node.routeReflectorClusterId).toBe('244.0.0.1');
    expect(rr.kernel.enabled).toBe(false);
    expect(rr.node.ipv6Address).toBe('fd00:0:1::2/64');
    expect(rr.peers.map((p) => [p.address, p.routeReflectorClient])).toEqual([
      ['10.0.1.11', true],
      ['fd00:0:1::11', true],
      ['10.0.1.12', true],
      ['fd00:0:1::12', true],
      ['10.0.2.11', true],
      ['fd00:0:2::11', true],
    ]);
  });
});
