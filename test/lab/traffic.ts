/**
 * The pod-to-pod traffic suite of one lab (SPEC §5), for one mode and peering: sessions up,
 * every node holding exactly the routes petrel should install (and none it cannot), VXLAN
 * neighbours where VXLAN is used, then ping and a TCP exchange between every reachable pair of
 * pods on different nodes. Shared by the mesh and reflector test files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabMode, VXLAN_DEVICE, usesVxlan } from '../../src/lab/configs.js';
import { ipIn, runOk } from '../../src/lab/exec.js';
import { Lab } from '../../src/lab/lab.js';
import { expectedRoute } from '../../src/lab/routes.js';
import { expectExactRoutes, expectReached } from './helpers.js';

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

    it('installs exactly the routes of the pool\u2019s encapsulation', async () => {
      await expectExactRoutes(lab);
      if (mode === LabMode.CROSS_SUBNET) {
        // Both forms side by side in one node: native to its subnet, VXLAN across the router.
        expect(expectedRoute(mode, lab.node('a1'), lab.node('a2'))?.device).toBe('eth0');
        expect(expectedRoute(mode, lab.node('a1'), lab.node('b1'))?.device).toBe(VXLAN_DEVICE);
        const table = await ipIn(lab.topology.namespaceOf('a1'), 'route', 'show', 'proto', 'bird');
        expect(table).toContain('10.244.2.0/26 via 10.0.1.12 dev eth0');
        expect(table).toMatch(/10\.244\.3\.0\/26 via 10\.244\.3\.0 dev vxlan\.calico .*onlink/);
      }
      if (mode === LabMode.NO_ENCAP) {
        // Across the router a node IP is not on-link: nothing can be installed for b1's block.
        const routes = await lab.routesOf('a1');
        expect(routes.map((r) => r.dst)).not.toContain(lab.node('b1').block);
      }
    });

    if (usesVxlan(mode)) {
      it('programs each remote VTEP as a permanent ARP entry and an FDB entry to the node IP', async () => {
        const ns = lab.topology.namespaceOf('b1');
        const neighbours = await ipIn(ns, 'neigh', 'show', 'dev', VXLAN_DEVICE);
        const fdb = await runOk('bridge', ['-n', ns, 'fdb', 'show', 'dev', VXLAN_DEVICE]);
        for (const remote of [lab.node('a1'), lab.node('a2')]) {
          expect(neighbours).toContain(`${remote.vtepIp} lladdr ${remote.vtepMac} PERMANENT`);
          expect(fdb).toContain(`${remote.vtepMac} dst ${remote.address}`);
        }
      });
    }

    it('carries ping and TCP between pods on different nodes', async () => {
      const pairs = lab.reachablePodPairs();
      expect(pairs.length).toBe(mode === LabMode.NO_ENCAP ? 2 : 6);
      for (const [from, to] of pairs) expectReached(await lab.probe(from, to));
    });
  });
}
