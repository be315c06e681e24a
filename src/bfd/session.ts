/**
 * One BFD session's state machine (RFC 5880 §6.8), in asynchronous mode: no Demand mode of our
 * own, no Echo function; always in the Active role. With authentication configured (§6.7), it
 * signs what it sends and checks what it receives, and keeps the sequence numbers of §6.8.1
 * (bfd.XmitAuthSeq, bfd.RcvAuthSeq, bfd.AuthSeqKnown); auth.ts does the arithmetic.
 * Pure apart from the injected clock, jitter source and `send`: the transport encodes and
 * demultiplexes, this decides what to send and when, and which state the session is in.
 *
 * Intervals are kept in milliseconds (fractions allowed: the initial RemoteMinRxInterval is
 * 1 µs) and converted to the wire's microseconds only when a packet is built.
 */
import { EventEmitter } from 'node:events';
import { randomInt } from 'node:crypto';
import type { Clock, TimerHandle } from '../fsm/timers.js';
import { bfdAuthKeyProblem, checkBfdAuth, inAuthSequenceWindow, isMeticulous, signBfdControl, type BfdAuthDiscard, type BfdAuthKey } from './auth.js';
import { encodeBfdControl } from './packet.js';
import { BfdAuthType, BfdDiag, BfdState, type BfdAuthTypeInUse, type BfdControlPacket } from './types.js';

export interface BfdIntervals {
  /** bfd.DesiredMinTxInterval once Up, in ms (the wire carries µs). */
  readonly desiredMinTxMs: number;
  /** bfd.RequiredMinRxInterval, in ms. */
  readonly requiredMinRxMs: number;
  /** bfd.DetectMult. */
  readonly detectMult: number;
}

export interface BfdSessionOptions extends BfdIntervals {
  /** bfd.LocalDiscr: non-zero, unique among this system's sessions (the caller allocates it). */
  readonly localDiscriminator: number;
  readonly clock: Clock;
  /** Jitter source in [0, 1) (default Math.random). */
  readonly random?: () => number;
  /** Puts a Control packet on the wire (the transport encodes it); signed when `auth` is set. */
  readonly send: (packet: BfdControlPacket) => void;
  /** Authentication in use (§6.7): bfd.AuthType, the key and its ID. Absent: none (bfd.AuthType 0). */
  readonly auth?: BfdAuthKey;
  /** The first bfd.XmitAuthSeq (§6.8.1: random by default; tests fix it). */
  readonly xmitAuthSeq?: number;
}

/** The §6.8.1 state variables and a few counters, for `show bfd` and the metrics. */
export interface BfdSessionInfo {
  readonly state: BfdState;
  readonly remoteState: BfdState;
  readonly localDiag: number;
  /** The Diag of the last packet received. */
  readonly remoteDiag: number;
  readonly localDiscriminator: number;
  /** 0 until the peer is heard, and again once a Detection Time passes in silence (§6.8.1). */
  readonly remoteDiscriminator: number;
  /** The negotiated transmit interval before jitter (§6.8.2, §6.8.7). */
  readonly txIntervalMs: number;
  /** The Detection Time in use (§6.8.4); 0 before the first packet from the peer. */
  readonly detectionTimeMs: number;
  /** What the peer's last packet carried: Required Min RX (bfd.RemoteMinRxInterval), Desired Min TX, Detect Mult. */
  readonly remoteMinRxMs: number;
  readonly remoteDesiredMinTxMs: number;
  readonly remoteDetectMult: number;
  /** When bfd.SessionState last changed (or the session was created). */
  readonly since: Date;
  readonly packetsSent: number;
  /** Every packet handed to `receive`, discarded ones included. */
  readonly packetsReceived: number;
  /** Transitions into Up, and from Up to Down (not to AdminDown). */
  readonly upTransitions: number;
  readonly downTransitions: number;
  /** bfd.AuthType (§6.8.1) and the key ID in use; undefined without authentication. Never the key. */
  readonly authType: BfdAuthTypeInUse | undefined;
  readonly authKeyId: number | undefined;
  /** Received packets discarded for failing authentication (§6.7). */
  readonly authFailures: number;
}

