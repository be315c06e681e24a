/**
 * fast-check arbitraries for the rtnetlink codec's typed messages, in the canonical text forms
 * the decoders produce (RFC 5952 IPv6, prefixes without host bits, lower-case MACs).
 */
import fc from 'fast-check';
import { formatIpv4, formatIpv6, formatPrefix } from '../../../src/bgp/address.js';
import type { AddressMessage } from '../../../src/kernel/netlink/address.js';
import type { LinkMessage } from '../../../src/kernel/netlink/link.js';
import type { NeighMessage } from '../../../src/kernel/netlink/neigh.js';
import type { NextHop, RouteMessage } from '../../../src/kernel/netlink/route.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u8 = fc.integer({ min: 0, max: 255 });
const ifindex = fc.integer({ min: 1, max: 0x7fffffff });

export const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIpv4(b));
export const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b));
const ip = (family: 4 | 6): fc.Arbitrary<string> => (family === 4 ? ipv4 : ipv6);
const prefix = (family: 4 | 6): fc.Arbitrary<string> =>
  fc
    .tuple(fc.uint8Array({ minLength: family === 4 ? 4 : 16, maxLength: family === 4 ? 4 : 16 }), fc.integer({ min: 0, max: family === 4 ? 32 : 128 }))
    .map(([b, len]) => formatPrefix(family, b, len));
export const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));

const nextHop = (family: 4 | 6): fc.Arbitrary<NextHop> =>
  fc.record(
    { gateway: fc.oneof(ip(family), ip(family === 4 ? 6 : 4)), ifindex, flags: u8, weight: fc.integer({ min: 1, max: 256 }) },
    { requiredKeys: ['ifindex', 'flags', 'weight'] },
  );

export const route: fc.Arbitrary<RouteMessage> = fc.constantFrom<4 | 6>(4, 6).chain((family) =>
  fc.record(
    {
      family: fc.constant(family),
      dst: prefix(family),
      table: fc.oneof(fc.integer({ min: 1, max: 255 }), fc.integer({ min: 256, max: 0xffffffff })),
      protocol: u8,
      scope: u8,
      type: u8,
      flags: u32,
      gateway: fc.oneof(ip(family), ip(family === 4 ? 6 : 4)),
      oif: ifindex,
      priority: u32,
      prefsrc: ip(family),
      multipath: fc.array(nextHop(family), { minLength: 1, maxLength: 4 }),
    },
    { requiredKeys: ['family', 'dst', 'table', 'protocol', 'scope', 'type', 'flags'] },
  ),
);

const name = fc.stringMatching(/^[a-z][a-z0-9.]{0,14}$/);
export const link: fc.Arbitrary<LinkMessage> = fc
  .record(
    {
      family: u8,
      index: fc.integer({ min: 0, max: 0x7fffffff }),
      type: fc.integer({ min: 0, max: 0xffff }),
      flags: u32,
      change: u32,
      name,
      mtu: u32,
      address: mac,
      link: ifindex,
      master: ifindex,
      kind: fc.constantFrom('veth', 'bridge', 'dummy'),
    },
    { requiredKeys: ['family', 'index', 'type', 'flags', 'change'] },
  )
  .chain((l) =>
    fc.oneof(
      fc.constant(l),
      fc
        .record(
          { vni: fc.integer({ min: 0, max: 0xffffff }), local: fc.oneof(ipv4, ipv6), link: ifindex, port: fc.integer({ min: 0, max: 0xffff }), learning: fc.boolean() },
          { requiredKeys: ['vni'] },
        )
        .map((vxlan): LinkMessage => ({ ...l, kind: 'vxlan', vxlan })),
    ),
  );

export const address: fc.Arbitrary<AddressMessage> = fc.constantFrom<4 | 6>(4, 6).chain((family) =>
  fc.record(
    {
      family: fc.constant(family),
      prefixLength: fc.integer({ min: 0, max: family === 4 ? 32 : 128 }),
      flags: u8,
      scope: u8,
      index: ifindex,
      address: ip(family),
      local: ip(family),
      label: name,
    },
    { requiredKeys: ['family', 'prefixLength', 'flags', 'scope', 'index'] },
  ),
);

export const neigh: fc.Arbitrary<NeighMessage> = fc.constantFrom<4 | 6 | 'bridge'>(4, 6, 'bridge').chain((family) =>
  fc.record(
    {
      family: fc.constant(family),
      ifindex,
      state: fc.integer({ min: 0, max: 0xffff }),
      flags: u8,
      type: u8,
      dst: family === 'bridge' ? fc.oneof(ipv4, ipv6) : ip(family),
      lladdr: mac,
      vni: u32,
      master: ifindex,
    },
    { requiredKeys: ['family', 'ifindex', 'state', 'flags', 'type'] },
  ),
);
