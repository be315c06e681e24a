/**
 * BFD sessions on real UDP sockets over loopback (RFC 5881 transport), each side on its own
 * 127.0.0.x address and a test port: petrel's BfdManager against a second one, and against a
 * hand-driven peer built from the codec, which can fall silent, send AdminDown, or send with a
 * TTL other than 255. The daemon's reaction (BfdPlane) is checked against a recording speaker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeBfdControl, decodeBfdControl, isBfdDiscard } from '../../src/bfd/packet.js';
import { BfdManager, type BfdPeer, type BfdPeerAuth } from '../../src/bfd/manager.js';
import { BfdAuthType, BfdState, type BfdControlPacket } from '../../src/bfd/types.js';
import type { BgpError } from '../../src/bgp/errors.js';
import { BfdPlane } from '../../src/daemon/bfd-plane.js';
import { silentLogger } from '../../src/log.js';
import { UdpSocket } from '../../src/native/index.js';
import { waitFor } from '../peers/process.js';

const PORT = 20_000 + Math.floor(Math.random() * 10_000);
/** The multihop port's stand-in (RFC 5883's 4784). */
const MULTIHOP_PORT = PORT + 1;
const FAST = { desiredMinTxMs: 30, requiredMinRxMs: 30, detectMult: 3 } as const;

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
});

function manager(address: string): BfdManager {
  const m = new BfdManager({ log: silentLogger(), listen: { v4: address }, port: PORT, multihopPort: MULTIHOP_PORT });
  closers.push(() => m.close());
  return m;
}

function peer(name: string, address: string, localAddress: string): BfdPeer {
  return { name, address, localAddress, intervals: FAST };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 8_000): Promise<T> {
  return waitFor(async () => Promise.resolve(probe()), { timeoutMs, intervalMs: 10, what });
}

/** A BFD peer driven by the test: it hears what petrel sends and sends what it is told. */
class HandPeer {
  readonly heard: BfdControlPacket[] = [];
  readonly socket: UdpSocket;
  #from: { address: string; port: number } | undefined;

  constructor(
    readonly address: string,
    readonly port = PORT,
  ) {
    this.socket = UdpSocket.open(4);
    this.socket.bind(address, port);
    this.socket.setTtl(255);
    this.socket.on('message', (data, from) => {
      const packet = decodeBfdControl(data);
      if (isBfdDiscard(packet)) return;
      this.heard.push(packet);
      this.#from = from;
    });
    closers.push(() => this.socket.close());
  }

  get last(): BfdControlPacket | undefined {
    return this.heard.at(-1);
  }

