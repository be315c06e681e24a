// `petrel show peers`: a session that is down says why and when it tries again.
import { describe, expect, it } from 'vitest';
import { formatBfd, formatPeers } from '../../src/cli/show.js';
import type { BfdView, PeerView } from '../../src/daemon/views.js';

const base: PeerView = {
  name: 'tor1',
  address: '10.0.0.1',
  asNumber: 65001,
  state: 'Idle',
  since: '2026-11-27T05:00:00.000Z',
  holdTimeSec: null,
  routerId: null,
  prefixesReceived: 0,
  prefixesAccepted: 0,
  prefixesAdvertised: 0,
  localAddress: null,
  disabled: false,
  lastError: 'notification-sent: OPEN Message Error / Bad Peer AS',
  nextAttemptInSec: 12,
  openDelayedForSec: null,
  bfdState: null,
};

/** The INFO cell of the view's row. */
function info(view: PeerView): string {
  const lines = formatPeers([view]).trimEnd().split('\n');
  const header = lines.find((l) => l.includes('INFO'))!.split('|').map((c) => c.trim());
  const row = lines.find((l) => l.includes(view.address))!.split('|').map((c) => c.trim());
  return row[header.indexOf('INFO')]!;
}

describe('show peers', () => {
  it('gives the last error and the time to the next attempt of a session that is down', () => {
    expect(info(base)).toBe('notification-sent: OPEN Message Error / Bad Peer AS; next attempt in 12 s');
    expect(info({ ...base, lastError: null, state: 'Active' })).toBe('next attempt in 12 s');
  });

  it('says nothing of a next attempt when none is due or the peer is disabled', () => {
    expect(info({ ...base, nextAttemptInSec: null })).toBe('notification-sent: OPEN Message Error / Bad Peer AS');
    expect(info({ ...base, disabled: true })).toBe('notification-sent: OPEN Message Error / Bad Peer AS');
  });

  it('says how long a connected session still holds its OPEN back for the peer’s (DelayOpen, RFC 4271 §8.1.1)', () => {
    expect(info({ ...base, state: 'Connect', lastError: null, nextAttemptInSec: null, openDelayedForSec: 7 })).toBe('connected, our OPEN held back 7 s more (DelayOpen)');
  });

  it('gives the router ID and hold time of an Established session', () => {
    expect(info({ ...base, state: 'Established', routerId: '10.0.0.1', holdTimeSec: 90, lastError: null, nextAttemptInSec: null })).toBe('router ID 10.0.0.1, hold 90 s');
    expect(info({ ...base, state: 'Established', routerId: '10.0.0.1', holdTimeSec: 90, lastError: null, nextAttemptInSec: null, bfdState: 'Up' })).toBe('router ID 10.0.0.1, hold 90 s, BFD Up');
  });
});

describe('show bfd', () => {
  const up: BfdView = {
    name: 'tor1',
    address: '10.1.0.1',
    state: 'Up',
    since: '2026-11-27T05:00:00.000Z',
    remoteState: 'Up',
    localDiag: 'No Diagnostic',
    remoteDiag: 'No Diagnostic',
    multihop: false,
    localDiscriminator: 7,
    remoteDiscriminator: 9,
    txIntervalMs: 300,
    detectionTimeMs: 900,
    upTransitions: 1,
    downTransitions: 0,
    auth: null,
    authFailures: 0,
  };

  it('prints one row per session: state, since, the peer’s state, intervals, and diagnostics only when there are any', () => {
    const down: BfdView = { ...up, name: 'tor2', address: '10.1.0.2', state: 'Down', remoteState: 'Down', localDiag: 'Control Detection Time Expired', txIntervalMs: 1000 };
    const lines = formatBfd([up, down]).trimEnd().split('\n');
    expect(lines.find((l) => l.includes('tor1'))!.split('|').map((c) => c.trim())).toEqual(['', 'tor1', '10.1.0.1', 'single', 'Up', '2026-11-27 05:00:00', 'Up', '300 ms / 900 ms', '-', '-', '']);
    expect(formatBfd([{ ...up, name: 'rr', multihop: true }])).toMatch(/\| rr +\| 10\.1\.0\.1 +\| multi +\| Up/);
    expect(lines.find((l) => l.includes('tor2'))).toContain('local: Control Detection Time Expired; remote: No Diagnostic');
  });

  it('gives the authentication type and key ID, never the key, and failed packets when there are any (RFC 5880 §6.7)', () => {
    const row = formatBfd([{ ...up, auth: { type: 'meticulous-keyed-sha1', keyId: 7 }, authFailures: 3 }]);
    expect(row).toMatch(/\| meticulous-keyed-sha1 id 7, 3 failed \|/);
    expect(formatBfd([{ ...up, auth: { type: 'simple', keyId: 1 } }])).toMatch(/\| simple id 1 \|/);
  });

  it('says so when no peer runs BFD', () => {
    expect(formatBfd([])).toBe('No BFD sessions (no peer sets bfd).\n');
  });
});
