import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FibSnapshot, KernelRoute, RouteStatus } from '../../src/kernel/fib-port.js';
import type { KernelCounters } from '../../src/kernel/metrics.js';
import { Namespace, SyncerChild } from './helpers.js';

const OURS = 300;
const FLOOD = 20_000;
let ns: Namespace;
let child: SyncerChild;
let scratch = '';

const ourRoute = (i: number): KernelRoute => ({
  prefix: `10.200.${i >> 8}.${i & 255}/32`,
  type: 'unicast',
  nextHops: [{ gateway: '192.0.2.20', device: 'veth0', onlink: true }],
});

beforeAll(async () => {
  ns = await Namespace.create('overflow');
  await ns.ip('link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
  for (const dev of ['veth0', 'veth1']) await ns.ip('link', 'set', dev, 'up');
  await ns.ip('addr', 'add', '192.0.2.10/24', 'dev', 'veth0');
  scratch = mkdtempSync(path.join(tmpdir(), 'petrel-kernel-'));
  child = new SyncerChild(ns);
});

afterAll(async () => {
  await child?.close();
  await ns?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

describe('KernelSyncer after a notification overflow', () => {
  it('resyncs from a fresh dump on ENOBUFS, after which the shadow map and the kernel agree', async () => {
    // A 4 KiB notification buffer: a flood while the event loop is blocked must overflow it.
    await child.send({ op: 'start', options: { monitorReceiveBufferBytes: 4096 } });
    await child.send({ op: 'replace', routes: Array.from({ length: OURS }, (_, i) => ourRoute(i)) });
    expect(await ns.routes('proto', '12')).toHaveLength(OURS);

    // Another owner adds 20,000 routes and, behind petrel's back, deletes 50 of petrel's.
    const batch = path.join(scratch, 'flood.batch');
    const lines = Array.from({ length: FLOOD }, (_, i) => `route add blackhole 10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 proto 3`);
    for (let i = 0; i < 50; i++) lines.push(`route del ${ourRoute(i * 6).prefix} proto 12`);
    writeFileSync(batch, `${lines.join('\n')}\n`);
    await child.send({ op: 'act', argv: ['ip', '-batch', batch], blocking: true, until: { event: { kind: 'resynced', reason: 'overflow' } } });

    const { counters } = await child.send<{ counters: KernelCounters }>({ op: 'state' });
    expect(counters.overflows).toBeGreaterThanOrEqual(1);
    expect(counters.repaired).toBe(50);
    const snapshot = await child.send<FibSnapshot>({ op: 'dump' });
    expect(snapshot.routes.filter((r: RouteStatus) => r.state !== 'installed')).toEqual([]);
    expect(snapshot.learned.filter((r) => r.protocol === 3)).toHaveLength(FLOOD);
    const kernel = await ns.routes('proto', '12');
    expect(kernel).toHaveLength(OURS);
    expect(new Set(kernel.map((line) => line.split(' ')[0]))).toEqual(new Set(snapshot.routes.map((r) => r.route.prefix.replace('/32', ''))));
    // Stopped, the child exits when its stdin closes instead of waiting to be killed.
    await child.send({ op: 'stop' });
  });
});
