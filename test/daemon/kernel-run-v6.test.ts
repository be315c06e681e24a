// IPv6 VXLAN end to end through `petrel run`: two nodes in namespaces of their own joined by a
// veth with an IPv6 underlay (fd00:77::1/64, fd00:77::2/64), one IPv6 BGP session between them,
// each with a block in an IPv6 VXLAN pool (Felix's vxlan-v6.calico) whose first address is the
// node's VTEP. Checked in the kernels: the device, the peer's block via its VTEP on
// vxlan-v6.calico, the NDP and FDB entries, and a ping6 between the VTEPs' pods (the VTEP
// addresses themselves) through the overlay.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetNs, connectVeth } from '../peers/netns.js';
import { type ManagedProcess, waitFor } from '../peers/process.js';
import { WorkDir } from '../peers/workdir.js';
import { vtepMacFor } from '../../src/kernel/vxlan.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const DEVICE = 'vxlan-v6.calico';

interface NodeSpec {
  readonly name: string;
  readonly routerId: string;
  readonly address: string;
  readonly peerAddress: string;
  readonly block: string;
  readonly vtep: string;
  readonly passive: boolean;
  readonly veth: string;
}

const A: NodeSpec = { name: 'node-a', routerId: '10.77.0.1', address: 'fd00:77::1', peerAddress: 'fd00:77::2', block: 'fd00:245:0:1::/122', vtep: 'fd00:245:0:1::', passive: false, veth: 'veth-a' };
const B: NodeSpec = { name: 'node-b', routerId: '10.77.0.2', address: 'fd00:77::2', peerAddress: 'fd00:77::1', block: 'fd00:245:0:2::/122', vtep: 'fd00:245:0:2::', passive: true, veth: 'veth-b' };
const other = (node: NodeSpec): NodeSpec => (node === A ? B : A);

function configYaml(node: NodeSpec, dir: string): string {
  const peer = other(node);
  return `asNumber: 64512
routerId: ${node.routerId}
node: {name: ${node.name}, ipv6Address: '${node.address}/64', vxlanTunnelAddressV6: '${node.vtep}'}
listen: {address: '::', port: 179}
mesh:
  enabled: false
  nodes: [{name: ${peer.name}, ipv4Address: ${peer.routerId}/24, ipv6Address: '${peer.address}/64', vxlanTunnelAddressV6: '${peer.vtep}'}]
pools:
  - {cidr: 'fd00:245::/48', blockSize: 122, vxlanMode: Always}
blocks: ['${node.block}']
kernel: {enabled: true, routeProtocol: 12, learn: true, persist: false}
control: {socket: ${dir}/petrel.sock}
stateDir: ${dir}/state
metrics: {listen: '127.0.0.1:9900'}
log: {level: info}
peers:
  - {name: peer, address: '${node.peerAddress}', asNumber: 64512, passive: ${node.passive}, connectDelaySec: 0, connectRetrySec: 1}
`;
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
    const work = await WorkDir.create(`kernel-v6-${spec.name}`);
    return new Node(spec, ns, work, await work.write('petrel.yaml', configYaml(spec, work.dir)));
  }

  start(): void {
    this.process = this.ns.spawn(this.spec.name, process.execPath, ['--import', 'tsx', MAIN, 'run', '--config', this.configFile]);
  }

  /** Polls `check`; on timeout the daemon's log is in the error. */
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

let nodes: Node[] = [];

beforeAll(async () => {
  nodes = [await Node.create(A), await Node.create(B)];
  const [a, b] = nodes as [Node, Node];
  await connectVeth({ ns: a.ns, ifname: A.veth, addresses: [`${A.address}/64`] }, { ns: b.ns, ifname: B.veth, addresses: [`${B.address}/64`] });
  for (const node of nodes) node.start();
});

afterAll(async () => {
  for (const node of nodes) await node.remove();
  nodes = [];
});

describe('petrel run with an IPv6 VXLAN pool', () => {
  it('creates vxlan-v6.calico, routes the peer\u2019s block via its VTEP with NDP and FDB entries, and carries a ping6', async () => {
    const [a, b] = nodes as [Node, Node];
    for (const node of nodes) {
      const peer = other(node.spec);
      const route = await node.until(`the route to ${peer.block}`, async () => {
        const out = (await node.ns.ip('-6', 'route', 'show', peer.block, 'proto', '12')).trim();
        return out === '' ? undefined : out;
      });
      expect(route).toMatch(new RegExp(`^${peer.block} via ${peer.vtep} dev ${DEVICE} metric 1024 onlink`));
      const link = await node.ns.ip('-d', 'link', 'show', DEVICE);
      expect(link).toMatch(/mtu 1430 /);
      expect(link).toMatch(new RegExp(`vxlan id 4096 local ${node.spec.address} dev ${node.spec.veth} .*dstport 4789 nolearning`));
      expect(await node.ns.ip('-6', 'neigh', 'show', 'dev', DEVICE)).toContain(`${peer.vtep} lladdr ${vtepMacFor(peer.address)} PERMANENT`);
      expect(await node.ns.execOk('bridge', ['fdb', 'show', 'dev', DEVICE])).toContain(`${vtepMacFor(peer.address)} dst ${peer.address} self permanent`);
    }
    // The VTEP address is on each device: a ping between them crosses the overlay both ways.
    await a.until('a ping6 through the overlay', async () => {
      try {
        return await a.ns.execOk('ping', ['-6', '-c', '1', '-W', '1', '-I', A.vtep, B.vtep]);
      } catch {
        return undefined;
      }
    });
    expect(await b.ns.ip('-s', 'link', 'show', DEVICE)).toMatch(/RX:[^\n]*\n\s+[1-9]\d*\s+[1-9]/);
  });
});
