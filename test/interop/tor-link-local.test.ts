/**
 * IPv6 eBGP towards a top-of-rack router (SPEC §1 ToR peering), through `petrel run` against a
 * real BIRD 2 on a veth between two namespaces of the test's own:
 *  - over global addresses (fd00::/64), petrel's next hop self is 32 octets, its global address
 *    then its link-local one on the veth (RFC 2545 §3), as BIRD and FRR send it to a neighbour
 *    on their link (checked against BIRD 2 and FRR);
 *  - over link-local addresses only (no global address on either end), the session comes up
 *    whichever side dials (`fe80::…%veth0` to connect, and an accepted connection from
 *    `fe80::…%veth0` matches the peer configured on veth0), and routes go both ways: BIRD's is
 *    installed via its link-local on the veth and shown so by `petrel show routes`; petrel's
 *    block reaches BIRD with `::` and petrel's link-local;
 *  - with two ToRs on two veths (SPEC §1: ECMP across two ToRs), each gets the link-local
 *    address of its own link, not the other's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPeer, createTwoNamespaces } from '../peers/daemons.js';
import { connectVeth, NetNs } from '../peers/netns.js';
import type { BirdPeer } from '../peers/bird.js';
import type { FrrPeer } from '../peers/frr.js';
import type { NeighborConfig } from '../peers/peer.js';
import { waitFor } from '../peers/process.js';
import { DAEMON_AS, DAEMON_ROUTER_ID, FOUR_OCTET_AS } from './daemon-topology.js';
import { PetrelProcess, type PetrelPeer } from './petrel-process.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step();
  cleanups = [];
});

const IFNAME = 'veth0';
const BIRD_V6 = 'fd00::1';
const PETREL_V6 = 'fd00::2';
/** The EUI-64 link-local addresses of the veth ends (MACs 02:00:00:00:00:01 and :02, fixed by the harness). */
const BIRD_LINK_LOCAL = 'fe80::ff:fe00:1';
const PETREL_LINK_LOCAL = 'fe80::ff:fe00:2';
const BIRD_PREFIX = '2001:db8:10::/48';
const POOL = 'fd00:244::/48';
const BLOCK = 'fd00:244::/122';

/** Resolves once the interface's link-local address has left duplicate address detection. */
async function linkLocalReady(ns: NetNs, ifname = IFNAME): Promise<void> {
  await waitFor(
    async () => {
      const out = await ns.ip('-6', '-o', 'addr', 'show', 'dev', ifname, 'scope', 'link', '-tentative');
      return out.includes('fe80:') ? true : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 100, what: `the link-local address on ${ifname} in ${ns.name}` },
  );
}

interface Topology {
  readonly petrel: PetrelProcess;
  readonly bird: BirdPeer;
  readonly ns: NetNs;
}

/** BIRD 2 (the ToR, AS 65001) and petrel (AS 4200000001) on the two ends of one veth. */
async function topology(
  addresses: { readonly bird: readonly string[]; readonly petrel: readonly string[] },
  neighbor: Omit<NeighborConfig, 'remoteAs'>,
  peer: Omit<PetrelPeer, 'asNumber'>,
  listen: string,
): Promise<Topology> {
  const pair = await createTwoNamespaces({ daemonAddresses: addresses.bird, clientAddresses: addresses.petrel, ifname: IFNAME });
  cleanups.push(() => pair.remove());
  await Promise.all([linkLocalReady(pair.daemon), linkLocalReady(pair.client)]);
  const bird = createPeer('bird2', pair.daemon, {
    routerId: DAEMON_ROUTER_ID,
    localAs: DAEMON_AS,
    neighbors: [{ remoteAs: FOUR_OCTET_AS, families: ['ipv6-unicast'], holdTimeSec: 30, connectRetrySec: 1, ...neighbor }],
    routes: [{ prefix: BIRD_PREFIX }],
  }) as BirdPeer;
  cleanups.push(() => bird.stop());
  await bird.start();
  const petrel = await PetrelProcess.start(pair.client, {
    name: 'node-tor',
    asNumber: FOUR_OCTET_AS,
    ipv4Address: '10.0.0.2/24',
    listen: { address: listen, port: 179 },
    pools: [{ cidr: POOL, blockSize: 122 }],
    blocks: [BLOCK],
    peers: [{ asNumber: DAEMON_AS, families: ['ipv6-unicast'], multihop: false, gracefulRestart: { enabled: false }, holdTimeSec: 30, ...peer }],
    kernel: { enabled: true, persist: false },
  });
  cleanups.push(() => petrel.stop());
  return { petrel, bird, ns: pair.client };
}

/** BIRD's `show route all` entry for `prefix` once it has one from BGP. */
async function birdRoute(bird: BirdPeer, prefix: string): Promise<string> {
  return waitFor(
    async () => {
      const out = await bird.birdc(`show route ${prefix} table master6 all`);
      return out.includes('BGP.next_hop') ? out : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 100, what: `BIRD's route for ${prefix}` },
  );
}

