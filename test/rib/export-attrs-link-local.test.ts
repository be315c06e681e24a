// RFC 2545 §3 on export: our IPv6 next hop to an eBGP peer on our link is 32 octets, the global
// address then the link-local one; iBGP and multihop peers get the 16-octet global alone. Checked
// on the UPDATE bytes an update group sends, against next-hop fields written out by hand.
import { describe, expect, it } from 'vitest';
import { AttrTable } from '../../src/rib/attr-set.js';
import { DEFAULT_DECISION_OPTIONS } from '../../src/rib/decision.js';
import { exportAttrs, makeExportTarget, type ExportTargetInit } from '../../src/rib/export-attrs.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import { Path, type PeerInfo } from '../../src/rib/path.js';
import { UpdateGroups } from '../../src/rib/update-groups.js';
import { exportAll, pathFactory, peer, SELF } from './helpers.js';

const EXPORT_ALL = exportAll(false);

const PREFIX = '2001:db8:244::/64';
const GLOBAL = 'fd00::2';
const LINK_LOCAL = 'fe80::ff:fe00:2';
/** fd00::2, fe80::ff:fe00:2 and :: as wire octets, written out independently of the codec. */
const GLOBAL_HEX = 'fd000000000000000000000000000002';
const LINK_LOCAL_HEX = 'fe80000000000000000000fffe000002';
const UNSPECIFIED_HEX = '00000000000000000000000000000000';
/** MP_REACH_NLRI value start: AFI 2 (IPv6), SAFI 1 (unicast), then the next-hop length. */
const IPV6_UNICAST_HEX = '000201';

const tor = peer('fd00::1', { kind: 'ebgp', asn: 65001 });
const client = peer('fd00::3', { kind: 'ibgp', isClient: true });

/** The MP_REACH_NLRI next-hop length octet and next hop the group sends `target` for one local route. */
function sentNextHop(init: Omit<ExportTargetInit, 'self'>, toInternalPeer: boolean): string {
  const scheduled: (() => void)[] = [];
  const loc = new LocRib(
    DEFAULT_DECISION_OPTIONS,
    (dest) => groups.enqueue(dest),
    (dest) => groups.enqueueCandidate(dest),
  );
  const groups = new UpdateGroups(EXPORT_ALL, loc, (fn) => scheduled.push(fn));
  const group = groups.obtain(
    {
      key: 'k',
      target: makeExportTarget({ ...init, self: SELF }),
      toInternalPeer,
      targetKind: toInternalPeer ? 'client' : 'ebgp',
      families: ['ipv6-unicast'],
      sendContext: {},
    },
    () => undefined,
  );
  const sent: Uint8Array[] = [];
  group.join({ name: 'm', peer: init.peer, send: (messages) => (sent.push(...messages), true) }, { initial: false });
  const local = peer('local', { kind: 'local', address: '', routerId: SELF.routerId });
  loc.put(Path.create(PREFIX, 0, new AttrTable().intern({ origin: 'igp' }), local));
  while (scheduled.length > 0) scheduled.shift()!();
  // Attribute flags 0x80 (optional; 0x90 with an extended length), type 14, its length, AFI/SAFI.
  const mpReach = new RegExp(`^(?:..)*?(?:800e..|900e....)${IPV6_UNICAST_HEX}(..)`);
  for (const message of sent) {
    const hex = Buffer.from(message).toString('hex');
    const match = mpReach.exec(hex);
    if (match === null) continue;
    const at = match[0].length - 2;
    return hex.slice(at, at + 2 + 2 * parseInt(match[1]!, 16));
  }
  throw new Error('no UPDATE with an IPv6 MP_REACH_NLRI sent');
}

function target(p: PeerInfo, extra: Partial<ExportTargetInit> = {}): Omit<ExportTargetInit, 'self'> {
  return { peer: p, localAddress: '10.0.0.100', localAddressV6: GLOBAL, nextHopMode: 'Auto', ...extra };
}

describe('IPv6 next hop self with link-local (RFC 2545 §3)', () => {
  it('sends an eBGP peer on our link 32 octets: the global address, then the link-local one', () => {
    expect(sentNextHop(target(tor, { linkLocalV6: LINK_LOCAL }), false)).toBe(`20${GLOBAL_HEX}${LINK_LOCAL_HEX}`);
  });

  it('sends a multihop eBGP peer (no link) the 16-octet global address alone', () => {
    expect(sentNextHop(target(tor), false)).toBe(`10${GLOBAL_HEX}`);
  });

  it('keeps 16 octets to an iBGP peer on the link (its next hop is resolved recursively)', () => {
    expect(sentNextHop(target(client, { linkLocalV6: LINK_LOCAL }), true)).toBe(`10${GLOBAL_HEX}`);
  });

  it('sends :: then the link-local over a session between link-locals with no global address (BIRD)', () => {
    expect(sentNextHop(target(client, { localAddressV6: '::', linkLocalV6: LINK_LOCAL }), true)).toBe(`20${UNSPECIFIED_HEX}${LINK_LOCAL_HEX}`);
    expect(sentNextHop(target(tor, { localAddressV6: '::', linkLocalV6: LINK_LOCAL }), false)).toBe(`20${UNSPECIFIED_HEX}${LINK_LOCAL_HEX}`);
  });

  it('adds the link-local to a learned route\u2019s next hop replaced by ours, not to one kept, nor to IPv4', () => {
    const { path } = pathFactory();
    const learned = peer('fd00::9', { kind: 'ebgp', asn: 65009 });
    const p = path(PREFIX, learned, { nextHops: ['fd00::9'], asPath: [{ type: 'sequence', asns: [65009] }] });
    const onLink = makeExportTarget({ ...target(tor, { linkLocalV6: LINK_LOCAL }), self: SELF });
    expect(exportAttrs(p, onLink).nextHops).toEqual([GLOBAL, LINK_LOCAL]);
    const keep = makeExportTarget({ ...target(tor, { linkLocalV6: LINK_LOCAL, nextHopMode: 'Keep' }), self: SELF });
    expect(exportAttrs(p, keep).nextHops).toEqual(['fd00::9']);
    const v4 = path('10.244.1.0/26', peer('10.0.0.9', { kind: 'ebgp', asn: 65009 }));
    expect(exportAttrs(v4, onLink).nextHops).toEqual(['10.0.0.100']);
  });

  it('gives targets on different links different memo profiles', () => {
    const a = makeExportTarget({ ...target(tor, { linkLocalV6: LINK_LOCAL }), self: SELF });
    const b = makeExportTarget({ ...target(tor, { linkLocalV6: 'fe80::1' }), self: SELF });
    expect(a.profileKey).not.toBe(b.profileKey);
    const { path } = pathFactory();
    const p = path(PREFIX, peer('local', { kind: 'local', address: '', routerId: SELF.routerId }), { nextHops: [] });
    expect(exportAttrs(p, a).nextHops).toEqual([GLOBAL, LINK_LOCAL]);
    expect(exportAttrs(p, b).nextHops).toEqual([GLOBAL, 'fe80::1']);
  });
});
