import { describe, expect, it } from 'vitest';
import { RtProt, RtScope, RtTable, RtaType, RtmType, RtnType, RtnhFlag } from '../../../src/kernel/netlink/constants.js';
import type { NetlinkEncodeError } from '../../../src/kernel/netlink/errors.js';
import { decodeRtnetlink } from '../../../src/kernel/netlink/index.js';
import { encodeRequest, splitDatagram } from '../../../src/kernel/netlink/message.js';
import { type RouteMessage, decodeRouteBody, routeDeletion, writeRouteBody } from '../../../src/kernel/netlink/route.js';
import { bytes, canonical, headerOf, ifindexIn, le16, le32, loadFixture, nlmsg, rtattr } from './helpers.js';

const RTMSG = 12;
const main = RtTable.MAIN;
const bird = RtProt.BIRD;

/** What each request captured from iproute2 means; `dev` is the capture's veth0 ifindex. */
const CAPTURED: readonly [string, (dev: number) => RouteMessage][] = [
  ['route-v4-onlink', (dev) => ({ family: 4, dst: '10.1.2.0/26', table: main, protocol: bird, scope: RtScope.UNIVERSE, type: RtnType.UNICAST, flags: RtnhFlag.ONLINK, gateway: '192.0.2.254', oif: dev, priority: 50 })],
  ['route-v6-gateway', (dev) => ({ family: 6, dst: '2001:db8:1::/48', table: main, protocol: bird, scope: RtScope.UNIVERSE, type: RtnType.UNICAST, flags: 0, gateway: '2001:db8:ff::fe', oif: dev, priority: 1024 })],
  ['route-v4-blackhole', () => ({ family: 4, dst: '10.1.3.0/26', table: main, protocol: bird, scope: RtScope.UNIVERSE, type: RtnType.BLACKHOLE, flags: 0 })],
  ['route-v6-blackhole', () => ({ family: 6, dst: '2001:db8:2::/122', table: main, protocol: bird, scope: RtScope.UNIVERSE, type: RtnType.BLACKHOLE, flags: 0 })],
  ['route-v4-multipath', (dev) => ({
    family: 4, dst: '10.1.4.0/26', table: main, protocol: bird, scope: RtScope.UNIVERSE, type: RtnType.UNICAST, flags: 0,
    multipath: [
      { gateway: '192.0.2.1', ifindex: dev, flags: RtnhFlag.ONLINK, weight: 1 },
      { gateway: '192.0.2.2', ifindex: dev, flags: RtnhFlag.ONLINK, weight: 3 },
    ],
  })],
  ['route-v4-table', (dev) => ({ family: 4, dst: '10.1.5.0/26', table: 1000, protocol: bird, scope: RtScope.UNIVERSE, type: RtnType.UNICAST, flags: 0, gateway: '192.0.2.254', oif: dev })],
  ['route-v4-replace', (dev) => ({ family: 4, dst: '10.1.6.0/26', table: main, protocol: bird, scope: RtScope.UNIVERSE, type: RtnType.UNICAST, flags: 0, gateway: '192.0.2.254', oif: dev, prefsrc: '192.0.2.10' })],
  ['route-v4-delete', () => routeDeletion({ family: 4, dst: '10.1.3.0/26', table: main, protocol: bird, scope: RtScope.UNIVERSE, type: RtnType.BLACKHOLE, flags: 0 })],
];

describe('routes against iproute2 captures (rtnetlink(7))', () => {
  it.each(CAPTURED)('decodes %s', (name, expected) => {
    const fixture = loadFixture(name);
    const [message] = splitDatagram(fixture.datagrams[0]!);
    const decoded = decodeRtnetlink(message!);
    expect(decoded).toEqual({ kind: 'route', op: name.endsWith('delete') ? 'del' : 'new', seq: message!.seq, route: expected(ifindexIn(fixture, 'veth0')) });
  });

  it.each(CAPTURED)('encodes %s to the same header, rtmsg and attributes as iproute2', (name, expected) => {
    const fixture = loadFixture(name);
    const captured = fixture.datagrams[0]!;
    const { type, flags, seq } = headerOf(captured);
    const ours = encodeRequest(type, flags, seq, writeRouteBody, expected(ifindexIn(fixture, 'veth0')));
    expect(ours.length).toBe(headerOf(captured).length);
    expect(canonical(ours, RTMSG)).toEqual(canonical(captured, RTMSG));
  });
});

