import { describe, expect, it } from 'vitest';
import { CeaseSubcode } from '../../src/bgp/constants.js';
import type { SessionDown } from '../../src/fsm/session-api.js';
import type { PathAttribute, UpdateMessage } from '../../src/bgp/types.js';
import type { RouteSink } from '../../src/daemon/route-sink.js';
import { isEndOfRib } from '../../src/bgp/end-of-rib.js';
import { config, MemoryNetwork, startSpeaker, turns, until } from './harness.js';
import type { EndSettings, MemorySession } from './memory-session.js';

const NODE_A = `
asNumber: 64512
node: {name: node-a, ipv4Address: 10.0.0.1/24}
mesh: {enabled: false}
kernel: {enabled: false}
pools: [{cidr: 10.244.0.0/16, blockSize: 26}]
blocks: [10.244.1.0/26]
`;

function scripted(network: MemoryNetwork, settings: Partial<EndSettings> & Pick<EndSettings, 'localAddress' | 'address'>): MemorySession {
  const end = network.scripted({ name: `to-${settings.address}`, asNumber: 64512, localAs: 64512, routerId: settings.localAddress, ...settings });
  end.start();
  return end;
}

function attr<T extends PathAttribute['type']>(u: UpdateMessage, type: T): Extract<PathAttribute, { type: T }> | undefined {
  return u.attributes.find((a): a is Extract<PathAttribute, { type: T }> => a.type === type);
}

function announced(end: MemorySession): Map<string, UpdateMessage> {
  const out = new Map<string, UpdateMessage>();
  for (const u of end.updates()) {
    for (const n of u.withdrawn) out.delete(n.prefix);
    for (const n of u.nlri) out.set(n.prefix, u);
  }
  return out;
}

function announce(end: MemorySession, prefixes: string[], nextHop: string, extra: PathAttribute[] = []): void {
  end.sendMessage({
    type: 'update',
    withdrawn: [],
    attributes: [{ type: 'origin', origin: 'igp' }, { type: 'as-path', segments: [] }, { type: 'next-hop', nextHop }, ...extra],
    nlri: prefixes.map((prefix) => ({ prefix })),
  });
}

function withdraw(end: MemorySession, prefixes: string[]): void {
  end.sendMessage({ type: 'update', withdrawn: prefixes.map((prefix) => ({ prefix })), attributes: [], nlri: [] });
}

const REFLECTOR = `
asNumber: 64512
node: {name: rr, ipv4Address: 10.0.0.100/24, routeReflectorClusterId: 244.0.0.1}
kernel: {enabled: false}
pools: [{cidr: 10.244.0.0/16, blockSize: 26}]
peers:
  - {name: c1, address: 10.0.0.11, asNumber: 64512}
  - {name: c2, address: 10.0.0.12, asNumber: 64512}
`;

async function reflectorWithClients(c2Settings: Partial<EndSettings> = {}) {
  const network = new MemoryNetwork();
  const rr = await startSpeaker(network, '10.0.0.100', REFLECTOR);
  const c1 = scripted(network, { localAddress: '10.0.0.11', address: '10.0.0.100' });
  const c2 = scripted(network, { localAddress: '10.0.0.12', address: '10.0.0.100', ...c2Settings });
  await until(() => c1.updates().length > 0 && c2.updates().length > 0);
  return { network, rr, c1, c2 };
}

