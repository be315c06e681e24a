import { describe, expect, it } from 'vitest';
import { formatIssue, loadConfigFile } from '../../src/config/load.js';
import { TEST_FILE, fakeEnvironment, load, mustLoad } from './helpers.js';

/** Lines 1–3 of every case: a node with an address, so only the case's own lines can be wrong. */
const NODE = 'node:\n  name: node1\n  ipv4Address: 10.0.0.201/24\n';

interface Case {
  readonly name: string;
  readonly yaml: string;
  readonly path: string;
  readonly line: number;
  readonly column?: number;
  readonly message: RegExp;
}

const peer = (fields: string): string => `${NODE}peers:\n  - name: tor1\n    address: 10.0.0.1\n    asNumber: 65001\n${fields}`;

const CASES: readonly Case[] = [
  // Timers: RFC 4271 §4.2 and §4.4 / §10.
  { name: 'hold time 1', yaml: peer('    holdTimeSec: 1\n'), path: 'peers[0].holdTimeSec', line: 8, message: /0 or at least 3 seconds \(RFC 4271 §4\.2\)/ },
  { name: 'hold time 2', yaml: peer('    holdTimeSec: 2\n'), path: 'peers[0].holdTimeSec', line: 8, message: /RFC 4271 §4\.2/ },
  { name: 'keepalive above hold/3', yaml: peer('    holdTimeSec: 9\n    keepaliveSec: 4\n'), path: 'peers[0].keepaliveSec', line: 9, message: /more than a third.*use at most 3/ },
  { name: 'keepalive with hold 0', yaml: peer('    holdTimeSec: 0\n    keepaliveSec: 10\n'), path: 'peers[0].keepaliveSec', line: 9, message: /no keepalives are sent/ },
  { name: 'keepalive 0 with hold > 0', yaml: peer('    keepaliveSec: 0\n'), path: 'peers[0].keepaliveSec', line: 8, message: /hold timer would expire/ },
  { name: 'mesh keepalive above hold/3', yaml: `${NODE}mesh:\n  holdTimeSec: 30\n  keepaliveSec: 11\n`, path: 'mesh.keepaliveSec', line: 6, message: /more than a third/ },
  // Passwords.
  { name: 'inline password', yaml: peer('    password: hunter2\n'), path: 'peers[0].password', line: 8, column: 15, message: /inline passwords are not accepted.*\{file: .*\{env: VAR\}/ },
  { name: 'inline numeric password', yaml: peer('    password: 123456\n'), path: 'peers[0].password', line: 8, message: /inline passwords are not accepted/ },
  { name: 'password with file and env', yaml: peer('    password: {file: /k, env: K}\n'), path: 'peers[0].password', line: 8, message: /exactly one of file or env/ },
  { name: 'password file missing', yaml: peer('    password: {file: /etc/petrel/none.key}\n'), path: 'peers[0].password.file', line: 8, column: 22, message: /cannot read password file \/etc\/petrel\/none\.key: no such file \(ENOENT\)/ },
  { name: 'password env unset', yaml: peer('    password: {env: TOR_KEY}\n'), path: 'peers[0].password.env', line: 8, message: /TOR_KEY is not set/ },
  // Unknown keys point at the key.
  { name: 'unknown top-level key', yaml: `${NODE}holdTime: 90\n`, path: 'holdTime', line: 4, column: 1, message: /unknown key "holdTime"/ },
  { name: 'unknown peer key', yaml: peer('    holdTime: 90\n'), path: 'peers[0].holdTime', line: 8, column: 5, message: /unknown key "holdTime"/ },
  { name: 'unknown node key', yaml: `node:\n  name: n\n  ipv4Addr: 10.0.0.1/24\n`, path: 'node.ipv4Addr', line: 3, column: 3, message: /unknown key/ },
  // Missing keys point at the enclosing mapping.
  { name: 'node missing', yaml: 'asNumber: 64512\n', path: 'node', line: 1, column: 1, message: /required key is missing/ },
  { name: 'peer without asNumber', yaml: `${NODE}peers:\n  - name: tor1\n    address: 10.0.0.1\n`, path: 'peers[0].asNumber', line: 5, column: 5, message: /required key is missing/ },
  { name: 'routerId needed without ipv4Address', yaml: 'node: {name: v6only, ipv6Address: "fd00::1/64"}\n', path: 'routerId', line: 1, message: /routerId is required/ },
  // Numbers and addresses.
  { name: 'AS 0', yaml: `asNumber: 0\n${NODE}`, path: 'asNumber', line: 1, column: 11, message: /AS 0 is reserved/ },
  { name: 'AS above 32 bits', yaml: `asNumber: 4294967296\n${NODE}`, path: 'asNumber', line: 1, message: /at most 4294967295/ },
  { name: 'routerId 0.0.0.0', yaml: `routerId: 0.0.0.0\n${NODE}`, path: 'routerId', line: 1, column: 11, message: /not a valid BGP identifier/ },
  { name: 'routerId not IPv4', yaml: `routerId: fd00::1\n${NODE}`, path: 'routerId', line: 1, message: /IPv4 address/ },
  { name: 'peer address not an address', yaml: `${NODE}peers:\n  - {address: 10.0.0.256, asNumber: 1}\n`, path: 'peers[0].address', line: 5, message: /not an IPv4 or IPv6 address/ },
  { name: 'interface address is the subnet', yaml: 'node: {name: n, ipv4Address: 10.0.0.0/24}\n', path: 'node.ipv4Address', line: 1, message: /is the subnet itself/ },
  { name: 'ttlSecurity 255', yaml: peer('    ttlSecurity: 255\n'), path: 'peers[0].ttlSecurity', line: 8, message: /<=254/ },
  { name: 'multihop 0', yaml: peer('    multihop: 0\n'), path: 'peers[0].multihop', line: 8, message: /true, false or a TTL/ },
  { name: 'multihop text', yaml: peer('    multihop: yes\n'), path: 'peers[0].multihop', line: 8, message: /true, false or a TTL/ },
  { name: 'link-local peer without interface', yaml: `${NODE}peers:\n  - {address: "fe80::1", asNumber: 1}\n`, path: 'peers[0].interface', line: 5, message: /link-local: name the interface/ },
  { name: 'source address of the other family', yaml: peer('    sourceAddress: "fd00::1"\n'), path: 'peers[0].sourceAddress', line: 8, message: /same family/ },
  { name: 'metrics listen without port', yaml: `${NODE}metrics: {listen: 127.0.0.1}\n`, path: 'metrics.listen', line: 4, message: /not IP:port/ },
  { name: 'relative stateDir', yaml: `${NODE}stateDir: var/petrel\n`, path: 'stateDir', line: 4, message: /absolute path/ },
  // Kernel.
  { name: 'route protocol of the kernel', yaml: `${NODE}kernel: {routeProtocol: 3}\n`, path: 'kernel.routeProtocol', line: 4, message: /belongs to boot-time routes/ },
  { name: 'route protocol of Felix', yaml: `${NODE}kernel: {routeProtocol: 80}\n`, path: 'kernel.routeProtocol', line: 4, message: /Calico Felix/ },
  { name: 'local table', yaml: `${NODE}kernel: {table: 255}\n`, path: 'kernel.table', line: 4, message: /local table/ },
  // Pools, blocks, service ranges, communities.
  { name: 'pool with host bits', yaml: `${NODE}pools:\n  - cidr: 10.244.0.1/16\n`, path: 'pools[0].cidr', line: 5, column: 11, message: /host bits set; did you mean 10\.244\.0\.0\/16\?/ },
  { name: 'IPv4 block size 19', yaml: `${NODE}pools:\n  - {cidr: 10.0.0.0/8, blockSize: 19}\n`, path: 'pools[0].blockSize', line: 5, message: /IPv4 block sizes are 20\.\.32/ },
  { name: 'IPv6 block size 115', yaml: `${NODE}pools:\n  - {cidr: "fd00::/48", blockSize: 115}\n`, path: 'pools[0].blockSize', line: 5, message: /IPv6 block sizes are 116\.\.128/ },
  { name: 'IPIP and VXLAN together', yaml: `${NODE}pools:\n  - cidr: 10.244.0.0/16\n    ipipMode: Always\n    vxlanMode: CrossSubnet\n`, path: 'pools[0].vxlanMode', line: 7, message: /not both/ },
  { name: 'IPIP on an IPv6 pool', yaml: `${NODE}pools:\n  - {cidr: "fd00::/48", ipipMode: Always}\n`, path: 'pools[0].ipipMode', line: 5, message: /IPv4 only/ },
  { name: 'bad encapsulation mode', yaml: `${NODE}pools:\n  - {cidr: 10.244.0.0/16, ipipMode: always}\n`, path: 'pools[0].ipipMode', line: 5, message: /Always/ },
  { name: 'overlapping pools', yaml: `${NODE}pools:\n  - {cidr: 10.244.0.0/16}\n  - {cidr: 10.244.128.0/17}\n`, path: 'pools[1].cidr', line: 6, message: /overlaps pools\[0\]/ },
  { name: 'block with host bits', yaml: `${NODE}pools: [{cidr: 10.244.0.0/16}]\nblocks: [10.244.1.1/26]\n`, path: 'blocks[0]', line: 5, column: 10, message: /host bits set; did you mean 10\.244\.1\.0\/26/ },
  { name: 'block outside every pool', yaml: `${NODE}pools: [{cidr: 10.244.0.0/16}]\nblocks: [10.245.1.0/26]\n`, path: 'blocks[0]', line: 5, message: /not inside any pool/ },
  { name: 'block of the wrong size', yaml: `${NODE}pools: [{cidr: 10.244.0.0/16}]\nblocks:\n  - 10.244.1.0/26\n  - 10.244.2.0/27\n`, path: 'blocks[1]', line: 7, message: /blockSize 26/ },
  { name: 'duplicate block', yaml: `${NODE}pools: [{cidr: 10.244.0.0/16}]\nblocks: [10.244.1.0/26, 10.244.1.0/26]\n`, path: 'blocks[1]', line: 5, message: /already listed at blocks\[0\]/ },
  { name: 'service range with host bits', yaml: `${NODE}serviceClusterIPs: [10.96.0.1/12]\n`, path: 'serviceClusterIPs[0]', line: 4, message: /host bits/ },
  { name: 'community out of range', yaml: `${NODE}prefixAdvertisements:\n  - {cidr: 10.244.0.0/16, communities: ["70000:1"]}\n`, path: 'prefixAdvertisements[0].communities[0]', line: 5, message: /not a community/ },
  // Peers across the config.
  { name: 'duplicate peer names', yaml: `${NODE}peers:\n  - {name: tor, address: 10.0.0.1, asNumber: 1}\n  - {name: tor, address: 10.0.0.2, asNumber: 1}\n`, path: 'peers[1].name', line: 6, message: /already used by peers\[0\]/ },
  { name: 'duplicate peer addresses', yaml: `${NODE}peers:\n  - {name: a, address: 10.0.0.1, asNumber: 1}\n  - {name: b, address: 10.0.0.1, port: 1179, asNumber: 1}\n`, path: 'peers[1].address', line: 6, message: /already a peer at peers\[0\]/ },
  { name: 'peer is ourselves', yaml: `${NODE}peers:\n  - {address: 10.0.0.201, asNumber: 64512}\n`, path: 'peers[0].address', line: 5, message: /own address/ },
  { name: 'mesh node named as us', yaml: `${NODE}mesh:\n  nodes:\n    - {name: node1, ipv4Address: 10.0.0.9/24}\n`, path: 'mesh.nodes[0].name', line: 6, message: /is this node/ },
  { name: 'mesh node with our address', yaml: `${NODE}mesh:\n  nodes:\n    - {name: node9, ipv4Address: 10.0.0.201/24}\n`, path: 'mesh.nodes[0].ipv4Address', line: 6, message: /own address/ },
  { name: 'explicit peer duplicating a mesh node', yaml: `${NODE}mesh:\n  nodes: [{name: node2, ipv4Address: 10.0.0.202/24}]\npeers:\n  - {address: 10.0.0.202, asNumber: 64512}\n`, path: 'peers[0].address', line: 7, message: /already a peer at mesh\.nodes\[0\]/ },
  { name: 'reflector client over eBGP', yaml: `node: {name: rr, ipv4Address: 10.0.0.1/24, routeReflectorClusterId: 244.0.0.1}\npeers:\n  - {address: 10.0.0.2, asNumber: 65001, routeReflectorClient: true}\n`, path: 'peers[0].routeReflectorClient', line: 3, message: /iBGP peers \(RFC 4456\)/ },
  { name: 'reflector client without a cluster ID', yaml: `${NODE}peers:\n  - {address: 10.0.0.2, asNumber: 64512, routeReflectorClient: true}\n`, path: 'peers[0].routeReflectorClient', line: 5, message: /set node\.routeReflectorClusterId/ },
];

describe('invalid configs: each error names its key path, line and why', () => {
  it.each(CASES)('$name → $path at line $line', (c) => {
    const result = load(c.yaml);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const match = result.errors.find((e) => e.path === c.path);
    expect(match, `errors were:\n${result.errors.map(formatIssue).join('\n')}`).toBeDefined();
    expect(match!.line).toBe(c.line);
    if (c.column !== undefined) expect(match!.column).toBe(c.column);
    expect(match!.message).toMatch(c.message);
    expect(match!.file).toBe(TEST_FILE);
  });

  it('reports every structural error at once, in line order', () => {
    const yaml = `asNumber: 0\n${NODE}peers:\n  - {address: 10.0.0.1, asNumber: 1, holdTimeSec: 2}\npools:\n  - {cidr: 10.1.0.1/16}\nbogus: 1\n`;
    const result = load(yaml);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.path, e.line])).toEqual([
      ['asNumber', 1],
      ['peers[0].holdTimeSec', 6],
      ['pools[0].cidr', 8],
      ['bogus', 9],
    ]);
  });

  it('formats an error as FILE:LINE:COL: path: message', () => {
    const result = load(peer('    holdTimeSec: 1\n'));
    if (result.ok) throw new Error('expected errors');
    expect(formatIssue(result.errors[0]!)).toBe(
      `${TEST_FILE}:8:18: peers[0].holdTimeSec: hold time must be 0 or at least 3 seconds (RFC 4271 §4.2)`,
    );
  });
});

