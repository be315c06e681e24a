/**
 * petrel Sessions against BIRD 2 and BIRD 1.6 over the host's loopback (127.0.0.0/8 and ::1;
 * BIRD listens on a free high port bound to its loopback address, never on 179): iBGP and eBGP,
 * petrel dialling and answering, a four-octet AS, routes both ways with their attributes, the
 * daemon killed and brought back, and TCP MD5 (RFC 2385) with BIRD 2.
 */
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createPeer } from '../peers/daemons.js';
import { NetNs } from '../peers/netns.js';
import type { Peer, PeerConfig, StaticRoute } from '../peers/peer.js';
import { pidAlive } from '../peers/process.js';
import {
  attribute, communityText, DAEMON_AS, daemonRoute, FOUR_OCTET_AS, ipv4Update, ipv6Update, PetrelSide, reportTimes, type SessionPlan,
} from './session-peers.js';
import { freePort } from '../peers/ports.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step();
  cleanups = [];
});

/** A listening server on the host loopback, made as `BgpListener.listen` makes its own. */
async function hostListen(host: string): Promise<net.Server> {
  const server = net.createServer({ pauseOnConnect: true });
  server.listen({ host, port: 0, ipv6Only: net.isIPv6(host) });
  await once(server, 'listening');
  return server;
}

async function startBird(kind: 'bird2' | 'bird16', side: PetrelSide, daemonAddress: string, port: number, routes: StaticRoute[]): Promise<Peer> {
  const config: PeerConfig = {
    routerId: '10.1.0.1',
    localAs: DAEMON_AS,
    listenPort: port,
    listenAddress: daemonAddress,
    // BIRD accepts no `direct` neighbor on the loopback: multihop, resolving next hops via lo.
    neighbors: side.neighbors({ multihop: true }),
    routes,
  };
  const peer = createPeer(kind, NetNs.host(), config);
  cleanups.push(() => peer.stop());
  await peer.start();
  return peer;
}

async function withLogs<T>(peer: Peer, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw new Error(`${String(err)}\n--- ${peer.kind} log ---\n${(await peer.logs()).slice(-6000)}`, { cause: err });
  }
}

const V4_ROUTE: StaticRoute = { prefix: '10.20.0.0/24', communities: ['65001:7'], largeCommunities: ['65001:1:2'], med: 33 };
// BIRD never announces a next hop equal to the neighbor's address, and over ::1 both ends share it.
const V6_ROUTE: StaticRoute = { prefix: '2001:db8:20::/48', nextHop: '2001:db8:ff::1', communities: ['65001:8'] };

