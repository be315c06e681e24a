import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { effectivePeers } from '../../src/config/peers.js';
import { CALICO_FIXTURES, SECRETS_DIR, loadWith, mustLoadWith } from './calico-helpers.js';

const MESH = `${CALICO_FIXTURES}mesh`;
const RR = `${CALICO_FIXTURES}route-reflector/cluster.yaml`;
const TOR = `${CALICO_FIXTURES}tor`;
const TOR_SECRETS = { [`${SECRETS_DIR}/bgp-secrets/rack1-tor`]: 'rack1-md5\n', [`${SECRETS_DIR}/bgp-secrets/rack2-tor`]: 'rack2-md5\n' };

function node(name: string, resources: string, extra = ''): string {
  return `node: {name: ${name}}\ncalicoResources: [${resources}]\n${extra}`;
}

function summary(peers: ReturnType<typeof effectivePeers>) {
  return peers.map((p) => ({ name: p.name, address: p.address, asNumber: p.asNumber, passive: p.passive, routeReflectorClient: p.routeReflectorClient }));
}

describe('a node-to-node mesh of three nodes from Calico resources', () => {
  const { config, result } = mustLoadWith(node('node1', MESH));

  it('takes identity and AS from the Node and the default BGPConfiguration (router ID = node IPv4)', () => {
    expect(config.asNumber).toBe(64512);
    expect(config.routerId).toBe('10.0.0.11');
    expect(config.node).toEqual({ name: 'node1', ipv4Address: '10.0.0.11/24', ipv6Address: 'fd00::11/64' });
    expect(config.log.level).toBe('info');
  });

  it('meshes with every other node, passive towards larger address strings (CALICO.md §1.5)', () => {
    expect(config.mesh.enabled).toBe(true);
    expect(config.mesh.nodes.map((n) => n.name)).toEqual(['node2', 'node3']);
    expect(summary(effectivePeers(config))).toEqual([
      { name: 'Mesh_10_0_0_12', address: '10.0.0.12', asNumber: 64512, passive: true, routeReflectorClient: false },
      { name: 'Mesh_fd00__12', address: 'fd00::12', asNumber: 64512, passive: true, routeReflectorClient: false },
      { name: 'Mesh_10_0_1_13', address: '10.0.1.13', asNumber: 64512, passive: true, routeReflectorClient: false },
    ]);
    // nodeMeshMaxRestartTime is the mesh sessions' graceful restart time.
    expect(effectivePeers(config)[0]!.gracefulRestart.restartTimeSec).toBe(180);
  });

  it('dials the nodes whose address sorts before its own', () => {
    const third = mustLoadWith(node('node3', MESH)).config;
    expect(summary(effectivePeers(third)).map((p) => [p.name, p.passive])).toEqual([
      ['Mesh_10_0_0_11', false],
      ['Mesh_10_0_0_12', false],
    ]);
  });

  it('originates only confirmed (or stateless), undeleted blocks affine to this node', () => {
    expect(config.blocks).toEqual(['10.244.101.128/26', '10.244.102.64/26', 'fd00:10:244::1:0/122']);
  });

  it('maps pools (in resource name order), service ranges and prefix advertisements with community names resolved', () => {
    expect(config.pools).toEqual([
      { cidr: '10.244.0.0/16', blockSize: 26, ipipMode: 'CrossSubnet', vxlanMode: 'Never', natOutgoing: true, disabled: false, disableBGPExport: false },
      { cidr: 'fd00:10:244::/48', blockSize: 122, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false, disabled: false, disableBGPExport: false },
    ]);
    expect(config.serviceClusterIPs).toEqual(['10.96.0.0/12']);
    expect(config.serviceExternalIPs).toEqual(['203.0.113.0/24']);
    expect(config.prefixAdvertisements).toEqual([{ cidr: '10.244.0.0/16', communities: ['64512:300', '64512:120:7'] }]);
    expect(config.peers).toEqual([]);
    expect(result.calico?.ignoredInterfaces).toEqual([]);
  });
});