export interface BfdSessionEvents {
  /** bfd.SessionState changed; `diag` is the new bfd.LocalDiag. */
  state: [from: BfdState, to: BfdState, diag: number];
}

/** §6.8.3: while not Up, bfd.DesiredMinTxInterval is at least one second. */
const SLOW_DESIRED_MIN_TX_MS = 1000;
/** §6.8.1: bfd.RemoteMinRxInterval starts at 1 µs. */
const INITIAL_REMOTE_MIN_RX_MS = 0.001;
/** The wire's 32-bit microsecond fields (§4.1). */
const MAX_INTERVAL_MS = 0xffff_ffff / 1000;
/** Non-meticulous keyed types: bfd.XmitAuthSeq advances at most this often (and at every change of state). */
const KEYED_SEQUENCE_STEP_MS = 1000;

export class BfdSession extends EventEmitter<BfdSessionEvents> {
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #send: (packet: BfdControlPacket) => void;
  readonly #localDiscriminator: number;
  #configured: BfdIntervals;

  // §6.8.1 state variables.
  #sessionState: BfdState = BfdState.ADMIN_DOWN;
  #remoteState: BfdState = BfdState.DOWN;
  #remoteDiscriminator = 0;
  #localDiag: number = BfdDiag.NONE;
  #remoteMinRxMs = INITIAL_REMOTE_MIN_RX_MS;
  #remoteDemandMode = false;

  /** bfd.DesiredMinTxInterval and bfd.RequiredMinRxInterval as our packets carry them. */
  #advertisedDesiredMinTxMs: number;
  #advertisedRequiredMinRxMs: number;
  /** The values the transmit interval and the Detection Time use: they lag behind a change while Up (§6.8.3). */
  #txDesiredMinTxMs: number;
  #detectRequiredMinRxMs: number;
  /** §6.5: our periodic packets carry P until a packet with F arrives. */
  #pollActive = false;

  // What the peer's last packet said.
  #remoteDiag = 0;
  #remoteDesiredMinTxMs = 0;
  #remoteDetectMult = 0;

  /** Sending periodic packets: from start() until a Detection Time after stop(). */
  #transmitting = false;
  #lastPeriodicSentAt: number | undefined;
  #txTimer: TimerHandle | undefined;
  #txDueAt = 0;
  /** The transmit interval the pending periodic packet was scheduled with. */
  #txArmedIntervalMs = 0;
  #detectTimer: TimerHandle | undefined;
  #adminDownTimer: TimerHandle | undefined;

  #since = new Date();
  #packetsSent = 0;
  #packetsReceived = 0;
  #upTransitions = 0;
  #downTransitions = 0;

  // §6.8.1 authentication variables; bfd.AuthType is #auth's type (absent: 0).
  #auth: BfdAuthKey | undefined;
  #xmitAuthSeq: number;
  /** When bfd.XmitAuthSeq last advanced (non-meticulous types). */
  #xmitAuthSeqAt: number | undefined;
  /** The state changed since the last packet: a non-meticulous sequence number advances too. */
  #xmitAuthSeqStale = false;
  #rcvAuthSeq = 0;
  #authSeqKnown = false;
  /** §6.8.1: bfd.AuthSeqKnown is cleared after twice the Detection Time without a valid packet. */
  #authSeqTimer: TimerHandle | undefined;
  #authFailures = 0;

  constructor(opts: BfdSessionOptions) {
    super();
    if (!Number.isInteger(opts.localDiscriminator) || opts.localDiscriminator < 1 || opts.localDiscriminator > 0xffff_ffff) {
      // §6.8.1: bfd.LocalDiscr MUST be nonzero.
      throw new RangeError(`BFD local discriminator ${opts.localDiscriminator} is not a non-zero 32-bit value`);
    }
    checkIntervals(opts);
    this.#clock = opts.clock;
    this.#random = opts.random ?? Math.random;
    this.#send = opts.send;
    this.#localDiscriminator = opts.localDiscriminator;
    this.#configured = { desiredMinTxMs: opts.desiredMinTxMs, requiredMinRxMs: opts.requiredMinRxMs, detectMult: opts.detectMult };
    this.#advertisedDesiredMinTxMs = this.#txDesiredMinTxMs = this.#desiredMinTxForState();
    this.#advertisedRequiredMinRxMs = this.#detectRequiredMinRxMs = opts.requiredMinRxMs;
    if (opts.auth !== undefined) checkAuthKey(opts.auth);
    this.#auth = opts.auth;
    // §6.8.1: "bfd.XmitAuthSeq ... MUST be initialized to a random 32-bit value."
    this.#xmitAuthSeq = (opts.xmitAuthSeq ?? randomInt(0, 2 ** 32)) >>> 0;
  }

