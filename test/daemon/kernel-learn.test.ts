// Kernel-learned routes in the speaker (BIRD's kernel protocol with `learn`, CALICO.md §1.2–1.3):
// originated with their interface and metric, they feed Calico's export policy — a local block
// goes out once, the pod /32s beneath it never, a borrowed /32 inside a pool does, a learned
// default route never leaks.
import { describe, expect, it } from 'vitest';
import { isEndOfRib } from '../../src/bgp/end-of-rib.js';
import { MemoryNetwork, startSpeaker, turns, until } from './harness.js';
import type { MemorySession } from './memory-session.js';

const NODE_A = `
asNumber: 64512
node: {name: node-a, ipv4Address: 10.0.0.1/24}
mesh: {enabled: false}
kernel: {enabled: false}
pools: [{cidr: 10.244.0.0/16, blockSize: 26}]
blocks: [10.244.1.0/26]
peers: [{name: b, address: 10.0.0.2, asNumber: 64512}]
`;

/** What `end` holds from the speaker: prefixes announced and not withdrawn since. */
function held(end: MemorySession): string[] {
  const out = new Set<string>();
  for (const u of end.updates()) {
    for (const n of u.withdrawn) out.delete(n.prefix);
    for (const n of u.nlri) out.add(n.prefix);
  }
  return [...out].sort();
}

/** How many times each prefix was announced. */
function announcements(end: MemorySession, prefix: string): number {
  return end.updates().reduce((n, u) => n + u.nlri.filter((x) => x.prefix === prefix).length, 0);
}

async function nodeWithPeer() {
  const network = new MemoryNetwork();
  const a = await startSpeaker(network, '10.0.0.1', NODE_A);
  const b = network.scripted({ name: 'to-a', localAddress: '10.0.0.2', address: '10.0.0.1', asNumber: 64512, localAs: 64512, routerId: '10.0.0.2' });
  b.start();
  await until(() => b.updates().some((u) => isEndOfRib(u) !== undefined));
  return { speaker: a.speaker, b };
}

describe('kernel-learned routes and the export policy', () => {
  it('exports a borrowed /32 inside a pool, never a pod /32 beneath a local block (calico_aggr)', async () => {
    const { speaker, b } = await nodeWithPeer();
    // Felix's pod routes carry ipv4NormalRoutePriority (1024) as their metric (CALICO.md §3).
    speaker.learnKernelRoute('10.244.1.5/32', { ifname: 'cali1', metric: 1024 });
    speaker.learnKernelRoute('10.244.7.9/32', { ifname: 'cali2', metric: 1024 });
    await until(() => held(b).includes('10.244.7.9/32'));
    await turns();
    expect(held(b)).toEqual(['10.244.1.0/26', '10.244.7.9/32']);
    expect(speaker.routes('10.244.1.5/32')).toMatchObject([{ peer: 'kernel', best: true }]);
  });

  it('exports a local block once though Felix\u2019s blackhole for it is learned too', async () => {
    const { speaker, b } = await nodeWithPeer();
    speaker.learnKernelRoute('10.244.1.0/26', { ifname: '', metric: 0 });
    speaker.learnKernelRoute('10.244.7.9/32', { ifname: 'cali2', metric: 0 });
    await until(() => held(b).includes('10.244.7.9/32'));
    await turns();
    expect(announcements(b, '10.244.1.0/26')).toBe(1);
    // BIRD's preferences: the configured (static) block beats the kernel's copy.
    expect(speaker.routes('10.244.1.0/26').map((r) => [r.peer, r.best])).toEqual([
      ['local', true],
      ['kernel', false],
    ]);
  });

  it('never leaks a learned default route or a prefix outside every pool', async () => {
    const { speaker, b } = await nodeWithPeer();
    speaker.learnKernelRoute('0.0.0.0/0', { ifname: 'eth0', metric: 100 });
    speaker.learnKernelRoute('192.168.5.0/24', { ifname: 'eth1', metric: 0 });
    speaker.learnKernelRoute('10.244.7.9/32', { ifname: 'cali2', metric: 0 });
    await until(() => held(b).includes('10.244.7.9/32'));
    await turns();
    expect(held(b)).toEqual(['10.244.1.0/26', '10.244.7.9/32']);
  });

  it('withdraws a learned route when the kernel loses it', async () => {
    const { speaker, b } = await nodeWithPeer();
    speaker.learnKernelRoute('10.244.7.9/32', { ifname: 'cali2', metric: 0 });
    await until(() => held(b).includes('10.244.7.9/32'));
    speaker.learnKernelRoute('10.244.7.9/32', undefined);
    await until(() => !held(b).includes('10.244.7.9/32'));
    expect(speaker.routes('10.244.7.9/32')).toEqual([]);
  });

  it('exports a /32 beneath a local block with a metric below 1024 (KubeVirt live migration, Calico v3.32)', async () => {
    const { speaker, b } = await nodeWithPeer();
    speaker.learnKernelRoute('10.244.1.6/32', { ifname: 'cali3', metric: 512 });
    await until(() => held(b).includes('10.244.1.6/32'));
    expect(held(b)).toEqual(['10.244.1.0/26', '10.244.1.6/32']);
  });
});
