import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KernelRoute, RouteStatus } from '../../src/kernel/fib-port.js';
import type { KernelCounters } from '../../src/kernel/metrics.js';
import { Namespace, SyncerChild } from './helpers.js';

interface ChildState {
  readonly counters: KernelCounters;
  readonly logs: readonly { level: string; message: string; fields: Record<string, unknown> }[];
}

let ns: Namespace;
let child: SyncerChild;

const good = (i: number): KernelRoute => ({ prefix: `10.202.${i}.0/24`, type: 'unicast', nextHops: [{ gateway: '192.0.2.20', device: 'veth0', onlink: true }] });
/** The connected route's prefix: the kernel's own route holds it (a conflict found while planning). */
const conflicting: KernelRoute = { prefix: '192.0.2.0/24', type: 'unicast', nextHops: [{ gateway: '192.0.2.1', device: 'veth0', onlink: false }] };
/** A gateway outside every connected subnet, without onlink: the kernel answers ENETUNREACH. */
const unreachable = (i: number): KernelRoute => ({ prefix: `10.203.${i}.0/24`, type: 'unicast', nextHops: [{ gateway: '198.51.100.1', device: 'veth0', onlink: false }] });

const GOOD = 10;
// Batches of 3: the refusals land in different batches of one round, at different positions.
const ROUTES: KernelRoute[] = [good(0), conflicting, good(1), unreachable(0), good(2), good(3), good(4), unreachable(1), ...Array.from({ length: GOOD - 5 }, (_, i) => good(5 + i))];

beforeAll(async () => {
  ns = await Namespace.create('batching');
  await ns.ip('link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
  for (const dev of ['veth0', 'veth1']) await ns.ip('link', 'set', dev, 'up');
  await ns.ip('addr', 'add', '192.0.2.10/24', 'dev', 'veth0');
  child = new SyncerChild(ns);
});

afterAll(async () => {
  await child?.close();
  await ns?.remove();
});

describe('KernelSyncer writing in several batches per round', () => {
  it('maps every refusal to its own route, counts and logs it once, and installs the rest', async () => {
    await child.send({ op: 'start', options: { batchSize: 3 } });
    const routes = await child.send<RouteStatus[]>({ op: 'replace', routes: ROUTES });
    const states = Object.fromEntries(routes.map((r) => [r.route.prefix, [r.state, r.error]]));
    expect(states).toEqual({
      ...Object.fromEntries(Array.from({ length: GOOD }, (_, i) => [good(i).prefix, ['installed', undefined]])),
      [conflicting.prefix]: ['conflict', 'EEXIST'],
      [unreachable(0).prefix]: ['failed', 'ENETUNREACH'],
      [unreachable(1).prefix]: ['failed', 'ENETUNREACH'],
    });
    expect(await ns.routes('proto', '12')).toHaveLength(GOOD);
    // Answered refusals are not retried by a reconciliation: still one count and one log each.
    await child.send({ op: 'reconcile' });
    const { counters, logs } = await child.send<ChildState>({ op: 'state' });
    expect(counters).toMatchObject({ installed: GOOD, conflicts: 1, failed: 2, repaired: 0, overflows: 0 });
    const warned = (prefix: string) => logs.filter((l) => l.level === 'warn' && l.fields['prefix'] === prefix);
    expect(warned(conflicting.prefix)).toHaveLength(1);
    expect(warned(unreachable(0).prefix)).toHaveLength(1);
    expect(warned(unreachable(1).prefix)).toHaveLength(1);
  });

  it('removes every route of its own in batches and leaves the connected route alone', async () => {
    await child.send({ op: 'remove', prefixes: ROUTES.map((r) => r.prefix) });
    expect(await ns.routes('proto', '12')).toEqual([]);
    expect(await ns.routes('192.0.2.0/24')).toEqual(['192.0.2.0/24 dev veth0 proto kernel scope link src 192.0.2.10']);
    const { counters } = await child.send<ChildState>({ op: 'state' });
    expect(counters).toMatchObject({ removed: GOOD, repaired: 0 });
    await child.send({ op: 'stop' });
  });

  it('takes a refusal for every request of full default-sized batches without overflowing its reply buffer', async () => {
    const REFUSED = 5000;
    await child.send({ op: 'start' });
    const refused = Array.from({ length: REFUSED }, (_, i): KernelRoute => ({ ...unreachable(0), prefix: `10.204.${i >> 8}.${i & 255}/32` }));
    const routes = await child.send<RouteStatus[]>({ op: 'replace', routes: refused });
    expect(routes.filter((r) => r.state === 'failed' && r.error === 'ENETUNREACH')).toHaveLength(REFUSED);
    const { counters } = await child.send<ChildState>({ op: 'state' });
    expect(counters).toMatchObject({ failed: REFUSED, installed: 0, overflows: 0, resyncs: 0 });
    await child.send({ op: 'stop' });
  });
});
