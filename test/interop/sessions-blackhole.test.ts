/**
 * A peer that goes silent, and one that restarts, while petrel holds other sessions: BIRD 2 on
 * the host loopback and FRR in a namespace, each beside a second BIRD 2 that stays up.
 *
 * Silence is the daemon frozen with SIGSTOP (by our own PID): its kernel still ACKs, so only
 * petrel's hold timer can notice (RFC 4271 §6.5). With hold 3 s / keepalive 1 s, petrel must send
 * 4/0 Hold Timer Expired within ~3 s, report the session down without keeping routes, and bring
 * it back through its backoff after SIGCONT; a clean stop of the daemon ends the session with the
 * daemon's Cease, and its restart brings it back. The other session must never leave Established.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionDown } from '../../src/fsm/session-api.js';
import type { StateName } from '../../src/fsm/states.js';
import { createPeer, createTwoNamespaces } from '../peers/daemons.js';
import { NetNs } from '../peers/netns.js';
import type { Peer, PeerConfig } from '../peers/peer.js';
import { DAEMON_AS, namespaceConnector, PetrelSide, type RunningSession } from './session-peers.js';
import { freePort } from '../peers/ports.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step();
  cleanups = [];
});

const HOLD_SEC = 3;
const NOTIFY_HOLD_TIMER_EXPIRED = 4;
const NOTIFY_CEASE = 6;

function noListener(): never {
  throw new Error('petrel dials in these tests: no listener');
}

/** petrel dialling one daemon address from one address, proposing hold 3 s. */
async function petrelDialling(label: string, petrelAddress: string, daemonAddress: string, daemonPort: number, ns?: NetNs): Promise<PetrelSide> {
  const side = await PetrelSide.create({
    plans: [{ label, petrelAddress, daemonAddress, petrelAs: DAEMON_AS, initiator: true }],
    daemonPort,
    listenOn: noListener,
    holdTimeSec: HOLD_SEC,
    ...(ns ? { connector: namespaceConnector(ns) } : {}),
  });
  cleanups.push(() => side.stop());
  return side;
}

async function startPeer(kind: 'bird2' | 'frr', ns: NetNs, side: PetrelSide, extra: Partial<PeerConfig>): Promise<Peer> {
  const peer = createPeer(kind, ns, { routerId: '10.1.0.1', localAs: DAEMON_AS, neighbors: side.neighbors({ holdTimeSec: HOLD_SEC, ...(kind === 'bird2' ? { multihop: true } : {}) }), ...extra });
  cleanups.push(() => peer.stop());
  await peer.start();
  return peer;
}

/** A BIRD 2 on the loopback with one iBGP session from petrel: the session that must stay up. */
async function bystander(petrelAddress: string, birdAddress: string): Promise<RunningSession> {
  const port = await freePort(birdAddress);
  const side = await petrelDialling('bystander', petrelAddress, birdAddress, port);
  await startPeer('bird2', NetNs.host(), side, { listenPort: port, listenAddress: birdAddress });
  side.startAll();
  await side.allEstablished();
  return side.get('bystander');
}

/** Every state change of a session from now on. */
function stateChanges(r: RunningSession): string[] {
  const seen: string[] = [];
  r.session.on('state', (from: StateName, to: StateName) => seen.push(`${from}>${to}`));
  return seen;
}

function nextDown(r: RunningSession): Promise<SessionDown> {
  return new Promise((resolve) => r.session.once('down', resolve));
}

/** SIGSTOP our own daemon's PID; the returned thaw (SIGCONT) is safe to call more than once. */
function freeze(pid: number): () => void {
  process.kill(pid, 'SIGSTOP');
  let frozen = true;
  return () => {
    if (!frozen) return;
    frozen = false;
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // Already gone: nothing left to wake.
    }
  };
}

/**
 * The scenario against `peer`, petrel's session `r` to it and `other` to a second daemon:
 * freeze → hold timer expiry → thaw → back; clean stop → Cease → restart → back.
 */
