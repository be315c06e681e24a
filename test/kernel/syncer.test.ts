import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EncapDecision, EncapOptions } from '../../src/kernel/encap.js';
import type { FibEvent, FibSnapshot, RouteStatus } from '../../src/kernel/fib-port.js';
import type { KernelCounters } from '../../src/kernel/metrics.js';
import { vtepMacFor } from '../../src/kernel/vxlan.js';
import { Namespace, SyncerChild } from './helpers.js';

interface ChildState {
  readonly counters: KernelCounters;
  readonly logs: readonly { level: string; message: string; fields: Record<string, unknown> }[];
  readonly events: readonly FibEvent[];
}

let ns: Namespace;
let child: SyncerChild;

/** Other owners' routes that must survive everything petrel does. */
const FOREIGN = [
  ['blackhole', '10.244.5.0/26', 'proto', '80'],
  ['10.244.101.130/32', 'dev', 'caliabc', 'proto', '3', 'scope', 'link'],
  ['10.250.0.0/24', 'via', '192.0.2.1', 'dev', 'veth0', 'proto', 'static'],
];

async function foreignRoutes(): Promise<string[]> {
  return [
    ...(await ns.routes('proto', '80')),
    ...(await ns.routes('proto', 'boot')),
    ...(await ns.routes('proto', 'static')),
    ...(await ns.routes('proto', 'kernel', 'dev', 'veth0')),
  ];
}

const state = (): Promise<ChildState> => child.send<ChildState>({ op: 'state' });
const statusOf = (routes: readonly RouteStatus[], prefix: string): RouteStatus | undefined => routes.find((r) => r.route.prefix === prefix);
let foreignAtStart: string[] = [];

