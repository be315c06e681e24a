// IPv6 VXLAN as Felix's second VXLAN manager programs it (vxlan-v6.calico over the node's IPv6
// address, NDP and FDB entries per remote node), end to end: two namespaces joined by a veth with
// an IPv6-only underlay, each a "node" with a pod address of its own, petrel's VxlanPlane
// and the encapsulated routes from Encapsulation, and a ping6 between the pods through the tunnel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EncapDecision, EncapOptions } from '../../src/kernel/encap.js';
import type { DeviceOutcome, VtepRemote } from '../../src/kernel/vxlan.js';
import { vtepMacFor } from '../../src/kernel/vxlan.js';
import { Namespace, SyncerChild, run } from './helpers.js';

const DEVICE = 'vxlan-v6.calico';

interface Node {
  readonly tag: string;
  readonly underlay: string;
  readonly vtep: string;
  readonly pod: string;
  readonly block: string;
}

const A: Node = { tag: 'v6a', underlay: 'fd00:1::a', vtep: 'fd00:247:ffff::a', pod: 'fd00:247:a::1', block: 'fd00:247:a::/122' };
const B: Node = { tag: 'v6b', underlay: 'fd00:1::b', vtep: 'fd00:247:ffff::b', pod: 'fd00:247:b::1', block: 'fd00:247:b::/122' };

const ENCAP: EncapOptions = {
  pools: [{ cidr: 'fd00:247::/32', ipipMode: 'Never', vxlanMode: 'Always' }],
  serviceRanges: [],
  nodeIpv6Address: 'fd00:1::a/64',
  vxlanDevice: 'vxlan.calico',
};

let namespaces: Namespace[] = [];
let children: SyncerChild[] = [];

async function sysctl(ns: Namespace, ...settings: string[]): Promise<void> {
  await run('ip', ['netns', 'exec', ns.name, 'sysctl', '-q', '-w', ...settings]);
}

beforeAll(async () => {
  namespaces = [await Namespace.create(A.tag), await Namespace.create(B.tag)];
  const [a, b] = namespaces as [Namespace, Namespace];
  // Addresses usable at once: no duplicate address detection in these private namespaces.
  for (const ns of namespaces) await sysctl(ns, 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
  await a.ip('link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth0', 'netns', b.name);
  for (const [ns, node] of [[a, A], [b, B]] as const) {
    await ns.ip('addr', 'add', `${node.underlay}/64`, 'dev', 'veth0', 'nodad');
    await ns.ip('link', 'set', 'veth0', 'up');
    // The kernel here has no dummy module: the pod address sits on lo.
    await ns.ip('addr', 'add', `${node.pod}/128`, 'dev', 'lo', 'nodad');
  }
});

afterAll(async () => {
  for (const child of children) {
    await child.send({ op: 'stop' });
    await child.close();
  }
  for (const ns of namespaces) await ns.remove();
  children = [];
  namespaces = [];
});

/** In `ns`, a petrel node's kernel side: the syncer, the IPv6 VXLAN plane with `remote`, and the route to its block. */
async function programNode(ns: Namespace, self: Node, remote: Node): Promise<{ device: DeviceOutcome; decision: EncapDecision }> {
  const child = new SyncerChild(ns);
  children.push(child);
  await child.send({ op: 'start', options: { persist: false } });
  const remotes: VtepRemote[] = [{ vtepIp: remote.vtep, vtepMac: vtepMacFor(remote.underlay), nodeIp: remote.underlay }];
  const device = await child.send<DeviceOutcome>({
    op: 'vxlan',
    options: { device: DEVICE, vni: 4096, port: 4789, mtu: 1430, nodeIp: self.underlay, vtepIp: self.vtep },
    remotes,
  });
  const [decision] = await child.send<EncapDecision[]>({
    op: 'encap',
    options: { ...ENCAP, nodeIpv6Address: `${self.underlay}/64` },
    paths: [{ prefix: remote.block, nextHops: [remote.underlay] }],
  });
  return { device, decision: decision! };
}

describe('IPv6 VXLAN between two namespaces (vxlan-v6.calico)', () => {
  it('creates the device over the IPv6 underlay, programs NDP and FDB entries, and carries a ping6 between pods', async () => {
    const [a, b] = namespaces as [Namespace, Namespace];
    const nodeA = await programNode(a, A, B);
    await programNode(b, B, A);
    expect(nodeA.device.created).toBe(true);
    expect(nodeA.decision).toEqual({
      action: 'install',
      route: { prefix: B.block, type: 'unicast', nextHops: [{ gateway: B.vtep, device: DEVICE, onlink: true }] },
    });

    const link = await a.ip('-d', 'link', 'show', DEVICE);
    expect(link).toMatch(/mtu 1430 /);
    expect(link).toContain(`link/ether ${vtepMacFor(A.underlay)}`);
    expect(link).toMatch(/vxlan id 4096 local fd00:1::a dev veth0 .*dstport 4789 nolearning/);
    expect(await a.ip('-6', 'addr', 'show', 'dev', DEVICE)).toContain(`inet6 ${A.vtep}/128`);
    expect(await a.ip('-6', 'neigh', 'show', 'dev', DEVICE)).toContain(`${B.vtep} lladdr ${vtepMacFor(B.underlay)} PERMANENT`);
    const fdb = (await run('bridge', ['-n', a.name, 'fdb', 'show', 'dev', DEVICE])).stdout;
    expect(fdb).toContain(`${vtepMacFor(B.underlay)} dst ${B.underlay} self permanent`);
    expect(await a.routes(B.block)).toEqual([`${B.block} via ${B.vtep} dev ${DEVICE} proto bird metric 1024 onlink pref medium`]);

    const ping = await run('ip', ['netns', 'exec', a.name, 'ping', '-6', '-c', '2', '-i', '0.2', '-W', '2', '-I', A.pod, B.pod]);
    expect(ping.stdout).toMatch(/2 received/);
    // The echo went through the tunnel: B's VXLAN device counted it.
    const stats = await b.ip('-s', 'link', 'show', DEVICE);
    expect(stats).toMatch(/RX:[^\n]*\n\s+[1-9]\d*\s+[1-9]/);
  });
});
