/**
 * BFD (RFC 5880, single hop RFC 5881) between `petrel run` and BIRD 2 in two namespaces joined
 * by a veth: the sessions come Up beside BGP; when BIRD stops answering (SIGSTOP, so no TCP
 * segment says anything), petrel resets BGP with Cease / BFD Down (RFC 9384) within the BFD
 * detection time instead of the 90 s hold time; once BIRD runs again, both come back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BirdPeer } from '../peers/bird.js';
import { waitFor } from '../peers/process.js';
import { namespacePlacement, petrelNodeFor, startDaemon, type SessionShape } from './daemon-topology.js';
import { PetrelProcess } from './petrel-process.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step();
  cleanups = [];
});
const onCleanup = (step: () => Promise<void>): void => void cleanups.push(step);

const BFD = { minTxMs: 100, minRxMs: 100, multiplier: 3 } as const;

describe('BFD with BIRD 2 (RFC 5880, RFC 5881)', () => {
  it('comes Up beside BGP, resets BGP with Cease / BFD Down when the peer falls silent, and comes back with it', async () => {
    const at = await namespacePlacement(onCleanup);
    const shape: SessionShape = { petrelAs: 64512, petrelActive: true, families: ['ipv4-unicast'] };
    const bird = (await startDaemon('bird2', at, shape, [], onCleanup, { bfd: BFD })) as BirdPeer;
    const node = petrelNodeFor(at, shape, { name: 'node-a', block: '10.244.1.0/26', pools: [{ cidr: '10.244.0.0/16' }], peerName: 'bird' });
    const petrel = await PetrelProcess.start(at.petrelNs, { ...node, peers: node.peers.map((p) => ({ ...p, multihop: false, bfd: BFD })) });
    onCleanup(() => petrel.stop());

    await petrel.waitPeerState('bird', 'Established');
    const up = await waitFor(async () => (await petrel.showBfd()).find((s) => s.name === 'bird' && s.state === 'Up'), {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: 'petrel BFD session Up',
    });
    // The intervals both sides asked for: 100 ms, three missed packets (RFC 5880 §6.8.4).
    expect(up.detectionTimeMs).toBe(300);
    expect(await bird.birdc('show bfd sessions')).toMatch(/10\.0\.0\.2\s+\S+\s+Up/);

    const pids = bird.pids();
    onCleanup(() => {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
      return Promise.resolve();
    });
    const stoppedAt = performance.now();
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    const down = await waitFor(
      async () => {
        const p = await petrel.peer('bird');
        return p.state !== 'Established' && p.lastError?.includes('BFD Down') ? p : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: 'BGP reset with Cease / BFD Down' },
    );
    const afterMs = performance.now() - stoppedAt;
    console.log(`[interop] bird2 bfd: BGP reset ${Math.round(afterMs)} ms after BIRD stopped (hold time 90 s)`);
    expect(down.lastError).toBe('automatic-stop: Cease / BFD Down');
    expect(afterMs).toBeLessThan(5_000);
    const views = await petrel.showBfd();
    expect(views[0]).toMatchObject({ name: 'bird', state: 'Down', localDiag: 'Control Detection Time Expired', downTransitions: 1 });

    for (const pid of pids) process.kill(pid, 'SIGCONT');
    await petrel.waitPeerState('bird', 'Established', 30_000);
    await waitFor(async () => (await petrel.showBfd()).find((s) => s.state === 'Up'), { timeoutMs: 15_000, intervalMs: 100, what: 'BFD Up again' });
  });
});
