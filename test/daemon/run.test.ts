// End to end: two `petrel run` processes peering over loopback (127.0.0.1 and 127.0.0.2), driven
// and inspected through the CLI (`show`, `reload`, `peer`) as an operator would.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedProcess, run, waitFor } from '../peers/process.js';
import { WorkDir } from '../peers/workdir.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function nodeConfig(o: { name: string; address: string; port: number; peer: string; peerName: string; peerPort: number; passive: boolean; blocks: string[]; dir: string }): string {
  return `asNumber: 64512
node: {name: ${o.name}, ipv4Address: ${o.address}/8}
listen: {address: ${o.address}, port: ${o.port}}
mesh: {enabled: false}
kernel: {enabled: false}
pools: [{cidr: 10.244.0.0/16, blockSize: 26}]
blocks: [${o.blocks.join(', ')}]
control: {socket: ${o.dir}/petrel.sock}
stateDir: ${o.dir}/state
log: {level: info}
peers:
  - {name: ${o.peerName}, address: ${o.peer}, port: ${o.peerPort}, asNumber: 64512, sourceAddress: ${o.address}, passive: ${o.passive}, connectDelaySec: 0, connectRetrySec: 1}
`;
}

function petrel(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', MAIN, ...args], 30_000);
}

interface Node {
  readonly work: WorkDir;
  readonly configFile: string;
  readonly socket: string;
  readonly process: ManagedProcess;
  config: Parameters<typeof nodeConfig>[0];
}

const nodes: Node[] = [];

async function startNode(config: Omit<Parameters<typeof nodeConfig>[0], 'dir'>): Promise<Node> {
  const work = await WorkDir.create(`run-${config.name}`);
  const full = { ...config, dir: work.dir };
  const configFile = await work.write('petrel.yaml', nodeConfig(full));
  const proc = ManagedProcess.spawn(config.name, process.execPath, ['--import', 'tsx', MAIN, 'run', '--config', configFile]);
  const node = { work, configFile, socket: work.file('petrel.sock'), process: proc, config: full };
  nodes.push(node);
  return node;
}

async function peersOf(node: Node): Promise<Record<string, unknown>[]> {
  const r = await petrel('show', 'peers', '--json', '--socket', node.socket);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>[];
}

async function routesOf(node: Node, prefix?: string): Promise<Record<string, unknown>[]> {
  const r = await petrel('show', 'routes', ...(prefix ? [prefix] : []), '--json', '--socket', node.socket);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>[];
}

let a: Node;
let b: Node;

beforeAll(async () => {
  const [pa, pb] = [await freePort('127.0.0.1'), await freePort('127.0.0.2')];
  a = await startNode({ name: 'node-a', address: '127.0.0.1', port: pa, peer: '127.0.0.2', peerName: 'b', peerPort: pb, passive: false, blocks: ['10.244.1.0/26'] });
  b = await startNode({ name: 'node-b', address: '127.0.0.2', port: pb, peer: '127.0.0.1', peerName: 'a', peerPort: pa, passive: true, blocks: ['10.244.2.0/26'] });
  await waitFor(async () => ((await peersOf(a))[0]?.state === 'Established' && (await routesOf(b, '10.244.1.0/26')).length === 1 ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 200,
    what: 'the two daemons to peer and exchange blocks',
  });
}, 60_000);

afterAll(async () => {
  for (const n of nodes) {
    await n.process.stop();
    await n.work.remove();
  }
});