describe('speaker pipeline (in-memory sessions)', () => {
  it('sends originated blocks to a new peer with next hop self, then End-of-RIB (RFC 4724 §2)', async () => {
    const network = new MemoryNetwork();
    const yaml = `${NODE_A}peers: [{name: b, address: 10.0.0.2, asNumber: 64512}]\n`;
    await startSpeaker(network, '10.0.0.1', yaml);
    const b = scripted(network, { localAddress: '10.0.0.2', address: '10.0.0.1' });
    await until(() => b.updates().some((u) => isEndOfRib(u) !== undefined));
    const updates = b.updates();
    const block = updates.findIndex((u) => u.nlri.some((n) => n.prefix === '10.244.1.0/26'));
    const eor = updates.findIndex((u) => isEndOfRib(u) !== undefined);
    expect(block).toBeGreaterThanOrEqual(0);
    expect(eor).toBeGreaterThan(block);
    const u = updates[block]!;
    expect(attr(u, 'next-hop')?.nextHop).toBe('10.0.0.1');
    // RFC 4271 §5.1.5: LOCAL_PREF is always sent to iBGP peers; for a block, 2^31-1 − the normal
    // priority 1024, as Calico v3.32's BIRD sends it (CALICO.md §1.3).
    expect(attr(u, 'local-pref')?.localPref).toBe(2147482623);
  });

  it('re-sends its blocks with the new LOCAL_PREF when a reload changes the normal route priority, without a reset', async () => {
    const network = new MemoryNetwork();
    const yaml = `${NODE_A}peers: [{name: b, address: 10.0.0.2, asNumber: 64512}]\n`;
    const a = await startSpeaker(network, '10.0.0.1', yaml);
    const b = scripted(network, { localAddress: '10.0.0.2', address: '10.0.0.1' });
    await until(() => b.updates().some((u) => isEndOfRib(u) !== undefined));
    const localPrefs = (): (number | undefined)[] =>
      b.updates().filter((u) => u.nlri.some((n) => n.prefix === '10.244.1.0/26')).map((u) => attr(u, 'local-pref')?.localPref);
    expect(localPrefs()).toEqual([2147482623]);
    const downs: string[] = [];
    b.on('down', () => downs.push('b'));
    const outcome = await a.speaker.reload(config(`${yaml}normalRoutePriority: {ipv4: 2000}\n`));
    expect(outcome).toMatchObject({ policyChanged: ['normalRoutePriority'], peersReset: [] });
    await until(() => localPrefs().length === 2);
    expect(localPrefs()).toEqual([2147482623, 2147483647 - 2000]);
    expect(downs).toEqual([]);
  });

  it('carries routes between two daemons through real encode and decode', async () => {
    const network = new MemoryNetwork();
    const a = await startSpeaker(network, '10.0.0.1', `${NODE_A}peers: [{name: b, address: 10.0.0.2, asNumber: 64512}]\n`);
    const b = await startSpeaker(
      network,
      '10.0.0.2',
      `asNumber: 64512\nnode: {name: node-b, ipv4Address: 10.0.0.2/24}\nmesh: {enabled: false}\nkernel: {enabled: false}\npools: [{cidr: 10.244.0.0/16, blockSize: 26}]\nblocks: [10.244.2.0/26]\npeers: [{name: a, address: 10.0.0.1, asNumber: 64512}]\n`,
    );
    await until(() => a.speaker.locRib.best('10.244.2.0/26') !== undefined && b.speaker.locRib.best('10.244.1.0/26') !== undefined);
    const learned = b.speaker.routes('10.244.1.0/26');
    expect(learned).toHaveLength(1);
    expect(learned[0]).toMatchObject({ prefix: '10.244.1.0/26', peer: 'a', peerAddress: '10.0.0.1', nextHop: '10.0.0.1', best: true, localPref: 2147482623 });
    expect(a.speaker.peers()[0]).toMatchObject({ name: 'b', state: 'Established', prefixesReceived: 1, prefixesAccepted: 1, prefixesAdvertised: 1, routerId: '10.0.0.2' });
  });

  it('reflects a client route to the other client with ORIGINATOR_ID and CLUSTER_LIST, not back to its source (RFC 4456 §8)', async () => {
    const { c1, c2 } = await reflectorWithClients();
    const before = c1.updates().length;
    announce(c1, ['10.244.5.0/26'], '10.0.0.11');
    await until(() => announced(c2).has('10.244.5.0/26'));
    const u = announced(c2).get('10.244.5.0/26')!;
    expect(attr(u, 'originator-id')?.originatorId).toBe('10.0.0.11');
    expect(attr(u, 'cluster-list')?.clusterIds).toEqual(['244.0.0.1']);
    // iBGP reflection keeps the next hop (BIRD's default, nextHopMode Auto).
    expect(attr(u, 'next-hop')?.nextHop).toBe('10.0.0.11');
    await turns();
    expect(c1.updates().slice(before).some((x) => x.nlri.length > 0)).toBe(false);
  });

  it('keeps a ToR default route out of what it sends to other peers (Calico export, SPEC §3)', async () => {
    const network = new MemoryNetwork();
    const yaml = `${NODE_A}peers:\n  - {name: tor, address: 10.0.0.254, asNumber: 65001}\n  - {name: b, address: 10.0.0.2, asNumber: 64512}\n`;
    const a = await startSpeaker(network, '10.0.0.1', yaml);
    const tor = scripted(network, { localAddress: '10.0.0.254', address: '10.0.0.1', localAs: 65001 });
    const b = scripted(network, { localAddress: '10.0.0.2', address: '10.0.0.1' });
    await until(() => b.updates().some((u) => isEndOfRib(u) !== undefined));
    tor.sendMessage({
      type: 'update',
      withdrawn: [],
      attributes: [
        { type: 'origin', origin: 'igp' },
        { type: 'as-path', segments: [{ type: 'sequence', asns: [65001] }] },
        { type: 'next-hop', nextHop: '10.0.0.254' },
        { type: 'local-pref', localPref: 500 },
      ],
      nlri: [{ prefix: '0.0.0.0/0' }, { prefix: '10.244.9.0/26' }],
    });
    await until(() => announced(b).has('10.244.9.0/26'));
    expect(a.speaker.locRib.best('0.0.0.0/0')).toBeDefined();
    expect(announced(b).has('0.0.0.0/0')).toBe(false);
    // RFC 4271 §5.1.5: LOCAL_PREF from an eBGP peer is ignored (stripped on import).
    expect(a.speaker.routes('0.0.0.0/0')[0]).toMatchObject({ peer: 'tor', localPref: null, asPath: [65001] });
    // The ToR is not sent its own routes back, and never the default route.
    expect(announced(tor).has('0.0.0.0/0')).toBe(false);
  });

  it('stores looping and treat-as-withdraw paths flagged ineligible, not dropped (RFC 4456 §8, RFC 7606 §2)', async () => {
    const { rr, c1 } = await reflectorWithClients();
    announce(c1, ['10.244.6.0/26'], '10.0.0.11', [{ type: 'cluster-list', clusterIds: ['244.0.0.1'] }]);
    await until(() => rr.speaker.routes('10.244.6.0/26').length > 0);
    expect(rr.speaker.routes('10.244.6.0/26')[0]).toMatchObject({ best: false, ineligible: 'cluster-loop' });
    expect(rr.speaker.locRib.best('10.244.6.0/26')).toBeUndefined();
    // Missing AS_PATH: RFC 7606 §3 d treat-as-withdraw.
    announce(c1, ['10.244.7.0/26'], '10.0.0.11');
    await until(() => rr.speaker.locRib.best('10.244.7.0/26') !== undefined);
    c1.sendMessage({ type: 'update', withdrawn: [], attributes: [{ type: 'origin', origin: 'igp' }, { type: 'next-hop', nextHop: '10.0.0.11' }], nlri: [{ prefix: '10.244.7.0/26' }] });
    await until(() => rr.speaker.locRib.best('10.244.7.0/26') === undefined);
    expect(rr.speaker.routes('10.244.7.0/26')[0]).toMatchObject({ ineligible: 'treat-as-withdraw', best: false });
    expect(rr.speaker.peers().find((p) => p.name === 'c1')).toMatchObject({ prefixesReceived: 2, prefixesAccepted: 0 });
  });

  it('coalesces churn while a member is blocked: a prefix goes out once, in its latest state', async () => {
    const network = new MemoryNetwork();
    network.options.set('10.0.0.100>10.0.0.12', { highWaterMark: 0 });
    const rr = await startSpeaker(network, '10.0.0.100', REFLECTOR);
    const c1 = scripted(network, { localAddress: '10.0.0.11', address: '10.0.0.100' });
    const c2 = scripted(network, { localAddress: '10.0.0.12', address: '10.0.0.100' });
    await until(() => c2.updates().some((u) => isEndOfRib(u) !== undefined));
    const toC2 = network.end('10.0.0.100', '10.0.0.12')!;
    toC2.hold();
    // Something goes out first, so the group is blocked (XOFF) while P churns.
    announce(c1, ['10.244.99.0/26'], '10.0.0.11');
    await until(() => toC2.sentRaw.length > 0 && rr.speaker.groups.groups().next().value?.blocked === true);
    const P = '10.244.8.0/26';
    announce(c1, [P], '10.0.0.11', [{ type: 'med', med: 1 }]);
    await until(() => rr.speaker.locRib.best(P) !== undefined);
    await turns();
    withdraw(c1, [P]);
    await until(() => rr.speaker.locRib.best(P) === undefined);
    announce(c1, [P], '10.0.0.11', [{ type: 'med', med: 2 }]);
    await until(() => rr.speaker.locRib.best(P) !== undefined);
    await turns();
    const seenBefore = c2.updates().length;
    toC2.release();
    await until(() => announced(c2).has(P));
    await turns();
    const mentions = c2.updates().slice(seenBefore).filter((u) => u.nlri.some((n) => n.prefix === P) || u.withdrawn.some((n) => n.prefix === P));
    expect(mentions).toHaveLength(1);
    expect(attr(mentions[0]!, 'med')?.med).toBe(2);
  });

  it('withdraws what a peer sent when its session goes down', async () => {
    const { c1, c2 } = await reflectorWithClients();
    announce(c1, ['10.244.10.0/26', '10.244.11.0/26'], '10.0.0.11');
    await until(() => announced(c2).size === 2);
    c1.breakLink();
    await until(() => announced(c2).size === 0);
  });

  it('keeps a restarting peer\u2019s routes as stale and sweeps what End-of-RIB did not refresh (RFC 4724 §4.2)', async () => {
    const network = new MemoryNetwork();
    network.options.set('10.0.0.100>10.0.0.11', { retainOnLoss: true });
    const rr = await startSpeaker(network, '10.0.0.100', REFLECTOR);
    const c1 = scripted(network, { localAddress: '10.0.0.11', address: '10.0.0.100', gracefulRestartSec: 120 });
    const c2 = scripted(network, { localAddress: '10.0.0.12', address: '10.0.0.100' });
    await until(() => c1.established && c2.established);
    announce(c1, ['10.244.12.0/26', '10.244.13.0/26'], '10.0.0.11');
    await until(() => announced(c2).size === 2);
    c1.breakLink();
    await turns();
    expect(announced(c2).size).toBe(2);
    expect(rr.speaker.routes('10.244.12.0/26')[0]).toMatchObject({ stale: true, best: true });
    c1.reconnect();
    await until(() => c1.established);
    announce(c1, ['10.244.12.0/26'], '10.0.0.11');
    c1.sendMessage({ type: 'update', withdrawn: [], attributes: [], nlri: [] });
    await until(() => !announced(c2).has('10.244.13.0/26'));
    expect(announced(c2).has('10.244.12.0/26')).toBe(true);
    expect(rr.speaker.routes('10.244.12.0/26')[0]).toMatchObject({ stale: false });
    expect(rr.timers.pending).toBe(0);
  });

  it.each([
    { why: 'the Forwarding State bit clear', families: [{ name: 'ipv4-unicast' as const, forwardingPreserved: false }] },
    { why: 'the family left out', families: [{ name: 'ipv6-unicast' as const, forwardingPreserved: true }] },
  ])('drops stale routes at once when the new OPEN has $why (RFC 4724 §4.2)', async ({ families }) => {
    const network = new MemoryNetwork();
    network.options.set('10.0.0.100>10.0.0.11', { retainOnLoss: true });
    const rr = await startSpeaker(network, '10.0.0.100', REFLECTOR);
    const c1 = scripted(network, { localAddress: '10.0.0.11', address: '10.0.0.100', gracefulRestartSec: 120, gracefulRestartFamilies: families });
    const c2 = scripted(network, { localAddress: '10.0.0.12', address: '10.0.0.100' });
    await until(() => c1.established && c2.established);
    announce(c1, ['10.244.15.0/26'], '10.0.0.11');
    await until(() => announced(c2).size === 1);
    c1.breakLink();
    await turns();
    expect(rr.speaker.routes('10.244.15.0/26')[0]).toMatchObject({ stale: true });
    c1.reconnect();
    await until(() => c1.established);
    await until(() => announced(c2).size === 0);
    expect(rr.speaker.routes('10.244.15.0/26')).toEqual([]);
    expect(rr.timers.pending).toBe(0);
  });

  it('sweeps stale routes when the restart time passes without the peer (RFC 4724 §4.2)', async () => {
    const network = new MemoryNetwork();
    network.options.set('10.0.0.100>10.0.0.11', { retainOnLoss: true });
    const rr = await startSpeaker(network, '10.0.0.100', REFLECTOR);
    const c1 = scripted(network, { localAddress: '10.0.0.11', address: '10.0.0.100', gracefulRestartSec: 30 });
    const c2 = scripted(network, { localAddress: '10.0.0.12', address: '10.0.0.100' });
    await until(() => c1.established && c2.established);
    announce(c1, ['10.244.14.0/26'], '10.0.0.11');
    await until(() => announced(c2).size === 1);
    c1.breakLink();
    await turns();
    rr.timers.advance(29_000);
    await turns();
    expect(announced(c2).size).toBe(1);
    rr.timers.advance(1_000);
    await until(() => announced(c2).size === 0);
  });

  it('closes with Cease 6/1 past maxPrefixes and restarts after the back-off (RFC 4486 §4)', async () => {
    const network = new MemoryNetwork();
    const yaml = REFLECTOR.replace('{name: c1, address: 10.0.0.11, asNumber: 64512}', '{name: c1, address: 10.0.0.11, asNumber: 64512, maxPrefixes: {limit: 2}}');
    const rr = await startSpeaker(network, '10.0.0.100', yaml, { maxPrefixRestartMs: 5000 });
    const c1 = scripted(network, { localAddress: '10.0.0.11', address: '10.0.0.100' });
    const downs: { code?: number; subcode?: number }[] = [];
    c1.on('down', (d) => downs.push({ ...(d.received ? { code: d.received.code, subcode: d.received.subcode } : {}) }));
    await until(() => c1.established);
    announce(c1, ['10.244.15.0/26', '10.244.16.0/26'], '10.0.0.11');
    await until(() => rr.speaker.locRib.size === 2);
    expect(c1.established).toBe(true);
    announce(c1, ['10.244.17.0/26'], '10.0.0.11');
    await until(() => !c1.established);
    expect(downs).toEqual([{ code: 6, subcode: 1 }]);
    expect(rr.speaker.locRib.size).toBe(0);
    rr.timers.advance(5000);
    await until(() => c1.established);
  });

  it('only warns past maxPrefixes with warningOnly', async () => {
    const network = new MemoryNetwork();
    const yaml = REFLECTOR.replace('{name: c1, address: 10.0.0.11, asNumber: 64512}', '{name: c1, address: 10.0.0.11, asNumber: 64512, maxPrefixes: {limit: 1, warningOnly: true}}');
    const rr = await startSpeaker(network, '10.0.0.100', yaml);
    const c1 = scripted(network, { localAddress: '10.0.0.11', address: '10.0.0.100' });
    await until(() => c1.established);
    announce(c1, ['10.244.15.0/26', '10.244.16.0/26'], '10.0.0.11');
    await until(() => rr.speaker.locRib.size === 2);
    await turns();
    expect(c1.established).toBe(true);
  });

  it('answers ROUTE-REFRESH with BoRR, the table and EoRR (RFC 7313 §4)', async () => {
    const { c1, c2 } = await reflectorWithClients({ enhancedRouteRefresh: true });
    announce(c1, ['10.244.18.0/26'], '10.0.0.11');
    await until(() => announced(c2).size === 1);
    const from = c2.received.length;
    c2.sendMessage({ type: 'route-refresh', afi: 1, safi: 1, subtype: 'normal' });
    await until(() => c2.received.slice(from).some((m) => m.type === 'route-refresh' && m.subtype === 'eorr'));
    const after = c2.received.slice(from);
    expect(after[0]).toMatchObject({ type: 'route-refresh', subtype: 'borr' });
    expect(after.some((m) => m.type === 'update' && m.nlri.some((n) => n.prefix === '10.244.18.0/26'))).toBe(true);
    expect(after.at(-1)).toMatchObject({ type: 'route-refresh', subtype: 'eorr' });
  });
});

