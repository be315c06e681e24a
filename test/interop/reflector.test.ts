/**
 * Route reflection (RFC 4456) between `petrel run` and real daemons, all in AS 64512 on one LAN
 * (test/peers/lan.ts: each speaker in a namespace of its own, so every next hop is a neighbor's
 * address and never the box's own):
 *  - petrel reflects for BIRD 2, GoBGP and FRR clients: each client learns the other two
 *    clients' prefixes with ORIGINATOR_ID = the originating client's router ID, CLUSTER_LIST =
 *    [petrel's cluster ID], the next hop and communities as the originator sent them. Under
 *    `exportPolicy: calico` a prefix outside the pools is not reflected; under `all` it is.
 *  - two reflectors of one cluster (petrel and a BIRD 2 twin, both serving a GoBGP client): what
 *    the twin reflects back to petrel carries petrel's own cluster ID and is kept only as an
 *    ineligible `cluster-loop` path (RFC 4456 §8); the twin's own route is reflected on.
 *  - BIRD 1.6 and FRR reflect, petrel is one client: petrel's block reaches the other client
 *    through the reflector, and the other client's route shows in `petrel show routes --json`
 *    with its originatorId and clusterList.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPeer } from '../peers/daemons.js';
import { createLan } from '../peers/lan.js';
import type { NetNs } from '../peers/netns.js';
import type { DaemonKind, NeighborConfig, Peer, PeerRoute, StaticRoute } from '../peers/peer.js';
import { waitFor } from '../peers/process.js';
import { PetrelProcess, type PetrelNode, type PetrelPeer } from './petrel-process.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step();
  cleanups = [];
});

/** Calico's default AS: every speaker here is internal to it. */
const AS = 64512;
const POOL = '10.244.0.0/16';
const OUTSIDE_POOLS = '192.168.77.0/24';
const LAN_PREFIX_LENGTH = 24;

interface Speaker {
  readonly address: string;
  /** Distinct from the address, so ORIGINATOR_ID is seen to be the router ID (RFC 4456 §7). */
  readonly routerId: string;
  /** What it originates: inside the pool, tagged with its own community. */
  readonly prefix: string;
  readonly community: string;
}

interface DaemonSpeaker extends Speaker {
  readonly kind: DaemonKind;
}

/** The speaker at LAN host number `host`: its address, router ID, prefix and community follow from it. */
function speaker(host: number): Speaker {
  return { address: `10.0.0.${host}`, routerId: `10.1.0.${host}`, prefix: `10.244.${host}.0/26`, community: `${AS}:${host}` };
}

/** The LAN, one member per speaker, removed after the test. */
async function lanFor(speakers: readonly Speaker[]): Promise<readonly NetNs[]> {
  const lan = await createLan(speakers.map((s) => [`${s.address}/${LAN_PREFIX_LENGTH}`]));
  cleanups.push(() => lan.remove());
  return lan.members;
}

/** A daemon on its LAN member, its neighbors given, originating its own prefix (and `extra`). */
async function startDaemon(
  ns: NetNs,
  s: DaemonSpeaker,
  neighbors: readonly NeighborConfig[],
  o: { readonly clusterId?: string; readonly extra?: readonly StaticRoute[] } = {},
): Promise<Peer> {
  const peer = createPeer(s.kind, ns, {
    routerId: s.routerId,
    localAs: AS,
    ...(o.clusterId === undefined ? {} : { clusterId: o.clusterId }),
    neighbors,
    routes: [{ prefix: s.prefix, communities: [s.community] }, ...(o.extra ?? [])],
  });
  cleanups.push(() => peer.stop());
  await peer.start();
  return peer;
}

/** iBGP neighbor `to` as a daemon sees it; connect retry of 1 s so restarts of the other side reconnect at once. */
function neighbor(to: Speaker, o: { readonly passive: boolean; readonly client?: boolean }): NeighborConfig {
  return { address: to.address, remoteAs: AS, passive: o.passive, connectRetrySec: 1, ...(o.client === true ? { routeReflectorClient: true } : {}) };
}

