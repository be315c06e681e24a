/**
 * RFC 4724 §4.1 Restart State (R) bit: petrel sets it in the OPEN of the first session after
 * its own restart, and only there; the session re-established later says it is not restarting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, next, petrelPair } from './session-harness.js';

afterEach(cleanup);

const GR = { restartTimeSec: 120, notification: false, forwardingPreserved: true } as const;

describe('Session graceful restart R bit', () => {
  it('is set in the first OPEN after a restart and cleared once the session was Established', async () => {
    const { a, b } = await petrelPair(
      { address: '127.0.0.71', as: 64512, routerId: '10.0.0.71', local: { gracefulRestart: { ...GR, restarting: true } } },
      { address: '127.0.0.72', as: 64512, routerId: '10.0.0.72', passive: true, local: { gracefulRestart: { ...GR, restarting: false } } },
    );
    const first = next(b, 'established');
    a.start();
    b.start();
    const [seen] = await first;
    expect(seen.gracefulRestart).toMatchObject({ peerRestarting: true, families: [{ name: 'ipv4-unicast', forwardingPreserved: true }] });

    const again = next(b, 'established');
    a.reset();
    const [later] = await again;
    expect(later.gracefulRestart).toMatchObject({ peerRestarting: false, families: [{ name: 'ipv4-unicast', forwardingPreserved: true }] });
    // The helper side never claimed a restart.
    expect(a.info().negotiated?.gracefulRestart?.peerRestarting).toBe(false);
  });
});