beforeAll(async () => {
  ns = await Namespace.create('sync');
  await ns.ip('link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
  // This kernel has no ipip module (TOOLCHAIN.md §1): a veth named tunl0 stands in for Calico's
  // IPIP device, which is all an `onlink via dev tunl0` route needs from it.
  await ns.ip('link', 'add', 'tunl0', 'type', 'veth', 'peer', 'name', 'tunl0-peer');
  await ns.ip('link', 'add', 'caliabc', 'type', 'veth', 'peer', 'name', 'caliabc-pod');
  for (const dev of ['veth0', 'veth1', 'tunl0', 'tunl0-peer', 'caliabc', 'caliabc-pod']) await ns.ip('link', 'set', dev, 'up');
  await ns.ip('addr', 'add', '192.0.2.10/24', 'dev', 'veth0');
  await ns.ip('-6', 'addr', 'add', '2001:db8:ff::10/64', 'dev', 'veth0', 'nodad');
  for (const route of FOREIGN) await ns.ip('route', 'add', ...route);
  // Left by a previous petrel run (persist): one still wanted, one not.
  await ns.ip('route', 'add', '10.99.1.0/24', 'via', '192.0.2.1', 'dev', 'veth0', 'proto', '12');
  await ns.ip('route', 'add', '10.99.2.0/24', 'via', '192.0.2.1', 'dev', 'veth0', 'proto', '12');
  foreignAtStart = await foreignRoutes();
  child = new SyncerChild(ns);
});

afterAll(async () => {
  await child?.close();
  await ns?.remove();
});

describe('KernelSyncer in a namespace', () => {
  it('adopts routes of its own protocol on start and deletes the unwanted ones only at releaseStale()', async () => {
    const snapshot = await child.send<FibSnapshot>({ op: 'start' });
    expect(snapshot.routes.map((r) => [r.route.prefix, r.state]).sort()).toEqual([
      ['10.99.1.0/24', 'stale'],
      ['10.99.2.0/24', 'stale'],
    ]);
    expect(statusOf(snapshot.routes, '10.99.1.0/24')!.route).toEqual({
      prefix: '10.99.1.0/24', type: 'unicast', nextHops: [{ gateway: '192.0.2.1', device: 'veth0', onlink: false }],
    });
    const kept = await child.send<RouteStatus[]>({
      op: 'replace',
      routes: [{ prefix: '10.99.1.0/24', type: 'unicast', nextHops: [{ gateway: '192.0.2.1', device: 'veth0', onlink: false }] }],
    });
    expect(statusOf(kept, '10.99.1.0/24')!.state).toBe('installed');
    const { counters } = await state();
    expect(counters).toMatchObject({ adopted: 2, installed: 0 });
    // Not yet released: both stay.
    expect(await ns.routes('proto', '12')).toEqual(['10.99.1.0/24 via 192.0.2.1 dev veth0', '10.99.2.0/24 via 192.0.2.1 dev veth0']);
    await child.send({ op: 'releaseStale' });
    expect(await ns.routes('proto', '12')).toEqual(['10.99.1.0/24 via 192.0.2.1 dev veth0']);
    expect((await state()).counters).toMatchObject({ removed: 1, installed: 0 });
  });

  it('reports the learned routes present at start: Felix\u2019s proto-80 blackhole and the proto-3 /32 on a cali* device', async () => {
    const { events } = await state();
    expect(events).toContainEqual({ kind: 'learned', change: 'added', prefix: '10.244.5.0/26', protocol: 80, type: 'blackhole', metric: 0 });
    expect(events).toContainEqual({ kind: 'learned', change: 'added', prefix: '10.244.101.130/32', protocol: 3, type: 'unicast', metric: 0, ifname: 'caliabc' });
    // Connected routes (proto kernel) are not learned, as BIRD's netlink.c skips them.
    expect(events.filter((e) => e.kind === 'learned' && e.protocol === 2)).toEqual([]);
  });

  it('programs each encapsulation mode as the exact kernel route, ECMP over tunl0 as one multipath route', async () => {
    await child.send({
      op: 'vxlan',
      options: { device: 'vxlan.calico', vni: 4096, port: 4789, mtu: 1450, nodeIp: '192.0.2.10', vtepIp: '10.247.100.1' },
      remotes: [{ vtepIp: '10.247.200.1', vtepMac: vtepMacFor('192.0.2.22'), nodeIp: '192.0.2.22' }],
    });
    const options: EncapOptions = {
      pools: [
        { cidr: '10.244.0.0/16', ipipMode: 'Always', vxlanMode: 'Never' },
        { cidr: '10.245.0.0/16', ipipMode: 'CrossSubnet', vxlanMode: 'Never' },
        { cidr: '10.246.0.0/16', ipipMode: 'Never', vxlanMode: 'Never' },
        { cidr: '10.247.0.0/16', ipipMode: 'Never', vxlanMode: 'Always' },
      ],
      serviceRanges: ['10.96.0.0/12'],
      nodeIpv4Address: '192.0.2.10/24',
      vxlanDevice: 'vxlan.calico',
    };
    const decisions = await child.send<EncapDecision[]>({
      op: 'encap',
      options,
      paths: [
        { prefix: '10.244.1.0/26', nextHops: ['192.0.2.20'] },
        { prefix: '10.244.2.0/26', nextHops: ['192.0.2.20', '198.51.100.7'] },
        { prefix: '10.245.1.0/26', nextHops: ['192.0.2.20'] },
        { prefix: '10.245.2.0/26', nextHops: ['198.51.100.7'] },
        { prefix: '10.246.1.0/26', nextHops: ['192.0.2.21'] },
        { prefix: '10.247.1.0/26', nextHops: ['192.0.2.22'] },
        { prefix: '0.0.0.0/0', nextHops: ['192.0.2.1'] },
        { prefix: '10.96.0.0/24', nextHops: ['192.0.2.20'] },
        { prefix: '2001:db8:1::/48', nextHops: ['2001:db8:ff::1'] },
      ],
      blocks: ['10.244.101.128/26'],
    });
    expect(decisions[7]).toEqual({ action: 'skip', reason: 'service-range' });
    expect(await ns.routes('proto', '12')).toEqual([
      '10.244.1.0/26 via 192.0.2.20 dev tunl0 onlink',
      '10.244.2.0/26 nexthop via 192.0.2.20 dev tunl0 weight 1 onlink nexthop via 198.51.100.7 dev tunl0 weight 1 onlink',
      '10.245.1.0/26 via 192.0.2.20 dev veth0',
      '10.245.2.0/26 via 198.51.100.7 dev tunl0 onlink',
      '10.246.1.0/26 via 192.0.2.21 dev veth0',
      '10.247.1.0/26 via 10.247.200.1 dev vxlan.calico onlink',
      '10.99.1.0/24 via 192.0.2.1 dev veth0',
      '2001:db8:1::/48 via 2001:db8:ff::1 dev veth0 metric 1024 pref medium',
      'blackhole 10.244.101.128/26',
      'default via 192.0.2.1 dev veth0',
    ]);
    const routes = (await child.send<FibSnapshot>({ op: 'dump' })).routes;
    expect(routes.filter((r) => r.state !== 'installed')).toEqual([]);
    // Writing again what is installed changes nothing.
    const before = (await state()).counters.installed;
    await child.send({ op: 'reconcile' });
    expect((await state()).counters).toMatchObject({ installed: before, repaired: 0 });
  });

  it('counts a conflict with another owner\u2019s route once, never retries it in a loop, and installs once that route goes', async () => {
    const routes = await child.send<RouteStatus[]>({
      op: 'replace',
      routes: [
        { prefix: '10.244.5.0/26', type: 'unicast', nextHops: [{ gateway: '192.0.2.20', device: 'tunl0', onlink: true }] },
        // The connected route's prefix: the kernel's own route holds it.
        { prefix: '192.0.2.0/24', type: 'unicast', nextHops: [{ gateway: '192.0.2.1', device: 'veth0', onlink: false }] },
      ],
    });
    expect(statusOf(routes, '10.244.5.0/26')).toMatchObject({ state: 'conflict', error: 'EEXIST' });
    expect(statusOf(routes, '192.0.2.0/24')).toMatchObject({ state: 'conflict' });
    const first = (await state()).counters;
    expect(first.conflicts).toBe(2);
    await child.send({ op: 'reconcile' });
    await child.send({ op: 'reconcile' });
    const later = await state();
    expect(later.counters).toMatchObject({ conflicts: 2, installed: first.installed, failed: 0 });
    expect(later.logs.filter((l) => String(l.message).includes('File exists'))).toHaveLength(2);
    expect(await foreignRoutes()).toEqual(foreignAtStart);

    const after = await child.send<RouteStatus[]>({
      op: 'act',
      argv: ['ip', 'route', 'del', 'blackhole', '10.244.5.0/26', 'proto', '80'],
      until: { route: { dst: '10.244.5.0/26', op: 'new', protocol: 12 } },
    });
    expect(statusOf(after, '10.244.5.0/26')!.state).toBe('installed');
    expect(await ns.routes('10.244.5.0/26')).toEqual(['10.244.5.0/26 via 192.0.2.20 dev tunl0 proto bird onlink']);
    // Put Felix's route back for the tests below: petrel's own must first go.
    await child.send({ op: 'remove', prefixes: ['10.244.5.0/26', '192.0.2.0/24'] });
    await ns.ip('route', 'add', ...FOREIGN[0]!);
    expect(await foreignRoutes()).toEqual(foreignAtStart);
  });

  it('logs and counts a refused route once, and retries it only when a link appears', async () => {
    const route = { prefix: '10.248.0.0/26', type: 'unicast' as const, nextHops: [{ gateway: '192.0.2.30', device: 'late0', onlink: true }] };
    const routes = await child.send<RouteStatus[]>({ op: 'replace', routes: [route] });
    expect(statusOf(routes, '10.248.0.0/26')).toMatchObject({ state: 'failed', error: 'ENODEV' });
    await child.send({ op: 'reconcile' });
    const { counters, logs } = await state();
    expect(counters.failed).toBe(1);
    expect(logs.filter((l) => l.fields['prefix'] === '10.248.0.0/26')).toHaveLength(1);
    // The device appears: the route goes in without anyone asking again.
    await child.send({ op: 'act', argv: ['ip', 'link', 'add', 'late0', 'type', 'veth', 'peer', 'name', 'late0-peer'] });
    const installed = await child.send<RouteStatus[]>({
      op: 'act',
      argv: ['ip', 'link', 'set', 'late0', 'up'],
      until: { route: { dst: '10.248.0.0/26', op: 'new', protocol: 12 } },
    });
    expect(statusOf(installed, '10.248.0.0/26')!.state).toBe('installed');
    await child.send({ op: 'remove', prefixes: ['10.248.0.0/26'] });
  });

  it('reports a learned /32 on a cali* device and a proto-80 blackhole as they come and go', async () => {
    await child.send({
      op: 'act',
      argv: ['ip', 'route', 'add', '10.244.101.131/32', 'dev', 'caliabc', 'proto', '3', 'scope', 'link', 'metric', '1024'],
      until: { event: { kind: 'learned', prefix: '10.244.101.131/32', change: 'added' } },
    });
    await child.send({
      op: 'act',
      argv: ['ip', 'route', 'add', 'blackhole', '10.244.9.0/26', 'proto', '80'],
      until: { event: { kind: 'learned', prefix: '10.244.9.0/26', change: 'added' } },
    });
    await child.send({
      op: 'act',
      argv: ['ip', 'route', 'del', '10.244.101.131/32', 'dev', 'caliabc', 'proto', '3', 'metric', '1024'],
      until: { event: { kind: 'learned', prefix: '10.244.101.131/32', change: 'removed' } },
    });
    await child.send({
      op: 'act',
      argv: ['ip', 'route', 'del', 'blackhole', '10.244.9.0/26', 'proto', '80'],
      until: { event: { kind: 'learned', prefix: '10.244.9.0/26', change: 'removed' } },
    });
    const { events } = await state();
    const learned = events.filter((e) => e.kind === 'learned' && (e.prefix === '10.244.101.131/32' || e.prefix === '10.244.9.0/26'));
    expect(learned).toEqual([
      { kind: 'learned', change: 'added', prefix: '10.244.101.131/32', protocol: 3, type: 'unicast', metric: 1024, ifname: 'caliabc' },
      { kind: 'learned', change: 'added', prefix: '10.244.9.0/26', protocol: 80, type: 'blackhole', metric: 0 },
      { kind: 'learned', change: 'removed', prefix: '10.244.101.131/32', protocol: 3, type: 'unicast', metric: 1024, ifname: 'caliabc' },
      { kind: 'learned', change: 'removed', prefix: '10.244.9.0/26', protocol: 80, type: 'blackhole', metric: 0 },
    ]);
  });

  it('repairs a petrel route deleted behind its back (notification) and routes the kernel flushed silently (resync)', async () => {
    const repairedBefore = (await state()).counters.repaired;
    await child.send({
      op: 'act',
      argv: ['ip', 'route', 'del', '10.244.1.0/26', 'proto', '12'],
      until: { route: { dst: '10.244.1.0/26', op: 'new', protocol: 12 } },
    });
    expect(await ns.routes('10.244.1.0/26')).toEqual(['10.244.1.0/26 via 192.0.2.20 dev tunl0 proto bird onlink']);
    expect((await state()).counters.repaired).toBe(repairedBefore + 1);

    // IPv4 drops routes through a link that goes down without a single RTM_DELROUTE: only the
    // resync that the link event triggers can notice.
    const down = await child.send<RouteStatus[]>({
      op: 'act',
      argv: ['ip', 'link', 'set', 'tunl0', 'down'],
      until: { event: { kind: 'resynced', reason: 'interface-loss' } },
    });
    expect(statusOf(down, '10.244.1.0/26')).toMatchObject({ state: 'failed', error: 'ENETDOWN' });
    const up = await child.send<RouteStatus[]>({
      op: 'act',
      argv: ['ip', 'link', 'set', 'tunl0', 'up'],
      until: { route: { dst: '10.244.1.0/26', op: 'new', protocol: 12 } },
    });
    await child.send({ op: 'settled' });
    expect(up.filter((r) => r.route.nextHops.some((h) => h.device === 'tunl0')).map((r) => r.state)).not.toContain('failed');
    expect((await ns.routes('proto', '12')).filter((r) => r.includes('dev tunl0'))).toEqual([
      '10.244.1.0/26 via 192.0.2.20 dev tunl0 onlink',
      '10.244.2.0/26 nexthop via 192.0.2.20 dev tunl0 weight 1 onlink nexthop via 198.51.100.7 dev tunl0 weight 1 onlink',
      '10.245.2.0/26 via 198.51.100.7 dev tunl0 onlink',
    ]);
    expect((await state()).counters.resyncs).toBeGreaterThanOrEqual(1);
  });

  it('leaves its routes in place on stop with persist, and a new run adopts them all', async () => {
    const ours = await ns.routes('proto', '12');
    await child.send({ op: 'stop' });
    await child.close();
    expect(await ns.routes('proto', '12')).toEqual(ours);
    child = new SyncerChild(ns);
    const snapshot = await child.send<FibSnapshot>({ op: 'start', options: { persist: false } });
    expect(snapshot.routes).toHaveLength(ours.length);
    expect(snapshot.routes.every((r) => r.state === 'stale')).toBe(true);
    expect((await state()).counters.adopted).toBe(ours.length);
  });

  it('deletes only its own routes on stop without persist: other owners\u2019 and connected routes survive', async () => {
    await child.send({ op: 'stop' });
    expect(await ns.routes('proto', '12')).toEqual([]);
    expect(await foreignRoutes()).toEqual(foreignAtStart);
    expect(await ns.routes('dev', 'veth0', 'scope', 'link')).toEqual(['192.0.2.0/24 proto kernel src 192.0.2.10']);
  });
});
