/**
 * A real 2/7 Unsupported Capability (RFC 5492 §5): FRR with `strict-capability-match` refuses a
 * petrel that does not advertise IPv6 unicast, which FRR activates for it. FRR's 2/7 then carries
 * no data (it names only capability codes it does not know, and petrel sends none of those), so
 * the fallback has nothing to leave out: petrel keeps its OPEN, logs no fallback and retries after
 * its error wait. Beside it, a petrel advertising both families comes up under the same strict
 * check, which also shows FRR 8.4 knows every capability petrel sends.
 *
 * Checked and unable to send a 2/7 naming a capability petrel advertises: BIRD 2.0.12 (its only
 * `require` is `require roles`; a `mandatory` channel petrel lacks gives 2/7 without data, tried
 * by hand), GoBGP 3.10 (from its source: 2/7 only for a capability overrunning its parameter,
 * 2/4 only for optional parameters other than Capabilities; petrel sends neither). The leave-out
 * path itself is tested with a raw peer in test/fsm/session-capability-fallback.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionDown } from '../../src/fsm/session-api.js';
import type { SessionLogger } from '../../src/fsm/session.js';
import { createPeer, createTwoNamespaces } from '../peers/daemons.js';
import { waitFor } from '../peers/process.js';
import { DAEMON_AS, namespaceConnector, PetrelSide } from './session-peers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step();
  cleanups = [];
});

const OPEN_MESSAGE_ERROR = 2;
const UNSUPPORTED_CAPABILITY = 7;

function warnings(): { logger: SessionLogger; messages: string[] } {
  const messages: string[] = [];
  const logger: SessionLogger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_fields, msg) => void messages.push(msg ?? ''),
    error: () => undefined,
    child: () => logger,
  };
  return { logger, messages };
}

function noListener(): never {
  throw new Error('petrel dials in this test: no listener');
}

describe('frr strict-capability-match', () => {
  it('refuses petrel without IPv6 with a data-less 2/7: petrel keeps its OPEN and retries; with both families it comes up', async () => {
    const ns = await createTwoNamespaces({ daemonAddresses: ['10.0.0.1/24'], clientAddresses: ['10.0.0.2/24', '10.0.0.3/24'] });
    cleanups.push(() => ns.remove());
    const log = warnings();
    const side = async (label: string, petrelAddress: string, families: 'ipv4' | 'both'): Promise<PetrelSide> => {
      const s = await PetrelSide.create({
        plans: [{ label, petrelAddress, daemonAddress: '10.0.0.1', petrelAs: DAEMON_AS, initiator: true }],
        daemonPort: 179,
        listenOn: noListener,
        connector: namespaceConnector(ns.client),
        families: families === 'ipv4' ? ['ipv4-unicast'] : ['ipv4-unicast', 'ipv6-unicast'],
        logger: log.logger,
      });
      cleanups.push(() => s.stop());
      return s;
    };
    const lacking = await side('ipv4 only', '10.0.0.2', 'ipv4');
    const full = await side('ipv4 and ipv6', '10.0.0.3', 'both');
    const neighbors = [...lacking.neighbors(), ...full.neighbors()].map((n) => ({
      ...n,
      families: ['ipv4-unicast', 'ipv6-unicast'] as const,
      strictCapabilityMatch: true,
    }));
    const peer = createPeer('frr', ns.daemon, { routerId: '10.1.0.1', localAs: DAEMON_AS, neighbors });
    cleanups.push(() => peer.stop());
    await peer.start();

    const refused = lacking.get('ipv4 only');
    const downs: SessionDown[] = [];
    refused.session.on('down', (d) => downs.push(d));
    lacking.startAll();
    full.startAll();
    await full.allEstablished();
    await waitFor(async () => Promise.resolve(downs.length >= 2 ? true : undefined), { timeoutMs: 10_000, intervalMs: 20, what: 'two refused attempts' });

    for (const d of downs) {
      expect(d).toMatchObject({ reason: 'notification-received', wasEstablished: false, received: { code: OPEN_MESSAGE_ERROR, subcode: UNSUPPORTED_CAPABILITY } });
      expect(d.received?.data).toHaveLength(0);
    }
    expect(refused.session.info().lastError).toBe('notification-received: OPEN Message Error / Unsupported Capability');
    expect(log.messages.filter((m) => m.includes('RFC 5492'))).toEqual([]);
    expect(await peer.sessionState('10.0.0.2')).not.toBe('Established');
    expect(full.get('ipv4 and ipv6').session.info().negotiated?.families).toEqual(['ipv4-unicast', 'ipv6-unicast']);
  });
});
