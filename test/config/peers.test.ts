import { describe, expect, it } from 'vitest';
import { calicoPeerName } from '../../src/config/names.js';
import { formatIssue } from '../../src/config/load.js';
import { effectivePeers, meshPassive } from '../../src/config/peers.js';
import { load, mustLoad } from './helpers.js';

describe('Calico peer names (CALICO.md §1.5)', () => {
  it.each([
    ['Mesh', '10.0.0.202', 179, 'Mesh_10_0_0_202'],
    ['Node', '10.0.0.1', 179, 'Node_10_0_0_1'],
    ['Global', '2001:db8::1', 179, 'Global_2001_db8__1'],
    ['Global', '10.0.0.1', 1179, 'Global_10_0_0_1_port_1179'],
  ] as const)('%s peer %s port %d is %s', (kind, address, port, name) => {
    expect(calicoPeerName(kind, address, port)).toBe(name);
  });
});

describe('mesh passive rule (Calico confd TestPassiveCommentLogic)', () => {
  it.each([
    ['10.0.0.10', '10.0.0.5', true], // "10.0.0.5" > "10.0.0.10" as strings, though 5 < 10
    ['10.0.0.5', '10.0.0.10', false],
    ['172.16.0.10', '172.16.0.5', true],
    ['10.0.0.201', '10.0.0.30', true],
    ['10.0.0.201', '10.0.0.200', false],
  ])('we at %s towards %s: passive %s', (ours, theirs, passive) => {
    expect(meshPassive(ours, theirs)).toBe(passive);
    // Exactly one side dials.
    expect(meshPassive(theirs, ours)).toBe(!passive);
  });
});

const MESH = `
node: {name: node1, ipv4Address: 10.0.0.201/24, ipv6Address: "fd00::201/64"}
mesh:
  nodes:
    - {name: node2, ipv4Address: 10.0.0.30/24, ipv6Address: "fd00::1030/64"}
    - {name: node3, ipv4Address: 10.0.1.3/24, port: 1179, asNumber: 64513}
    - {name: rr1, ipv4Address: 10.0.0.250/24, routeReflectorClusterId: 244.0.0.1}
`;

describe('mesh peers', () => {
  it('derives one session per family per node, skipping reflectors', () => {
    const peers = effectivePeers(mustLoad(MESH));
    expect(peers.map((p) => [p.name, p.address, p.port, p.passive])).toEqual([
      ['Mesh_10_0_0_30', '10.0.0.30', 179, true],
      ['Mesh_fd00__1030', 'fd00::1030', 179, false], // "fd00::1030" < "fd00::201" as strings
      ['Mesh_10_0_1_3', '10.0.1.3', 1179, true],
    ]);
  });

  it("uses Calico's session template and the node's address as source", () => {
    const [v4, v6, other] = effectivePeers(mustLoad(MESH));
    expect(v4).toMatchObject({
      kind: 'mesh',
      asNumber: 64512,
      internal: true,
      holdTimeSec: 240,
      keepaliveSec: 80,
      connectDelaySec: 2,
      connectRetrySec: 5,
      errorWait: { minSec: 5, maxSec: 30, forgetSec: 300 },
      gracefulRestart: { enabled: true, restartTimeSec: 120 },
      addPaths: 'both',
      multihop: true,
      nextHopMode: 'Auto',
      routeReflectorClient: false,
      sourceAddress: '10.0.0.201',
      families: ['ipv4-unicast'],
      configPath: ['mesh', 'nodes', 0],
    });
    expect(v6).toMatchObject({ family: 6, sourceAddress: 'fd00::201', families: ['ipv6-unicast'] });
    expect(other).toMatchObject({ asNumber: 64513, internal: false });
  });

  it('runs BFD with every mesh node when the mesh sets it, with the defaults for true (RFC 5880)', () => {
    const withBfd = mustLoad(`
node: {name: a, ipv4Address: 10.0.0.1/24}
mesh:
  bfd: true
  nodes: [{name: b, ipv4Address: 10.0.0.2/24}, {name: c, ipv4Address: 10.0.1.3/24}]
`);
    expect(effectivePeers(withBfd).map((p) => p.bfd)).toEqual([
      { minTxMs: 300, minRxMs: 300, multiplier: 3 },
      { minTxMs: 300, minRxMs: 300, multiplier: 3 },
    ]);
    const without = mustLoad('node: {name: a, ipv4Address: 10.0.0.1/24}\nmesh:\n  bfd: false\n  nodes: [{name: b, ipv4Address: 10.0.0.2/24}]\n');
    expect(effectivePeers(without)[0]!.bfd).toBeUndefined();
  });

  it('takes the mesh-wide error wait', () => {
    const peers = effectivePeers(mustLoad(`${MESH}  errorWait: {minSec: 1, maxSec: 4}\n`));
    expect(peers.map((p) => p.errorWait)).toEqual(Array(3).fill({ minSec: 1, maxSec: 4, forgetSec: 300 }));
  });

  it('takes mesh-wide hold time and graceful restart', () => {
    const peers = effectivePeers(mustLoad(`${MESH}  holdTimeSec: 30\ngracefulRestart: {restartTimeSec: 300}\n`));
    expect(peers[0]).toMatchObject({ holdTimeSec: 30, keepaliveSec: 10, gracefulRestart: { enabled: true, restartTimeSec: 300 } });
  });

  it('is empty when the mesh is disabled', () => {
    expect(effectivePeers(mustLoad(MESH.replace('mesh:\n', 'mesh:\n  enabled: false\n')))).toEqual([]);
  });

  it('is empty on a route reflector: reflectors do not join the mesh', () => {
    const config = mustLoad(MESH.replace('ipv6Address: "fd00::201/64"}', 'ipv6Address: "fd00::201/64", routeReflectorClusterId: 244.0.0.1}'));
    expect(effectivePeers(config)).toEqual([]);
  });
});

