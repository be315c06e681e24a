/**
 * The real-peer harness itself: each daemon starts in its namespace, reaches Established with the
 * recorder, announces what it was configured to, and leaves no process or namespace behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { annotateMessage } from './annotate.js';
import { createPeer, createTwoNamespaces, DAEMON_KINDS, type TwoNamespaces } from './daemons.js';
import { liveNamespaces } from './netns.js';
import type { Peer } from './peer.js';
import { pidAlive, runOk } from './process.js';
import { caps, IPV4_UNICAST, MessageType, Recorder } from './recorder.js';

const DAEMON_AS = 65001;
const CLIENT_AS = 65002;

let cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function systemNamespaces(): Promise<string[]> {
  const out = await runOk('ip', ['netns', 'list']);
  return out.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.length > 0);
}

describe.each(DAEMON_KINDS)('%s in a namespace', (kind) => {
  it('reaches Established with the recorder, sends its route, and cleans up after stop', async () => {
    const ns: TwoNamespaces = await createTwoNamespaces({ daemonAddresses: ['10.0.0.1/24'], clientAddresses: ['10.0.0.2/24'] });
    const peer: Peer = createPeer(kind, ns.daemon, {
      routerId: '10.0.0.1',
      localAs: DAEMON_AS,
      neighbors: [{ address: '10.0.0.2', remoteAs: CLIENT_AS, passive: true, holdTimeSec: 30, gracefulRestart: true }],
      routes: [{ prefix: '10.20.0.0/24', nextHop: '10.0.0.1', communities: ['65001:7'] }],
    });
    cleanup.push(async () => {
      await peer.stop();
      await ns.remove();
    });
    try {
      await peer.start();
      const socket = await ns.client.connect({ host: '10.0.0.1', port: 179, localAddress: '10.0.0.2' });
      const recorder = new Recorder(socket, {
        myAs: CLIENT_AS,
        routerId: '10.0.0.2',
        holdTimeSec: 30,
        capabilities: [caps.multiprotocol(IPV4_UNICAST), caps.fourOctetAs(CLIENT_AS), caps.gracefulRestart(120, [IPV4_UNICAST])],
      });
      cleanup.push(() => recorder.close());
      await recorder.established();
      await peer.waitEstablished('10.0.0.2');
      expect(await peer.sessionState('10.0.0.2')).toBe('Established');

      const ctx = { fourOctetAs: true, addPath: [] };
      const update = await recorder.waitFor((m) => annotateMessage(m.bytes, ctx).update?.announced.includes('10.20.0.0/24') ?? false, 10_000, 'the route');
      expect(update.type).toBe(MessageType.UPDATE);
      // The daemon's own view of what it originates, through its CLI.
      const origin = (await peer.routes()).find((r) => r.prefix === '10.20.0.0/24');
      expect(origin?.communities).toEqual(['65001:7']);
    } catch (err) {
      throw new Error(`${String(err)}\n--- ${kind} log ---\n${await peer.logs()}`, { cause: err });
    }

    const pids = peer.pids();
    expect(pids.length).toBeGreaterThan(0);
    await peer.stop();
    await ns.remove();
    expect(pids.filter(pidAlive)).toEqual([]);
    expect(peer.pids()).toEqual([]);
    expect(liveNamespaces()).toEqual([]);
    const left = await systemNamespaces();
    expect(left).not.toContain(ns.daemon.name);
    expect(left).not.toContain(ns.client.name);
  });
});

describe('namespace socket hand-over', () => {
  it('gives the test process a listening server that lives inside the namespace', async () => {
    const ns = await createTwoNamespaces({ daemonAddresses: ['10.0.0.1/24'], clientAddresses: ['10.0.0.2/24'] });
    cleanup.push(() => ns.remove());
    const server = await ns.daemon.listen({ host: '10.0.0.1', port: 0 });
    cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const accepted = new Promise<string>((resolve) => server.once('connection', (s) => {
      resolve(s.remoteAddress ?? '');
      s.destroy();
    }));
    const client = await ns.client.connect({ host: '10.0.0.1', port });
    cleanup.push(() => Promise.resolve(client.destroy()).then(() => undefined));
    expect(await accepted).toBe('10.0.0.2');
  });

  it('adds no address to the host namespace', async () => {
    const ns = await createTwoNamespaces({ daemonAddresses: ['198.51.100.1/24'], clientAddresses: ['198.51.100.2/24'] });
    cleanup.push(() => ns.remove());
    expect(await ns.client.ip('-o', 'addr', 'show')).toContain('198.51.100.2/24');
    const hostAddresses = await runOk('ip', ['-o', 'addr', 'show']);
    expect(hostAddresses).not.toContain('198.51.100.');
  });
});
