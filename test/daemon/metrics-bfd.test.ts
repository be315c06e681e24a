// BFD metrics: petrel_bfd_session_state{peer} (the wire's state codes), the Up→Down count per
// peer and the packets dropped before reaching a session, read fresh at each scrape.
import { describe, expect, it } from 'vitest';
import { DaemonMetrics } from '../../src/daemon/metrics.js';
import { SessionObserver } from '../../src/daemon/session-observer.js';
import type { Speaker } from '../../src/daemon/speaker.js';
import type { BfdView } from '../../src/daemon/views.js';
import { parseExposition, sampleValue } from './exposition.js';

/** The parts of a speaker the metrics read, with no peers or groups of its own. */
const emptySpeaker = { peers: () => [], groups: { groups: () => [] }, locRib: { size: 0 } } as unknown as Speaker;

function view(name: string, state: BfdView['state'], downTransitions: number): BfdView {
  return {
    name,
    address: '10.1.0.1',
    state,
    since: '2026-11-27T05:00:00.000Z',
    remoteState: state,
    localDiag: 'No Diagnostic',
    remoteDiag: 'No Diagnostic',
    multihop: false,
    localDiscriminator: 1,
    remoteDiscriminator: 2,
    txIntervalMs: 300,
    detectionTimeMs: 900,
    upTransitions: 1,
    downTransitions,
    auth: null,
    authFailures: 0,
  };
}

describe('BFD metrics', () => {
  it('give each session’s state and Up→Down count, and the drops by reason', async () => {
    let views = [view('tor1', 'Up', 0), view('tor2', 'Init', 0)];
    const drops = { ttl: 0, malformed: 0, 'unknown-session': 0, authentication: 0 };
    const metrics = new DaemonMetrics({ speaker: emptySpeaker, sessions: new SessionObserver(), bfd: { views: () => views, drops } });
    const first = parseExposition(await metrics.scrape());
    expect(sampleValue(first, 'petrel_bfd_session_state', { peer: 'tor1' })).toBe(3);
    expect(sampleValue(first, 'petrel_bfd_session_state', { peer: 'tor2' })).toBe(2);
    expect(sampleValue(first, 'petrel_bfd_packets_dropped_total', { reason: 'ttl' })).toBe(0);

    views = [view('tor1', 'Down', 1)];
    drops.ttl = 4;
    drops.authentication = 2;
    const second = parseExposition(await metrics.scrape());
    expect(sampleValue(second, 'petrel_bfd_session_state', { peer: 'tor1' })).toBe(1);
    expect(sampleValue(second, 'petrel_bfd_session_down_total', { peer: 'tor1' })).toBe(1);
    expect(sampleValue(second, 'petrel_bfd_session_state', { peer: 'tor2' })).toBeUndefined();
    expect(sampleValue(second, 'petrel_bfd_packets_dropped_total', { reason: 'ttl' })).toBe(4);
    // RFC 5880 §6.7: packets failing authentication at their session.
    expect(sampleValue(second, 'petrel_bfd_packets_dropped_total', { reason: 'authentication' })).toBe(2);
  });

  it('are absent without BFD', async () => {
    const metrics = new DaemonMetrics({ speaker: emptySpeaker, sessions: new SessionObserver() });
    expect(await metrics.scrape()).not.toContain('petrel_bfd_');
  });
});
