// ConfigWatcher on real folders: a file rewritten, replaced by rename (editors), a ConfigMap
// volume's `..data` symlink swap, manifests added / changed / removed in a folder, unrelated
// files ignored, a burst coalesced into one call, and re-arming onto new paths.
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigWatcher } from '../../src/config/watch.js';
import { silentLogger } from '../../src/log.js';

const DEBOUNCE_MS = 300;

let root: string;
let watcher: ConfigWatcher;
let calls: number;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'petrel-watch-'));
  calls = 0;
  watcher = new ConfigWatcher({ onChange: () => calls++, logger: silentLogger(), debounceMs: DEBOUNCE_MS });
});

afterEach(() => {
  watcher.close();
  rmSync(root, { recursive: true, force: true });
});

/** Polls until `onChange` has run `count` times and nothing is pending (deadline 5 s). */
async function calledTimes(count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(calls >= count && !watcher.pending)) {
    if (Date.now() > deadline) throw new Error(`onChange ran ${calls} times, expected ${count}`);
    await delay(10);
  }
  expect(calls).toBe(count);
}

function file(name: string, text = 'x: 1\n'): string {
  const p = path.join(root, name);
  writeFileSync(p, text);
  return p;
}

describe('ConfigWatcher', () => {
  it('calls once for a burst of writes to the config file, after the quiet time', async () => {
    const config = file('petrel.yaml');
    watcher.watch([config]);
    // Five writes 40 ms apart: longer in all than the quiet time, but never quiet that long.
    for (let i = 0; i < 5; i++) {
      writeFileSync(config, `x: ${i}\n`);
      await delay(40);
      expect(calls).toBe(0);
    }
    await calledTimes(1);
  });

  it('sees a file replaced by rename, as editors save', async () => {
    const config = file('petrel.yaml');
    watcher.watch([config]);
    writeFileSync(path.join(root, '.petrel.yaml.swp'), 'x: 2\n');
    renameSync(path.join(root, '.petrel.yaml.swp'), config);
    await calledTimes(1);
  });

  it('ignores other files in the same folder', async () => {
    const config = file('petrel.yaml');
    watcher.watch([config]);
    file('unrelated.txt');
    file('other.yaml');
    // The quiet time passes with nothing pending: no call.
    await delay(DEBOUNCE_MS * 2);
    expect(watcher.pending).toBe(false);
    expect(calls).toBe(0);
  });

  it('sees a ConfigMap update: the ..data symlink swapped to a new folder', async () => {
    // kubelet's atomic writer: petrel.yaml -> ..data/petrel.yaml, ..data -> ..2026_11_26_1.
    mkdirSync(path.join(root, '..2026_11_26_1'));
    writeFileSync(path.join(root, '..2026_11_26_1', 'petrel.yaml'), 'x: 1\n');
    symlinkSync('..2026_11_26_1', path.join(root, '..data'));
    symlinkSync('..data/petrel.yaml', path.join(root, 'petrel.yaml'));
    watcher.watch([path.join(root, 'petrel.yaml')]);
    mkdirSync(path.join(root, '..2026_11_26_2'));
    writeFileSync(path.join(root, '..2026_11_26_2', 'petrel.yaml'), 'x: 2\n');
    symlinkSync('..2026_11_26_2', path.join(root, '..data_tmp'));
    renameSync(path.join(root, '..data_tmp'), path.join(root, '..data'));
    rmSync(path.join(root, '..2026_11_26_1'), { recursive: true });
    await calledTimes(1);
  });

  it('sees manifests added, changed and removed in a calicoResources folder', async () => {
    const folder = path.join(root, 'calico');
    mkdirSync(folder);
    const existing = path.join(folder, 'bgppeers.yaml');
    writeFileSync(existing, 'kind: BGPPeer\n');
    watcher.watch([file('petrel.yaml'), folder]);
    writeFileSync(path.join(folder, 'ippools.yaml'), 'kind: IPPool\n');
    await calledTimes(1);
    writeFileSync(existing, 'kind: BGPPeer\n# changed\n');
    await calledTimes(2);
    unlinkSync(existing);
    await calledTimes(3);
    // Not a manifest: an editor's swap file.
    writeFileSync(path.join(folder, '.ippools.yaml.swp'), '');
    await delay(DEBOUNCE_MS * 2);
    expect(calls).toBe(3);
  });

  it('re-armed, watches the new set of paths only; closed, calls nothing', async () => {
    const first = file('first.yaml');
    const second = file('second.yaml');
    watcher.watch([first]);
    watcher.watch([second]);
    writeFileSync(first, 'x: 2\n');
    await delay(DEBOUNCE_MS * 2);
    expect(calls).toBe(0);
    writeFileSync(second, 'x: 2\n');
    await calledTimes(1);
    watcher.close();
    writeFileSync(second, 'x: 3\n');
    await delay(DEBOUNCE_MS * 2);
    expect(calls).toBe(1);
  });

  it('keeps going when a folder does not exist (nothing to watch there)', async () => {
    const config = file('petrel.yaml');
    watcher.watch([path.join(root, 'missing', 'calico.yaml'), config]);
    writeFileSync(config, 'x: 2\n');
    await calledTimes(1);
  });
});
