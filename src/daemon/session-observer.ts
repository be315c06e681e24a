/**
 * What the daemon counts about each session, without a hand in the session or the RIB: a
 * `SessionBackend` decorator that listens to every session it creates, and a `countSent` hook the
 * speaker calls with each batch it hands to a session. Counting is per message (one increment,
 * no per-prefix work) into plain objects the metrics read at scrape time.
 *
 * It also tells when a peer's initial table is complete: End-of-RIB (RFC 4724 §2) for every
 * unicast family the session negotiated, which is when adopted kernel routes nobody asked for
 * again may go (RFC 4724 §4.1).
 *
 * What it sees: UPDATEs and ROUTE-REFRESHes received, NOTIFICATIONs that ended a session (sent or
 * received), every message the RIB sends. OPENs and KEEPALIVEs never leave the session runner,
 * so they are not counted here.
 */
import { afiSafiName } from '../bgp/context.js';
import { isEndOfRib } from '../bgp/end-of-rib.js';
import { HEADER_LENGTH, MsgType } from '../bgp/constants.js';
import type { AfiSafiName } from '../bgp/types.js';
import type { EffectivePeer } from '../config/peers.js';
import type { Config } from '../config/schema.js';
import type { SessionHandle } from '../fsm/session-api.js';
import type { SessionBackend } from './session-backend.js';

/** Message type names as metrics label them (RFC 4271 §4.1, RFC 2918). */
export const MESSAGE_TYPE_NAMES = {
  [MsgType.OPEN]: 'open',
  [MsgType.UPDATE]: 'update',
  [MsgType.NOTIFICATION]: 'notification',
  [MsgType.KEEPALIVE]: 'keepalive',
  [MsgType.ROUTE_REFRESH]: 'route-refresh',
} as const;
export type MessageTypeName = (typeof MESSAGE_TYPE_NAMES)[MsgType];

/** The types this observer sees in both directions; OPEN and KEEPALIVE stay inside the session runner. */
export const OBSERVED_MESSAGE_TYPES: readonly MessageTypeName[] = ['update', 'notification', 'route-refresh'];

export type Direction = 'sent' | 'received';

export type MessageCounts = Record<MessageTypeName, number>;

export interface NotificationCount {
  readonly direction: Direction;
  readonly code: number;
  readonly subcode: number;
  count: number;
}

/** One peer's counters; they live as long as the peer is configured, across its sessions. */
export interface PeerCounters {
  readonly received: MessageCounts;
  readonly sent: MessageCounts;
  /** By `direction/code/subcode`. */
  readonly notifications: Map<string, NotificationCount>;
  /** Times the session reached Established. */
  established: number;
}

const TYPE_OFFSET = HEADER_LENGTH - 1;
const UNICAST: readonly AfiSafiName[] = ['ipv4-unicast', 'ipv6-unicast'];

function messageCounts(): MessageCounts {
  return { open: 0, update: 0, notification: 0, keepalive: 0, 'route-refresh': 0 };
}

function newPeerCounters(): PeerCounters {
  return { received: messageCounts(), sent: messageCounts(), notifications: new Map(), established: 0 };
}

function typeName(message: Uint8Array): MessageTypeName | undefined {
  const type = message[TYPE_OFFSET];
  return type === undefined ? undefined : (MESSAGE_TYPE_NAMES as Partial<Record<number, MessageTypeName>>)[type];
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

  /** The speaker's send hook: one increment per message, by the header's type octet. */
  countSent(peer: string, messages: readonly Uint8Array[]): void {
    const sent = this.#counters.get(peer)?.sent;
    if (sent === undefined) return;
    for (const message of messages) {
      const name = typeName(message);
      if (name !== undefined) sent[name]++;
    }
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
      c.received.update++;
      if (awaiting === undefined) return;
      const eor = isEndOfRib(update);
      const family = eor === undefined ? undefined : afiSafiName(eor.afi, eor.safi);
      if (family === undefined || !awaiting.delete(family) || awaiting.size > 0) return;
      awaiting = undefined;
      this.#onTableComplete?.(name);
    });
    session.on('routeRefresh', () => {
      c.received['route-refresh']++;
    });
    session.on('down', (down) => {
      awaiting = undefined;
      if (down.sent) this.#notification(c, 'sent', down.sent.code, down.sent.subcode);
      if (down.received) this.#notification(c, 'received', down.received.code, down.received.subcode);
    });
  }

  #notification(c: PeerCounters, direction: Direction, code: number, subcode: number): void {
    c[direction].notification++;
    const key = `${direction}/${code}/${subcode}`;
    const entry = c.notifications.get(key);
    if (entry) entry.count++;
    else c.notifications.set(key, { direction, code, subcode, count: 1 });
  }
}
