// End to end with the kernel: two `petrel run` processes, each in a network namespace of its own
// joined by a veth (node A 10.77.0.1/24, node B 10.77.0.2/24), each with a local block in a
// no-encapsulation pool and one in a VXLAN pool (CALICO.md §1.2, §1.4, §3). Checked in the
// kernels themselves with `ip`: the peer's block via the peer's address on the veth, or via its
// VTEP on vxlan.calico with the neighbour and FDB entries, and the own blocks as blackholes, all
// with protocol 12; a ping across the VXLAN overlay; Felix-style pod routes learned and exported
// per Calico's policy; routes kept when petrel stops (persist) and adopted at the next start;
// kernel metrics from inside a namespace.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetNs, connectVeth } from '../peers/netns.js';
import { type ManagedProcess, run, waitFor } from '../peers/process.js';
import { WorkDir } from '../peers/workdir.js';
import { vtepMacFor } from '../../src/kernel/vxlan.js';
import { parseExposition, sampleValue, type Sample } from './exposition.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const METRICS_PORT = 9900;

interface NodeSpec {
  readonly name: string;
  readonly address: string;
  readonly peerName: string;
  readonly peerAddress: string;
  /** In the no-encapsulation pool 10.244.0.0/16. */
  readonly block: string;
  /** In the VXLAN pool 10.245.0.0/16; its first address is the node's VTEP (as Calico allocates it). */
  readonly vxlanBlock: string;
  readonly vtep: string;
  readonly passive: boolean;
  readonly veth: string;
}

const A: NodeSpec = {
  name: 'node-a', address: '10.77.0.1', peerName: 'b', peerAddress: '10.77.0.2',
  block: '10.244.1.0/26', vxlanBlock: '10.245.1.0/26', vtep: '10.245.1.0', passive: false, veth: 'veth-a',
};
const B: NodeSpec = {
  name: 'node-b', address: '10.77.0.2', peerName: 'a', peerAddress: '10.77.0.1',
  block: '10.244.2.0/26', vxlanBlock: '10.245.2.0/26', vtep: '10.245.2.0', passive: true, veth: 'veth-b',
};
const other = (node: NodeSpec): NodeSpec => (node === A ? B : A);

function configYaml(node: NodeSpec, dir: string): string {
  const peer = other(node);
  // The mesh is off (the session is an explicit peer); its entry carries the peer's VTEP.
  return `asNumber: 64512
node: {name: ${node.name}, ipv4Address: ${node.address}/24, vxlanTunnelAddress: ${node.vtep}}
listen: {address: ${node.address}, port: 179}
mesh:
  enabled: false
  nodes: [{name: ${peer.name}, ipv4Address: ${peer.address}/24, vxlanTunnelAddress: ${peer.vtep}}]
pools:
  - {cidr: 10.244.0.0/16, blockSize: 26}
  - {cidr: 10.245.0.0/16, blockSize: 26, vxlanMode: Always}
blocks: [${node.block}, ${node.vxlanBlock}]
kernel: {enabled: true, routeProtocol: 12, learn: true, persist: true}
control: {socket: ${dir}/petrel.sock}
stateDir: ${dir}/state
metrics: {listen: 127.0.0.1:${METRICS_PORT}}
log: {level: info}
peers:
  - {name: ${node.peerName}, address: ${node.peerAddress}, asNumber: 64512, passive: ${node.passive}, connectDelaySec: 0, connectRetrySec: 1}
`;
}

/** `ip` output as trimmed, sorted, non-empty lines. */
function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .sort();
}

class Node {
  process: ManagedProcess | undefined;
  constructor(
    readonly spec: NodeSpec,
    readonly ns: NetNs,
    readonly work: WorkDir,
    readonly configFile: string,
  ) {}

  static async create(spec: NodeSpec): Promise<Node> {
    const ns = await NetNs.create();
    const work = await WorkDir.create(`kernel-${spec.name}`);
    return new Node(spec, ns, work, await work.write('petrel.yaml', configYaml(spec, work.dir)));
  }