const REFLECTOR = `
node: {name: rr1, ipv4Address: 10.0.0.250/24, routeReflectorClusterId: 244.0.0.1}
mesh: {enabled: false}
peers:
  - {address: 10.0.0.1, asNumber: 64512}
  - {address: 10.0.0.2, asNumber: 64512, routeReflectorClusterId: 244.0.0.1}
  - {address: 10.0.0.3, asNumber: 64512, routeReflectorClusterId: 244.0.0.2}
  - {address: 10.0.0.4, asNumber: 64512, routeReflectorClient: false}
  - {address: 10.0.0.5, asNumber: 65001}
`;

describe('route reflector clients (RFC 4456 §7, CALICO.md §1.5)', () => {
  it('are iBGP peers with a different or no cluster ID, unless overridden', () => {
    const peers = effectivePeers(mustLoad(REFLECTOR));
    expect(peers.map((p) => [p.address, p.routeReflectorClient])).toEqual([
      ['10.0.0.1', true], // no cluster ID
      ['10.0.0.2', false], // same cluster: a fellow reflector
      ['10.0.0.3', true], // another cluster
      ['10.0.0.4', false], // explicit override
      ['10.0.0.5', false], // eBGP
    ]);
  });

  it('are none on a speaker without a cluster ID', () => {
    const config = mustLoad(REFLECTOR.replace(', routeReflectorClusterId: 244.0.0.1}\nmesh', '}\nmesh'));
    expect(effectivePeers(config).every((p) => !p.routeReflectorClient)).toBe(true);
  });
});

describe('explicit peers', () => {
  it('inherit graceful restart fields one by one and default the source address by family', () => {
    const config = mustLoad(`
node: {name: n, ipv4Address: 10.0.0.9/24}
gracefulRestart: {enabled: false, restartTimeSec: 200}
peers:
  - {address: 10.0.0.1, asNumber: 65001, gracefulRestart: {enabled: true}}
  - {address: "2001:db8::1", asNumber: 65001}
  - {address: "fe80::1", interface: eth0, asNumber: 65001, sourceAddress: "fe80::9"}
`);
    const [a, b, c] = effectivePeers(config);
    expect(a).toMatchObject({ gracefulRestart: { enabled: true, restartTimeSec: 200 }, sourceAddress: '10.0.0.9', name: 'Node_10_0_0_1' });
    expect(b!.sourceAddress).toBeUndefined(); // no IPv6 address of ours: the kernel chooses
    expect(c).toMatchObject({ interface: 'eth0', sourceAddress: 'fe80::9', family: 6 });
  });

  it('run BFD only where configured: true takes 300 ms / 300 ms / 3, an object its own intervals (RFC 5880)', () => {
    const config = mustLoad(`
node: {name: n, ipv4Address: 10.0.0.9/24}
peers:
  - {address: 10.0.0.1, asNumber: 65001, bfd: true}
  - {address: 10.0.0.2, asNumber: 65001, bfd: {minTxMs: 50, multiplier: 5}}
  - {address: 10.0.0.3, asNumber: 65001}
`);
    const [a, b, c] = effectivePeers(config);
    expect(a!.bfd).toEqual({ minTxMs: 300, minRxMs: 300, multiplier: 3 });
    expect(b!.bfd).toEqual({ minTxMs: 50, minRxMs: 300, multiplier: 5 });
    expect(c!.bfd).toBeUndefined();
    const bad = load('node: {name: n, ipv4Address: 10.0.0.9/24}\npeers:\n  - {address: 10.0.0.1, asNumber: 1, bfd: {minTxMs: 5, multiplier: 0, detect: 3}}\n');
    expect(bad.ok).toBe(false);
    const errors = bad.ok ? [] : bad.errors.map(formatIssue).join('\n');
    // Each mistake at its own key, not the union's "Invalid input" at bfd.
    expect(errors).toMatch(/peers\[0\]\.bfd\.minTxMs: /);
    expect(errors).toMatch(/peers\[0\]\.bfd\.multiplier: /);
    expect(errors).toMatch(/unknown key "detect"/);
    expect(errors).not.toMatch(/Invalid input/);
    const word = load('node: {name: n, ipv4Address: 10.0.0.9/24}\npeers:\n  - {address: 10.0.0.1, asNumber: 1, bfd: maybe}\n');
    expect(word.ok ? [] : word.errors.map((e) => `${e.path}: ${e.message}`)).toEqual(['peers[0].bfd: expected true, false or an object {minTxMs, minRxMs, multiplier, multihop, minTtl, auth}']);
  });

  it('are passive only when configured so', () => {
    const config = mustLoad('node: {name: n, ipv4Address: 10.0.0.9/24}\npeers:\n  - {address: 10.0.0.99, asNumber: 1, passive: true}\n  - {address: 10.0.0.1, asNumber: 1}\n');
    expect(effectivePeers(config).map((p) => p.passive)).toEqual([true, false]);
  });
});
