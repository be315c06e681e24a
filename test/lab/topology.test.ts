// The lab topology (SPEC §5) as namespaces: Calico's pod wiring exactly (CALICO.md §3), IPv4
// and IPv6, an underlay of two dual-stack subnets behind a router, and teardown by name — after
// use, after a failed build, and when the process gets SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipIn, run, runIn, runOk } from '../../src/lab/exec.js';
import { labPlan } from '../../src/lab/plan.js';
import { type KernelRouteView, kernelRoutes } from '../../src/lab/routes.js';
import { LabTopology, caliName } from '../../src/lab/topology.js';

async function namespacesNamed(prefix: string): Promise<string[]> {
  const out = await runOk('ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`${prefix}-`));
}

async function sysctl(namespace: string, key: string): Promise<string> {
  const r = await runIn(namespace, 'sysctl', ['-n', key]);
  return r.stdout.trim();
}

describe('lab topology', () => {
  let topology: LabTopology;

  beforeAll(async () => {
    topology = await LabTopology.build({ plan: labPlan({ reflector: true }), ipipStandIn: true });
  });

  afterAll(async () => {
    await topology.teardown();
  });

  it('makes a namespace per router, node, reflector and pod under one unique prefix', async () => {
    const names = ['router', 'a1', 'a2', 'b1', 'rr', 'a1-p1', 'a2-p1', 'b1-p1'].map((n) => `${topology.prefix}-${n}`);
    expect(topology.namespaces).toEqual(names);
    expect((await namespacesNamed(topology.prefix)).sort()).toEqual([...names].sort());
    expect(topology.prefix).toMatch(new RegExp(`^plab-${process.pid}-\\d+$`));
  });

  it('wires a pod as Calico does: /32 on eth0, default via 169.254.1.1 on a link route, cali host end with proxy ARP and a proto boot /32 at metric 1024', async () => {
    const pod = topology.namespaceOf('a1-p1');
    const node = topology.namespaceOf('a1');
    const cali = topology.caliOf('a1-p1')!;
    expect(cali).toBe(caliName(`${topology.prefix}/a1-p1`));
    expect(cali).toMatch(/^cali[0-9a-f]{11}$/);

    expect(await ipIn(pod, '-o', '-4', 'addr', 'show', 'dev', 'eth0')).toContain('inet 10.244.1.10/32');
    const podRoutes = await kernelRoutes(pod);
    expect(podRoutes).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '169.254.1.1', dev: 'eth0' }));
    expect(podRoutes).toContainEqual(expect.objectContaining({ dst: '169.254.1.1', dev: 'eth0', scope: 'link' }));

    const hostRoute = (await kernelRoutes(node)).find((r: KernelRouteView) => r.dst === '10.244.1.10');
    expect(hostRoute).toMatchObject({ dev: cali, scope: 'link', metric: 1024 });
    // ip omits protocol boot, the default, from its output; ask for it by name instead.
    expect(await ipIn(node, 'route', 'show', 'proto', 'boot')).toContain(`10.244.1.10 dev ${cali} scope link metric 1024`);
    expect(await sysctl(node, `net.ipv4.conf.${cali}.proxy_arp`)).toBe('1');
    expect(await sysctl(node, 'net.ipv4.ip_forward')).toBe('1');
    expect(await ipIn(node, '-o', 'link', 'show', 'dev', cali)).toContain('link/ether ee:ee:ee:ee:ee:ee');
  });

  it('wires a pod’s IPv6 as Calico does: /128 on eth0, default via the cali end’s link-local fe80::ecee:eeff:feee:eeee, a proto boot /128 at metric 1024', async () => {
    const pod = topology.namespaceOf('a1-p1');
    const node = topology.namespaceOf('a1');
    const cali = topology.caliOf('a1-p1')!;
    const podAddress = await ipIn(pod, '-o', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global');
    expect(podAddress).toContain('inet6 fd10:244::1:10/128');
    expect(podAddress).not.toContain('tentative');
    expect(await kernelRoutes(pod)).toContainEqual(expect.objectContaining({ dst: 'default', gateway: 'fe80::ecee:eeff:feee:eeee', dev: 'eth0' }));
    // The host end's link-local comes from its MAC, usable at once (no duplicate address detection).
    const caliAddress = await ipIn(node, '-o', '-6', 'addr', 'show', 'dev', cali);
    expect(caliAddress).toContain('inet6 fe80::ecee:eeff:feee:eeee/64 scope link');
    expect(caliAddress).not.toContain('tentative');
    expect(await ipIn(node, '-6', 'route', 'show', 'proto', 'boot')).toContain(`fd10:244::1:10 dev ${cali} metric 1024`);
    expect(await sysctl(node, 'net.ipv6.conf.all.forwarding')).toBe('1');
  });

  it('lets a pod reach its own node through proxy ARP for 169.254.1.1, and over IPv6 through the cali end’s link-local', async () => {
    const r = await runIn(topology.namespaceOf('b1-p1'), 'ping', ['-n', '-c', '1', '-W', '2', '10.0.2.11']);
    expect(r.stdout).toContain('1 received');
    const r6 = await runIn(topology.namespaceOf('b1-p1'), 'ping', ['-6', '-n', '-c', '1', '-W', '2', 'fd00:0:2::11']);
    expect(r6.stdout).toContain('1 received');
  });

  it('routes the underlay between the subnets through the router, IPv4 and IPv6', async () => {
    const r = await runIn(topology.namespaceOf('a1'), 'ping', ['-n', '-c', '1', '-W', '2', '10.0.2.11']);
    expect(r.stdout).toMatch(/ttl=63/);
    const rr = await runIn(topology.namespaceOf('rr'), 'ping', ['-n', '-c', '1', '-W', '2', '10.0.1.12']);
    expect(rr.stdout).toMatch(/ttl=64/);
    const r6 = await runIn(topology.namespaceOf('a1'), 'ping', ['-6', '-n', '-c', '1', '-W', '2', 'fd00:0:2::11']);
    expect(r6.stdout).toMatch(/ttl=63/);
    const rr6 = await runIn(topology.namespaceOf('rr'), 'ping', ['-6', '-n', '-c', '1', '-W', '2', 'fd00:0:1::12']);
    expect(rr6.stdout).toMatch(/ttl=64/);
  });

  it('gives nodes (not the reflector) a stand-in tunl0 that is a veth', async () => {
    expect(await ipIn(topology.namespaceOf('a2'), '-d', '-o', 'link', 'show', 'dev', 'tunl0')).toMatch(/veth/);
    const r = await run('ip', ['-n', topology.namespaceOf('rr'), 'link', 'show', 'dev', 'tunl0']);
    expect(r.code).not.toBe(0);
  });

  it('adds and removes a pod without touching the others', async () => {
    const cali = await topology.addPod('a2', { name: 'a2-p2', ip: '10.244.2.11', ip6: 'fd10:244::2:11' });
    expect((await kernelRoutes(topology.namespaceOf('a2'))).map((r) => r.dst)).toEqual(expect.arrayContaining(['10.244.2.11', 'fd10:244::2:11']));
    await topology.removePod('a2-p2');
    const routes = (await kernelRoutes(topology.namespaceOf('a2'))).map((r) => r.dst);
    expect(routes).not.toContain('10.244.2.11');
    expect(routes).not.toContain('fd10:244::2:11');
    expect(routes).toEqual(expect.arrayContaining(['10.244.2.10', 'fd10:244::2:10']));
    expect(await namespacesNamed(topology.prefix)).not.toContain(topology.namespaceOf('a2-p2'));
    expect((await run('ip', ['-n', topology.namespaceOf('a2'), 'link', 'show', 'dev', cali])).code).not.toBe(0);
  });
});

