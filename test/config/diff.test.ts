import { describe, expect, it } from 'vitest';
import { diffConfigs } from '../../src/config/diff.js';
import { fakeEnvironment, mustLoad } from './helpers.js';

const BASE = `
node: {name: node1, ipv4Address: 10.0.0.201/24}
mesh:
  nodes:
    - {name: node2, ipv4Address: 10.0.0.202/24}
peers:
  - {name: tor1, address: 10.0.0.1, asNumber: 65001, password: {file: /keys/tor1}}
  - {name: tor2, address: 10.0.0.2, asNumber: 65001}
pools: [{cidr: 10.244.0.0/16, ipipMode: Always}]
blocks: [10.244.1.0/26]
`;

const KEYS = { '/keys/tor1': 'one', '/keys/tor1-copy': 'one', '/keys/other': 'two' };

function diff(before: string, after: string, afterKeys: Record<string, string> = KEYS) {
  return diffConfigs(mustLoad(before, fakeEnvironment(KEYS)), mustLoad(after, fakeEnvironment(afterKeys)));
}

const NO_CHANGE = { peersAdded: [], peersRemoved: [], peersChanged: [], policyChanged: [], otherChanged: [] };

describe('diffConfigs: what a reload must touch (SPEC §6: no reset for unrelated changes)', () => {
  it('finds nothing between a config and itself', () => {
    expect(diff(BASE, BASE)).toEqual(NO_CHANGE);
  });

  it('asks for a reset when an OPEN field changes: hold time (and the keepalive it implies)', () => {
    const result = diff(BASE, BASE.replace('asNumber: 65001}', 'asNumber: 65001, holdTimeSec: 90}'));
    expect(result.peersChanged).toEqual([{ name: 'tor2', session: ['holdTimeSec', 'keepaliveSec'], policy: [], live: [] }]);
    expect(result.policyChanged).toEqual([]);
  });

  it('asks for a reset when the password value changes, even at the same path', () => {
    const result = diff(BASE, BASE, { ...KEYS, '/keys/tor1': 'rotated' });
    expect(result.peersChanged).toEqual([{ name: 'tor1', session: ['password'], policy: [], live: [] }]);
  });

  it('leaves a session alone when only the password file moves, with the same key', () => {
    expect(diff(BASE, BASE.replace('/keys/tor1}', '/keys/tor1-copy}'))).toEqual(NO_CHANGE);
  });

  it.each([
    ['port', 'port: 1179'],
    ['ttlSecurity', 'ttlSecurity: 1'],
    ['sourceAddress', 'sourceAddress: 10.0.0.9'],
    ['passive', 'passive: true'],
    ['multihop', 'multihop: 2'],
    ['addPaths', 'addPaths: off'],
    ['gracefulRestart', 'gracefulRestart: {restartTimeSec: 60}'],
  ])('asks for a reset when %s changes', (field, yaml) => {
    const result = diff(BASE, BASE.replace('asNumber: 65001}', `asNumber: 65001, ${yaml}}`));
    expect(result.peersChanged).toEqual([{ name: 'tor2', session: [field], policy: [], live: [] }]);
  });

  it('keeps the session for policy-only peer changes: next-hop mode, prefix limit', () => {
    const result = diff(BASE, BASE.replace('asNumber: 65001}', 'asNumber: 65001, nextHopMode: Self, maxPrefixes: {limit: 100}}'));
    expect(result.peersChanged).toEqual([{ name: 'tor2', session: [], policy: ['nextHopMode', 'maxPrefixes'], live: [] }]);
  });

  it('applies connect timers and the error wait live', () => {
    const result = diff(BASE, BASE.replace('asNumber: 65001}', 'asNumber: 65001, connectRetrySec: 30, errorWait: {minSec: 1}}'));
    expect(result.peersChanged).toEqual([{ name: 'tor2', session: [], policy: [], live: ['connectRetrySec', 'errorWait'] }]);
  });

  it('lists peers added and removed, mesh peers included', () => {
    const after = BASE.replace("    - {name: node2, ipv4Address: 10.0.0.202/24}\n", '    - {name: node3, ipv4Address: 10.0.0.203/24}\n').replace(
      '  - {name: tor2, address: 10.0.0.2, asNumber: 65001}\n',
      '',
    );
    const result = diff(BASE, after);
    expect(result.peersAdded.map((p) => p.name)).toEqual(['Mesh_10_0_0_203']);
    expect(result.peersRemoved).toEqual(['Mesh_10_0_0_202', 'tor2']);
    expect(result.peersChanged).toEqual([]);
  });

  it('reports pool, block, service and community changes as policy, touching no session', () => {
    const after =
      BASE.replace('blocks: [10.244.1.0/26]', 'blocks: [10.244.1.0/26, 10.244.2.0/26]').replace('ipipMode: Always', 'ipipMode: CrossSubnet') +
      'serviceClusterIPs: [10.96.0.0/12]\nprefixAdvertisements: [{cidr: 10.244.0.0/16, communities: ["64512:1"]}]\n';
    expect(diff(BASE, after)).toEqual({ ...NO_CHANGE, policyChanged: ['pools', 'blocks', 'serviceClusterIPs', 'prefixAdvertisements'] });
    // Felix's normal route priority changes what is exported beneath blocks and the LOCAL_PREF sent.
    expect(diff(BASE, `${BASE}normalRoutePriority: {ipv4: 2048}\n`)).toEqual({ ...NO_CHANGE, policyChanged: ['normalRoutePriority'] });
    expect(diff(BASE, `${BASE}programClusterRoutes: Disabled\n`)).toEqual({ ...NO_CHANGE, policyChanged: ['programClusterRoutes'] });
  });

  it('resets every session when the router ID changes (OPEN BGP Identifier)', () => {
    const result = diff(BASE, `routerId: 10.9.9.9\n${BASE}`);
    expect(result.peersChanged.map((c) => [c.name, c.session])).toEqual([
      ['Mesh_10_0_0_202', ['routerId']],
      ['tor1', ['routerId']],
      ['tor2', ['routerId']],
    ]);
  });

  it('turns a cluster ID change into policy: reflected routes and client roles change, sessions stay', () => {
    const before = BASE.replace('mesh:\n', 'mesh:\n  enabled: false\n').replace('asNumber: 65001}', 'asNumber: 64512}');
    const after = before.replace('ipv4Address: 10.0.0.201/24}', 'ipv4Address: 10.0.0.201/24, routeReflectorClusterId: 244.0.0.1}');
    const result = diff(before, after);
    expect(result.policyChanged).toEqual(['node.routeReflectorClusterId']);
    expect(result.peersChanged).toEqual([{ name: 'tor2', session: [], policy: ['routeReflectorClient'], live: [] }]);
  });

  it('lists daemon-level changes separately', () => {
    const result = diff(BASE, `${BASE}listen: {port: 1179}\nlog: {level: debug}\nkernel: {persist: false}\n`);
    expect(result).toEqual({ ...NO_CHANGE, otherChanged: ['listen', 'kernel', 'log'] });
  });
});
