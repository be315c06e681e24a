// Which link a session runs over and our addresses on it (RFC 2545 §3), from an interface table
// shaped as os.networkInterfaces() returns it.
import type os from 'node:os';
import { describe, expect, it } from 'vitest';
import { localAddressListed, ownIpv6NextHop, sessionLink, type InterfaceAddresses } from '../../src/daemon/session-link.js';

function v6(address: string, prefixLength: number, scopeid = 0): os.NetworkInterfaceInfo {
  return { address, netmask: '', family: 'IPv6', mac: '02:00:00:00:00:02', internal: false, cidr: `${address}/${prefixLength}`, scopeid };
}

function v4(address: string, prefixLength: number): os.NetworkInterfaceInfo {
  return { address, netmask: '', family: 'IPv4', mac: '02:00:00:00:00:02', internal: false, cidr: `${address}/${prefixLength}` };
}

const TABLE: InterfaceAddresses = () => ({
  lo: [{ address: '::1', netmask: '', family: 'IPv6', mac: '00:00:00:00:00:00', internal: true, cidr: '::1/128', scopeid: 0 }, v6('fd00:ffff::2', 128)],
  eth0: [v4('10.0.0.2', 24), v6('fd00::2', 64), v6('fe80::ff:fe00:2', 64, 2)],
  eth1: [v6('fe80::ff:fe00:12', 64, 3)],
});

describe('localAddressListed', () => {
  it('tells an address some interface lists from one none lists yet (an interface not running)', () => {
    expect(localAddressListed('fd00:0::2', TABLE)).toBe(true);
    expect(localAddressListed('fd00::99', TABLE)).toBe(false);
    expect(localAddressListed('not an address', TABLE)).toBe(false);
  });
});

describe('sessionLink', () => {
  it('finds the interface holding the local address when the peer is on its subnet, with its link-local', () => {
    expect(sessionLink({ peerAddress: 'fd00::1', localAddress: 'fd00::2' }, TABLE)).toEqual({ interface: 'eth0', linkLocal: 'fe80::ff:fe00:2', global: 'fd00::2' });
    // The local address in another spelling is the same address.
    expect(sessionLink({ peerAddress: 'fd00:0::1', localAddress: 'fd00:0:0::2' }, TABLE)?.interface).toBe('eth0');
  });

  it('has no link for a multihop peer: off the interface\u2019s subnets, or sourced from a /128', () => {
    expect(sessionLink({ peerAddress: 'fd01::1', localAddress: 'fd00::2' }, TABLE)).toBeUndefined();
    expect(sessionLink({ peerAddress: 'fd00:ffff::1', localAddress: 'fd00:ffff::2' }, TABLE)).toBeUndefined();
    expect(sessionLink({ peerAddress: 'fd00::1', localAddress: 'fd00::99' }, TABLE)).toBeUndefined();
    expect(sessionLink({ peerAddress: 'fd00::1' }, TABLE)).toBeUndefined();
  });

  it('takes a link-local peer\u2019s configured interface as the link, and the session\u2019s own link-local', () => {
    expect(sessionLink({ peerAddress: 'fe80::1', peerInterface: 'eth1', localAddress: 'fe80::ff:fe00:12' }, TABLE)).toEqual({ interface: 'eth1', linkLocal: 'fe80::ff:fe00:12' });
    // Before the socket says which, the interface's link-local; its global comes along.
    expect(sessionLink({ peerAddress: 'fe80::1', peerInterface: 'eth0' }, TABLE)).toEqual({ interface: 'eth0', linkLocal: 'fe80::ff:fe00:2', global: 'fd00::2' });
    expect(sessionLink({ peerAddress: 'fe80::1', peerInterface: 'gone0' }, TABLE)).toEqual({ interface: 'gone0' });
  });

  it('has no link-local when the interface has none (IPv6 link-local addresses turned off)', () => {
    const bare: InterfaceAddresses = () => ({ eth0: [v6('fd00::2', 64)] });
    expect(sessionLink({ peerAddress: 'fd00::1', localAddress: 'fd00::2' }, bare)).toEqual({ interface: 'eth0', global: 'fd00::2' });
  });
});

describe('ownIpv6NextHop', () => {
  it('is the session\u2019s global address and the link\u2019s link-local', () => {
    expect(ownIpv6NextHop('fd00::2', { interface: 'eth0', linkLocal: 'fe80::2', global: 'fd00::2' })).toEqual({ global: 'fd00::2', linkLocal: 'fe80::2' });
    expect(ownIpv6NextHop('fd00::2', undefined)).toEqual({ global: 'fd00::2' });
    expect(ownIpv6NextHop(undefined, undefined)).toEqual({});
  });

  it('over link-locals: the link\u2019s global address, else :: (BIRD), never the link-local as global', () => {
    expect(ownIpv6NextHop('fe80::2', { interface: 'eth0', linkLocal: 'fe80::2', global: 'fd00::2' })).toEqual({ global: 'fd00::2', linkLocal: 'fe80::2' });
    expect(ownIpv6NextHop('fe80::2', { interface: 'eth1', linkLocal: 'fe80::2' })).toEqual({ global: '::', linkLocal: 'fe80::2' });
  });
});
