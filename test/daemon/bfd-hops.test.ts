/**
 * Which peers' BFD sessions are single hop (RFC 5881) and which multihop (RFC 5883): as the
 * config says, else single hop on the node's own subnet, on an interface or with BGP multihop
 * false, multihop beyond (a mesh node across a router, a reflector elsewhere).
 */
import { describe, expect, it } from 'vitest';
import { bfdPeersOfConfig } from '../../src/daemon/bfd-plane.js';
import { load, mustLoad } from '../config/helpers.js';

function hops(yaml: string): Record<string, number | 'single'> {
  return Object.fromEntries(bfdPeersOfConfig(mustLoad(yaml)).map((p) => [p.name, p.multihop === undefined ? 'single' : p.multihop.minTtl]));
}

describe('BFD single hop or multihop', () => {
  it('decides by the node\u2019s subnet unless told, for mesh nodes and configured peers alike', () => {
    const yaml = `
node: {name: a1, ipv4Address: 10.0.1.11/24}
mesh:
  bfd: true
  nodes:
    - {name: a2, ipv4Address: 10.0.1.12/24}
    - {name: b1, ipv4Address: 10.0.2.11/24}
peers:
  - {name: tor, address: 10.0.1.1, asNumber: 65001, bfd: true}
  - {name: far, address: 192.0.2.1, asNumber: 65002, bfd: true}
  - {name: far-but-single, address: 192.0.2.2, asNumber: 65002, bfd: {multihop: false}}
  - {name: near-but-multi, address: 10.0.1.2, asNumber: 65003, bfd: {multihop: true, minTtl: 254}}
  - {name: direct, address: 198.51.100.1, asNumber: 65004, multihop: false, bfd: true}
`;
    expect(hops(yaml)).toEqual({
      Mesh_10_0_1_12: 'single',
      Mesh_10_0_2_11: 1,
      tor: 'single',
      far: 1,
      'far-but-single': 'single',
      'near-but-multi': 254,
      direct: 'single',
    });
  });

  it('keeps to single hop where there is nothing to judge by, and for link-local peers', () => {
    const yaml = `
node: {name: a1, ipv4Address: 10.0.1.11/24}
routerId: 10.0.1.11
peers:
  - {name: v6, address: '2001:db8::1', asNumber: 65001, bfd: true}
  - {name: ll, address: 'fe80::1', interface: eth0, asNumber: 65001, bfd: true}
`;
    expect(hops(yaml)).toEqual({ v6: 'single', ll: 'single' });
  });

  it('refuses minTtl on a session told to be single hop', () => {
    const bad = load('node: {name: n, ipv4Address: 10.0.0.9/24}\npeers:\n  - {address: 10.0.0.1, asNumber: 1, bfd: {multihop: false, minTtl: 250}}\n');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.map((e) => e.message).join('\n')).toContain('minTtl is for multihop sessions');
  });
});