function petrelPeer(name: string, s: Speaker, client: boolean): PetrelPeer {
  // No graceful restart: a stopped petrel's routes leave the daemons at once (RFC 4271 §8.2.2).
  // Explicit either way: unset, Calico's rule makes every iBGP peer of a reflector its client.
  return { name, address: s.address, asNumber: AS, gracefulRestart: { enabled: false }, routeReflectorClient: client };
}

async function startPetrel(ns: NetNs, self: Speaker, node: Pick<PetrelNode, 'name' | 'peers'> & Partial<PetrelNode>): Promise<PetrelProcess> {
  const petrel = await PetrelProcess.start(ns, {
    asNumber: AS,
    routerId: self.routerId,
    ipv4Address: `${self.address}/${LAN_PREFIX_LENGTH}`,
    listen: { address: self.address, port: 179 },
    pools: [{ cidr: POOL }],
    blocks: [self.prefix],
    ...node,
  });
  cleanups.push(() => petrel.stop());
  return petrel;
}

async function ribOf(peer: Peer, what: string, check: (routes: readonly PeerRoute[]) => boolean): Promise<readonly PeerRoute[]> {
  return waitFor(
    async () => {
      const routes = await peer.routes();
      return check(routes) ? routes : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 200, what: `${peer.kind}: ${what}` },
  );
}

function hasAll(prefixes: readonly string[]): (routes: readonly PeerRoute[]) => boolean {
  return (routes) => prefixes.every((p) => routes.some((r) => r.prefix === p && r.fromNeighbor !== undefined));
}

/** Runs `body`; on failure, the daemons' and petrel's logs go into the error. */
async function withLogs(peers: readonly Peer[], petrels: () => readonly PetrelProcess[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const daemonLogs = await Promise.all(peers.map(async (p) => `--- ${p.kind} ---\n${(await p.logs()).slice(-3000)}`));
    const petrelLogs = petrels().map((p) => `--- petrel ---\n${p.log.slice(-4000)}`);
    throw new Error([String(err), ...daemonLogs, ...petrelLogs].join('\n'), { cause: err });
  }
}