async function blackholeAndRestart(
  kind: string,
  peer: Peer,
  pid: number,
  side: PetrelSide,
  r: RunningSession,
  other: RunningSession,
  heardOurNotification?: RegExp,
): Promise<void> {
  const otherChanges = stateChanges(other);
  expect(r.session.info().negotiated).toMatchObject({ holdTimeSec: HOLD_SEC, keepaliveSec: 1 });

  const silent = nextDown(r);
  const thaw = freeze(pid);
  const frozenAt = performance.now();
  let heldMs: number;
  try {
    const down = await silent;
    heldMs = performance.now() - frozenAt;
    expect(down).toMatchObject({ reason: 'hold-timer-expired', wasEstablished: true, retainRoutes: false, sent: { code: NOTIFY_HOLD_TIMER_EXPIRED, subcode: 0 } });
    // The last keepalive came at most 1 s before the freeze: expiry 2–3 s after it, plus timer slack.
    expect(heldMs).toBeGreaterThan((HOLD_SEC - 1) * 1000 - 100);
    expect(heldMs).toBeLessThan(HOLD_SEC * 1000 + 1000);
    expect(other.session.info().state).toBe('Established');
  } finally {
    thaw();
  }
  const thawedAt = performance.now();
  await side.established(r, 20_000);
  const backMs = performance.now() - thawedAt;
  // The 4/0 went out on the wire: BIRD, once awake, reads it. (FRR's own hold timer fires
  // first on waking and it closes the connection unread.)
  if (heardOurNotification) expect(await peer.logs()).toMatch(heardOurNotification);

  const ceased = nextDown(r);
  await peer.stop();
  const stopped = await ceased;
  expect(stopped).toMatchObject({ reason: 'notification-received', wasEstablished: true, retainRoutes: false, received: { code: NOTIFY_CEASE } });
  const restartedAt = performance.now();
  await peer.start();
  await side.established(r, 20_000);
  const restartMs = performance.now() - restartedAt;

  expect(otherChanges).toEqual([]);
  expect(other.session.info().state).toBe('Established');
  console.log(
    `[interop] ${kind} blackhole: hold timer expired ${Math.round(heldMs)} ms after SIGSTOP, Established ${Math.round(backMs)} ms after SIGCONT; ` +
      `clean stop: Cease ${stopped.received?.code}/${stopped.received?.subcode}, Established ${Math.round(restartMs)} ms after restart`,
  );
}

describe('blackholed and restarted peers (RFC 4271 §6.5, §8.2.2)', () => {
  it('bird2 on loopback: hold timer expiry on SIGSTOP, back after SIGCONT and after a clean restart; the other session stays up', async () => {
    const other = await bystander('127.0.6.12', '127.0.6.11');
    const port = await freePort('127.0.6.1');
    const side = await petrelDialling('frozen', '127.0.6.2', '127.0.6.1', port);
    const peer = await startPeer('bird2', NetNs.host(), side, { listenPort: port, listenAddress: '127.0.6.1' });
    side.startAll();
    await side.allEstablished();
    await blackholeAndRestart('bird2', peer, peer.pids()[0]!, side, side.get('frozen'), other, /Received: Hold timer expired/);
  });

  it('frr in a namespace: hold timer expiry on SIGSTOP of bgpd, back after SIGCONT and after a clean restart; the other session stays up', async () => {
    const other = await bystander('127.0.6.22', '127.0.6.21');
    const ns = await createTwoNamespaces({ daemonAddresses: ['10.0.0.1/24'], clientAddresses: ['10.0.0.2/24'] });
    cleanups.push(() => ns.remove());
    const side = await petrelDialling('frozen', '10.0.0.2', '10.0.0.1', 179, ns.client);
    const peer = await startPeer('frr', ns.daemon, side, {});
    side.startAll();
    await side.allEstablished();
    // bgpd is the last PID the harness reports (zebra first); zebra keeps running.
    await blackholeAndRestart('frr', peer, peer.pids().at(-1)!, side, side.get('frozen'), other);
  });
});
