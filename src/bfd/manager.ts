/**
 * BFD for petrel's peers (RFC 5880 asynchronous mode, single hop per RFC 5881 and multihop per
 * RFC 5883): one `BfdSession` per configured peer, the UDP sockets they share, and the
 * demultiplexing between them.
 *
 * Sockets: single-hop Control packets arrive on port 3784 (RFC 5881 §4), multihop ones on port
 * 4784 (RFC 5883 §5), on one socket per address family and kind, bound only once a peer of that
 * family and kind wants BFD (a node without BFD opens nothing). Each session sends from a socket
 * of its own with a source port in 49152–65535 and TTL / Hop Limit 255. A single-hop packet
 * whose TTL is not 255 crossed a router and is discarded (RFC 5881 §5); a multihop one is held
 * to the peer's `minTtl` (RFC 5883 §5 leaves the check to configuration: BIRD sends multihop
 * packets with TTL 64, FRR with 255 and accepts 254 and up by default). The native socket
 * reports each datagram's TTL, which Node's dgram cannot.
 *
 * Demultiplexing (RFC 5880 §6.3, RFC 5881 §3, RFC 5883 §3): by Your Discriminator when it is
 * set, else — the peer has not learnt ours yet, which the codec allows only in Down or
 * AdminDown — by the source address. Either way the source must be the session's peer, and the
 * packet must have come in on the port of the session's kind.
 *
 * Authentication (RFC 5880 §6.7): a peer configured with a key gets a session that signs its
 * packets and discards received ones that fail; those count as `authentication` drops. A peer
 * without one discards every packet with the A bit set (§6.8.6), counted the same way.
 *
 * This layer knows nothing of BGP: it reports state changes, and the daemon stops the BGP
 * session when a BFD session goes from Up to Down (RFC 5882 §4.3).
 */
