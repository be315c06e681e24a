import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SocketError, closeFd, connectTcp, createTcpSocket, getSocketOption, handleFd, setListenerMd5, setListenerMinTtl,
  setListenerTtl, setSocketOption, setTcpMd5Key,
} from '../../src/native/index.js';

// A SYN that the listener drops (wrong MD5 key, TTL below GTSM minimum) is retried only after 1 s,
// so a connect that has not finished by then will not finish: the drop tests use this timeout.
const DROPPED_TIMEOUT_MS = 300;
const KEY = 'petrel-secret';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

interface Listener {
  readonly server: net.Server;
  readonly port: number;
  /** Resolves with the next accepted socket. */
  accepted(): Promise<net.Socket>;
}

async function listen(host: string, configure?: (server: net.Server) => void): Promise<Listener> {
  const server = net.createServer();
  const sockets: net.Socket[] = [];
  server.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  server.listen(0, host);
  await once(server, 'listening');
  configure?.(server);
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const address = server.address() as net.AddressInfo;
  return {
    server,
    port: address.port,
    accepted: async () => sockets.shift() ?? ((await once(server, 'connection')) as [net.Socket])[0],
  };
}

function track(socket: net.Socket): net.Socket {
  cleanups.push(() => socket.destroy());
  return socket;
}

async function exchange(client: net.Socket, server: net.Socket): Promise<void> {
  client.write('open');
  expect(String((await once(server, 'data'))[0])).toBe('open');
  server.write('keepalive');
  expect(String((await once(client, 'data'))[0])).toBe('keepalive');
}

/** Connecting sockets (SYN_SENT) towards `port` in /proc/net/tcp and tcp6. */
function synSentTo(port: number): number {
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const remotePort = Number.parseInt(fields[2]?.split(':')[1] ?? '', 16);
      if (remotePort === port && fields[3] === '02') count++;
    }
  }
  return count;
}

