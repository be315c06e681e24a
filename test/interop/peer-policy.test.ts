/**
 * Per-peer Calico policy through `petrel run` against real BIRD 2 daemons (CALICO.md §1.5,
 * §1.7): petrel (AS 4200000001) speaks to a ToR-like BIRD (AS 65001) as AS 65201 (`localAsNumber`,
 * BIRD `local as`), with BGPFilter-shaped export rules that withhold one of its two blocks and
 * send the other with a community added and its path prepended (v3.32 operations), and an
 * import rule that rejects the ToR's default route. A second BIRD (AS 65002), without
 * filters, gets both blocks. A reload that drops the import rule makes petrel ask the ToR for a
 * ROUTE-REFRESH (RFC 2918) and accept the resent default route, with no session reset.
 */
import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createPeer } from '../peers/daemons.js';
import { NetNs } from '../peers/netns.js';
import type { NeighborConfig, Peer, PeerConfig, PeerRoute } from '../peers/peer.js';
import { waitFor } from '../peers/process.js';
import { DAEMON_AS, FOUR_OCTET_AS } from './daemon-topology.js';
import { freePort, petrelConfigYaml, PetrelProcess, type PetrelNode } from './petrel-process.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step();
  cleanups = [];
});

const SESSION_AS = 65201;
const OTHER_AS = 65002;
const TOR = '127.0.7.1';
const PETREL = '127.0.7.2';
const OTHER = '127.0.7.3';
const SHOWN_BLOCK = '10.244.7.0/26';
const WITHHELD_BLOCK = '10.244.8.0/26';
const POOL_ROUTE = '10.244.200.0/24';
const DEFAULT_ROUTE = '0.0.0.0/0';

async function startBird(address: string, port: number, remoteAs: number, config: Omit<PeerConfig, 'neighbors' | 'listenPort' | 'listenAddress'>): Promise<Peer> {
  const neighbor: NeighborConfig = { address: PETREL, remoteAs, localAddress: address, passive: true, multihop: true };
  const peer = createPeer('bird2', NetNs.host(), { ...config, listenPort: port, listenAddress: address, neighbors: [neighbor] });
  cleanups.push(() => peer.stop());
  await peer.start();
  return peer;
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

describe('per-peer filters and local AS against BIRD 2', () => {
  it('withholds the filtered block from that peer only, speaks as the session AS, and refreshes on an import rule change', async () => {
    const [torPort, otherPort, petrelPort, metricsPort] = [await freePort(TOR), await freePort(OTHER), await freePort(PETREL), await freePort('127.0.0.1')];
    const tor = await startBird(TOR, torPort, SESSION_AS, { routerId: '10.1.0.1', localAs: DAEMON_AS, routes: [{ prefix: POOL_ROUTE }, { prefix: DEFAULT_ROUTE }] });
    const other = await startBird(OTHER, otherPort, FOUR_OCTET_AS, { routerId: '10.1.0.3', localAs: OTHER_AS });
    const node = (torFilters: readonly string[]): PetrelNode & { metricsListen: string } => ({
      name: 'node-filters',
      asNumber: FOUR_OCTET_AS,
      ipv4Address: `${PETREL}/24`,
      listen: { address: PETREL, port: petrelPort },
      pools: [{ cidr: '10.244.0.0/16' }],
      blocks: [SHOWN_BLOCK, WITHHELD_BLOCK],
      filters: [
        {
          name: 'tor-out',
          exportV4: [
            { action: 'Reject', matchOperator: 'Equal', cidr: WITHHELD_BLOCK },
            // Calico v3.32 operations: a community added, the path prepended (our AS still first).
            { action: 'Accept', matchOperator: 'Equal', cidr: SHOWN_BLOCK, operations: [{ addCommunity: { value: '65001:200' } }, { prependASPath: { prefix: [65000, 65000] } }] },
          ],
        },
        { name: 'tor-in', importV4: [{ action: 'Reject', matchOperator: 'Equal', cidr: DEFAULT_ROUTE }] },
      ],
      peers: [
        { name: 'tor', address: TOR, port: torPort, asNumber: DAEMON_AS, localAsNumber: SESSION_AS, sourceAddress: PETREL, gracefulRestart: { enabled: false }, filters: torFilters },
        { name: 'other', address: OTHER, port: otherPort, asNumber: OTHER_AS, sourceAddress: PETREL, gracefulRestart: { enabled: false } },
      ],
      metricsListen: `127.0.0.1:${metricsPort}`,
    });
    const petrel = await PetrelProcess.start(NetNs.host(), node(['tor-out', 'tor-in']));
    cleanups.push(() => petrel.stop());

    try {
      // BIRD accepts the OPEN only if it says AS 65201: the session coming up is the check.
      const established = await petrel.waitPeerState('tor', 'Established');
      await petrel.waitPeerState('other', 'Established');

      const torRib = await ribOf(tor, `${SHOWN_BLOCK} from petrel`, (r) => r.some((x) => x.prefix === SHOWN_BLOCK));
      expect(torRib.find((r) => r.prefix === SHOWN_BLOCK)).toMatchObject({ asPath: [SESSION_AS, 65000, 65000], nextHop: PETREL, communities: ['65001:200'] });
      const otherRib = await ribOf(other, 'both blocks from petrel', (r) => [SHOWN_BLOCK, WITHHELD_BLOCK].every((p) => r.some((x) => x.prefix === p)));
      // The peer without the filter gets the block as it is.
      expect(otherRib.find((r) => r.prefix === SHOWN_BLOCK)).toMatchObject({ asPath: [FOUR_OCTET_AS], communities: [] });
      // The other BIRD has everything the ToR has by now, so the ToR's RIB is complete too.
      expect((await tor.routes()).map((r) => r.prefix)).not.toContain(WITHHELD_BLOCK);

      // Import: the default route is kept, flagged; the pool route is accepted (no rule matches).
      const routes = await petrel.waitRoutes('the ToR routes', (r) => [POOL_ROUTE, DEFAULT_ROUTE].every((p) => r.some((x) => x.prefix === p && x.peer === 'tor')));
      expect(routes.find((r) => r.prefix === DEFAULT_ROUTE)).toMatchObject({ best: false, ineligible: 'import-rejected' });
      expect(routes.find((r) => r.prefix === POOL_ROUTE)).toMatchObject({ best: true, ineligible: null });

      // Reload without the import rule: petrel asks the ToR to resend, and takes the default route.
      await writeFile(petrel.configFile, petrelConfigYaml(node(['tor-out']), petrel.work.dir));
      process.kill(petrel.pid, 'SIGHUP');
      await petrel.waitRoutes('the default route accepted after the refresh', (r) => r.some((x) => x.prefix === DEFAULT_ROUTE && x.best && x.ineligible === null));
      // The log line may reach us after the routes do (petrel's stdout is read asynchronously).
      await waitFor(() => Promise.resolve(petrel.log.includes('requesting route refresh') ? true : undefined), { timeoutMs: 5_000, intervalMs: 100, what: 'the route refresh request in the log' });
      expect((await petrel.peer('tor')).since).toBe(established.since);
    } catch (err) {
      const logs = `--- tor ---\n${(await tor.logs()).slice(-3000)}\n--- other ---\n${(await other.logs()).slice(-3000)}\n--- petrel ---\n${petrel.log.slice(-4000)}`;
      throw new Error(`${String(err)}\n${logs}`, { cause: err });
    }
  });
});