import { EventEmitter } from 'node:events';
import { randomInt, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../log.js';
import { RealClock, type Clock } from '../fsm/timers.js';
import { UdpSocket } from '../native/index.js';
import type { BfdAuthKey } from './auth.js';
import { decodeBfdControl, encodeBfdControl, isBfdDiscard } from './packet.js';
import { BfdSession, type BfdIntervals, type BfdSessionInfo } from './session.js';
import { BFD_AUTH_TYPE_NAME, BFD_MULTIHOP_PORT, BFD_SINGLE_HOP_PORT, BFD_SOURCE_PORT_MAX, BFD_SOURCE_PORT_MIN, BFD_STATE_NAME, BFD_TTL, BfdState, bfdDiagText, type BfdAuthTypeInUse } from './types.js';

/** A secret as the config holds it: printed as `[redacted]`, its value given only on request. */
export interface BfdSecret {
  reveal(): string;
}

/** A peer's BFD authentication (RFC 5880 §6.7): the type, the Auth Key ID and the key. */
export interface BfdPeerAuth {
  readonly type: BfdAuthTypeInUse;
  readonly keyId: number;
  readonly secret: BfdSecret;
}

/** A peer that runs BFD, as the configuration gives it. */
export interface BfdPeer {
  readonly name: string;
  readonly address: string;
  /** The address our packets come from (the BGP session's source address), when configured. */
  readonly localAddress?: string;
  readonly intervals: BfdIntervals;
  /** Multihop (RFC 5883): the lowest TTL accepted from the peer. Absent: single hop (RFC 5881). */
  readonly multihop?: { readonly minTtl: number };
  /** Authentication (RFC 5880 §6.7); absent: none. */
  readonly auth?: BfdPeerAuth;
}

export interface BfdManagerOptions {
  readonly log: Logger;
  readonly clock?: Clock;
  readonly random?: () => number;
  /** Where Control packets are received: every address by default; tests give their own. */
  readonly listen?: { readonly v4?: string; readonly v6?: string };
  /** The UDP port of received and sent single-hop Control packets (3784; tests change it). */
  readonly port?: number;
  /** The same for multihop Control packets (4784). */
  readonly multihopPort?: number;
}

/** One peer's BFD session for `show bfd` and the metrics. */
export interface BfdPeerView extends BfdSessionInfo {
  readonly name: string;
  readonly address: string;
  readonly multihop: boolean;
}

export interface BfdManagerEvents {
  /** A session changed state (`from` → `to`, with the local diagnostic). */
  state: [peer: string, from: BfdState, to: BfdState, diag: number];
}

/** Why received packets were dropped before reaching a session, for the metrics and `show bfd`. */
export interface BfdDrops {
  ttl: number;
  malformed: number;
  unknownSession: number;
  /** Failed authentication at its session (RFC 5880 §6.7), the A bit without authentication configured included. */
  authentication: number;
}

interface Running {
  peer: BfdPeer;
  readonly session: BfdSession;
  readonly socket: UdpSocket;
}

export class BfdManager extends EventEmitter<BfdManagerEvents> {
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #port: number;
  readonly #multihopPort: number;
  readonly #listen: { readonly v4: string; readonly v6: string };
  readonly #byName = new Map<string, Running>();
  readonly #byDiscriminator = new Map<number, Running>();
  /**
   * The receiving sockets, by family and kind (`4`, `6`, `4m`, `6m`); `null` once binding failed
   * (logged; retried at the next `configure`).
   */
  readonly #receivers = new Map<ReceiverKey, UdpSocket | null>();
  readonly drops: BfdDrops = { ttl: 0, malformed: 0, unknownSession: 0, authentication: 0 };

  constructor(options: BfdManagerOptions) {
    super();
    this.#log = options.log;
    this.#clock = options.clock ?? new RealClock();
    this.#random = options.random ?? Math.random;
    this.#port = options.port ?? BFD_SINGLE_HOP_PORT;
    this.#multihopPort = options.multihopPort ?? BFD_MULTIHOP_PORT;
    this.#listen = { v4: options.listen?.v4 ?? '0.0.0.0', v6: options.listen?.v6 ?? '::' };
  }

  /**
   * Brings the sessions in line with `peers`: new ones start (Down, 1 s packets, RFC 5880
   * §6.8.3), changed intervals apply to the running session (with a Poll Sequence when Up,
   * §6.8.3), changed authentication applies to the running session too (`BfdSession.setAuth`),
   * removed ones go AdminDown (§6.8.16) and close.
   */
  configure(peers: readonly BfdPeer[]): void {
    // A port that could not be bound (another BFD daemon had it) is tried again at each reload.
    for (const [key, socket] of this.#receivers) if (socket === null) this.#receivers.delete(key);
    const wanted = new Map(peers.map((p) => [p.name, p]));
    for (const [name, running] of this.#byName) {
      const peer = wanted.get(name);
      // Another address, source or kind is another session (RFC 5880 §6.3: a new discriminator).
      const moved = peer === undefined || peer.address !== running.peer.address || peer.localAddress !== running.peer.localAddress;
      if (moved || (peer.multihop === undefined) !== (running.peer.multihop === undefined)) this.#remove(running);
    }
    for (const peer of peers) {
      const running = this.#byName.get(peer.name);
      if (running === undefined) {
        this.#add(peer);
        continue;
      }
      if (!sameIntervals(running.peer.intervals, peer.intervals)) running.session.retime(peer.intervals);
      if (!sameAuth(running.peer.auth, peer.auth)) {
        this.#log.info({ peer: peer.name, auth: peer.auth === undefined ? 'none' : BFD_AUTH_TYPE_NAME[peer.auth.type] }, 'BFD authentication changed');
        running.session.setAuth(authKey(peer.auth));
      }
      running.peer = peer;
    }
  }

  /** Every session, in configuration order. */
  views(): BfdPeerView[] {
    return [...this.#byName.values()].map((r) => ({ name: r.peer.name, address: r.peer.address, multihop: r.peer.multihop !== undefined, ...r.session.info() }));
  }

  /** The BFD state of a peer's session, undefined when the peer runs no BFD. */
  stateOf(name: string): BfdState | undefined {
    return this.#byName.get(name)?.session.state;
  }

  /** Every session to AdminDown, then every socket closed. */
  close(): void {
    for (const running of [...this.#byName.values()]) this.#remove(running);
    for (const socket of this.#receivers.values()) socket?.close();
    this.#receivers.clear();
  }

  #add(peer: BfdPeer): void {
    const family = peer.address.includes(':') ? 6 : 4;
    const multihop = peer.multihop !== undefined;
    const port = multihop ? this.#multihopPort : this.#port;
    if (this.#receiver(family, multihop) === null) {
      this.#log.warn({ peer: peer.name }, `BFD for ${peer.name} is not running: no socket on UDP port ${port} (see the error above)`);
      return;
    }
    let socket: UdpSocket;
    try {
      socket = this.#sender(family, peer.localAddress);
    } catch (err) {
      this.#log.error({ peer: peer.name, err }, `BFD for ${peer.name} is not running: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const localDiscriminator = this.#newDiscriminator();
    const target = peer.address;
    const auth = authKey(peer.auth);
    const session = new BfdSession({
      ...peer.intervals,
      ...(auth !== undefined ? { auth } : {}),
      localDiscriminator,
      clock: this.#clock,
      random: this.#random,
      send: (packet) => {
        try {
          socket.send(encodeBfdControl(packet), target, port);
        } catch (err) {
          this.#log.debug({ peer: peer.name, err }, 'BFD send failed');
        }
      },
    });
    const running: Running = { peer, session, socket };
    session.on('state', (from, to, diag) => {
      const level = from === BfdState.UP || to === BfdState.UP ? 'info' : 'debug';
      this.#log[level]({ peer: running.peer.name, from: BFD_STATE_NAME[from], to: BFD_STATE_NAME[to], diag: bfdDiagText(diag) }, 'BFD session state change');
      this.emit('state', running.peer.name, from, to, diag);
    });
    this.#byName.set(peer.name, running);
    this.#byDiscriminator.set(localDiscriminator, running);
    session.start();
  }

  #remove(running: Running): void {
    this.#byName.delete(running.peer.name);
    running.session.stop();
    // AdminDown packets go out for a Detection Time (RFC 5880 §6.8.16) before the socket closes.
    const linger = Math.max(1000, running.session.info().detectionTimeMs);
    this.#clock.setTimer(linger, () => {
      this.#byDiscriminator.delete(running.session.info().localDiscriminator);
      running.socket.close();
    });
  }

  /** The receiving socket of a family and kind, bound on first use; null when binding failed. */
  #receiver(family: 4 | 6, multihop: boolean): UdpSocket | null {
    const key: ReceiverKey = multihop ? `${family}m` : `${family}`;
    const known = this.#receivers.get(key);
    if (known !== undefined) return known;
    const address = family === 4 ? this.#listen.v4 : this.#listen.v6;
    const port = multihop ? this.#multihopPort : this.#port;
    let socket: UdpSocket | null = null;
    try {
      socket = UdpSocket.open(family);
      socket.bind(address, port);
      socket.on('message', (data, from) => this.#receive(data, from.address, from.ttl, multihop));
      socket.on('error', (err) => this.#log.error({ err }, `BFD socket error: ${err.message}`));
    } catch (err) {
      socket?.close();
      socket = null;
      this.#log.error({ err, address, port }, `BFD cannot receive on ${address} port ${port}: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.#receivers.set(key, socket);
    return socket;
  }

  /** A session's sending socket: TTL 255 (RFC 5881 §5), a source port in 49152–65535 (§4). */
  #sender(family: 4 | 6, localAddress: string | undefined): UdpSocket {
    const socket = UdpSocket.open(family);
    try {
      socket.setTtl(BFD_TTL);
      for (let attempt = 0; ; attempt++) {
        try {
          socket.bind(localAddress ?? (family === 4 ? '0.0.0.0' : '::'), randomInt(BFD_SOURCE_PORT_MIN, BFD_SOURCE_PORT_MAX + 1));
          break;
        } catch (err) {
          if (attempt >= 16) throw err;
        }
      }
    } catch (err) {
      socket.close();
      throw err;
    }
    // Nothing is expected here: the peer sends to port 3784.
    socket.on('message', () => undefined);
    socket.on('error', () => undefined);
    return socket;
  }

  #receive(data: Buffer, from: string, ttl: number, multihop: boolean): void {
    // RFC 5881 §5: single-hop packets are sent with TTL 255, so any other value crossed a router.
    if (!multihop && ttl !== BFD_TTL) {
      this.drops.ttl++;
      return;
    }
    const packet = decodeBfdControl(data);
    if (isBfdDiscard(packet)) {
      this.drops.malformed++;
      this.#log.debug({ from, discard: packet.discard, detail: packet.detail }, 'BFD packet discarded');
      return;
    }
    const ofKind = (r: Running): boolean => (r.peer.multihop !== undefined) === multihop;
    const running =
      packet.yourDiscriminator !== 0
        ? this.#byDiscriminator.get(packet.yourDiscriminator)
        : [...this.#byName.values()].find((r) => ofKind(r) && fromPeer(r.peer.address, from));
    // A removed session still sending its AdminDown packets hears nothing more.
    if (running === undefined || !ofKind(running) || !fromPeer(running.peer.address, from) || this.#byName.get(running.peer.name) !== running) {
      this.drops.unknownSession++;
      return;
    }
    // RFC 5883 §5: how many hops a multihop peer may be away is the configuration's to say.
    if (running.peer.multihop !== undefined && ttl < running.peer.multihop.minTtl) {
      this.drops.ttl++;
      return;
    }
    const failure = running.session.receive(packet, data);
    if (failure !== undefined) {
      this.drops.authentication++;
      this.#log.debug({ peer: running.peer.name, from, discard: failure.discard, detail: failure.detail }, 'BFD packet failed authentication');
    }
  }

  #newDiscriminator(): number {
    for (;;) {
      const candidate = randomInt(1, 2 ** 32 - 1);
      if (!this.#byDiscriminator.has(candidate)) return candidate;
    }
  }
}

/** A receiving socket's family, and `m` for the multihop port. */
type ReceiverKey = '4' | '6' | '4m' | '6m';

function sameIntervals(a: BfdIntervals, b: BfdIntervals): boolean {
  return a.desiredMinTxMs === b.desiredMinTxMs && a.requiredMinRxMs === b.requiredMinRxMs && a.detectMult === b.detectMult;
}

/** Same type, key ID and key (compared in constant time). */
function sameAuth(a: BfdPeerAuth | undefined, b: BfdPeerAuth | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const ka = Buffer.from(a.secret.reveal());
  const kb = Buffer.from(b.secret.reveal());
  return a.type === b.type && a.keyId === b.keyId && ka.length === kb.length && timingSafeEqual(ka, kb);
}

/** The session's key: the secret's UTF-8 octets. */
function authKey(auth: BfdPeerAuth | undefined): BfdAuthKey | undefined {
  return auth === undefined ? undefined : { type: auth.type, keyId: auth.keyId, key: Buffer.from(auth.secret.reveal()) };
}

/**
 * Whether a packet from `from` comes from the peer at `peer`. A link-local peer (`fe80::1%eth0`)
 * must be heard on its own link: the same address on another interface is another router.
 */
function fromPeer(peer: string, from: string): boolean {
  if (stripZone(peer).toLowerCase() !== stripZone(from).toLowerCase()) return false;
  return !peer.includes('%') || zoneOf(peer) === zoneOf(from);
}

function zoneOf(address: string): string | undefined {
  const at = address.indexOf('%');
  return at < 0 ? undefined : address.slice(at + 1);
}

/** `fe80::1%eth0` → `fe80::1`. */
function stripZone(address: string): string {
  const at = address.indexOf('%');
  return at < 0 ? address : address.slice(0, at);
}
