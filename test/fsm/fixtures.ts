/** Shared FSM test fixtures: a Calico node (AS 64512, 10.0.0.1) and its mesh peer 10.0.0.2. */
import { CeaseSubcode } from '../../src/bgp/constants.js';
import { cease, headerError, openError, updateError } from '../../src/bgp/errors.js';
import type { OpenMessage } from '../../src/bgp/types.js';
import type { FsmEvent, FsmEventType } from '../../src/fsm/states.js';
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

/** One instance of every event, with payloads that are valid for the fixture session. */
export const EVENTS: Record<FsmEventType, FsmEvent> = {
  ManualStart: { type: 'ManualStart' },
  ManualStop: { type: 'ManualStop' },
  AutomaticStart: { type: 'AutomaticStart' },
  AutomaticStop: { type: 'AutomaticStop', cease: cease(CeaseSubcode.BFD_DOWN, 'cease.bfd-down', 'BFD down') },
  ConnectRetryTimer_Expires: { type: 'ConnectRetryTimer_Expires' },
  HoldTimer_Expires: { type: 'HoldTimer_Expires' },
  KeepaliveTimer_Expires: { type: 'KeepaliveTimer_Expires' },
  IdleHoldTimer_Expires: { type: 'IdleHoldTimer_Expires' },
  DelayOpenTimer_Expires: { type: 'DelayOpenTimer_Expires' },
  TcpConnection_Valid: { type: 'TcpConnection_Valid' },
  TcpConnection_Invalid: { type: 'TcpConnection_Invalid' },
  Tcp_CR_Acked: { type: 'Tcp_CR_Acked' },
  TcpConnectionConfirms: { type: 'TcpConnectionConfirms' },
  TcpConnectionFails: { type: 'TcpConnectionFails' },
  BGPOpen: { type: 'BGPOpen', open: peerOpen() },
  BGPHeaderErr: { type: 'BGPHeaderErr', error: headerError(2, 'header.length', 'bad length') },
  BGPOpenMsgErr: { type: 'BGPOpenMsgErr', error: openError(4, 'open.optional-parameter.unsupported', 'bad parameter') },
  OpenCollisionDump: { type: 'OpenCollisionDump' },
  NotifMsgVerErr: { type: 'NotifMsgVerErr', notification: { type: 'notification', code: 2, subcode: 1, data: Uint8Array.of(0, 4) } },
  NotifMsg: { type: 'NotifMsg', notification: { type: 'notification', code: 6, subcode: 2, data: new Uint8Array(0) } },
  KeepAliveMsg: { type: 'KeepAliveMsg' },
  UpdateMsg: { type: 'UpdateMsg', update: { type: 'update', withdrawn: [], attributes: [], nlri: [{ prefix: '10.244.1.0/26' }] } },
  UpdateMsgErr: { type: 'UpdateMsgErr', error: updateError(1, 'update.length', 'inconsistent lengths') },
  RouteRefresh: { type: 'RouteRefresh', message: { type: 'route-refresh', afi: 1, safi: 1, subtype: 'normal' } },
};