describe('speaker reload (diffConfigs)', () => {
  const TOR_AND_B = `${NODE_A}peers:\n  - {name: tor, address: 10.0.0.254, asNumber: 65001}\n  - {name: b, address: 10.0.0.2, asNumber: 64512}\n`;

  /** Speaker A (TOR_AND_B) with its eBGP ToR session up. */
  async function withTor(): Promise<{ network: MemoryNetwork; a: Awaited<ReturnType<typeof startSpeaker>>; tor: MemorySession }> {
    const network = new MemoryNetwork();
    const a = await startSpeaker(network, '10.0.0.1', TOR_AND_B);
    const tor = scripted(network, { localAddress: '10.0.0.254', address: '10.0.0.1', localAs: 65001 });
    await until(() => tor.established);
    return { network, a, tor };
  }

  it('re-runs export for a policy change without resetting any session', async () => {
    const network = new MemoryNetwork();
    const a = await startSpeaker(network, '10.0.0.1', TOR_AND_B);
    const tor = scripted(network, { localAddress: '10.0.0.254', address: '10.0.0.1', localAs: 65001 });
    const b = scripted(network, { localAddress: '10.0.0.2', address: '10.0.0.1' });
    await until(() => b.updates().some((u) => isEndOfRib(u) !== undefined));
    tor.sendMessage({
      type: 'update',
      withdrawn: [],
      attributes: [{ type: 'origin', origin: 'igp' }, { type: 'as-path', segments: [{ type: 'sequence', asns: [65001] }] }, { type: 'next-hop', nextHop: '10.0.0.254' }],
      nlri: [{ prefix: '0.0.0.0/0' }],
    });
    await until(() => a.speaker.locRib.best('0.0.0.0/0') !== undefined);
    await turns();
    expect(announced(b).has('0.0.0.0/0')).toBe(false);
    const downs: string[] = [];
    b.on('down', () => downs.push('b'));
    tor.on('down', () => downs.push('tor'));
    const outcome = await a.speaker.reload(config(`${TOR_AND_B}exportPolicy: all\n`));
    expect(outcome).toMatchObject({ policyChanged: ['exportPolicy'], peersReset: [] });
    await until(() => announced(b).has('0.0.0.0/0'));
    // Back to Calico's policy: the default route is withdrawn again.
    await a.speaker.reload(config(TOR_AND_B));
    await until(() => !announced(b).has('0.0.0.0/0'));
    expect(downs).toEqual([]);
  });

  it('sends the operator\'s message with a reset or a disable (RFC 9003), and the plain Cease without one', async () => {
    const { a, tor } = await withTor();
    const downs: SessionDown[] = [];
    tor.on('down', (d) => downs.push(d));
    expect(a.speaker.peerAction('tor', 'reset', 'new line card')).toBe(true);
    await until(() => downs.length === 1 && tor.established);
    expect(downs[0]!.received).toMatchObject({ subcode: CeaseSubcode.ADMINISTRATIVE_RESET, shutdownMessage: 'new line card' });
    expect(a.speaker.peerAction('tor', 'disable')).toBe(true);
    await until(() => downs.length === 2);
    expect(downs[1]!.received).toMatchObject({ subcode: CeaseSubcode.ADMINISTRATIVE_SHUTDOWN });
    expect(downs[1]!.received!.shutdownMessage).toBeUndefined();
    expect(a.speaker.peerAction('nobody', 'disable', 'x')).toBe(false);
  });

  it('hands changed connect, DelayOpen and error-wait times to the running session without resetting it', async () => {
    const { network, a, tor } = await withTor();
    const downs: string[] = [];
    tor.on('down', () => downs.push('tor'));
    const changed = TOR_AND_B.replace(
      '{name: tor, address: 10.0.0.254, asNumber: 65001}',
      '{name: tor, address: 10.0.0.254, asNumber: 65001, connectRetrySec: 30, connectDelaySec: 0, delayOpenSec: 5, errorWait: {minSec: 1, maxSec: 10}}',
    );
    const outcome = await a.speaker.reload(config(changed));
    expect(outcome.peersReset).toEqual([]);
    expect(network.end('10.0.0.1', '10.0.0.254')!.retimes).toEqual([
      { connectDelaySec: 0, connectRetrySec: 30, delayOpenSec: 5, errorWaitMinSec: 1, errorWaitMaxSec: 10, errorForgetSec: 300 },
    ]);
    expect(network.end('10.0.0.1', '10.0.0.2')!.retimes).toEqual([]);
    expect(downs).toEqual([]);
  });

  it('resets only the session whose settings changed, and adds and removes peers', async () => {
    const network = new MemoryNetwork();
    const a = await startSpeaker(network, '10.0.0.1', TOR_AND_B);
    const tor = scripted(network, { localAddress: '10.0.0.254', address: '10.0.0.1', localAs: 65001 });
    const b = scripted(network, { localAddress: '10.0.0.2', address: '10.0.0.1' });
    await until(() => tor.established && b.established);
    const downs: string[] = [];
    b.on('down', () => downs.push('b'));
    tor.on('down', () => downs.push('tor'));
    const changed = TOR_AND_B.replace('{name: tor, address: 10.0.0.254, asNumber: 65001}', '{name: tor, address: 10.0.0.254, asNumber: 65001, holdTimeSec: 30}');
    const outcome = await a.speaker.reload(config(changed));
    expect(outcome.peersReset).toEqual(['tor']);
    expect(downs).toEqual(['tor']);
    // The new session for tor pairs with the scripted end again.
    network.add(tor);
    tor.start();
    await until(() => tor.established);
    const removed = await a.speaker.reload(config(`${NODE_A}peers:\n  - {name: c, address: 10.0.0.3, asNumber: 64512}\n`));
    expect(removed).toMatchObject({ peersAdded: ['c'], peersRemoved: ['tor', 'b'] });
    expect(a.speaker.peerNames()).toEqual(['c']);
    expect(downs).toEqual(['tor', 'tor', 'b']);
  });
});

