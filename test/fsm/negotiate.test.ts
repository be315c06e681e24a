/** OPEN negotiation: every check and every capability rule, one case each. */
import { describe, expect, it } from 'vitest';
import { BgpError } from '../../src/bgp/errors.js';
import type { AddPathMode, Capability, OpenMessage } from '../../src/bgp/types.js';
import { negotiate, type Negotiated } from '../../src/fsm/negotiate.js';
import { buildOpen } from '../../src/fsm/open.js';
import { sessionConfig, type NegotiationPolicy } from '../../src/fsm/session-config.js';
import { LOCAL, OUR_OPEN, peerOpen } from './fixtures.js';

const IBGP: NegotiationPolicy = sessionConfig({ peerAs: 64512 });

function ok(ours: OpenMessage, theirs: OpenMessage, policy: NegotiationPolicy = IBGP): Negotiated {
  const n = negotiate(ours, theirs, policy);
  if (n instanceof BgpError) throw new Error(`unexpected ${n.id}`);
  return n;
}

function rejects(ours: OpenMessage, theirs: OpenMessage, policy: NegotiationPolicy = IBGP): BgpError {
  const n = negotiate(ours, theirs, policy);
  if (!(n instanceof BgpError)) throw new Error('expected an OPEN error');
  return n;
}

/** A peer OPEN with exactly these capabilities. */
const withCaps = (capabilities: Capability[], over: Partial<OpenMessage> = {}): OpenMessage => peerOpen({ capabilities, ...over });
const mp = (afi: number, safi: number): Capability => ({ code: 'multiprotocol', afi, safi });
const four = (asn: number): Capability => ({ code: 'four-octet-as', asn });

