// Persist hand-over (RFC 4724 §4.1): routes adopted from a previous run go only once every peer
// has sent End-of-RIB for every family it negotiated, or once the restart time has passed.
import { describe, expect, it, vi } from 'vitest';
import { Afi, Safi } from '../../src/bgp/constants.js';
import { endOfRib } from '../../src/bgp/end-of-rib.js';
import { effectivePeers } from '../../src/config/peers.js';
import { KernelPlane } from '../../src/daemon/kernel-plane.js';
import { SessionObserver } from '../../src/daemon/session-observer.js';
import type { KernelLog } from '../../src/kernel/fib-port.js';
import { config, ManualTimers, MemoryNetwork, turns } from './harness.js';

const silent: KernelLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
const NODE = config(`
node: {name: node-a, ipv4Address: 10.0.0.1/24}
mesh: {enabled: false}
pools: [{cidr: 10.244.0.0/16, blockSize: 26}]
blocks: [10.244.1.0/26]
`);

function plane(timers: ManualTimers) {
  const kernel = new KernelPlane({
    config: NODE,
    rib: { multipath: () => [], forEachBest: () => undefined, learnKernelRoute: () => undefined },
    log: silent,
    timers,
  });
  const release = vi.spyOn(kernel.fib, 'releaseStale').mockImplementation(() => undefined);
  return { kernel, release };
}

describe('End-of-RIB tracking (RFC 4724 §2)', () => {
  it('reports a peer\u2019s table complete once End-of-RIB arrived for every negotiated family, once', async () => {
    const network = new MemoryNetwork();
    const complete: string[] = [];
    const observer = new SessionObserver({ onTableComplete: (peer) => complete.push(peer) });
    const backend = observer.wrap(network.backend('10.0.0.1'));
    const withPeer = config(`node: {name: node-a, ipv4Address: 10.0.0.1/24}\nmesh: {enabled: false}\npeers: [{name: b, address: 10.0.0.2, asNumber: 64512}]\n`);
    const session = backend.create(effectivePeers(withPeer)[0]!, withPeer);
    const remote = network.scripted({ name: 'a', localAddress: '10.0.0.2', address: '10.0.0.1', asNumber: 64512, localAs: 64512, routerId: '10.0.0.2' });
    session.start();
    remote.start();
    remote.sendMessage(endOfRib(Afi.IPV4, Safi.UNICAST));
    await turns();
    // The in-memory sessions negotiate IPv4 and IPv6 unicast: one End-of-RIB is not enough.
    expect(complete).toEqual([]);
    remote.sendMessage(endOfRib(Afi.IPV6, Safi.UNICAST));
    remote.sendMessage(endOfRib(Afi.IPV6, Safi.UNICAST));
    await turns();
    expect(complete).toEqual(['b']);
    expect(observer.messages('b')?.received.update).toBe(3);
  });
});

describe('stale kernel route release', () => {
  it('releases once every peer\u2019s table is complete, not before', async () => {
    const timers = new ManualTimers();
    const { kernel, release } = plane(timers);
    kernel.awaitTables(['a', 'b'], 120);
    kernel.tableComplete('a');
    kernel.tableComplete('a');
    await turns(3);
    expect(release).not.toHaveBeenCalled();
    kernel.tableComplete('b');
    await turns(3);
    expect(release).toHaveBeenCalledTimes(1);
    // The restart timer was cancelled: nothing more happens when it would have fired.
    timers.advance(120_000);
    await turns(3);
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('releases after the restart time when a peer never sends End-of-RIB', async () => {
    const timers = new ManualTimers();
    const { kernel, release } = plane(timers);
    kernel.awaitTables(['a', 'b'], 120);
    kernel.tableComplete('a');
    timers.advance(119_999);
    await turns(3);
    expect(release).not.toHaveBeenCalled();
    timers.advance(1);
    await turns(3);
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('releases at once with no peers to wait for', async () => {
    const { kernel, release } = plane(new ManualTimers());
    kernel.awaitTables([], 120);
    await turns(3);
    expect(release).toHaveBeenCalledTimes(1);
  });
});
