/**
 * From config to the export policy (src/daemon/policy.ts): `programClusterRoutes` decides whether
 * Felix's own IPIP routes (tunl0) may go to iBGP peers (CALICO.md §1.3 step 2), and
 * `normalRoutePriority` which pod routes are elevated.
 */
import { describe, expect, it } from 'vitest';
import { exportPolicyOf, felixOwnedPools } from '../../src/daemon/policy.js';
import { peer } from '../rib/helpers.js';
import { mustLoad } from '../config/helpers.js';

const BASE = 'node: {name: a, ipv4Address: 10.0.0.1/24}\nmesh: {enabled: false}\npools: [{cidr: 10.244.0.0/16, ipipMode: Always}]\nblocks: [10.244.1.0/26]\n';
const kernel = (ifname: string, metric: number) => peer('kernel', { kind: 'local', address: '', routerId: '10.0.0.1', kernel: { ifname, metric } });

describe('export policy from config', () => {
  it('keeps tunl0 routes off iBGP once Felix programs the IPIP pools', () => {
    const tunl0 = kernel('tunl0', 0);
    expect(exportPolicyOf(mustLoad(BASE)).decide('10.244.9.0/26', tunl0, true).accept).toBe(true);
    for (const mode of ['Disabled', 'EnabledNoEncapOnly']) {
      expect(exportPolicyOf(mustLoad(`${BASE}programClusterRoutes: ${mode}\n`)).decide('10.244.9.0/26', tunl0, true)).toMatchObject({ accept: false, rule: 'felix-interface' });
    }
    expect(exportPolicyOf(mustLoad(`${BASE}programClusterRoutes: EnabledIPIPOnly\n`)).decide('10.244.9.0/26', tunl0, true).accept).toBe(true);
  });

  it('judges a pod route beneath a block against the configured normal priority', () => {
    const pod = kernel('cali1', 1500);
    expect(exportPolicyOf(mustLoad(BASE)).decide('10.244.1.7/32', pod, true).accept).toBe(false);
    expect(exportPolicyOf(mustLoad(`${BASE}normalRoutePriority: {ipv4: 2048}\n`)).decide('10.244.1.7/32', pod, true)).toMatchObject({ accept: true, rule: 'elevated-priority' });
  });
});

describe('Felix\u2019s cluster routes stay off iBGP (confd rejectForFelixOwnedPools)', () => {
  const POOLS = 'node: {name: a, ipv4Address: 10.0.0.1/24}\nmesh: {enabled: false}\npools: [{cidr: 10.244.0.0/16, ipipMode: CrossSubnet}, {cidr: 10.245.0.0/16}, {cidr: 10.246.0.0/16, vxlanMode: CrossSubnet}]\nblocks: [10.244.1.0/26]\n';
  const viaEth0 = peer('kernel', { kind: 'local', address: '', routerId: '10.0.0.1', kernel: { ifname: 'eth0', metric: 0, viaGateway: true } });
  const toPod = peer('kernel', { kind: 'local', address: '', routerId: '10.0.0.1', kernel: { ifname: 'cali1', metric: 0 } });

  it('lists VXLAN pools always and IPIP / no-encap pools as programClusterRoutes leaves them', () => {
    expect(felixOwnedPools(mustLoad(POOLS))).toEqual(['10.246.0.0/16']);
    expect(felixOwnedPools(mustLoad(`${POOLS}programClusterRoutes: EnabledNoEncapOnly\n`))).toEqual(['10.244.0.0/16', '10.246.0.0/16']);
    expect(felixOwnedPools(mustLoad(`${POOLS}programClusterRoutes: Disabled\n`))).toEqual(['10.244.0.0/16', '10.245.0.0/16', '10.246.0.0/16']);
  });

  it('refuses a learned route through a gateway into such a pool to iBGP peers only, never a route to a local pod', () => {
    const policy = exportPolicyOf(mustLoad(`${POOLS}programClusterRoutes: EnabledNoEncapOnly\n`));
    // Felix's native CrossSubnet route to another node's block.
    expect(policy.decide('10.244.7.0/26', viaEth0, true)).toMatchObject({ accept: false, rule: 'felix-cluster-route' });
    expect(policy.decide('10.246.7.0/26', viaEth0, true)).toMatchObject({ accept: false, rule: 'felix-cluster-route' });
    // The no-encap pool is petrel's: no Felix route to refuse.
    expect(policy.decide('10.245.7.0/26', viaEth0, true).accept).toBe(true);
    // A pod route borrowed from another node's block leaves through its cali veth: exported.
    expect(policy.decide('10.244.7.9/32', toPod, true).accept).toBe(true);
    // eBGP is not concerned (calico_export_to_bgp_peers' iBGP-only rule).
    expect(policy.decide('10.244.7.0/26', viaEth0, false).accept).toBe(true);
  });
});
