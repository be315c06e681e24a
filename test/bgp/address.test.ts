import { describe, expect, it } from 'vitest';
import { canonicalPrefix, formatIpv6, hasHostBits, parseIpv6, parsePrefix } from '../../src/bgp/address.js';

describe('address text forms', () => {
  it.each([
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'], // RFC 5952 §4.2.3: leftmost longest run
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: one zero group stays
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
    ['::ffff:10.0.0.1', '::ffff:10.0.0.1'],
    ['FD00::201', 'fd00::201'],
  ])('formats %s as %s (RFC 5952)', (input, want) => {
    const bytes = parseIpv6(input);
    expect(bytes).toBeDefined();
    expect(formatIpv6(bytes!)).toBe(want);
  });

  it('rejects malformed IPv6 text', () => {
    for (const bad of ['1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', ':', '1:2:3:4:5:6:7']) {
      expect(parseIpv6(bad), bad).toBeUndefined();
    }
  });

  it('parses prefixes and detects host bits', () => {
    expect(hasHostBits(parsePrefix('10.244.0.0/16')!)).toBe(false);
    expect(hasHostBits(parsePrefix('10.244.0.1/16')!)).toBe(true);
    expect(canonicalPrefix('10.244.101.129/26')).toBe('10.244.101.128/26');
    expect(canonicalPrefix('fd00:0::1/64')).toBe('fd00::/64');
    expect(parsePrefix('10.0.0.0/33')).toBeUndefined();
    expect(parsePrefix('10.0.0.256/8')).toBeUndefined();
    expect(parsePrefix('010.0.0.0/8')).toBeUndefined();
  });
});
