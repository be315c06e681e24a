// Faults in a running lab (SPEC §3 persist, §8 "restarting or killing petrel never cuts pod
// traffic"), CrossSubnet so that native and VXLAN routes both take part, IPv4 and IPv6: petrel
// killed with SIGKILL while pods ping, then restarted and adopting its routes without deleting
// one; pods and blocks coming and going without a restart; a node vanishing from the network.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_HOLD_TIME_SEC, LabMode } from '../../src/lab/configs.js';
import { ipIn } from '../../src/lab/exec.js';
import { Lab, waitUntil } from '../../src/lab/lab.js';
import type { PodPlan } from '../../src/lab/plan.js';
import { type KernelRouteView, holdsExpected, isPetrels } from '../../src/lab/routes.js';
import { BackgroundPing } from '../../src/lab/traffic.js';
import { RouteMonitor, expectReached } from './helpers.js';

let lab: Lab;

function pod(node: string): PodPlan {
  const found = lab.node(node).pods[0];
  if (found === undefined) throw new Error(`${node} has no pod`);
  return found;
}

async function petrelRoutes(node: string): Promise<KernelRouteView[]> {
  return (await lab.routesOf(node)).filter(isPetrels);
}

async function holdsNothingFor(node: string, prefix: string): Promise<boolean> {
  return !(await lab.routesOf(node)).some((r) => r.dst === prefix);
}

/** `3 installed, …, 0 stale` → 0; unknown when the summary says nothing about stale routes. */
function staleCount(summary: string | undefined): number | undefined {
  const match = / (\d+) stale/.exec(summary ?? '');
  return match === null ? undefined : Number(match[1]);
}

beforeAll(async () => {
  lab = await Lab.start({ mode: LabMode.CROSS_SUBNET, reflector: false });
  await lab.waitForSessions();
  await lab.waitForRoutes();
});

afterAll(async () => {
  await lab?.stop();
});

describe('faults (CrossSubnet, full mesh)', () => {
  it('keeps pods talking while petrel on a node is killed and restarted, which adopts its routes without deleting any (persist, RFC 4724)', async () => {
    const node = lab.topology.namespaceOf('a1');
    const before = await petrelRoutes('a1');
    expect(before.length).toBeGreaterThanOrEqual(2);
    const monitor = await RouteMonitor.start(node);
    // Out over VXLAN to b1, and in natively from a2, 12 s each, both families: across the kill and the restart.
    const targets: [string, string][] = [
      [pod('a1').name, pod('b1').ip],
      [pod('a2').name, pod('a1').ip],
      [pod('a1').name, pod('b1').ip6!],
      [pod('a2').name, pod('a1').ip6!],
    ];
    const pings = targets.map(([from, to]) => BackgroundPing.start(lab.topology.namespaceOf(from), to, { count: 60, intervalSec: 0.2 }));
    await lab.petrel('a1').kill();
    expect(await petrelRoutes('a1')).toEqual(before);

    lab.startPetrel('a1');
    await lab.waitForSessions(60_000, ['a1', 'a2', 'b1']);
    // Adopted routes stay 'stale' until every peer's End-of-RIB; then none may be left to delete.
    await waitUntil(async () => staleCount(await lab.kernelSummary('a1')) === 0, { timeoutMs: 30_000, what: 'a1 to release its adopted routes' });
    const results = await Promise.all(pings.map((p) => p.done()));
    results.forEach((result, i) => expect(result.received, `${targets[i]?.join(' -> ')}: ${result.summary}`).toBe(result.transmitted));

    expect(await petrelRoutes('a1')).toEqual(before);
    const events = await monitor.stop();
    expect(events.filter((line) => line.startsWith('Deleted'))).toEqual([]);
  });

  it('reaches a pod added to an existing block at once, with no restart or reload', async () => {
    const added = { name: 'a2-p2', ip: '10.244.2.11', ip6: 'fd10:244::2:11' };
    await lab.topology.addPod('a2', added);
    for (const family of [4, 6] as const) {
      expectReached(await lab.probe(pod('b1'), added, family));
      expectReached(await lab.probe(pod('a1'), added, family));
    }
    await lab.topology.removePod(added.name);
  });

  it('spreads new blocks of a node (a new pod there) on reload, and withdraws them when they go', async () => {
    const blocks = ['10.244.4.0/26', 'fd10:244::4:0/122'];
    const before = lab.blocksOf('b1');
    const added = { name: 'b1-p2', ip: '10.244.4.10', ip6: 'fd10:244::4:10' };
    await lab.topology.addPod('b1', added);
    await lab.setBlocks('b1', [...before, ...blocks]);
    for (const node of ['a1', 'a2']) {
      for (const block of blocks) {
        const route = lab.expectedRoute(node, 'b1', block)!;
        await waitUntil(async () => holdsExpected(await lab.routesOf(node), route), { timeoutMs: 10_000, what: `${node} to install ${block}` });
      }
    }
    for (const family of [4, 6] as const) {
      expectReached(await lab.probe(pod('a1'), added, family));
      expectReached(await lab.probe(pod('a2'), added, family));
    }

    await lab.topology.removePod(added.name);
    await lab.setBlocks('b1', before);
    for (const node of ['a1', 'a2']) {
      for (const block of blocks) await waitUntil(() => holdsNothingFor(node, block), { timeoutMs: 10_000, what: `${node} to remove ${block}` });
    }
  });

  it('spreads a block the node agent adds as a proto 80 blackhole (learned from the kernel), and withdraws it when it goes', async () => {
    const block = '10.244.5.0/26';
    const added = { name: 'b1-p3', ip: '10.244.5.10' };
    const b1 = lab.topology.namespaceOf('b1');
    await lab.topology.addPod('b1', added);
    // Felix's blackhole for a block it owns (CALICO.md §3): protocol 80, never petrel's to touch.
    await ipIn(b1, 'route', 'add', 'blackhole', block, 'proto', '80');
    for (const node of ['a1', 'a2']) {
      const route = lab.expectedRoute(node, 'b1', block)!;
      await waitUntil(async () => holdsExpected(await lab.routesOf(node), route), { timeoutMs: 10_000, what: `${node} to install ${block}` });
    }
    expectReached(await lab.probe(pod('a1'), added));

    await lab.topology.removePod(added.name);
    await ipIn(b1, 'route', 'del', 'blackhole', block, 'proto', '80');
    for (const node of ['a1', 'a2']) await waitUntil(() => holdsNothingFor(node, block), { timeoutMs: 10_000, what: `${node} to remove ${block}` });
  });

  it('removes the routes of a node that vanishes from the network everywhere within the hold time', async () => {
    const gone = lab.node('b1');
    const started = Date.now();
    await lab.topology.unplug(gone.name);
    const goneFrom = async (node: string): Promise<boolean> => (await holdsNothingFor(node, gone.block)) && (await holdsNothingFor(node, gone.block6));
    await waitUntil(async () => (await goneFrom('a1')) && (await goneFrom('a2')), {
      timeoutMs: (LAB_HOLD_TIME_SEC + 10) * 1000,
      what: `a1 and a2 to remove ${gone.block} and ${gone.block6}`,
    });
    const elapsedMs = Date.now() - started;
    // Keepalives every 3 s, hold 9 s (RFC 4271 §4.4): the peers notice within the hold time.
    expect(elapsedMs).toBeLessThanOrEqual((LAB_HOLD_TIME_SEC + 3) * 1000);
    expectReached(await lab.probe(pod('a1'), pod('a2')));
    expectReached(await lab.probe(pod('a1'), pod('a2'), 6));
  });
});
