import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { SocketError, sdNotify } from '../../src/native/index.js';

// A stand-in for systemd: binds the notify socket with SO_PASSCRED, prints "ready", then prints
// the first datagram and the sender pid the kernel attached (SCM_CREDENTIALS).
const RECEIVER = `
import json, socket, struct, sys
name = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind('\\0' + name[1:] if name.startswith('@') else name)
print('ready', flush=True)
data, ancillary, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
pid = next(struct.unpack('iII', d)[0] for level, kind, d in ancillary if kind == socket.SCM_CREDENTIALS)
print(json.dumps({'data': data.decode(), 'pid': pid}), flush=True)
`;

const scratch = mkdtempSync(path.join(tmpdir(), 'petrel-notify-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Starts the receiver on `name`; resolves once it is bound, with a promise of what it receives. */
async function startReceiver(name: string): Promise<{ received: Promise<{ data: string; pid: number }> }> {
  const child = spawn('python3', ['-c', RECEIVER, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  expect(first.value).toBe('ready');
  // Wrapped in an object: an async function returning a promise would wait for it.
  const received = (async () => {
    const line = await lines.next();
    await exited;
    return JSON.parse(String(line.value)) as { data: string; pid: number };
  })();
  return { received };
}

describe('sdNotify (sd_notify(3))', () => {
  it('sends the state to a filesystem notify socket, from this process', async () => {
    const socketPath = path.join(scratch, 'notify.sock');
    const { received } = await startReceiver(socketPath);
    expect(sdNotify('READY=1\nSTATUS=3 peers established', socketPath)).toBe(true);
    expect(await received).toEqual({ data: 'READY=1\nSTATUS=3 peers established', pid: process.pid });
  });

  it('sends to an abstract notify socket named with a leading @', async () => {
    const name = `@petrel-notify-test-${process.pid}`;
    const { received } = await startReceiver(name);
    expect(sdNotify('READY=1', name)).toBe(true);
    expect((await received).data).toBe('READY=1');
  });

  it('returns false when not started by systemd (NOTIFY_SOCKET unset or empty)', () => {
    const saved = process.env['NOTIFY_SOCKET'];
    delete process.env['NOTIFY_SOCKET'];
    try {
      expect(sdNotify('READY=1')).toBe(false);
      expect(sdNotify('READY=1', '')).toBe(false);
    } finally {
      if (saved !== undefined) process.env['NOTIFY_SOCKET'] = saved;
    }
  });

  it('throws a SocketError when the socket is missing or the name is not a path', () => {
    expect(() => sdNotify('READY=1', path.join(scratch, 'absent.sock'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => sdNotify('READY=1', 'relative.sock')).toThrow(SocketError);
    expect(() => sdNotify('READY=1', `/${'x'.repeat(200)}`)).toThrow(expect.objectContaining({ code: 'ENAMETOOLONG' }));
  });
});
