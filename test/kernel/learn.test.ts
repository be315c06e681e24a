import { describe, expect, it } from 'vitest';
import { ForeignRoutes, learnedRouteOf } from '../../src/kernel/learn.js';
import { type RouteMessage, RtProt, RtnType, RtScope } from '../../src/kernel/netlink/index.js';
import { routeKey, sameRoute, toRouteMessage } from '../../src/kernel/route-message.js';

const names = new Map([[5, 'cali12345'], [3, 'eth0']]);
const nameOf = (index: number | undefined) => (index === undefined ? undefined : names.get(index));
const base = { family: 4 as const, table: 254, scope: RtScope.UNIVERSE, flags: 0 };
const podRoute: RouteMessage = { ...base, dst: '10.244.1.5/32', protocol: RtProt.BOOT, scope: RtScope.LINK, type: RtnType.UNICAST, oif: 5, priority: 1024 };
const felixBlock: RouteMessage = { ...base, dst: '10.244.1.0/26', protocol: 80, type: RtnType.BLACKHOLE };
const connected: RouteMessage = { ...base, dst: '192.0.2.0/24', protocol: RtProt.KERNEL, scope: RtScope.LINK, type: RtnType.UNICAST, oif: 3 };

describe('learned routes (BIRD learn, CALICO.md §3)', () => {
  it('learns Felix\u2019s pod /32 with its interface and metric, and its blackhole blocks', () => {
    expect(learnedRouteOf(podRoute, nameOf)).toEqual({ prefix: '10.244.1.5/32', protocol: 3, type: 'unicast', metric: 1024, ifname: 'cali12345' });
    expect(learnedRouteOf(felixBlock, nameOf)).toEqual({ prefix: '10.244.1.0/26', protocol: 80, type: 'blackhole', metric: 0 });
  });

  it('does not learn connected (kernel) routes or local/broadcast route types', () => {
    expect(learnedRouteOf(connected, nameOf)).toBeUndefined();
    expect(learnedRouteOf({ ...podRoute, type: RtnType.LOCAL }, nameOf)).toBeUndefined();
  });

  it('tracks which kernel keys another owner holds, and reports a route replaced in place as removed then added', () => {
    const foreign = new ForeignRoutes(nameOf);
    expect(foreign.load([podRoute, connected])).toEqual([expect.objectContaining({ change: 'added', prefix: '10.244.1.5/32' })]);
    expect(foreign.holds(routeKey('192.0.2.0/24', undefined))).toBe(true);
    expect(foreign.holds(routeKey('10.244.1.5/32', 1024))).toBe(true);
    expect(foreign.holds(routeKey('10.244.1.5/32', undefined))).toBe(false);
    const moved = foreign.apply({ ...podRoute, oif: 3 }, 'new');
    expect(moved.map((e) => [e.change, e.ifname])).toEqual([['removed', 'cali12345'], ['added', 'eth0']]);
    // A dump that no longer has a route reports it removed; one unchanged reports nothing.
    expect(foreign.load([connected]).map((e) => [e.change, e.prefix])).toEqual([['removed', '10.244.1.5/32']]);
    expect(foreign.apply(connected, 'del')).toEqual([]);
    expect(foreign.holds(routeKey('192.0.2.0/24', undefined))).toBe(false);
  });
});

describe('route messages and kernel keys', () => {
  const target = { table: 254, protocol: 12 };
  const indexOf = (name: string) => ({ tunl0: 7, eth0: 3 })[name];

  it('keys IPv6 routes under metric 1024, the kernel\u2019s default, and IPv4 under 0', () => {
    expect(routeKey('2001:db8::/32', undefined)).toBe(routeKey('2001:db8::/32', 1024));
    expect(routeKey('10.0.0.0/8', undefined)).toBe('10.0.0.0/8');
    expect(toRouteMessage({ prefix: '2001:db8::/32', type: 'blackhole', nextHops: [] }, target, indexOf)).toMatchObject({ priority: 1024 });
  });

  it('names a missing device instead of writing an ifindex of nothing', () => {
    expect(toRouteMessage({ prefix: '10.0.0.0/8', type: 'unicast', nextHops: [{ gateway: '1.2.3.4', device: 'gone0', onlink: true }] }, target, indexOf)).toEqual({
      missingDevice: 'gone0',
    });
  });

  it('compares a wanted route with a dump: only ONLINK among the flags, the interface only where one was named', () => {
    const wanted = toRouteMessage({ prefix: '10.0.0.0/8', type: 'unicast', nextHops: [{ gateway: '1.2.3.4', device: 'tunl0', onlink: true }] }, target, indexOf);
    if ('missingDevice' in wanted) throw new Error('resolved');
    expect(sameRoute(wanted, { ...wanted, flags: wanted.flags | 16 })).toBe(true); // RTNH_F_LINKDOWN
    expect(sameRoute(wanted, { ...wanted, flags: 0 })).toBe(false);
    expect(sameRoute(wanted, { ...wanted, oif: 3 })).toBe(false);
    expect(sameRoute(wanted, { ...wanted, gateway: '1.2.3.5' })).toBe(false);
    const native = toRouteMessage({ prefix: '10.0.0.0/8', type: 'unicast', nextHops: [{ gateway: '1.2.3.4', onlink: false }] }, target, indexOf);
    if ('missingDevice' in native) throw new Error('resolved');
    expect(sameRoute(native, { ...native, oif: 3 })).toBe(true);
    // An IPv6 blackhole dumps with a next hop through lo: still the same blackhole.
    const hole = toRouteMessage({ prefix: '2001:db8::/32', type: 'blackhole', nextHops: [] }, target, indexOf);
    if ('missingDevice' in hole) throw new Error('resolved');
    expect(sameRoute(hole, { ...hole, oif: 1 })).toBe(true);
  });
});
