/**
 * Sessions on real loopback sockets: petrel against petrel, and petrel against a hand-driven raw
 * peer, through the listener. Timers are short real ones, or a fake clock where the test is about
 * what a timer does.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CeaseSubcode, NotifCode } from '../../src/bgp/constants.js';
import { encodeMessage } from '../../src/bgp/index.js';
import type { UpdateMessage } from '../../src/bgp/types.js';
import type { SessionDown } from '../../src/fsm/session-api.js';
import type { LiveTimes, SessionConfig } from '../../src/fsm/session-config.js';
import { connectTcp, SocketError } from '../../src/native/index.js';
import { shutdownCease } from '../../src/bgp/notification.js';
import type { StateName } from '../../src/fsm/states.js';
import { FakeClock } from '../helpers/fake-clock.js';
import {
  cleanup, establishedBetween, established, listen, MessageType, next, notificationCode, petrelPair, quickConfig, RawPeer, rawServer,
  session, speaker, until,
} from './session-harness.js';

afterEach(cleanup);

const AS = 64512;

function update(prefix: string, nextHop: string, asPath: number[]): UpdateMessage {
  return {
    type: 'update',
    withdrawn: [],
    attributes: [
      { type: 'origin', origin: 'igp' },
      { type: 'as-path', segments: asPath.length === 0 ? [] : [{ type: 'sequence', asns: asPath }] },
      { type: 'next-hop', nextHop },
      { type: 'local-pref', localPref: 100 },
    ],
    nlri: [{ prefix }],
  };
}

/** The times `retime` takes, as `config` has them: a test changes one or two. */
function liveTimes(config: SessionConfig): LiveTimes {
  const { connectDelaySec, connectRetrySec, delayOpenSec, errorWaitMinSec, errorWaitMaxSec, errorForgetSec } = config;
  return { connectDelaySec, connectRetrySec, delayOpenSec, errorWaitMinSec, errorWaitMaxSec, errorForgetSec };
}

function rejectAfter(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`no ${what}`)), ms).unref());
}

function recordStates(s: { on(e: 'state', l: (from: StateName, to: StateName) => void): unknown }): string[] {
  const seen: string[] = [];
  s.on('state', (from, to) => seen.push(`${from}>${to}`));
  return seen;
}

