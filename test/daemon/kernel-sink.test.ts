// KernelSink against a recording FibPort: what reaches the kernel for each kind of best path
// (CALICO.md §1.2–1.4), and what other owners' kernel routes become in the RIB (BIRD `learn`).
import { describe, expect, it } from 'vitest';
import { Encapsulation, type EncapOptions } from '../../src/kernel/encap.js';
import type { FibEvent, FibListener, FibPort, FibSnapshot, KernelLog, KernelRoute, LearnEvent } from '../../src/kernel/fib-port.js';
import { newKernelCounters } from '../../src/kernel/metrics.js';
import { KernelSink, type SinkRib } from '../../src/daemon/kernel-sink.js';
import { AttrTable } from '../../src/rib/attr-set.js';
import { Dest } from '../../src/rib/dest.js';
import type { LocRibChange } from '../../src/rib/loc-rib.js';
import { makePeerInfo, Path, type KernelRouteInfo, type PeerInfo } from '../../src/rib/path.js';

type Call = { readonly op: 'replace'; readonly route: KernelRoute } | { readonly op: 'remove'; readonly prefix: string };

class RecordingFib implements FibPort {
  readonly calls: Call[] = [];
  readonly counters = newKernelCounters();
  #listener: FibListener | undefined;
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  replace(route: KernelRoute): void {
    this.calls.push({ op: 'replace', route });
  }
  remove(prefix: string): void {
    this.calls.push({ op: 'remove', prefix });
  }
  releaseStale(): void {}
  reconcile(): Promise<void> {
    return Promise.resolve();
  }
  settled(): Promise<void> {
    return Promise.resolve();
  }
  dump(): FibSnapshot {
    return { routes: [], learned: [] };
  }
  watch(listener: FibListener): () => void {
    this.#listener = listener;
    return () => (this.#listener = undefined);
  }
  emit(events: readonly FibEvent[]): void {
    this.#listener?.(events);
  }
  take(): Call[] {
    return this.calls.splice(0);
  }
}

/** A RIB holding ECMP sets by prefix, recording what the sink originates from the kernel. */
class FakeRib implements SinkRib {
  readonly sets = new Map<string, readonly Path[]>();
  readonly learned: [string, KernelRouteInfo | undefined][] = [];
  multipath(prefix: string): readonly Path[] {
    return this.sets.get(prefix) ?? [];
  }
  forEachBest(fn: (best: Path, multipath: readonly Path[]) => void): void {
    for (const set of this.sets.values()) if (set.length > 0) fn(set[0]!, set);
  }
  learnKernelRoute(prefix: string, kernel: KernelRouteInfo | undefined): void {
    this.learned.push([prefix, kernel]);
  }
}

const silent: KernelLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
const table = new AttrTable();
const peer = (address: string): PeerInfo => makePeerInfo({ name: `Mesh_${address}`, address, routerId: address, asn: 64512, kind: 'ibgp' });
const local = makePeerInfo({ name: 'local', routerId: '10.0.0.1', asn: 64512, kind: 'local' });
const kernelSource = makePeerInfo({ name: 'kernel', routerId: '10.0.0.1', asn: 64512, kind: 'local', kernel: { ifname: 'cali1', metric: 0 } });

function path(prefix: string, source: PeerInfo, ...nextHops: string[]): Path {
  return Path.create(prefix, 0, table.intern({ origin: 'igp', ...(nextHops.length > 0 ? { nextHops } : {}) }), source);
}

function change(prefix: string, multipath: readonly Path[]): LocRibChange {
  return { prefix, best: multipath[0], multipath, previousBest: undefined, dest: Dest.of(prefix) };
}

const ENCAP: EncapOptions = {
  pools: [
    { cidr: '10.244.0.0/16', ipipMode: 'Never', vxlanMode: 'Never' },
    { cidr: '10.245.0.0/16', ipipMode: 'Always', vxlanMode: 'Never' },
    { cidr: '10.246.0.0/16', ipipMode: 'Never', vxlanMode: 'Always' },
  ],
  serviceRanges: ['10.96.0.0/12'],
  nodeIpv4Address: '10.0.0.1/24',
  vxlanDevice: 'vxlan.calico',
};

function setUp(options: { blocks?: string[]; nics?: Record<string, string>; vteps?: Record<string, string>; peerInterfaces?: Record<string, string>; log?: KernelLog } = {}) {
  const fib = new RecordingFib();
  const rib = new FakeRib();
  const nics = new Map(Object.entries(options.nics ?? { '10.0.0.2': 'eth0', '10.0.0.3': 'eth0' }));
  const scheduled: (() => void)[] = [];
  const sink = new KernelSink({
    fib,
    encap: new Encapsulation(ENCAP),
    environment: {
      interfaces: { interfaceFor: (address) => nics.get(address) },
      vtepFor: (nodeIp) => options.vteps?.[nodeIp],
    },
    localBlocks: options.blocks ?? ['10.244.1.0/26'],
    rib,
    log: options.log ?? silent,
    schedule: (fn) => scheduled.push(fn),
    peerInterface: (name) => options.peerInterfaces?.[name],
  });
  sink.watch();
  const runScheduled = (): void => {
    for (const fn of scheduled.splice(0)) fn();
  };
  return { fib, rib, sink, nics, runScheduled };
}

function learned(prefix: string, change: 'added' | 'removed', extra: Partial<LearnEvent> = {}): LearnEvent {
  return { kind: 'learned', change, prefix, protocol: 3, type: 'unicast', metric: 0, ifname: 'cali1', ...extra };
}

describe('KernelSink: Loc-RIB to kernel (CALICO.md §1.4)', () => {
  it('installs this node\u2019s blocks as blackholes, but not a /32 block (it would shadow its one workload)', () => {
    const { fib, sink } = setUp({ blocks: ['10.244.1.0/26', '10.244.9.9/32'] });
    sink.installBlocks();
    expect(fib.take()).toEqual([{ op: 'replace', route: { prefix: '10.244.1.0/26', type: 'blackhole', nextHops: [] } }]);
  });

  it('installs a peer\u2019s block per its pool: native via the NIC, IPIP onlink on tunl0, VXLAN via the remote VTEP', () => {
    const { fib, sink } = setUp({ vteps: { '10.0.0.2': '10.250.0.2' } });
    sink.apply([
      change('10.244.2.0/26', [path('10.244.2.0/26', peer('10.0.0.2'), '10.0.0.2')]),
      change('10.245.2.0/26', [path('10.245.2.0/26', peer('10.0.0.2'), '10.0.0.2')]),
      change('10.246.2.0/26', [path('10.246.2.0/26', peer('10.0.0.2'), '10.0.0.2')]),
    ]);
    expect(fib.take()).toEqual([
      { op: 'replace', route: { prefix: '10.244.2.0/26', type: 'unicast', nextHops: [{ gateway: '10.0.0.2', device: 'eth0', onlink: false }] } },
      { op: 'replace', route: { prefix: '10.245.2.0/26', type: 'unicast', nextHops: [{ gateway: '10.0.0.2', device: 'tunl0', onlink: true }] } },
      { op: 'replace', route: { prefix: '10.246.2.0/26', type: 'unicast', nextHops: [{ gateway: '10.250.0.2', device: 'vxlan.calico', onlink: true }] } },
    ]);
  });

  it('puts every ECMP path into one multipath route', () => {
    const { fib, sink } = setUp();
    const set = [path('10.244.2.0/26', peer('10.0.0.2'), '10.0.0.2'), path('10.244.2.0/26', peer('10.0.0.3'), '10.0.0.3')];
    sink.apply([change('10.244.2.0/26', set)]);
    expect(fib.take()).toEqual([
      {
        op: 'replace',
        route: {
          prefix: '10.244.2.0/26',
          type: 'unicast',
          nextHops: [
            { gateway: '10.0.0.2', device: 'eth0', onlink: false },
            { gateway: '10.0.0.3', device: 'eth0', onlink: false },
          ],
        },
      },
    ]);
  });

  it('keeps the blackhole of a local block whatever a peer announces for it', () => {
    const { fib, sink } = setUp();
    sink.apply([change('10.244.1.0/26', [path('10.244.1.0/26', peer('10.0.0.2'), '10.0.0.2')]), change('10.244.1.0/26', [])]);
    expect(fib.take()).toEqual([]);
  });

  it('never writes local routes back: originated or learned from the kernel, the prefix is removed', () => {
    const { fib, sink } = setUp();
    sink.apply([change('10.96.0.0/12', [path('10.96.0.0/12', local)]), change('10.244.7.9/32', [path('10.244.7.9/32', kernelSource)])]);
    expect(fib.take()).toEqual([
      { op: 'remove', prefix: '10.96.0.0/12' },
      { op: 'remove', prefix: '10.244.7.9/32' },
    ]);
  });

  it('removes a route whose best path went, and never installs a service range learned from a peer', () => {
    const { fib, sink } = setUp();
    sink.apply([change('10.244.2.0/26', []), change('10.96.0.0/12', [path('10.96.0.0/12', peer('10.0.0.2'), '10.0.0.2')])]);
    expect(fib.take()).toEqual([
      { op: 'remove', prefix: '10.244.2.0/26' },
      { op: 'remove', prefix: '10.96.0.0/12' },
    ]);
  });

  it('installs a link-local-only IPv6 next hop on the session’s interface, the global one when it is on-link (RFC 2545 §3)', () => {
    const { fib, sink } = setUp({ nics: { '2001:db8:1::2': 'veth1' }, peerInterfaces: { 'Mesh_fe80::9': 'eth9' } });
    const ll = 'fe80::2';
    sink.apply([
      change('2001:db8:10::/48', [path('2001:db8:10::/48', peer('2001:db8:1::2'), ll)]),
      change('2001:db8:11::/48', [path('2001:db8:11::/48', peer('2001:db8:1::2'), '2001:db8:1::2', ll)]),
      change('2001:db8:12::/48', [path('2001:db8:12::/48', peer('fe80::9'), 'fe80::9')]),
    ]);
    expect(fib.take().map((c) => (c.op === 'replace' ? c.route.nextHops : c))).toEqual([
      [{ gateway: ll, device: 'veth1', onlink: false }],
      [{ gateway: '2001:db8:1::2', device: 'veth1', onlink: false }],
      [{ gateway: 'fe80::9', device: 'eth9', onlink: false }],
    ]);
  });

  it('does not install a link-local next hop of a session on no known link: warns and counts once, installs when the link appears', () => {
    const warnings: object[] = [];
    const log: KernelLog = { ...silent, warn: (fields) => warnings.push(fields) };
    const { fib, rib, sink, nics, runScheduled } = setUp({ nics: {}, log });
    const multipath = [path('2001:db8:10::/48', peer('2001:db8:1::2'), 'fe80::2')];
    rib.sets.set('2001:db8:10::/48', multipath);
    sink.apply([change('2001:db8:10::/48', multipath)]);
    sink.reprogram();
    expect(fib.take()).toEqual([
      { op: 'remove', prefix: '2001:db8:10::/48' },
      { op: 'remove', prefix: '2001:db8:10::/48' },
    ]);
    expect(warnings).toEqual([{ prefix: '2001:db8:10::/48', reason: 'link-local-without-interface', nextHops: ['fe80::2'] }]);
    expect(sink.skipped['link-local-without-interface']).toBe(1);
    nics.set('2001:db8:1::2', 'veth1');
    fib.emit([{ kind: 'interfaces' }]);
    runScheduled();
    expect(fib.take()).toEqual([{ op: 'replace', route: { prefix: '2001:db8:10::/48', type: 'unicast', nextHops: [{ gateway: 'fe80::2', device: 'veth1', onlink: false }] } }]);
  });

  it('re-resolves native next hops once per burst of interface events, and only those', () => {
    const { fib, rib, sink, nics, runScheduled } = setUp({ nics: {} });
    const native = [path('10.244.2.0/26', peer('10.0.0.2'), '10.0.0.2')];
    const ipip = [path('10.245.2.0/26', peer('10.0.0.2'), '10.0.0.2')];
    rib.sets.set('10.244.2.0/26', native);
    rib.sets.set('10.245.2.0/26', ipip);
    sink.apply([change('10.244.2.0/26', native), change('10.245.2.0/26', ipip)]);
    expect(fib.take().map((c) => (c.op === 'replace' ? c.route.nextHops : c))).toEqual([
      [{ gateway: '10.0.0.2', onlink: false }],
      [{ gateway: '10.0.0.2', device: 'tunl0', onlink: true }],
    ]);
    nics.set('10.0.0.2', 'eth1');
    fib.emit([{ kind: 'interfaces' }]);
    fib.emit([{ kind: 'interfaces' }]);
    runScheduled();
    expect(fib.take()).toEqual([{ op: 'replace', route: { prefix: '10.244.2.0/26', type: 'unicast', nextHops: [{ gateway: '10.0.0.2', device: 'eth1', onlink: false }] } }]);
  });

  it('applies new blocks and encapsulation on reconfigure, re-deciding every best path', () => {
    const { fib, rib, sink } = setUp();
    const set = [path('10.245.2.0/26', peer('10.0.0.2'), '10.0.0.2')];
    rib.sets.set('10.245.2.0/26', set);
    sink.reconfigure(new Encapsulation({ ...ENCAP, pools: [{ cidr: '10.245.0.0/16', ipipMode: 'Never', vxlanMode: 'Never' }] }), ['10.244.3.0/26']);
    expect(fib.take()).toEqual([
      { op: 'remove', prefix: '10.244.1.0/26' },
      { op: 'replace', route: { prefix: '10.244.3.0/26', type: 'blackhole', nextHops: [] } },
      { op: 'replace', route: { prefix: '10.245.2.0/26', type: 'unicast', nextHops: [{ gateway: '10.0.0.2', device: 'eth0', onlink: false }] } },
    ]);
  });

  it('writes nothing once frozen (stopping with persist: the RIB empties, the kernel keeps its routes)', () => {
    const { fib, rib, sink } = setUp();
    sink.freeze();
    sink.apply([change('10.244.2.0/26', [])]);
    fib.emit([learned('10.244.1.5/32', 'added')]);
    expect(fib.take()).toEqual([]);
    expect(rib.learned).toEqual([]);
  });
});

describe('KernelSink: other owners\u2019 kernel routes to the RIB (BIRD learn)', () => {
  it('originates each learned prefix once with its interface and metric, and withdraws it when it goes', () => {
    const { fib, rib } = setUp();
    const felixBlackhole: LearnEvent = { kind: 'learned', change: 'added', prefix: '10.244.1.0/26', protocol: 80, type: 'blackhole', metric: 0 };
    fib.emit([learned('10.244.1.5/32', 'added'), felixBlackhole]);
    fib.emit([learned('10.244.1.5/32', 'removed')]);
    expect(rib.learned).toEqual([
      ['10.244.1.5/32', { ifname: 'cali1', metric: 0 }],
      ['10.244.1.0/26', { ifname: '', metric: 0 }],
      ['10.244.1.5/32', undefined],
    ]);
  });

  it('keeps the lowest metric of a prefix (BIRD krt_learn) and tells the RIB only about changes', () => {
    const { fib, rib } = setUp();
    fib.emit([learned('10.244.7.9/32', 'added', { metric: 1024, ifname: 'cali2' })]);
    fib.emit([learned('10.244.7.9/32', 'added', { metric: 512, ifname: 'cali3' })]);
    fib.emit([learned('10.244.7.9/32', 'added', { metric: 1024, ifname: 'cali2' })]);
    fib.emit([learned('10.244.7.9/32', 'removed', { metric: 512, ifname: 'cali3' })]);
    expect(rib.learned).toEqual([
      ['10.244.7.9/32', { ifname: 'cali2', metric: 1024 }],
      ['10.244.7.9/32', { ifname: 'cali3', metric: 512 }],
      ['10.244.7.9/32', { ifname: 'cali2', metric: 1024 }],
    ]);
  });
});