describe('route encoding (hand-built bytes)', () => {
  const rtmsg = (family: number, dstLen: number, table: number, protocol: number, scope: number, type: number, flags: number): Buffer =>
    Buffer.concat([bytes(family, dstLen, 0, 0, table, protocol, scope, type), le32(flags)]);

  it('writes an on-link route via tunl0 as BIRD does for Calico IPIP (rtm_flags RTNH_F_ONLINK)', () => {
    const route: RouteMessage = { family: 4, dst: '10.244.7.0/26', table: main, protocol: bird, scope: 0, type: RtnType.UNICAST, flags: RtnhFlag.ONLINK, gateway: '172.18.0.7', oif: 9 };
    expect(encodeRequest(RtmType.NEWROUTE, 0x501, 1, writeRouteBody, route)).toEqual(
      nlmsg(RtmType.NEWROUTE, 0x501, 1, 0, rtmsg(2, 26, 254, 12, 0, 1, 4), rtattr(RtaType.DST, bytes(10, 244, 7, 0)), rtattr(RtaType.GATEWAY, bytes(172, 18, 0, 7)), rtattr(RtaType.OIF, le32(9))),
    );
  });

  it('puts a table above 255 in RTA_TABLE with rtm_table RT_TABLE_UNSPEC, and omits RTA_DST for a default route', () => {
    const route: RouteMessage = { family: 4, dst: '0.0.0.0/0', table: 70000, protocol: 201, scope: 0, type: RtnType.UNREACHABLE, flags: 0, priority: 7 };
    expect(encodeRequest(RtmType.NEWROUTE, 1, 2, writeRouteBody, route)).toEqual(
      nlmsg(RtmType.NEWROUTE, 1, 2, 0, rtmsg(2, 0, 0, 201, 0, 7, 0), rtattr(RtaType.TABLE, le32(70000)), rtattr(RtaType.PRIORITY, le32(7))),
    );
  });

  it('writes an IPv6 multipath route with rtnh_hops = weight - 1 and a gateway attribute per next hop', () => {
    const route: RouteMessage = {
      family: 6, dst: '2001:db8::/32', table: main, protocol: bird, scope: 0, type: RtnType.UNICAST, flags: 0,
      multipath: [{ gateway: 'fe80::1', ifindex: 2, flags: 0, weight: 256 }, { ifindex: 5, flags: RtnhFlag.ONLINK, weight: 1 }],
    };
    const gw = Buffer.from('fe800000000000000000000000000001', 'hex');
    const hop1 = Buffer.concat([le16(8 + 20), bytes(0, 255), le32(2), rtattr(RtaType.GATEWAY, gw)]);
    const hop2 = Buffer.concat([le16(8), bytes(4, 0), le32(5)]);
    expect(encodeRequest(RtmType.NEWROUTE, 1, 3, writeRouteBody, route)).toEqual(
      nlmsg(RtmType.NEWROUTE, 1, 3, 0, rtmsg(10, 32, 254, 12, 0, 1, 0), rtattr(RtaType.DST, Buffer.from('20010db8000000000000000000000000', 'hex')), rtattr(RtaType.MULTIPATH, hop1, hop2)),
    );
  });

  it('writes an IPv6 gateway of an IPv4 route as RTA_VIA (RFC 5549)', () => {
    const route: RouteMessage = { family: 4, dst: '10.0.0.0/8', table: main, protocol: bird, scope: 0, type: 1, flags: 0, gateway: 'fe80::2', oif: 3 };
    const via = Buffer.concat([le16(10), Buffer.from('fe800000000000000000000000000002', 'hex')]);
    const encoded = encodeRequest(RtmType.NEWROUTE, 1, 4, writeRouteBody, route);
    expect(encoded).toEqual(nlmsg(RtmType.NEWROUTE, 1, 4, 0, rtmsg(2, 8, 254, 12, 0, 1, 0), rtattr(RtaType.DST, bytes(10, 0, 0, 0)), rtattr(RtaType.VIA, via), rtattr(RtaType.OIF, le32(3))));
    expect(decodeRouteBody(encoded.subarray(16))).toEqual(route);
  });

  it('reads RTA_TABLE over rtm_table, as the kernel dumps tables above 255 (rtm_table RT_TABLE_COMPAT)', () => {
    const body = Buffer.concat([rtmsg(2, 24, 252, 12, 0, 1, 0), rtattr(RtaType.TABLE, le32(1000)), rtattr(RtaType.DST, bytes(10, 1, 5, 0))]);
    expect(decodeRouteBody(body)).toMatchObject({ table: 1000, dst: '10.1.5.0/24' });
  });

  it.each([
    ['a prefix of the other family', { dst: '2001:db8::/32' }, 'bad-prefix'],
    ['a prefix without a length', { dst: '10.0.0.0' }, 'bad-prefix'],
    ['a prefix length over 32', { dst: '10.0.0.0/33' }, 'bad-prefix'],
    ['an address that is not one', { gateway: '10.0.0.256' }, 'bad-address'],
    ['a protocol over 255', { protocol: 256 }, 'out-of-range'],
    ['a metric over 2^32-1', { priority: 2 ** 32 }, 'out-of-range'],
    ['a weight of 0', { multipath: [{ ifindex: 1, flags: 0, weight: 0 }] }, 'out-of-range'],
  ])('refuses to encode %s', (_name, change, id) => {
    const route = { family: 4, dst: '10.0.0.0/8', table: main, protocol: bird, scope: 0, type: 1, flags: 0, ...change } as RouteMessage;
    expect(() => encodeRequest(RtmType.NEWROUTE, 1, 1, writeRouteBody, route)).toThrow(expect.objectContaining({ id }) as NetlinkEncodeError);
  });
});
