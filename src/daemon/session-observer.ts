/**
 * What the daemon counts about each session, without a hand in the session or the RIB: a
 * `SessionBackend` decorator that listens to every session it creates. Messages by type are
 * counted by the sessions themselves (`SessionInfo.messages`); this adds up a peer's sessions,
 * the live ones and those a reload retired, so a peer's counters never go back.
 *
 * It also tells when a peer's initial table is complete: End-of-RIB (RFC 4724 §2) for every
 * unicast family the session negotiated, which is when adopted kernel routes nobody asked for
 * again may go (RFC 4724 §4.1).
 *
 * Its own counts: NOTIFICATIONs that ended a session by code and subcode, and Established
 * transitions.
 */
import { afiSafiName } from '../bgp/context.js';
import { isEndOfRib } from '../bgp/end-of-rib.js';
import type { AfiSafiName } from '../bgp/types.js';
import type { EffectivePeer } from '../config/peers.js';
import type { Config } from '../config/schema.js';
import { addMessageCounts, newSessionMessageCounts, type SessionMessageCounts } from '../fsm/message-counts.js';
import type { SessionHandle } from '../fsm/session-api.js';
import type { SessionBackend } from './session-backend.js';

export type Direction = 'sent' | 'received';

export interface NotificationCount {
  readonly direction: Direction;
  readonly code: number;
  readonly subcode: number;
  count: number;
}

/** One peer's counters; they live as long as the peer is configured, across its sessions. */
export interface PeerCounters {
  /** Messages of the peer's sessions a reload retired. */
  readonly retiredMessages: SessionMessageCounts;
  /** By `direction/code/subcode`. */
  readonly notifications: Map<string, NotificationCount>;
  /** Times the session reached Established. */
  established: number;
}

const UNICAST: readonly AfiSafiName[] = ['ipv4-unicast', 'ipv6-unicast'];

function newPeerCounters(): PeerCounters {
  return { retiredMessages: newSessionMessageCounts(), notifications: new Map(), established: 0 };
}

export interface SessionObserverOptions {
  /** The peer sent End-of-RIB for every family it negotiated since it last became Established. */
  readonly onTableComplete?: (peer: string) => void;
}

export class SessionObserver {
  readonly #counters = new Map<string, PeerCounters>();
  readonly #names = new Map<SessionHandle, string>();
  readonly #onTableComplete: ((peer: string) => void) | undefined;

  constructor(options: SessionObserverOptions = {}) {
    this.#onTableComplete = options.onTableComplete;
  }

  /** Counters by peer name, for the metrics. */
  get counters(): ReadonlyMap<string, PeerCounters> {
    return this.#counters;
  }

  /** A peer's messages by type: its retired sessions' and its live ones'. */
  messages(peer: string): SessionMessageCounts | undefined {
    const counters = this.#counters.get(peer);
    if (counters === undefined) return undefined;
    const total = newSessionMessageCounts();
    addMessageCounts(total.sent, counters.retiredMessages.sent);
    addMessageCounts(total.received, counters.retiredMessages.received);
    for (const [session, name] of this.#names) {
      const live = name === peer ? session.info().messages : undefined;
      if (live === undefined) continue;
      addMessageCounts(total.sent, live.sent);
      addMessageCounts(total.received, live.received);
    }
    return total;
  }

  /** `backend`, with every session it creates observed. */
  wrap(backend: SessionBackend): SessionBackend {
    return {
      create: (peer: EffectivePeer, config: Config) => {
        const session = backend.create(peer, config);
        this.#observe(peer.name, session);
        return session;
      },
      retire: (session: SessionHandle) => {
        const name = this.#names.get(session);
        this.#names.delete(session);
        if (name !== undefined && ![...this.#names.values()].includes(name)) this.#counters.delete(name);
        else if (name !== undefined) this.#retire(name, session);
        backend.retire?.(session);
      },
      ...(backend.open ? { open: (config: Config) => backend.open!(config) } : {}),
      ...(backend.close ? { close: () => backend.close!() } : {}),
    };
  }

  #observe(name: string, session: SessionHandle): void {
    this.#names.set(session, name);
    let counters = this.#counters.get(name);
    if (counters === undefined) this.#counters.set(name, (counters = newPeerCounters()));
    const c = counters;
    /** Families still owing End-of-RIB in this session; undefined once complete or down. */
    let awaiting: Set<AfiSafiName> | undefined;
    session.on('established', (negotiated) => {
      c.established++;
      awaiting = new Set(negotiated.families.filter((f) => UNICAST.includes(f)));
      if (awaiting.size > 0) return;
      awaiting = undefined;
      this.#onTableComplete?.(name);
    });
    session.on('update', (update) => {
      if (awaiting === undefined) return;
      const eor = isEndOfRib(update);
      const family = eor === undefined ? undefined : afiSafiName(eor.afi, eor.safi);
      if (family === undefined || !awaiting.delete(family) || awaiting.size > 0) return;
      awaiting = undefined;
      this.#onTableComplete?.(name);
    });
    session.on('down', (down) => {
      awaiting = undefined;
      if (down.sent) this.#notification(c, 'sent', down.sent.code, down.sent.subcode);
      if (down.received) this.#notification(c, 'received', down.received.code, down.received.subcode);
    });
  }

  /** A retired session of a peer that stays configured: its counts live on in the peer's. */
  #retire(name: string, session: SessionHandle): void {
    const messages = session.info().messages;
    const retired = this.#counters.get(name)?.retiredMessages;
    if (messages === undefined || retired === undefined) return;
    addMessageCounts(retired.sent, messages.sent);
    addMessageCounts(retired.received, messages.received);
  }

  #notification(c: PeerCounters, direction: Direction, code: number, subcode: number): void {
    const key = `${direction}/${code}/${subcode}`;
    const entry = c.notifications.get(key);
    if (entry) entry.count++;
    else c.notifications.set(key, { direction, code, subcode, count: 1 });
  }
}
