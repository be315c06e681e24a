// reload.watchFiles on a running daemon (kernel off, no peers): a new valid config written to
// disk is applied (config, metrics, log), an invalid one is rejected as a SIGHUP reload would be
// (errors logged, running config kept, failure counted), a burst of writes gives one reload, a
// calicoResources folder is watched too, and `watchFiles: false` turns it off.
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { waitFor } from '../peers/process.js';
import { WorkDir } from '../peers/workdir.js';
import { parseExposition, sampleValue } from './exposition.js';
import { MemoryNetwork } from './memory-session.js';
import { LEVEL, LogCapture } from './log-capture.js';

const DEBOUNCE_MS = 200;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Running {
  readonly daemon: Daemon;
  readonly work: WorkDir;
  readonly configFile: string;
  readonly log: LogCapture;
  readonly yaml: (blocks: readonly string[], extra?: string) => string;
}

const running: Running[] = [];

afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.daemon.stop();
    await r.work.remove();
  }
});

async function start(extra = ''): Promise<Running> {
  const work = await WorkDir.create('reload-watch');
  const metricsPort = await freePort();
  const yaml = (blocks: readonly string[], more = extra): string => `asNumber: 64512
node: {name: solo, ipv4Address: 10.0.0.1/24}
mesh: {enabled: false}
kernel: {enabled: false}
pools: [{cidr: 10.244.0.0/16, blockSize: 26}]
blocks: [${blocks.join(', ')}]
control: {socket: ${work.file('petrel.sock')}}
metrics: {listen: 127.0.0.1:${metricsPort}}
stateDir: ${work.file('state')}
${more}`;
  const configFile = await work.write('petrel.yaml', yaml(['10.244.1.0/26']));
  const loaded = loadConfigFile(configFile);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const log = new LogCapture();
  const daemon = await Daemon.start({ configFile, config: loaded.config, logger: log.logger, backend: new MemoryNetwork().backend('10.0.0.1'), watchDebounceMs: DEBOUNCE_MS });
  const r = { daemon, work, configFile, log, yaml };
  running.push(r);
  return r;
}

async function reloads(daemon: Daemon, result: 'success' | 'failure'): Promise<number | undefined> {
  return sampleValue(parseExposition(await daemon.metrics.scrape()), 'petrel_config_reloads_total', { result });
}

const blocksOf = (daemon: Daemon): readonly string[] => daemon.speaker.config.blocks;

describe('reload when the files change (reload.watchFiles)', () => {
  it('applies a new valid config written to the file, as SIGHUP would', async () => {
    const { daemon, configFile, log, yaml } = await start();
    writeFileSync(configFile, yaml(['10.244.1.0/26', '10.244.2.0/26']));
    await waitFor(() => Promise.resolve(blocksOf(daemon).length === 2 ? true : undefined), { timeoutMs: 10_000, what: 'the new block in the running config' });
    expect(await reloads(daemon, 'success')).toBe(1);
    expect(log.messages(LEVEL.info)).toEqual(expect.arrayContaining(['configuration files changed: reloading', 'configuration reloaded']));
    expect(daemon.speaker.routes('10.244.2.0/26')).toHaveLength(1);
  });

  it('rejects an invalid new file with its errors and keeps the running config', async () => {
    const { daemon, configFile, log, yaml } = await start();
    writeFileSync(configFile, `${yaml(['10.244.1.0/26', '10.244.2.0/26'])}bogusKey: 1\n`);
    await waitFor(async () => ((await reloads(daemon, 'failure')) === 1 ? true : undefined), { timeoutMs: 10_000, what: 'the reload to fail' });
    expect(await reloads(daemon, 'success')).toBe(0);
    expect(blocksOf(daemon)).toEqual(['10.244.1.0/26']);
    expect(log.messages(LEVEL.error)).toEqual(expect.arrayContaining([expect.stringMatching(/^reload rejected: .*petrel\.yaml:\d+:\d+: bogusKey: unknown key "bogusKey"$/)]));
    // Still watching after a rejected reload: the fixed file is applied.
    writeFileSync(configFile, yaml(['10.244.1.0/26', '10.244.3.0/26']));
    await waitFor(() => Promise.resolve(blocksOf(daemon).includes('10.244.3.0/26') ? true : undefined), { timeoutMs: 10_000, what: 'the fixed config' });
  });

  it('reloads once for a burst of five writes, with the last one', async () => {
    const { daemon, configFile, yaml } = await start();
    for (let i = 2; i <= 6; i++) {
      writeFileSync(configFile, yaml(['10.244.1.0/26', `10.244.${i}.0/26`]));
      await delay(20);
    }
    await waitFor(async () => ((await reloads(daemon, 'success')) === 1 ? true : undefined), { timeoutMs: 10_000, what: 'the reload' });
    expect(blocksOf(daemon)).toEqual(['10.244.1.0/26', '10.244.6.0/26']);
    // Nothing else comes after the quiet time: one reload for the burst.
    await delay(DEBOUNCE_MS * 3);
    expect(await reloads(daemon, 'success')).toBe(1);
    expect(await reloads(daemon, 'failure')).toBe(0);
  });

  it('watches a calicoResources folder: a manifest added there reloads', async () => {
    const { daemon, work, yaml } = await start();
    const folder = work.file('calico');
    mkdirSync(folder);
    writeFileSync(folder + '/node.yaml', 'apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: solo}\nspec: {bgp: {ipv4Address: 10.0.0.1/24}}\n');
    // Point the config at the folder (one reload), then add a pool there (a second one).
    writeFileSync(work.file('petrel.yaml'), yaml(['10.244.1.0/26'], `calicoResources: [${folder}]\n`));
    await waitFor(() => Promise.resolve(daemon.speaker.config.calicoResources.length === 1 ? true : undefined), { timeoutMs: 10_000, what: 'calicoResources in the running config' });
    writeFileSync(
      folder + '/ippool.yaml',
      'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: extra}\nspec: {cidr: 10.250.0.0/16, blockSize: 26}\n',
    );
    await waitFor(() => Promise.resolve(daemon.speaker.config.pools.some((p) => p.cidr === '10.250.0.0/16') ? true : undefined), { timeoutMs: 10_000, what: 'the new pool' });
  });

  it('does nothing with reload.watchFiles: false', async () => {
    const { daemon, configFile, yaml } = await start('reload: {watchFiles: false}\n');
    writeFileSync(configFile, yaml(['10.244.1.0/26', '10.244.2.0/26']));
    await delay(DEBOUNCE_MS * 3);
    expect(await reloads(daemon, 'success')).toBe(0);
    expect(blocksOf(daemon)).toEqual(['10.244.1.0/26']);
  });
});