describe('YAML problems', () => {
  it('reports a syntax error with its position and no key path', () => {
    const result = load(`${NODE}peers: [\n`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]!.path).toBe('');
    expect(result.errors[0]!.line).toBeGreaterThanOrEqual(4);
    expect(result.errors[0]!.message).toMatch(/^YAML: /);
  });

  it('rejects a duplicate key at its second occurrence', () => {
    const result = load(`${NODE}asNumber: 1\nasNumber: 2\n`);
    if (result.ok) throw new Error('expected errors');
    expect(result.errors[0]).toMatchObject({ line: 5, column: 1, message: 'YAML: Map keys must be unique' });
  });

  it('rejects an empty file and a file that is not a mapping', () => {
    const empty = load('');
    expect(empty.ok || empty.errors[0]!.message).toMatch(/config is empty/);
    const list = load('- a\n- b\n');
    expect(list.ok || list.errors[0]!.message).toMatch(/must be a mapping/);
  });

  it('reports a missing config file without throwing', () => {
    const result = loadConfigFile('/etc/petrel/absent.yaml', fakeEnvironment());
    expect(result).toEqual({
      ok: false,
      errors: [{ file: '/etc/petrel/absent.yaml', path: '', line: 0, column: 0, message: 'cannot read config: no such file (ENOENT)' }],
    });
  });

  it('follows aliases to report their position', () => {
    const result = load(`${NODE}x-timers: &t {holdTimeSec: 1}\n`);
    if (result.ok) throw new Error('expected errors');
    expect(result.errors[0]).toMatchObject({ path: 'x-timers', line: 4 });
  });
});