/** The kernel's route for `prefix` in petrel's namespace, once it is there. */
async function kernelRoute(ns: NetNs, prefix: string): Promise<string> {
  return waitFor(
    async () => {
      const out = (await ns.ip('-6', 'route', 'show', prefix)).trim();
      return out === '' ? undefined : out;
    },
    { timeoutMs: 15_000, intervalMs: 100, what: `the kernel route for ${prefix}` },
  );
}

describe('IPv6 eBGP to a ToR on a veth (BIRD 2)', () => {
  it('sends next hop self as petrel\u2019s global address then its link-local one (RFC 2545 §3)', async () => {
    const { petrel, bird } = await topology(
      { bird: [`${BIRD_V6}/64`], petrel: [`${PETREL_V6}/64`] },
      { address: PETREL_V6, localAddress: BIRD_V6, passive: true },
      { name: 'tor', address: BIRD_V6, sourceAddress: PETREL_V6 },
      PETREL_V6,
    );
    await petrel.waitPeerState('tor', 'Established');
    const route = await birdRoute(bird, BLOCK);
    expect(route).toContain(`BGP.next_hop: ${PETREL_V6} ${PETREL_LINK_LOCAL}`);
    expect(route).toMatch(new RegExp(`via ${PETREL_V6} on ${IFNAME}`));
  });

  it.each([
    ['petrel dials', true],
    ['BIRD dials', false],
  ])('runs a session between link-local addresses only (%s) and routes both ways', async (_who, petrelDials) => {
    const { petrel, bird, ns } = await topology(
      { bird: [], petrel: [] },
      { address: `${PETREL_LINK_LOCAL}%${IFNAME}`, passive: petrelDials },
      { name: 'tor', address: BIRD_LINK_LOCAL, interface: IFNAME, passive: !petrelDials },
      '::',
    );
    const view = await petrel.waitPeerState('tor', 'Established');
    expect(view.address).toBe(BIRD_LINK_LOCAL);
    expect(view.localAddress).toBe(PETREL_LINK_LOCAL);
    await bird.waitEstablished(`${PETREL_LINK_LOCAL}%${IFNAME}`);

    // BIRD → petrel: shown and installed via BIRD's link-local on the veth.
    const routes = await petrel.waitRoutes(BIRD_PREFIX, (r) => r.some((x) => x.prefix === BIRD_PREFIX && x.best));
    expect(routes.find((r) => r.prefix === BIRD_PREFIX)).toMatchObject({ nextHop: BIRD_LINK_LOCAL, nextHopInterface: IFNAME });
    expect(await kernelRoute(ns, BIRD_PREFIX)).toMatch(new RegExp(`^${BIRD_PREFIX} via ${BIRD_LINK_LOCAL} dev ${IFNAME} proto bird `));

    // petrel → BIRD: no global address anywhere, so `::` and petrel's link-local.
    const route = await birdRoute(bird, BLOCK);
    expect(route).toContain(`BGP.next_hop: :: ${PETREL_LINK_LOCAL}`);
    expect(route).toMatch(new RegExp(`via ${PETREL_LINK_LOCAL} on ${IFNAME}`));
  });

  it('runs BFD over the link-local session, and stops BGP with Cease / BFD Down once BIRD falls silent (RFC 5881, RFC 9384)', async () => {
    const bfd = { minTxMs: 100, minRxMs: 100, multiplier: 3 };
    const { petrel, bird } = await topology(
      { bird: [], petrel: [] },
      { address: `${PETREL_LINK_LOCAL}%${IFNAME}`, passive: true, bfd },
      { name: 'tor', address: BIRD_LINK_LOCAL, interface: IFNAME, bfd },
      '::',
    );
    await petrel.waitPeerState('tor', 'Established');
    await waitFor(async () => (await petrel.showBfd()).find((s) => s.state === 'Up'), { timeoutMs: 15_000, intervalMs: 100, what: 'BFD Up over link-local' });
    expect((await petrel.showBfd())[0]).toMatchObject({ address: `${BIRD_LINK_LOCAL}%${IFNAME}`, remoteState: 'Up', detectionTimeMs: 300 });
    expect(await bird.birdc('show bfd sessions')).toMatch(new RegExp(`${PETREL_LINK_LOCAL}\\s+${IFNAME}\\s+Up`));

    const pids = bird.pids();
    cleanups.push(() => {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
      return Promise.resolve();
    });
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    const down = await waitFor(
      async () => {
        const p = await petrel.peer('tor');
        return p.state !== 'Established' && p.lastError?.includes('BFD Down') ? p : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: 'BGP stopped with Cease / BFD Down' },
    );
    expect(down.lastError).toBe('automatic-stop: Cease / BFD Down');
  });
});

