/**
 * petrel Sessions against the real daemons of test/peers: a plan per session (addresses, AS,
 * who dials, MD5 key), the daemon neighbor each plan needs, the listener for the sessions where
 * petrel is the responder, and waiting helpers. Used by the sessions-*.test.ts interop files.
 *
 * Sockets: BIRD peers over the host's loopback, so its sessions use petrel's own path (native
 * `connectTcp`, `BgpListener.listen`). GoBGP and FRR run in a namespace; their sessions get
 * sockets made inside the client namespace (`NetNs.connect`/`NetNs.listen`), which the Session
 * and the listener then use exactly like their own.
 */
import type net from 'node:net';
import { encodeMessage } from '../../src/bgp/index.js';
import type { AfiSafiName, PathAttribute, UpdateMessage } from '../../src/bgp/types.js';
import { BgpListener } from '../../src/fsm/listener.js';
import type { LocalSpeaker } from '../../src/fsm/open.js';
import { sessionConfig } from '../../src/fsm/session-config.js';
import { Session, type Connector, type SessionLogger } from '../../src/fsm/session.js';
import type { NetNs } from '../peers/netns.js';
import type { NeighborConfig, Peer, PeerRoute } from '../peers/peer.js';
import { waitFor } from '../peers/process.js';

export const DAEMON_AS = 65001;
export const FOUR_OCTET_AS = 4200000001;
/** The daemon's connect delay/retry towards petrel, so responder sessions come up quickly. */
export const DAEMON_CONNECT_RETRY_SEC = 1;

export interface SessionPlan {
  readonly label: string;
  readonly petrelAddress: string;
  readonly daemonAddress: string;
  readonly petrelAs: number;
  /** petrel dials (the daemon is passive); otherwise the daemon dials petrel's listener. */
  readonly initiator: boolean;
  /** petrel's MD5 key (dialling, or on its listener). */
  readonly md5Key?: string;
  /** The daemon's MD5 key for this neighbor. */
  readonly daemonPassword?: string;
  /** petrel's DelayOpenTime (RFC 4271 §8.1.1); absent: OPEN at once. */
  readonly delayOpenSec?: number;
  /** The daemon's, where it has one (FRR `timers delayopen`). */
  readonly daemonDelayOpenSec?: number;
}

export interface RunningSession {
  readonly plan: SessionPlan;
  readonly session: Session;
  readonly updates: UpdateMessage[];
  startedAt: number;
  /** Milliseconds from start() to Established, once reached. */
  establishedAfterMs?: number;
}

/** The daemon's neighbor for a plan: passive when petrel dials, else dialling petrel's listener port. */
export function neighborFor(plan: SessionPlan, listenPorts: ReadonlyMap<string, number>): NeighborConfig {
  const port = listenPorts.get(plan.petrelAddress);
  if (!plan.initiator && port === undefined) throw new Error(`no listener for ${plan.petrelAddress}`);
  return {
    address: plan.petrelAddress,
    remoteAs: plan.petrelAs,
    localAddress: plan.daemonAddress,
    passive: plan.initiator,
    connectRetrySec: DAEMON_CONNECT_RETRY_SEC,
    ...(plan.initiator ? {} : { port: port! }),
    ...(plan.daemonPassword === undefined ? {} : { password: plan.daemonPassword }),
    ...(plan.daemonDelayOpenSec === undefined ? {} : { delayOpenSec: plan.daemonDelayOpenSec }),
  };
}

/** A connector that dials from inside a namespace (no MD5/TTL there: the helper makes plain sockets). */
export function namespaceConnector(ns: NetNs): Connector {
  return (req) =>
    ns.connect({
      host: req.remoteAddress,
      port: req.remotePort,
      ...(req.localAddress === undefined ? {} : { localAddress: req.localAddress }),
      timeoutMs: req.timeoutMs,
    });
}

export interface PetrelSideOptions {
  readonly plans: readonly SessionPlan[];
  /** The port petrel dials on the daemon. */
  readonly daemonPort: number;
  /** Creates a listening server on `host` (port chosen by the kernel). */
  readonly listenOn: (host: string) => Promise<net.Server>;
  readonly connector?: Connector;
  /** Hold time petrel proposes (default 90 s); 3 gives the short timers of blackhole tests. */
  readonly holdTimeSec?: number;
  /** Families petrel advertises (default IPv4 and IPv6 unicast). */
  readonly families?: readonly AfiSafiName[];
  readonly logger?: SessionLogger;
}

