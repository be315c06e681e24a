// In-memory BGP sessions for pipeline tests: two ends of a "connection" pass real encoded
// messages (encodeMessage on the sender, decodeMessage on the receiver) between daemons, with a
// write queue and a high-water mark so backpressure can be exercised. A network object pairs the
// ends by (local address, peer address), as TCP would.
import { EventEmitter } from 'node:events';
import { CeaseSubcode } from '../../src/bgp/constants.js';
import { cease, type BgpError } from '../../src/bgp/errors.js';
import { decodeMessage, encodeMessage } from '../../src/bgp/index.js';
import { notificationFor } from '../../src/bgp/notification.js';
import type { AfiSafiName, BgpMessage, UpdateMessage } from '../../src/bgp/types.js';
import type { EffectivePeer } from '../../src/config/peers.js';
import type { Config } from '../../src/config/schema.js';
import type { Negotiated } from '../../src/fsm/negotiate.js';
import { countMessage, newSessionMessageCounts } from '../../src/fsm/message-counts.js';
import type { SessionDown, SessionEvents, SessionHandle, SessionInfo } from '../../src/fsm/session-api.js';
import type { LiveTimes } from '../../src/fsm/session-config.js';
import type { StateName } from '../../src/fsm/states.js';
import type { SessionBackend } from '../../src/daemon/session-backend.js';

export interface EndSettings {
  readonly name: string;
  readonly localAddress: string;
  readonly address: string;
  readonly asNumber: number;
  readonly localAs: number;
  readonly routerId: string;
  readonly gracefulRestartSec?: number;
  /** The families this end's GR capability lists, with the F bit (default: IPv4 with F set). */
  readonly gracefulRestartFamilies?: readonly { readonly name: AfiSafiName; readonly forwardingPreserved: boolean }[];
  readonly enhancedRouteRefresh?: boolean;
  /** Advertise route refresh (RFC 2918); default true. */
  readonly routeRefresh?: boolean;
  readonly highWaterMark?: number;
}

function negotiatedFor(self: EndSettings, other: EndSettings): Negotiated {
  const gr = self.gracefulRestartSec !== undefined && other.gracefulRestartSec !== undefined;
  return {
    peerAs: other.localAs,
    peerId: other.routerId,
    internal: self.localAs === other.localAs,
    holdTimeSec: 90,
    keepaliveSec: 30,
    families: ['ipv4-unicast', 'ipv6-unicast'],
    fourOctetAs: true,
    addPath: { receive: [], send: [] },
    extendedMessage: false,
    routeRefresh: self.routeRefresh !== false && other.routeRefresh !== false,
    enhancedRouteRefresh: self.enhancedRouteRefresh === true && other.enhancedRouteRefresh === true,
    ...(gr
      ? {
          gracefulRestart: {
            restartTimeSec: other.gracefulRestartSec,
            peerRestarting: false,
            notification: false,
            families: other.gracefulRestartFamilies ?? [{ name: 'ipv4-unicast' as const, forwardingPreserved: true }],
          },
        }
      : {}),
    // As the daemon's TCP sessions deliver them (tcp-backend.ts): the IPv4 fields packed, MP prefixes as numbers.
    receiveContext: { numericIpv4: true, packedIpv4: true },
    sendContext: {},
  };
}

export class MemorySession extends EventEmitter<SessionEvents> implements SessionHandle {
  readonly name: string;
  readonly settings: EndSettings;
  other: MemorySession | undefined;
  #state: StateName = 'Idle';
  #since = new Date(0);
  #wantUp = false;
  #disabled = false;
  #negotiated: Negotiated | undefined;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #held = false;
  #deliveryScheduled = false;
  #lastError: string | undefined;
  /** What this end received, decoded, in order. */
  readonly received: BgpMessage[] = [];
  /** Raw messages this end sent (the bytes `send` was given), in order. */
  readonly sentRaw: Uint8Array[] = [];
  /** Arguments of every `send` call, to check that a group shares one encoding. */
  readonly sendCalls: (readonly Uint8Array[])[] = [];
  /** What a real session counts at its connections; OPEN and KEEPALIVE never cross this fake link. */
  readonly #messages = newSessionMessageCounts();
  /** When true, a session going down from a peer's NOTIFICATION or a lost link retains routes (RFC 4724). */
  retainOnLoss = false;

