/** Shared FSM test fixtures: a Calico node (AS 64512, 10.0.0.1) and its mesh peer 10.0.0.2. */
import type { OpenMessage } from '../../src/bgp/types.js';
import { negotiate, type Negotiated } from '../../src/fsm/negotiate.js';
import { buildOpen, type LocalSpeaker } from '../../src/fsm/open.js';
import { sessionConfig, type SessionConfig } from '../../src/fsm/session-config.js';

export const LOCAL: LocalSpeaker = {
  localAs: 64512,
  routerId: '10.0.0.1',
  holdTimeSec: 240,
  families: ['ipv4-unicast'],
  addPath: { 'ipv4-unicast': 'both' },
  gracefulRestart: { restartTimeSec: 120, restarting: false, notification: false, forwardingPreserved: true },
};

export const OUR_OPEN = buildOpen(LOCAL);

export const CONFIG: SessionConfig = sessionConfig({ peerAs: 64512 });

/** The peer's OPEN: same AS, hold 90 s (so the negotiated hold is 90 s, keepalive 30 s). */
export function peerOpen(overrides: Partial<OpenMessage> = {}): OpenMessage {
  return {
    type: 'open',
    version: 4,
    myAs: 64512,
    holdTimeSec: 90,
    bgpId: '10.0.0.2',
    capabilities: [
      { code: 'multiprotocol', afi: 1, safi: 1 },
      { code: 'route-refresh' },
      { code: 'graceful-restart', restarting: false, notification: false, restartTimeSec: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] },
      { code: 'four-octet-as', asn: 64512 },
    ],
    ...overrides,
  };
}

export function negotiated(open: OpenMessage = peerOpen(), config: SessionConfig = CONFIG, ours: OpenMessage = OUR_OPEN): Negotiated {
  const n = negotiate(ours, open, config);
  if (n instanceof Error) throw n;
  return n;
}

export const CTX = { config: CONFIG, ourOpen: OUR_OPEN } as const;
