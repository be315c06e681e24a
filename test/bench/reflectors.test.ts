/**
 * The reflector configs the benchmark generates are accepted by each implementation's own
 * parser (BIRD 2 `bird -p`, `gobgpd --dry-run`, FRR `vtysh --dryrun`, petrel's config loader)
 * and say the same thing to each: passive iBGP route-reflector clients, no ADD-PATH, the shared
 * cluster ID and hold time, nothing installed into the kernel.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { birdConfig } from '../../bench/reflectors/bird2.js';
import { frrConfig } from '../../bench/reflectors/frr.js';
import { gobgpConfig } from '../../bench/reflectors/gobgp.js';
import { petrelConfig } from '../../bench/reflectors/petrel.js';
import { parseConfig, processEnvironment } from '../../src/config/load.js';
import { effectivePeers } from '../../src/config/peers.js';
import { run } from '../peers/process.js';

const setup = { address: '10.255.0.1', port: 179, asn: 64512, clusterId: '244.0.0.1', holdTimeSec: 240, clients: ['10.255.1.1', '10.255.1.2', '10.255.1.3'] };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'petrel-bench-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function check(file: string, text: string, command: string, args: (file: string) => string[]): Promise<{ code: number; output: string }> {
  const target = path.join(dir, file);
  await writeFile(target, text);
  const r = await run(command, args(target));
  return { code: r.code, output: `${r.stdout}${r.stderr}` };
}

describe('BIRD 2 config', () => {
  it('parses with bird -p and makes every client a passive rr client in the cluster', async () => {
    const text = birdConfig(setup, path.join(dir, 'bird.log'));
    expect(await check('bird.conf', text, '/usr/sbin/bird', (f) => ['-p', '-c', f])).toEqual({ code: 0, output: '' });
    expect(text.match(/passive on;/g)).toHaveLength(3);
    expect(text.match(/rr cluster id 244\.0\.0\.1;/g)).toHaveLength(3);
    expect(text).not.toMatch(/protocol kernel|add paths/);
  });

  it('is refused by bird -p when broken, so the check above can fail', async () => {
    const r = await check('bad.conf', birdConfig(setup, 'x').replace('rr client;', 'rr clientt;'), '/usr/sbin/bird', (f) => ['-p', '-c', f]);
    expect(r.code).not.toBe(0);
  });
});

describe('GoBGP config', () => {
  it('passes gobgpd --dry-run with every client a passive route-reflector client', async () => {
    const text = gobgpConfig(setup);
    expect((await check('gobgpd.toml', text, 'gobgpd', (f) => ['-d', '-f', f, '-t', 'toml'])).code).toBe(0);
    expect(text.match(/passive-mode = true/g)).toHaveLength(3);
    expect(text.match(/route-reflector-cluster-id = "244\.0\.0\.1"/g)).toHaveLength(3);
    expect(text).toMatch(/hold-time = 240/);
  });
});

describe('FRR config', () => {
  it('passes vtysh --dryrun, with the clients in one passive reflector-client peer group', async () => {
    const text = frrConfig(setup);
    expect(await check('bgpd.conf', text, 'vtysh', (f) => ['-C', '-f', f])).toMatchObject({ code: 0 });
    expect(text).toMatch(/neighbor clients passive/);
    expect(text).toMatch(/neighbor clients route-reflector-client/);
    expect(text).toMatch(/neighbor clients timers 80 240/);
    expect(text.match(/peer-group clients$/gm)).toHaveLength(3);
  });
});

describe('petrel config', () => {
  it('loads, with passive reflector clients, ADD-PATH off, no kernel and export of everything', () => {
    const result = parseConfig(petrelConfig(setup, dir), path.join(dir, 'petrel.yaml'), processEnvironment());
    if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
    const { config } = result;
    expect(config.kernel.enabled).toBe(false);
    expect(config.exportPolicy).toBe('all');
    expect(config.node.routeReflectorClusterId).toBe('244.0.0.1');
    expect(config.stateDir.startsWith(dir)).toBe(true);
    expect(config.control.socket.startsWith(dir)).toBe(true);
    const peers = effectivePeers(config);
    expect(peers.map((p) => p.address)).toEqual(setup.clients);
    for (const p of peers) expect(p).toMatchObject({ passive: true, routeReflectorClient: true, holdTimeSec: 240, addPaths: 'off' });
  });
});
