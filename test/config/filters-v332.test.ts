import { describe, expect, it } from 'vitest';
import { effectivePeers } from '../../src/config/peers.js';
import { loadWith, mustLoadWith } from './calico-helpers.js';
import { load, mustLoad } from './helpers.js';

const NODE = 'node: {name: node1, ipv4Address: 10.0.0.201/24}\nmesh: {enabled: false}\n';

function withRule(list: string, rule: string): string {
  return `${NODE}filters:\n  - name: f\n    ${list}:\n      - ${rule}\npeers:\n  - {name: tor, address: 10.0.0.1, asNumber: 65001, filters: [f]}\n`;
}

function errorsOf(text: string): string[] {
  const result = load(text);
  if (result.ok) throw new Error('expected errors');
  return result.errors.map((e) => `${e.path}: ${e.message}`);
}

describe('Calico v3.32 BGPFilter fields in petrel’s filters (api/.../v3/bgpfilter.go)', () => {
  it('parses the matches and operations, AS numbers in plain, string and asdot form', () => {
    const rule =
      '{action: Accept, communities: {values: ["65000:42"]}, asPathPrefix: [65010, "65020", "1.10"], priority: 512, operations: [{addCommunity: {value: "65001:200"}}, {addCommunity: {value: "65001:1:2"}}, {prependASPath: {prefix: [65000, 65000]}}, {setPriority: {value: 100}}]}';
    const [tor] = effectivePeers(mustLoad(withRule('exportV4', rule)));
    expect(tor!.exportRules!.ipv4[0]).toEqual({
      action: 'Accept',
      communities: { values: ['65000:42'] },
      asPathPrefix: [65010, 65020, 65546],
      priority: 512,
      operations: [{ addCommunity: { value: '65001:200' } }, { addCommunity: { value: '65001:1:2' } }, { prependASPath: { prefix: [65000, 65000] } }, { setPriority: { value: 100 } }],
    });
  });

  it('refuses bad values with the field path: community forms, one community, priority range, AS numbers', () => {
    expect(errorsOf(withRule('exportV4', '{action: Accept, communities: {values: ["65536:1"]}}'))[0]).toMatch(/^filters\[0\]\.exportV4\[0\]\.communities\.values\[0\]: "65536:1" is not a community/);
    expect(errorsOf(withRule('exportV4', '{action: Accept, communities: {values: ["1:1", "1:2"]}}'))).toEqual(['filters[0].exportV4[0].communities.values: Calico matches one community per rule: use a rule per community']);
    expect(errorsOf(withRule('importV4', '{action: Accept, priority: 0}'))).toEqual(['filters[0].importV4[0].priority: priorities are 1..2147483646']);
    expect(errorsOf(withRule('importV4', '{action: Accept, priority: 2147483647}'))).toEqual(['filters[0].importV4[0].priority: priorities are 1..2147483646']);
    expect(errorsOf(withRule('exportV6', '{action: Accept, asPathPrefix: ["65x"]}'))).toEqual(['filters[0].exportV6[0].asPathPrefix[0]: "65x" is not an AS number: 1..4294967295, or asdot "a.b" (RFC 5396)']);
    expect(errorsOf(withRule('exportV4', '{action: Accept, operations: [{prependASPath: {prefix: [0]}}]}'))).toEqual([
      'filters[0].exportV4[0].operations[0].prependASPath.prefix[0]: 0 is not an AS number: 1..4294967295, or asdot "a.b" (RFC 5396)',
    ]);
  });

  it('allows operations on Accept rules only, one field per operation, 1..10 of them', () => {
    expect(errorsOf(withRule('exportV4', '{action: Reject, operations: [{setPriority: {value: 5}}]}'))).toEqual(['filters[0].exportV4[0].operations: operations may only be used with action Accept']);
    expect(errorsOf(withRule('exportV4', '{action: Accept, operations: [{setPriority: {value: 5}, addCommunity: {value: "1:1"}}]}'))).toEqual([
      'filters[0].exportV4[0].operations[0]: an operation sets exactly one of addCommunity, prependASPath, setPriority (2 set)',
    ]);
    expect(errorsOf(withRule('exportV4', '{action: Accept, operations: [{}]}'))).toEqual(['filters[0].exportV4[0].operations[0]: an operation sets exactly one of addCommunity, prependASPath, setPriority (0 set)']);
    expect(errorsOf(withRule('exportV4', '{action: Accept, operations: []}'))[0]).toMatch(/^filters\[0\]\.exportV4\[0\]\.operations: /);
    const eleven = Array.from({ length: 11 }, () => '{setPriority: {value: 5}}').join(', ');
    expect(errorsOf(withRule('exportV4', `{action: Accept, operations: [${eleven}]}`))[0]).toMatch(/^filters\[0\]\.exportV4\[0\]\.operations: /);
    expect(errorsOf(withRule('exportV4', '{action: Accept, operations: [{prependASPath: {prefix: []}}]}'))[0]).toMatch(/^filters\[0\]\.exportV4\[0\]\.operations\[0\]\.prependASPath\.prefix: /);
  });
});

