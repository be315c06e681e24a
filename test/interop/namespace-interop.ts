/**
 * The interop scenario for daemons that cannot peer over loopback (GoBGP treats a 127/8 next hop
 * as a withdrawal, FRR rejects it as martian): the daemon in one namespace, petrel's sockets made
 * in another (`NetNs.connect`/`NetNs.listen`), joined by a veth with IPv4 and IPv6 addresses.
 * One daemon carries four sessions: iBGP and eBGP, petrel dialling and answering, IPv4 and IPv6
 * transport, a four-octet AS on petrel's side.
 */
import { expect } from 'vitest';
import { createPeer, createTwoNamespaces, type TwoNamespaces } from '../peers/daemons.js';
import type { DaemonKind, Peer, PeerConfig, StaticRoute } from '../peers/peer.js';
import { pidAlive } from '../peers/process.js';
import {
  attribute, communityText, DAEMON_AS, daemonRoute, FOUR_OCTET_AS, ipv4Update, ipv6Update, namespaceConnector, PetrelSide, reportTimes,
  type SessionPlan,
} from './session-peers.js';

export type Cleanup = (step: () => Promise<void>) => void;

const DAEMON_V4 = '10.0.0.1';
const DAEMON_V6 = 'fd00::1';

export async function twoNamespaces(onCleanup: Cleanup, clientHosts: readonly string[]): Promise<TwoNamespaces> {
  const ns = await createTwoNamespaces({
    daemonAddresses: [`${DAEMON_V4}/24`, `${DAEMON_V6}/64`],
    clientAddresses: clientHosts.map((h) => (h.includes(':') ? `${h}/64` : `${h}/24`)),
  });
  onCleanup(() => ns.remove());
  return ns;
}

export async function petrelIn(ns: TwoNamespaces, plans: readonly SessionPlan[], onCleanup: Cleanup): Promise<PetrelSide> {
  const side = await PetrelSide.create({
    plans,
    daemonPort: 179,
    listenOn: (host) => ns.client.listen({ host, port: 0 }),
    connector: namespaceConnector(ns.client),
  });
  onCleanup(() => side.stop());
  return side;
}

export async function startDaemon(kind: DaemonKind, ns: TwoNamespaces, side: PetrelSide, routes: readonly StaticRoute[], onCleanup: Cleanup): Promise<Peer> {
  const config: PeerConfig = { routerId: '10.1.0.1', localAs: DAEMON_AS, neighbors: side.neighbors(), routes };
  const peer = createPeer(kind, ns.daemon, config);
  onCleanup(() => peer.stop());
  await peer.start();
  return peer;
}

export async function withLogs<T>(peer: Peer, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw new Error(`${String(err)}\n--- ${peer.kind} log ---\n${(await peer.logs()).slice(-8000)}`, { cause: err });
  }
}

const PLANS: readonly SessionPlan[] = [
  { label: 'ipv4 iBGP, petrel dials', petrelAddress: '10.0.0.2', daemonAddress: DAEMON_V4, petrelAs: DAEMON_AS, initiator: true },
  { label: 'ipv4 eBGP AS4200000001, daemon dials', petrelAddress: '10.0.0.3', daemonAddress: DAEMON_V4, petrelAs: FOUR_OCTET_AS, initiator: false },
  { label: 'ipv6 eBGP AS4200000001, petrel dials', petrelAddress: 'fd00::2', daemonAddress: DAEMON_V6, petrelAs: FOUR_OCTET_AS, initiator: true },
  { label: 'ipv6 iBGP, daemon dials', petrelAddress: 'fd00::3', daemonAddress: DAEMON_V6, petrelAs: DAEMON_AS, initiator: false },
];

const ROUTES: readonly StaticRoute[] = [
  { prefix: '10.20.0.0/24', nextHop: DAEMON_V4, communities: ['65001:7'], largeCommunities: ['65001:1:2'], med: 33 },
  { prefix: '2001:db8:20::/48', nextHop: DAEMON_V6, communities: ['65001:8'] },
];