async function expectConnectError(promise: Promise<net.Socket>, code: string): Promise<void> {
  const error: unknown = await promise.then(
    (socket) => {
      socket.destroy();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SocketError);
  expect((error as SocketError).code).toBe(code);
}

describe('TCP socket options', () => {
  it('sets and reads back TTL, minimum TTL and TCP_NODELAY on an IPv4 socket', () => {
    const fd = createTcpSocket(4);
    try {
      setSocketOption(fd, 'IP_TTL', 255);
      setSocketOption(fd, 'IP_MINTTL', 254);
      setSocketOption(fd, 'TCP_NODELAY', 1);
      expect(getSocketOption(fd, 'IP_TTL')).toBe(255);
      expect(getSocketOption(fd, 'IP_MINTTL')).toBe(254);
      expect(getSocketOption(fd, 'TCP_NODELAY')).toBe(1);
    } finally {
      closeFd(fd);
    }
  });

  it('sets hop limit and minimum hop count on an IPv6 socket (RFC 5082 §3)', () => {
    const fd = createTcpSocket(6);
    try {
      setSocketOption(fd, 'IPV6_UNICAST_HOPS', 255);
      setSocketOption(fd, 'IPV6_MINHOPCOUNT', 255);
      expect(getSocketOption(fd, 'IPV6_UNICAST_HOPS')).toBe(255);
      expect(getSocketOption(fd, 'IPV6_MINHOPCOUNT')).toBe(255);
    } finally {
      closeFd(fd);
    }
  });

  it('reports a kernel refusal as a SocketError with the errno name', () => {
    const fd = createTcpSocket(4);
    try {
      expect(() => setSocketOption(fd, 'IP_TTL', 256)).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'setsockopt IP_TTL' }));
      expect(() => setTcpMd5Key(fd, '::1', KEY)).toThrow(expect.objectContaining({ code: 'EAFNOSUPPORT' }));
    } finally {
      closeFd(fd);
    }
    expect(() => closeFd(fd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('rejects an MD5 key longer than the kernel stores', () => {
    const fd = createTcpSocket(4);
    try {
      expect(() => setTcpMd5Key(fd, '127.0.0.1', 'k'.repeat(81))).toThrow(RangeError);
      setTcpMd5Key(fd, '127.0.0.1', 'k'.repeat(80));
    } finally {
      closeFd(fd);
    }
  });
});

describe('connectTcp', () => {
  it('connects, binds the source address and carries data both ways', async () => {
    const listener = await listen('127.0.0.1');
    const client = track(await connectTcp({ remoteAddress: '127.0.0.1', remotePort: listener.port, localAddress: '127.0.0.2', timeoutMs: 2000 }));
    const server = await listener.accepted();
    expect(server.remoteAddress).toBe('127.0.0.2');
    expect(client.remotePort).toBe(listener.port);
    await exchange(client, server);
  });

  it('connects over IPv6', async () => {
    const listener = await listen('::1');
    const client = track(await connectTcp({ remoteAddress: '::1', remotePort: listener.port, timeoutMs: 2000 }));
    await exchange(client, await listener.accepted());
  });

  it('fails with ECONNREFUSED when nothing listens', async () => {
    const listener = await listen('127.0.0.1');
    const { port } = listener;
    await new Promise((resolve) => listener.server.close(resolve));
    await expectConnectError(connectTcp({ remoteAddress: '127.0.0.1', remotePort: port, timeoutMs: 2000 }), 'ECONNREFUSED');
  });

  it('times out with ETIMEDOUT and closes the half-open socket', async () => {
    const listener = await listen('127.0.0.1', (server) => setListenerMd5(server, '127.0.0.1', KEY));
    const pending = connectTcp({ remoteAddress: '127.0.0.1', remotePort: listener.port, timeoutMs: DROPPED_TIMEOUT_MS });
    expect(synSentTo(listener.port)).toBe(1);
    await expectConnectError(pending, 'ETIMEDOUT');
    expect(synSentTo(listener.port)).toBe(0);
  });

  it('rejects with the abort reason and closes the socket when aborted', async () => {
    const listener = await listen('127.0.0.1', (server) => setListenerMd5(server, '127.0.0.1', KEY));
    const controller = new AbortController();
    const pending = connectTcp({ remoteAddress: '127.0.0.1', remotePort: listener.port, timeoutMs: 10_000, signal: controller.signal });
    expect(synSentTo(listener.port)).toBe(1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(synSentTo(listener.port)).toBe(0);
  });

  it('rejects a host name: only addresses are accepted', async () => {
    await expect(connectTcp({ remoteAddress: 'localhost', remotePort: 179, timeoutMs: 100 })).rejects.toThrow(TypeError);
  });
});

describe('TCP MD5 signatures (RFC 2385)', () => {
  const cases = [
    { family: 'IPv4', listenOn: '127.0.0.1', peer: '127.0.0.1' },
    { family: 'IPv6', listenOn: '::1', peer: '::1' },
    { family: 'IPv4 peer on a dual-stack listener', listenOn: '::', peer: '127.0.0.1' },
  ] as const;

  for (const { family, listenOn, peer } of cases) {
    it(`connects with the right key and exchanges data (${family})`, async () => {
      const listener = await listen(listenOn, (server) => setListenerMd5(server, peer, KEY));
      const client = track(await connectTcp({ remoteAddress: peer, remotePort: listener.port, md5Key: KEY, timeoutMs: 2000 }));
      await exchange(client, await listener.accepted());
    });

    it(`gets no connection with a wrong key or none (${family})`, async () => {
      const listener = await listen(listenOn, (server) => setListenerMd5(server, peer, KEY));
      const wrong = connectTcp({ remoteAddress: peer, remotePort: listener.port, md5Key: 'wrong', timeoutMs: DROPPED_TIMEOUT_MS });
      const none = connectTcp({ remoteAddress: peer, remotePort: listener.port, timeoutMs: DROPPED_TIMEOUT_MS });
      await expectConnectError(wrong, 'ETIMEDOUT');
      await expectConnectError(none, 'ETIMEDOUT');
    });
  }

  it('accepts unsigned connections again once the listener key is deleted (empty key)', async () => {
    const listener = await listen('127.0.0.1', (server) => setListenerMd5(server, '127.0.0.1', KEY));
    setListenerMd5(listener.server, '127.0.0.1', '');
    const client = track(await connectTcp({ remoteAddress: '127.0.0.1', remotePort: listener.port, timeoutMs: 2000 }));
    await exchange(client, await listener.accepted());
  });
});

describe('TTL security (RFC 5082 GTSM)', () => {
  const cases = [
    { family: 'IPv4', listenOn: '127.0.0.1', peer: '127.0.0.1' },
    { family: 'IPv6', listenOn: '::1', peer: '::1' },
    { family: 'IPv4 peer on a dual-stack listener', listenOn: '::', peer: '127.0.0.1' },
  ] as const;

  for (const { family, listenOn, peer } of cases) {
    it(`accepts a peer sending TTL 255 and drops one sending the default TTL (${family})`, async () => {
      const listener = await listen(listenOn, (server) => setListenerMinTtl(server, 255));
      const client = track(await connectTcp({ remoteAddress: peer, remotePort: listener.port, ttl: 255, timeoutMs: 2000 }));
      await exchange(client, await listener.accepted());
      await expectConnectError(connectTcp({ remoteAddress: peer, remotePort: listener.port, timeoutMs: DROPPED_TIMEOUT_MS }), 'ETIMEDOUT');
    });
  }

  it('drops the replies of a listener that sends below the client minimum, and not once it sends 255', async () => {
    const plain = await listen('127.0.0.1');
    await expectConnectError(
      connectTcp({ remoteAddress: '127.0.0.1', remotePort: plain.port, ttl: 255, minTtl: 255, timeoutMs: DROPPED_TIMEOUT_MS }),
      'ETIMEDOUT',
    );
    const gtsm = await listen('127.0.0.1', (server) => setListenerTtl(server, 255));
    const client = track(await connectTcp({ remoteAddress: '127.0.0.1', remotePort: gtsm.port, ttl: 255, minTtl: 255, timeoutMs: 2000 }));
    const accepted = await gtsm.accepted();
    expect(getSocketOption(handleFd(accepted), 'IP_TTL')).toBe(255);
    await exchange(client, accepted);
  });
});