describe('petrel run (two daemons on loopback)', () => {
  it('shows routes as JSON with the SPEC §2 fields', async () => {
    const [route] = await routesOf(b, '10.244.1.0/26');
    expect(route).toEqual({
      prefix: '10.244.1.0/26',
      nextHop: '127.0.0.1',
      nextHopInterface: null,
      peer: 'a',
      peerAddress: '127.0.0.1',
      best: true,
      asPath: [],
      origin: 'igp',
      localPref: 2147482623,
      med: null,
      communities: [],
      largeCommunities: [],
      originatorId: null,
      clusterList: [],
      reason: 'only-path',
      ineligible: null,
      stale: false,
    });
    const own = await routesOf(b, '10.244.2.0/26');
    expect(own[0]).toMatchObject({ peer: 'local', peerAddress: null, best: true });
  });

  it('shows peers as JSON with the SPEC §2 fields', async () => {
    const [peer] = await peersOf(a);
    expect(peer).toMatchObject({
      name: 'b',
      address: '127.0.0.2',
      asNumber: 64512,
      state: 'Established',
      holdTimeSec: 240,
      routerId: '127.0.0.2',
      prefixesReceived: 1,
      prefixesAccepted: 1,
      prefixesAdvertised: 1,
    });
    expect(new Date(peer!.since as string).toISOString()).toBe(peer!.since);
  });

  it('prints human tables like calicoctl node status', async () => {
    const peers = await petrel('show', 'peers', '--socket', a.socket);
    expect(peers.code).toBe(0);
    expect(peers.stdout).toMatch(/\| NAME +\| PEER ADDRESS +\| AS +\| STATE +\|/);
    expect(peers.stdout).toMatch(/\| b +\| 127\.0\.0\.2 +\| 64512 +\| Established +\|/);
    const routes = await petrel('show', 'routes', '--config', b.configFile);
    expect(routes.stdout).toMatch(/\| 10\.244\.1\.0\/26 +\| 127\.0\.0\.1 +\| a +\| \* +\|/);
    const status = await petrel('show', 'status', '--socket', b.socket);
    expect(status.stdout).toMatch(/peers +1 of 1 established/);
  });

  it('reloads on SIGHUP without resetting the session, and rejects an invalid config with every error', async () => {
    const before = (await peersOf(b))[0]!.since;
    a.config.blocks.push('10.244.3.0/26');
    writeFileSync(a.configFile, nodeConfig(a.config));
    process.kill(a.process.pid!, 'SIGHUP');
    await waitFor(async () => ((await routesOf(b, '10.244.3.0/26')).length === 1 ? true : undefined), { timeoutMs: 15_000, what: 'the new block at b' });
    expect((await peersOf(b))[0]!.since).toBe(before);

    writeFileSync(a.configFile, `${nodeConfig(a.config)}bogusKey: 1\n`);
    const rejected = await petrel('reload', '--socket', a.socket);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/invalid; the running one is kept/);
    expect(rejected.stderr).toMatch(/unknown key "bogusKey"/);
    expect((await peersOf(a))[0]!.state).toBe('Established');
    writeFileSync(a.configFile, nodeConfig(a.config));
  });

  it('disables and re-enables a peer from the CLI, telling its operator why (RFC 9003)', async () => {
    const tooLong = await petrel('peer', 'disable', 'b', '--message', 'x'.repeat(256), '--socket', a.socket);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toMatch(/--message: the message is 256 octets of UTF-8; a shutdown communication holds at most 255/);
    const off = await petrel('peer', 'disable', 'b', '--message', 'maintenance: back at 14:00', '--socket', a.socket);
    expect(off).toMatchObject({ code: 0, stdout: 'peer b: disabled\n' });
    await waitFor(async () => ((await routesOf(b, '10.244.1.0/26')).length === 0 ? true : undefined), { timeoutMs: 15_000, what: 'b to lose a\u2019s routes' });
    expect((await peersOf(a))[0]).toMatchObject({ disabled: true });
    expect((await peersOf(b))[0]!.lastError).toBe('notification-received: Cease / Administrative Shutdown: "maintenance: back at 14:00"');
    const on = await petrel('peer', 'enable', 'b', '--socket', a.socket);
    expect(on.code).toBe(0);
    await waitFor(async () => ((await routesOf(b, '10.244.1.0/26')).length === 1 ? true : undefined), { timeoutMs: 30_000, what: 'the session to come back' });
    const unknown = await petrel('peer', 'reset', 'nobody', '--socket', a.socket);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no peer named nobody/);
  });

  it('fails clearly when no daemon listens on the socket', async () => {
    const r = await petrel('show', 'peers', '--socket', a.work.file('absent.sock'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/petrel is not running: no control socket at/);
  });

  it('stops on SIGTERM with Cease / Administrative Shutdown to its peer and exit 0', async () => {
    await a.process.stop(10_000);
    await waitFor(async () => ((await peersOf(b))[0]?.state !== 'Established' ? true : undefined), { timeoutMs: 15_000, what: 'b to see a go' });
    expect(a.process.log).toMatch(/"msg":"petrel stopped"/);
    expect(b.process.log).toMatch(/Cease \/ Administrative Shutdown/);
    expect((await routesOf(b, '10.244.1.0/26')).length).toBe(0);
  });

  it('exits 0 after SIGTERM once its control socket answered', async () => {
    const work = await WorkDir.create('run-exit');
    const port = await freePort('127.0.0.1');
    const file = await work.write(
      'petrel.yaml',
      `node: {name: solo, ipv4Address: 127.0.0.1/8}\nlisten: {address: 127.0.0.1, port: ${port}}\nmesh: {enabled: false}\nkernel: {enabled: false}\ncontrol: {socket: ${work.file('petrel.sock')}}\nstateDir: ${work.dir}\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'run', '--config', file, '--log-level', 'warn'], { stdio: 'ignore' });
    try {
      await waitFor(async () => ((await petrel('show', 'status', '--socket', work.file('petrel.sock'))).code === 0 ? true : undefined), { timeoutMs: 20_000, what: 'the daemon to answer' });
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await work.remove();
    }
  });
});