describe('Calico v3.32 BGPFilter resources (CALICO.md §2)', () => {
  const FILE = '/srv/calico/cluster.yaml';
  const MANIFEST = `apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: node1}
spec:
  bgp: {ipv4Address: 10.0.0.11/24}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: tor}
spec: {peerIP: 10.0.0.1, asNumber: 65000, filters: [tor-export]}
---
apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata: {name: tor-export}
spec:
  exportV4:
    - action: Accept
      communities: {values: ["65000:42"]}
      operations: [{addCommunity: {value: "65001:200"}}, {prependASPath: {prefix: [65000]}}]
    - {action: Accept, asPathPrefix: ["65010"], priority: 512, operations: [{setPriority: {value: 256}}]}
    - {action: Reject, source: RemotePeers}
  importV6:
    - {action: Accept, peerType: eBGP, operations: [{addCommunity: {value: "65000:1:2"}}]}
`;

  it('carries the v3.32 matches and operations onto petrel’s filters and the peer’s rules', () => {
    const { config } = mustLoadWith(`node: {name: node1}\ncalicoResources: [${FILE}]\n`, { [FILE]: MANIFEST });
    expect(config.filters?.[0]).toEqual({
      name: 'tor-export',
      exportV4: [
        { action: 'Accept', communities: { values: ['65000:42'] }, operations: [{ addCommunity: { value: '65001:200' } }, { prependASPath: { prefix: [65000] } }] },
        { action: 'Accept', asPathPrefix: [65010], priority: 512, operations: [{ setPriority: { value: 256 } }] },
        { action: 'Reject', source: 'RemotePeers' },
      ],
      importV4: [],
      exportV6: [],
      importV6: [{ action: 'Accept', peerType: 'eBGP', operations: [{ addCommunity: { value: '65000:1:2' } }] }],
    });
    const tor = effectivePeers(config).find((p) => p.address === '10.0.0.1');
    expect(tor!.exportRules!.ipv4).toHaveLength(3);
    expect(tor!.importRules!.ipv6[0]!.operations).toEqual([{ addCommunity: { value: '65000:1:2' } }]);
  });

  it('refuses operations on a Reject rule in a resource, at the resource’s key', () => {
    const bad = MANIFEST.replace('{action: Reject, source: RemotePeers}', '{action: Reject, source: RemotePeers, operations: [{setPriority: {value: 5}}]}');
    const result = loadWith(`node: {name: node1}\ncalicoResources: [${FILE}]\n`, { [FILE]: bad });
    if (result.ok) throw new Error('expected errors');
    expect(result.errors.map((e) => `${e.path}: ${e.message}`)).toEqual(['documents[2].spec.exportV4[2].operations: operations may only be used with action Accept']);
  });
});