  get state(): BfdState {
    return this.#sessionState;
  }

  /** AdminDown → Down, and the first packet goes out at once (at the slow rate, §6.8.3). */
  start(): void {
    if (this.#sessionState !== BfdState.ADMIN_DOWN) return;
    this.#cancel(this.#adminDownTimer);
    this.#adminDownTimer = undefined;
    this.#changeState(BfdState.DOWN, BfdDiag.NONE);
    this.#transmitting = true;
    this.#transmitPeriodic();
  }

  /**
   * To AdminDown with Diag 7 (§6.8.16). Packets keep going out for a Detection Time so the peer
   * learns of it (going Down with Diag 3 rather than waiting out its own Detection Time), then
   * every timer stops.
   */
  stop(): void {
    if (this.#sessionState === BfdState.ADMIN_DOWN) return;
    this.#changeState(BfdState.ADMIN_DOWN, BfdDiag.ADMINISTRATIVELY_DOWN);
    const lingerMs = this.#detectionTimeMs() || this.#configured.detectMult * this.#txIntervalMs();
    this.#adminDownTimer = this.#clock.setTimer(lingerMs, () => {
      this.#adminDownTimer = undefined;
      this.#transmitting = false;
      this.#cancelTransmitTimer();
      this.#cancel(this.#detectTimer);
      this.#detectTimer = undefined;
      this.#cancel(this.#authSeqTimer);
      this.#authSeqTimer = undefined;
    });
  }

