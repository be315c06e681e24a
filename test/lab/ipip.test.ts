// IPIP Always (SPEC §3): `<block> via <node IP> dev tunl0 onlink`, written by petrel with its own
// protocol. This kernel has no ipip module, so tunl0 is a stand-in veth and the check is the
// exact kernel routes petrel installs on it, not traffic. Calico has no IPIP for IPv6: the IPv6
// pool beside it is native, so IPv6 pods in one subnet do talk, through petrel's routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabMode } from '../../src/lab/configs.js';
import { ipIn } from '../../src/lab/exec.js';
import { Lab } from '../../src/lab/lab.js';
import { expectExactRoutes, expectReached, expectedPeerAddresses } from './helpers.js';

/** petrel's routes in a namespace, blackholes left out, one per line. */
async function petrelRoutes(namespace: string, family: '-4' | '-6'): Promise<string[]> {
  const table = await ipIn(namespace, family, 'route', 'show', 'proto', 'bird');
  return table.trimEnd().split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('blackhole'));
}

describe.each([
  { reflector: false, peering: 'full mesh' },
  { reflector: true, peering: 'through the route reflector' },
])('IPIP Always, $peering (routes only: no ipip module here), with a native IPv6 pool', ({ reflector }) => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.start({ mode: LabMode.IPIP, reflector });
    await lab.waitForSessions();
    await lab.waitForRoutes();
  });

  afterAll(async () => {
    await lab?.stop();
  });

  it('runs one session per family to each peer', async () => {
    for (const machine of lab.machines) expect((await lab.peers(machine)).map((p) => p.address).sort(), machine).toEqual(expectedPeerAddresses(lab, machine).sort());
  });

  it('installs every remote block via the node IP on tunl0, onlink, in and across subnets', async () => {
    await expectExactRoutes(lab);
    expect(await petrelRoutes(lab.topology.namespaceOf('a1'), '-4')).toEqual([
      '10.244.2.0/26 via 10.0.1.12 dev tunl0 onlink',
      '10.244.3.0/26 via 10.0.2.11 dev tunl0 onlink',
    ]);
  });

  it('installs IPv6 blocks natively, in the subnet only (across the router a node address is not on-link)', async () => {
    expect(await petrelRoutes(lab.topology.namespaceOf('a1'), '-6')).toEqual(['fd10:244::2:0/122 via fd00:0:1::12 dev eth0 metric 1024 pref medium']);
    expect(await petrelRoutes(lab.topology.namespaceOf('b1'), '-6')).toEqual([]);
  });

  it('carries IPv6 ping and TCP between pods in one subnet, and no IPv4 (no ipip module)', async () => {
    expect(lab.reachablePodPairs(4)).toEqual([]);
    const pairs = lab.reachablePodPairs(6);
    expect(pairs.map(([from, to]) => `${from.name} -> ${to.name}`)).toEqual(['a1-p1 -> a2-p1', 'a2-p1 -> a1-p1']);
    for (const [from, to] of pairs) expectReached(await lab.probe(from, to, 6));
  });
});
