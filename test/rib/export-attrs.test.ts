import { describe, expect, it } from 'vitest';
import { exportAttrs, makeExportTarget, NO_ADDITIONS } from '../../src/rib/export-attrs.js';
import type { NextHopMode } from '../../src/rib/export-attrs.js';
import type { PeerInfo } from '../../src/rib/path.js';
import { pathFactory, peer, SELF } from './helpers.js';

const P = '10.244.1.0/26';
const client = peer('10.0.0.1', { isClient: true, routerId: '10.0.0.11' });
const client2 = peer('10.0.0.2', { isClient: true });
const tor = peer('10.0.0.254', { kind: 'ebgp', asn: 65001 });
const local = peer('local', { kind: 'local', address: '', routerId: SELF.routerId });
const target = (p: PeerInfo, nextHopMode: NextHopMode = 'Auto', sendMed = false) =>
  makeExportTarget({ peer: p, self: SELF, localAddress: '10.0.0.100', localAddressV6: 'fd00::100', nextHopMode, sendMed });

describe('export attribute rules (RFC 4271 §5.1, RFC 4456 §8)', () => {
  it('reflects iBGP routes between clients: ORIGINATOR_ID, CLUSTER_LIST, next hop and LOCAL_PREF kept', () => {
    const { path } = pathFactory();
    const out = exportAttrs(path(P, client, { localPref: 150, med: 3 }), target(client2));
    expect(out).toMatchObject({ originatorId: '10.0.0.11', clusterList: [SELF.clusterId], nextHops: ['10.0.0.1'], localPref: 150, med: 3, asPath: [] });
  });

  it('sends LOCAL_PREF to iBGP peers (RFC 4271 §5.1.5), 2^31-1 − priority when absent (Calico v3.32, CALICO.md §1.3)', () => {
    const { path } = pathFactory();
    // Learned over eBGP (no LOCAL_PREF) or originated here: the normal priority 1024.
    expect(exportAttrs(path(P, tor, { asPath: [{ type: 'sequence', asns: [65001] }] }), target(client)).localPref).toBe(2147482623);
    expect(exportAttrs(path(P, local, { nextHops: [] }), target(client)).localPref).toBe(2147482623);
    // Kernel-learned: its metric is its priority (Felix's elevated 512 beats the normal 1024 elsewhere).
    const elevated = peer('kernel', { kind: 'local', address: '', routerId: SELF.routerId, kernel: { ifname: 'cali1', metric: 512 } });
    const normal = peer('kernel', { kind: 'local', address: '', routerId: SELF.routerId, kernel: { ifname: 'cali2', metric: 1024 } });
    const attrs = { nextHops: [] };
    expect(exportAttrs(path(P, elevated, attrs), target(client)).localPref).toBe(2147483135);
    // The same attribute set from a route of another metric is not answered from the first one's memo.
    expect(exportAttrs(path(P, normal, attrs), target(client)).localPref).toBe(2147482623);
    // The policy's normal priority, per family, for routes without their own; not answered from another policy's memo.
    const raised = { ...NO_ADDITIONS, normalPriority: { ipv4: 2000, ipv6: 1024 } };
    expect(exportAttrs(path(P, local, { nextHops: [] }), target(client), raised).localPref).toBe(2147483647 - 2000);
    const sameTarget = target(client);
    expect(exportAttrs(path(P, local, { nextHops: [] }), sameTarget, raised).localPref).toBe(2147483647 - 2000);
    expect(exportAttrs(path(P, local, { nextHops: [] }), sameTarget).localPref).toBe(2147482623);
    // A LOCAL_PREF the route carries is kept.
    expect(exportAttrs(path(P, client2, { localPref: 150 }), target(client)).localPref).toBe(150);
  });

  it('to eBGP: strips LOCAL_PREF, MED, ORIGINATOR_ID, CLUSTER_LIST, prepends our AS, next hop self', () => {
    const { path } = pathFactory();
    const out = exportAttrs(path(P, client, { localPref: 150, med: 3, originatorId: '9.9.9.9', clusterList: ['1.1.1.1'], asPath: [{ type: 'sequence', asns: [65010] }] }), target(tor));
    expect(out).toMatchObject({ localPref: undefined, med: undefined, originatorId: undefined, clusterList: [], nextHops: ['10.0.0.100'] });
    expect(out.asPath).toEqual([{ type: 'sequence', asns: [SELF.asn, 65010] }]);
  });

  it('passes MED to eBGP when configured', () => {
    const { path } = pathFactory();
    expect(exportAttrs(path(P, client, { med: 3 }), target(tor, 'Auto', true)).med).toBe(3);
  });

  it('applies nextHopMode: Keep keeps it to eBGP, Self forces it to iBGP', () => {
    const { path } = pathFactory();
    const p = path(P, client);
    expect(exportAttrs(p, target(tor, 'Keep')).nextHops).toEqual(['10.0.0.1']);
    expect(exportAttrs(p, target(client2, 'Self')).nextHops).toEqual(['10.0.0.100']);
    expect(exportAttrs(p, target(client2, 'Auto')).nextHops).toEqual(['10.0.0.1']);
  });

  it('gives locally originated routes our own next hop, per address family', () => {
    const { path } = pathFactory();
    expect(exportAttrs(path(P, local, { nextHops: [] }), target(client2, 'Keep')).nextHops).toEqual(['10.0.0.100']);
    expect(exportAttrs(path('fd00:244::/64', local, { nextHops: [] }), target(tor, 'Keep')).nextHops).toEqual(['fd00::100']);
    // A locally set MED may go to eBGP (RFC 4271 §5.1.4 restricts only MEDs learned from another AS).
    expect(exportAttrs(path(P, local, { nextHops: [], med: 5 }), target(tor)).med).toBe(5);
  });

  it('adds export-policy communities without duplicates, and memoises per target profile', () => {
    const { path } = pathFactory();
    const p = path(P, client, { communities: [1] });
    const add = { communities: [1, 2], largeCommunities: [[1, 2, 3] as const], communityKey: 'x' };
    const out = exportAttrs(p, target(client2), add);
    expect(out.communities).toEqual([1, 2]);
    expect(out.largeCommunities).toEqual([[1, 2, 3]]);
    expect(exportAttrs(path(P, client, { communities: [1] }), target(client2), add)).toBe(out);
  });
});