describe('lab topology teardown', () => {
  it('deletes exactly its own namespaces; another lab beside it is untouched', async () => {
    const [one, two] = await Promise.all([LabTopology.build({ plan: labPlan({ reflector: false }) }), LabTopology.build({ plan: labPlan({ reflector: false }) })]);
    expect(one.prefix).not.toBe(two.prefix);
    await one.teardown();
    expect(await namespacesNamed(one.prefix)).toEqual([]);
    expect(await namespacesNamed(two.prefix)).toHaveLength(7);
    await two.teardown();
    expect(await namespacesNamed(two.prefix)).toEqual([]);
  });

  it('removes what it built when building fails half-way, and nothing it did not create', async () => {
    const prefix = `plab-${process.pid}-clash`;
    const squatter = `${prefix}-a2`;
    await runOk('ip', ['netns', 'add', squatter]);
    try {
      await expect(LabTopology.build({ plan: labPlan({ reflector: false }), prefix })).rejects.toThrow(/netns add .*-a2/);
      expect(await namespacesNamed(prefix)).toEqual([squatter]);
    } finally {
      await runOk('ip', ['netns', 'del', squatter]);
    }
  });

  it('tears down on SIGTERM and then ends by that signal', async () => {
    const topologyModule = fileURLToPath(new URL('../../src/lab/topology.ts', import.meta.url));
    const planModule = fileURLToPath(new URL('../../src/lab/plan.ts', import.meta.url));
    const script = `
      const { LabTopology } = await import(${JSON.stringify(topologyModule)});
      const { labPlan } = await import(${JSON.stringify(planModule)});
      const t = await LabTopology.build({ plan: labPlan({ reflector: false }) });
      process.stdout.write(t.prefix + '\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const prefix = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('\n')) resolve(stdout.trim());
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before building`)));
    });
    expect(await namespacesNamed(prefix)).toHaveLength(7);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
    expect(await namespacesNamed(prefix)).toEqual([]);
  });
});
