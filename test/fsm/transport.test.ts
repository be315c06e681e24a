/**
 * The TCP transport on loopback: several messages handed over at once arrive whole and in order,
 * as one write (corked), a closed transport takes nothing, and an IPv4 connection accepted on a
 * dual-stack `::` listener reports plain IPv4 addresses.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../src/bgp/index.js';
import type { BgpMessage } from '../../src/bgp/types.js';
import { Transport, sessionAddress } from '../../src/fsm/transport.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn();
});

/** A connected pair of sockets to 127.0.0.1 (an ephemeral port), the server on `listenOn`. */
async function socketPair(listenOn = '127.0.0.1'): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, listenOn, resolve));
  const { port } = server.address() as net.AddressInfo;
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  const peer = await accepted;
  cleanups.push(() => {
    client.destroy();
    peer.destroy();
    server.close();
  });
  return [client, peer];
}

function received(transport: Transport, count: number): Promise<BgpMessage[]> {
  const out: BgpMessage[] = [];
  return new Promise((resolve) => {
    // A frame is valid only during the call: decoded at once.
    transport.on('frame', (frame) => {
      out.push(decodeMessage(frame));
      if (out.length === count) resolve(out);
    });
  });
}

describe('Transport', () => {
  it('sends several messages as one corked write, whole and in order', async () => {
    const [a, b] = await socketPair();
    const sender = new Transport(a);
    const receiver = new Transport(b);
    const update = encodeMessage({ type: 'update', withdrawn: [], attributes: [], nlri: [] });
    const keepalive = encodeMessage({ type: 'keepalive' });
    const messages = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? update : keepalive));
    const writes: number[] = [];
    const writev = a._writev?.bind(a);
    // Count how the socket is asked to write: one writev for the whole batch.
    a._writev = (chunks, cb) => {
      writes.push(chunks.length);
      writev!(chunks, cb);
    };
    const got = received(receiver, messages.length);
    expect(sender.sendAll(messages)).toBe(true);
    const decoded = await got;
    expect(decoded.map((m) => m.type)).toEqual(messages.map((_, i) => (i % 2 === 0 ? 'update' : 'keepalive')));
    expect(writes).toEqual([messages.length]);
  });

  it('takes nothing once closed', async () => {
    const [a] = await socketPair();
    const sender = new Transport(a);
    const closed = new Promise<void>((resolve) => sender.once('closed', () => resolve()));
    a.destroy();
    await closed;
    expect(sender.sendAll([encodeMessage({ type: 'keepalive' }), encodeMessage({ type: 'keepalive' })])).toBe(false);
  });

  it('gives an IPv4 connection accepted on :: its IPv4 addresses, not ::ffff:127.0.0.1 (show peers, NEXT_HOP)', async () => {
    const [, accepted] = await socketPair('::');
    expect(accepted.localAddress).toBe('::ffff:127.0.0.1');
    const transport = new Transport(accepted);
    expect(transport.localAddress).toBe('127.0.0.1');
    expect(transport.remoteAddress).toBe('127.0.0.1');
  });
});

describe('sessionAddress', () => {
  it('unwraps IPv4-mapped addresses and drops zones, and leaves other addresses alone', () => {
    expect(sessionAddress('::ffff:10.0.1.12')).toBe('10.0.1.12');
    expect(sessionAddress('::FFFF:10.0.1.12')).toBe('10.0.1.12');
    expect(sessionAddress('fe80::1%eth0')).toBe('fe80::1');
    expect(sessionAddress('fd00:0:1::12')).toBe('fd00:0:1::12');
    expect(sessionAddress('::ffff:a00:10c')).toBe('::ffff:a00:10c');
    expect(sessionAddress('10.0.1.12')).toBe('10.0.1.12');
    expect(sessionAddress(undefined)).toBeUndefined();
  });
});
