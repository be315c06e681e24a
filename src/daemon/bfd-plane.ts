/**
 * BFD for the daemon's peers: which peers run it (config `bfd`), and what a BFD session going
 * down does to BGP. The BFD layer (src/bfd/) knows nothing of BGP; the speaker knows nothing of
 * BFD; this is the one place the two meet.
 *
 * RFC 5882 §4.3 (and §10.2 for BGP): when a BFD session that was Up goes Down, the BGP session
 * is stopped at once (RFC 4271 AutomaticStop) with Cease / BFD Down (RFC 9384), instead of
 * waiting out the hold time; it starts again by itself after the error-wait backoff.
 * §3.2: a session the peer took to AdminDown is no failure (the peer is stopping BFD, not the
 * path), so BGP is left alone; a BFD session that never came up never holds BGP back.
 */
import { CeaseSubcode } from '../bgp/constants.js';
import { cease, type BgpError } from '../bgp/errors.js';
import { isIpv6LinkLocal, parsePrefix, type ParsedPrefix } from '../bgp/address.js';
import { DEFAULT_BFD_MIN_TTL } from '../config/fields.js';
import type { EffectivePeer } from '../config/peers.js';
import { prefixContainsAddress } from '../config/prefixes.js';
import type { Config } from '../config/schema.js';
import { effectivePeers } from '../config/peers.js';
import { BfdManager, type BfdManagerOptions, type BfdPeer } from '../bfd/manager.js';
import { BFD_AUTH_TYPE_NAME, BFD_STATE_NAME, BfdState, bfdAuthTypeOfName, bfdDiagText } from '../bfd/types.js';
import type { BfdView } from './views.js';
import type { Logger } from '../log.js';

/** What the plane needs of the speaker: stop one peer's session with a NOTIFICATION. */
export interface BgpStopper {
  stopPeerAutomatically(name: string, why: BgpError): boolean;
}

export type BfdPlaneOptions = Omit<BfdManagerOptions, 'log'>;

export class BfdPlane {
  readonly manager: BfdManager;
  readonly #log: Logger;

  constructor(speaker: BgpStopper, log: Logger, options: BfdPlaneOptions = {}) {
    this.#log = log;
    this.manager = new BfdManager({ ...options, log });
    this.manager.on('state', (peer, from, to, diag) => {
      if (from !== BfdState.UP || to !== BfdState.DOWN) return;
      const remote = this.manager.views().find((v) => v.name === peer)?.remoteState;
      if (remote === BfdState.ADMIN_DOWN) {
        this.#log.info({ peer }, 'BFD: the peer took its BFD session down administratively; the BGP session stays (RFC 5882 §3.2)');
        return;
      }
      const why = bfdDiagText(diag);
      this.#log.warn({ peer, diag: why }, `BFD session down (${why}): stopping the BGP session; it retries after the error wait (RFC 5882 §4.3)`);
      speaker.stopPeerAutomatically(peer, cease(CeaseSubcode.BFD_DOWN, 'cease.bfd-down', `BFD down: ${why}`));
    });
  }

  /** Applies the config's BFD peers (at start and on every reload). */
  configure(config: Config): void {
    this.manager.configure(bfdPeersOfConfig(config));
  }

  close(): void {
    this.manager.close();
  }

  /** `show bfd` and the metrics. */
  views(): BfdView[] {
    return this.manager.views().map((v) => ({
      name: v.name,
      address: v.address,
      state: BFD_STATE_NAME[v.state],
      since: v.since.toISOString(),
      remoteState: BFD_STATE_NAME[v.remoteState],
      localDiag: bfdDiagText(v.localDiag),
      remoteDiag: bfdDiagText(v.remoteDiag),
      multihop: v.multihop,
      localDiscriminator: v.localDiscriminator,
      remoteDiscriminator: v.remoteDiscriminator,
      txIntervalMs: v.txIntervalMs,
      detectionTimeMs: v.detectionTimeMs,
      upTransitions: v.upTransitions,
      downTransitions: v.downTransitions,
      auth: v.authType === undefined || v.authKeyId === undefined ? null : { type: BFD_AUTH_TYPE_NAME[v.authType], keyId: v.authKeyId },
      authFailures: v.authFailures,
    }));
  }

  /** The peer's BFD state for `show peers`, null when it runs no BFD. */
  stateOf(peer: string): BfdView['state'] | null {
    const state = this.manager.stateOf(peer);
    return state === undefined ? null : BFD_STATE_NAME[state];
  }

  /** Received packets dropped before reaching a session, by reason. */
  get drops(): Readonly<Record<string, number>> {
    const d = this.manager.drops;
    return { ttl: d.ttl, malformed: d.malformed, 'unknown-session': d.unknownSession, authentication: d.authentication };
  }
}

/**
 * The peers with `bfd` set, as the BFD layer takes them. A link-local peer's address carries its
 * interface as the zone (`fe80::1%eth0`): BFD runs on that link only (RFC 5881 §3).
 */
/** The config's BFD peers, single hop or multihop as `bfdMultihop` decides. */
export function bfdPeersOfConfig(config: Config): BfdPeer[] {
  const subnets = [config.node.ipv4Address, config.node.ipv6Address].flatMap((a) => (a === undefined ? [] : (parsePrefix(a) ?? [])));
  return bfdPeersOf(effectivePeers(config), subnets);
}

export function bfdPeersOf(peers: readonly EffectivePeer[], nodeSubnets: readonly ParsedPrefix[] = []): BfdPeer[] {
  const out: BfdPeer[] = [];
  for (const peer of peers) {
    const bfd = peer.bfd;
    if (bfd === undefined) continue;
    const zone = peer.interface === undefined ? '' : `%${peer.interface}`;
    const source = peer.sourceAddress;
    out.push({
      name: peer.name,
      address: `${peer.address}${zone}`,
      ...(source !== undefined ? { localAddress: source.toLowerCase().startsWith('fe80:') ? `${source}${zone}` : source } : {}),
      intervals: { desiredMinTxMs: bfd.minTxMs, requiredMinRxMs: bfd.minRxMs, detectMult: bfd.multiplier },
      ...(bfdMultihop(peer, bfd.multihop, nodeSubnets) ? { multihop: { minTtl: bfd.minTtl ?? DEFAULT_BFD_MIN_TTL } } : {}),
      ...(bfd.auth !== undefined ? { auth: { type: bfdAuthTypeOfName(bfd.auth.type), keyId: bfd.auth.keyId, secret: bfd.auth.password } } : {}),
    });
  }
  return out;
}

/**
 * Whether a peer's BFD session is multihop (RFC 5883) rather than single hop (RFC 5881), as the
 * config says, else as FRR decides for BGP: single hop where the peer is on the link — on an
 * interface (link-local), on one of the node's own subnets, or a BGP session marked not
 * multihop — and multihop to anything further (a mesh node across a router, a reflector in
 * another rack). With no own subnet of the peer's family to judge by, single hop.
 */
export function bfdMultihop(peer: EffectivePeer, configured: boolean | undefined, nodeSubnets: readonly ParsedPrefix[]): boolean {
  if (configured !== undefined) return configured;
  if (peer.interface !== undefined || peer.multihop === false || isIpv6LinkLocal(peer.address)) return false;
  const family = peer.address.includes(':') ? 6 : 4;
  const own = nodeSubnets.filter((s) => s.family === family);
  return own.length > 0 && !own.some((s) => prefixContainsAddress(s, peer.address));
}
