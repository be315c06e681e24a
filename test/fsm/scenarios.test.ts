/** Session scenarios driven through the FSM with a fake clock: timers fire as they would live. */
import { describe, expect, it } from 'vitest';
import { cease } from '../../src/bgp/errors.js';
import type { NotificationMessage, OpenMessage } from '../../src/bgp/types.js';
import type { FsmAction } from '../../src/fsm/actions.js';
import { buildOpen } from '../../src/fsm/open.js';
import { sessionConfig } from '../../src/fsm/session-config.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FsmRunner, summarize } from '../helpers/fsm-runner.js';
import { CONFIG, CTX, LOCAL, OUR_OPEN, peerOpen } from './fixtures.js';

const notification = (code: number, subcode: number): NotificationMessage => ({ type: 'notification', code, subcode, data: new Uint8Array(0) });

/** ManualStart, the 2 s connect delay, our connection completes, OPEN and KEEPALIVE from the peer. */
function establish(r: FsmRunner, open: OpenMessage = peerOpen()): void {
  r.feed({ type: 'ManualStart' });
  r.advance(2000);
  expect(r.name).toBe('Connect');
  r.feed({ type: 'Tcp_CR_Acked' });
  r.feed({ type: 'BGPOpen', open });
  r.feed({ type: 'KeepAliveMsg' });
  expect(r.name).toBe('Established');
}

function downAction(actions: readonly FsmAction[]): Extract<FsmAction, { type: 'session-down' }> {
  const down = actions.find((a): a is Extract<FsmAction, { type: 'session-down' }> => a.type === 'session-down');
  if (!down) throw new Error(`no session-down in ${actions.map(summarize).join(', ')}`);
  return down;
}

