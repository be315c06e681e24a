/**
 * The real session backend: one `Session` (src/fsm/session.ts) per configured peer, dialling
 * with the peer's MD5 key, TTL and source address, and one `BgpListener` on `config.listen` that
 * hands each incoming connection to the session of its address (SPEC §8: other addresses never
 * reach OPEN processing).
 */
import { isIpv6LinkLocal } from '../bgp/address.js';
import type { AddPathMode, AfiSafiName } from '../bgp/types.js';
import type { EffectivePeer } from '../config/peers.js';
import { AddPathsMode, type Config } from '../config/schema.js';
import { BgpListener } from '../fsm/listener.js';
import type { LocalSpeaker } from '../fsm/open.js';
import { Session, ttlFor, type SessionLogger, type TransportSecurity } from '../fsm/session.js';
import type { SessionHandle } from '../fsm/session-api.js';
import { sessionConfig } from '../fsm/session-config.js';
import { liveTimesOf } from './live-times.js';
import type { SessionBackend } from './session-backend.js';
import type { RestartPolicy } from './state-dir.js';

function addPathOf(peer: EffectivePeer): Partial<Record<AfiSafiName, AddPathMode>> | undefined {
  if (peer.addPaths === AddPathsMode.OFF) return undefined;
  const mode: AddPathMode = peer.addPaths === AddPathsMode.BOTH ? 'both' : peer.addPaths === AddPathsMode.SEND ? 'send' : 'receive';
  return Object.fromEntries(peer.families.map((f) => [f, mode]));
}

/**
 * `restarting`: petrel came back from a restart its peers may still be covering for (the restart
 * marker, state-dir.ts) and no session with this peer has come up since the process started.
 * RFC 4724 §4.1: petrel says so (R bit) in that first OPEN, as BIRD started with `-R` does under
 * Calico, so the peer sends its routes without waiting for ours and keeps our stale ones until
 * our End-of-RIB. On a cold start the bit stays clear: no peer holds routes of ours.
 */
export function localSpeakerFor(peer: EffectivePeer, config: Config, restarting = false): LocalSpeaker {
  const addPath = addPathOf(peer);
  return {
    localAs: peer.localAsNumber,
    routerId: config.routerId,
    holdTimeSec: peer.holdTimeSec,
    families: peer.families,
    ...(addPath ? { addPath } : {}),
    ...(peer.gracefulRestart.enabled
      ? {
          // RFC 4724 §3 F bit: forwarding state survives a restart only when petrel's kernel routes
          // persist across it (kernel.persist), as BIRD's `persist` does under Calico.
          gracefulRestart: {
            restartTimeSec: peer.gracefulRestart.restartTimeSec,
            restarting,
            notification: false,
            forwardingPreserved: config.kernel.enabled && config.kernel.persist,
          },
        }
      : {}),
  };
}

export function securityFor(peer: EffectivePeer): TransportSecurity {
  const key = peer.password?.reveal();
  return {
    ...(key !== undefined ? { md5Key: key } : {}),
    ...ttlFor({ internal: peer.internal, multihop: peer.multihop, ...(peer.ttlSecurity !== undefined ? { ttlSecurity: peer.ttlSecurity } : {}) }),
  };
}

/**
 * A link-local address means nothing without its link (RFC 4291 §2.5.6): the socket address of a
 * link-local peer (and of a link-local source) carries the peer's interface as its zone,
 * `fe80::1%eth0`, for connect, bind, the MD5 key and the listener's match of incoming connections.
 */
export function zonedAddress(address: string, peer: Pick<EffectivePeer, 'interface'>): string {
  return peer.interface === undefined || address.includes('%') || !isIpv6LinkLocal(address) ? address : `${address}%${peer.interface}`;
}

export class TcpSessionBackend implements SessionBackend {
  readonly #logger: SessionLogger;
  #listener: BgpListener | undefined;
  readonly #addresses = new Map<SessionHandle, string>();
  /** Peers with which a session has been Established since this process started. */
  readonly #establishedOnce = new Set<string>();

  readonly #restarting: RestartPolicy;

  /** `restarting`: from the restart marker; without one, every start is a restart (BIRD's `-R`). */
  constructor(logger: SessionLogger, restarting: RestartPolicy = () => true) {
    this.#logger = logger;
    this.#restarting = restarting;
  }

  /** Where the listener is bound (tests asking for port 0). */
  get listener(): BgpListener | undefined {
    return this.#listener;
  }

  async open(config: Config): Promise<void> {
    this.#listener = await BgpListener.listen([{ host: config.listen.address, port: config.listen.port }], this.#logger);
  }

  create(peer: EffectivePeer, config: Config): SessionHandle {
    const security = securityFor(peer);
    const address = zonedAddress(peer.address, peer);
    const session = new Session({
      name: peer.name,
      remoteAddress: address,
      remotePort: peer.port,
      ...(peer.sourceAddress !== undefined ? { localAddress: zonedAddress(peer.sourceAddress, peer) } : {}),
      config: sessionConfig({
        peerAs: peer.asNumber,
        passive: peer.passive,
        keepaliveSec: peer.keepaliveSec,
        ...liveTimesOf(peer),
      }),
      local: localSpeakerFor(peer, config, this.#restarting(peer.gracefulRestart.restartTimeSec, peer.address) && !this.#establishedOnce.has(peer.address)),
      security,
      logger: this.#logger,
      numericIpv4: true,
    });
    // A session recreated by a reload is not a restart of petrel: R = 0 once a session was up.
    session.once('established', () => this.#establishedOnce.add(peer.address));
    this.#listener?.addPeer(address, session, security);
    this.#addresses.set(session, address);
    return session;
  }

  retire(session: SessionHandle): void {
    const address = this.#addresses.get(session);
    this.#addresses.delete(session);
    if (address !== undefined && ![...this.#addresses.values()].includes(address)) this.#listener?.removePeer(address);
  }

  async close(): Promise<void> {
    await this.#listener?.close();
    this.#listener = undefined;
  }
}
