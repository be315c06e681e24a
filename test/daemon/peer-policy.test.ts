// Per-peer Calico policy end to end on in-memory sessions: BGPFilter import and export rules,
// the session's local AS, and what a reload of the rules does (CALICO.md §1.5, §1.7).
import { describe, expect, it } from 'vitest';
import { isEndOfRib } from '../../src/bgp/end-of-rib.js';
import type { PathAttribute, RouteRefreshMessage, UpdateMessage } from '../../src/bgp/types.js';
import { effectivePeers } from '../../src/config/peers.js';
import { localSpeakerFor } from '../../src/daemon/tcp-backend.js';
import { buildOpen } from '../../src/fsm/open.js';
import { config, MemoryNetwork, startSpeaker, turns, until } from './harness.js';
import type { EndSettings, MemorySession } from './memory-session.js';

const NODE_A = `
asNumber: 64512
node: {name: node-a, ipv4Address: 10.0.0.1/24}
mesh: {enabled: false}
kernel: {enabled: false}
pools: [{cidr: 10.244.0.0/16, blockSize: 26}]
blocks: [10.244.1.0/26, 10.244.2.0/26]
`;

const FILTERS = `
filters:
  - name: tor-in
    importV4:
      - {action: Reject, matchOperator: Equal, cidr: 0.0.0.0/0}
  - name: tor-out
    exportV4:
      - {action: Reject, matchOperator: Equal, cidr: 10.244.2.0/26}
`;

function scripted(network: MemoryNetwork, settings: Partial<EndSettings> & Pick<EndSettings, 'localAddress' | 'address'>): MemorySession {
  const end = network.scripted({ name: `to-${settings.address}`, asNumber: 64512, localAs: 64512, routerId: settings.localAddress, ...settings });
  end.start();
  return end;
}

function announced(end: MemorySession): Map<string, UpdateMessage> {
  const out = new Map<string, UpdateMessage>();
  for (const u of end.updates()) {
    for (const n of u.withdrawn) out.delete(n.prefix);
    for (const n of u.nlri) out.set(n.prefix, u);
  }
  return out;
}

function asPathOf(u: UpdateMessage): number[] {
  const a = u.attributes.find((x): x is Extract<PathAttribute, { type: 'as-path' }> => x.type === 'as-path');
  return a?.segments.flatMap((s) => s.asns) ?? [];
}

function fromTor(tor: MemorySession, prefixes: string[]): void {
  tor.sendMessage({
    type: 'update',
    withdrawn: [],
    attributes: [{ type: 'origin', origin: 'igp' }, { type: 'as-path', segments: [{ type: 'sequence', asns: [65001] }] }, { type: 'next-hop', nextHop: '10.0.0.254' }],
    nlri: prefixes.map((prefix) => ({ prefix })),
  });
}

function refreshes(end: MemorySession): RouteRefreshMessage[] {
  return end.received.filter((m): m is RouteRefreshMessage => m.type === 'route-refresh');
}

const eor = (end: MemorySession) => end.updates().some((u) => isEndOfRib(u) !== undefined);