describe('petrel as route reflector for BIRD 2, GoBGP and FRR clients', () => {
  const CLUSTER = '244.0.0.1';
  const PETREL = speaker(1);
  const CLIENTS: readonly DaemonSpeaker[] = [
    { ...speaker(2), kind: 'bird2' },
    { ...speaker(3), kind: 'gobgp' },
    { ...speaker(4), kind: 'frr' },
  ];
  /** GoBGP also originates a prefix outside every pool. */
  const OUTSIDE_FROM = CLIENTS[1]!;

  it('reflects every client route to the other clients with ORIGINATOR_ID and CLUSTER_LIST; outside the pools only under exportPolicy all', async () => {
    const [petrelNs, ...clientNs] = await lanFor([PETREL, ...CLIENTS]);
    const daemons: Peer[] = [];
    for (const [i, c] of CLIENTS.entries()) {
      const extra = c === OUTSIDE_FROM ? [{ prefix: OUTSIDE_POOLS, communities: [`${AS}:99`] }] : [];
      daemons.push(await startDaemon(clientNs[i]!, c, [neighbor(PETREL, { passive: true })], { extra }));
    }
    const node = {
      name: 'reflector',
      routeReflectorClusterId: CLUSTER,
      peers: CLIENTS.map((c) => petrelPeer(c.kind, c, true)),
    };
    let petrel = await startPetrel(petrelNs!, PETREL, { ...node, exportPolicy: 'calico' });

    await withLogs(daemons, () => [petrel], async () => {
      for (const c of CLIENTS) await petrel.waitPeerState(c.kind, 'Established');
      const allPrefixes = [PETREL, ...CLIENTS].map((s) => s.prefix);
      // petrel itself holds the outside prefix: it is export policy, not import, that keeps it in.
      await petrel.waitRoutes('every client prefix and the outside one', (r) => [...CLIENTS.map((c) => c.prefix), OUTSIDE_POOLS].every((p) => r.some((x) => x.prefix === p)));

      for (const [i, c] of CLIENTS.entries()) {
        const daemon = daemons[i]!;
        const others = CLIENTS.filter((o) => o !== c);
        const rib = await ribOf(daemon, 'the other clients and petrel', hasAll([PETREL.prefix, ...others.map((o) => o.prefix)]));
        for (const o of others) {
          const reflected = rib.find((r) => r.prefix === o.prefix && r.fromNeighbor === PETREL.address);
          expect(reflected, `${c.kind} learns ${o.kind}'s ${o.prefix}`).toMatchObject({
            nextHop: o.address,
            asPath: [],
            communities: [o.community],
            originatorId: o.routerId,
            clusterList: [CLUSTER],
          });
        }
        // petrel's own block is originated, not reflected: no RFC 4456 attributes.
        const block = rib.find((r) => r.prefix === PETREL.prefix);
        expect(block, `${c.kind} learns petrel's block`).toMatchObject({ nextHop: PETREL.address, asPath: [] });
        expect(block?.originatorId).toBeUndefined();
        expect(block?.clusterList ?? []).toEqual([]);
        if (c !== OUTSIDE_FROM) expect(rib.map((r) => r.prefix), `${c.kind} under exportPolicy calico`).not.toContain(OUTSIDE_POOLS);
        expect(rib.map((r) => r.prefix).sort()).toEqual([...allPrefixes].sort().concat(c === OUTSIDE_FROM ? [OUTSIDE_POOLS] : []).sort());
      }
      const shown = await petrel.showRoutes(CLIENTS[0]!.prefix);
      expect(shown[0]).toMatchObject({ peer: 'bird2', nextHop: CLIENTS[0]!.address, originatorId: null, clusterList: [], best: true });

      // The same reflector under exportPolicy all: the outside prefix is reflected too.
      await petrel.stop();
      cleanups.pop();
      petrel = await startPetrel(petrelNs!, PETREL, { ...node, exportPolicy: 'all' });
      for (const [i, c] of CLIENTS.entries()) {
        if (c === OUTSIDE_FROM) continue;
        const rib = await ribOf(daemons[i]!, `${OUTSIDE_POOLS} reflected under exportPolicy all`, hasAll([OUTSIDE_POOLS, ...allPrefixes.filter((p) => p !== c.prefix)]));
        expect(rib.find((r) => r.prefix === OUTSIDE_POOLS)).toMatchObject({
          nextHop: OUTSIDE_FROM.address,
          communities: [`${AS}:99`],
          originatorId: OUTSIDE_FROM.routerId,
          clusterList: [CLUSTER],
        });
      }
    });
  });
});