/** petrel's side of an interop test: one Session per plan and the listener for responders. */
export class PetrelSide {
  readonly running: RunningSession[] = [];
  readonly listenPorts = new Map<string, number>();
  /**
   * One listener per responder session: a listener tells peers apart by their address, and
   * here several sessions meet the same daemon address on different local addresses.
   */
  private readonly listeners = new Map<string, BgpListener>();

  private constructor(private readonly opts: PetrelSideOptions) {}

  static async create(opts: PetrelSideOptions): Promise<PetrelSide> {
    const side = new PetrelSide(opts);
    for (const plan of opts.plans.filter((p) => !p.initiator)) {
      const server = await opts.listenOn(plan.petrelAddress);
      side.listeners.set(plan.label, new BgpListener([server]));
      side.listenPorts.set(plan.petrelAddress, (server.address() as net.AddressInfo).port);
    }
    opts.plans.forEach((plan, i) => side.add(plan, i));
    return side;
  }

  /** The daemon's neighbors, one per plan, with `extra` settings on each. */
  neighbors(extra: Partial<NeighborConfig> = {}): NeighborConfig[] {
    return this.opts.plans.map((p) => ({ ...neighborFor(p, this.listenPorts), ...extra }));
  }

  get(label: string): RunningSession {
    const r = this.running.find((x) => x.plan.label === label);
    if (!r) throw new Error(`no session ${label}`);
    return r;
  }

  startAll(): void {
    for (const r of this.running) {
      r.startedAt = performance.now();
      r.session.start();
    }
  }

  async allEstablished(timeoutMs = 20_000): Promise<void> {
    await Promise.all(this.running.map((r) => this.established(r, timeoutMs)));
  }

  async established(r: RunningSession, timeoutMs = 20_000): Promise<void> {
    await waitFor(async () => Promise.resolve(r.session.info().state === 'Established' ? true : undefined), {
      timeoutMs,
      intervalMs: 20,
      what: `${r.plan.label} Established (state ${r.session.info().state}, last error ${r.session.info().lastError ?? '-'})`,
    });
  }

  /** The first UPDATE this session received that announces `prefix` (IPv4 NLRI or MP_REACH). */
  async updateFor(r: RunningSession, prefix: string, timeoutMs = 15_000): Promise<UpdateMessage> {
    return waitFor(async () => Promise.resolve(r.updates.find((u) => announces(u, prefix))), {
      timeoutMs,
      intervalMs: 20,
      what: `an UPDATE for ${prefix} on ${r.plan.label}`,
    });
  }

  /** Sends one UPDATE encoded with the session's negotiated send context. */
  sendUpdate(r: RunningSession, update: UpdateMessage): void {
    const negotiated = r.session.info().negotiated;
    if (!negotiated) throw new Error(`${r.plan.label} is not established`);
    r.session.send([encodeMessage(update, negotiated.sendContext)]);
  }

  async stop(): Promise<void> {
    await Promise.all(this.running.map((r) => r.session.stop()));
    await Promise.all([...this.listeners.values()].map((l) => l.close()));
  }

  private add(plan: SessionPlan, index: number): void {
    const local: LocalSpeaker = {
      localAs: plan.petrelAs,
      // One speaker per plan, each with its own identifier (RFC 6286 §2.2 forbids equal ones in iBGP).
      routerId: `10.255.0.${index + 1}`,
      holdTimeSec: this.opts.holdTimeSec ?? 90,
      families: this.opts.families ?? ['ipv4-unicast', 'ipv6-unicast'],
    };
    const session = new Session({
      name: plan.label,
      remoteAddress: plan.daemonAddress,
      remotePort: this.opts.daemonPort,
      localAddress: plan.petrelAddress,
      config: sessionConfig({
        peerAs: DAEMON_AS,
        passive: !plan.initiator,
        connectDelaySec: 0,
        connectRetrySec: 1,
        errorWaitMinSec: 0.5,
        errorWaitMaxSec: 2,
        ...(plan.delayOpenSec === undefined ? {} : { delayOpenSec: plan.delayOpenSec }),
      }),
      local,
      ...(plan.md5Key === undefined || !plan.initiator ? {} : { security: { md5Key: plan.md5Key } }),
      ...(this.opts.connector ? { connector: this.opts.connector } : {}),
      ...(this.opts.logger ? { logger: this.opts.logger } : {}),
    });
    const running: RunningSession = { plan, session, updates: [], startedAt: 0 };
    session.on('update', (u) => running.updates.push(u));
    session.on('established', () => {
      running.establishedAfterMs = Math.round(performance.now() - running.startedAt);
    });
    this.running.push(running);
    this.listeners.get(plan.label)?.addPeer(plan.daemonAddress, session, plan.md5Key === undefined ? {} : { md5Key: plan.md5Key });
  }
}

