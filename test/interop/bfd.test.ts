/**
 * BFD (RFC 5880, single hop RFC 5881) between `petrel run` and BIRD 2, FRR (bgpd, zebra and
 * bfdd) or a second `petrel run`, each pair in two namespaces joined by a veth, and multihop
 * (RFC 5883) with BIRD 2 and FRR a router apart: the sessions come
 * Up beside BGP; when the other side stops answering (SIGSTOP of every process it runs, so no TCP
 * segment says anything), petrel stops BGP with Cease / BFD Down (RFC 9384) within the BFD
 * detection time instead of the 90 s hold time; once the other side runs again, both come back.
 * With BIRD 2 also authenticated (RFC 5880 §6.7): Up both ways with the same key, never Up on
 * either side with a wrong one (FRR 8.4's bfdd has no authentication).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BirdPeer } from '../peers/bird.js';
import type { FrrPeer } from '../peers/frr.js';
import type { BfdAuthName, DaemonKind, Peer } from '../peers/peer.js';
import { waitFor } from '../peers/process.js';
import { namespacePlacement, petrelNodeFor, routedPlacement, startDaemon, type SessionShape } from './daemon-topology.js';
import { PetrelProcess } from './petrel-process.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step();
  cleanups = [];
});
const onCleanup = (step: () => Promise<void>): void => void cleanups.push(step);

const BFD = { minTxMs: 100, minRxMs: 100, multiplier: 3 } as const;
/** Generous: the waits below allow for a loaded machine (the reset itself must still take < 5 s). */
const SCENARIO_TIMEOUT_MS = 180_000;

/**
 * The scenario for one daemon: `daemonBfdUp` says whether the daemon's own BFD session with
 * petrel (at `petrelAddress`) is Up, as its CLI reports it. `routed`: the two are a router apart,
 * so both sides run multihop BFD (RFC 5883), petrel because the daemon is outside its subnet.
 */
async function bfdResetScenario(
  kind: DaemonKind,
  peerName: string,
  daemonBfdUp: (daemon: Peer, petrelAddress: string) => Promise<boolean>,
  routed = false,
): Promise<void> {
  const at = routed ? await routedPlacement(onCleanup) : await namespacePlacement(onCleanup);
  const shape: SessionShape = { petrelAs: 64512, petrelActive: true, families: ['ipv4-unicast'] };
  const daemon = await startDaemon(kind, at, shape, [], onCleanup, { bfd: BFD });
  const node = petrelNodeFor(at, shape, { name: 'node-a', block: '10.244.1.0/26', pools: [{ cidr: '10.244.0.0/16' }], peerName });
  const petrel = await PetrelProcess.start(at.petrelNs, { ...node, peers: node.peers.map((p) => ({ ...p, multihop: routed, bfd: BFD })) });
  onCleanup(() => petrel.stop());
  const daemonUp = (what: string) =>
    waitFor(async () => ((await daemonBfdUp(daemon, at.petrelAddress)) ? true : undefined), { timeoutMs: 30_000, intervalMs: 200, what });

  await petrel.waitPeerState(peerName, 'Established', 30_000);
  const up = await waitFor(async () => (await petrel.showBfd()).find((s) => s.name === peerName && s.state === 'Up'), {
    timeoutMs: 30_000,
    intervalMs: 100,
    what: 'petrel BFD session Up',
  });
  expect(up.multihop).toBe(routed);
  // The intervals both sides asked for: 100 ms, three missed packets (RFC 5880 §6.8.4), in force
  // once both are Up and the Poll Sequence that changes from the 1 s of session start is done.
  await waitFor(async () => ((await petrel.showBfd()).find((s) => s.name === peerName && s.remoteState === 'Up' && s.detectionTimeMs === 300) ? true : undefined), {
    timeoutMs: 10_000,
    intervalMs: 100,
    what: 'a 300 ms detection time',
  });
  expect((await petrel.showPeers()).find((p) => p.name === peerName)?.bfdState).toBe('Up');
  await daemonUp(`${kind} BFD session with petrel Up`);

  // Every process the daemon runs (for FRR: zebra, bgpd and bfdd), taken once, so the cleanup
  // resumes exactly these even if the test fails while they are stopped.
  const pids = daemon.pids();
  expect(pids.length).toBeGreaterThan(0);
  onCleanup(() => {
    for (const pid of pids) resume(pid);
    return Promise.resolve();
  });
  const stoppedAt = performance.now();
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  const down = await waitFor(
    async () => {
      const p = await petrel.peer(peerName);
      return p.state !== 'Established' && p.lastError?.includes('BFD Down') ? p : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 50, what: 'BGP reset with Cease / BFD Down' },
  );
  const afterMs = performance.now() - stoppedAt;
  console.log(`[interop] ${kind} ${routed ? 'multihop ' : ''}bfd: BGP reset ${Math.round(afterMs)} ms after ${kind} stopped (hold time 90 s)`);
  expect(down.lastError).toBe('automatic-stop: Cease / BFD Down');
  expect(afterMs).toBeLessThan(5_000);
  const views = await petrel.showBfd();
  expect(views[0]).toMatchObject({ name: peerName, state: 'Down', localDiag: 'Control Detection Time Expired', downTransitions: 1 });

  for (const pid of pids) process.kill(pid, 'SIGCONT');
  await petrel.waitPeerState(peerName, 'Established', 60_000);
  await waitFor(async () => (await petrel.showBfd()).find((s) => s.name === peerName && s.state === 'Up'), {
    timeoutMs: 30_000,
    intervalMs: 100,
    what: 'BFD Up again',
  });
  await daemonUp(`${kind} BFD session with petrel Up again`);
}

