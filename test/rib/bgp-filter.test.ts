import { describe, expect, it } from 'vitest';
import { BgpFilter, type FilterRuleSpec } from '../../src/rib/bgp-filter.js';
import { peer } from './helpers.js';

const ebgpPeer = peer('10.0.0.1', { kind: 'ebgp', asn: 65001 });
const ibgpPeer = peer('10.0.0.2');
const local = peer('local', { kind: 'local', address: '' });
const kernelOn = (ifname: string) => peer('kernel', { kind: 'local', address: '', kernel: { ifname, metric: 1024 } });

function v4(...rules: FilterRuleSpec[]): BgpFilter {
  return BgpFilter.compile({ ipv4: rules, ipv6: [] })!;
}

function v6(...rules: FilterRuleSpec[]): BgpFilter {
  return BgpFilter.compile({ ipv4: [], ipv6: rules })!;
}

describe('BGPFilter rules (CALICO.md §1.7)', () => {
  it('compiles no rules to no filter: nothing to consult', () => {
    expect(BgpFilter.compile(undefined)).toBeUndefined();
    expect(BgpFilter.compile({ ipv4: [], ipv6: [] })).toBeUndefined();
  });

  // One row per operator and prefix: BIRD `net = / != / ~ / !~ cidr`.
  const operatorTable: readonly [FilterRuleSpec['matchOperator'], string, 'reject' | undefined][] = [
    ['Equal', '10.244.0.0/16', 'reject'],
    ['Equal', '10.244.1.0/24', undefined],
    ['Equal', '10.245.0.0/16', undefined],
    ['Equal', '10.0.0.0/8', undefined],
    ['NotEqual', '10.244.0.0/16', undefined],
    ['NotEqual', '10.244.1.0/24', 'reject'],
    ['NotEqual', '0.0.0.0/0', 'reject'],
    ['In', '10.244.0.0/16', 'reject'],
    ['In', '10.244.1.7/32', 'reject'],
    ['In', '10.245.0.0/24', undefined],
    ['In', '10.0.0.0/8', undefined],
    ['NotIn', '10.244.0.0/16', undefined],
    ['NotIn', '10.244.255.0/24', undefined],
    ['NotIn', '10.0.0.0/8', 'reject'],
    ['NotIn', '192.168.0.0/24', 'reject'],
  ];
  it.each(operatorTable)('%s 10.244.0.0/16 on %s → %s', (matchOperator, prefix, verdict) => {
    const filter = v4({ action: 'Reject', matchOperator, cidr: '10.244.0.0/16' });
    expect(filter.evaluate(prefix, ebgpPeer, false)).toBe(verdict);
  });

  const lengthTable: readonly [FilterRuleSpec['prefixLength'], string, 'accept' | undefined][] = [
    [{ min: 26, max: 26 }, '10.244.1.64/26', 'accept'],
    [{ min: 26, max: 26 }, '10.244.1.0/25', undefined],
    [{ min: 26, max: 26 }, '10.244.1.64/27', undefined],
    [{ min: 26, max: 26 }, '10.245.1.64/26', undefined],
    // Unset bounds: the cidr's own length up to 32.
    [{ min: 24 }, '10.244.0.0/16', undefined],
    [{ min: 24 }, '10.244.3.3/32', 'accept'],
    [{ max: 20 }, '10.244.0.0/16', 'accept'],
    [{ max: 20 }, '10.244.16.0/20', 'accept'],
    [{ max: 20 }, '10.244.16.0/21', undefined],
    // A min below the cidr's length is clamped to it (confd filterMatchPrefixLength).
    [{ min: 8, max: 16 }, '10.0.0.0/8', undefined],
    [{ min: 8, max: 16 }, '10.244.0.0/16', 'accept'],
  ];
  it.each(lengthTable)('In 10.244.0.0/16 with prefixLength %o on %s → %s', (prefixLength, prefix, verdict) => {
    const filter = v4({ action: 'Accept', matchOperator: 'In', cidr: '10.244.0.0/16', prefixLength });
    expect(filter.evaluate(prefix, ebgpPeer, false)).toBe(verdict);
  });

  it('NotIn with prefixLength matches what lies outside the pattern, lengths included', () => {
    const filter = v4({ action: 'Reject', matchOperator: 'NotIn', cidr: '10.244.0.0/16', prefixLength: { min: 26, max: 26 } });
    expect(filter.evaluate('10.244.1.64/26', ebgpPeer, false)).toBeUndefined();
    expect(filter.evaluate('10.244.1.64/32', ebgpPeer, false)).toBe('reject');
    expect(filter.evaluate('10.1.0.0/26', ebgpPeer, false)).toBe('reject');
  });

  it('lets the first matching rule decide, later rules unread', () => {
    const filter = v4(
      { action: 'Accept', matchOperator: 'In', cidr: '10.244.1.0/24' },
      { action: 'Reject', matchOperator: 'In', cidr: '10.244.0.0/16' },
      { action: 'Accept' },
    );
    expect(filter.evaluate('10.244.1.0/26', ebgpPeer, false)).toBe('accept');
    expect(filter.evaluate('10.244.2.0/26', ebgpPeer, false)).toBe('reject');
    // A rule without conditions matches everything that reaches it.
    expect(filter.evaluate('192.0.2.0/24', ebgpPeer, false)).toBe('accept');
  });

  it('falls through (undefined) when no rule matches, so Calico’s policy decides', () => {
    const filter = v4({ action: 'Reject', matchOperator: 'Equal', cidr: '0.0.0.0/0' });
    expect(filter.evaluate('0.0.0.0/0', ebgpPeer, false)).toBe('reject');
    expect(filter.evaluate('10.0.0.0/8', ebgpPeer, false)).toBeUndefined();
  });

  it('source RemotePeers matches BGP-learned routes only (source ~ [RTS_BGP])', () => {
    const filter = v4({ action: 'Reject', source: 'RemotePeers' });
    expect(filter.evaluate('10.244.1.0/26', ebgpPeer, false)).toBe('reject');
    expect(filter.evaluate('10.244.1.0/26', ibgpPeer, true)).toBe('reject');
    expect(filter.evaluate('10.244.1.0/26', local, false)).toBeUndefined();
    expect(filter.evaluate('10.244.1.0/26', kernelOn('eth0'), false)).toBeUndefined();
  });

  it('interface matches a route’s interface by BIRD glob; a route without one never matches', () => {
    const filter = v4({ action: 'Accept', interface: 'eth*' }, { action: 'Accept', interface: 'ens?' }, { action: 'Reject' });
    expect(filter.evaluate('10.1.0.0/24', kernelOn('eth0'), false)).toBe('accept');
    expect(filter.evaluate('10.1.0.0/24', kernelOn('ens3'), false)).toBe('accept');
    expect(filter.evaluate('10.1.0.0/24', kernelOn('ens33'), false)).toBe('reject');
    expect(filter.evaluate('10.1.0.0/24', kernelOn('veth.eth0'), false)).toBe('reject');
    expect(filter.evaluate('10.1.0.0/24', ebgpPeer, false)).toBe('reject');
    // Dots are literal, not "any character".
    expect(v4({ action: 'Accept', interface: 'vxlan.calico' }).evaluate('10.1.0.0/24', kernelOn('vxlanXcalico'), false)).toBeUndefined();
  });

  it('peerType guards a rule by the session type (is_same_as, v3.32)', () => {
    const filter = v4({ action: 'Reject', peerType: 'iBGP' }, { action: 'Accept', peerType: 'eBGP', matchOperator: 'In', cidr: '10.0.0.0/8' });
    expect(filter.evaluate('10.1.0.0/24', ibgpPeer, true)).toBe('reject');
    expect(filter.evaluate('10.1.0.0/24', ebgpPeer, false)).toBe('accept');
    expect(filter.evaluate('192.0.2.0/24', ebgpPeer, false)).toBeUndefined();
  });

  it('needs every condition of a rule to hold', () => {
    const filter = v4({ action: 'Reject', matchOperator: 'In', cidr: '10.244.0.0/16', source: 'RemotePeers', peerType: 'eBGP' });
    expect(filter.evaluate('10.244.1.0/26', ebgpPeer, false)).toBe('reject');
    expect(filter.evaluate('10.244.1.0/26', ibgpPeer, true)).toBeUndefined();
    expect(filter.evaluate('10.244.1.0/26', local, false)).toBeUndefined();
    expect(filter.evaluate('10.245.1.0/26', ebgpPeer, false)).toBeUndefined();
  });

  it('applies IPv4 rules to IPv4 prefixes and IPv6 rules to IPv6 prefixes only', () => {
    const filter = BgpFilter.compile({ ipv4: [{ action: 'Reject' }], ipv6: [{ action: 'Accept', matchOperator: 'In', cidr: 'fd00:244::/48', prefixLength: { max: 122 } }] })!;
    expect(filter.evaluate('10.0.0.0/8', ebgpPeer, false)).toBe('reject');
    expect(filter.evaluate('fd00:244:0:1::/122', ebgpPeer, false)).toBe('accept');
    expect(filter.evaluate('fd00:244:0:1::1/128', ebgpPeer, false)).toBeUndefined();
    expect(filter.evaluate('fd00:245::/64', ebgpPeer, false)).toBeUndefined();
    expect(v4({ action: 'Reject' }).evaluate('fd00::/64', ebgpPeer, false)).toBeUndefined();
  });

  it('matches IPv6 cidrs that end inside a byte', () => {
    const filter = v6({ action: 'Reject', matchOperator: 'In', cidr: '2001:db8:80::/41' });
    expect(filter.evaluate('2001:db8:80::/48', ebgpPeer, false)).toBe('reject');
    expect(filter.evaluate('2001:db8:ff::/48', ebgpPeer, false)).toBe('reject');
    expect(filter.evaluate('2001:db8:7f::/48', ebgpPeer, false)).toBeUndefined();
    expect(filter.evaluate('2001:db8::/32', ebgpPeer, false)).toBeUndefined();
    expect(v6({ action: 'Reject', matchOperator: 'Equal', cidr: '::/0' }).evaluate('::/0', ebgpPeer, false)).toBe('reject');
  });

  it('gives filters with the same rules the same key, and different rules different keys', () => {
    const rule: FilterRuleSpec = { action: 'Reject', matchOperator: 'In', cidr: '10.244.0.0/16' };
    expect(v4(rule).key).toBe(v4({ ...rule }).key);
    expect(v4(rule).key).not.toBe(v4({ ...rule, action: 'Accept' }).key);
    expect(v4(rule).key).not.toBe(v6({ action: 'Reject', matchOperator: 'In', cidr: 'fd00::/8' }).key);
  });
});
