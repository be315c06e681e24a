// Sessions to link-local peers (RFC 4291 §2.5.6): the socket address carries the configured
// interface as its zone for connect and bind, and the listener files the peer under address and
// zone, which is how Node reports an accepted link-local connection (`fe80::1%eth0`).
import { describe, expect, it } from 'vitest';
import { zonedAddress } from '../../src/daemon/tcp-backend.js';
import { peerKey } from '../../src/fsm/listener.js';
import { withoutZone } from '../../src/fsm/transport.js';

describe('link-local peer addresses', () => {
  it('zones a link-local address with the peer\u2019s interface, and nothing else', () => {
    expect(zonedAddress('fe80::1', { interface: 'eth0' })).toBe('fe80::1%eth0');
    expect(zonedAddress('FEBF::1', { interface: 'eth0' })).toBe('FEBF::1%eth0');
    expect(zonedAddress('fe80::1%eth1', { interface: 'eth0' })).toBe('fe80::1%eth1');
    expect(zonedAddress('fd00::1', { interface: 'eth0' })).toBe('fd00::1');
    expect(zonedAddress('fec0::1', { interface: 'eth0' })).toBe('fec0::1');
    expect(zonedAddress('10.0.0.1', {})).toBe('10.0.0.1');
    expect(zonedAddress('fe80::1', {})).toBe('fe80::1');
  });

  it('matches an accepted fe80::1%eth0 to the peer configured on eth0 only', () => {
    expect(peerKey('fe80:0::1%eth0')).toBe(peerKey('fe80::1%eth0'));
    expect(peerKey('fe80::1%eth0')).not.toBe(peerKey('fe80::1%eth1'));
    expect(peerKey('fe80::1%eth0')).not.toBe(peerKey('fe80::1'));
  });

  it('keeps other addresses zone-free and IPv4-mapped ones unwrapped, as before', () => {
    expect(peerKey('fd00::1%eth0')).toBe('fd00::1');
    expect(peerKey('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(peerKey('2001:DB8::1')).toBe('2001:db8::1');
  });

  it('strips the zone from a socket\u2019s addresses for NEXT_HOP and show', () => {
    expect(withoutZone('fe80::2%veth0')).toBe('fe80::2');
    expect(withoutZone('fd00::2')).toBe('fd00::2');
    expect(withoutZone(undefined)).toBeUndefined();
  });
});
