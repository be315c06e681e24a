import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceOutcome } from '../../src/kernel/vxlan.js';
import { vtepMacFor } from '../../src/kernel/vxlan.js';
import { Namespace, SyncerChild, run } from './helpers.js';

let ns: Namespace;
const OPTIONS = { device: 'vxlan.calico', vni: 4096, port: 4789, mtu: 1410, nodeIp: '192.0.2.10', vtepIp: '10.247.100.1' };
const REMOTES = [
  { vtepIp: '10.247.200.1', vtepMac: vtepMacFor('192.0.2.22'), nodeIp: '192.0.2.22' },
  { vtepIp: '10.247.201.1', vtepMac: '66:77:88:99:aa:bb', nodeIp: '198.51.100.7' },
];

beforeAll(async () => {
  ns = await Namespace.create('vxlan');
  await ns.ip('link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
  for (const dev of ['veth0', 'veth1']) await ns.ip('link', 'set', dev, 'up');
  await ns.ip('addr', 'add', '192.0.2.10/24', 'dev', 'veth0');
});

afterAll(async () => {
  await ns?.remove();
});

async function inChild<T>(body: (child: SyncerChild) => Promise<T>): Promise<T> {
  const child = new SyncerChild(ns);
  try {
    return await body(child);
  } finally {
    await child.close();
  }
}

describe('VxlanPlane in a namespace', () => {
  it('derives a locally administered unicast VTEP MAC from the node address', () => {
    expect(vtepMacFor('192.0.2.22')).toBe('02:50:c0:00:02:16');
    // IPv6 nodes (vxlan-v6.calico): 02:56 and the first four octets of SHA-256 over the 16
    // address octets (python3: hashlib.sha256(ipaddress.IPv6Address(a).packed)).
    expect(vtepMacFor('fd00:1::c0a8:1')).toBe('02:56:ca:cf:14:65');
    // The same interface identifier in two subnets: two MACs (the last four octets alone collide).
    expect(vtepMacFor('fd00:0:1::11')).toBe('02:56:65:74:48:85');
    expect(vtepMacFor('fd00:0:2::11')).toBe('02:56:47:7b:80:7c');
    expect(() => vtepMacFor('node-a')).toThrow(/not an IP address/);
  });

  it('creates vxlan.calico once with VNI, port, MTU, local address, parent, learning off, and programs ARP and FDB', async () => {
    const first = await inChild((child) => child.send<DeviceOutcome>({ op: 'vxlan', options: OPTIONS, remotes: REMOTES }));
    expect(first.created).toBe(true);
    const link = await ns.ip('-d', 'link', 'show', 'vxlan.calico');
    expect(link).toMatch(/mtu 1410 .*state UNKNOWN/);
    expect(link).toContain(`link/ether ${vtepMacFor('192.0.2.10')}`);
    expect(link).toMatch(/vxlan id 4096 local 192\.0\.2\.10 dev veth0 .*dstport 4789 nolearning/);
    expect(await ns.ip('addr', 'show', 'dev', 'vxlan.calico')).toContain('inet 10.247.100.1/32');
    const neigh = await ns.ip('neigh', 'show', 'dev', 'vxlan.calico');
    expect(neigh).toContain(`10.247.200.1 lladdr ${vtepMacFor('192.0.2.22')} PERMANENT`);
    expect(neigh).toContain('10.247.201.1 lladdr 66:77:88:99:aa:bb PERMANENT');
    const fdb = (await run('bridge', ['-n', ns.name, 'fdb', 'show', 'dev', 'vxlan.calico'])).stdout;
    expect(fdb).toContain(`${vtepMacFor('192.0.2.22')} dst 192.0.2.22 self permanent`);
    expect(fdb).toContain('66:77:88:99:aa:bb dst 198.51.100.7 self permanent');

    // A second run finds the device and reuses it: same ifindex, nothing recreated.
    const second = await inChild((child) => child.send<DeviceOutcome>({ op: 'vxlan', options: { ...OPTIONS, mtu: 1450 }, remotes: REMOTES }));
    expect(second).toEqual({ index: first.index, created: false });
    expect(await ns.ip('-d', 'link', 'show', 'vxlan.calico')).toMatch(/mtu 1410 /);
  });

  it('removes the ARP and FDB entries of a node that is gone and changes a moved VTEP', async () => {
    await inChild(async (child) => {
      await child.send({ op: 'vxlan', options: OPTIONS, remotes: REMOTES });
      await child.send({ op: 'vxlan', options: OPTIONS, remotes: [{ ...REMOTES[0]!, vtepIp: '10.247.202.1' }] });
    });
    const neigh = await ns.ip('neigh', 'show', 'dev', 'vxlan.calico');
    expect(neigh).toContain(`10.247.202.1 lladdr ${vtepMacFor('192.0.2.22')} PERMANENT`);
    expect(neigh).not.toContain('10.247.201.1');
    expect(neigh).not.toContain('10.247.200.1');
    const fdb = (await run('bridge', ['-n', ns.name, 'fdb', 'show', 'dev', 'vxlan.calico'])).stdout;
    expect(fdb).not.toContain('66:77:88:99:aa:bb');
    expect(fdb).toContain(`${vtepMacFor('192.0.2.22')} dst 192.0.2.22 self permanent`);
  });

  it('refuses a device of that name that is not vxlan', async () => {
    await ns.ip('link', 'add', 'vxlan.other', 'type', 'veth', 'peer', 'name', 'vxlan.other-p');
    await expect(inChild((child) => child.send({ op: 'vxlan', options: { ...OPTIONS, device: 'vxlan.other' }, remotes: [] }))).rejects.toThrow(
      /vxlan\.other exists and is not a vxlan device \(veth\)/,
    );
  });
});
