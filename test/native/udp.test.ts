import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { addon } from '../../src/native/addon.js';
import { SocketError, UdpSocket, closeFd, getSocketOption, type UdpSource } from '../../src/native/index.js';

const LOOPBACK_INDEX = Number(readFileSync('/sys/class/net/lo/ifindex', 'utf8').trim());

const opened: UdpSocket[] = [];
afterEach(() => {
  for (const socket of opened.splice(0)) socket.close();
});

function open(version: 4 | 6, address?: string): UdpSocket {
  const socket = UdpSocket.open(version);
  opened.push(socket);
  if (address !== undefined) socket.bind(address, 0);
  return socket;
}

/** Resolves with the next `count` datagrams the socket receives. */
function receive(socket: UdpSocket, count: number): Promise<[Buffer, UdpSource][]> {
  return new Promise((resolve, reject) => {
    const received: [Buffer, UdpSource][] = [];
    const onMessage = (data: Buffer, from: UdpSource): void => {
      received.push([data, from]);
      if (received.length < count) return;
      socket.off('message', onMessage);
      socket.off('error', reject);
      resolve(received);
    };
    socket.on('message', onMessage);
    socket.once('error', reject);
  });
}

for (const [version, loopback] of [[4, '127.0.0.1'], [6, '::1']] as const) {
  describe(`UdpSocket over IPv${version}`, () => {
    it('reports the TTL / hop limit each datagram arrived with: 255 and 64 as the sender set them', async () => {
      const receiver = open(version, loopback);
      const sender = open(version, loopback);
      const port = receiver.localPort();

      sender.setTtl(255);
      const first = receive(receiver, 1);
      sender.send(Buffer.from('hello'), loopback, port);
      const [[data, from]] = (await first) as [[Buffer, UdpSource]];
      expect(data.toString()).toBe('hello');
      expect(from).toEqual({ address: loopback, port: sender.localPort(), ttl: 255, ifindex: LOOPBACK_INDEX });

      sender.setTtl(64);
      const second = receive(receiver, 1);
      sender.send(new Uint8Array([1, 2, 3]), loopback, port);
      const [[bytes, secondFrom]] = (await second) as [[Buffer, UdpSource]];
      expect([...bytes]).toEqual([1, 2, 3]);
      expect(secondFrom.ttl).toBe(64);
    });

    it('answers the source of a datagram from the receiving socket (an unbound sender is bound at its first send)', async () => {
      const server = open(version, loopback);
      const client = open(version);
      const request = receive(server, 1);
      client.send(Buffer.from('ping'), loopback, server.localPort());
      const [[, from]] = (await request) as [[Buffer, UdpSource]];
      expect(from.port).toBe(client.localPort());
      const reply = receive(client, 1);
      server.send(Buffer.from('pong'), from.address, from.port);
      const [[data]] = (await reply) as [[Buffer, UdpSource]];
      expect(data.toString()).toBe('pong');
    });

    it('reads back the port the kernel chose, and binds a given port with SO_REUSEADDR', () => {
      const first = open(version, loopback);
      const port = first.localPort();
      expect(port).toBeGreaterThan(0);
      first.close();
      const second = open(version);
      second.bind(loopback, port, { reuseAddress: true });
      expect(second.localPort()).toBe(port);
      const third = open(version);
      expect(() => third.bind(loopback, port)).toThrow(expect.objectContaining({ code: 'EADDRINUSE', syscall: 'bind' }));
    });

    it('delivers a burst of datagrams larger than a read batch, all of them and in order', async () => {
      const receiver = open(version, loopback);
      const sender = open(version, loopback);
      const count = 150; // more than two batches of 64, within the default receive buffer
      const all = receive(receiver, count);
      for (let i = 0; i < count; i++) sender.send(Buffer.from([i >> 8, i & 255]), loopback, receiver.localPort());
      const received = await all;
      expect(received.map(([data]) => data.readUInt16BE(0))).toEqual(Array.from({ length: count }, (_, i) => i));
    });

    it('refuses to work after close, close is idempotent, and no message follows close', async () => {
      const receiver = open(version, loopback);
      const sender = open(version, loopback);
      const port = receiver.localPort();
      const messages: Buffer[] = [];
      receiver.on('message', (data) => messages.push(data));
      sender.send(Buffer.from('late'), loopback, port); // queued, not yet read
      receiver.close();
      receiver.close();
      expect(receiver.closed).toBe(true);
      expect(() => receiver.send(Buffer.from('x'), loopback, port)).toThrow(SocketError);
      expect(() => receiver.send(Buffer.from('x'), loopback, port)).toThrow('socket is closed');
      expect(() => receiver.localPort()).toThrow(expect.objectContaining({ code: 'EBADF' }));
      expect(() => receiver.setTtl(255)).toThrow(SocketError);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(messages).toEqual([]);
    });

    it('emits nothing more once a message listener closes the socket in the middle of a batch', async () => {
      const receiver = open(version, loopback);
      const sender = open(version, loopback);
      for (let i = 0; i < 10; i++) sender.send(Buffer.from([i]), loopback, receiver.localPort());
      let seen = 0;
      receiver.on('message', () => {
        seen++;
        receiver.close();
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen).toBe(1);
    });

    it('throws a SocketError for a send the kernel refuses, and for an address of the other family', () => {
      const socket = open(version, loopback);
      expect(() => socket.send(Buffer.from('x'), version === 4 ? '::1' : '127.0.0.1', 9)).toThrow(SocketError);
      expect(() => socket.send(Buffer.from('x'), loopback, 0)).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'sendto' }));
      expect(() => socket.send(Buffer.alloc(70_000), loopback, 9)).toThrow(expect.objectContaining({ code: 'EMSGSIZE' }));
    });
  });
}

describe('addon udpSocket', () => {
  it('asks the kernel for the TTL / hop limit and interface of every datagram; IPv6 sockets are IPv6-only', () => {
    const native = addon() as unknown as { udpSocket(version: 4 | 6): number | string };
    const fd4 = native.udpSocket(4);
    const fd6 = native.udpSocket(6);
    if (typeof fd4 !== 'number' || typeof fd6 !== 'number') throw new Error(`udpSocket: ${String(fd4)} ${String(fd6)}`);
    try {
      expect(getSocketOption(fd4, 'IP_RECVTTL')).toBe(1);
      expect(getSocketOption(fd4, 'IP_PKTINFO')).toBe(1);
      expect(getSocketOption(fd6, 'IPV6_V6ONLY')).toBe(1);
      expect(getSocketOption(fd6, 'IPV6_RECVHOPLIMIT')).toBe(1);
      expect(getSocketOption(fd6, 'IPV6_RECVPKTINFO')).toBe(1);
    } finally {
      closeFd(fd4);
      closeFd(fd6);
    }
    expect(native.udpSocket(5 as 4)).toBe('EAFNOSUPPORT');
  });

  it('throws a TypeError for wrong argument types instead of crashing', () => {
    const untyped = addon() as unknown as Record<string, (...args: unknown[]) => unknown>;
    expect(() => untyped['udpSocket']!('4')).toThrow(TypeError);
    expect(() => untyped['udpSend']!(-1, '127.0.0.1', 9, 'not a buffer')).toThrow(TypeError);
    expect(() => untyped['watchUdp']!(-1, 'not a function')).toThrow(TypeError);
    expect(() => untyped['localPort']!()).toThrow(TypeError);
  });

  it('opens only IP versions 4 and 6', () => {
    expect(() => UdpSocket.open(5 as 4)).toThrow(TypeError);
  });
});
