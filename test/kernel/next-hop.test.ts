import { describe, expect, it } from 'vitest';
import type { ConnectedSubnets } from '../../src/kernel/interfaces.js';
import { isIpv6LinkLocal as isLinkLocal } from '../../src/bgp/address.js';
import { chooseGateway, globalAddressOf, sessionInterface } from '../../src/kernel/next-hop.js';

/** 2001:db8:1::/64 on veth1, 2001:db8:2::/64 on veth2; every interface also has fe80::/64, which must never answer. */
const interfaces: ConnectedSubnets = {
  interfaceFor: (address) => {
    if (address.startsWith('2001:db8:1::')) return 'veth1';
    if (address.startsWith('2001:db8:2::')) return 'veth2';
    if (address.startsWith('fe80:')) return 'wrong0';
    return undefined;
  },
};

const PEER_LL = 'fe80::1:2ff:fe00:2';

describe('IPv6 next hops: global or link-local (RFC 2545 §3, BIRD gateway direct)', () => {
  it('recognises fe80::/10 and nothing else as link-local', () => {
    expect(['fe80::1', 'febf::1', 'FE80::a'].map(isLinkLocal)).toEqual([true, true, true]);
    expect(['fec0::1', '2001:db8::1', '::', '10.0.0.1', 'fe80'].map(isLinkLocal)).toEqual([false, false, false, false, false]);
  });

  it('takes the global address of a 32-octet next hop when it is on a connected subnet', () => {
    expect(chooseGateway({ addresses: ['2001:db8:1::2', PEER_LL], peerAddress: '2001:db8:1::2' }, interfaces)).toEqual({
      kind: 'global',
      gateway: '2001:db8:1::2',
      device: 'veth1',
    });
  });

  it('hands an off-link global to the kernel to resolve, ignoring the link-local beside it', () => {
    expect(chooseGateway({ addresses: ['2001:db8:99::7', PEER_LL], peerAddress: '2001:db8:1::2' }, interfaces)).toEqual({ kind: 'global', gateway: '2001:db8:99::7' });
  });

  it('uses a link-local-only next hop on the interface of the session (the peer address\u2019s connected subnet)', () => {
    expect(chooseGateway({ addresses: [PEER_LL], peerAddress: '2001:db8:2::9' }, interfaces)).toEqual({ kind: 'link-local', gateway: PEER_LL, device: 'veth2' });
  });

  it('treats an unspecified or link-local "global" as absent (BIRD over link-local sends ::, FRR repeats the link-local)', () => {
    const expected = { kind: 'link-local', gateway: PEER_LL, device: 'veth1' };
    expect(chooseGateway({ addresses: ['::', PEER_LL], peerAddress: '2001:db8:1::2' }, interfaces)).toEqual(expected);
    expect(chooseGateway({ addresses: [PEER_LL, PEER_LL], peerAddress: '2001:db8:1::2' }, interfaces)).toEqual(expected);
    expect(globalAddressOf({ addresses: ['::', PEER_LL] })).toBeUndefined();
  });

  it('uses the configured interface of a link-local peer, never a guess from fe80::/64', () => {
    expect(chooseGateway({ addresses: [PEER_LL], peerAddress: PEER_LL, peerInterface: 'eth7' }, interfaces)).toEqual({ kind: 'link-local', gateway: PEER_LL, device: 'eth7' });
    expect(sessionInterface({ addresses: [PEER_LL], peerAddress: PEER_LL }, interfaces)).toBeUndefined();
  });

  it('refuses a link-local next hop whose session runs over no known link (multihop)', () => {
    expect(chooseGateway({ addresses: [PEER_LL], peerAddress: '2001:db8:77::1' }, interfaces)).toEqual({ kind: 'none', reason: 'link-local-without-interface' });
    expect(chooseGateway({ addresses: [PEER_LL] }, interfaces)).toEqual({ kind: 'none', reason: 'link-local-without-interface' });
  });

  it('has nothing to offer for an empty or all-zero next hop', () => {
    expect(chooseGateway({ addresses: [] }, interfaces)).toEqual({ kind: 'none', reason: 'no-next-hop' });
    expect(chooseGateway({ addresses: ['::'] }, interfaces)).toEqual({ kind: 'none', reason: 'no-next-hop' });
  });

  it('keeps IPv4 next hops as they are', () => {
    expect(chooseGateway({ addresses: ['192.0.2.1'] }, interfaces)).toEqual({ kind: 'global', gateway: '192.0.2.1' });
  });
});