  /** A Control packet to petrel's port 3784 (here: the test port), as a peer in `state`. */
  send(state: BfdState, over: Partial<BfdControlPacket> = {}): void {
    const theirs = this.last;
    const packet: BfdControlPacket = {
      diag: 0,
      state,
      poll: false,
      final: theirs?.poll === true,
      controlPlaneIndependent: false,
      demand: false,
      detectMult: 3,
      myDiscriminator: 0x5eed,
      yourDiscriminator: theirs?.myDiscriminator ?? 0,
      desiredMinTxUs: 30_000,
      requiredMinRxUs: 30_000,
      requiredMinEchoRxUs: 0,
      ...over,
    };
    if (this.#from === undefined) throw new Error('petrel has not sent anything yet');
    this.socket.send(encodeBfdControl(packet), this.#from.address, this.port);
  }
}

describe('BfdManager on loopback (RFC 5880, RFC 5881)', () => {
  it('brings two sessions Up, then a removed peer goes AdminDown and the other side Down with Diag 3', async () => {
    const a = manager('127.0.0.71');
    const b = manager('127.0.0.72');
    a.configure([peer('b', '127.0.0.72', '127.0.0.71')]);
    b.configure([peer('a', '127.0.0.71', '127.0.0.72')]);
    await until('both Up', () => (a.stateOf('b') === BfdState.UP && b.stateOf('a') === BfdState.UP ? true : undefined));
    const [view] = a.views();
    expect(view).toMatchObject({ name: 'b', address: '127.0.0.72', state: BfdState.UP, remoteState: BfdState.UP, txIntervalMs: 30, detectionTimeMs: 90 });
    expect(view!.remoteDiscriminator).toBe(b.views()[0]!.localDiscriminator);

    b.configure([]);
    await until('a Down', () => (a.stateOf('b') === BfdState.DOWN ? true : undefined));
    expect(a.views()[0]).toMatchObject({ remoteState: BfdState.ADMIN_DOWN, localDiag: 3 });
    expect(b.views()).toEqual([]);
  });

  it('drops packets whose TTL is not 255 (RFC 5881 §5), malformed ones, and ones for no session', async () => {
    const a = manager('127.0.0.73');
    const hand = new HandPeer('127.0.0.74');
    a.configure([peer('hand', '127.0.0.74', '127.0.0.73')]);
    await until('petrel sends', () => hand.last);
    hand.socket.setTtl(64);
    hand.send(BfdState.DOWN);
    await until('a TTL drop', () => (a.drops.ttl > 0 ? true : undefined));
    expect(a.stateOf('hand')).toBe(BfdState.DOWN);
    hand.socket.setTtl(255);
    hand.socket.send(Buffer.from([0x20, 0x40]), '127.0.0.73', PORT);
    await until('a malformed drop', () => (a.drops.malformed > 0 ? true : undefined));
    hand.send(BfdState.UP, { yourDiscriminator: 12345 });
    await until('an unknown-session drop', () => (a.drops.unknownSession > 0 ? true : undefined));
    hand.send(BfdState.DOWN);
    await until('Init', () => (a.stateOf('hand') === BfdState.INIT ? true : undefined));
  });
});

describe('BfdManager, multihop (RFC 5883)', () => {
  const multihop = (name: string, address: string, localAddress: string, minTtl = 1): BfdPeer => ({ ...peer(name, address, localAddress), multihop: { minTtl } });

  it('brings two multihop sessions Up over the multihop port, each side showing its kind', async () => {
    const a = manager('127.0.0.81');
    const b = manager('127.0.0.82');
    a.configure([multihop('b', '127.0.0.82', '127.0.0.81')]);
    b.configure([multihop('a', '127.0.0.81', '127.0.0.82')]);
    await until('both Up', () => (a.stateOf('b') === BfdState.UP && b.stateOf('a') === BfdState.UP ? true : undefined));
    expect(a.views()[0]).toMatchObject({ name: 'b', multihop: true, remoteState: BfdState.UP });
  });

  it('sends to the multihop port, accepts a TTL down to minTtl, and keeps the kinds apart', async () => {
    const a = manager('127.0.0.83');
    const hand = new HandPeer('127.0.0.84', MULTIHOP_PORT);
    // A single-hop peer too, so that the single-hop port is open.
    a.configure([multihop('hand', '127.0.0.84', '127.0.0.83', 250), peer('elsewhere', '127.0.0.87', '127.0.0.83')]);
    await until('petrel sends to the multihop port', () => hand.last);
    // Three routers away (TTL 252): within minTtl 250, so the handshake proceeds.
    hand.socket.setTtl(252);
    hand.send(BfdState.DOWN);
    await until('Init', () => (a.stateOf('hand') === BfdState.INIT ? true : undefined));
    // Six routers away: below minTtl, dropped.
    hand.socket.setTtl(249);
    hand.send(BfdState.UP);
    await until('a TTL drop', () => (a.drops.ttl > 0 ? true : undefined));
    expect(a.stateOf('hand')).toBe(BfdState.INIT);
    // The right discriminator on the single-hop port is still not this session's.
    hand.socket.setTtl(255);
    hand.socket.send(encodeBfdControl({ ...hand.last!, state: BfdState.UP, myDiscriminator: 0x5eed, yourDiscriminator: hand.last!.myDiscriminator }), '127.0.0.83', PORT);
    await until('an unknown-session drop', () => (a.drops.unknownSession > 0 ? true : undefined));
    expect(a.stateOf('hand')).toBe(BfdState.INIT);
    hand.send(BfdState.UP);
    await until('Up', () => (a.stateOf('hand') === BfdState.UP ? true : undefined));
  });

  it('moves a session to the other port when its kind changes on reload (a new session, RFC 5880 §6.3)', async () => {
    const a = manager('127.0.0.85');
    const b = manager('127.0.0.86');
    a.configure([peer('b', '127.0.0.86', '127.0.0.85')]);
    b.configure([peer('a', '127.0.0.85', '127.0.0.86')]);
    await until('both Up, single hop', () => (a.stateOf('b') === BfdState.UP && b.stateOf('a') === BfdState.UP ? true : undefined));
    const before = a.views()[0]!.localDiscriminator;
    a.configure([multihop('b', '127.0.0.86', '127.0.0.85')]);
    b.configure([multihop('a', '127.0.0.85', '127.0.0.86')]);
    await until('both Up, multihop', () => (a.views()[0]?.multihop === true && a.stateOf('b') === BfdState.UP && b.stateOf('a') === BfdState.UP ? true : undefined));
    expect(a.views()[0]!.localDiscriminator).not.toBe(before);
  });
});

describe('BfdPlane: what BFD does to BGP (RFC 5882)', () => {
  async function upWithHandPeer(local: string, remote: string): Promise<{ plane: BfdPlane; hand: HandPeer; stops: { name: string; why: BgpError }[] }> {
    const stops: { name: string; why: BgpError }[] = [];
    const plane = new BfdPlane({ stopPeerAutomatically: (name, why) => (stops.push({ name, why }), true) }, silentLogger(), { listen: { v4: local }, port: PORT });
    closers.push(() => plane.close());
    const hand = new HandPeer(remote);
    plane.manager.configure([peer('tor', remote, local)]);
    await until('petrel sends', () => hand.last);
    hand.send(BfdState.DOWN);
    await until('Init', () => (plane.manager.stateOf('tor') === BfdState.INIT ? true : undefined));
    hand.send(BfdState.UP);
    await until('Up', () => (plane.manager.stateOf('tor') === BfdState.UP ? true : undefined));
    return { plane, hand, stops };
  }

  it('stops the BGP session with Cease / BFD Down when the peer falls silent (Diag 1)', async () => {
    const { plane, stops } = await upWithHandPeer('127.0.0.75', '127.0.0.76');
    expect(stops).toEqual([]);
    // The hand peer says nothing more: three intervals later the session is Down.
    await until('BGP stopped', () => stops[0]);
    expect(stops).toHaveLength(1);
    expect(stops[0]!.name).toBe('tor');
    expect([stops[0]!.why.code, stops[0]!.why.subcode]).toEqual([6, 10]);
    expect(plane.views()[0]).toMatchObject({ state: 'Down', localDiag: 'Control Detection Time Expired', downTransitions: 1 });
  });

  it('leaves BGP alone when the peer takes BFD down administratively (RFC 5882 §3.2)', async () => {
    const { plane, hand, stops } = await upWithHandPeer('127.0.0.77', '127.0.0.78');
    hand.send(BfdState.ADMIN_DOWN, { diag: 7 });
    await until('Down', () => (plane.manager.stateOf('tor') === BfdState.DOWN ? true : undefined));
    expect(plane.views()[0]).toMatchObject({ state: 'Down', remoteState: 'AdminDown', localDiag: 'Neighbor Signaled Session Down' });
    expect(stops).toEqual([]);
  });
});

describe('BfdManager with authentication on loopback (RFC 5880 §6.7)', () => {
  const secret = (value: string) => ({ reveal: () => value, toString: () => '[redacted]' });
  const withAuth = (p: BfdPeer, type: BfdPeerAuth['type'], value: string, keyId = 1): BfdPeer => ({ ...p, auth: { type, keyId, secret: secret(value) } });

  it('two sessions with the same Meticulous Keyed SHA1 key come Up; views give the type, never the key', async () => {
    const a = manager('127.0.0.81');
    const b = manager('127.0.0.82');
    a.configure([withAuth(peer('b', '127.0.0.82', '127.0.0.81'), BfdAuthType.METICULOUS_KEYED_SHA1, 'shared-key')]);
    b.configure([withAuth(peer('a', '127.0.0.81', '127.0.0.82'), BfdAuthType.METICULOUS_KEYED_SHA1, 'shared-key')]);
    await until('both Up', () => (a.stateOf('b') === BfdState.UP && b.stateOf('a') === BfdState.UP ? true : undefined));
    expect(a.views()[0]).toMatchObject({ authType: BfdAuthType.METICULOUS_KEYED_SHA1, authKeyId: 1, authFailures: 0 });
    expect(JSON.stringify(a.views())).not.toContain('shared-key');
    expect(a.drops.authentication).toBe(0);
  });

  it('with a wrong key neither side ever comes Up, and every packet is an authentication drop', async () => {
    const a = manager('127.0.0.83');
    const b = manager('127.0.0.84');
    a.configure([withAuth(peer('b', '127.0.0.84', '127.0.0.83'), BfdAuthType.KEYED_MD5, 'right-key')]);
    b.configure([withAuth(peer('a', '127.0.0.83', '127.0.0.84'), BfdAuthType.KEYED_MD5, 'wrong-key')]);
    await until('drops on both sides', () => (a.drops.authentication >= 2 && b.drops.authentication >= 2 ? true : undefined));
    expect(a.stateOf('b')).toBe(BfdState.DOWN);
    expect(b.stateOf('a')).toBe(BfdState.DOWN);
    expect(a.views()[0]!.remoteDiscriminator).toBe(0);
    expect(a.views()[0]!.authFailures).toBeGreaterThanOrEqual(2);

    // A reload with the right key applies to the running session: both come Up.
    b.configure([withAuth(peer('a', '127.0.0.83', '127.0.0.84'), BfdAuthType.KEYED_MD5, 'right-key')]);
    await until('both Up after the key change', () => (a.stateOf('b') === BfdState.UP && b.stateOf('a') === BfdState.UP ? true : undefined));
  });

  it('one side without authentication: the A bit is refused there, the missing one on the other (§6.8.6)', async () => {
    const a = manager('127.0.0.85');
    const b = manager('127.0.0.86');
    a.configure([withAuth(peer('b', '127.0.0.86', '127.0.0.85'), BfdAuthType.SIMPLE_PASSWORD, 'pw')]);
    b.configure([peer('a', '127.0.0.85', '127.0.0.86')]);
    await until('drops on both sides', () => (a.drops.authentication >= 2 && b.drops.authentication >= 2 ? true : undefined));
    expect(a.stateOf('b')).toBe(BfdState.DOWN);
    expect(b.stateOf('a')).toBe(BfdState.DOWN);
    expect(a.drops.malformed + b.drops.malformed).toBe(0);
  });
});