describe.each([
  { kind: 'bird2' as const, net: '127.0.0', ipv6: true },
  { kind: 'bird16' as const, net: '127.0.1', ipv6: false },
])('$kind over loopback', ({ kind, net: prefix, ipv6 }) => {
  it('establishes iBGP and eBGP sessions both ways, exchanges routes, and recovers from SIGKILL', async () => {
    const daemonAddress = `${prefix}.101`;
    const plans: SessionPlan[] = [
      { label: 'ipv4 iBGP, petrel dials', petrelAddress: `${prefix}.102`, daemonAddress, petrelAs: DAEMON_AS, initiator: true },
      { label: 'ipv4 eBGP AS4200000001, BIRD dials', petrelAddress: `${prefix}.103`, daemonAddress, petrelAs: FOUR_OCTET_AS, initiator: false },
      ...(ipv6 ? [{ label: 'ipv6 eBGP AS4200000001, petrel dials', petrelAddress: '::1', daemonAddress: '::1', petrelAs: FOUR_OCTET_AS, initiator: true }] : []),
    ];
    const port = await freePort(daemonAddress);
    const side = await PetrelSide.create({ plans, daemonPort: port, listenOn: hostListen });
    cleanups.push(() => side.stop());
    const peer = await startBird(kind, side, daemonAddress, port, ipv6 ? [V4_ROUTE, V6_ROUTE] : [V4_ROUTE]);

    await withLogs(peer, async () => {
      side.startAll();
      await side.allEstablished();
      reportTimes(kind, side, 'start');
      for (const r of side.running) expect(await peer.sessionState(r.plan.petrelAddress)).toBe('Established');

      // The daemon's route, decoded with the negotiated receive context. (BIRD has no IPv4
      // next hop to announce over an IPv6 session, so IPv4 routes go over IPv4 sessions.)
      for (const r of side.running.filter((x) => !x.plan.petrelAddress.includes(':'))) {
        const u = await side.updateFor(r, '10.20.0.0/24');
        const internal = r.plan.petrelAs === DAEMON_AS;
        expect(attribute(u, 'as-path')?.segments.flatMap((s) => s.asns)).toEqual(internal ? [] : [DAEMON_AS]);
        expect(attribute(u, 'communities')?.communities.map(communityText)).toEqual(['65001:7']);
        expect(attribute(u, 'large-communities')?.communities).toEqual([[65001, 1, 2]]);
        expect(attribute(u, 'origin')?.origin).toBe('igp');
        if (internal) expect(attribute(u, 'med')?.med).toBe(33);
        expect(r.session.info().negotiated?.fourOctetAs).toBe(true);
      }
      if (ipv6) {
        const r = side.get('ipv6 eBGP AS4200000001, petrel dials');
        const u = await side.updateFor(r, '2001:db8:20::/48');
        expect(attribute(u, 'mp-reach')).toMatchObject({ afi: 2, safi: 1, nlri: [{ prefix: '2001:db8:20::/48' }] });
        expect(attribute(u, 'communities')?.communities.map(communityText)).toEqual(['65001:8']);
      }

      // petrel's UPDATEs arrive in BIRD's RIB with their attributes intact.
      const ibgp = side.get('ipv4 iBGP, petrel dials');
      side.sendUpdate(ibgp, ipv4Update('10.30.0.0/24', ibgp.plan.petrelAddress, [], true));
      const ebgp = side.get('ipv4 eBGP AS4200000001, BIRD dials');
      side.sendUpdate(ebgp, ipv4Update('10.31.0.0/24', ebgp.plan.petrelAddress, [FOUR_OCTET_AS], false));
      const fromIbgp = await daemonRoute(peer, '10.30.0.0/24', ibgp.plan.petrelAddress);
      expect(fromIbgp).toMatchObject({ asPath: [], med: 50, localPref: 200, communities: ['65002:100', '65002:200'], largeCommunities: [`${FOUR_OCTET_AS}:7:8`] });
      const fromEbgp = await daemonRoute(peer, '10.31.0.0/24', ebgp.plan.petrelAddress);
      expect(fromEbgp).toMatchObject({ asPath: [FOUR_OCTET_AS], med: 50, communities: ['65002:100', '65002:200'], largeCommunities: [`${FOUR_OCTET_AS}:7:8`] });
      if (ipv6) {
        const v6 = side.get('ipv6 eBGP AS4200000001, petrel dials');
        side.sendUpdate(v6, ipv6Update('2001:db8:30::/48', '::1', [FOUR_OCTET_AS], false));
        const route = await daemonRoute(peer, '2001:db8:30::/48', '::1');
        expect(route).toMatchObject({ asPath: [FOUR_OCTET_AS], med: 60, communities: ['65002:300'], largeCommunities: [`${FOUR_OCTET_AS}:9:10`] });
      }

      // SIGKILL: no NOTIFICATION, the connections just die; petrel retries with backoff.
      const downs = side.running.map((r) => new Promise((resolve) => r.session.once('down', resolve)));
      const [pid] = peer.pids();
      process.kill(pid!, 'SIGKILL');
      const reasons = (await Promise.all(downs)) as { reason: string }[];
      expect(reasons.map((d) => d.reason)).toEqual(side.running.map(() => 'connection-lost'));
      await peer.stop();
      expect(pidAlive(pid!)).toBe(false);
      for (const r of side.running) r.startedAt = performance.now();
      await peer.start();
      await side.allEstablished();
      reportTimes(kind, side, 'after SIGKILL and restart');
    });
  });
});

