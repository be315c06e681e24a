/**
 * Calico's export rule through `petrel run` between two real daemons (SPEC §3: never leak a
 * learned default route or anything outside the pools): petrel, a node in AS 4200000001, peers
 * with a ToR-like BIRD 2 (AS 65001) that sends a route inside the pool and a default route, and
 * with a second BIRD 2 (AS 65002). The second one gets petrel's block and the pool route — with
 * the communities kept and MED dropped, as it came from another AS (RFC 4271 §5.1.4) — and never
 * the default route, which petrel still receives and shows. When the ToR is killed, petrel
 * withdraws the pool route from the second BIRD too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPeer } from '../peers/daemons.js';
import { NetNs } from '../peers/netns.js';
import type { NeighborConfig, Peer, PeerConfig, PeerRoute } from '../peers/peer.js';
import { waitFor } from '../peers/process.js';
import { DAEMON_AS, FOUR_OCTET_AS } from './daemon-topology.js';
import { freePort, PetrelProcess, type PetrelPeer } from './petrel-process.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step();
  cleanups = [];
});

const OTHER_AS = 65002;
const PETREL = '127.0.5.2';
const TOR = '127.0.5.1';
const OTHER = '127.0.5.3';
const BLOCK = '10.244.5.0/26';
const POOL_ROUTE = '10.244.200.0/24';
const DEFAULT_ROUTE = '0.0.0.0/0';

/** A BIRD 2 on the host loopback with petrel as its one (passive) neighbor. */
async function startBird(address: string, port: number, config: Omit<PeerConfig, 'neighbors' | 'listenPort' | 'listenAddress'>): Promise<Peer> {
  const neighbor: NeighborConfig = { address: PETREL, remoteAs: FOUR_OCTET_AS, localAddress: address, passive: true, multihop: true };
  const peer = createPeer('bird2', NetNs.host(), { ...config, listenPort: port, listenAddress: address, neighbors: [neighbor] });
  cleanups.push(() => peer.stop());
  await peer.start();
  return peer;
}

function petrelPeer(name: string, address: string, port: number, asNumber: number): PetrelPeer {
  return { name, address, port, asNumber, sourceAddress: PETREL, gracefulRestart: { enabled: false } };
}

async function ribOf(peer: Peer, what: string, check: (routes: readonly PeerRoute[]) => boolean): Promise<readonly PeerRoute[]> {
  return waitFor(
    async () => {
      const routes = await peer.routes();
      return check(routes) ? routes : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 150, what: `${peer.kind}: ${what}` },
  );
}

describe('petrel run between a ToR-like BIRD 2 and a second BIRD 2', () => {
  it('re-advertises the pool route to the other AS but never the learned default route, and withdraws it when the ToR dies', async () => {
    const [torPort, otherPort, petrelPort] = [await freePort(TOR), await freePort(OTHER), await freePort(PETREL)];
    const tor = await startBird(TOR, torPort, {
      routerId: '10.1.0.1',
      localAs: DAEMON_AS,
      routes: [{ prefix: POOL_ROUTE, communities: ['65001:7'], largeCommunities: ['65001:1:2'], med: 33 }, { prefix: DEFAULT_ROUTE }],
    });
    const other = await startBird(OTHER, otherPort, { routerId: '10.1.0.3', localAs: OTHER_AS });
    const petrel = await PetrelProcess.start(NetNs.host(), {
      name: 'node-export',
      asNumber: FOUR_OCTET_AS,
      ipv4Address: `${PETREL}/24`,
      listen: { address: PETREL, port: petrelPort },
      pools: [{ cidr: '10.244.0.0/16' }],
      blocks: [BLOCK],
      peers: [petrelPeer('tor', TOR, torPort, DAEMON_AS), petrelPeer('other', OTHER, otherPort, OTHER_AS)],
    });
    cleanups.push(() => petrel.stop());

    try {
      await petrel.waitPeerState('tor', 'Established');
      await petrel.waitPeerState('other', 'Established');
      // petrel receives and shows the default route: import takes what the ToR sends.
      await petrel.waitRoutes('the ToR routes', (r) => [POOL_ROUTE, DEFAULT_ROUTE].every((p) => r.some((x) => x.prefix === p && x.peer === 'tor' && x.best)));

      const rib = await ribOf(other, `${BLOCK} and ${POOL_ROUTE} from petrel`, (r) => [BLOCK, POOL_ROUTE].every((p) => r.some((x) => x.prefix === p)));
      expect(rib.find((r) => r.prefix === BLOCK)).toMatchObject({ nextHop: PETREL, asPath: [FOUR_OCTET_AS], fromNeighbor: PETREL });
      const pool = rib.find((r) => r.prefix === POOL_ROUTE);
      expect(pool).toMatchObject({ nextHop: PETREL, asPath: [FOUR_OCTET_AS, DAEMON_AS], communities: ['65001:7'], largeCommunities: ['65001:1:2'] });
      expect(pool?.med).toBeUndefined();
      expect(rib.map((r) => r.prefix)).not.toContain(DEFAULT_ROUTE);
      // What petrel's Adj-RIB-Out towards the other AS holds: exactly the block and the pool route.
      const shown = (await petrel.showPeers()).find((p) => p.name === 'other');
      expect(shown).toMatchObject({ state: 'Established', prefixesReceived: 0, prefixesAdvertised: 2 });
      expect((await petrel.showRoutes(DEFAULT_ROUTE))[0]).toMatchObject({ peer: 'tor', peerAddress: TOR, best: true, asPath: [DAEMON_AS] });

      // The ToR dies: its routes leave petrel's RIB and the other AS hears the withdrawal.
      process.kill(tor.pids()[0]!, 'SIGKILL');
      const after = await ribOf(other, `${POOL_ROUTE} withdrawn`, (r) => !r.some((x) => x.prefix === POOL_ROUTE));
      expect(after.map((r) => r.prefix)).toEqual([BLOCK]);
      expect((await petrel.peer('other')).prefixesAdvertised).toBe(1);
    } catch (err) {
      const logs = `--- tor ---\n${(await tor.logs()).slice(-3000)}\n--- other ---\n${(await other.logs()).slice(-3000)}\n--- petrel ---\n${petrel.log.slice(-4000)}`;
      throw new Error(`${String(err)}\n${logs}`, { cause: err });
    }
  });
});