describe('negotiate: checks (RFC 4271 §6.2, RFC 6793, RFC 6286, RFC 5492)', () => {
  it('accepts the fixture peer with hold min(240, 90) and keepalive hold/3', () => {
    expect(ok(OUR_OPEN, peerOpen())).toMatchObject({ peerAs: 64512, peerId: '10.0.0.2', internal: true, holdTimeSec: 90, keepaliveSec: 30 });
  });

  it('rejects a version other than 4 with 2/1 and data 0x0004', () => {
    const e = rejects(OUR_OPEN, peerOpen({ version: 3 }));
    expect([e.code, e.subcode, [...e.data]]).toEqual([2, 1, [0, 4]]);
  });

  it('rejects an AS other than the configured one with 2/2', () => {
    const e = rejects(OUR_OPEN, withCaps([four(65001)], { myAs: 65001 }));
    expect([e.code, e.subcode, e.id]).toEqual([2, 2, 'open.peer-as']);
  });

  it('takes the AS from the four-octet capability: AS_TRANS in My AS for a 4-octet AS (RFC 6793 §3)', () => {
    const n = ok(OUR_OPEN, withCaps([four(4_200_000_001)], { myAs: 23456 }), sessionConfig({ peerAs: 4_200_000_001 }));
    expect(n).toMatchObject({ peerAs: 4_200_000_001, fourOctetAs: true, internal: false });
  });

  it('rejects a 4-octet AS above 65535 whose My AS is not AS_TRANS with 2/2', () => {
    const e = rejects(OUR_OPEN, withCaps([four(4_200_000_001)], { myAs: 64999 }), sessionConfig({ peerAs: 4_200_000_001 }));
    expect([e.code, e.subcode, e.id]).toEqual([2, 2, 'open.peer-as.inconsistent']);
  });

  it('rejects a mappable 4-octet AS that disagrees with My AS with 2/2, tolerating AS_TRANS there', () => {
    expect(rejects(OUR_OPEN, withCaps([four(64512)], { myAs: 64513 })).id).toBe('open.peer-as.inconsistent');
    expect(ok(OUR_OPEN, withCaps([four(64512)], { myAs: 23456 })).peerAs).toBe(64512);
  });

  it('talks to a 2-octet speaker: its AS is My AS, codecs run without four-octet AS both ways (RFC 6793 §4)', () => {
    const n = ok(OUR_OPEN, withCaps([], { myAs: 65001 }), sessionConfig({ peerAs: 65001 }));
    expect(n.fourOctetAs).toBe(false);
    expect(n.receiveContext.fourOctetAs).toBe(false);
    expect(n.sendContext.fourOctetAs).toBe(false);
  });

  it('rejects with 2/2 a peer configured with a 4-octet AS that lacks the capability (its My AS is AS_TRANS)', () => {
    const e = rejects(OUR_OPEN, withCaps([], { myAs: 23456 }), sessionConfig({ peerAs: 4_200_000_000 }));
    expect([e.code, e.subcode, e.id]).toEqual([2, 2, 'open.peer-as']);
  });

  it('rejects BGP Identifier 0.0.0.0 with 2/3 (RFC 6286 §2.2)', () => {
    const e = rejects(OUR_OPEN, peerOpen({ bgpId: '0.0.0.0' }));
    expect([e.code, e.subcode, e.id]).toEqual([2, 3, 'open.bgp-id']);
  });

  it('rejects our own BGP Identifier from an iBGP peer with 2/3, and accepts it from an eBGP peer (RFC 6286 §2.2)', () => {
    expect(rejects(OUR_OPEN, peerOpen({ bgpId: '10.0.0.1' })).id).toBe('open.bgp-id.duplicate');
    const ebgp = ok(OUR_OPEN, withCaps([four(65001)], { myAs: 65001, bgpId: '10.0.0.1' }), sessionConfig({ peerAs: 65001 }));
    expect(ebgp.internal).toBe(false);
  });

  it.each([1, 2])('rejects hold time %i with 2/6', (hold) => {
    const e = rejects(OUR_OPEN, peerOpen({ holdTimeSec: hold }));
    expect([e.code, e.subcode]).toEqual([2, 6]);
  });

  it('negotiates hold 0 as no hold timer and no keepalives, and 3 as keepalive 1', () => {
    expect(ok(OUR_OPEN, peerOpen({ holdTimeSec: 0 }))).toMatchObject({ holdTimeSec: 0, keepaliveSec: 0 });
    expect(ok(OUR_OPEN, peerOpen({ holdTimeSec: 3 }))).toMatchObject({ holdTimeSec: 3, keepaliveSec: 1 });
  });

  it('clamps a configured keepalive to a third of the negotiated hold', () => {
    const policy = sessionConfig({ peerAs: 64512, keepaliveSec: 80 });
    expect(ok(OUR_OPEN, peerOpen({ holdTimeSec: 240 }), policy).keepaliveSec).toBe(80);
    expect(ok(OUR_OPEN, peerOpen({ holdTimeSec: 9 }), policy).keepaliveSec).toBe(3);
    expect(ok(OUR_OPEN, peerOpen({ holdTimeSec: 240 }), sessionConfig({ peerAs: 64512, keepaliveSec: 10 })).keepaliveSec).toBe(10);
  });
});

describe('negotiate: required capabilities (RFC 5492 §5, 2/7)', () => {
  it('requires nothing by default: a peer without four-octet AS or IPv6 is accepted', () => {
    expect(ok(OUR_OPEN, withCaps([]))).toMatchObject({ families: ['ipv4-unicast'], fourOctetAs: false });
  });

  it('answers a missing required four-octet AS with 2/7 carrying the capability as data', () => {
    const e = rejects(OUR_OPEN, withCaps([]), sessionConfig({ peerAs: 64512, required: { fourOctetAs: true } }));
    expect([e.code, e.subcode, e.id]).toEqual([2, 7, 'open.capability.required']);
    // code 65, length 4, our AS 64512 = 0x0000fc00
    expect([...e.data]).toEqual([65, 4, 0, 0, 0xfc, 0x00]);
  });

  it('lists every missing required family in the 2/7 data', () => {
    const policy = sessionConfig({ peerAs: 64512, required: { families: ['ipv4-unicast', 'ipv6-unicast', 'ipv4-multicast'] } });
    const e = rejects(OUR_OPEN, withCaps([mp(1, 1), four(64512)]), policy);
    expect([...e.data]).toEqual([1, 4, 0, 2, 0, 1, 1, 4, 0, 1, 0, 2]);
  });
});