export function announces(u: UpdateMessage, prefix: string): boolean {
  if (u.nlri.some((n) => n.prefix === prefix)) return true;
  return u.attributes.some((a) => a.type === 'mp-reach' && a.nlri.some((n) => n.prefix === prefix));
}

export function attribute<T extends PathAttribute['type']>(u: UpdateMessage, type: T): Extract<PathAttribute, { type: T }> | undefined {
  return u.attributes.find((a): a is Extract<PathAttribute, { type: T }> => a.type === type);
}

/** `a:b` for an RFC 1997 community value. */
export function communityText(value: number): string {
  return `${Math.floor(value / 65536)}:${value % 65536}`;
}

export function community(text: string): number {
  const [a, b] = text.split(':').map(Number);
  return a! * 65536 + b!;
}

/** The IPv4 UPDATE petrel sends: every attribute the daemons must keep intact. */
export function ipv4Update(prefix: string, nextHop: string, asPath: readonly number[], internal: boolean): UpdateMessage {
  return {
    type: 'update',
    withdrawn: [],
    attributes: [
      { type: 'origin', origin: 'igp' },
      { type: 'as-path', segments: asPath.length === 0 ? [] : [{ type: 'sequence', asns: asPath }] },
      { type: 'next-hop', nextHop },
      { type: 'med', med: 50 },
      ...(internal ? [{ type: 'local-pref', localPref: 200 } as const] : []),
      { type: 'communities', communities: [community('65002:100'), community('65002:200')] },
      { type: 'large-communities', communities: [[FOUR_OCTET_AS, 7, 8]] },
    ],
    nlri: [{ prefix }],
  };
}

/** The IPv6 UPDATE petrel sends: NLRI and next hop in MP_REACH_NLRI (RFC 4760 §3). */
export function ipv6Update(prefix: string, nextHop: string, asPath: readonly number[], internal: boolean): UpdateMessage {
  return {
    type: 'update',
    withdrawn: [],
    attributes: [
      { type: 'mp-reach', afi: 2, safi: 1, nextHops: [nextHop], nlri: [{ prefix }] },
      { type: 'origin', origin: 'igp' },
      { type: 'as-path', segments: asPath.length === 0 ? [] : [{ type: 'sequence', asns: asPath }] },
      { type: 'med', med: 60 },
      ...(internal ? [{ type: 'local-pref', localPref: 210 } as const] : []),
      { type: 'communities', communities: [community('65002:300')] },
      { type: 'large-communities', communities: [[FOUR_OCTET_AS, 9, 10]] },
    ],
    nlri: [],
  };
}

/** Polls the daemon's RIB until it holds `prefix` learned from `neighbor`. */
export async function daemonRoute(peer: Peer, prefix: string, neighbor: string, timeoutMs = 15_000): Promise<PeerRoute> {
  const family = prefix.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast';
  return waitFor(async () => (await peer.routes(family)).find((r) => r.prefix === prefix && r.fromNeighbor === neighbor), {
    timeoutMs,
    intervalMs: 150,
    what: `${peer.kind} to hold ${prefix} from ${neighbor}`,
  });
}

/** Prints the measured start-to-Established times (the interop report reads them from the test output). */
export function reportTimes(kind: string, side: PetrelSide, phase: string): void {
  for (const r of side.running) {
    console.log(`[interop] ${kind} ${phase} ${r.plan.label}: Established after ${r.establishedAfterMs ?? '-'} ms`);
  }
}