  constructor(settings: EndSettings) {
    super();
    this.name = settings.name;
    this.settings = settings;
  }

  get backpressured(): boolean {
    return this.#queuedBytes > (this.settings.highWaterMark ?? 1 << 20);
  }

  get established(): boolean {
    return this.#state === 'Established';
  }

  info(): SessionInfo {
    return {
      name: this.name,
      address: this.settings.address,
      port: 179,
      asNumber: this.settings.asNumber,
      state: this.#state,
      since: this.#since,
      ...(this.#negotiated ? { negotiated: this.#negotiated } : {}),
      localAddress: this.settings.localAddress,
      connectRetryCounter: 0,
      ...(this.#lastError !== undefined ? { lastError: this.#lastError } : {}),
      disabled: this.#disabled,
      messages: { sent: { ...this.#messages.sent }, received: { ...this.#messages.received } },
    };
  }

  start(): void {
    this.#wantUp = true;
    this.#disabled = false;
    this.#tryEstablish();
  }

  stop(why?: BgpError): Promise<void> {
    this.#wantUp = false;
    this.#disabled = true;
    const error = why ?? cease(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, 'cease.admin-shutdown', 'stop');
    if (this.established) {
      const other = this.other!;
      this.#goDown({ reason: 'admin-down', wasEstablished: true, retainRoutes: false, sent: error });
      other.#goDown({
        reason: 'notification-received',
        wasEstablished: true,
        retainRoutes: other.retainOnLoss,
        // As the wire would deliver it: an RFC 9003 shutdown communication decoded.
        received: notificationFor(error),
      });
    }
    return Promise.resolve();
  }

  /** The connect and error-wait times each reload handed over (`retime`), in order. */
  readonly retimes: LiveTimes[] = [];

  retime(times: LiveTimes): void {
    this.retimes.push(times);
  }

  reset(why: BgpError = cease(CeaseSubcode.ADMINISTRATIVE_RESET, 'cease.admin-reset', 'reset')): void {
    void this.stop(why);
    this.start();
    this.other?.start();
  }

  stopAutomatically(why: BgpError): void {
    if (this.established) {
      const other = this.other!;
      this.#goDown({ reason: 'automatic-stop', wasEstablished: true, retainRoutes: false, sent: why });
      other.#goDown({ reason: 'notification-received', wasEstablished: true, retainRoutes: other.retainOnLoss, received: notificationFor(why) });
    }
    // No error wait in memory: the session is wanted up, so it comes back at once.
    this.#tryEstablish();
  }

  /** The link breaks without a NOTIFICATION (both ends see connection-lost). */
  breakLink(): void {
    if (!this.established) return;
    const other = this.other!;
    this.#goDown({ reason: 'connection-lost', wasEstablished: true, retainRoutes: this.retainOnLoss });
    other.#goDown({ reason: 'connection-lost', wasEstablished: true, retainRoutes: other.retainOnLoss });
  }

  /** Come back after `breakLink` (both ends want to be up). */
  reconnect(): void {
    this.#tryEstablish();
  }

  send(messages: readonly Uint8Array[]): boolean {
    this.sendCalls.push(messages);
    if (!this.established) return true;
    for (const m of messages) {
      this.sentRaw.push(m);
      countMessage(this.#messages.sent, m);
      this.#queue.push(m);
      this.#queuedBytes += m.length;
    }
    this.#scheduleDelivery();
    return !this.backpressured;
  }

  /** Stop delivering (the peer stops reading): the queue grows and `send` returns false. */
  hold(): void {
    this.#held = true;
  }

  release(): void {
    this.#held = false;
    this.#scheduleDelivery();
  }

  /** A test script sends a message as this end. */
  sendMessage(message: BgpMessage): boolean {
    return this.send([encodeMessage(message, this.#negotiated?.sendContext)]);
  }

  updates(): UpdateMessage[] {
    return this.received.filter((m): m is UpdateMessage => m.type === 'update');
  }

  #tryEstablish(): void {
    const other = this.other;
    if (!other || !this.#wantUp || !other.#wantUp || this.established) return;
    for (const end of [this, other]) {
      const from = end.#state;
      end.#state = 'Established';
      end.#since = new Date();
      end.#negotiated = negotiatedFor(end.settings, end === this ? other.settings : this.settings);
      end.emit('state', from, 'Established');
    }
    this.emit('established', this.#negotiated!);
    other.emit('established', other.#negotiated!);
  }

  #goDown(down: SessionDown): void {
    const from = this.#state;
    this.#state = 'Idle';
    this.#since = new Date();
    this.#negotiated = undefined;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#lastError = down.reason;
    if (down.sent) this.#messages.sent.notification++;
    if (down.received) this.#messages.received.notification++;
    this.emit('state', from, 'Idle');
    this.emit('down', down);
  }

  #scheduleDelivery(): void {
    if (this.#deliveryScheduled || this.#held) return;
    this.#deliveryScheduled = true;
    setImmediate(() => this.#deliver());
  }

  #deliver(): void {
    this.#deliveryScheduled = false;
    if (this.#held) return;
    const other = this.other;
    const batch = this.#queue;
    this.#queue = [];
    const wasBackpressured = this.backpressured;
    this.#queuedBytes = 0;
    if (!other || !other.established) return;
    const ctx = other.#negotiated?.receiveContext;
    for (const bytes of batch) {
      const message = decodeMessage(bytes, ctx);
      countMessage(other.#messages.received, bytes);
      // What tests read lists every prefix (`nlri`, `withdrawn`); the daemon gets the packed form.
      other.received.push(ctx?.packedIpv4 === true ? decodeMessage(bytes, { ...ctx, packedIpv4: false }) : message);
      if (message.type === 'update') other.emit('update', message);
      else if (message.type === 'route-refresh') other.emit('routeRefresh', message);
    }
    if (wasBackpressured) this.emit('drain');
  }
}

/** Pairs sessions by address, as TCP connections between speakers on one network. */
export class MemoryNetwork {
  readonly #ends = new Map<string, MemorySession>();
  /** Per-end settings applied when a speaker's backend creates the session. */
  readonly options = new Map<string, Partial<EndSettings> & { retainOnLoss?: boolean }>();

  /** The session `from` has towards `to`, once created. */
  end(from: string, to: string): MemorySession | undefined {
    return this.#ends.get(`${from}>${to}`);
  }

  /** Registers an end and links it with its counterpart if present. */
  add(session: MemorySession): MemorySession {
    const { localAddress, address } = session.settings;
    this.#ends.set(`${localAddress}>${address}`, session);
    const other = this.#ends.get(`${address}>${localAddress}`);
    if (other) {
      session.other = other;
      other.other = session;
    }
    return session;
  }

  /** A scripted peer end (no daemon behind it). */
  scripted(settings: EndSettings): MemorySession {
    const s = this.add(new MemorySession(settings));
    return s;
  }

  backend(localAddress: string): SessionBackend {
    return {
      create: (peer: EffectivePeer, config: Config) => {
        const extra = this.options.get(`${localAddress}>${peer.address}`) ?? {};
        const session = new MemorySession({
          name: peer.name,
          localAddress,
          address: peer.address,
          asNumber: peer.asNumber,
          localAs: peer.localAsNumber,
          routerId: config.routerId,
          ...(peer.gracefulRestart.enabled ? { gracefulRestartSec: peer.gracefulRestart.restartTimeSec } : {}),
          enhancedRouteRefresh: true,
          ...extra,
        });
        if (extra.retainOnLoss !== undefined) session.retainOnLoss = extra.retainOnLoss;
        return this.add(session);
      },
    };
  }
}