describe('session scenarios', () => {
  it('opens actively: waits the 2 s connect delay, connects, exchanges OPEN and KEEPALIVE (RFC 4271 §8.2.2)', () => {
    const r = new FsmRunner(CTX);
    r.feed({ type: 'ManualStart' });
    expect(r.name).toBe('Active');
    r.advance(1999);
    expect(r.take().map(summarize)).not.toContain('connect');
    r.advance(1);
    expect(r.name).toBe('Connect');
    expect(r.take().map(summarize)).toEqual(['start-timer ConnectRetry 5000', 'connect']);
    r.feed({ type: 'Tcp_CR_Acked' });
    expect(r.takeSent()).toEqual(['open']);
    expect(r.running('ConnectRetry')).toBe(false);
    r.feed({ type: 'BGPOpen', open: peerOpen() });
    expect(r.takeSent()).toEqual(['keepalive']);
    const actions = r.feed({ type: 'KeepAliveMsg' });
    const up = actions.find((a) => a.type === 'session-established');
    expect(up?.type === 'session-established' && up.negotiated.holdTimeSec).toBe(90);
    expect(r.name).toBe('Established');
  });

  it('retries a refused connect every 5 s, counting attempts (connect retry time 5)', () => {
    const r = new FsmRunner(CTX);
    r.feed({ type: 'ManualStart' });
    r.advance(2000);
    r.feed({ type: 'TcpConnectionFails' });
    expect(r.name).toBe('Active');
    r.take();
    r.advance(4999);
    expect(r.name).toBe('Active');
    r.advance(1);
    expect(r.name).toBe('Connect');
    expect(r.take().map(summarize)).toEqual(['start-timer ConnectRetry 5000', 'connect']);
    r.feed({ type: 'TcpConnectionFails' });
    expect(r.state.connectRetryCounter).toBe(2);
  });

  it('opens passively: never connects, accepts the peer in Active (RFC 4271 §8.1.1 PassiveTcpEstablishment)', () => {
    const r = new FsmRunner({ ...CTX, config: { ...CONFIG, passive: true } });
    r.feed({ type: 'ManualStart' });
    r.advance(600_000);
    expect(r.name).toBe('Active');
    expect(r.take().map(summarize)).toEqual(['stop-timer IdleHold']);
    expect(r.clock.pending).toBe(0);
    expect(r.feed({ type: 'TcpConnection_Valid' }).map(summarize)).toEqual(['accept-connection']);
    r.feed({ type: 'TcpConnectionConfirms' });
    r.feed({ type: 'BGPOpen', open: peerOpen() });
    r.feed({ type: 'KeepAliveMsg' });
    expect(r.name).toBe('Established');
  });

  it('sends KEEPALIVEs every hold/3 and, with nothing received, NOTIFICATION 4/0 when the hold timer expires', () => {
    const r = new FsmRunner(CTX);
    establish(r);
    r.take();
    r.advance(89_999);
    expect(r.takeSent()).toEqual(['keepalive', 'keepalive']);
    r.advance(1);
    expect(r.name).toBe('Idle');
    const actions = r.take();
    expect(actions.map(summarize)).toContain('send-notification 4/0');
    expect(downAction(actions)).toMatchObject({ reason: 'hold-timer-expired', wasEstablished: true });
    // The error wait (5 s), then the connect delay (2 s), then a new connection attempt.
    r.advance(5000);
    expect(r.name).toBe('Active');
    r.advance(2000);
    expect(r.name).toBe('Connect');
  });

  it('stays up with keepalive 1 s / hold 3 s while KEEPALIVEs arrive every second, and expires 3 s after the last', () => {
    const ours = buildOpen({ ...LOCAL, holdTimeSec: 3 });
    const r = new FsmRunner({ config: sessionConfig({ peerAs: 64512, keepaliveSec: 1 }), ourOpen: ours });
    establish(r, peerOpen({ holdTimeSec: 3 }));
    r.take();
    for (let i = 0; i < 30; i++) {
      r.advance(1000);
      r.feed({ type: 'KeepAliveMsg' });
    }
    expect(r.name).toBe('Established');
    expect(r.takeSent()).toEqual(Array<string>(30).fill('keepalive'));
    r.advance(2999);
    expect(r.name).toBe('Established');
    r.advance(1);
    expect(r.name).toBe('Idle');
    expect(r.takeSent()).toEqual(['keepalive', 'keepalive', 'notification 4/0']);
  });

  it('restarts the hold timer on every UPDATE as on every KEEPALIVE', () => {
    const r = new FsmRunner(CTX);
    establish(r);
    for (let i = 0; i < 5; i++) {
      r.advance(80_000);
      r.feed({ type: 'UpdateMsg', update: { type: 'update', withdrawn: [], attributes: [], nlri: [] } });
    }
    expect(r.name).toBe('Established');
  });

  it('runs no hold or keepalive timer when the hold time negotiates to 0 (RFC 4271 §4.4)', () => {
    const r = new FsmRunner(CTX);
    establish(r, peerOpen({ holdTimeSec: 0 }));
    r.take();
    r.advance(3_600_000);
    expect(r.name).toBe('Established');
    expect(r.take()).toEqual([]);
    expect(r.running('Hold') || r.running('Keepalive')).toBe(false);
  });

  it('goes to Idle without answering a NOTIFICATION received in Established', () => {
    const r = new FsmRunner(CTX);
    establish(r);
    r.take();
    const actions = r.feed({ type: 'NotifMsg', notification: notification(6, 4) });
    expect(r.name).toBe('Idle');
    expect(actions.some((a) => a.type === 'send-notification')).toBe(false);
    expect(downAction(actions)).toMatchObject({ reason: 'notification-received', received: { code: 6, subcode: 4 } });
  });

  it('rejects an OPEN with hold time 2 with NOTIFICATION 2/6 (RFC 4271 §6.2)', () => {
    const r = new FsmRunner(CTX);
    r.feed({ type: 'ManualStart' });
    r.advance(2000);
    r.feed({ type: 'Tcp_CR_Acked' });
    r.take();
    const actions = r.feed({ type: 'BGPOpen', open: peerOpen({ holdTimeSec: 2 }) });
    expect(r.name).toBe('Idle');
    expect(r.takeSent()).toEqual(['notification 2/6']);
    expect(downAction(actions)).toMatchObject({ reason: 'notification-sent', sent: { id: 'open.hold-time' } });
  });

  it('sends the operator’s Cease on ManualStop and stays down, also past the error wait', () => {
    const r = new FsmRunner(CTX);
    establish(r);
    r.take();
    r.feed({ type: 'ManualStop', cease: cease(4, 'cease.admin-reset', 'reset') });
    expect(r.takeSent()).toEqual(['notification 6/4']);
    r.advance(600_000);
    expect(r.name).toBe('Idle');
    expect(r.clock.pending).toBe(0);
  });

  it('cancels the pending automatic restart on ManualStop in Idle', () => {
    const r = new FsmRunner(CTX);
    establish(r);
    r.feed({ type: 'HoldTimer_Expires' });
    expect(r.running('IdleHold')).toBe(true);
    r.feed({ type: 'ManualStop' });
    r.advance(600_000);
    expect(r.state).toMatchObject({ name: 'Idle', stopped: true });
    // A stale automatic start does not revive a stopped session either.
    r.feed({ type: 'AutomaticStart' });
    expect(r.name).toBe('Idle');
  });

  it('does not count a version NOTIFICATION as a failed attempt (RFC 4271 §8.2.2 OpenSent, Event 24)', () => {
    const r = new FsmRunner(CTX);
    r.feed({ type: 'ManualStart' });
    r.advance(2000);
    r.feed({ type: 'Tcp_CR_Acked' });
    r.feed({ type: 'NotifMsgVerErr', notification: notification(2, 1) });
    expect(r.state.connectRetryCounter).toBe(0);
  });

  it('ignores ROUTE-REFRESH for a family not negotiated, and BoRR without enhanced route refresh (RFC 2918 §4, RFC 7313 §5)', () => {
    const r = new FsmRunner(CTX);
    establish(r);
    r.take();
    const v6 = r.feed({ type: 'RouteRefresh', message: { type: 'route-refresh', afi: 2, safi: 1, subtype: 'normal' } });
    const borr = r.feed({ type: 'RouteRefresh', message: { type: 'route-refresh', afi: 1, safi: 1, subtype: 'borr' } });
    expect([...v6, ...borr].map(summarize)).toEqual(['start-timer Hold 90000', 'start-timer Hold 90000']);
  });

  it('delivers BoRR and EoRR once enhanced route refresh is negotiated (RFC 7313)', () => {
    const r = new FsmRunner(CTX);
    const open = peerOpen();
    establish(r, { ...open, capabilities: [...open.capabilities, { code: 'enhanced-route-refresh' }] });
    const actions = r.feed({ type: 'RouteRefresh', message: { type: 'route-refresh', afi: 1, safi: 1, subtype: 'eorr' } });
    expect(actions.map(summarize)).toContain('deliver-route-refresh');
  });

  it('keeps routes as stale on hold expiry only with the N bit on both sides (RFC 8538), never after a Hard Reset', () => {
    const withN = (n: boolean): FsmRunner => {
      const ourOpen = buildOpen({ ...LOCAL, gracefulRestart: { ...LOCAL.gracefulRestart!, notification: n } });
      const r = new FsmRunner({ config: CONFIG, ourOpen });
      const open = peerOpen();
      const caps = open.capabilities.map((c) => (c.code === 'graceful-restart' ? { ...c, notification: true } : c));
      establish(r, { ...open, capabilities: caps });
      return r;
    };
    expect(downAction(withN(true).feed({ type: 'HoldTimer_Expires' })).retainRoutes).toBe(true);
    expect(downAction(withN(false).feed({ type: 'HoldTimer_Expires' })).retainRoutes).toBe(false);
    expect(downAction(withN(true).feed({ type: 'NotifMsg', notification: notification(6, 9) })).retainRoutes).toBe(false);
    expect(downAction(withN(true).feed({ type: 'NotifMsg', notification: notification(6, 4) })).retainRoutes).toBe(true);
    expect(downAction(withN(true).feed({ type: 'ManualStop' })).retainRoutes).toBe(false);
  });

  it('keeps the OPEN it sends as given: AS_TRANS in My AS above 65535 (RFC 6793 §3)', () => {
    const r = new FsmRunner({ config: CONFIG, ourOpen: buildOpen({ ...LOCAL, localAs: 4_200_000_000 }) });
    r.feed({ type: 'ManualStart' });
    r.advance(2000);
    const sent = r.feed({ type: 'Tcp_CR_Acked' }).find((a) => a.type === 'send-open');
    expect(sent?.type === 'send-open' && sent.open.myAs).toBe(23456);
    expect(OUR_OPEN.myAs).toBe(64512);
  });
});

