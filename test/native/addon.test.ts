import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { addon } from '../../src/native/addon.js';
import type * as AddonModule from '../../src/native/addon.js';

const ROOT = path.join(import.meta.dirname, '..', '..');
const ADDON_FILE = path.join(ROOT, 'build', 'Release', 'petrel.node');

describe('native addon loading', () => {
  it('names the fix when the addon was never built', async () => {
    // The loader, copied into a tree without build/: what a checkout without `npm install` sees.
    const scratch = mkdtempSync(path.join(tmpdir(), 'petrel-unbuilt-'));
    try {
      mkdirSync(path.join(scratch, 'src', 'native'), { recursive: true });
      const loader = path.join(scratch, 'src', 'native', 'addon.ts');
      copyFileSync(path.join(ROOT, 'src', 'native', 'addon.ts'), loader);
      const unbuilt = (await import(loader)) as typeof AddonModule;
      expect(() => unbuilt.addon()).toThrow('native addon not built: run npm install');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('loads once and returns the same module', () => {
    expect(addon()).toBe(addon());
  });

  it('throws a TypeError for wrong argument types instead of crashing', () => {
    const untyped = addon() as unknown as Record<string, (...args: unknown[]) => unknown>;
    expect(() => untyped['tcpSocket']!('4')).toThrow(TypeError);
    expect(() => untyped['setTcpMd5']!(-1, '127.0.0.1', 'not a buffer')).toThrow(TypeError);
    expect(() => untyped['connect']!(-1, '127.0.0.1')).toThrow(TypeError);
    expect(() => untyped['watchNetlink']!(-1, 'not a function')).toThrow(TypeError);
    expect(() => untyped['netlinkSkipPort']!(-1, 'not a port')).toThrow(TypeError);
  });

  it('survives terminating a worker thread that still watches an fd', async () => {
    // The worker opens a netlink socket (no groups, nothing sent) and watches it, then is killed:
    // the addon's environment cleanup hook closes the poll handle during the worker's teardown.
    const worker = new Worker(
      `const addon = require(${JSON.stringify(ADDON_FILE)});
       const fd = addon.netlinkSocket(0);
       if (typeof fd !== 'number') throw new Error(fd);
       addon.watchNetlink(fd, () => undefined);
       require('node:worker_threads').parentPort.postMessage('watching');`,
      { eval: true },
    );
    expect((await once(worker, 'message'))[0]).toBe('watching');
    const exited = once(worker, 'exit');
    await worker.terminate();
    expect((await exited)[0]).toBe(1);
  });
});