/** The UPDATE petrel sends on each session, and the route the daemon must then hold. */
const SENT: Readonly<Record<string, { prefix: string; internal: boolean }>> = {
  'ipv4 iBGP, petrel dials': { prefix: '10.30.0.0/24', internal: true },
  'ipv4 eBGP AS4200000001, daemon dials': { prefix: '10.31.0.0/24', internal: false },
  'ipv6 eBGP AS4200000001, petrel dials': { prefix: '2001:db8:30::/48', internal: false },
  'ipv6 iBGP, daemon dials': { prefix: '2001:db8:31::/48', internal: true },
};

/**
 * Establishment both ways, routes both ways with their attributes, and recovery from SIGKILL of
 * the daemon's BGP process (the last PID the harness reports: bgpd for FRR).
 */
export async function sessionsAgainst(kind: DaemonKind, onCleanup: Cleanup): Promise<void> {
  const ns = await twoNamespaces(onCleanup, PLANS.map((p) => p.petrelAddress));
  const side = await petrelIn(ns, PLANS, onCleanup);
  const peer = await startDaemon(kind, ns, side, ROUTES, onCleanup);
  await withLogs(peer, async () => {
    side.startAll();
    await side.allEstablished();
    reportTimes(kind, side, 'start');
    for (const r of side.running) expect(await peer.sessionState(r.plan.petrelAddress)).toBe('Established');

    for (const r of side.running) {
      const internal = r.plan.petrelAs === DAEMON_AS;
      const v6 = r.plan.petrelAddress.includes(':');
      const u = await side.updateFor(r, v6 ? '2001:db8:20::/48' : '10.20.0.0/24');
      expect(attribute(u, 'as-path')?.segments.flatMap((s) => s.asns)).toEqual(internal ? [] : [DAEMON_AS]);
      expect(attribute(u, 'origin')?.origin).toBe('igp');
      if (v6) {
        expect(attribute(u, 'mp-reach')).toMatchObject({ afi: 2, safi: 1, nlri: [{ prefix: '2001:db8:20::/48' }] });
        expect(attribute(u, 'communities')?.communities.map(communityText)).toEqual(['65001:8']);
      } else {
        expect(attribute(u, 'communities')?.communities.map(communityText)).toEqual(['65001:7']);
        expect(attribute(u, 'large-communities')?.communities).toEqual([[65001, 1, 2]]);
        expect(attribute(u, 'med')?.med).toBe(33);
      }
      if (internal) expect(attribute(u, 'local-pref')?.localPref).toBe(100);
    }

    for (const r of side.running) {
      const { prefix, internal } = SENT[r.plan.label]!;
      const asPath = internal ? [] : [FOUR_OCTET_AS];
      side.sendUpdate(r, prefix.includes(':') ? ipv6Update(prefix, r.plan.petrelAddress, asPath, internal) : ipv4Update(prefix, r.plan.petrelAddress, asPath, internal));
    }
    for (const r of side.running) {
      const { prefix, internal } = SENT[r.plan.label]!;
      const route = await daemonRoute(peer, prefix, r.plan.petrelAddress);
      const v6 = prefix.includes(':');
      expect(route).toMatchObject({
        asPath: internal ? [] : [FOUR_OCTET_AS],
        med: v6 ? 60 : 50,
        communities: v6 ? ['65002:300'] : ['65002:100', '65002:200'],
        largeCommunities: [v6 ? `${FOUR_OCTET_AS}:9:10` : `${FOUR_OCTET_AS}:7:8`],
        ...(internal ? { localPref: v6 ? 210 : 200 } : {}),
      });
    }

    const downs = side.running.map((r) => new Promise<{ reason: string }>((resolve) => r.session.once('down', resolve)));
    const pid = peer.pids().at(-1)!;
    process.kill(pid, 'SIGKILL');
    const reasons = await Promise.all(downs);
    expect(reasons.map((d) => d.reason)).toEqual(side.running.map(() => 'connection-lost'));
    await peer.stop();
    expect(pidAlive(pid)).toBe(false);
    for (const r of side.running) r.startedAt = performance.now();
    await peer.start();
    await side.allEstablished(30_000);
    reportTimes(kind, side, 'after SIGKILL and restart');
  });
}
