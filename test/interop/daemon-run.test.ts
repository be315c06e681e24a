/**
 * `petrel run` end to end against the real daemons (SPEC §4): BIRD 2 and 1.6 over the host's
 * loopback, GoBGP and FRR in namespaces. petrel runs as a Calico node — one /26 block in a pool —
 * with the daemon as its ToR-like peer, over iBGP with petrel dialling and over eBGP with
 * petrel's four-octet AS 4200000001 (RFC 6793) and the daemon dialling. Each case checks what an
 * operator and the peer see: `petrel show peers --json` (SPEC §2 fields), the block in the
 * daemon's RIB, the daemon's routes in `petrel show routes --json` with their attributes (and an
 * IPv6 route over the IPv4 session, RFC 4760, where the daemon runs both families in one
 * process), SIGKILL of the daemon (routes withdrawn, session back after a restart), and SIGTERM
 * of petrel (the daemon records Cease / Administrative Shutdown, RFC 4486 §4).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RouteView } from '../../src/daemon/views.js';
import type { DaemonKind, Peer, PeerRoute, StaticRoute } from '../peers/peer.js';
import { pidAlive, waitFor } from '../peers/process.js';
import {
  ADMIN_SHUTDOWN_RECEIVED, DAEMON_AS, DAEMON_ROUTER_ID, FOUR_OCTET_AS, HOLD_TIME_SEC, petrelNodeFor, placementFor, startDaemon, type Placement,
  type SessionShape,
} from './daemon-topology.js';
import { PetrelProcess } from './petrel-process.js';

let cleanups: (() => Promise<void>)[] = [];
const onCleanup = (step: () => Promise<void>): void => void cleanups.push(step);
afterEach(async () => {
  for (const step of cleanups.reverse()) await step();
  cleanups = [];
});

const PEER_NAME = 'tor';
const POOL = '10.244.0.0/16';
const POOL_V6 = '2001:db8:244::/48';
const POOL_ROUTE = '10.244.200.0/24';
const DEFAULT_ROUTE = '0.0.0.0/0';
const V6_ROUTE = '2001:db8:244:100::/56';

interface Case {
  readonly label: string;
  readonly shape: SessionShape;
}

const CASES: readonly Case[] = [
  { label: 'iBGP, petrel dials', shape: { petrelAs: DAEMON_AS, petrelActive: true, families: ['ipv4-unicast'] } },
  { label: 'eBGP from AS 4200000001, the daemon dials', shape: { petrelAs: FOUR_OCTET_AS, petrelActive: false, families: ['ipv4-unicast'] } },
];

const ORIGINATED_LOCAL_PREF = 150;

/**
 * BIRD 1.6 carries IPv6 in a separate daemon (bird6): no IPv6 route over its IPv4 session. It
 * also builds fresh BGP attributes for a route that did not come from BGP and puts its
 * `default bgp_local_pref` (100) into them, over what the static route's filter set.
 */
const DAEMONS: readonly { kind: DaemonKind; subnet: number; ipv6: boolean; sentLocalPref: number }[] = [
  { kind: 'bird2', subnet: 3, ipv6: true, sentLocalPref: ORIGINATED_LOCAL_PREF },
  { kind: 'bird16', subnet: 4, ipv6: false, sentLocalPref: 100 },
  { kind: 'gobgp', subnet: 0, ipv6: true, sentLocalPref: ORIGINATED_LOCAL_PREF },
  { kind: 'frr', subnet: 0, ipv6: true, sentLocalPref: ORIGINATED_LOCAL_PREF },
];

/** What the daemon originates: a route inside the pool with every attribute to carry, a default route outside every pool, and maybe an IPv6 one. */
function daemonRoutes(internal: boolean, withV6: boolean, at: Placement): StaticRoute[] {
  return [
    { prefix: POOL_ROUTE, communities: ['65001:7'], largeCommunities: ['65001:1:2'], med: 33, ...(internal ? { localPref: ORIGINATED_LOCAL_PREF } : {}) },
    { prefix: DEFAULT_ROUTE },
    ...(withV6 ? [{ prefix: V6_ROUTE, nextHop: at.ipv6NextHop, communities: ['65001:8'], largeCommunities: ['65001:3:4'], med: 44 }] : []),
  ];
}

