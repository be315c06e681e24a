/**
 * The BGP listener on loopback: peers told apart by address (IPv4, IPv6, IPv4-mapped), added and
 * removed at runtime, MD5 keys (RFC 2385) and TTLs (RFC 5082) on the listening and accepted
 * sockets, and connections from anyone else closed unread (SPEC §8).
 */
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BgpListener, peerKey, type ConnectionAcceptor } from '../../src/fsm/listener.js';
import { connectTcp, getSocketOption, handleFd } from '../../src/native/index.js';
import { cleanup, established, onCleanup, petrelPair } from './session-harness.js';

afterEach(cleanup);

/** An acceptor that keeps what it is handed. */
class Inbox implements ConnectionAcceptor {
  private readonly sockets: net.Socket[] = [];
  private waiting: ((s: net.Socket) => void) | undefined;

  acceptConnection(socket: net.Socket): void {
    onCleanup(() => {
      socket.destroy();
    });
    if (this.waiting) this.waiting(socket);
    else this.sockets.push(socket);
    this.waiting = undefined;
  }

  next(): Promise<net.Socket> {
    const s = this.sockets.shift();
    return s ? Promise.resolve(s) : new Promise((resolve) => (this.waiting = resolve));
  }
}

async function listenOn(host: string): Promise<{ listener: BgpListener; port: number; server: net.Server }> {
  const server = net.createServer({ pauseOnConnect: true });
  server.listen({ host, port: 0 });
  await once(server, 'listening');
  const listener = new BgpListener([server]);
  onCleanup(() => listener.close());
  return { listener, port: (server.address() as net.AddressInfo).port, server };
}

function dial(host: string, port: number, localAddress: string, md5Key?: string): Promise<net.Socket> {
  return connectTcp({ remoteAddress: host, remotePort: port, localAddress, timeoutMs: 400, ...(md5Key === undefined ? {} : { md5Key }) }).then((s) => {
    onCleanup(() => {
      s.destroy();
    });
    return s;
  });
}

describe('peerKey', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['::FFFF:10.0.0.1', '10.0.0.1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    // A link-local address keeps its link (RFC 4291 §2.5.6); a zone on any other is dropped.
    ['FE80:0::1%eth0', 'fe80::1%eth0'],
    ['2001:db8::1%eth0', '2001:db8::1'],
  ])('files %s under %s', (address, key) => {
    expect(peerKey(address)).toBe(key);
  });
});

describe('BgpListener', () => {
  it('hands a configured peer its connection and refuses it again once the peer is removed', async () => {
    const { listener, port } = await listenOn('127.0.0.40');
    const inbox = new Inbox();
    listener.addPeer('127.0.0.41', inbox);
    await dial('127.0.0.40', port, '127.0.0.41');
    expect((await inbox.next()).remoteAddress).toBe('127.0.0.41');

    listener.removePeer('127.0.0.41');
    const refused = await dial('127.0.0.40', port, '127.0.0.41');
    await once(refused, 'close');
    expect(listener.refusedConnections).toBe(1);

    listener.addPeer('127.0.0.41', inbox);
    await dial('127.0.0.40', port, '127.0.0.41');
    expect((await inbox.next()).remotePort).toBeGreaterThan(0);
  });

  it('matches IPv4 peers on a dual-stack :: listener, with their MD5 key (RFC 2385)', async () => {
    const listener = await BgpListener.listen([{ host: '::', port: 0 }]);
    onCleanup(() => listener.close());
    const { port } = listener.addresses()[0]!;
    const inbox = new Inbox();
    listener.addPeer('127.0.0.43', inbox, { md5Key: 'mapped-key' });
    await expect(dial('127.0.0.1', port, '127.0.0.43')).rejects.toThrow(/ETIMEDOUT/);
    await expect(dial('127.0.0.1', port, '127.0.0.43', 'other-key')).rejects.toThrow(/ETIMEDOUT/);
    await dial('127.0.0.1', port, '127.0.0.43', 'mapped-key');
    expect((await inbox.next()).remoteAddress).toBe('::ffff:127.0.0.43');

    const v6 = new Inbox();
    listener.addPeer('::1', v6);
    await dial('::1', port, '::1');
    expect((await v6.next()).remoteAddress).toBe('::1');
  });

  it('drops the key when a peer is re-added without one', async () => {
    const { listener, port } = await listenOn('127.0.0.44');
    const inbox = new Inbox();
    listener.addPeer('127.0.0.45', inbox, { md5Key: 'old-key' });
    await expect(dial('127.0.0.44', port, '127.0.0.45')).rejects.toThrow(/ETIMEDOUT/);
    listener.addPeer('127.0.0.45', inbox);
    await dial('127.0.0.44', port, '127.0.0.45');
    expect((await inbox.next()).remoteAddress).toBe('127.0.0.45');
  });

  it("sets the listening socket's TTLs for all peers and each accepted socket's for its own peer (RFC 5082)", async () => {
    const { listener, port, server } = await listenOn('127.0.0.46');
    const gtsm = new Inbox();
    listener.addPeer('127.0.0.47', gtsm, { ttl: 255, minTtl: 254 });
    expect(getSocketOption(handleFd(server), 'IP_TTL')).toBe(255);
    expect(getSocketOption(handleFd(server), 'IP_MINTTL')).toBe(254);

    const plain = new Inbox();
    listener.addPeer('127.0.0.48', plain, { ttl: 1 });
    // A peer without GTSM must be able to connect: the listener's minimum goes.
    expect(getSocketOption(handleFd(server), 'IP_MINTTL')).toBe(0);
    expect(getSocketOption(handleFd(server), 'IP_TTL')).toBe(255);

    await connectTcp({ remoteAddress: '127.0.0.46', remotePort: port, localAddress: '127.0.0.47', ttl: 255, timeoutMs: 1000 }).then((s) => onCleanup(() => void s.destroy()));
    const accepted = await gtsm.next();
    expect(getSocketOption(handleFd(accepted), 'IP_TTL')).toBe(255);
    expect(getSocketOption(handleFd(accepted), 'IP_MINTTL')).toBe(254);
    await dial('127.0.0.46', port, '127.0.0.48');
    const single = await plain.next();
    expect(getSocketOption(handleFd(single), 'IP_TTL')).toBe(1);
    expect(getSocketOption(handleFd(single), 'IP_MINTTL')).toBe(0);

    listener.removePeer('127.0.0.48');
    expect(getSocketOption(handleFd(server), 'IP_MINTTL')).toBe(254);
  });
});

describe('sessions over IPv6 transport', () => {
  it('establishes petrel to petrel over ::1', async () => {
    const { a, b } = await petrelPair(
      { address: '::1', as: 64512, routerId: '10.0.0.61', local: { families: ['ipv6-unicast'] } },
      { address: '::1', as: 4200000001, routerId: '10.0.0.62', passive: true, local: { families: ['ipv6-unicast'] } },
    );
    b.start();
    a.start();
    await Promise.all([established(a), established(b)]);
    expect(a.info().negotiated).toMatchObject({ peerAs: 4200000001, internal: false, families: ['ipv6-unicast'] });
    expect(a.info().localAddress).toBe('::1');
  });
});
