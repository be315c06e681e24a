/**
 * petrel Sessions against GoBGP in a network namespace: iBGP and eBGP, petrel dialling and
 * answering, IPv4 and IPv6 transport, AS 4200000001, routes both ways with their attributes,
 * and recovery after gobgpd is killed.
 */
import { afterEach, describe, it } from 'vitest';
import { sessionsAgainst } from './namespace-interop.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step();
  cleanups = [];
});

describe('gobgp in a namespace', () => {
  it('establishes iBGP and eBGP sessions both ways over IPv4 and IPv6, exchanges routes, and recovers from SIGKILL', async () => {
    await sessionsAgainst('gobgp', (step) => cleanups.push(step));
  });
});
