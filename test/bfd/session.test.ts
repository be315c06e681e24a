/**
 * The BFD session state machine (RFC 5880 §6.8, asynchronous mode), on a FakeClock: against
 * hand-made peer packets, and two sessions back to back through an in-memory link.
 */
import { describe, expect, it } from 'vitest';
import { BfdSession, type BfdIntervals } from '../../src/bfd/session.js';
import { BfdDiag, BfdState, type BfdControlPacket } from '../../src/bfd/types.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { LOCAL, sessionHarness, type Sent, type StateEvent } from './builders.js';

const PEER = 0xbeef;
const { ADMIN_DOWN, DOWN, INIT, UP } = BfdState;

const harness = sessionHarness;
type Harness = ReturnType<typeof harness>;

/** A packet from the peer: Down, slow (1 s) Desired Min TX as §6.8.3 has it while not Up, 100 ms Required Min RX. */
function fromPeer(overrides: Partial<BfdControlPacket> = {}): BfdControlPacket {
  return {
    diag: 0,
    state: DOWN,
    poll: false,
    final: false,
    controlPlaneIndependent: false,
    demand: false,
    detectMult: 3,
    myDiscriminator: PEER,
    yourDiscriminator: LOCAL,
    desiredMinTxUs: 1_000_000,
    requiredMinRxUs: 100_000,
    requiredMinEchoRxUs: 0,
    ...overrides,
  };
}

const periodic = (sent: readonly Sent[]): Sent[] => sent.filter((s) => !s.packet.final);
const gaps = (sent: readonly Sent[]): number[] => sent.slice(1).map((s, i) => s.at - sent[i]!.at);

function toInit(h: Harness): void {
  h.session.start();
  h.session.receive(fromPeer({ state: DOWN }));
}

/** Up, with the Poll Sequence of going Up answered so the session sends at its configured rate. */
function toUp(h: Harness, peer: Partial<BfdControlPacket> = {}): void {
  h.session.start();
  h.session.receive(fromPeer({ state: INIT, ...peer }));
  h.session.receive(fromPeer({ state: UP, final: true, ...peer }));
}

