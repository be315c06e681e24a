// `show routes` next hops as BIRD prints them: a link-local-only IPv6 next hop (RFC 2545 §3: `::`
// then fe80::…, or fe80::… alone) is shown as the link-local with the session's interface, not `::`.
import { describe, expect, it } from 'vitest';
import { formatRoutes } from '../../src/cli/show.js';
import { routeViews } from '../../src/daemon/views.js';
import { DEFAULT_DECISION_OPTIONS } from '../../src/rib/decision.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import { pathFactory, peer } from '../rib/helpers.js';

const PREFIX = '2001:db8:10::/48';
const tor = peer('tor', { address: 'fe80::1', kind: 'ebgp', asn: 65001 });
const links = (name: string): string | undefined => (name === 'tor' ? 'eth0' : undefined);

function viewOf(nextHops: readonly string[], peerLinks = links) {
  const loc = new LocRib(DEFAULT_DECISION_OPTIONS, () => undefined, () => undefined);
  const { path } = pathFactory();
  loc.put(path(PREFIX, tor, { nextHops: [...nextHops], asPath: [{ type: 'sequence', asns: [65001] }] }));
  const [view] = routeViews(loc, PREFIX, peerLinks);
  if (view === undefined) throw new Error('no route view');
  return view;
}

describe('route views of IPv6 next hops (RFC 2545 §3)', () => {
  it('shows :: + link-local as the link-local on the session\u2019s interface', () => {
    const view = viewOf(['::', 'fe80::1']);
    expect(view).toMatchObject({ nextHop: 'fe80::1', nextHopInterface: 'eth0' });
    expect(formatRoutes([view])).toMatch(/fe80::1 on eth0/);
  });

  it('shows a link-local sent alone the same way, without an interface when the session has no link', () => {
    expect(viewOf(['fe80::1'])).toMatchObject({ nextHop: 'fe80::1', nextHopInterface: 'eth0' });
    expect(viewOf(['fe80::1'], () => undefined)).toMatchObject({ nextHop: 'fe80::1', nextHopInterface: null });
  });

  it('shows the global address of a global + link-local next hop, and IPv4 as it is', () => {
    const view = viewOf(['fd00::1', 'fe80::1']);
    expect(view).toMatchObject({ nextHop: 'fd00::1', nextHopInterface: null });
    expect(formatRoutes([view])).not.toMatch(/ on /);
    expect(viewOf(['10.0.0.1'])).toMatchObject({ nextHop: '10.0.0.1', nextHopInterface: null });
  });
});
