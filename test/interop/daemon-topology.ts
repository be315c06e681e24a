/**
 * Where `petrel run` meets a real daemon (SPEC §4): BIRD over the host's loopback (a private
 * 127.0.N.0/24 trio of addresses, both sides on free high ports), GoBGP and FRR in a namespace
 * of their own with petrel in a second one, joined by a veth (10.0.0.0/24 and fd00::/64, port
 * 179 on both sides: the namespaces are private). One description of the session — who dials,
 * which ASes — gives both the daemon's config and petrel's.
 */
import { createPeer, createTwoNamespaces } from '../peers/daemons.js';
import { connectVeth, NetNs } from '../peers/netns.js';
import type { AddressFamily, DaemonKind, NeighborConfig, Peer, StaticRoute } from '../peers/peer.js';
import { freePort, type PetrelNode } from './petrel-process.js';

export const DAEMON_AS = 65001;
export const FOUR_OCTET_AS = 4200000001;
export const DAEMON_ROUTER_ID = '10.1.0.1';
/** Both sides offer this hold time, so the negotiated one is known (RFC 4271 §4.2: the smaller). */
export const HOLD_TIME_SEC = 90;
/** The daemon's connect delay and retry towards petrel, so sessions it dials come up at once. */
const DAEMON_CONNECT_RETRY_SEC = 1;

export type Cleanup = (step: () => Promise<void>) => void;

export interface SessionShape {
  /** petrel's AS; the daemon is always DAEMON_AS, so equal means iBGP. */
  readonly petrelAs: number;
  /** petrel dials and the daemon is passive, or the other way round. */
  readonly petrelActive: boolean;
  readonly families: readonly AddressFamily[];
  /** RFC 4724 on both sides with this restart time (default: off on both). */
  readonly gracefulRestartSec?: number;
}

export interface Placement {
  /** Where `petrel run` runs. */
  readonly petrelNs: NetNs;
  readonly daemonNs: NetNs;
  readonly petrelAddress: string;
  readonly daemonAddress: string;
  readonly petrelPort: number;
  readonly daemonPort: number;
  /** Loopback peering needs multihop in BIRD (no `direct` neighbor on lo). */
  readonly multihop: boolean;
  /** The global IPv6 next hop the daemon announces over the IPv4 session (RFC 4760 §3). */
  readonly ipv6NextHop: string;
}

/** BIRD on the host loopback: daemon at 127.0.N.1, petrel at 127.0.N.2, both on free ports. */
export async function loopbackPlacement(subnet: number): Promise<Placement> {
  const daemonAddress = `127.0.${subnet}.1`;
  const petrelAddress = `127.0.${subnet}.2`;
  const host = NetNs.host();
  return {
    petrelNs: host,
    daemonNs: host,
    petrelAddress,
    daemonAddress,
    petrelPort: await freePort(petrelAddress),
    daemonPort: await freePort(daemonAddress),
    multihop: true,
    // BIRD never announces the neighbor's own address as next hop; any other global one will do.
    ipv6NextHop: '2001:db8:ff::1',
  };
}

/**
 * petrel and the daemon in two subnets with a router namespace between them (10.0.1.2 — router
 * — 10.0.2.1): one hop apart, so a session is multihop and every packet's TTL is one lower on
 * arrival (multihop BFD, RFC 5883).
 */
