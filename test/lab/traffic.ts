/**
 * The pod-to-pod traffic suite of one lab (SPEC §5), for one mode and peering, dual-stack:
 * sessions up for both families, every node holding exactly the routes petrel should install
 * for both pools (and none it cannot), VXLAN neighbours where VXLAN is used (ARP and FDB on
 * vxlan.calico, NDP and FDB on vxlan-v6.calico), then ping and a TCP exchange between every
 * reachable pair of pods on different nodes, over IPv4 and over IPv6. Shared by the mesh and
 * reflector test files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IpFamily } from '../../src/bgp/address.js';
import { LabMode, VXLAN_DEVICE, VXLAN_DEVICE_V6, usesVxlan } from '../../src/lab/configs.js';
import { ipIn, runOk } from '../../src/lab/exec.js';
import { Lab } from '../../src/lab/lab.js';
import { hostAddress } from '../../src/lab/plan.js';
import { expectedRoute } from '../../src/lab/routes.js';
import { expectExactRoutes, expectReached, expectedPeerAddresses } from './helpers.js';

/** Ordered pairs of pods on different nodes that each mode can carry, per family. */
function expectedPairCount(mode: LabMode): number {
  // Without encapsulation only a1 and a2 share a subnet: 2 ordered pairs; else all 6.
  return mode === LabMode.NO_ENCAP ? 2 : 6;
}

export function describeTraffic(mode: LabMode, reflector: boolean): void {
  describe(`${mode}, ${reflector ? 'through the route reflector' : 'full mesh'}`, () => {
    let lab: Lab;

    beforeAll(async () => {
      lab = await Lab.start({ mode, reflector });
      await lab.waitForSessions();
      await lab.waitForRoutes();
    });

    afterAll(async () => {
      await lab?.stop();
    });

    it('runs one session per family to each peer: IPv4 and IPv6 addresses alike', async () => {
      for (const machine of lab.machines) {
        const peers = await lab.peers(machine);
        expect(peers.map((p) => p.address).sort(), machine).toEqual(expectedPeerAddresses(lab, machine).sort());
        expect(peers.every((p) => p.state === 'Established'), machine).toBe(true);
      }
    });

    it('installs exactly the routes of each pool\u2019s encapsulation, IPv4 and IPv6', async () => {
      await expectExactRoutes(lab);
      const a1 = lab.topology.namespaceOf('a1');
      if (mode === LabMode.CROSS_SUBNET) {
        // Both forms side by side in one node: native to its subnet, VXLAN across the router.
        expect(expectedRoute(mode, lab.node('a1'), lab.node('a2'))?.device).toBe('eth0');
        expect(expectedRoute(mode, lab.node('a1'), lab.node('b1'))?.device).toBe(VXLAN_DEVICE);
        const table = await ipIn(a1, 'route', 'show', 'proto', 'bird');
        expect(table).toContain('10.244.2.0/26 via 10.0.1.12 dev eth0');
        expect(table).toMatch(/10\.244\.3\.0\/26 via 10\.244\.3\.0 dev vxlan\.calico .*onlink/);
        const table6 = await ipIn(a1, '-6', 'route', 'show', 'proto', 'bird');
        expect(table6).toContain('fd10:244::2:0/122 via fd00:0:1::12 dev eth0');
        expect(table6).toMatch(/fd10:244::3:0\/122 via fd10:244::3:0 dev vxlan-v6\.calico .*onlink/);
      }
      if (mode === LabMode.NO_ENCAP) {
        // Across the router a node IP is not on-link: nothing can be installed for b1's blocks.
        const routes = (await lab.routesOf('a1')).map((r) => r.dst);
        expect(routes).not.toContain(lab.node('b1').block);
        expect(routes).not.toContain(lab.node('b1').block6);
        expect(await ipIn(a1, '-6', 'route', 'show', 'proto', 'bird')).toContain('fd10:244::2:0/122 via fd00:0:1::12 dev eth0');
      }
    });

    if (usesVxlan(mode)) {
      it('programs each remote VTEP as a permanent ARP (NDP) entry and an FDB entry to the node IP, per family', async () => {
        const ns = lab.topology.namespaceOf('b1');
        const devices: [IpFamily, string][] = [[4, VXLAN_DEVICE], [6, VXLAN_DEVICE_V6]];
        for (const [family, device] of devices) {
          const neighbours = await ipIn(ns, `-${family}`, 'neigh', 'show', 'dev', device);
          const fdb = await runOk('bridge', ['-n', ns, 'fdb', 'show', 'dev', device]);
          for (const remote of [lab.node('a1'), lab.node('a2')]) {
            const [vtepIp, vtepMac] = family === 4 ? [remote.vtepIp, remote.vtepMac] : [remote.vtepIp6, remote.vtepMac6];
            expect(neighbours).toContain(`${vtepIp} lladdr ${vtepMac} PERMANENT`);
            expect(fdb).toContain(`${vtepMac} dst ${hostAddress(remote, family)}`);
          }
        }
      });
    }

    for (const family of [4, 6] as const) {
      it(`carries ping and TCP between pods on different nodes over IPv${family}`, async () => {
        const pairs = lab.reachablePodPairs(family);
        expect(pairs.length).toBe(expectedPairCount(mode));
        for (const [from, to] of pairs) expectReached(await lab.probe(from, to, family));
      });
    }
  });
}