describe.each([
  { reflectorKind: 'bird16', clientKind: 'bird2', clusterId: '244.0.0.16' },
  { reflectorKind: 'frr', clientKind: 'gobgp', clusterId: '244.0.0.8' },
] as const)('$reflectorKind reflecting for petrel and $clientKind', ({ reflectorKind, clientKind, clusterId }) => {
  const REFLECTOR = { ...speaker(1), kind: reflectorKind };
  const PETREL = speaker(2);
  const CLIENT = { ...speaker(3), kind: clientKind };

  it('carries petrel block to the other client and shows the reflected route with originatorId and clusterList', async () => {
    const [reflectorNs, petrelNs, clientNs] = await lanFor([REFLECTOR, PETREL, CLIENT]);
    const reflector = await startDaemon(reflectorNs!, REFLECTOR, [neighbor(PETREL, { passive: true, client: true }), neighbor(CLIENT, { passive: true, client: true })], { clusterId });
    const client = await startDaemon(clientNs!, CLIENT, [neighbor(REFLECTOR, { passive: false })]);
    const petrel = await startPetrel(petrelNs!, PETREL, { name: 'rr-client', peers: [petrelPeer('reflector', REFLECTOR, false)] });

    await withLogs([reflector, client], () => [petrel], async () => {
      await petrel.waitPeerState('reflector', 'Established');
      await client.waitEstablished(REFLECTOR.address, 20_000);

      const rib = await ribOf(client, `petrel's block ${PETREL.prefix} via the reflector`, hasAll([PETREL.prefix, REFLECTOR.prefix]));
      expect(rib.find((r) => r.prefix === PETREL.prefix)).toMatchObject({
        nextHop: PETREL.address,
        asPath: [],
        fromNeighbor: REFLECTOR.address,
        originatorId: PETREL.routerId,
        clusterList: [clusterId],
      });

      await petrel.waitRoutes(`${CLIENT.prefix} via the reflector`, (r) => r.some((x) => x.prefix === CLIENT.prefix));
      const [shown, ...more] = await petrel.showRoutes(CLIENT.prefix);
      expect(more).toEqual([]);
      expect(shown).toMatchObject({
        peer: 'reflector',
        peerAddress: REFLECTOR.address,
        nextHop: CLIENT.address,
        asPath: [],
        communities: [CLIENT.community],
        originatorId: CLIENT.routerId,
        clusterList: [clusterId],
        best: true,
      });
      // The reflector's own route is not reflected: no RFC 4456 attributes on it.
      const [own] = await petrel.showRoutes(REFLECTOR.prefix);
      expect(own).toMatchObject({ peer: 'reflector', nextHop: REFLECTOR.address, originatorId: null, clusterList: [] });
    });
  });
});

describe('petrel and a BIRD 2 twin reflecting for one cluster', () => {
  const CLUSTER = '244.0.0.1';
  const PETREL = speaker(1);
  const TWIN: DaemonSpeaker = { ...speaker(2), kind: 'bird2' };
  const CLIENT: DaemonSpeaker = { ...speaker(3), kind: 'gobgp' };

  it('ignores its own cluster ID coming back from the twin and reflects the twin route to the client', async () => {
    const [petrelNs, twinNs, clientNs] = await lanFor([PETREL, TWIN, CLIENT]);
    const twin = await startDaemon(twinNs!, TWIN, [neighbor(PETREL, { passive: true }), neighbor(CLIENT, { passive: true, client: true })], { clusterId: CLUSTER });
    const client = await startDaemon(clientNs!, CLIENT, [neighbor(PETREL, { passive: true }), neighbor(TWIN, { passive: false })]);
    const petrel = await startPetrel(petrelNs!, PETREL, {
      name: 'twin-reflector',
      routeReflectorClusterId: CLUSTER,
      peers: [petrelPeer('client', CLIENT, true), petrelPeer('twin', TWIN, false)],
    });

    await withLogs([twin, client], () => [petrel], async () => {
      const twoPaths = (r: readonly { prefix: string }[]) => r.filter((x) => x.prefix === CLIENT.prefix).length === 2;
      await petrel.waitRoutes(`${CLIENT.prefix} from the client and back from the twin`, twoPaths);
      const byPeer = new Map((await petrel.showRoutes(CLIENT.prefix)).map((r) => [r.peer, r]));
      expect(byPeer.get('client')).toMatchObject({ best: true, ineligible: null, nextHop: CLIENT.address, originatorId: null, clusterList: [] });
      expect(byPeer.get('twin')).toMatchObject({ best: false, ineligible: 'cluster-loop', nextHop: CLIENT.address, originatorId: CLIENT.routerId, clusterList: [CLUSTER] });

      // A non-client's route goes to the clients (RFC 4456 §8), with petrel's cluster prepended.
      const rib = await ribOf(client, `${TWIN.prefix} reflected by petrel`, (r) => r.some((x) => x.prefix === TWIN.prefix && x.fromNeighbor === PETREL.address));
      expect(rib.find((r) => r.prefix === TWIN.prefix && r.fromNeighbor === PETREL.address)).toMatchObject({
        nextHop: TWIN.address,
        communities: [TWIN.community],
        originatorId: TWIN.routerId,
        clusterList: [CLUSTER],
      });
      expect(rib.find((r) => r.prefix === TWIN.prefix && r.fromNeighbor === TWIN.address)?.originatorId).toBeUndefined();
    });
  });
});