export async function routedPlacement(onCleanup: Cleanup): Promise<Placement> {
  const created: NetNs[] = [];
  onCleanup(async () => {
    for (const ns of created.reverse()) await ns.remove();
  });
  for (let i = 0; i < 3; i++) created.push(await NetNs.create());
  const [petrelNs, router, daemonNs] = created as [NetNs, NetNs, NetNs];
  await connectVeth({ ns: petrelNs, ifname: 'eth0', addresses: ['10.0.1.2/24'] }, { ns: router, ifname: 'to-petrel', addresses: ['10.0.1.254/24'] });
  await connectVeth({ ns: daemonNs, ifname: 'eth0', addresses: ['10.0.2.1/24'] }, { ns: router, ifname: 'to-daemon', addresses: ['10.0.2.254/24'] });
  await router.execOk('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
  await petrelNs.ip('route', 'add', 'default', 'via', '10.0.1.254');
  await daemonNs.ip('route', 'add', 'default', 'via', '10.0.2.254');
  return {
    petrelNs,
    daemonNs,
    petrelAddress: '10.0.1.2',
    daemonAddress: '10.0.2.1',
    petrelPort: 179,
    daemonPort: 179,
    multihop: true,
    ipv6NextHop: '2001:db8:ff::1',
  };
}

/** GoBGP and FRR: the daemon and petrel each in a namespace of their own, joined by a veth. */
export async function namespacePlacement(onCleanup: Cleanup): Promise<Placement> {
  const ns = await createTwoNamespaces({ daemonAddresses: ['10.0.0.1/24', 'fd00::1/64'], clientAddresses: ['10.0.0.2/24', 'fd00::2/64'] });
  onCleanup(() => ns.remove());
  return {
    petrelNs: ns.client,
    daemonNs: ns.daemon,
    petrelAddress: '10.0.0.2',
    daemonAddress: '10.0.0.1',
    petrelPort: 179,
    daemonPort: 179,
    multihop: false,
    ipv6NextHop: 'fd00::1',
  };
}

export function placementFor(kind: DaemonKind, onCleanup: Cleanup, subnet: number): Promise<Placement> {
  return kind === 'bird2' || kind === 'bird16' ? loopbackPlacement(subnet) : namespacePlacement(onCleanup);
}

/** The daemon, configured with petrel as its one neighbor, started. */
export async function startDaemon(
  kind: DaemonKind,
  at: Placement,
  shape: SessionShape,
  routes: readonly StaticRoute[],
  onCleanup: Cleanup,
  options: { readonly restarting?: boolean; readonly bfd?: NeighborConfig['bfd'] } = {},
): Promise<Peer> {
  const loopback = at.daemonNs.isHost;
  const peer = createPeer(kind, at.daemonNs, {
    routerId: DAEMON_ROUTER_ID,
    localAs: DAEMON_AS,
    ...(options.restarting === true ? { restarting: true } : {}),
    ...(loopback ? { listenPort: at.daemonPort, listenAddress: at.daemonAddress } : {}),
    neighbors: [
      {
        address: at.petrelAddress,
        remoteAs: shape.petrelAs,
        localAddress: at.daemonAddress,
        passive: shape.petrelActive,
        ...(shape.petrelActive ? {} : { port: at.petrelPort }),
        ...(at.multihop ? { multihop: true } : {}),
        connectRetrySec: DAEMON_CONNECT_RETRY_SEC,
        holdTimeSec: HOLD_TIME_SEC,
        families: shape.families,
        ...(shape.gracefulRestartSec === undefined ? {} : { gracefulRestart: { restartTimeSec: shape.gracefulRestartSec } }),
        ...(options.bfd === undefined ? {} : { bfd: options.bfd }),
      },
    ],
    routes,
  });
  onCleanup(() => peer.stop());
  await peer.start();
  return peer;
}

export interface PetrelNodeOptions {
  readonly name: string;
  readonly block: string;
  readonly pools: PetrelNode['pools'];
  /** The daemon's name in petrel's config, as `show` prints it. */
  readonly peerName: string;
}

/** petrel's config for the same session: a node with one block and the daemon as its one peer. */
export function petrelNodeFor(at: Placement, shape: SessionShape, o: PetrelNodeOptions): PetrelNode {
  return {
    name: o.name,
    asNumber: shape.petrelAs,
    ipv4Address: `${at.petrelAddress}/24`,
    listen: { address: at.petrelAddress, port: at.petrelPort },
    pools: o.pools,
    blocks: [o.block],
    peers: [
      {
        name: o.peerName,
        address: at.daemonAddress,
        port: at.daemonPort,
        asNumber: DAEMON_AS,
        passive: !shape.petrelActive,
        sourceAddress: at.petrelAddress,
        holdTimeSec: HOLD_TIME_SEC,
        families: shape.families,
        // Without graceful restart, a lost session withdraws the peer's routes at once (RFC 4271
        // §8.2.2); with it, petrel rightly keeps them stale for the restart time.
        gracefulRestart:
          shape.gracefulRestartSec === undefined ? { enabled: false } : { enabled: true, restartTimeSec: shape.gracefulRestartSec },
      },
    ],
  };
}

/** The daemon's own log lines saying it received Cease / Administrative Shutdown (RFC 4486 §4, 6/2). */
export const ADMIN_SHUTDOWN_RECEIVED: Readonly<Record<DaemonKind, RegExp>> = {
  bird2: /Received: Administrative shutdown/,
  bird16: /Received: Administrative shutdown/,
  gobgp: /Peer Down.*Reason="notification-received code 6\(cease\) subcode 2\(administrative shutdown\)"/,
  frr: /NOTIFICATION: received from neighbor \S+ 6\/2 \(Cease\/Administrative Shutdown\)/,
};