describe('negotiate: capabilities', () => {
  const ours = buildOpen({ ...LOCAL, families: ['ipv4-unicast', 'ipv6-unicast'] });

  it('intersects multiprotocol families, in canonical order', () => {
    expect(ok(ours, withCaps([mp(2, 1), mp(1, 1), mp(1, 2), four(64512)])).families).toEqual(['ipv4-unicast', 'ipv6-unicast']);
    expect(ok(ours, withCaps([mp(2, 1), four(64512)])).families).toEqual(['ipv6-unicast']);
  });

  it('treats a peer without multiprotocol capabilities as IPv4 unicast only (RFC 4760 §8)', () => {
    expect(ok(ours, withCaps([four(64512)])).families).toEqual(['ipv4-unicast']);
  });

  it('ignores families petrel has no name for', () => {
    expect(ok(ours, withCaps([mp(25, 70), mp(1, 1), four(64512)])).families).toEqual(['ipv4-unicast']);
  });

  describe('ADD-PATH per direction (RFC 7911 §5)', () => {
    const cases: [AddPathMode, AddPathMode, string[], string[]][] = [
      ['both', 'both', ['ipv4-unicast'], ['ipv4-unicast']],
      ['both', 'receive', [], ['ipv4-unicast']],
      ['both', 'send', ['ipv4-unicast'], []],
      ['receive', 'send', ['ipv4-unicast'], []],
      ['receive', 'receive', [], []],
      ['send', 'receive', [], ['ipv4-unicast']],
      ['send', 'both', [], ['ipv4-unicast']],
      ['send', 'send', [], []],
    ];
    it.each(cases)('ours %s, theirs %s: receive %j, send %j', (mine, theirs, receive, send) => {
      const o = buildOpen({ ...LOCAL, addPath: { 'ipv4-unicast': mine } });
      const n = ok(o, withCaps([mp(1, 1), four(64512), { code: 'add-path', families: [{ afi: 1, safi: 1, mode: theirs }] }]));
      expect(n.addPath).toEqual({ receive, send });
      expect(n.receiveContext.addPath).toEqual(receive);
      expect(n.sendContext.addPath).toEqual(send);
    });

    it('has no ADD-PATH when the peer does not advertise it, and none for families not negotiated', () => {
      expect(ok(OUR_OPEN, peerOpen()).addPath).toEqual({ receive: [], send: [] });
      const o = buildOpen({ ...LOCAL, addPath: { 'ipv4-unicast': 'both', 'ipv6-unicast': 'both' } });
      const n = ok(o, withCaps([mp(1, 1), mp(2, 1), four(64512), { code: 'add-path', families: [{ afi: 2, safi: 1, mode: 'both' }] }]));
      expect(n.addPath).toEqual({ receive: [], send: [] });
    });
  });

  it('uses extended messages only when both advertise them (RFC 8654)', () => {
    const ext = buildOpen({ ...LOCAL, extendedMessage: true });
    expect(ok(ext, withCaps([four(64512), { code: 'extended-message' }])).extendedMessage).toBe(true);
    expect(ok(ext, withCaps([four(64512)])).extendedMessage).toBe(false);
    expect(ok(OUR_OPEN, withCaps([four(64512), { code: 'extended-message' }])).receiveContext.extendedMessage).toBe(false);
  });

  it('negotiates route refresh (also Cisco code 128) and enhanced route refresh only when both have them', () => {
    expect(ok(OUR_OPEN, withCaps([four(64512)]))).toMatchObject({ routeRefresh: false, enhancedRouteRefresh: false });
    expect(ok(OUR_OPEN, withCaps([four(64512), { code: 'unknown', type: 128, value: new Uint8Array(0) }])).routeRefresh).toBe(true);
    const both = withCaps([four(64512), { code: 'route-refresh' }, { code: 'enhanced-route-refresh' }]);
    expect(ok(OUR_OPEN, both)).toMatchObject({ routeRefresh: true, enhancedRouteRefresh: true });
    const plain = buildOpen({ ...LOCAL, enhancedRouteRefresh: false });
    expect(ok(plain, both).enhancedRouteRefresh).toBe(false);
  });

  it('reports the peer’s graceful restart: restart time, R bit, F bits of negotiated families, N only if both (RFC 4724, RFC 8538)', () => {
    const gr: Capability = {
      code: 'graceful-restart',
      restarting: true,
      notification: true,
      restartTimeSec: 90,
      families: [
        { afi: 1, safi: 1, forwardingPreserved: false },
        { afi: 2, safi: 1, forwardingPreserved: true },
      ],
    };
    expect(ok(OUR_OPEN, withCaps([mp(1, 1), four(64512), gr])).gracefulRestart).toEqual({
      restartTimeSec: 90,
      peerRestarting: true,
      notification: false,
      families: [{ name: 'ipv4-unicast', forwardingPreserved: false }],
    });
    const { gracefulRestart: _ours, ...withoutGr } = LOCAL;
    const noGr = buildOpen(withoutGr);
    expect(ok(noGr, withCaps([mp(1, 1), four(64512), gr])).gracefulRestart).toBeUndefined();
  });

  it('reports the peer’s LLGR stale times when both advertise LLGR with graceful restart (RFC 9494)', () => {
    const llgrOurs = buildOpen({ ...LOCAL, llgr: { staleTimeSec: 3600, forwardingPreserved: true } });
    const gr: Capability = { code: 'graceful-restart', restarting: false, notification: false, restartTimeSec: 120, families: [] };
    const llgr: Capability = { code: 'long-lived-graceful-restart', families: [{ afi: 1, safi: 1, forwardingPreserved: true, staleTimeSec: 86_400 }] };
    expect(ok(llgrOurs, withCaps([mp(1, 1), four(64512), gr, llgr])).llgr).toEqual({
      families: [{ name: 'ipv4-unicast', forwardingPreserved: true, staleTimeSec: 86_400 }],
    });
    expect(ok(llgrOurs, withCaps([mp(1, 1), four(64512), llgr])).llgr).toBeUndefined();
    expect(ok(OUR_OPEN, withCaps([mp(1, 1), four(64512), gr, llgr])).llgr).toBeUndefined();
  });

  it('reports the peer’s FQDN', () => {
    const n = ok(OUR_OPEN, withCaps([four(64512), { code: 'fqdn', hostname: 'tor1', domain: 'example.net' }]));
    expect(n.fqdn).toEqual({ hostname: 'tor1', domain: 'example.net' });
    expect(ok(OUR_OPEN, peerOpen()).fqdn).toBeUndefined();
  });
});

describe('buildOpen (RFC 4271 §4.2, RFC 6793 §3)', () => {
  it('advertises Calico’s set: families, route refresh, enhanced route refresh, graceful restart, four-octet AS, ADD-PATH', () => {
    expect(OUR_OPEN.capabilities.map((c) => c.code)).toEqual([
      'multiprotocol',
      'route-refresh',
      'enhanced-route-refresh',
      'graceful-restart',
      'four-octet-as',
      'add-path',
    ]);
    expect(OUR_OPEN).toMatchObject({ version: 4, myAs: 64512, holdTimeSec: 240, bgpId: '10.0.0.1' });
  });

  it('puts AS_TRANS in My AS for a 4-octet AS and the real AS in the capability', () => {
    const o = buildOpen({ ...LOCAL, localAs: 65536 });
    expect(o.myAs).toBe(23456);
    expect(o.capabilities).toContainEqual({ code: 'four-octet-as', asn: 65536 });
  });
});