describe('error-wait backoff through the FSM (Calico error wait time 5,30)', () => {
  /** One failed session: start after the error wait, connect, the peer rejects our OPEN. */
  function failOnce(r: FsmRunner): number {
    const wait = r.state.backoff.delayMs;
    r.advance(wait);
    expect(r.name).toBe('Active');
    r.advance(2000);
    r.feed({ type: 'Tcp_CR_Acked' });
    r.feed({ type: 'NotifMsg', notification: notification(2, 2) });
    expect(r.name).toBe('Idle');
    return r.state.backoff.delayMs;
  }

  it('doubles the wait from 5 s to a 30 s ceiling on repeated failures', () => {
    const r = new FsmRunner(CTX, new FakeClock(), undefined);
    r.feed({ type: 'ManualStart' });
    r.advance(2000);
    r.feed({ type: 'Tcp_CR_Acked' });
    r.feed({ type: 'NotifMsg', notification: notification(2, 2) });
    const waits = [r.state.backoff.delayMs];
    for (let i = 0; i < 5; i++) waits.push(failOnce(r));
    expect(waits).toEqual([5000, 10_000, 20_000, 30_000, 30_000, 30_000]);
    // The restart really waits that long: one millisecond early it is still Idle.
    r.advance(29_999);
    expect(r.name).toBe('Idle');
    r.advance(1);
    expect(r.name).toBe('Active');
  });

  it('resets to 5 s after a session stayed Established for the 300 s forget time, not after 60 s', () => {
    const run = (upMs: number): number => {
      const r = new FsmRunner(CTX);
      r.feed({ type: 'ManualStart' });
      r.advance(2000);
      r.feed({ type: 'Tcp_CR_Acked' });
      r.feed({ type: 'NotifMsg', notification: notification(6, 0) });
      failOnce(r);
      failOnce(r);
      expect(r.state.backoff.delayMs).toBe(20_000);
      r.advance(20_000 + 2000);
      r.feed({ type: 'Tcp_CR_Acked' });
      r.feed({ type: 'BGPOpen', open: peerOpen() });
      r.feed({ type: 'KeepAliveMsg' });
      for (let t = 0; t < upMs; t += 30_000) {
        r.advance(30_000);
        r.feed({ type: 'KeepAliveMsg' });
      }
      expect(r.name).toBe('Established');
      r.feed({ type: 'TcpConnectionFails' });
      return r.state.backoff.delayMs;
    };
    expect(run(300_000)).toBe(5000);
    expect(run(60_000)).toBe(30_000);
  });
});