  start(): void {
    this.process = this.ns.spawn(this.spec.name, process.execPath, ['--import', 'tsx', MAIN, 'run', '--config', this.configFile]);
  }

  /** `ip route show proto 12` in this node's namespace, one trimmed line per route, sorted. */
  async petrelRoutes(): Promise<string[]> {
    return lines(await this.ns.ip('route', 'show', 'proto', '12'));
  }

  /** `petrel show routes --json` through the control socket. */
  async routes(prefix?: string): Promise<{ prefix: string; peer: string; best: boolean }[]> {
    const r = await run(process.execPath, ['--import', 'tsx', MAIN, 'show', 'routes', ...(prefix ? [prefix] : []), '--json', '--socket', this.work.file('petrel.sock')], 30_000);
    if (r.code !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as { prefix: string; peer: string; best: boolean }[];
  }

  /** GET /metrics over a socket made inside the namespace, where the endpoint listens on loopback. */
  async metrics(): Promise<Sample[]> {
    const socket = await this.ns.connect({ host: '127.0.0.1', port: METRICS_PORT });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise<void>((resolve, reject) => {
      socket.once('end', () => resolve());
      socket.once('error', reject);
    });
    socket.resume();
    // HTTP/1.0: the body is not chunked and the server closes when done.
    socket.end('GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n');
    await ended;
    const response = Buffer.concat(chunks).toString('utf8');
    const [head = '', body = ''] = response.split('\r\n\r\n', 2);
    if (!head.startsWith('HTTP/1.1 200')) throw new Error(`metrics: ${head.split('\r\n')[0]}`);
    return parseExposition(body);
  }

  /** Polls `check` (it returns undefined while not there yet); on timeout the daemon's log is in the error. */
  async until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    try {
      return await waitFor(check, { timeoutMs, intervalMs: 200, what: `${this.spec.name}: ${what}` });
    } catch (error) {
      const log = this.process?.log.slice(-8000) ?? '';
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- ${this.spec.name} log ---\n${log}`, { cause: error });
    }
  }

  async remove(): Promise<void> {
    await this.process?.stop();
    await this.ns.remove();
    await this.work.remove();
  }
}

let a: Node;
let b: Node;

/** The proto 12 routes a node holds once it has its peer's blocks. */
function baseRoutes(node: NodeSpec): string[] {
  const peer = other(node);
  return [
    `blackhole ${node.block}`,
    `blackhole ${node.vxlanBlock}`,
    `${peer.block} via ${peer.address} dev ${node.veth}`,
    `${peer.vxlanBlock} via ${peer.vtep} dev vxlan.calico onlink`,
  ];
}

/** Until the node's proto 12 routes are exactly `expected`. */
async function routesBecome(node: Node, expected: readonly string[]): Promise<void> {
  const want = [...expected].sort();
  await node.until(`kernel routes ${want.join(' | ')}`, async () => {
    const have = await node.petrelRoutes();
    return JSON.stringify(have) === JSON.stringify(want) ? true : undefined;
  });
}

beforeAll(async () => {
  [a, b] = [await Node.create(A), await Node.create(B)];
  await connectVeth({ ns: a.ns, ifname: A.veth, addresses: [`${A.address}/24`] }, { ns: b.ns, ifname: B.veth, addresses: [`${B.address}/24`] });
  a.start();
  b.start();
}, 30_000);

afterAll(async () => {
  await a?.remove();
  await b?.remove();
});

describe('petrel run programming the kernel (two namespaces)', () => {
  it('installs the peer\u2019s blocks via the veth (no encapsulation) and its VTEP (VXLAN), its own blocks as blackholes, protocol 12', async () => {
    await routesBecome(a, baseRoutes(A));
    await routesBecome(b, baseRoutes(B));
  }, 60_000);

  it('programs the VXLAN neighbour and FDB entries, and carries a ping across the overlay', async () => {
    const mac = vtepMacFor(B.address);
    expect(lines(await a.ns.ip('neigh', 'show', 'dev', 'vxlan.calico'))).toEqual([`${B.vtep} lladdr ${mac} PERMANENT`]);
    expect(lines(await a.ns.execOk('bridge', ['fdb', 'show', 'dev', 'vxlan.calico']))).toContain(`${mac} dst ${B.address} self permanent`);
    await a.ns.execOk('ping', ['-c', '1', '-W', '5', '-I', A.vtep, B.vtep]);
  }, 30_000);

  it('advertises a borrowed /32 learned from a cali* device but never a pod /32 beneath the local block', async () => {
    for (const dev of ['calia1', 'calib2']) {
      await a.ns.ip('link', 'add', dev, 'type', 'veth', 'peer', 'name', `${dev}-pod`);
      await a.ns.ip('link', 'set', dev, 'up');
      await a.ns.ip('link', 'set', `${dev}-pod`, 'up');
    }
    // Felix's pod routes: scope link on the cali* veth, protocol 3 (boot), metric 1024.
    await a.ns.ip('route', 'add', '10.244.1.5/32', 'dev', 'calia1', 'proto', '3', 'scope', 'link', 'metric', '1024');
    await a.ns.ip('route', 'add', '10.244.7.9/32', 'dev', 'calib2', 'proto', '3', 'scope', 'link', 'metric', '1024');
    // The borrowed /32 was learned after the pod /32: once B has it, B would have the other too.
    await routesBecome(b, [...baseRoutes(B), `10.244.7.9 via ${A.address} dev ${B.veth}`]);
    const atB = await b.routes();
    expect(atB.filter((r) => r.peer === 'a').map((r) => r.prefix).sort()).toEqual([A.block, '10.244.7.9/32', A.vxlanBlock]);
    expect(await a.routes('10.244.1.5/32')).toMatchObject([{ prefix: '10.244.1.5/32', peer: 'kernel', best: true }]);
    // Felix's routes are its own: petrel never touched them.
    expect(lines(await a.ns.ip('route', 'show', 'proto', 'boot'))).toEqual([
      '10.244.1.5 dev calia1 scope link metric 1024',
      '10.244.7.9 dev calib2 scope link metric 1024',
    ]);
  }, 60_000);

  it('exports the kernel routes by state and the syncer counters', async () => {
    const samples = await a.metrics();
    expect(sampleValue(samples, 'petrel_kernel_routes', { state: 'installed' })).toBe(4);
    for (const state of ['pending', 'conflict', 'failed', 'stale']) expect(sampleValue(samples, 'petrel_kernel_routes', { state })).toBe(0);
    expect(sampleValue(samples, 'petrel_kernel_learned_routes')).toBeGreaterThanOrEqual(2);
    expect(sampleValue(samples, 'petrel_kernel_route_failures_total')).toBe(0);
    expect(sampleValue(samples, 'petrel_kernel_conflicts_total')).toBe(0);
    expect(sampleValue(samples, 'petrel_netlink_resyncs_total')).toBe(0);
    expect(sampleValue(samples, 'petrel_bgp_session_state', { peer: 'b' })).toBe(6);
  }, 30_000);

  it('leaves its routes in the kernel when stopped with SIGTERM (persist), and adopts them at the next start', async () => {
    const before = await b.petrelRoutes();
    expect(before).toHaveLength(5);
    await b.process!.stop(10_000);
    expect(b.process!.running).toBe(false);
    expect(await b.petrelRoutes()).toEqual(before);

    b.start();
    const adopted = await b.until('adopted routes, then released stale ones after End-of-RIB', async () => {
      const samples = await b.metrics();
      const done = sampleValue(samples, 'petrel_bgp_session_state', { peer: 'a' }) === 6 && sampleValue(samples, 'petrel_kernel_routes', { state: 'installed' }) === 5;
      return done ? samples : undefined;
    });
    expect(sampleValue(adopted, 'petrel_kernel_routes_adopted_total')).toBe(5);
    expect(sampleValue(adopted, 'petrel_kernel_routes', { state: 'stale' })).toBe(0);
    // Adopted routes the peers sent again are kept, not rewritten.
    expect(sampleValue(adopted, 'petrel_kernel_routes_installed_total')).toBe(0);
    expect(await b.petrelRoutes()).toEqual(before);
  }, 60_000);
});
