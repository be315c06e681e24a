import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetlinkSocket, SocketError } from '../../src/native/index.js';

const run = promisify(execFile);
const NAMESPACE = `petrel-native-${process.pid}`;
const CHILD = path.join(import.meta.dirname, 'netlink-child.ts');
const ROUTES_ADDED = 20_000;
let scratch = '';

/** Runs netlink-child.ts in the test namespace and returns the JSON line it printed. */
async function inNamespace(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run('ip', ['netns', 'exec', NAMESPACE, process.execPath, '--import', 'tsx', CHILD, ...args], {
    cwd: path.join(import.meta.dirname, '..', '..'),
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

beforeAll(async () => {
  await run('ip', ['netns', 'add', NAMESPACE]);
  await run('ip', ['-n', NAMESPACE, 'link', 'set', 'lo', 'up']);
  await run('ip', ['-n', NAMESPACE, 'route', 'add', 'blackhole', '198.51.100.0/24']);
  scratch = mkdtempSync(path.join(tmpdir(), 'petrel-netlink-'));
});

afterAll(async () => {
  await run('ip', ['netns', 'del', NAMESPACE]);
  rmSync(scratch, { recursive: true, force: true });
});

describe('NetlinkSocket', () => {
  it('dumps the IPv4 routes of the namespace up to NLMSG_DONE, replies addressed to its port id', async () => {
    const result = await inNamespace('dump');
    expect(result['destinations']).toContain('198.51.100.0/24');
    expect(result['replyPids']).toEqual([result['portId']]);
    expect(result['portId']).toBeGreaterThan(0);
  });

  it('reports a receive-buffer overflow as an ENOBUFS error event, keeps working, and resyncs by dump', async () => {
    const batch = path.join(scratch, 'routes.batch');
    const lines = Array.from({ length: ROUTES_ADDED }, (_, i) => `route add blackhole 10.${i >> 8}.${i & 255}.0/24 proto 201`);
    writeFileSync(batch, `${lines.join('\n')}\n`);
    const result = await inNamespace('overflow', batch);
    expect(result['errors']).toEqual(['ENOBUFS']);
    // 4096 asked, doubled by the kernel: far too small for 20,000 notifications.
    expect(result['receiveBufferBytes']).toBe(8192);
    // NETLINK_NO_ENOBUFS: same overflow, no error, messages silently lost.
    expect(result['silentMessages']).toBeGreaterThan(0);
    expect(result['silentMessages']).toBeLessThan(ROUTES_ADDED);
    expect(result['resyncAdded']).toBe(ROUTES_ADDED);
    expect(result['resyncHasProbe']).toBe(true);
  });

  it('turns a throwing message listener into an ordinary uncaught exception, not an abort', async () => {
    const result = await inNamespace('throwing-listener');
    expect(result['uncaught']).toBe('listener failed');
  });

  it('skipPort drops, in the kernel, the notifications caused by one port and keeps the others', async () => {
    const result = await inNamespace('skip-port');
    expect(result['errno']).toBe(0);
    expect(result['plain']).toEqual(['203.0.113.0/25 pid ours', '203.0.113.128/25 pid other']);
    expect(result['skipping']).toEqual(['203.0.113.128/25 pid other']);
  });

  it('lets the process exit while an unref()ed socket is still open', async () => {
    const result = await inNamespace('unref');
    expect(result['portId']).toBeGreaterThan(0);
  });

  it('refuses to send after close, and close is idempotent', () => {
    // No traffic: a bound socket in this process's namespace that is closed without sending.
    const socket = new NetlinkSocket();
    socket.close();
    socket.close();
    expect(socket.closed).toBe(true);
    expect(() => socket.send(Buffer.alloc(16))).toThrow(SocketError);
  });
});