describe('IPv6 eBGP to two ToRs on two links (BIRD 2 each)', () => {
  it('sends each ToR the link-local address of its own link', async () => {
    const petrelNs = await NetNs.create();
    cleanups.push(() => petrelNs.remove());
    const tors = [
      { ifname: 'veth0', subnet: 'fd00:a::', mac: '0a', linkLocal: 'fe80::ff:fe00:a02' },
      { ifname: 'veth1', subnet: 'fd00:b::', mac: '0b', linkLocal: 'fe80::ff:fe00:b02' },
    ];
    const birds: BirdPeer[] = [];
    for (const tor of tors) {
      const torNs = await NetNs.create();
      cleanups.push(() => torNs.remove());
      await connectVeth(
        { ns: torNs, ifname: IFNAME, addresses: [`${tor.subnet}1/64`], mac: `02:00:00:00:${tor.mac}:01` },
        { ns: petrelNs, ifname: tor.ifname, addresses: [`${tor.subnet}2/64`], mac: `02:00:00:00:${tor.mac}:02` },
      );
      await linkLocalReady(petrelNs, tor.ifname);
      const bird = createPeer('bird2', torNs, {
        routerId: DAEMON_ROUTER_ID,
        localAs: DAEMON_AS,
        neighbors: [{ address: `${tor.subnet}2`, localAddress: `${tor.subnet}1`, remoteAs: FOUR_OCTET_AS, passive: true, families: ['ipv6-unicast'], holdTimeSec: 30 }],
      }) as BirdPeer;
      cleanups.push(() => bird.stop());
      await bird.start();
      birds.push(bird);
    }
    const petrel = await PetrelProcess.start(petrelNs, {
      name: 'node-tors',
      asNumber: FOUR_OCTET_AS,
      ipv4Address: '10.0.0.2/24',
      listen: { address: '::', port: 179 },
      pools: [{ cidr: POOL, blockSize: 122 }],
      blocks: [BLOCK],
      peers: tors.map((tor, i) => ({
        name: `tor${i + 1}`,
        address: `${tor.subnet}1`,
        sourceAddress: `${tor.subnet}2`,
        asNumber: DAEMON_AS,
        families: ['ipv6-unicast'] as const,
        multihop: false,
        gracefulRestart: { enabled: false },
        holdTimeSec: 30,
      })),
    });
    cleanups.push(() => petrel.stop());
    for (const [i, tor] of tors.entries()) {
      await petrel.waitPeerState(`tor${i + 1}`, 'Established');
      expect(await birdRoute(birds[i]!, BLOCK)).toContain(`BGP.next_hop: ${tor.subnet}2 ${tor.linkLocal}`);
    }
  });
});

describe('IPv6 eBGP to a ToR on a veth (FRR)', () => {
  it('gives FRR petrel’s global and link-local next hop (RFC 2545 §3)', async () => {
    const pair = await createTwoNamespaces({ daemonAddresses: [`${BIRD_V6}/64`], clientAddresses: [`${PETREL_V6}/64`], ifname: IFNAME });
    cleanups.push(() => pair.remove());
    // petrel reads its link-local when the session comes up: it must exist by then.
    await Promise.all([linkLocalReady(pair.daemon), linkLocalReady(pair.client)]);
    const frr = createPeer('frr', pair.daemon, {
      routerId: DAEMON_ROUTER_ID,
      localAs: DAEMON_AS,
      neighbors: [{ address: PETREL_V6, localAddress: BIRD_V6, remoteAs: FOUR_OCTET_AS, passive: true, families: ['ipv6-unicast'], holdTimeSec: 30 }],
    }) as FrrPeer;
    cleanups.push(() => frr.stop());
    await frr.start();
    const petrel = await PetrelProcess.start(pair.client, {
      name: 'node-frr',
      asNumber: FOUR_OCTET_AS,
      ipv4Address: '10.0.0.2/24',
      listen: { address: PETREL_V6, port: 179 },
      pools: [{ cidr: POOL, blockSize: 122 }],
      blocks: [BLOCK],
      peers: [{ name: 'tor', address: BIRD_V6, sourceAddress: PETREL_V6, asNumber: DAEMON_AS, families: ['ipv6-unicast'], multihop: false, gracefulRestart: { enabled: false }, holdTimeSec: 30 }],
    });
    cleanups.push(() => petrel.stop());
    await petrel.waitPeerState('tor', 'Established');
    const nextHops = await waitFor(
      async () => {
        const detail = JSON.parse(await frr.vtysh([`show bgp ipv6 unicast ${BLOCK} json`])) as { paths?: { nexthops?: { ip?: string; scope?: string }[] }[] };
        const hops = detail.paths?.[0]?.nexthops;
        return hops === undefined || hops.length === 0 ? undefined : hops.map((h) => `${h.scope ?? '?'} ${h.ip ?? '?'}`);
      },
      { timeoutMs: 15_000, intervalMs: 200, what: `FRR's route for ${BLOCK}` },
    );
    expect(nextHops).toEqual([`global ${PETREL_V6}`, `link-local ${PETREL_LINK_LOCAL}`]);
  });
});
