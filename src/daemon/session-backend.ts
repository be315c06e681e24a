/**
 * How the daemon gets its sessions: a backend builds one `SessionHandle` per configured peer and
 * owns whatever they share (the listening socket, which hands incoming connections to the
 * session of their address). The daemon sees only `SessionHandle`s, so the whole pipeline runs
 * against in-memory sessions in tests and in the micro-benchmark.
 */
import type { EffectivePeer } from '../config/peers.js';
import type { Config } from '../config/schema.js';
import type { SessionHandle } from '../fsm/session-api.js';

export interface SessionBackend {
  /** A session for `peer`, created stopped (Idle); the daemon calls `start()`. */
  create(peer: EffectivePeer, config: Config): SessionHandle;
  /** The session is no longer configured (after its `stop()` resolved). */
  retire?(session: SessionHandle): void;
  /** Start listening (`config.listen`). */
  open?(config: Config): Promise<void>;
  /** Stop listening. */
  close?(): Promise<void>;
}