/** SIGCONT, ignoring a process that has exited meanwhile (ESRCH). */
function resume(pid: number): void {
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    // already gone
  }
}

const birdBfdUp = async (bird: Peer, petrelAddress: string): Promise<boolean> =>
  new RegExp(`${petrelAddress.replaceAll('.', '\\.')}\\s+\\S+\\s+Up`).test(await (bird as BirdPeer).birdc('show bfd sessions'));
const frrBfdUp = async (frr: Peer, petrelAddress: string): Promise<boolean> =>
  (await (frr as FrrPeer).bfdPeers()).some((p) => p.peer === petrelAddress && p.status === 'up');

describe('BFD with BIRD 2 (RFC 5880, RFC 5881, RFC 5883)', () => {
  it('comes Up beside BGP, resets BGP with Cease / BFD Down when the peer falls silent, and comes back with it', async () => {
    await bfdResetScenario('bird2', 'bird', birdBfdUp);
  }, SCENARIO_TIMEOUT_MS);

  it('does the same multihop, a router apart', async () => {
    await bfdResetScenario('bird2', 'bird', birdBfdUp, true);
  }, SCENARIO_TIMEOUT_MS);
});

/**
 * BIRD 2 and petrel with BFD authentication (RFC 5880 §6.7): BIRD with `birdKey` in its
 * `protocol bfd`, petrel with `petrelKey` read from a file. Returns once the outcome is clear:
 * both Up (same key), or — different keys — several seconds in which neither came Up while
 * petrel counted packets failing authentication.
 */
