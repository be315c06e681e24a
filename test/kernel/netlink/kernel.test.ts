import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const NAMESPACE = `petrel-nlcodec-${process.pid}`;
const CHILD = path.join(import.meta.dirname, 'kernel-child.ts');
let veth0 = 0;

/** What kernel-child.ts prints. */
interface ChildResult {
  readonly datagrams: number;
  readonly routeFailures: readonly { key: string; code: string; message?: string }[];
  readonly routeSucceeded: number;
  readonly deleteFailures: readonly unknown[];
  readonly vxlanFailures: readonly unknown[];
  readonly device: unknown;
  readonly ourRoutes: number;
  readonly ecmp: { multipath: unknown };
  readonly v6: unknown;
  readonly sample: unknown;
}

beforeAll(async () => {
  await run('ip', ['netns', 'add', NAMESPACE]);
  await run('ip', ['-n', NAMESPACE, 'link', 'set', 'lo', 'up']);
  await run('ip', ['-n', NAMESPACE, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1']);
  for (const dev of ['veth0', 'veth1']) await run('ip', ['-n', NAMESPACE, 'link', 'set', dev, 'up']);
  await run('ip', ['-n', NAMESPACE, 'addr', 'add', '192.0.2.10/24', 'dev', 'veth0']);
  const { stdout } = await run('ip', ['-n', NAMESPACE, '-o', 'link', 'show', 'veth0']);
  veth0 = Number(stdout.split(':')[0]);
});

afterAll(async () => {
  await run('ip', ['netns', 'del', NAMESPACE]);
});

describe('codec against the kernel, through the native netlink socket (in a namespace)', () => {
  it('installs batched routes, reports exactly the failed requests, and programs the VXLAN data plane', async () => {
    const { stdout } = await run('ip', ['netns', 'exec', NAMESPACE, process.execPath, '--import', 'tsx', CHILD, String(veth0)], {
      cwd: path.join(import.meta.dirname, '..', '..', '..'),
      timeout: 60_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
    expect(result.datagrams).toBeGreaterThan(1);
    expect(result.routeFailures.map((f) => [f.key, f.code])).toEqual([
      ['host-bits', 'EINVAL'],
      ['no-device', 'ENODEV'],
      ['missing', 'ESRCH'],
    ]);
    expect(result.routeFailures[0]!.message).toBe('Invalid prefix for given prefix length');
    expect(result.routeSucceeded).toBe(2002);
    expect(result.deleteFailures).toEqual([]);
    expect(result.vxlanFailures).toEqual([]);
    // 1000 left of 2000, plus the ECMP route and the IPv6 blackhole.
    expect(result.ourRoutes).toBe(1002);
    expect(result.sample).toEqual({ family: 4, dst: '10.0.1.0/24', table: 254, protocol: 12, scope: 0, type: 1, flags: 4, gateway: '192.0.2.254', oif: veth0 });
    expect(result.ecmp.multipath).toEqual([
      { gateway: '192.0.2.1', ifindex: veth0, flags: 4, weight: 1 },
      { gateway: '192.0.2.2', ifindex: veth0, flags: 4, weight: 2 },
    ]);
    expect(result.v6).toMatchObject({ dst: '2001:db8:5::/48', table: 1000, type: 6 });
    expect(result.device).toMatchObject({ kind: 'vxlan', mtu: 1450, vxlan: { vni: 4096, local: '192.0.2.10', link: veth0, port: 4789, learning: false } });

    const show = async (...args: string[]): Promise<string> => (await run('ip', ['-n', NAMESPACE, ...args])).stdout;
    expect(await show('route', 'show', '10.203.0.0/26')).toMatch(/nexthop via 192\.0\.2\.1 dev veth0 weight 1 onlink\s+nexthop via 192\.0\.2\.2 dev veth0 weight 2 onlink/);
    expect(await show('-d', 'link', 'show', 'vxlan.calico')).toMatch(/vxlan id 4096 local 192\.0\.2\.10 dev veth0 .*dstport 4789 nolearning/);
    expect(await show('addr', 'show', 'dev', 'vxlan.calico')).toContain('inet 10.244.0.1/32');
    expect(await show('neigh', 'show', 'dev', 'vxlan.calico')).toContain('10.244.1.1 lladdr 66:77:88:99:aa:bb PERMANENT');
    expect((await run('bridge', ['-n', NAMESPACE, 'fdb', 'show', 'dev', 'vxlan.calico'])).stdout).toContain('66:77:88:99:aa:bb dst 192.0.2.20 self permanent');
  });
});