  /**
   * §6.8.6 reception, for a packet the codec has checked (version, length, Detect Mult, My
   * Discriminator, Multipoint, the shape of the Authentication Section) and the transport has
   * demultiplexed to this session. `wire` is the packet as received, which a keyed digest covers
   * octet for octet (by default the packet encoded again: the same octets but for the ignored
   * Reserved one). Returns why the packet failed authentication, when it did: it is then
   * discarded, and nothing of the session changes but a counter.
   */
  receive(packet: BfdControlPacket, wire?: Uint8Array): BfdAuthDiscard | undefined {
    this.#packetsReceived++;
    // §6.8.6: a zero Your Discriminator is only valid in Down and AdminDown packets; a non-zero
    // one selects the session (the demultiplexer's job, checked again here).
    if (packet.yourDiscriminator === 0) {
      if (packet.state === BfdState.INIT || packet.state === BfdState.UP) return undefined;
    } else if (packet.yourDiscriminator !== this.#localDiscriminator) {
      return undefined;
    }

    // §6.8.6: the A bit against bfd.AuthType, then §6.7's rules for the type in use.
    const failure = this.#authenticate(packet, wire);
    if (failure !== undefined) {
      this.#authFailures++;
      return failure;
    }

    // §6.8.6: what the peer told us, before anything else.
    this.#remoteDiscriminator = packet.myDiscriminator;
    this.#remoteState = packet.state;
    this.#remoteDemandMode = packet.demand;
    this.#remoteMinRxMs = packet.requiredMinRxUs / 1000;
    this.#remoteDiag = packet.diag;
    this.#remoteDesiredMinTxMs = packet.desiredMinTxUs / 1000;
    this.#remoteDetectMult = packet.detectMult;

    // §6.8.6, §6.5: a Final ends our Poll Sequence, and the changes it held back take effect (§6.8.3).
    if (packet.final && this.#pollActive) {
      this.#pollActive = false;
      this.#txDesiredMinTxMs = this.#advertisedDesiredMinTxMs;
      this.#detectRequiredMinRxMs = this.#advertisedRequiredMinRxMs;
    }
    // §6.8.6 → §6.8.2: the transmit interval follows the peer's Required Min RX (a lower one at once, §6.8.3).
    this.#refreshTransmitTimer();
    if (this.#auth !== undefined && this.#auth.type !== BfdAuthType.SIMPLE_PASSWORD) this.#restartAuthSeqTimer();

    // §6.8.6: in AdminDown the packet is discarded here.
    if (this.#sessionState === BfdState.ADMIN_DOWN) return undefined;

    this.#advance(packet.state);

    // §6.8.6, §6.8.7: a Poll is answered at once, outside the periodic schedule, with F and never P.
    if (packet.poll) this.#transmit(false, true);

    // §6.8.6, §6.8.4: the packet was received, so the Detection Time starts again.
    this.#restartDetectionTimer();
    return undefined;
  }

  /**
   * New authentication (a config reload), applied to the running session: the RFC asks no
   * restart (§6.7.1 lets keys change under a running session, which is what Auth Key ID is for).
   * Packets go out with the new key at once; the peer, until it has the same key, discards them,
   * and the session goes Down after a Detection Time as for any failure of the path. A new key
   * or type clears bfd.AuthSeqKnown: the peer's sequence numbers under the old key say nothing
   * of the new one. bfd.XmitAuthSeq carries on.
   */
  setAuth(auth: BfdAuthKey | undefined): void {
    if (auth !== undefined) checkAuthKey(auth);
    this.#auth = auth;
    this.#authSeqKnown = false;
    this.#cancel(this.#authSeqTimer);
    this.#authSeqTimer = undefined;
  }

  /**
   * New intervals (a config reload). §6.8.3: while not Up they apply at once; while Up a change
   * starts a Poll Sequence (§6.5), and a slower transmit rate or a shorter Detection Time waits
   * for its end.
   */
  retime(intervals: BfdIntervals): void {
    checkIntervals(intervals);
    this.#configured = { desiredMinTxMs: intervals.desiredMinTxMs, requiredMinRxMs: intervals.requiredMinRxMs, detectMult: intervals.detectMult };
    this.#updateLocalIntervals();
  }

  info(): BfdSessionInfo {
    return {
      state: this.#sessionState,
      remoteState: this.#remoteState,
      localDiag: this.#localDiag,
      remoteDiag: this.#remoteDiag,
      localDiscriminator: this.#localDiscriminator,
      remoteDiscriminator: this.#remoteDiscriminator,
      txIntervalMs: this.#txIntervalMs(),
      detectionTimeMs: this.#detectionTimeMs(),
      remoteMinRxMs: this.#remoteMinRxMs,
      remoteDesiredMinTxMs: this.#remoteDesiredMinTxMs,
      remoteDetectMult: this.#remoteDetectMult,
      since: this.#since,
      packetsSent: this.#packetsSent,
      packetsReceived: this.#packetsReceived,
      upTransitions: this.#upTransitions,
      downTransitions: this.#downTransitions,
      authType: this.#auth?.type,
      authKeyId: this.#auth?.keyId,
      authFailures: this.#authFailures,
    };
  }

  /**
   * §6.8.6 and §6.7.2–6.7.4 reception: the A bit, type, key ID, sequence window and password or
   * digest; an accepted keyed packet's sequence number becomes bfd.RcvAuthSeq. The RFC's text
   * takes the first sequence number (bfd.AuthSeqKnown 0) before the digest is checked; it is
   * taken here only once the digest matched, so a forged packet cannot move the window.
   */
  #authenticate(packet: BfdControlPacket, wire: Uint8Array | undefined): BfdAuthDiscard | undefined {
    const key = this.#auth;
    const auth = packet.auth;
    // The stateless checks first when they fail on type or key ID, so a packet of another type
    // is reported as such rather than by its sequence number.
    if (key === undefined || auth === undefined || auth.type !== key.type || auth.keyId !== key.keyId) {
      return checkBfdAuth(packet, wire ?? encodeBfdControl(packet), key);
    }
    if (auth.type !== BfdAuthType.SIMPLE_PASSWORD) {
      // §6.7.3, §6.7.4: with bfd.AuthSeqKnown, the sequence number must lie in the window.
      if (this.#authSeqKnown && !inAuthSequenceWindow(auth.sequence, this.#rcvAuthSeq, packet.detectMult, isMeticulous(auth.type))) {
        return {
          discard: 'auth-sequence-out-of-window',
          detail: `Sequence Number ${auth.sequence} is outside ${this.#rcvAuthSeq}${isMeticulous(auth.type) ? ' + 1' : ''}..${this.#rcvAuthSeq} + ${3 * packet.detectMult}`,
        };
      }
    }
    const failure = checkBfdAuth(packet, wire ?? encodeBfdControl(packet), key);
    if (failure !== undefined) return failure;
    if (auth.type !== BfdAuthType.SIMPLE_PASSWORD) {
      this.#rcvAuthSeq = auth.sequence;
      this.#authSeqKnown = true;
    }
    return undefined;
  }

  /** §6.8.1: bfd.AuthSeqKnown goes back to 0 after twice the Detection Time without a valid packet. */
  #restartAuthSeqTimer(): void {
    this.#cancel(this.#authSeqTimer);
    this.#authSeqTimer = this.#clock.setTimer(2 * this.#detectionTimeMs(), () => {
      this.#authSeqTimer = undefined;
      this.#authSeqKnown = false;
    });
  }

  /** §6.8.6: the three-way handshake, and the peer signalling Down. */
  #advance(received: BfdState): void {
    const state = this.#sessionState;
    if (received === BfdState.ADMIN_DOWN) {
      if (state !== BfdState.DOWN) this.#changeState(BfdState.DOWN, BfdDiag.NEIGHBOR_SIGNALED_SESSION_DOWN);
    } else if (state === BfdState.DOWN) {
      if (received === BfdState.DOWN) this.#changeState(BfdState.INIT, BfdDiag.NONE);
      else if (received === BfdState.INIT) this.#changeState(BfdState.UP, BfdDiag.NONE);
    } else if (state === BfdState.INIT) {
      if (received === BfdState.INIT || received === BfdState.UP) this.#changeState(BfdState.UP, BfdDiag.NONE);
    } else if (received === BfdState.DOWN) {
      this.#changeState(BfdState.DOWN, BfdDiag.NEIGHBOR_SIGNALED_SESSION_DOWN);
    }
  }

  /** §4.1: Diag is the reason for the last change of state, so a change for no failure clears it. */
  #changeState(to: BfdState, diag: number): void {
    const from = this.#sessionState;
    if (from === to) return;
    this.#sessionState = to;
    this.#localDiag = diag;
    this.#since = new Date();
    if (to === BfdState.UP) this.#upTransitions++;
    if (from === BfdState.UP && to === BfdState.DOWN) this.#downTransitions++;
    this.#xmitAuthSeqStale = true;
    // §6.8.3: the ≥ 1 s floor on bfd.DesiredMinTxInterval comes and goes with Up.
    this.#updateLocalIntervals();
    this.emit('state', from, to, diag);
  }

  /** §6.8.3: bfd.DesiredMinTxInterval is at least 1 s while not Up. */
  #desiredMinTxForState(): number {
    const configured = this.#configured.desiredMinTxMs;
    return this.#sessionState === BfdState.UP ? configured : Math.max(SLOW_DESIRED_MIN_TX_MS, configured);
  }

  /** Brings bfd.DesiredMinTxInterval and bfd.RequiredMinRxInterval in line with the configuration and the state (§6.8.3). */
  #updateLocalIntervals(): void {
    const desired = this.#desiredMinTxForState();
    const required = this.#configured.requiredMinRxMs;
    const changed = desired !== this.#advertisedDesiredMinTxMs || required !== this.#advertisedRequiredMinRxMs;
    this.#advertisedDesiredMinTxMs = desired;
    this.#advertisedRequiredMinRxMs = required;
    if (this.#sessionState === BfdState.UP) {
      // §6.8.3: a faster transmit rate and a longer Detection Time are safe at once; a slower
      // rate and a shorter Detection Time wait until the Poll Sequence ends, so the peer has
      // adapted first. BFD cannot tell which Poll a Final answers (§6.5): one that arrives after
      // a second change ends the sequence with the values advertised then.
      this.#txDesiredMinTxMs = Math.min(this.#txDesiredMinTxMs, desired);
      this.#detectRequiredMinRxMs = Math.max(this.#detectRequiredMinRxMs, required);
      if (changed) this.#pollActive = true;
    } else {
      // Not Up: nothing to protect, and no Poll Sequence (one in progress is abandoned).
      this.#pollActive = false;
      this.#txDesiredMinTxMs = desired;
      this.#detectRequiredMinRxMs = required;
    }
    this.#refreshTransmitTimer();
  }

  /** §6.8.2, §6.8.7: the larger of bfd.DesiredMinTxInterval (as in use) and bfd.RemoteMinRxInterval. */
  #txIntervalMs(): number {
    return Math.max(this.#txDesiredMinTxMs, this.#remoteMinRxMs);
  }

  /** §6.8.4 (asynchronous mode): the peer's Detect Mult × max(bfd.RequiredMinRxInterval, its last Desired Min TX). */
  #detectionTimeMs(): number {
    return this.#remoteDetectMult * Math.max(this.#detectRequiredMinRxMs, this.#remoteDesiredMinTxMs);
  }

  /**
   * §6.8.7: the interval reduced by a random 0–25 %; with bfd.DetectMult 1, 75–90 % of it, so
   * the peer's Detection Time never passes before the next packet.
   */
  #jittered(intervalMs: number): number {
    const r = this.#random();
    return this.#configured.detectMult === 1 ? intervalMs * (0.9 - 0.15 * r) : intervalMs * (1 - 0.25 * r);
  }

  /** §6.8.7: no periodic packets when the peer asks for none (RemoteMinRxInterval 0) or runs Demand mode. */
  #periodicAllowed(): boolean {
    if (this.#remoteMinRxMs === 0) return false;
    const remoteDemandActive = this.#remoteDemandMode && this.#sessionState === BfdState.UP && this.#remoteState === BfdState.UP;
    return !remoteDemandActive || this.#pollActive;
  }

  /**
   * Reschedules periodic transmission after anything that changes whether or how often we send.
   * §6.8.3: a shorter interval is honoured at once; a longer one from the packet after the one
   * already scheduled, which the peer's Detection Time still expects at the old rate.
   */
  #refreshTransmitTimer(): void {
    if (!this.#transmitting || !this.#periodicAllowed()) {
      this.#cancelTransmitTimer();
      return;
    }
    const interval = this.#txIntervalMs();
    if (this.#txTimer !== undefined && interval >= this.#txArmedIntervalMs) return;
    const now = this.#clock.now();
    const due = Math.max(now, (this.#lastPeriodicSentAt ?? now) + this.#jittered(interval));
    if (this.#txTimer !== undefined && due >= this.#txDueAt) return;
    this.#armTransmitTimer(due, interval);
  }

  #armTransmitTimer(dueAt: number, intervalMs: number): void {
    this.#cancelTransmitTimer();
    this.#txDueAt = dueAt;
    this.#txArmedIntervalMs = intervalMs;
    this.#txTimer = this.#clock.setTimer(dueAt - this.#clock.now(), () => {
      this.#txTimer = undefined;
      this.#transmitPeriodic();
    });
  }

  #cancelTransmitTimer(): void {
    this.#cancel(this.#txTimer);
    this.#txTimer = undefined;
  }

  /** §6.8.7: one periodic packet (P while a Poll Sequence is active), and the next one scheduled before it goes out. */
  #transmitPeriodic(): void {
    this.#cancelTransmitTimer();
    if (!this.#periodicAllowed()) return;
    const now = this.#clock.now();
    const interval = this.#txIntervalMs();
    this.#lastPeriodicSentAt = now;
    this.#armTransmitTimer(now + this.#jittered(interval), interval);
    this.#transmit(this.#pollActive, false);
  }

  /** §6.8.7: the packet's contents, signed when authentication is in use (§6.7). */
  #transmit(poll: boolean, final: boolean): void {
    this.#packetsSent++;
    const packet: BfdControlPacket = {
      diag: this.#localDiag,
      state: this.#sessionState,
      poll,
      final,
      controlPlaneIndependent: false,
      demand: false,
      detectMult: this.#configured.detectMult,
      myDiscriminator: this.#localDiscriminator,
      yourDiscriminator: this.#remoteDiscriminator,
      desiredMinTxUs: Math.round(this.#advertisedDesiredMinTxMs * 1000),
      requiredMinRxUs: Math.round(this.#advertisedRequiredMinRxMs * 1000),
      // No Echo function.
      requiredMinEchoRxUs: 0,
    };
    const auth = this.#auth;
    this.#send(auth === undefined ? packet : signBfdControl(packet, auth, this.#nextXmitAuthSeq(auth)));
  }

  /**
   * bfd.XmitAuthSeq for the next packet. §6.7.3, §6.7.4: the meticulous types MUST advance it
   * with every packet; the others MAY. petrel advances those, as BIRD does, at most once a
   * second and at every change of state (the packet a peer must not miss), so a recorded packet
   * stops being accepted soon while the peer's window (3 × Detect Mult) is never outrun: at most
   * one step per packet.
   */
  #nextXmitAuthSeq(auth: BfdAuthKey): number {
    const now = this.#clock.now();
    const due = isMeticulous(auth.type) || this.#xmitAuthSeqAt === undefined || now - this.#xmitAuthSeqAt >= KEYED_SEQUENCE_STEP_MS || this.#xmitAuthSeqStale;
    if (due) {
      // The first packet goes out with the random initial value; every step is circular (§6.7.3).
      if (this.#xmitAuthSeqAt !== undefined || isMeticulous(auth.type)) this.#xmitAuthSeq = (this.#xmitAuthSeq + 1) >>> 0;
      this.#xmitAuthSeqAt = now;
      this.#xmitAuthSeqStale = false;
    }
    return this.#xmitAuthSeq;
  }

  #restartDetectionTimer(): void {
    this.#cancel(this.#detectTimer);
    this.#detectTimer = this.#clock.setTimer(this.#detectionTimeMs(), () => {
      this.#detectTimer = undefined;
      this.#detectionTimeExpired();
    });
  }

  /** §6.8.4: silence for a Detection Time takes Init and Up down; §6.8.1: the peer's discriminator is forgotten. */
  #detectionTimeExpired(): void {
    this.#remoteDiscriminator = 0;
    if (this.#sessionState === BfdState.INIT || this.#sessionState === BfdState.UP) {
      this.#changeState(BfdState.DOWN, BfdDiag.CONTROL_DETECTION_TIME_EXPIRED);
    }
  }

  #cancel(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.#clock.clearTimer(handle);
  }
}