describe('petrel reflects with ADD-PATH send (RFC 7911), as Calico\u2019s BIRD does with `add paths on`', () => {
  const CLUSTER = '244.0.0.1';
  const PETREL = speaker(1);
  /** Two nodes announcing the same service address (Calico advertises ECMP service IPs this way). */
  const ANNOUNCERS: readonly DaemonSpeaker[] = [
    { ...speaker(2), kind: 'gobgp' },
    { ...speaker(3), kind: 'frr' },
  ];
  const WITH_ADD_PATH: DaemonSpeaker = { ...speaker(4), kind: 'bird2' };
  const WITHOUT: DaemonSpeaker = { ...speaker(5), kind: 'bird2' };
  const SERVICE = '10.244.250.10/32';

  it('sends a receiver that negotiated ADD-PATH both paths of a prefix, and a receiver that did not only the best', async () => {
    const [petrelNs, ...nss] = await lanFor([PETREL, ...ANNOUNCERS, WITH_ADD_PATH, WITHOUT]);
    const daemons: Peer[] = [];
    for (const [i, a] of ANNOUNCERS.entries()) {
      daemons.push(await startDaemon(nss[i]!, a, [neighbor(PETREL, { passive: true })], { extra: [{ prefix: SERVICE, communities: [`${AS}:250`] }] }));
    }
    const receiver = await startDaemon(nss[2]!, WITH_ADD_PATH, [{ ...neighbor(PETREL, { passive: true }), addPath: 'receive' }]);
    const plain = await startDaemon(nss[3]!, WITHOUT, [neighbor(PETREL, { passive: true })]);
    daemons.push(receiver, plain);
    const petrel = await startPetrel(petrelNs!, PETREL, {
      name: 'reflector',
      routeReflectorClusterId: CLUSTER,
      peers: [...ANNOUNCERS, WITH_ADD_PATH, WITHOUT].map((s) => petrelPeer(`${s.kind}-${s.address.split('.')[3]!}`, s, true)),
    });

    await withLogs(daemons, () => [petrel], async () => {
      await petrel.waitRoutes('the service address from both announcers', (r) => r.filter((x) => x.prefix === SERVICE).length === 2);
      const both = await ribOf(receiver, `two paths for ${SERVICE}`, (r) => r.filter((x) => x.prefix === SERVICE && x.fromNeighbor === PETREL.address).length === 2);
      const hops = both.filter((r) => r.prefix === SERVICE).map((r) => r.nextHop).sort();
      expect(hops).toEqual(ANNOUNCERS.map((a) => a.address).sort());
      for (const r of both.filter((x) => x.prefix === SERVICE)) expect(r).toMatchObject({ clusterList: [CLUSTER] });

      const one = await ribOf(plain, `${SERVICE} once`, (r) => r.some((x) => x.prefix === SERVICE));
      expect(one.filter((r) => r.prefix === SERVICE)).toHaveLength(1);

      // One announcer withdraws (stops): the ADD-PATH receiver is left with the other path.
      await daemons[0]!.stop();
      const left = await ribOf(receiver, `one path for ${SERVICE} after ${ANNOUNCERS[0]!.kind} stops`, (r) => r.filter((x) => x.prefix === SERVICE).length === 1);
      expect(left.find((r) => r.prefix === SERVICE)?.nextHop).toBe(ANNOUNCERS[1]!.address);
    });
  });
});