describe('petrel to petrel on loopback', () => {
  it('establishes with one side active and one passive, and carries an UPDATE (RFC 4271 §8.2.2)', async () => {
    const { a, b } = await petrelPair(
      { address: '127.0.0.11', as: AS, routerId: '10.0.0.11' },
      { address: '127.0.0.12', as: AS, routerId: '10.0.0.12', passive: true },
    );
    const statesA = recordStates(a);
    const upA = next(a, 'established');
    const upB = next(b, 'established');
    b.start();
    a.start();
    const [[negA], [negB]] = await Promise.all([upA, upB]);
    expect(statesA).toEqual(['Idle>Connect', 'Connect>OpenSent', 'OpenSent>OpenConfirm', 'OpenConfirm>Established']);
    expect(negA.peerId).toBe('10.0.0.12');
    expect(negB.peerId).toBe('10.0.0.11');
    expect(negA.internal).toBe(true);
    expect(negA.holdTimeSec).toBe(90);
    expect(a.info()).toMatchObject({ state: 'Established', localAddress: '127.0.0.11', connectRetryCounter: 0, disabled: false });
    expect(b.info().negotiated?.families).toEqual(['ipv4-unicast']);

    const received = next(b, 'update');
    expect(a.send([encodeMessage(update('10.244.1.0/26', '127.0.0.11', []), negA.sendContext)])).toBe(true);
    const [u] = await received;
    expect(u.nlri).toEqual([{ prefix: '10.244.1.0/26' }]);
    expect(u.attributes).toContainEqual(expect.objectContaining({ type: 'local-pref', localPref: 100 }));
  });

  it('switches to the negotiated codec contexts on establishment: ADD-PATH and extended messages (RFC 7911, RFC 8654)', async () => {
    const local = { extendedMessage: true, addPath: { 'ipv4-unicast': 'both' as const } };
    const { a, b } = await petrelPair(
      { address: '127.0.0.57', as: AS, routerId: '10.0.0.57', local },
      { address: '127.0.0.58', as: AS, routerId: '10.0.0.58', passive: true, local },
    );
    b.start();
    a.start();
    await Promise.all([established(a), established(b)]);
    const neg = a.info().negotiated!;
    expect(neg).toMatchObject({ extendedMessage: true, addPath: { send: ['ipv4-unicast'], receive: ['ipv4-unicast'] } });
    // 1500 /24s with path identifiers: 12,000 octets of NLRI, past the 4096-octet limit.
    const nlri = Array.from({ length: 1500 }, (_, i) => ({ prefix: `10.${i >> 8}.${i & 0xff}.0/24`, pathId: i + 1 }));
    const big = encodeMessage({ ...update('10.0.0.0/24', '127.0.0.57', []), nlri }, neg.sendContext);
    expect(big.length).toBeGreaterThan(4096);
    const received = next(b, 'update');
    a.send([big]);
    const [u] = await received;
    expect(u.nlri).toHaveLength(1500);
    expect(u.nlri[1499]).toEqual({ prefix: '10.5.219.0/24', pathId: 1500 });
  });

  it('keeps short timers (keepalive 1 s, hold 3 s) up past the hold time on keepalives alone (RFC 4271 §4.4)', async () => {
    const { a, b } = await petrelPair(
      { address: '127.0.0.13', as: AS, routerId: '10.0.0.13', local: { holdTimeSec: 3 } },
      { address: '127.0.0.14', as: AS, routerId: '10.0.0.14', passive: true, local: { holdTimeSec: 3 } },
    );
    b.start();
    a.start();
    await Promise.all([established(a), established(b)]);
    expect(a.info().negotiated?.keepaliveSec).toBe(1);
    const downs: SessionDown[] = [];
    a.on('down', (d) => downs.push(d));
    b.on('down', (d) => downs.push(d));
    // The behaviour under test is the passage of time: more than one hold time with no UPDATE.
    await new Promise((resolve) => setTimeout(resolve, 4200));
    expect(downs).toEqual([]);
    expect([a.info().state, b.info().state]).toEqual(['Established', 'Established']);
  });

  it('stop() sends Cease/Administrative Shutdown with the RFC 9003 text; the peer reconnects after its backoff', async () => {
    const { a, b } = await petrelPair(
      { address: '127.0.0.15', as: AS, routerId: '10.0.0.15', passive: true },
      { address: '127.0.0.16', as: AS, routerId: '10.0.0.16', config: { errorWaitMinSec: 0.5 } },
    );
    a.start();
    b.start();
    await Promise.all([established(a), established(b)]);

    const downB = next(b, 'down');
    const downA = next(a, 'down');
    await a.stop(shutdownCease('maintenance window 42'));
    const [[dB], [dA]] = await Promise.all([downB, downA]);
    const wentDownAt = Date.now();
    expect(dA).toMatchObject({ reason: 'admin-down', wasEstablished: true });
    expect(dA.sent?.subcode).toBe(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN);
    expect(dB.reason).toBe('notification-received');
    expect(dB.received).toMatchObject({ code: NotifCode.CEASE, subcode: CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, shutdownMessage: 'maintenance window 42' });
    expect(b.info().lastError).toBe('notification-received: Cease / Administrative Shutdown: "maintenance window 42"');
    expect(a.info()).toMatchObject({ state: 'Idle', disabled: true });
    expect(b.info().state).toBe('Idle');

    a.start();
    await Promise.all([established(a), established(b)]);
    // b waited out its error-wait backoff (0.5 s) before dialling again.
    expect(Date.now() - wentDownAt).toBeGreaterThanOrEqual(450);
  });

  it('resolves a collision when both sides dial at once: exactly one connection survives (RFC 4271 §6.8)', async () => {
    // Jitter at both ends of its range (RFC 4271 §10): retries drift apart instead of colliding in step.
    const { a, b } = await petrelPair(
      { address: '127.0.0.17', as: AS, routerId: '10.0.0.17', random: () => 0 },
      { address: '127.0.0.18', as: AS, routerId: '10.0.0.18', random: () => 0.999 },
    );
    a.start();
    b.start();
    await Promise.all([established(a), established(b)]);
    await until('a single TCP connection between the two', () => establishedBetween('127.0.0.17', '127.0.0.18') === 1);
    expect([a.info().state, b.info().state]).toEqual(['Established', 'Established']);
  });

  it('ends only the session that received a malformed header, with NOTIFICATION 1/1, while another stays up', async () => {
    const { listener, port } = await listen('127.0.0.20');
    const { a, b } = await petrelPair(
      { address: '127.0.0.21', as: AS, routerId: '10.0.0.21' },
      { address: '127.0.0.22', as: AS, routerId: '10.0.0.22', passive: true },
    );
    const rawSession = session({
      name: 'raw', remoteAddress: '127.0.0.23', remotePort: 179, config: quickConfig(65002, { passive: true }), local: speaker('10.0.0.20', AS),
    });
    listener.addPeer('127.0.0.23', rawSession);
    rawSession.start();
    a.start();
    b.start();
    await Promise.all([established(a), established(b)]);

    const raw = await RawPeer.connect('127.0.0.20', port, '127.0.0.23');
    await raw.nth(MessageType.OPEN);
    raw.sendOpen(65002, '10.0.0.23');
    raw.sendKeepalive();
    await established(rawSession);
    const otherDowns: SessionDown[] = [];
    a.on('down', (d) => otherDowns.push(d));
    b.on('down', (d) => otherDowns.push(d));

    const down = next(rawSession, 'down');
    const badMarker = Buffer.alloc(19, 0xff);
    badMarker[3] = 0; // RFC 4271 §6.1: the marker must be all ones
    badMarker.writeUInt16BE(19, 16);
    badMarker[18] = MessageType.KEEPALIVE;
    raw.send(badMarker);
    const [d] = await down;
    expect(d).toMatchObject({ reason: 'notification-sent', wasEstablished: true });
    expect(notificationCode(await raw.nth(MessageType.NOTIFICATION))).toEqual([1, 1]);
    await raw.closed;

    const received = next(b, 'update');
    a.send([encodeMessage(update('10.244.2.0/26', '127.0.0.21', []), a.info().negotiated!.sendContext)]);
    expect((await received)[0].nlri).toEqual([{ prefix: '10.244.2.0/26' }]);
    expect(otherDowns).toEqual([]);
  });

  describe('TCP MD5 (RFC 2385)', () => {
    it('establishes when both sides use the same key', async () => {
      const { a, b } = await petrelPair(
        { address: '127.0.0.24', as: AS, routerId: '10.0.0.24', passive: true, security: { md5Key: 'right-key' } },
        { address: '127.0.0.25', as: AS, routerId: '10.0.0.25', security: { md5Key: 'right-key' } },
      );
      a.start();
      b.start();
      await Promise.all([established(a), established(b)]);
    });

    it.each([
      ['a wrong key', { md5Key: 'wrong-key' }],
      ['no key', {}],
    ])('never connects with %s: the dial times out and the listener never sees the peer', async (_, dialer) => {
      const { a, b } = await petrelPair(
        { address: '127.0.0.26', as: AS, routerId: '10.0.0.26', passive: true, expects: { md5Key: 'right-key' } },
        { address: '127.0.0.27', as: AS, routerId: '10.0.0.27', security: dialer, config: { connectRetrySec: 0.5 } },
      );
      const statesA = recordStates(a);
      a.start();
      b.start();
      await until('an unanswered connect attempt', () => (b.info().lastError ?? '').startsWith('connect: no answer'), 5000);
      expect(statesA).toEqual(['Idle>Active']);
      expect(b.info().state).not.toBe('OpenSent');
    });
  });

  it('says "no answer" when the attempt times out before the ConnectRetryTimer fires, as when the timer fires first', async () => {
    const s = session({
      name: 'silent', remoteAddress: '127.0.0.37', remotePort: 179, config: quickConfig(AS, { connectRetrySec: 30 }), local: speaker('10.0.0.37', AS),
      connector: () => Promise.reject(new SocketError('ETIMEDOUT', 'connect', '127.0.0.37:179')),
    });
    s.start();
    await until('the attempt to fail', () => s.info().lastError !== undefined, 2000);
    expect(s.info().lastError).toBe('connect: no answer within 30 s');
  });

  it('uses connect times changed by a reload (retime) from the next attempt on', async () => {
    const config = quickConfig(AS, { connectDelaySec: 3600, connectRetrySec: 30 });
    const s = session({
      name: 'retimed', remoteAddress: '127.0.0.37', remotePort: 179, config, local: speaker('10.0.0.37', AS),
      connector: () => Promise.reject(new SocketError('ETIMEDOUT', 'connect', '127.0.0.37:179')),
    });
    // An hour's connect delay would leave it idle; the new times dial at once and say so.
    s.retime({ ...liveTimes(config), connectDelaySec: 0, connectRetrySec: 9 });
    s.start();
    await until('the attempt to fail', () => s.info().lastError !== undefined, 2000);
    expect(s.info().lastError).toBe('connect: no answer within 9 s');
  });

  it('waits the error-wait backoff a reload set (retime) after its next failure', async () => {
    const server = await rawServer('127.0.0.42');
    // An hour of error wait: as configured, the session would not dial again within the test.
    const config = quickConfig(65002, { errorWaitMinSec: 3600, errorWaitMaxSec: 3600 });
    const s = session({
      name: 'backoff', remoteAddress: '127.0.0.42', remotePort: server.port, localAddress: '127.0.0.41', config, local: speaker('10.0.0.41', AS),
    });
    s.retime({ ...liveTimes(config), errorWaitMinSec: 0.1, errorWaitMaxSec: 0.1 });
    s.start();
    // Each connection fails on a wrong peer AS (2/2, RFC 4271 §6.2): the session goes to Idle and backs off.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const raw = await Promise.race([server.accepted(), rejectAfter(5000, `connection ${attempt} within 5 s`)]);
      await raw.nth(MessageType.OPEN);
      raw.sendOpen(65099, '10.0.0.42');
      expect(notificationCode(await raw.nth(MessageType.NOTIFICATION))).toEqual([2, 2]);
    }
  });

  it('tells when it tries again: the error wait in Idle, the connect delay in Active, nothing when passive', async () => {
    const server = await rawServer('127.0.0.44');
    const s = session({
      name: 'when', remoteAddress: '127.0.0.44', remotePort: server.port, localAddress: '127.0.0.43', config: quickConfig(65002, { errorWaitMinSec: 30, errorWaitMaxSec: 60 }), local: speaker('10.0.0.43', AS),
    });
    s.start();
    const raw = await server.accepted();
    await raw.nth(MessageType.OPEN);
    raw.sendOpen(65099, '10.0.0.44');
    await until('Idle after the bad OPEN', () => s.info().state === 'Idle', 5000);
    expect(s.info().lastError).toBe('notification-sent: OPEN Message Error / Bad Peer AS');
    const backoff = s.info().nextAttemptInMs!;
    expect(backoff).toBeGreaterThan(25_000);
    expect(backoff).toBeLessThanOrEqual(30_000);

    const delayed = session({
      name: 'delayed', remoteAddress: '127.0.0.44', remotePort: server.port, config: quickConfig(65002, { connectDelaySec: 3600 }), local: speaker('10.0.0.43', AS),
    });
    delayed.start();
    expect(delayed.info().state).toBe('Active');
    // Jittered to 75–100 % (RFC 4271 §10).
    expect(delayed.info().nextAttemptInMs).toBeGreaterThan(2_600_000);
    expect(delayed.info().nextAttemptInMs).toBeLessThanOrEqual(3_600_000);
    const waiting = session({
      name: 'waiting', remoteAddress: '127.0.0.44', remotePort: server.port, config: quickConfig(65002, { passive: true }), local: speaker('10.0.0.43', AS),
    });
    waiting.start();
    expect(waiting.info().state).toBe('Active');
    expect(waiting.info().nextAttemptInMs).toBeUndefined();
  });

  it('reports any other connect failure as it is', async () => {
    const s = session({
      name: 'refused', remoteAddress: '127.0.0.37', remotePort: 179, config: quickConfig(AS), local: speaker('10.0.0.37', AS),
      connector: () => Promise.reject(new SocketError('ECONNREFUSED', 'connect', '127.0.0.37:179')),
    });
    s.start();
    await until('the attempt to fail', () => s.info().lastError !== undefined, 2000);
    expect(s.info().lastError).toBe('connect: connect ECONNREFUSED 127.0.0.37:179');
  });

  describe('GTSM (RFC 5082)', () => {
    it('drops a client sending TTL 64 before it can reach OPEN, and accepts a peer sending 255', async () => {
      const { listener, port } = await listen('127.0.0.28');
      const guarded = session({
        name: 'gtsm', remoteAddress: '127.0.0.29', remotePort: 179, config: quickConfig(AS, { passive: true }), local: speaker('10.0.0.28', AS),
      });
      listener.addPeer('127.0.0.29', guarded, { ttl: 255, minTtl: 255 });
      guarded.start();
      const states = recordStates(guarded);
      await expect(connectTcp({ remoteAddress: '127.0.0.28', remotePort: port, localAddress: '127.0.0.29', timeoutMs: 400 })).rejects.toThrow(/ETIMEDOUT/);
      expect(states).toEqual([]);

      const dialer = session({
        name: 'gtsm-dialer', remoteAddress: '127.0.0.28', remotePort: port, localAddress: '127.0.0.29',
        config: quickConfig(AS), local: speaker('10.0.0.29', AS), security: { ttl: 255, minTtl: 255 },
      });
      dialer.start();
      await Promise.all([established(dialer), established(guarded)]);
    });
  });
});