async function bfdAuthScenario(type: BfdAuthName, birdKey: string, petrelKey: string): Promise<void> {
  const at = await namespacePlacement(onCleanup);
  const keyDir = await mkdtemp(path.join(tmpdir(), 'petrel-bfd-auth-'));
  onCleanup(() => rm(keyDir, { recursive: true, force: true }));
  const keyFile = path.join(keyDir, 'bfd.key');
  await writeFile(keyFile, `${petrelKey}\n`, { mode: 0o600 });
  const shape: SessionShape = { petrelAs: 64512, petrelActive: true, families: ['ipv4-unicast'] };
  const bird = await startDaemon('bird2', at, shape, [], onCleanup, { bfd: { ...BFD, auth: { type, password: birdKey, keyId: 1 } } });
  const node = petrelNodeFor(at, shape, { name: 'node-a', block: '10.244.1.0/26', pools: [{ cidr: '10.244.0.0/16' }], peerName: 'bird' });
  const bfd = { ...BFD, auth: { type, keyId: 1, password: { file: keyFile } } };
  const petrel = await PetrelProcess.start(at.petrelNs, { ...node, peers: node.peers.map((p) => ({ ...p, multihop: false, bfd })) });
  onCleanup(() => petrel.stop());
  // BGP does not wait for BFD (RFC 5882 §3.2), keys or no keys.
  await petrel.waitPeerState('bird', 'Established', 30_000);
  const birdSessions = async (): Promise<string> => (bird as BirdPeer).birdc('show bfd sessions');

  if (birdKey === petrelKey) {
    const up = await waitFor(async () => (await petrel.showBfd()).find((s) => s.name === 'bird' && s.state === 'Up' && s.remoteState === 'Up'), {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: `petrel BFD Up with ${type}`,
    });
    expect(up.auth).toEqual({ type, keyId: 1 });
    await waitFor(async () => ((await birdBfdUp(bird, at.petrelAddress)) ? true : undefined), { timeoutMs: 30_000, intervalMs: 200, what: `BIRD BFD Up with ${type}` });
    console.log(`[interop] bird2 bfd ${type}: Up both ways; BIRD:\n${await birdSessions()}`);
    // Stays Up: sequence numbers keep within BIRD's window and BIRD's within ours.
    await new Promise((r) => setTimeout(r, 2_000));
    const still = (await petrel.showBfd()).find((s) => s.name === 'bird');
    expect(still).toMatchObject({ state: 'Up', upTransitions: 1, authFailures: 0 });
    expect(await birdBfdUp(bird, at.petrelAddress)).toBe(true);
    return;
  }
  // Wrong key: BIRD's 1 s packets are refused; watch for 6 s that neither side ever comes Up.
  const until = performance.now() + 6_000;
  let failures = 0;
  while (performance.now() < until) {
    const view = (await petrel.showBfd()).find((s) => s.name === 'bird');
    expect(view?.state).not.toBe('Up');
    expect(view?.upTransitions).toBe(0);
    expect(await birdBfdUp(bird, at.petrelAddress)).toBe(false);
    failures = view?.authFailures ?? 0;
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(failures).toBeGreaterThan(2);
  const sessions = await birdSessions();
  console.log(`[interop] bird2 bfd ${type} with a wrong key: never Up; petrel refused ${failures} packets; BIRD:\n${sessions}`);
  expect(sessions).not.toMatch(/\sUp\s/);
}

describe('BFD authentication with BIRD 2 (RFC 5880 §6.7)', () => {
  it('keyed SHA1 with the same key: Up both ways, and stays Up', async () => {
    await bfdAuthScenario('keyed-sha1', 'petrel-sha1-key', 'petrel-sha1-key');
  }, SCENARIO_TIMEOUT_MS);

  it('meticulous keyed MD5 with the same key: Up both ways, and stays Up', async () => {
    await bfdAuthScenario('meticulous-keyed-md5', 'md5-key', 'md5-key');
  }, SCENARIO_TIMEOUT_MS);

  it('keyed SHA1 with a wrong key: never Up on either side', async () => {
    await bfdAuthScenario('keyed-sha1', 'petrel-sha1-key', 'another-sha1-key');
  }, SCENARIO_TIMEOUT_MS);
});

describe('BFD with FRR (RFC 5880, RFC 5881, RFC 5883)', () => {
  it('comes Up beside BGP, resets BGP with Cease / BFD Down when FRR falls silent, and comes back with it', async () => {
    await bfdResetScenario('frr', 'frr', frrBfdUp);
  }, SCENARIO_TIMEOUT_MS);

  it('does the same multihop, a router apart', async () => {
    await bfdResetScenario('frr', 'frr', frrBfdUp, true);
  }, SCENARIO_TIMEOUT_MS);
});

describe('BFD between two petrels (RFC 5880, RFC 5881)', () => {
  it('comes Up on both sides; when one petrel freezes, the other stops BGP with Cease / BFD Down, and both come back', async () => {
    const at = await namespacePlacement(onCleanup);
    const pools = [{ cidr: '10.244.0.0/16' }];
    const node = (name: string, self: string, other: string, block: string, active: boolean) => ({
      name,
      asNumber: 64512,
      ipv4Address: `${self}/24`,
      listen: { address: self, port: 179 },
      pools,
      blocks: [block],
      peers: [{ name: 'other', address: other, asNumber: 64512, passive: !active, sourceAddress: self, multihop: false, gracefulRestart: { enabled: false }, bfd: BFD }],
    });
    const b = await PetrelProcess.start(at.daemonNs, node('node-b', at.daemonAddress, at.petrelAddress, '10.244.2.0/26', false));
    onCleanup(() => b.stop());
    const a = await PetrelProcess.start(at.petrelNs, node('node-a', at.petrelAddress, at.daemonAddress, '10.244.1.0/26', true));
    onCleanup(() => a.stop());
    await Promise.all([a.waitPeerState('other', 'Established', 30_000), b.waitPeerState('other', 'Established', 30_000)]);
    for (const side of [a, b]) {
      const up = await waitFor(async () => (await side.showBfd()).find((s) => s.state === 'Up'), { timeoutMs: 30_000, intervalMs: 100, what: 'BFD Up' });
      expect(up).toMatchObject({ remoteState: 'Up', detectionTimeMs: 300 });
    }

    const pid = b.pid;
    onCleanup(() => {
      resume(pid);
      return Promise.resolve();
    });
    const stoppedAt = performance.now();
    process.kill(pid, 'SIGSTOP');
    const down = await waitFor(
      async () => {
        const p = await a.peer('other');
        return p.state !== 'Established' && p.lastError?.includes('BFD Down') ? p : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: 'BGP stopped with Cease / BFD Down' },
    );
    console.log(`[interop] petrel bfd: BGP stopped ${Math.round(performance.now() - stoppedAt)} ms after the other petrel froze (hold time 90 s)`);
    expect(down.lastError).toBe('automatic-stop: Cease / BFD Down');

    resume(pid);
    await Promise.all([a.waitPeerState('other', 'Established', 60_000), b.waitPeerState('other', 'Established', 60_000)]);
    for (const side of [a, b]) await waitFor(async () => (await side.showBfd()).find((s) => s.state === 'Up'), { timeoutMs: 30_000, intervalMs: 100, what: 'BFD Up again' });
  }, SCENARIO_TIMEOUT_MS);
});