describe('route reflectors selected by label (Calico "Configure BGP peering")', () => {
  it('gives a client one active Node_ session per reflector and no mesh', () => {
    const { config } = mustLoadWith(node('node1', RR));
    expect(config.mesh.enabled).toBe(false);
    expect(config.node.routeReflectorClusterId).toBeUndefined();
    expect(summary(effectivePeers(config))).toEqual([
      { name: 'Node_10_0_0_2', address: '10.0.0.2', asNumber: 64512, passive: false, routeReflectorClient: false },
      { name: 'Node_10_0_0_3', address: '10.0.0.3', asNumber: 64512, passive: false, routeReflectorClient: false },
    ]);
    expect(config.log.level).toBe('warn');
    expect(config.blocks).toEqual(['10.244.101.128/26']);
    expect(config.pools[0]).toMatchObject({ cidr: '10.244.0.0/16', vxlanMode: 'Always', ipipMode: 'Never' });
  });

  it('gives a reflector its peer reflector and reverse peerings to every node, those without its cluster ID as clients (RFC 4456)', () => {
    const { config } = mustLoadWith(node('rr1', RR));
    expect(config.node.routeReflectorClusterId).toBe('244.0.0.1');
    expect(config.routerId).toBe('10.0.0.2');
    expect(summary(effectivePeers(config))).toEqual([
      { name: 'Node_10_0_0_3', address: '10.0.0.3', asNumber: 64512, passive: false, routeReflectorClient: false },
      { name: 'Node_10_0_0_11', address: '10.0.0.11', asNumber: 64512, passive: false, routeReflectorClient: true },
      { name: 'Node_10_0_0_12', address: '10.0.0.12', asNumber: 64512, passive: false, routeReflectorClient: true },
      { name: 'Node_10_0_1_13', address: '10.0.1.13', asNumber: 64512, passive: false, routeReflectorClient: true },
    ]);
  });

  it('leaves the reverse side to the user with reversePeering: Manual', () => {
    const manual = `${CALICO_FIXTURES}manual.yaml`;
    const text = `${readFileSync(RR, 'utf8').replace('  peerSelector: has(route-reflector)\n', '  peerSelector: has(route-reflector)\n  reversePeering: Manual\n')}`;
    const { config } = mustLoadWith(node('rr1', manual), { [manual]: text });
    expect(config.peers.map((p) => p.name)).toEqual(['Node_10_0_0_3']);
  });

  it('lists the other nodes with their VXLAN tunnel endpoints even with the mesh off', () => {
    const { config } = mustLoadWith(node('node1', RR));
    expect(config.node).toMatchObject({ vxlanTunnelAddress: '10.244.101.128', vxlanTunnelMac: '66:2f:c1:0a:1b:2c' });
    expect(config.mesh.nodes.map((n) => [n.name, n.vxlanTunnelAddress, n.vxlanTunnelMac])).toEqual([
      ['node2', undefined, undefined],
      ['node3', undefined, undefined],
      ['rr1', '10.244.10.0', '66:3e:ad:8e:29:1a'],
      ['rr2', '10.244.11.0', undefined],
    ]);
  });
});