describe('BGPFilter import rules (CALICO.md §1.7)', () => {
  const YAML = `${NODE_A}${FILTERS}peers:\n  - {name: tor, address: 10.0.0.254, asNumber: 65001, filters: [tor-in]}\n  - {name: b, address: 10.0.0.2, asNumber: 64512}\n`;

  it('stores a rejected route flagged import-rejected, never best, and accepts the rest (fall-through)', async () => {
    const network = new MemoryNetwork();
    const a = await startSpeaker(network, '10.0.0.1', YAML);
    const tor = scripted(network, { localAddress: '10.0.0.254', address: '10.0.0.1', localAs: 65001 });
    await until(() => tor.established);
    fromTor(tor, ['0.0.0.0/0', '192.0.2.0/24']);
    await until(() => a.speaker.routes('0.0.0.0/0').length > 0 && a.speaker.locRib.best('192.0.2.0/24') !== undefined);
    expect(a.speaker.routes('0.0.0.0/0')[0]).toMatchObject({ peer: 'tor', best: false, ineligible: 'import-rejected' });
    expect(a.speaker.locRib.best('0.0.0.0/0')).toBeUndefined();
    expect(a.speaker.peers().find((p) => p.name === 'tor')).toMatchObject({ prefixesReceived: 2, prefixesAccepted: 1 });
  });

  it('on reload, asks a peer with route refresh to resend (RFC 2918) and judges the resent routes by the new rules', async () => {
    const network = new MemoryNetwork();
    const a = await startSpeaker(network, '10.0.0.1', YAML);
    const tor = scripted(network, { localAddress: '10.0.0.254', address: '10.0.0.1', localAs: 65001 });
    await until(() => tor.established);
    fromTor(tor, ['0.0.0.0/0']);
    await until(() => a.speaker.routes('0.0.0.0/0').length > 0);
    const downs: string[] = [];
    tor.on('down', () => downs.push('tor'));

    const outcome = await a.speaker.reload(config(YAML.replace(', filters: [tor-in]', '')));
    expect(outcome).toMatchObject({ peersReset: [], peersUpdated: ['tor'] });
    await until(() => refreshes(tor).length > 0);
    expect(refreshes(tor).map((m) => [m.afi, m.safi, m.subtype])).toEqual([
      [1, 1, 'normal'],
      [2, 1, 'normal'],
    ]);
    // Until the peer answers, its stored route keeps its verdict; the resent one is judged anew.
    expect(a.speaker.routes('0.0.0.0/0')[0]).toMatchObject({ ineligible: 'import-rejected' });
    fromTor(tor, ['0.0.0.0/0']);
    await until(() => a.speaker.locRib.best('0.0.0.0/0') !== undefined);
    expect(downs).toEqual([]);
  });

  it('on reload, judges the stored routes again when the peer has no route refresh, rejected ones included', async () => {
    const network = new MemoryNetwork();
    network.options.set('10.0.0.1>10.0.0.254', { routeRefresh: false });
    const plain = YAML.replace(', filters: [tor-in]', '');
    const a = await startSpeaker(network, '10.0.0.1', plain);
    const tor = scripted(network, { localAddress: '10.0.0.254', address: '10.0.0.1', localAs: 65001, routeRefresh: false });
    await until(() => tor.established);
    fromTor(tor, ['0.0.0.0/0', '192.0.2.0/24']);
    await until(() => a.speaker.locRib.best('0.0.0.0/0') !== undefined);

    await a.speaker.reload(config(YAML));
    expect(refreshes(tor)).toEqual([]);
    expect(a.speaker.routes('0.0.0.0/0')[0]).toMatchObject({ best: false, ineligible: 'import-rejected' });
    expect(a.speaker.locRib.best('0.0.0.0/0')).toBeUndefined();
    expect(a.speaker.locRib.best('192.0.2.0/24')).toBeDefined();

    await a.speaker.reload(config(plain));
    expect(a.speaker.locRib.best('0.0.0.0/0')).toBeDefined();
    expect(a.speaker.routes('0.0.0.0/0')[0]).toMatchObject({ ineligible: null });
  });

  it('accepts our AS in an eBGP path up to numAllowedLocalAsNumbers times', async () => {
    const network = new MemoryNetwork();
    const a = await startSpeaker(network, '10.0.0.1', `${NODE_A}peers:\n  - {name: tor, address: 10.0.0.254, asNumber: 65001, numAllowedLocalAsNumbers: 1}\n`);
    const tor = scripted(network, { localAddress: '10.0.0.254', address: '10.0.0.1', localAs: 65001 });
    await until(() => tor.established);
    const update = (prefix: string, asns: number[]): void => {
      tor.sendMessage({
        type: 'update',
        withdrawn: [],
        attributes: [{ type: 'origin', origin: 'igp' }, { type: 'as-path', segments: [{ type: 'sequence', asns }] }, { type: 'next-hop', nextHop: '10.0.0.254' }],
        nlri: [{ prefix }],
      });
    };
    update('10.250.1.0/24', [65001, 64512]);
    update('10.250.2.0/24', [65001, 64512, 64512]);
    await until(() => a.speaker.routes('10.250.2.0/24').length > 0);
    expect(a.speaker.routes('10.250.1.0/24')[0]).toMatchObject({ ineligible: null, best: true });
    expect(a.speaker.routes('10.250.2.0/24')[0]).toMatchObject({ ineligible: 'as-loop' });
  });
});

