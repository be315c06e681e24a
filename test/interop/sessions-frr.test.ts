/**
 * petrel Sessions against FRR (bgpd with zebra) in a network namespace: iBGP and eBGP, petrel
 * dialling and answering, IPv4 and IPv6 transport, AS 4200000001, routes both ways with their
 * attributes, recovery after bgpd is killed, and TCP MD5 on petrel's listener.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { petrelIn, sessionsAgainst, startDaemon, twoNamespaces, withLogs } from './namespace-interop.js';
import { DAEMON_AS, FOUR_OCTET_AS, type SessionPlan } from './session-peers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step();
  cleanups = [];
});

describe('frr in a namespace', () => {
  it('establishes iBGP and eBGP sessions both ways over IPv4 and IPv6, exchanges routes, and recovers from SIGKILL', async () => {
    await sessionsAgainst('frr', (step) => cleanups.push(step));
  });
});

describe('frr with TCP MD5 (RFC 2385)', () => {
  it('comes up with the right key only; a wrong or missing key stays down', async () => {
    const onCleanup = (step: () => Promise<void>): void => void cleanups.push(step);
    const plans: SessionPlan[] = [
      { label: 'right key, FRR dials', petrelAddress: '10.0.0.2', daemonAddress: '10.0.0.1', petrelAs: FOUR_OCTET_AS, initiator: false, md5Key: 'petrel-md5', daemonPassword: 'petrel-md5' },
      { label: 'wrong key, FRR dials', petrelAddress: '10.0.0.3', daemonAddress: '10.0.0.1', petrelAs: FOUR_OCTET_AS, initiator: false, md5Key: 'not-the-key', daemonPassword: 'petrel-md5' },
      { label: 'no key, petrel dials', petrelAddress: '10.0.0.4', daemonAddress: '10.0.0.1', petrelAs: DAEMON_AS, initiator: true, daemonPassword: 'petrel-md5' },
    ];
    const ns = await twoNamespaces(onCleanup, plans.map((p) => p.petrelAddress));
    const side = await petrelIn(ns, plans, onCleanup);
    const peer = await startDaemon('frr', ns, side, [], onCleanup);
    await withLogs(peer, async () => {
      side.startAll();
      const good = side.get('right key, FRR dials');
      await side.established(good);
      console.log(`[interop] frr md5 ${good.plan.label}: Established after ${good.establishedAfterMs} ms`);
      const wrong = side.get('wrong key, FRR dials');
      const missing = side.get('no key, petrel dials');
      // FRR retries every second and petrel dials every second: give both two rounds.
      await Promise.all(
        [wrong, missing].map((r) =>
          side.established(r, 2500).then(
            () => expect.fail(`${r.plan.label} came up`),
            () => undefined,
          ),
        ),
      );
      expect(wrong.session.info().state).toBe('Active');
      expect(missing.session.info().lastError).toMatch(/^connect: /);
      for (const r of [wrong, missing]) expect(await peer.sessionState(r.plan.petrelAddress)).not.toBe('Established');
      expect(await peer.sessionState(good.plan.petrelAddress)).toBe('Established');
    });
  });
});

describe('frr with DelayOpen (RFC 4271 §8.1.1)', () => {
  it('comes up whichever side holds its OPEN back: the first OPEN sent is answered at once', async () => {
    const onCleanup = (step: () => Promise<void>): void => void cleanups.push(step);
    // 240 s is longer than any test waits: a session with it on one side comes up only through the other side's OPEN.
    const plans: SessionPlan[] = [
      { label: 'petrel dials, holds its OPEN 1 s; FRR holds 240 s', petrelAddress: '10.0.0.2', daemonAddress: '10.0.0.1', petrelAs: DAEMON_AS, initiator: true, delayOpenSec: 1, daemonDelayOpenSec: 240 },
      { label: 'FRR dials, holds its OPEN 1 s; petrel holds 240 s', petrelAddress: '10.0.0.3', daemonAddress: '10.0.0.1', petrelAs: FOUR_OCTET_AS, initiator: false, delayOpenSec: 240, daemonDelayOpenSec: 1 },
      { label: 'petrel dials, holds 240 s; FRR sends its OPEN at once', petrelAddress: '10.0.0.4', daemonAddress: '10.0.0.1', petrelAs: DAEMON_AS, initiator: true, delayOpenSec: 240 },
    ];
    const ns = await twoNamespaces(onCleanup, plans.map((p) => p.petrelAddress));
    const side = await petrelIn(ns, plans, onCleanup);
    const peer = await startDaemon('frr', ns, side, [], onCleanup);
    await withLogs(peer, async () => {
      side.startAll();
      await side.allEstablished();
      for (const r of side.running) {
        console.log(`[interop] frr delayopen ${r.plan.label}: Established after ${r.establishedAfterMs} ms`);
        expect(await peer.sessionState(r.plan.petrelAddress)).toBe('Established');
        // One OPEN each way: nobody's DelayOpenTimer ran out after the other's OPEN came.
        expect(r.session.info().messages).toMatchObject({ sent: { open: 1 }, received: { open: 1 } });
      }
      // A 1 s hold-back was waited out: without it the OPENs would cross at once.
      expect(side.get('petrel dials, holds its OPEN 1 s; FRR holds 240 s').establishedAfterMs).toBeGreaterThanOrEqual(950);
    });
  });
});