describe('ToR peering per rack with node-scoped BGPPeers', () => {
  const { config, result } = mustLoadWith(node('rack1-node1', TOR), TOR_SECRETS);

  it('uses the node’s own AS and the per-node BGPConfiguration', () => {
    expect(config.asNumber).toBe(65101);
    expect(config.log.level).toBe('debug');
    expect(config.mesh.enabled).toBe(false);
    expect(config.serviceLoadBalancerIPs).toEqual(['198.51.100.0/24']);
    expect(result.calico?.ignoredInterfaces).toEqual(['eth9', 'docker*']);
  });

  it('peers globally with the border router, which suppresses the node-scoped peering to the same address', () => {
    expect(config.peers.map((p) => p.name)).toEqual(['Global_192_0_2_1', 'Node_10_0_1_1', 'Node_10_0_1_2_port_1790']);
    // keepOriginalNextHop applies to eBGP peers only (65000 is not our 65101).
    expect(config.peers[0]).toMatchObject({ address: '192.0.2.1', asNumber: 65000, nextHopMode: 'Keep', passive: false });
    expect(config.peers[0]!.ttlSecurity).toBeUndefined();
  });

  it('maps the ToR session options, its password read from the mounted secret', () => {
    const tor = config.peers[1]!;
    expect(tor).toMatchObject({ address: '10.0.1.1', port: 179, asNumber: 65010, ttlSecurity: 1, keepaliveSec: 10, nextHopMode: 'Self', gracefulRestart: { restartTimeSec: 300 } });
    expect(tor.password?.reveal()).toBe('rack1-md5');
    expect(tor.password?.source).toEqual({ file: `${SECRETS_DIR}/bgp-secrets/rack1-tor` });
    const [, session] = effectivePeers(config);
    expect(session).toMatchObject({ name: 'Node_10_0_1_1', internal: false, passive: false, sourceAddress: '10.0.1.11', multihop: true });
  });

  it('maps BGPPeer filters, local AS and allowed local AS onto the peers, the named BGPFilters onto filters (CALICO.md §1.7)', () => {
    expect(config.filters).toEqual([
      {
        name: 'tor-export',
        exportV4: [
          { action: 'Accept', matchOperator: 'In', cidr: '10.244.0.0/16', prefixLength: { min: 26, max: 26 } },
          { action: 'Reject', source: 'RemotePeers' },
        ],
        importV4: [
          { action: 'Reject', matchOperator: 'Equal', cidr: '0.0.0.0/0' },
          { action: 'Accept', interface: 'eth*' },
        ],
        exportV6: [],
        importV6: [],
      },
    ]);
    expect(config.peers[1]!.filters).toEqual(['tor-export']);
    expect(config.peers[2]).toMatchObject({ localAsNumber: 65201, numAllowedLocalAsNumbers: 1 });
    const [, tor, torB] = effectivePeers(config);
    expect(tor!.exportRules?.ipv4.map((r) => r.action)).toEqual(['Accept', 'Reject']);
    expect(tor!.importRules?.ipv4).toHaveLength(2);
    expect(tor!.importRules?.ipv6).toEqual([]);
    // 65201 is the session's AS: the ToR's 65010 still makes it eBGP; its OPEN says 65201.
    expect(torB).toMatchObject({ localAsNumber: 65201, allowedLocalAsNumbers: 1, internal: false });
    expect(torB!.importRules).toBeUndefined();
    expect(torB!.exportRules).toBeUndefined();
  });

  it('keeps what the config has no key for beside it: reachableBy, sourceAddress None', () => {
    const extras = result.calico!.peers;
    expect(Object.keys(extras)).toEqual(['Global_192_0_2_1', 'Node_10_0_1_1', 'Node_10_0_1_2_port_1790']);
    expect(extras['Node_10_0_1_2_port_1790']).toEqual({ bgpPeer: 'rack1-tor-b', reachableBy: '10.0.1.254', sourceAddress: 'None' });
  });

  it('maps pools including one not exported, and the node’s confirmed block', () => {
    expect(config.pools.map((p) => [p.cidr, p.disableBGPExport, p.disabled])).toEqual([
      ['10.244.0.0/16', false, false],
      ['10.250.0.0/16', true, true],
    ]);
    expect(config.blocks).toEqual(['10.244.1.0/26']);
  });

  it('selects the rack by `in` for the other rack', () => {
    const rack2 = mustLoadWith(node('rack2-node1', TOR), TOR_SECRETS).config;
    expect(rack2.asNumber).toBe(65102);
    expect(rack2.log.level).toBe('info');
    expect(rack2.peers.map((p) => [p.name, p.password?.reveal()])).toEqual([
      ['Global_192_0_2_1', undefined],
      ['Node_10_0_2_1', 'rack2-md5'],
    ]);
  });
});

describe('merging with the petrel file (the file wins)', () => {
  const overrides = `asNumber: 65199
routerId: 192.0.2.99
node: {name: rack1-node1, ipv4Address: 10.0.1.111/24}
calicoResources: [${TOR}]
log: {level: warn}
peers:
  - address: 10.0.1.1
    asNumber: 65011
    holdTimeSec: 90
    password: {env: TOR_KEY}
  - {name: lab-probe, address: 127.0.0.2, asNumber: 65199}
pools:
  - {cidr: 10.250.0.0/16, blockSize: 24, disableBGPExport: false}
blocks: [10.244.1.128/26]
`;
  const { config, result } = mustLoadWith(overrides, TOR_SECRETS, { TOR_KEY: 'file-wins' });

  it('keeps the file’s scalars and merges mappings key by key', () => {
    expect(config.asNumber).toBe(65199);
    expect(config.routerId).toBe('192.0.2.99');
    expect(config.node).toEqual({ name: 'rack1-node1', ipv4Address: '10.0.1.111/24' });
    expect(config.log.level).toBe('warn');
    expect(config.mesh.enabled).toBe(false);
  });

  it('puts the file’s peers first and drops derived peers with the same address', () => {
    expect(config.peers.map((p) => p.name)).toEqual(['Node_10_0_1_1', 'lab-probe', 'Global_192_0_2_1', 'Node_10_0_1_2_port_1790']);
    expect(config.peers[0]).toMatchObject({ asNumber: 65011, holdTimeSec: 90, password: { source: { env: 'TOR_KEY' } } });
    // The derived ToR peer was replaced, so its BGPFilters no longer apply.
    expect(Object.keys(result.calico!.peers)).toEqual(['Global_192_0_2_1', 'Node_10_0_1_2_port_1790']);
    // Our AS now differs from 65000 as well: still eBGP, still Keep.
    expect(config.peers[2]!.nextHopMode).toBe('Keep');
  });

  it('merges pools by CIDR and replaces the block list whole', () => {
    expect(config.pools.map((p) => [p.cidr, p.blockSize, p.disableBGPExport])).toEqual([
      ['10.250.0.0/16', 24, false],
      ['10.244.0.0/16', 26, false],
    ]);
    expect(config.blocks).toEqual(['10.244.1.128/26']);
  });
});