describe('DelayOpen (RFC 4271 §8.1.1)', () => {
  it('sends no OPEN on a new connection until the DelayOpenTimer fires, then OPEN (fake clock)', async () => {
    const clock = new FakeClock();
    const server = await rawServer('127.0.0.42');
    const s = session({
      name: 'delay', remoteAddress: '127.0.0.42', remotePort: server.port, localAddress: '127.0.0.41', clock, config: quickConfig(65002, { delayOpenSec: 10 }), local: speaker('10.0.0.41', AS),
    });
    const states = recordStates(s);
    s.start();
    const peer = await server.accepted();
    await until('the connection is up and the OPEN held back', () => s.info().state === 'Connect' && s.info().localAddress === '127.0.0.41');
    expect(s.info().openDelayedForMs).toBe(10_000);
    clock.advance(9_999);
    expect(s.info().openDelayedForMs).toBe(1);
    // Time for anything petrel wrote to arrive: nothing did.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(peer.messages).toEqual([]);
    clock.advance(1);
    await peer.nth(MessageType.OPEN);
    peer.sendOpen(65002, '10.0.0.42');
    peer.sendKeepalive();
    await established(s);
    expect(states).toEqual(['Idle>Connect', 'Connect>OpenSent', 'OpenSent>OpenConfirm', 'OpenConfirm>Established']);
  });

  it("answers the peer's OPEN at once with OPEN and KEEPALIVE, straight to OpenConfirm (Event 20)", async () => {
    const server = await rawServer('127.0.0.44');
    const s = session({
      name: 'answer', remoteAddress: '127.0.0.44', remotePort: server.port, localAddress: '127.0.0.43', config: quickConfig(65002, { delayOpenSec: 240 }), local: speaker('10.0.0.43', AS),
    });
    const states = recordStates(s);
    s.start();
    const peer = await server.accepted();
    peer.sendOpen(65002, '10.0.0.44');
    await peer.nth(MessageType.KEEPALIVE);
    expect(peer.messages.map((m) => m.type)).toEqual([MessageType.OPEN, MessageType.KEEPALIVE]);
    peer.sendKeepalive();
    await established(s);
    expect(states).toEqual(['Idle>Connect', 'Connect>OpenConfirm', 'OpenConfirm>Established']);
  });

  it('comes up between two petrels that both delay: the shorter DelayOpenTimer sends the first OPEN', async () => {
    const { a, b } = await petrelPair(
      { address: '127.0.0.45', as: AS, routerId: '10.0.0.45', config: { delayOpenSec: 1 } },
      { address: '127.0.0.46', as: AS, routerId: '10.0.0.46', passive: true, config: { delayOpenSec: 240 } },
    );
    const statesA = recordStates(a);
    const statesB = recordStates(b);
    b.start();
    a.start();
    await Promise.all([established(a), established(b)]);
    expect(statesA).toEqual(['Idle>Connect', 'Connect>OpenSent', 'OpenSent>OpenConfirm', 'OpenConfirm>Established']);
    expect(statesB).toEqual(['Idle>Active', 'Active>OpenConfirm', 'OpenConfirm>Established']);
  });

  it('runs a connection from the peer beside the one waiting for its OPEN; the first through the OPEN exchange carries the session', async () => {
    const { listener, port } = await listen('127.0.0.47');
    const server = await rawServer('127.0.0.48');
    const s = session({
      name: 'both', remoteAddress: '127.0.0.48', remotePort: server.port, localAddress: '127.0.0.47', config: quickConfig(65002, { delayOpenSec: 240 }), local: speaker('10.0.0.47', AS),
    });
    listener.addPeer('127.0.0.48', s);
    s.start();
    const outgoing = await server.accepted();
    await until('the outgoing connection waits for an OPEN', () => s.info().state === 'Connect' && s.info().localAddress === '127.0.0.47');
    const incoming = await RawPeer.connect('127.0.0.47', port, '127.0.0.48');
    incoming.sendOpen(65002, '10.0.0.48');
    await incoming.nth(MessageType.KEEPALIVE);
    incoming.sendKeepalive();
    await established(s);
    // The waiting connection never got an OPEN from us: it is closed without a NOTIFICATION.
    await outgoing.closed;
    expect(outgoing.messages).toEqual([]);
    expect(s.info().messages).toMatchObject({ sent: { open: 1, notification: 0 }, received: { open: 1 } });
  });
});