/** §4.2–4.4: a key of the length its type takes, and a one-octet key ID. */
function checkAuthKey(auth: BfdAuthKey): void {
  const problem = bfdAuthKeyProblem(auth.type, auth.key.length);
  if (problem !== undefined) throw new RangeError(problem);
  if (!Number.isInteger(auth.keyId) || auth.keyId < 0 || auth.keyId > 255) throw new RangeError(`BFD Auth Key ID ${auth.keyId} is not 0–255`);
}

/** §4.1: Desired Min TX is non-zero, Detect Mult one octet and non-zero (§6.8.6), each interval a 32-bit µs count. */
function checkIntervals(intervals: BfdIntervals): void {
  const { desiredMinTxMs, requiredMinRxMs, detectMult } = intervals;
  if (!(desiredMinTxMs > 0 && desiredMinTxMs <= MAX_INTERVAL_MS)) throw new RangeError(`BFD desired min TX ${desiredMinTxMs} ms is out of range`);
  if (!(requiredMinRxMs >= 0 && requiredMinRxMs <= MAX_INTERVAL_MS)) throw new RangeError(`BFD required min RX ${requiredMinRxMs} ms is out of range`);
  if (!Number.isInteger(detectMult) || detectMult < 1 || detectMult > 255) throw new RangeError(`BFD detect multiplier ${detectMult} is not 1–255`);
}