describe('peerings to a Calico node by address, listen ports and the mesh password', () => {
  const file = '/srv/calico/cluster.yaml';
  const manifest = `apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec:
  listenPort: 1790
  bindMode: NodeIP
  nodeMeshPassword:
    secretKeyRef: {name: bgp-secrets, key: mesh}
---
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: node.node2}
spec: {listenPort: 1791}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: to-rr}
spec: {peerIP: 10.0.0.2, asNumber: 64512}
${['rr 10.0.0.2 244.0.0.1', 'node1 10.0.0.11', 'node2 10.0.0.12']
  .map((line) => {
    const [name, address, clusterId] = line.split(' ');
    const rr = clusterId ? `, routeReflectorClusterID: ${clusterId}` : '';
    return `---\napiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: ${name}}\nspec: {bgp: {ipv4Address: ${address}/24${rr}}}\n`;
  })
  .join('')}`;
  const secrets = { [file]: manifest, [`${SECRETS_DIR}/bgp-secrets/mesh`]: 'mesh-key' };

  it('makes a global peering to a node passive when the node’s address sorts after ours', () => {
    const { config } = mustLoadWith(node('node1', file), secrets);
    // '10.0.0.2' > '10.0.0.11' as strings: node1 waits for the reflector to dial.
    expect(config.peers.map((p) => [p.name, p.port, p.passive])).toEqual([['Global_10_0_0_2_port_1790', 1790, true]]);
    expect(config.listen).toEqual({ address: '10.0.0.11', port: 1790 });
    expect(config.mesh.password?.reveal()).toBe('mesh-key');
    expect(config.mesh.nodes.map((n) => [n.name, n.port, n.routeReflectorClusterId])).toEqual([
      ['node2', 1791, undefined],
      ['rr', 1790, '244.0.0.1'],
    ]);
    // The reflector is skipped by the mesh; node2 listens on its own port.
    expect(effectivePeers(config).map((p) => [p.name, p.port])).toEqual([
      ['Mesh_10_0_0_12', 1791],
      ['Global_10_0_0_2_port_1790', 1790],
    ]);
  });

  it('gives the node named by peerIP the reverse peerings, as route reflector clients', () => {
    const { config } = mustLoadWith(node('rr', file), secrets);
    expect(effectivePeers(config).map((p) => [p.name, p.port, p.passive, p.routeReflectorClient])).toEqual([
      ['Node_10_0_0_11_port_1790', 1790, false, true],
      ['Node_10_0_0_12_port_1791', 1791, false, true],
    ]);
  });
});

describe('Felix\u2019s normal route priority from the default BGPConfiguration (Calico v3.32)', () => {
  const FILE = '/srv/calico/priority.yaml';
  const nodeDoc = 'apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: node1}\nspec:\n  bgp: {ipv4Address: 10.0.0.11/24}\n';
  const config = (name: string, spec: string) => `---\napiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
  const text = `node: {name: node1}\ncalicoResources: [${FILE}]\n`;

  it('takes ipv4NormalRoutePriority and ipv6NormalRoutePriority, defaulting each to 1024', () => {
    expect(mustLoadWith(text, { [FILE]: nodeDoc + config('default', '{ipv4NormalRoutePriority: 2048}') }).config.normalRoutePriority).toEqual({ ipv4: 2048, ipv6: 1024 });
    expect(mustLoadWith(text, { [FILE]: nodeDoc }).config.normalRoutePriority).toEqual({ ipv4: 1024, ipv6: 1024 });
  });

  it('refuses them in a per-node BGPConfiguration (confd reads the default one only) and out of range', () => {
    const perNode = loadWith(text, { [FILE]: nodeDoc + config('default', '{}') + config('node.node1', '{ipv6NormalRoutePriority: 512}') });
    if (perNode.ok) throw new Error('expected errors');
    expect(perNode.errors.map((e) => e.message).join('\n')).toContain('ipv6NormalRoutePriority is cluster-wide');
    const zero = loadWith(text, { [FILE]: nodeDoc + config('default', '{ipv4NormalRoutePriority: 0}') });
    expect(zero.ok).toBe(false);
  });

  it('takes programClusterRoutes from the default BGPConfiguration (Enabled when unset)', () => {
    expect(mustLoadWith(text, { [FILE]: nodeDoc + config('default', '{programClusterRoutes: EnabledNoEncapOnly}') }).config.programClusterRoutes).toBe('EnabledNoEncapOnly');
    expect(mustLoadWith(text, { [FILE]: nodeDoc }).config.programClusterRoutes).toBe('Enabled');
    expect(loadWith(text, { [FILE]: nodeDoc + config('default', '{programClusterRoutes: Sometimes}') }).ok).toBe(false);
  });
});
