import { describe, expect, it } from 'vitest';
import { diffConfigs } from '../../src/config/diff.js';
import { effectivePeers } from '../../src/config/peers.js';
import { load, mustLoad } from './helpers.js';

const NODE = 'node: {name: node1, ipv4Address: 10.0.0.201/24}\nmesh: {enabled: false}\n';

const FILTERS = `
filters:
  - name: tor-export
    exportV4:
      - {action: Accept, matchOperator: In, cidr: 10.244.0.0/16, prefixLength: {min: 26, max: 26}}
      - {action: Reject, source: RemotePeers}
  - name: no-default
    importV4:
      - {action: Reject, matchOperator: Equal, cidr: 0.0.0.0/0}
    importV6:
      - {action: Reject, matchOperator: Equal, cidr: ::/0}
`;

function withPeer(peer: string, filters = FILTERS): string {
  return `${NODE}${filters}peers:\n  - ${peer}\n`;
}

function errorsOf(text: string): string[] {
  const result = load(text);
  if (result.ok) throw new Error('expected errors');
  return result.errors.map((e) => `${e.path}: ${e.message}`);
}

describe('native filters and per-peer policy keys (CALICO.md §1.5, §1.7)', () => {
  it('joins a peer’s filters’ rules in the order it lists them, per direction and family', () => {
    const config = mustLoad(withPeer('{name: tor, address: 10.0.0.1, asNumber: 65001, filters: [no-default, tor-export]}'));
    const [tor] = effectivePeers(config);
    expect(tor!.exportRules?.ipv4.map((r) => r.action)).toEqual(['Accept', 'Reject']);
    expect(tor!.exportRules?.ipv6).toEqual([]);
    expect(tor!.importRules).toEqual({ ipv4: [{ action: 'Reject', matchOperator: 'Equal', cidr: '0.0.0.0/0' }], ipv6: [{ action: 'Reject', matchOperator: 'Equal', cidr: '::/0' }] });
  });

  it('leaves peers without filters, and mesh sessions, without rules; local AS defaults to ours', () => {
    const config = mustLoad(withPeer('{name: tor, address: 10.0.0.1, asNumber: 65001}'));
    const [tor] = effectivePeers(config);
    expect(tor!.importRules).toBeUndefined();
    expect(tor!.exportRules).toBeUndefined();
    expect(tor).toMatchObject({ localAsNumber: 64512, allowedLocalAsNumbers: 0, internal: false });
  });

  it('reports a name no filter has, a filter defined twice, and a filter listed twice', () => {
    expect(errorsOf(withPeer('{name: tor, address: 10.0.0.1, asNumber: 65001, filters: [nope]}'))).toEqual(['peers[0].filters[0]: no filter named "nope" in filters']);
    const twice = `${FILTERS}  - name: no-default\n`;
    expect(errorsOf(withPeer('{name: tor, address: 10.0.0.1, asNumber: 65001}', twice))).toEqual(['filters[2].name: filter no-default is already defined at filters[1]']);
    expect(errorsOf(withPeer('{name: tor, address: 10.0.0.1, asNumber: 65001, filters: [no-default, no-default]}'))).toEqual(['peers[0].filters: each filter may be listed once']);
  });

  it('checks rules: family of each list, prefix lengths, operator and cidr together, prefixLength only with In/NotIn', () => {
    const rules = (list: string, rule: string) => withPeer('{name: tor, address: 10.0.0.1, asNumber: 65001}', `filters:\n  - name: f\n    ${list}:\n      - ${rule}\n`);
    expect(errorsOf(rules('exportV4', '{action: Reject, matchOperator: In, cidr: fd00::/8}'))).toEqual(['filters[0].exportV4[0].cidr: exportV4 rules match IPv4 prefixes: fd00::/8 is not one']);
    expect(errorsOf(rules('importV4', '{action: Reject, matchOperator: In, cidr: 10.0.0.0/8, prefixLength: {min: 4}}'))).toEqual(['filters[0].importV4[0].prefixLength.min: prefix lengths here are 8..32']);
    expect(errorsOf(rules('importV4', '{action: Reject, matchOperator: In, cidr: 10.0.0.0/8, prefixLength: {min: 24, max: 16}}'))).toEqual(['filters[0].importV4[0].prefixLength: min 24 is above max 16']);
    expect(errorsOf(rules('importV6', '{action: Reject, cidr: ::/0}'))).toEqual(['filters[0].importV6[0].matchOperator: cidr and matchOperator go together']);
    expect(errorsOf(rules('exportV4', '{action: Reject, matchOperator: Equal, cidr: 10.0.0.0/8, prefixLength: {max: 24}}'))).toEqual([
      'filters[0].exportV4[0].prefixLength: prefixLength goes with matchOperator In or NotIn; Equal and NotEqual compare the whole prefix',
    ]);
    expect(errorsOf(rules('exportV4', '{action: Drop}'))[0]).toMatch(/^filters\[0\]\.exportV4\[0\]\.action: /);
  });

  it('takes localAsNumber as the session’s AS, deciding iBGP by it, and bounds numAllowedLocalAsNumbers to 0..10', () => {
    const [tor] = effectivePeers(mustLoad(withPeer('{name: tor, address: 10.0.0.1, asNumber: 65001, localAsNumber: 65001, numAllowedLocalAsNumbers: 2}')));
    expect(tor).toMatchObject({ localAsNumber: 65001, allowedLocalAsNumbers: 2, internal: true });
    expect(errorsOf(withPeer('{name: tor, address: 10.0.0.1, asNumber: 65001, numAllowedLocalAsNumbers: 11}'))[0]).toMatch(/^peers\[0\]\.numAllowedLocalAsNumbers: /);
  });
});

describe('diffConfigs for per-peer policy', () => {
  const before = withPeer('{name: tor, address: 10.0.0.1, asNumber: 65001, filters: [no-default]}');
  const diff = (after: string) => diffConfigs(mustLoad(before), mustLoad(after));

  it('makes a changed import or export rule a policy change of the peers using it, no reset', () => {
    const changed = diff(before.replace('cidr: 0.0.0.0/0}', 'cidr: 0.0.0.0/1}'));
    expect(changed.peersChanged).toEqual([{ name: 'tor', session: [], policy: ['importRules'], live: [] }]);
    const exporting = diff(before.replace('filters: [no-default]', 'filters: [no-default, tor-export]'));
    expect(exporting.peersChanged).toEqual([{ name: 'tor', session: [], policy: ['exportRules'], live: [] }]);
  });

  it('sees no change when only an unused filter or a filter’s name changes with the same rules', () => {
    expect(diff(before.replace('name: tor-export', 'name: tor-export-2')).peersChanged).toEqual([]);
  });

  it('resets the session for a new local AS (OPEN My AS) and re-judges imports for a new allowed count', () => {
    expect(diff(before.replace('asNumber: 65001,', 'asNumber: 65001, localAsNumber: 65300,')).peersChanged).toEqual([{ name: 'tor', session: ['localAsNumber'], policy: [], live: [] }]);
    expect(diff(before.replace('asNumber: 65001,', 'asNumber: 65001, numAllowedLocalAsNumbers: 1,')).peersChanged).toEqual([{ name: 'tor', session: [], policy: ['allowedLocalAsNumbers'], live: [] }]);
  });
});