describe('speaker multipath (ECMP to the route sink)', () => {
  const TWO_TORS = `${NODE_A}peers:\n  - {name: tor1, address: 10.0.0.251, asNumber: 65001}\n  - {name: tor2, address: 10.0.0.252, asNumber: 65001}\n`;

  /** The last next-hop set the sink got for each prefix. */
  function recordingSink(): { readonly sink: RouteSink; readonly hops: Map<string, string[]> } {
    const hops = new Map<string, string[]>();
    const sink: RouteSink = {
      apply: (changes) => {
        for (const c of changes) hops.set(c.prefix, c.multipath.map((p) => p.attrs.nextHop ?? '').sort());
      },
    };
    return { sink, hops };
  }

  async function twoTorsAnnouncing(yaml: string) {
    const network = new MemoryNetwork();
    const { sink, hops } = recordingSink();
    const a = await startSpeaker(network, '10.0.0.1', yaml, { routeSink: sink });
    const tors = ['10.0.0.251', '10.0.0.252'].map((address) => scripted(network, { localAddress: address, address: '10.0.0.1', localAs: 65001 }));
    await until(() => tors.every((t) => t.established));
    for (const [i, tor] of tors.entries()) {
      tor.sendMessage({
        type: 'update',
        withdrawn: [],
        attributes: [{ type: 'origin', origin: 'igp' }, { type: 'as-path', segments: [{ type: 'sequence', asns: [65001] }] }, { type: 'next-hop', nextHop: tor.settings.localAddress }],
        nlri: [{ prefix: '0.0.0.0/0' }],
      });
      await until(() => a.speaker.locRib.candidates('0.0.0.0/0').length === i + 1);
    }
    await turns();
    return { a, hops };
  }

  it('gives the sink both ToRs\u2019 next hops with maxPaths 2', async () => {
    const { hops } = await twoTorsAnnouncing(`${TWO_TORS}multipath: {maxPaths: 2}\n`);
    expect(hops.get('0.0.0.0/0')).toEqual(['10.0.0.251', '10.0.0.252']);
  });

  it('gives the sink only the best path by default, and both after a reload to maxPaths 2', async () => {
    const { a, hops } = await twoTorsAnnouncing(TWO_TORS);
    expect(hops.get('0.0.0.0/0')).toHaveLength(1);
    const outcome = await a.speaker.reload(config(`${TWO_TORS}multipath: {maxPaths: 2}\n`));
    expect(outcome).toMatchObject({ otherChanged: ['multipath'], peersReset: [] });
    await turns();
    expect(hops.get('0.0.0.0/0')).toEqual(['10.0.0.251', '10.0.0.252']);
  });
});