async function withLogs<T>(peer: Peer, petrel: PetrelProcess | undefined, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const petrelLog = petrel ? `\n--- petrel log ---\n${petrel.log.slice(-6000)}` : '';
    throw new Error(`${String(err)}\n--- ${peer.kind} log ---\n${(await peer.logs()).slice(-6000)}${petrelLog}`, { cause: err });
  }
}

/** Polls the daemon's RIB until it holds `prefix` learned from `neighbor`. */
function daemonRoute(peer: Peer, prefix: string, neighbor: string): Promise<PeerRoute> {
  return waitFor(async () => (await peer.routes()).find((r) => r.prefix === prefix && r.fromNeighbor === neighbor), {
    timeoutMs: 15_000,
    intervalMs: 150,
    what: `${peer.kind} to hold ${prefix} from ${neighbor}`,
  });
}

const fromTor = (routes: readonly RouteView[]): RouteView[] => routes.filter((r) => r.peer === PEER_NAME);

describe.each(DAEMONS)('petrel run against $kind', ({ kind, subnet, ipv6, sentLocalPref }) => {
  it.each(CASES)('$label', async ({ label, shape }) => {
    const internal = shape.petrelAs === DAEMON_AS;
    const withV6 = ipv6 && internal;
    const families = withV6 ? (['ipv4-unicast', 'ipv6-unicast'] as const) : shape.families;
    const session: SessionShape = { ...shape, families };
    const at = await placementFor(kind, onCleanup, subnet);
    const block = `10.244.${subnet + 10}.0/26`;
    const peer = await startDaemon(kind, at, session, daemonRoutes(internal, withV6, at), onCleanup);
    const node = petrelNodeFor(at, session, {
      name: `node-${kind}`,
      block,
      pools: [{ cidr: POOL }, ...(withV6 ? [{ cidr: POOL_V6 }] : [])],
      peerName: PEER_NAME,
    });
    let petrel: PetrelProcess | undefined;
    await withLogs(peer, undefined, async () => {
      petrel = await PetrelProcess.start(at.petrelNs, node);
    });
    const run = petrel!;
    onCleanup(() => run.stop());

    await withLogs(peer, run, async () => {
      const up = await run.waitPeerState(PEER_NAME, 'Established');
      console.log(
        `[interop] petrel run vs ${kind} (${label}): control socket ${run.readyAtMs - run.spawnedAtMs} ms, ` +
          `Established ${Date.parse(up.since) - run.spawnedAtMs} ms after spawn`,
      );
      const expected = [POOL_ROUTE, DEFAULT_ROUTE, ...(withV6 ? [V6_ROUTE] : [])];
      await run.waitRoutes(`${expected.join(', ')} from ${PEER_NAME}`, (routes) => expected.every((p) => fromTor(routes).some((r) => r.prefix === p)));

      // (1) show peers --json: the SPEC §2 fields, as the CLI prints them. An eBGP daemon may
      // send petrel's own block back; petrel keeps it, flagged as an AS loop (RFC 4271 §9.1.2),
      // so it counts as received but not accepted.
      const [shown] = (await run.showPeers()).filter((p) => p.name === PEER_NAME);
      const echoed = fromTor(await run.routes()).filter((r) => r.ineligible !== null);
      expect(echoed.map((r) => [r.prefix, r.ineligible])).toEqual(echoed.map(() => [block, 'as-loop']));
      if (internal) expect(echoed).toEqual([]);
      expect(shown).toMatchObject({
        name: PEER_NAME,
        address: at.daemonAddress,
        asNumber: DAEMON_AS,
        state: 'Established',
        holdTimeSec: HOLD_TIME_SEC,
        routerId: DAEMON_ROUTER_ID,
        prefixesReceived: expected.length + echoed.length,
        prefixesAccepted: expected.length,
        prefixesAdvertised: 1,
      });
      expect(new Date(shown!.since).toISOString()).toBe(shown!.since);

      // (2) The daemon's RIB: petrel's block, next hop petrel's address, petrel's AS on eBGP; over
      // iBGP the LOCAL_PREF a Calico v3.32 BIRD node sends for a block, 2^31-1 − 1024 (CALICO.md §1.3).
      const held = await daemonRoute(peer, block, at.petrelAddress);
      expect(held).toMatchObject({ nextHop: at.petrelAddress, asPath: internal ? [] : [FOUR_OCTET_AS], ...(internal ? { localPref: 2147482623 } : {}) });

      // (3) show routes --json: the daemon's routes with their attributes, under the peer's name.
      const routes = await run.showRoutes();
      const byPrefix = (p: string) => fromTor(routes).find((r) => r.prefix === p);
      expect(byPrefix(POOL_ROUTE)).toMatchObject({
        nextHop: at.daemonAddress,
        peer: PEER_NAME,
        peerAddress: at.daemonAddress,
        best: true,
        asPath: internal ? [] : [DAEMON_AS],
        origin: 'igp',
        communities: ['65001:7'],
        largeCommunities: ['65001:1:2'],
        ...(internal ? { localPref: sentLocalPref, med: 33 } : {}),
      });
      expect(byPrefix(DEFAULT_ROUTE)).toMatchObject({ peer: PEER_NAME, best: true, asPath: internal ? [] : [DAEMON_AS] });
      if (withV6) {
        expect(byPrefix(V6_ROUTE)).toMatchObject({
          peer: PEER_NAME,
          best: true,
          nextHop: at.ipv6NextHop,
          communities: ['65001:8'],
          largeCommunities: ['65001:3:4'],
          med: 44,
        });
      }
      expect(routes.find((r) => r.prefix === block && r.peer === 'local')).toMatchObject({ best: true, asPath: [], origin: 'igp' });

      // (4) SIGKILL of the daemon: no NOTIFICATION, the connection just dies; petrel drops the
      // routes it learned, and dials (or answers) again once the daemon is back.
      const pid = peer.pids().at(-1)!;
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      await run.waitRoutes(`no routes from ${PEER_NAME}`, (r) => fromTor(r).length === 0);
      const withdrawnMs = Date.now() - killedAt;
      expect((await run.peer(PEER_NAME)).state).not.toBe('Established');
      await peer.stop();
      expect(pidAlive(pid)).toBe(false);
      const restartedAt = Date.now();
      await peer.start();
      const again = await run.waitPeerState(PEER_NAME, 'Established', 30_000);
      await run.waitRoutes(`${PEER_NAME}'s routes back`, (r) => expected.every((p) => fromTor(r).some((x) => x.prefix === p)));
      await daemonRoute(peer, block, at.petrelAddress);
      console.log(
        `[interop] petrel run vs ${kind} (${label}): routes withdrawn ${withdrawnMs} ms after SIGKILL, ` +
          `Established again ${Date.parse(again.since) - restartedAt} ms after the daemon restarted`,
      );

      // (5) SIGTERM of petrel: Cease / Administrative Shutdown reaches the daemon.
      await run.process.stop(10_000);
      expect(run.log).toMatch(/"msg":"petrel stopped"/);
      const ceaseLine = await waitFor(async () => (await peer.logs()).split('\n').find((l) => ADMIN_SHUTDOWN_RECEIVED[kind].test(l)), {
        timeoutMs: 10_000,
        what: `${kind} to log Cease / Administrative Shutdown`,
      });
      console.log(`[interop] petrel run vs ${kind} (${label}): after SIGTERM the daemon logged: ${ceaseLine.trim()}`);
      expect(await peer.sessionState(at.petrelAddress)).not.toBe('Established');
    });
  });
});
