/** Shared by the BFD tests: a typical Up packet and a session on a FakeClock that records what it does. */
import { BfdSession, type BfdSessionOptions } from '../../src/bfd/session.js';
import { BfdDiag, BfdState, type BfdControlPacket } from '../../src/bfd/types.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** An Up packet at 300 ms both ways, Detect Mult 3, with fixed discriminators. */
export const UP_PACKET: BfdControlPacket = {
  diag: BfdDiag.NONE,
  state: BfdState.UP,
  poll: false,
  final: false,
  controlPlaneIndependent: false,
  demand: false,
  detectMult: 3,
  myDiscriminator: 0x01020304,
  yourDiscriminator: 0xa0b0c0d0,
  desiredMinTxUs: 300_000,
  requiredMinRxUs: 300_000,
  requiredMinEchoRxUs: 0,
};

/** Our discriminator in the session tests. */
export const LOCAL = 0x1001;

export interface Sent {
  readonly at: number;
  readonly packet: BfdControlPacket;
}
export interface StateEvent {
  readonly at: number;
  readonly from: BfdState;
  readonly to: BfdState;
  readonly diag: number;
}

/** One session (300 ms / 300 ms / ×3, jitter off unless given) recording what it sends and its state changes. */
export function sessionHarness(overrides: Partial<BfdSessionOptions> = {}) {
  const clock = new FakeClock();
  const sent: Sent[] = [];
  const events: StateEvent[] = [];
  const session = new BfdSession({
    desiredMinTxMs: 300,
    requiredMinRxMs: 300,
    detectMult: 3,
    localDiscriminator: LOCAL,
    clock,
    random: () => 0,
    send: (packet) => sent.push({ at: clock.now(), packet }),
    ...overrides,
  });
  session.on('state', (from, to, diag) => events.push({ at: clock.now(), from, to, diag }));
  const sentSince = (t: number): Sent[] => sent.filter((s) => s.at > t);
  return { clock, sent, events, session, sentSince };
}