describe('BGPFilter export rules (CALICO.md §1.7)', () => {
  const YAML = `${NODE_A}${FILTERS}peers:\n  - {name: tor, address: 10.0.0.254, asNumber: 65001, filters: [tor-out]}\n  - {name: tor2, address: 10.0.0.253, asNumber: 65001}\n`;

  it('withholds a rejected prefix from that peer only: peers with different rules are in different update groups', async () => {
    const network = new MemoryNetwork();
    const a = await startSpeaker(network, '10.0.0.1', YAML);
    const tor = scripted(network, { localAddress: '10.0.0.254', address: '10.0.0.1', localAs: 65001 });
    const tor2 = scripted(network, { localAddress: '10.0.0.253', address: '10.0.0.1', localAs: 65001 });
    await until(() => eor(tor) && eor(tor2));
    expect([...announced(tor).keys()]).toEqual(['10.244.1.0/26']);
    expect([...announced(tor2).keys()].sort()).toEqual(['10.244.1.0/26', '10.244.2.0/26']);
    expect(a.speaker.groups.size).toBe(2);
  });

  it('applies changed rules on reload without a reset, and keeps them across a change of Calico’s policy', async () => {
    const network = new MemoryNetwork();
    const a = await startSpeaker(network, '10.0.0.1', YAML);
    const tor = scripted(network, { localAddress: '10.0.0.254', address: '10.0.0.1', localAs: 65001 });
    const tor2 = scripted(network, { localAddress: '10.0.0.253', address: '10.0.0.1', localAs: 65001 });
    await until(() => eor(tor) && eor(tor2));
    const downs: string[] = [];
    tor.on('down', () => downs.push('tor'));
    // Calico's policy changes (a new block): the filtered group keeps its rules.
    await a.speaker.reload(config(YAML.replace('blocks: [10.244.1.0/26, 10.244.2.0/26]', 'blocks: [10.244.1.0/26, 10.244.2.0/26, 10.244.3.0/26]')));
    await until(() => announced(tor).has('10.244.3.0/26') && announced(tor2).has('10.244.3.0/26'));
    await turns();
    expect(announced(tor).has('10.244.2.0/26')).toBe(false);
    // The rule now withholds another block: the first comes back, the other is withdrawn.
    const moved = YAML.replace('cidr: 10.244.2.0/26}', 'cidr: 10.244.1.0/26}');
    const outcome = await a.speaker.reload(config(moved));
    expect(outcome).toMatchObject({ peersReset: [], peersUpdated: ['tor'] });
    await until(() => announced(tor).has('10.244.2.0/26') && !announced(tor).has('10.244.1.0/26'));
    expect(announced(tor2).has('10.244.1.0/26')).toBe(true);
    expect(downs).toEqual([]);
  });
});

describe('per-session local AS (BIRD `local as`, Calico BGPPeer localASNumber)', () => {
  const YAML = `${NODE_A}peers:\n  - {name: tor, address: 10.0.0.254, asNumber: 65001, localAsNumber: 65201}\n  - {name: tor2, address: 10.0.0.253, asNumber: 65001}\n`;

  it('puts the session’s AS in the OPEN (My AS and the four-octet AS capability)', () => {
    const cfg = config(YAML);
    const [tor, tor2] = effectivePeers(cfg);
    const open = buildOpen(localSpeakerFor(tor!, cfg));
    expect(open.myAs).toBe(65201);
    expect(open.capabilities).toContainEqual({ code: 'four-octet-as', asn: 65201 });
    expect(buildOpen(localSpeakerFor(tor2!, cfg)).myAs).toBe(64512);
  });

  it('decides iBGP by the session’s AS', () => {
    const [tor] = effectivePeers(config(`${NODE_A}peers:\n  - {name: tor, address: 10.0.0.254, asNumber: 65201, localAsNumber: 65201}\n`));
    expect(tor).toMatchObject({ internal: true, localAsNumber: 65201 });
  });

  it('prepends the session’s AS on eBGP export, and treats it as ours in loop detection', async () => {
    const network = new MemoryNetwork();
    const a = await startSpeaker(network, '10.0.0.1', YAML);
    const tor = scripted(network, { localAddress: '10.0.0.254', address: '10.0.0.1', localAs: 65001 });
    const tor2 = scripted(network, { localAddress: '10.0.0.253', address: '10.0.0.1', localAs: 65001 });
    await until(() => eor(tor) && eor(tor2));
    expect(tor.other?.settings.localAs).toBe(65201);
    expect(asPathOf(announced(tor).get('10.244.1.0/26')!)).toEqual([65201]);
    expect(asPathOf(announced(tor2).get('10.244.1.0/26')!)).toEqual([64512]);
    tor.sendMessage({
      type: 'update',
      withdrawn: [],
      attributes: [{ type: 'origin', origin: 'igp' }, { type: 'as-path', segments: [{ type: 'sequence', asns: [65001, 65201] }] }, { type: 'next-hop', nextHop: '10.0.0.254' }],
      nlri: [{ prefix: '10.250.0.0/24' }],
    });
    await until(() => a.speaker.routes('10.250.0.0/24').length > 0);
    expect(a.speaker.routes('10.250.0.0/24')[0]).toMatchObject({ ineligible: 'as-loop' });
  });
});