describe('petrel against a raw peer', () => {
  it('closes a connection from an unconfigured address without sending or reading a byte (SPEC §8)', async () => {
    const { listener, port } = await listen('127.0.0.30');
    const known = session({ name: 'known', remoteAddress: '127.0.0.31', remotePort: 179, config: quickConfig(AS, { passive: true }), local: speaker('10.0.0.30', AS) });
    listener.addPeer('127.0.0.31', known);
    known.start();
    const states = recordStates(known);
    const stranger = await RawPeer.connect('127.0.0.30', port, '127.0.0.32');
    stranger.sendOpen(AS, '10.0.0.32');
    await stranger.closed;
    expect(stranger.bytesReceived).toBe(0);
    expect(listener.refusedConnections).toBe(1);
    expect(states).toEqual([]);

    listener.removePeer('127.0.0.31');
    const removed = await RawPeer.connect('127.0.0.30', port, '127.0.0.31');
    await removed.closed;
    expect(removed.bytesReceived).toBe(0);
    expect(listener.refusedConnections).toBe(2);
  });

  it('sends KEEPALIVEs on the keepalive timer and NOTIFICATION 4/0 when the hold timer expires (fake clock)', async () => {
    const clock = new FakeClock();
    const { listener, port } = await listen('127.0.0.33');
    const s = session({
      name: 'hold', remoteAddress: '127.0.0.34', remotePort: 179, clock, random: () => 1, config: quickConfig(65002, { passive: true }), local: speaker('10.0.0.33', AS, { holdTimeSec: 3 }),
    });
    listener.addPeer('127.0.0.34', s);
    s.start();
    const raw = await RawPeer.connect('127.0.0.33', port, '127.0.0.34');
    await raw.nth(MessageType.OPEN);
    raw.sendOpen(65002, '10.0.0.34', 3);
    raw.sendKeepalive();
    await established(s);
    await raw.nth(MessageType.KEEPALIVE, 0);

    clock.advance(1000);
    await raw.nth(MessageType.KEEPALIVE, 1);
    raw.sendKeepalive();
    // Keepalives restart the hold timer: time passes in steps, the peer answering each.
    for (let i = 2; i < 5; i++) {
      const seen = raw.count(MessageType.KEEPALIVE);
      clock.advance(1000);
      await raw.nth(MessageType.KEEPALIVE, seen);
      // Let the I/O callbacks of this loop turn run: petrel reads the previous KEEPALIVE.
      await new Promise((resolve) => setImmediate(resolve));
      raw.sendKeepalive();
    }
    expect(s.info().state).toBe('Established');

    // Now the peer falls silent: after 3 s the session ends with Hold Timer Expired.
    const down = next(s, 'down');
    clock.advance(3000);
    const [d] = await down;
    expect(d.reason).toBe('hold-timer-expired');
    expect(notificationCode(await raw.nth(MessageType.NOTIFICATION))).toEqual([NotifCode.HOLD_TIMER_EXPIRED, 0]);
    await raw.closed;
  });

  it('reports backpressure when the peer stops reading, bounds its queue, and fires drain once it reads again', async () => {
    const server = await rawServer('127.0.0.36');
    let socketOfSession: Socket | undefined;
    const highWaterMark = 64 << 10;
    const s = session({
      name: 'bp', remoteAddress: '127.0.0.36', remotePort: server.port, localAddress: '127.0.0.35', config: quickConfig(65002), local: speaker('10.0.0.35', AS),
      highWaterMark,
      connector: async (req) => (socketOfSession = await connectTcp(req)),
    });
    s.start();
    const raw = await server.accepted();
    await raw.nth(MessageType.OPEN);
    raw.sendOpen(65002, '10.0.0.36');
    raw.sendKeepalive();
    await established(s);
    const ctx = s.info().negotiated!.sendContext;

    raw.socket.pause();
    const batch = Array.from({ length: 64 }, (_, i) => encodeMessage(update(`10.${i}.0.0/16`, '127.0.0.35', [AS]), ctx));
    const batchBytes = batch.reduce((n, m) => n + m.length, 0);
    let sent = 0;
    let accepted = true;
    // A peer that reads nothing fills the kernel buffers, then petrel's own queue.
    while (accepted && sent < 10_000) {
      accepted = s.send(batch);
      sent++;
    }
    expect(accepted).toBe(false);
    expect(s.backpressured).toBe(true);
    expect(socketOfSession!.writableLength).toBeLessThanOrEqual(highWaterMark + batchBytes);

    const drained = next(s, 'drain');
    raw.socket.resume();
    await drained;
    expect(s.backpressured).toBe(false);
    expect(s.info().state).toBe('Established');
  });

  describe('collision with the peer dialling in while our OPEN is out (RFC 4271 §6.8)', () => {
    async function collide(remoteId: string) {
      const { listener, port } = await listen('127.0.0.37');
      const server = await rawServer('127.0.0.38');
      const s = session({
        name: 'collide', remoteAddress: '127.0.0.38', remotePort: server.port, localAddress: '127.0.0.37', config: quickConfig(65002), local: speaker('10.0.0.100', AS),
      });
      listener.addPeer('127.0.0.38', s);
      const states = recordStates(s);
      const downs: SessionDown[] = [];
      s.on('down', (d) => downs.push(d));
      s.start();
      const outgoing = await server.accepted();
      await outgoing.nth(MessageType.OPEN);
      const incoming = await RawPeer.connect('127.0.0.37', port, '127.0.0.38');
      await incoming.nth(MessageType.OPEN);
      // The incoming connection's OPEN arrives first: it waits in OpenConfirm...
      incoming.sendOpen(65002, remoteId);
      await incoming.nth(MessageType.KEEPALIVE);
      // ...then the outgoing connection's OPEN names the same speaker: a collision to resolve.
      outgoing.sendOpen(65002, remoteId);
      return { s, states, downs, outgoing, incoming };
    }

    it('keeps the connection the peer opened when its BGP Identifier is higher', async () => {
      const { s, states, downs, outgoing, incoming } = await collide('10.0.0.200');
      expect(notificationCode(await outgoing.nth(MessageType.NOTIFICATION))).toEqual([NotifCode.CEASE, CeaseSubcode.CONNECTION_COLLISION_RESOLUTION]);
      await outgoing.closed;
      incoming.sendKeepalive();
      await established(s);
      expect(incoming.count(MessageType.NOTIFICATION)).toBe(0);
      // Both connections' OPENs and the collision's Cease are in the session's counts.
      expect(s.info().messages).toMatchObject({ sent: { open: 2, notification: 1 }, received: { open: 2, notification: 0 } });
      // The RIB sees one session moving on, not a dump and a second session.
      expect(states).toEqual(['Idle>Connect', 'Connect>OpenSent', 'OpenSent>OpenConfirm', 'OpenConfirm>Established']);
      expect(downs).toEqual([]);
    });

    it('lets the incoming connection carry the session when it is established first', async () => {
      const { listener, port } = await listen('127.0.0.39');
      const server = await rawServer('127.0.0.40');
      const s = session({
        name: 'first', remoteAddress: '127.0.0.40', remotePort: server.port, localAddress: '127.0.0.39', config: quickConfig(65002), local: speaker('10.0.0.100', AS),
      });
      listener.addPeer('127.0.0.40', s);
      const states = recordStates(s);
      s.start();
      const outgoing = await server.accepted();
      await outgoing.nth(MessageType.OPEN);
      const incoming = await RawPeer.connect('127.0.0.39', port, '127.0.0.40');
      await incoming.nth(MessageType.OPEN);
      incoming.sendOpen(65002, '10.0.0.50');
      incoming.sendKeepalive();
      await established(s);
      // The outgoing connection, still waiting for an OPEN, is dumped (RFC 4271 §6.8).
      expect(notificationCode(await outgoing.nth(MessageType.NOTIFICATION))).toEqual([NotifCode.CEASE, CeaseSubcode.CONNECTION_COLLISION_RESOLUTION]);
      expect(states).toEqual(['Idle>Connect', 'Connect>OpenSent', 'OpenSent>Established']);
      expect(s.info().localAddress).toBe('127.0.0.39');
    });

    it('keeps the connection we opened when our BGP Identifier is higher', async () => {
      const { s, states, downs, outgoing, incoming } = await collide('10.0.0.50');
      expect(notificationCode(await incoming.nth(MessageType.NOTIFICATION))).toEqual([NotifCode.CEASE, CeaseSubcode.CONNECTION_COLLISION_RESOLUTION]);
      await incoming.closed;
      await outgoing.nth(MessageType.KEEPALIVE);
      outgoing.sendKeepalive();
      await established(s);
      expect(outgoing.count(MessageType.NOTIFICATION)).toBe(0);
      expect(states).toEqual(['Idle>Connect', 'Connect>OpenSent', 'OpenSent>OpenConfirm', 'OpenConfirm>Established']);
      expect(downs).toEqual([]);
    });
  });
});