describe('defaults and canonical values', () => {
  it('fills Calico defaults (CALICO.md §1.5) and derives routerId and keepalive', () => {
    const config = mustLoad(`${NODE}peers:\n  - {address: "FD00:0::1", asNumber: 65001, holdTimeSec: 90}\n`);
    expect(config.asNumber).toBe(64512);
    expect(config.routerId).toBe('10.0.0.201');
    expect(config.peers[0]).toMatchObject({
      name: 'Node_fd00__1',
      address: 'fd00::1',
      port: 179,
      holdTimeSec: 90,
      keepaliveSec: 30,
      connectDelaySec: 2,
      connectRetrySec: 5,
      errorWait: { minSec: 5, maxSec: 30, forgetSec: 300 },
      multihop: true,
      addPaths: 'both',
      families: ['ipv6-unicast'],
    });
    expect(config.kernel).toEqual({ enabled: true, routeProtocol: 12, learn: true, persist: true, table: 254 });
    expect(config.metrics.listen).toBe('127.0.0.1:9900');
    expect(config.gracefulRestart).toEqual({ enabled: true, restartTimeSec: 120 });
  });

  it('takes an error wait per peer, and refuses one whose ceiling is below its start', () => {
    const config = mustLoad(peer('    errorWait: {minSec: 1, maxSec: 8, forgetSec: 60}\n'));
    expect(config.peers[0]!.errorWait).toEqual({ minSec: 1, maxSec: 8, forgetSec: 60 });
    const result = load(peer('    errorWait: {minSec: 10, maxSec: 5}\n'));
    if (result.ok) throw new Error('expected errors');
    expect(result.errors).toEqual([expect.objectContaining({ path: 'peers[0].errorWait.maxSec', message: expect.stringContaining('maxSec must be at least minSec') })]);
    const zero = load(peer('    errorWait: {minSec: 0}\n'));
    expect(zero.ok).toBe(false);
  });

  it('gives pools the Calico block size for their family', () => {
    const config = mustLoad(`${NODE}pools:\n  - {cidr: 10.244.0.0/16}\n  - {cidr: "fd00:1::/48"}\n`);
    expect(config.pools.map((p) => p.blockSize)).toEqual([26, 122]);
  });

  it('accepts hold time 0 with keepalives off (RFC 4271 §4.4)', () => {
    const config = mustLoad(peer('    holdTimeSec: 0\n'));
    expect(config.peers[0]).toMatchObject({ holdTimeSec: 0, keepaliveSec: 0 });
  });

  it('resolves relative calicoResources paths against the config folder', () => {
    // Both are read now (empty here); see test/config/calico*.test.ts for what they derive.
    const config = mustLoad(`${NODE}calicoResources: [calico/, /srv/manifests]\n`, fakeEnvironment({ '/etc/petrel/calico': '', '/srv/manifests': '' }));
    expect(config.calicoResources).toEqual(['/etc/petrel/calico', '/srv/manifests']);
  });
});

describe('a loaded config', () => {
  it('is frozen: it is shared and swapped whole on reload, never edited', () => {
    const config = mustLoad('node: {name: n, ipv4Address: 10.0.0.1/24}\npeers: [{address: 10.0.0.2, asNumber: 1}]\n');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.peers[0])).toBe(true);
    expect(() => {
      (config.kernel as { enabled: boolean }).enabled = false;
    }).toThrow(TypeError);
  });
});
