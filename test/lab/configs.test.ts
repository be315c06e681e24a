// The lab's generated configs load through petrel's own loader in every mode, and say what
// SPEC §5 asks: the pool's encapsulation, the full mesh or the reflector's clients, short timers,
// remote VTEPs, per-machine paths.
import { describe, expect, it } from 'vitest';
import { formatIssue, parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { LAB_HOLD_TIME_SEC, LAB_MODES, LabMode, configYaml, nodeConfig, poolFor, reflectorConfig } from '../../src/lab/configs.js';
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
    ]);
  });

  it('meshes every node with the others, with short hold times, its own block, its VTEP and theirs', () => {
    const a1 = nodeLoaded(LabMode.VXLAN, false, 'a1');
    expect(a1.node).toMatchObject({ name: 'a1', ipv4Address: '10.0.1.11/24', vxlanTunnelAddress: '10.244.1.0', vxlanTunnelMac: '02:50:0a:00:01:0b' });
    expect(a1.mesh.enabled).toBe(true);
    expect(a1.mesh.holdTimeSec).toBe(LAB_HOLD_TIME_SEC);
    expect(a1.mesh.nodes.map((n) => [n.name, n.ipv4Address, n.vxlanTunnelAddress])).toEqual([
      ['a2', '10.0.1.12/24', '10.244.2.0'],
      ['b1', '10.0.2.11/24', '10.244.3.0'],
    ]);
    expect(a1.blocks).toEqual(['10.244.1.0/26']);
    expect(a1.peers).toEqual([]);
    expect(a1.kernel).toMatchObject({ enabled: true, routeProtocol: 12, learn: true, persist: true });
    expect(a1.control.socket).toBe('/tmp/lab/a1/petrel.sock');
    expect(a1.stateDir).toBe('/tmp/lab/a1/state');
  });

  it('makes the nodes clients of the reflector, which programs no kernel routes', () => {
    const a1 = nodeLoaded(LabMode.VXLAN, true, 'a1');
    expect(a1.mesh.enabled).toBe(false);
    expect(a1.peers).toEqual([expect.objectContaining({ address: '10.0.1.2', asNumber: 64512, holdTimeSec: LAB_HOLD_TIME_SEC })]);
    const plan = labPlan({ reflector: true });
    const rr = loaded(configYaml(reflectorConfig(plan, plan.reflector!, { mode: LabMode.VXLAN, files: { dir: '/tmp/lab/rr' } })), '/tmp/lab/rr/petrel.yaml');
    expect(rr.node.routeReflectorClusterId).toBe('244.0.0.1');
    expect(rr.kernel.enabled).toBe(false);
    expect(rr.peers.map((p) => [p.address, p.routeReflectorClient])).toEqual([
      ['10.0.1.11', true],
      ['10.0.1.12', true],
      ['10.0.2.11', true],
    ]);
  });
});