describe('§6.8.1 initial values', () => {
  it('is AdminDown until started, then Down with the initial state variables', () => {
    const h = harness();
    expect(h.session.state).toBe(ADMIN_DOWN);
    expect(h.sent).toEqual([]);
    h.session.start();
    const info = h.session.info();
    expect(info).toMatchObject({ state: DOWN, remoteState: DOWN, localDiag: 0, remoteDiag: 0, localDiscriminator: LOCAL, remoteDiscriminator: 0, detectionTimeMs: 0 });
    // bfd.RemoteMinRxInterval starts at 1 µs.
    expect(info.remoteMinRxMs).toBe(0.001);
    expect(h.events).toEqual([{ at: 0, from: ADMIN_DOWN, to: DOWN, diag: 0 }]);
  });

  it('sends at no less than 1 s while not Up, whatever is configured (§6.8.3)', () => {
    const h = harness({ desiredMinTxMs: 50 });
    h.session.start();
    h.clock.advance(5000);
    expect(h.session.info().txIntervalMs).toBe(1000);
    expect(gaps(h.sent)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(h.sent.every((s) => s.packet.desiredMinTxUs === 1_000_000)).toBe(true);
  });

  it('keeps a configured Desired Min TX above 1 s as it is', () => {
    const h = harness({ desiredMinTxMs: 2500 });
    h.session.start();
    h.clock.advance(5000);
    expect(gaps(h.sent)).toEqual([2500, 2500]);
    expect(h.sent[0]!.packet.desiredMinTxUs).toBe(2_500_000);
  });

  it('rejects a zero discriminator and intervals the wire cannot carry', () => {
    const clock = new FakeClock();
    const base = { desiredMinTxMs: 300, requiredMinRxMs: 300, detectMult: 3, localDiscriminator: LOCAL, clock, send: () => undefined };
    expect(() => new BfdSession({ ...base, localDiscriminator: 0 })).toThrow(RangeError);
    expect(() => new BfdSession({ ...base, desiredMinTxMs: 0 })).toThrow(RangeError);
    expect(() => new BfdSession({ ...base, detectMult: 0 })).toThrow(RangeError);
    expect(() => new BfdSession({ ...base, detectMult: 256 })).toThrow(RangeError);
    expect(() => new BfdSession({ ...base, requiredMinRxMs: 5_000_000 })).toThrow(RangeError);
    expect(() => new BfdSession({ ...base, requiredMinRxMs: 0 })).not.toThrow();
  });
});

describe('§6.8.7 transmission', () => {
  it('fills in the packet as §6.8.7 lists', () => {
    const h = harness({ desiredMinTxMs: 250, requiredMinRxMs: 400, detectMult: 4 });
    h.session.start();
    expect(h.sent[0]!.packet).toEqual({
      diag: 0,
      state: DOWN,
      poll: false,
      final: false,
      controlPlaneIndependent: false,
      demand: false,
      detectMult: 4,
      myDiscriminator: LOCAL,
      yourDiscriminator: 0,
      desiredMinTxUs: 1_000_000,
      requiredMinRxUs: 400_000,
      requiredMinEchoRxUs: 0,
    });
    h.session.receive(fromPeer({ state: DOWN }));
    h.clock.advance(1000);
    expect(h.sent.at(-1)!.packet).toMatchObject({ state: INIT, yourDiscriminator: PEER, diag: 0 });
  });

  it('sends at the larger of its Desired Min TX and the peer’s Required Min RX', () => {
    const h = harness();
    toUp(h, { requiredMinRxUs: 700_000 });
    // (Within the 3 s Detection Time of the peer's 1 s Desired Min TX.)
    h.clock.advance(2900);
    expect(h.session.info().txIntervalMs).toBe(700);
    expect(h.sent.map((s) => s.at)).toEqual([0, 700, 1400, 2100, 2800]);
  });

  it('honours a lower Required Min RX from the peer at once (§6.8.3)', () => {
    const h = harness();
    toUp(h, { requiredMinRxUs: 2_000_000 });
    h.clock.advance(1200);
    // Sent at 0 and (the packet scheduled at the slow rate) 1000; the next is due at 3000.
    expect(h.sent.map((s) => s.at)).toEqual([0, 1000]);
    h.session.receive(fromPeer({ state: UP, requiredMinRxUs: 100_000 }));
    h.clock.advance(1000);
    expect(h.sentSince(1000).map((s) => s.at)).toEqual([1300, 1600, 1900, 2200]);
  });

  it('jitters each interval down by 0–25 %', () => {
    for (const [r, gap] of [
      [0, 1000],
      [0.5, 875],
      [0.999_999, 750.00025],
    ] as const) {
      const h = harness({ random: () => r });
      h.session.start();
      h.clock.advance(3000);
      for (const g of gaps(h.sent)) expect(g).toBeCloseTo(gap, 6);
    }
  });

  it('sends at 75–90 % of the interval when Detect Mult is 1', () => {
    for (const [r, gap] of [
      [0, 900],
      [0.999_999, 750.00015],
    ] as const) {
      const h = harness({ detectMult: 1, random: () => r });
      h.session.start();
      h.clock.advance(3000);
      for (const g of gaps(h.sent)) expect(g).toBeCloseTo(gap, 6);
    }
  });

  it('stays within those bounds with a real random source', () => {
    for (const detectMult of [1, 3]) {
      const h = harness({ detectMult, random: Math.random });
      h.session.start();
      h.clock.advance(200_000);
      const all = gaps(h.sent);
      expect(all.length).toBeGreaterThan(200);
      const high = detectMult === 1 ? 900 : 1000;
      for (const g of all) {
        expect(g).toBeGreaterThan(750);
        expect(g).toBeLessThanOrEqual(high);
      }
    }
  });

  it('sends nothing periodic while the peer’s Required Min RX is 0, and resumes when it is not', () => {
    const h = harness();
    h.session.start();
    h.session.receive(fromPeer({ state: DOWN, requiredMinRxUs: 0 }));
    const quietFrom = h.clock.now();
    h.clock.advance(10_000);
    expect(h.sentSince(quietFrom)).toEqual([]);
    h.session.receive(fromPeer({ state: DOWN, requiredMinRxUs: 100_000 }));
    const resumedAt = h.clock.now();
    h.clock.advance(2000);
    // Overdue since the last packet: the next goes at once, then every second.
    expect(h.sentSince(resumedAt - 1).map((s) => s.at)).toEqual([resumedAt, resumedAt + 1000, resumedAt + 2000]);
  });

  it('answers a Poll at once with F and never P, outside the periodic schedule', () => {
    const h = harness();
    h.session.start();
    h.clock.advance(400);
    h.session.receive(fromPeer({ state: DOWN, poll: true }));
    expect(h.sent.at(-1)).toEqual({ at: 400, packet: expect.objectContaining({ final: true, poll: false, state: INIT }) });
    h.clock.advance(2000);
    // The periodic schedule did not move.
    expect(periodic(h.sent).map((s) => s.at)).toEqual([0, 1000, 2000]);
  });

  it('stops periodic packets while the peer runs Demand mode, but still answers its Polls', () => {
    const h = harness();
    toUp(h, { demand: true });
    const quietFrom = h.clock.now();
    h.clock.advance(2900);
    expect(h.sentSince(quietFrom)).toEqual([]);
    h.session.receive(fromPeer({ state: UP, demand: true, poll: true }));
    expect(h.sentSince(quietFrom).map((s) => s.packet.final)).toEqual([true]);
  });
});

describe('§6.8.6 reception', () => {
  const stateOf = { AdminDown: ADMIN_DOWN, Down: DOWN, Init: INIT, Up: UP } as const;
  type Name = keyof typeof stateOf;
  const setUp: Record<Exclude<Name, 'AdminDown'>, (h: Harness) => void> = {
    Down: (h) => h.session.start(),
    Init: toInit,
    Up: (h) => toUp(h),
  };
  const cases: [local: Exclude<Name, 'AdminDown'>, received: Name, next: Name, diag: number][] = [
    ['Down', 'AdminDown', 'Down', 0],
    ['Down', 'Down', 'Init', 0],
    ['Down', 'Init', 'Up', 0],
    ['Down', 'Up', 'Down', 0],
    ['Init', 'AdminDown', 'Down', BfdDiag.NEIGHBOR_SIGNALED_SESSION_DOWN],
    ['Init', 'Down', 'Init', 0],
    ['Init', 'Init', 'Up', 0],
    ['Init', 'Up', 'Up', 0],
    ['Up', 'AdminDown', 'Down', BfdDiag.NEIGHBOR_SIGNALED_SESSION_DOWN],
    ['Up', 'Down', 'Down', BfdDiag.NEIGHBOR_SIGNALED_SESSION_DOWN],
    ['Up', 'Init', 'Up', 0],
    ['Up', 'Up', 'Up', 0],
  ];
  it.each(cases)('%s, receiving %s → %s (Diag %i)', (local, received, next, diag) => {
    const h = harness();
    setUp[local](h);
    expect(h.session.state).toBe(stateOf[local]);
    h.session.receive(fromPeer({ state: stateOf[received], diag: received === 'AdminDown' ? BfdDiag.ADMINISTRATIVELY_DOWN : 0 }));
    expect(h.session.state).toBe(stateOf[next]);
    expect(h.session.info().localDiag).toBe(diag);
    expect(h.session.info().remoteState).toBe(stateOf[received]);
  });

  it('records what the peer said, even in AdminDown, where the packet is then discarded', () => {
    const h = harness();
    h.session.receive(fromPeer({ state: DOWN, poll: true, diag: 5, desiredMinTxUs: 2_000_000, requiredMinRxUs: 400_000, detectMult: 7 }));
    expect(h.session.state).toBe(ADMIN_DOWN);
    // No Final: the discard comes before the Poll is answered; and no detection timer.
    expect(h.sent).toEqual([]);
    expect(h.clock.pending).toBe(0);
    expect(h.session.info()).toMatchObject({ remoteDiscriminator: PEER, remoteState: DOWN, remoteDiag: 5, remoteMinRxMs: 400, remoteDesiredMinTxMs: 2000, remoteDetectMult: 7 });
  });

  it('discards an Init or Up packet with Your Discriminator 0, and one meant for another session', () => {
    const h = harness();
    h.session.start();
    h.session.receive(fromPeer({ state: INIT, yourDiscriminator: 0 }));
    h.session.receive(fromPeer({ state: INIT, yourDiscriminator: LOCAL + 1 }));
    expect(h.session.info()).toMatchObject({ state: DOWN, remoteDiscriminator: 0, packetsReceived: 2 });
    h.session.receive(fromPeer({ state: DOWN, yourDiscriminator: 0 }));
    expect(h.session.info()).toMatchObject({ state: INIT, remoteDiscriminator: PEER });
  });

  it('fires the state event on every change, and counts', () => {
    const h = harness();
    toUp(h);
    h.session.receive(fromPeer({ state: DOWN }));
    expect(h.events.map((e) => [e.from, e.to, e.diag])).toEqual([
      [ADMIN_DOWN, DOWN, 0],
      [DOWN, UP, 0],
      [UP, DOWN, BfdDiag.NEIGHBOR_SIGNALED_SESSION_DOWN],
    ]);
    expect(h.session.info()).toMatchObject({ upTransitions: 1, downTransitions: 1, packetsReceived: 3, packetsSent: 1 });
  });
});

describe('§6.8.4 Detection Time', () => {
  it('is the peer’s Detect Mult × max(our Required Min RX, its Desired Min TX), restarted by every packet', () => {
    const h = harness({ requiredMinRxMs: 300 });
    toUp(h, { detectMult: 4, desiredMinTxUs: 500_000 });
    expect(h.session.info().detectionTimeMs).toBe(2000);
    h.clock.advance(1999);
    h.session.receive(fromPeer({ state: UP, detectMult: 4, desiredMinTxUs: 50_000 }));
    expect(h.session.info().detectionTimeMs).toBe(1200);
    const lastRx = h.clock.now();
    h.clock.advance(5000);
    expect(h.events.at(-1)).toEqual({ at: lastRx + 1200, from: UP, to: DOWN, diag: BfdDiag.CONTROL_DETECTION_TIME_EXPIRED });
    // §6.8.1: the peer's discriminator is forgotten.
    expect(h.session.info().remoteDiscriminator).toBe(0);
    expect(h.sent.at(-1)!.packet).toMatchObject({ state: DOWN, diag: 1, yourDiscriminator: 0 });
  });

  it('takes Init down too', () => {
    const h = harness();
    toInit(h);
    h.clock.advance(3000);
    expect(h.events.at(-1)).toEqual({ at: 3000, from: INIT, to: DOWN, diag: BfdDiag.CONTROL_DETECTION_TIME_EXPIRED });
  });

  it('in Down only forgets the peer’s discriminator', () => {
    const h = harness();
    h.session.start();
    h.session.receive(fromPeer({ state: ADMIN_DOWN }));
    expect(h.session.info().remoteDiscriminator).toBe(PEER);
    h.clock.advance(3000);
    expect(h.session.info()).toMatchObject({ state: DOWN, remoteDiscriminator: 0 });
    expect(h.events).toHaveLength(1);
  });
});

describe('§6.8.3 timer changes and Poll Sequences (§6.5)', () => {
  it('on going Up switches to the configured rate at once, with P until a Final arrives', () => {
    const h = harness();
    h.session.start();
    h.clock.advance(500);
    h.session.receive(fromPeer({ state: INIT }));
    expect(h.session.state).toBe(UP);
    expect(h.session.info().txIntervalMs).toBe(300);
    h.clock.advance(1000);
    const polled = h.sentSince(499);
    // Rescheduled from the last packet (at 0): 300 ms had passed, so the next goes at once.
    expect(polled.map((s) => s.at)).toEqual([500, 800, 1100, 1400]);
    expect(polled.every((s) => s.packet.poll && !s.packet.final && s.packet.desiredMinTxUs === 300_000)).toBe(true);
    h.session.receive(fromPeer({ state: UP, final: true }));
    h.clock.advance(1000);
    const after = h.sentSince(1500);
    expect(after.map((s) => s.at)).toEqual([1700, 2000, 2300]);
    expect(after.some((s) => s.packet.poll)).toBe(false);
  });

  it('answers the peer’s Poll with F alone while its own Poll Sequence runs', () => {
    const h = harness();
    h.session.start();
    h.session.receive(fromPeer({ state: INIT }));
    h.session.receive(fromPeer({ state: UP, poll: true }));
    expect(h.sent.at(-1)!.packet).toMatchObject({ poll: false, final: true });
    h.clock.advance(300);
    expect(h.sent.at(-1)!.packet).toMatchObject({ poll: true, final: false });
  });

  it('a slower Desired Min TX while Up is advertised at once but used only when the Poll Sequence ends', () => {
    const h = harness();
    toUp(h);
    h.clock.advance(600);
    h.session.retime({ desiredMinTxMs: 1000, requiredMinRxMs: 300, detectMult: 3 });
    h.clock.advance(900);
    const during = h.sentSince(600);
    expect(during.map((s) => s.at)).toEqual([900, 1200, 1500]);
    expect(during.every((s) => s.packet.poll && s.packet.desiredMinTxUs === 1_000_000)).toBe(true);
    expect(h.session.info().txIntervalMs).toBe(300);
    h.session.receive(fromPeer({ state: UP, final: true }));
    expect(h.session.info().txIntervalMs).toBe(1000);
    h.clock.advance(3000);
    const after = h.sentSince(1500);
    // The packet already scheduled keeps its time; the slower rate follows it.
    expect(after.map((s) => s.at)).toEqual([1800, 2800, 3800]);
    expect(after.some((s) => s.packet.poll)).toBe(false);
  });

  it('a faster Desired Min TX while Up applies at once, with a Poll Sequence', () => {
    const h = harness();
    toUp(h);
    h.clock.advance(600);
    h.session.retime({ desiredMinTxMs: 150, requiredMinRxMs: 300, detectMult: 3 });
    expect(h.session.info().txIntervalMs).toBe(150);
    h.clock.advance(300);
    expect(h.sentSince(600).map((s) => [s.at, s.packet.poll])).toEqual([
      [750, true],
      [900, true],
    ]);
  });

  it('a lower Required Min RX while Up shortens the Detection Time only when the Poll Sequence ends', () => {
    const h = harness();
    toUp(h, { desiredMinTxUs: 50_000 });
    expect(h.session.info().detectionTimeMs).toBe(900);
    h.session.retime({ desiredMinTxMs: 300, requiredMinRxMs: 100, detectMult: 3 });
    expect(h.session.info().detectionTimeMs).toBe(900);
    h.clock.advance(300);
    expect(h.sent.at(-1)!.packet).toMatchObject({ poll: true, requiredMinRxUs: 100_000 });
    h.session.receive(fromPeer({ state: UP, desiredMinTxUs: 50_000, final: true }));
    expect(h.session.info().detectionTimeMs).toBe(300);
  });

  it('a higher Required Min RX while Up lengthens the Detection Time at once', () => {
    const h = harness();
    toUp(h, { desiredMinTxUs: 50_000 });
    h.session.retime({ desiredMinTxMs: 300, requiredMinRxMs: 600, detectMult: 3 });
    expect(h.session.info().detectionTimeMs).toBe(1800);
    h.clock.advance(300);
    expect(h.sent.at(-1)!.packet).toMatchObject({ poll: true, requiredMinRxUs: 600_000 });
  });

  it('applies new intervals at once and without a Poll while not Up, keeping the 1 s floor', () => {
    const h = harness();
    h.session.start();
    h.session.retime({ desiredMinTxMs: 200, requiredMinRxMs: 50, detectMult: 5 });
    h.clock.advance(1000);
    expect(h.sent.at(-1)!.packet).toMatchObject({ poll: false, desiredMinTxUs: 1_000_000, requiredMinRxUs: 50_000, detectMult: 5 });
    h.session.retime({ desiredMinTxMs: 3000, requiredMinRxMs: 50, detectMult: 5 });
    h.clock.advance(5000);
    // The packet already scheduled (for 2000) keeps its time; the slower rate follows it.
    expect(h.sentSince(1000).map((s) => s.at)).toEqual([2000, 5000]);
  });

  it('a retime with nothing changed starts no Poll Sequence', () => {
    const h = harness();
    toUp(h);
    h.session.retime({ desiredMinTxMs: 300, requiredMinRxMs: 300, detectMult: 3 });
    h.clock.advance(1000);
    expect(h.sent.some((s) => s.at > 0 && s.packet.poll)).toBe(false);
  });

  it('going Down goes back to the 1 s rate and abandons the Poll Sequence', () => {
    const h = harness();
    h.session.start();
    h.session.receive(fromPeer({ state: INIT }));
    h.clock.advance(600);
    h.session.receive(fromPeer({ state: DOWN }));
    expect(h.session.info()).toMatchObject({ state: DOWN, localDiag: 3, txIntervalMs: 1000 });
    h.clock.advance(3000);
    const after = h.sentSince(600);
    // The packet scheduled at the Up rate still goes, so the peer hears of it within its Detection Time.
    expect(after.map((s) => s.at)).toEqual([900, 1900, 2900]);
    expect(after.every((s) => s.packet.state === DOWN && s.packet.diag === 3 && !s.packet.poll && s.packet.desiredMinTxUs === 1_000_000)).toBe(true);
  });
});

describe('§6.8.16 stop()', () => {
  it('goes AdminDown with Diag 7, sends AdminDown packets for a Detection Time, then falls silent', () => {
    const h = harness();
    toUp(h, { detectMult: 10, desiredMinTxUs: 300_000, requiredMinRxUs: 300_000 });
    h.clock.advance(1000);
    expect(h.session.info().detectionTimeMs).toBe(3000);
    h.session.stop();
    expect(h.events.at(-1)).toEqual({ at: 1000, from: UP, to: ADMIN_DOWN, diag: BfdDiag.ADMINISTRATIVELY_DOWN });
    expect(h.session.info().downTransitions).toBe(0);
    h.clock.advance(10_000);
    const after = h.sentSince(900);
    expect(after.map((s) => s.at)).toEqual([1200, 2200, 3200]);
    expect(after.every((s) => s.packet.state === ADMIN_DOWN && s.packet.diag === 7)).toBe(true);
    expect(h.clock.pending).toBe(0);
    // Still AdminDown: packets are discarded and nothing answers them.
    h.session.receive(fromPeer({ state: UP, poll: true }));
    expect(h.sentSince(10_000)).toEqual([]);
    expect(h.session.state).toBe(ADMIN_DOWN);
  });

  it('can be started again', () => {
    const h = harness();
    toUp(h);
    h.session.stop();
    h.session.start();
    expect(h.session.info()).toMatchObject({ state: DOWN, localDiag: 0 });
    h.clock.advance(5000);
    expect(h.sent.at(-1)!.packet.state).toBe(DOWN);
  });
});

/** Two sessions back to back: each packet is delivered as a zero-delay timer, or dropped while the link is cut. */
function backToBack(a: BfdIntervals, b: BfdIntervals, random: () => number) {
  const clock = new FakeClock();
  const link = { up: true, lastDelivery: { a: 0, b: 0 } };
  const events = { a: [] as StateEvent[], b: [] as StateEvent[] };
  const sent = { a: [] as Sent[], b: [] as Sent[] };
  const make = (side: 'a' | 'b', intervals: BfdIntervals, discriminator: number, peer: () => BfdSession): BfdSession => {
    const session = new BfdSession({
      ...intervals,
      localDiscriminator: discriminator,
      clock,
      random,
      send: (packet) => {
        sent[side].push({ at: clock.now(), packet });
        if (!link.up) return;
        clock.setTimer(0, () => {
          link.lastDelivery[side === 'a' ? 'b' : 'a'] = clock.now();
          peer().receive(packet);
        });
      },
    });
    session.on('state', (from, to, diag) => events[side].push({ at: clock.now(), from, to, diag }));
    return session;
  };
  const sa: BfdSession = make('a', a, 0x0a, () => sb);
  const sb: BfdSession = make('b', b, 0x0b, () => sa);
  return { clock, link, events, sent, a: sa, b: sb };
}

describe('two sessions back to back', () => {
  const A: BfdIntervals = { desiredMinTxMs: 300, requiredMinRxMs: 300, detectMult: 3 };
  const B: BfdIntervals = { desiredMinTxMs: 200, requiredMinRxMs: 400, detectMult: 5 };

  it('go Down → Init → Up, and settle on the negotiated intervals', () => {
    const n = backToBack(A, B, () => 0);
    n.a.start();
    n.clock.advance(300);
    n.b.start();
    n.clock.advance(5000);
    const path = (e: readonly StateEvent[]) => e.map((x) => [x.from, x.to]);
    // a hears b's first Down, b hears a's Init.
    expect(path(n.events.a)).toEqual([
      [ADMIN_DOWN, DOWN],
      [DOWN, INIT],
      [INIT, UP],
    ]);
    expect(path(n.events.b)).toEqual([
      [ADMIN_DOWN, DOWN],
      [DOWN, UP],
    ]);
    // The Poll Sequences of going Up have ended.
    expect(n.sent.a.slice(-3).some((s) => s.packet.poll)).toBe(false);
    expect(n.sent.b.slice(-3).some((s) => s.packet.poll)).toBe(false);
    // a sends at max(300, b's 400) and expects b's ×5 × max(300, 200); b the other way round.
    expect(n.a.info()).toMatchObject({ txIntervalMs: 400, detectionTimeMs: 1500, remoteDiscriminator: 0x0b });
    expect(n.b.info()).toMatchObject({ txIntervalMs: 300, detectionTimeMs: 1200, remoteDiscriminator: 0x0a });
    expect(gaps(periodic(n.sent.a).slice(-4))).toEqual([400, 400, 400]);
    expect(gaps(periodic(n.sent.b).slice(-4))).toEqual([300, 300, 300]);
  });

  it('both go Down with Diag 1 exactly a Detection Time after the last packet when the link is cut', () => {
    const n = backToBack(A, B, () => 0.5);
    n.a.start();
    n.b.start();
    n.clock.advance(10_000);
    expect([n.a.state, n.b.state]).toEqual([UP, UP]);
    n.link.up = false;
    const { a: lastToA, b: lastToB } = n.link.lastDelivery;
    n.clock.advance(5000);
    expect(n.events.a.at(-1)).toEqual({ at: lastToA + 1500, from: UP, to: DOWN, diag: BfdDiag.CONTROL_DETECTION_TIME_EXPIRED });
    expect(n.events.b.at(-1)).toEqual({ at: lastToB + 1200, from: UP, to: DOWN, diag: BfdDiag.CONTROL_DETECTION_TIME_EXPIRED });
    expect(n.a.info()).toMatchObject({ remoteDiscriminator: 0, txIntervalMs: 1000, downTransitions: 1 });
    // Jitter 0.5: 87.5 % of the interval, on both the Up and the Down rate.
    const aAfter = periodic(n.sent.a).filter((s) => s.at > lastToA + 1500);
    expect(gaps(aAfter).length).toBeGreaterThan(1);
    for (const g of gaps(aAfter)) expect(g).toBe(875);
  });

  it('come back Up when the link returns', () => {
    const n = backToBack(A, B, () => 0.3);
    n.a.start();
    n.b.start();
    n.clock.advance(5000);
    n.link.up = false;
    n.clock.advance(5000);
    expect([n.a.state, n.b.state]).toEqual([DOWN, DOWN]);
    n.link.up = true;
    n.clock.advance(5000);
    expect([n.a.state, n.b.state]).toEqual([UP, UP]);
    expect(n.a.info().upTransitions).toBe(2);
  });

  it('carry a retime through a Poll Sequence answered by the other side', () => {
    const n = backToBack(A, B, () => 0);
    n.a.start();
    n.b.start();
    n.clock.advance(5000);
    const retimedAt = n.clock.now();
    n.a.retime({ desiredMinTxMs: 1000, requiredMinRxMs: 300, detectMult: 3 });
    n.clock.advance(5000);
    const polls = n.sent.a.filter((s) => s.at >= retimedAt && s.packet.poll);
    const finals = n.sent.b.filter((s) => s.at >= retimedAt && s.packet.final);
    expect(polls).toHaveLength(1);
    expect(finals).toHaveLength(1);
    expect(finals[0]!.at).toBe(polls[0]!.at);
    expect(n.a.info().txIntervalMs).toBe(1000);
    // b now expects a's packets 3 × max(400, 1000) apart at most.
    expect(n.b.info().detectionTimeMs).toBe(3000);
    expect([n.a.state, n.b.state]).toEqual([UP, UP]);
  });

  it('the other side’s stop() brings this side Down with Diag 3', () => {
    const n = backToBack(A, B, () => 0);
    n.a.start();
    n.b.start();
    n.clock.advance(5000);
    n.b.stop();
    const stoppedAt = n.clock.now();
    n.clock.advance(10_000);
    expect(n.events.a.at(-1)).toMatchObject({ from: UP, to: DOWN, diag: BfdDiag.NEIGHBOR_SIGNALED_SESSION_DOWN });
    // Within b's next (Up-rate) packet: before a's Detection Time could have run out.
    expect(n.events.a.at(-1)!.at).toBeLessThanOrEqual(stoppedAt + 300);
    expect(n.a.info()).toMatchObject({ remoteState: ADMIN_DOWN, remoteDiag: BfdDiag.ADMINISTRATIVELY_DOWN });
    expect(n.events.b.at(-1)).toMatchObject({ from: UP, to: ADMIN_DOWN, diag: BfdDiag.ADMINISTRATIVELY_DOWN });
    // b fell silent after its Detection Time; a stays Down, sending at 1 s.
    const bAfter = n.sent.b.filter((s) => s.at > stoppedAt);
    expect(bAfter.length).toBeGreaterThan(0);
    expect(bAfter.every((s) => s.packet.state === ADMIN_DOWN)).toBe(true);
    expect(bAfter.at(-1)!.at).toBeLessThanOrEqual(stoppedAt + 1200);
    expect(n.a.state).toBe(DOWN);
  });
});
