// petrel_bgp_messages_total from a real session (RFC 4271 §4.1): OPEN and KEEPALIVE are counted
// where they are sent and read, in both directions, and a scrape reports them per peer.
import { afterEach, describe, expect, it } from 'vitest';
import { effectivePeers } from '../../src/config/peers.js';
import { DaemonMetrics } from '../../src/daemon/metrics.js';
import { SessionObserver } from '../../src/daemon/session-observer.js';
import type { Speaker } from '../../src/daemon/speaker.js';
import type { Session } from '../../src/fsm/session.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { cleanup, established, listen, MessageType, quickConfig, RawPeer, session, speaker, until } from '../fsm/session-harness.js';
import { parseExposition, sampleValue } from './exposition.js';
import { config } from './harness.js';

afterEach(cleanup);

const PEER_CONFIG = config(`node: {name: node-a, ipv4Address: 10.0.0.41/24}\nmesh: {enabled: false}\npeers: [{name: raw, address: 127.0.0.42, asNumber: 65002}]\n`);

/** The parts of a speaker the session metrics read, with no peers or groups of its own. */
const emptySpeaker = { peers: () => [], groups: { groups: () => [] }, locRib: { size: 0 } } as unknown as Speaker;

describe('message counters by type', () => {
  it('counts OPEN and KEEPALIVE in both directions and a scrape shows them', async () => {
    const clock = new FakeClock();
    const { listener, port } = await listen('127.0.0.41');
    let created: Session | undefined;
    const observer = new SessionObserver();
    const backend = observer.wrap({
      create: () => {
        created = session({
          name: 'raw', remoteAddress: '127.0.0.42', remotePort: 179, clock, random: () => 1, config: quickConfig(65002, { passive: true }), local: speaker('10.0.0.41', 64512, { holdTimeSec: 3 }),
        });
        return created;
      },
    });
    backend.create(effectivePeers(PEER_CONFIG)[0]!, PEER_CONFIG);
    const s = created!;
    listener.addPeer('127.0.0.42', s);
    s.start();
    const raw = await RawPeer.connect('127.0.0.41', port, '127.0.0.42');
    await raw.nth(MessageType.OPEN);
    raw.sendOpen(65002, '10.0.0.42', 3);
    raw.sendKeepalive();
    await established(s);
    await raw.nth(MessageType.KEEPALIVE, 0);
    // Two keepalive intervals (hold 3 s → 1 s), the peer answering each.
    for (let i = 1; i <= 2; i++) {
      clock.advance(1000);
      await raw.nth(MessageType.KEEPALIVE, i);
      raw.sendKeepalive();
    }
    const sentByPetrel = raw.count(MessageType.KEEPALIVE);
    await until('the peer\u2019s third KEEPALIVE read', () => s.info().messages?.received.keepalive === 3);

    expect(s.info().messages).toEqual({
      sent: { open: 1, update: 0, notification: 0, keepalive: sentByPetrel, 'route-refresh': 0 },
      received: { open: 1, update: 0, notification: 0, keepalive: 3, 'route-refresh': 0 },
    });
    const metrics = new DaemonMetrics({ speaker: emptySpeaker, sessions: observer });
    const samples = parseExposition(await metrics.scrape());
    const count = (direction: string, type: string) => sampleValue(samples, 'petrel_bgp_messages_total', { peer: 'raw', direction, type });
    expect(count('sent', 'open')).toBe(1);
    expect(count('received', 'open')).toBe(1);
    expect(count('sent', 'keepalive')).toBe(sentByPetrel);
    expect(sentByPetrel).toBeGreaterThanOrEqual(3);
    expect(count('received', 'keepalive')).toBe(3);
    expect(count('sent', 'update')).toBe(0);
  });
});