describe('bird16 IPv6 (bird6) over ::1', () => {
  // One-way routes: with both ends on ::1, bird6 would have to announce the neighbor's own
  // address as next hop, which it refuses ("Invalid NEXT_HOP"), and 1.6 cannot set another.
  it('establishes an eBGP session BIRD dials and takes petrel\'s IPv6 route', async () => {
    const plans: SessionPlan[] = [
      { label: 'ipv6 eBGP AS4200000001, BIRD dials', petrelAddress: '::1', daemonAddress: '::1', petrelAs: FOUR_OCTET_AS, initiator: false },
    ];
    const port = await freePort('::1');
    const side = await PetrelSide.create({ plans, daemonPort: port, listenOn: hostListen });
    cleanups.push(() => side.stop());
    const peer = await startBird('bird16', side, '::1', port, []);
    await withLogs(peer, async () => {
      side.startAll();
      await side.allEstablished();
      reportTimes('bird16 (bird6)', side, 'start');
      const [r] = side.running;
      expect(r!.session.info().negotiated).toMatchObject({ peerAs: DAEMON_AS, fourOctetAs: true, families: ['ipv6-unicast'] });
      side.sendUpdate(r!, ipv6Update('2001:db8:30::/48', '::1', [FOUR_OCTET_AS], false));
      const route = await daemonRoute(peer, '2001:db8:30::/48', '::1');
      expect(route).toMatchObject({ asPath: [FOUR_OCTET_AS], med: 60, communities: ['65002:300'], largeCommunities: [`${FOUR_OCTET_AS}:9:10`] });
    });
  });
});

describe('bird2 with TCP MD5 (RFC 2385) and an IPv6 session petrel answers', () => {
  it('comes up with the right key only; a wrong or missing key stays down', async () => {
    const daemonAddress = '127.0.2.101';
    const plans: SessionPlan[] = [
      { label: 'right key, petrel dials', petrelAddress: '127.0.2.102', daemonAddress, petrelAs: DAEMON_AS, initiator: true, md5Key: 'petrel-md5', daemonPassword: 'petrel-md5' },
      { label: 'right key, BIRD dials', petrelAddress: '127.0.2.103', daemonAddress, petrelAs: FOUR_OCTET_AS, initiator: false, md5Key: 'petrel-md5', daemonPassword: 'petrel-md5' },
      { label: 'wrong key, petrel dials', petrelAddress: '127.0.2.104', daemonAddress, petrelAs: DAEMON_AS, initiator: true, md5Key: 'not-the-key', daemonPassword: 'petrel-md5' },
      { label: 'no key, petrel dials', petrelAddress: '127.0.2.105', daemonAddress, petrelAs: DAEMON_AS, initiator: true, daemonPassword: 'petrel-md5' },
      { label: 'wrong key, BIRD dials', petrelAddress: '127.0.2.106', daemonAddress, petrelAs: FOUR_OCTET_AS, initiator: false, md5Key: 'not-the-key', daemonPassword: 'petrel-md5' },
      { label: 'ipv6 iBGP, BIRD dials', petrelAddress: '::1', daemonAddress: '::1', petrelAs: DAEMON_AS, initiator: false },
    ];
    const port = await freePort(daemonAddress);
    const side = await PetrelSide.create({ plans, daemonPort: port, listenOn: hostListen });
    cleanups.push(() => side.stop());
    const peer = await startBird('bird2', side, daemonAddress, port, [V4_ROUTE]);
    await withLogs(peer, async () => {
      side.startAll();
      const up = ['right key, petrel dials', 'right key, BIRD dials', 'ipv6 iBGP, BIRD dials'].map((l) => side.get(l));
      await Promise.all(up.map((r) => side.established(r)));
      for (const r of up) console.log(`[interop] bird2 md5 ${r.plan.label}: Established after ${r.establishedAfterMs} ms`);
      // Each dialling session has had at least one attempt go unanswered (its SYNs dropped).
      const down = ['wrong key, petrel dials', 'no key, petrel dials'].map((l) => side.get(l));
      await Promise.all(
        down.map(async (r) => {
          // Two connect retry times: the attempts are dropped, not refused.
          await side.established(r, 2500).then(
            () => expect.fail(`${r.plan.label} came up`),
            () => undefined,
          );
          expect(r.session.info().lastError).toMatch(/^connect: no answer/);
          expect(await peer.sessionState(r.plan.petrelAddress)).not.toBe('Established');
        }),
      );
      const bad = side.get('wrong key, BIRD dials');
      expect(bad.session.info().state).toBe('Active');
      expect(await peer.sessionState(bad.plan.petrelAddress)).not.toBe('Established');
    });
  });
});
