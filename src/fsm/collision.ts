/**
 * Connection collision (RFC 4271 §6.8) as pure functions, and Calico's rule that makes mesh
 * sessions one-directional so collisions rarely happen at all.
 *
 * How a session runner uses them: when a connection request arrives while the session is in
 * OpenSent or OpenConfirm, the FSM answers `fork-collision`; the runner runs that connection in a
 * second state machine (`collisionFork`). Before feeding an OPEN to either machine it calls
 * `collisionCheck` with the other machine's state: on `resolve` it asks `resolveCollision` which
 * connection stays, feeds OpenCollisionDump to the loser (which sends Cease 6/7 and closes) and
 * the OPEN to the arriving machine only if it won; on `dump-arriving` the arriving machine gets
 * OpenCollisionDump. The surviving machine becomes the session's (its timers included); a fork
 * that reports session-down before any resolution is discarded with its timers, so it never
 * dials out or restarts on its own.
 */
import { bgpIdNumber } from './bgp-id.js';
import type { StateName } from './states.js';

/** Which side opened a TCP connection. */
export type Initiator = 'local' | 'remote';

/** What to do when an OPEN arrives on one connection while the peer has another. */
export type CollisionCheck = 'none' | 'resolve' | 'dump-arriving';

/**
 * RFC 4271 §6.8: only a connection in OpenConfirm (whose OPEN told us the peer's identifier) is
 * compared against; one in Established always wins (unless configured otherwise, which petrel
 * is not); OpenSent waits until its own OPEN arrives, when the other one is in OpenConfirm.
 */
export function collisionCheck(other: StateName): CollisionCheck {
  switch (other) {
    case 'OpenConfirm':
      return 'resolve';
    case 'Established':
      return 'dump-arriving';
    case 'Idle':
    case 'Connect':
    case 'Active':
    case 'OpenSent':
      return 'none';
  }
}

export interface CollisionInput {
  /** Our BGP Identifier and AS. */
  readonly localId: string;
  readonly localAs: number;
  /** The peer's, from the OPEN just received. */
  readonly remoteId: string;
  readonly remoteAs: number;
  /** Who opened the connection already in OpenConfirm. */
  readonly existing: Initiator;
  /** Who opened the connection the OPEN just arrived on. */
  readonly arriving: Initiator;
}

/** Which connection survives; the other gets Cease 6/7. */
export type CollisionWinner = 'existing' | 'arriving';

/**
 * RFC 4271 §6.8: the connection opened by the speaker with the higher BGP Identifier, compared
 * as 4-octet unsigned integers, survives. RFC 6286 §2.3: with equal identifiers (possible
 * between ASes), the one opened by the speaker with the larger AS number survives.
 * Two connections opened by the same side are not an RFC collision: the peer opened a new one
 * because it gave up on the old one, so the arriving one stays.
 */
export function resolveCollision(c: CollisionInput): CollisionWinner {
  if (c.existing === c.arriving) return 'arriving';
  const local = bgpIdNumber(c.localId);
  const remote = bgpIdNumber(c.remoteId);
  const higher: Initiator | undefined =
    local !== remote ? (local > remote ? 'local' : 'remote') : c.localAs !== c.remoteAs ? (c.localAs > c.remoteAs ? 'local' : 'remote') : undefined;
  // Equal identifiers and ASes cannot pass negotiate (RFC 6286 §2.2); keep what works already.
  if (higher === undefined) return 'existing';
  return c.existing === higher ? 'existing' : 'arriving';
}

/**
 * Calico's passive rule for mesh sessions, and for global BGPPeers whose peer is a Calico node
 * (confd `bird.cfg.template`, CALICO.md §1.5): this side is passive when the peer's address,
 * compared as a string, is greater than ours — "Mesh is unidirectional, peer will connect to us".
 * So the side with the lexically larger address dials and the other listens. A plain string
 * comparison (Go's, byte by byte), not a numeric one: "10.0.0.5" > "10.0.0.10". Both addresses
 * must be in canonical text form (RFC 5952 for IPv6), as Calico writes them; mixed clusters with
 * BIRD nodes rely on petrel choosing exactly the same side.
 */
export function isPassiveByAddress(localAddress: string, peerAddress: string): boolean {
  return peerAddress > localAddress;
}