describe('a slow peer in an update group', () => {
  const THREE_CLIENTS = `
asNumber: 64512
node: {name: rr, ipv4Address: 10.0.0.100/24, routeReflectorClusterId: 244.0.0.1}
kernel: {enabled: false}
pools: [{cidr: 10.244.0.0/16, blockSize: 26}]
peers:
  - {name: c1, address: 10.0.0.11, asNumber: 64512}
  - {name: c2, address: 10.0.0.12, asNumber: 64512}
  - {name: c3, address: 10.0.0.13, asNumber: 64512}
`;

  it('is moved to a group of its own once it has held the others back for slowMemberMs; it still gets everything', async () => {
    let clock = 1_000_000;
    const network = new MemoryNetwork();
    network.options.set('10.0.0.100>10.0.0.13', { highWaterMark: 0 });
    const rr = await startSpeaker(network, '10.0.0.100', THREE_CLIENTS, { slowMemberMs: 5_000, now: () => clock });
    const c1 = scripted(network, { localAddress: '10.0.0.11', address: '10.0.0.100' });
    const c2 = scripted(network, { localAddress: '10.0.0.12', address: '10.0.0.100' });
    const c3 = scripted(network, { localAddress: '10.0.0.13', address: '10.0.0.100' });
    await until(() => [c2, c3].every((c) => c.updates().some((u) => isEndOfRib(u) !== undefined)));
    expect(rr.speaker.groups.size).toBe(1);
    const toC3 = network.end('10.0.0.100', '10.0.0.13')!;
    toC3.hold();
    announce(c1, ['10.244.21.0/26'], '10.0.0.11');
    await until(() => rr.speaker.groups.groups().next().value?.blocked === true);
    // Blocked, but not for long yet: c2 waits with the group.
    announce(c1, ['10.244.22.0/26'], '10.0.0.11');
    await turns();
    expect(announced(c2).has('10.244.22.0/26')).toBe(false);
    expect(rr.speaker.groups.size).toBe(1);
    // Past slowMemberMs: the next change finds c3 slow; c3 gets a group of its own and c2 goes on.
    clock += 5_000;
    announce(c1, ['10.244.23.0/26'], '10.0.0.11');
    await until(() => ['10.244.22.0/26', '10.244.23.0/26'].every((p) => announced(c2).has(p)));
    expect(rr.speaker.groups.size).toBe(2);
    // c3 catches up with the whole table once it reads again.
    toC3.release();
    await until(() => ['10.244.21.0/26', '10.244.22.0/26', '10.244.23.0/26'].every((p) => announced(c3).has(p)));
    // A withdrawal reaches both groups.
    withdraw(c1, ['10.244.21.0/26']);
    await until(() => !announced(c2).has('10.244.21.0/26') && !announced(c3).has('10.244.21.0/26'));
  });
});
