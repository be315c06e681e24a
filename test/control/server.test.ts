import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlRequest, ControlError } from '../../src/control/client.js';
import type { ControlRequest } from '../../src/control/protocol.js';
import { ControlServer } from '../../src/control/server.js';
import { CONTROL_SOCKET_MODE, groupId } from '../../src/control/unix-socket.js';
import { silentLogger } from '../../src/log.js';

const dirs: string[] = [];
const servers: ControlServer[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'petrel-control-'));
  dirs.push(d);
  return d;
}

async function serve(socketPath: string, seen: ControlRequest[] = []): Promise<ControlServer> {
  const server = new ControlServer({
    path: socketPath,
    logger: silentLogger(),
    handler: (request) => {
      seen.push(request);
      if (request.command === 'peer' && request.name === 'nobody') return { ok: false, error: 'no peer named nobody' };
      if (request.command === 'reload') throw new Error('reload exploded');
      return { ok: true, result: { echo: request } };
    },
  });
  await server.listen();
  servers.push(server);
  return server;
}

/** Sends raw lines and collects `count` response lines. */
function raw(socketPath: string, text: string, count: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let buf = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.write(text));
    s.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n').filter((l) => l !== '');
      if (lines.length >= count) {
        s.destroy();
        resolve(lines.map((l) => JSON.parse(l) as unknown));
      }
    });
    s.on('error', reject);
  });
}

describe('control socket', () => {
  it('creates the socket mode 0660, not world-writable (SPEC §8), in a directory it creates', async () => {
    const socket = path.join(tempDir(), 'run', 'petrel.sock');
    await serve(socket);
    const mode = statSync(socket).mode & 0o777;
    expect(mode).toBe(CONTROL_SOCKET_MODE);
    expect(mode & 0o002).toBe(0);
    expect(statSync(socket).isSocket()).toBe(true);
  });

  it('answers each command with the handler result, in request order', async () => {
    const socket = path.join(tempDir(), 'petrel.sock');
    const seen: ControlRequest[] = [];
    await serve(socket, seen);
    for (const request of [
      { command: 'status' },
      { command: 'peers' },
      { command: 'routes' },
      { command: 'routes', prefix: '10.0.0.0/24' },
      { command: 'peer', action: 'reset', name: 'tor1' },
      { command: 'peer', action: 'disable', name: 'tor1', message: 'maintenance: back at 14:00' },
    ] as ControlRequest[]) {
      expect(await controlRequest(socket, request)).toEqual({ ok: true, result: { echo: request } });
    }
    expect(seen).toHaveLength(6);
    const two = await raw(socket, '{"command":"status"}\n{"command":"peers"}\n', 2);
    expect(two).toEqual([
      { ok: true, result: { echo: { command: 'status' } } },
      { ok: true, result: { echo: { command: 'peers' } } },
    ]);
  });

  it('turns bad requests and handler failures into error responses', async () => {
    const socket = path.join(tempDir(), 'petrel.sock');
    await serve(socket);
    const [notJson, unknown, badAction] = await raw(socket, 'hello\n{"command":"explode"}\n{"command":"peer","action":"kill","name":"x"}\n', 3);
    expect(notJson).toEqual({ ok: false, error: 'request is not JSON' });
    expect(unknown).toMatchObject({ ok: false, error: expect.stringContaining('bad request') as unknown });
    expect(badAction).toMatchObject({ ok: false, error: expect.stringContaining('action') as unknown });
    // RFC 9003 §2: at most 255 octets (here 256 of 2-octet characters' worth), and only with reset or disable.
    expect(await controlRequest(socket, { command: 'peer', action: 'disable', name: 'tor1', message: 'é'.repeat(128) })).toEqual({
      ok: false,
      error: 'bad request: message: the message is 256 octets of UTF-8; a shutdown communication holds at most 255 (RFC 9003 §2)',
    });
    expect(await controlRequest(socket, { command: 'peer', action: 'enable', name: 'tor1', message: 'hello' })).toEqual({
      ok: false,
      error: 'bad request: message: a message goes with reset or disable (it is sent in their NOTIFICATION)',
    });
    expect(await controlRequest(socket, { command: 'peer', action: 'reset', name: 'nobody' })).toEqual({ ok: false, error: 'no peer named nobody' });
    expect(await controlRequest(socket, { command: 'reload' })).toEqual({ ok: false, error: 'reload exploded' });
  });

  it('replaces a stale socket file but refuses one a live daemon answers on', async () => {
    const dir = tempDir();
    const socket = path.join(dir, 'petrel.sock');
    // A stale socket: bound by a process that exited without unlinking it (as after a crash).
    execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', socket]);
    expect(statSync(socket).isSocket()).toBe(true);
    await serve(socket);
    expect(await controlRequest(socket, { command: 'status' })).toMatchObject({ ok: true });
    const second = new ControlServer({ path: socket, logger: silentLogger(), handler: () => ({ ok: true, result: null }) });
    await expect(second.listen()).rejects.toThrow(/in use/);
  });

  it('tells the client clearly when the daemon is not running', async () => {
    const dir = tempDir();
    const missing = path.join(dir, 'nope.sock');
    await expect(controlRequest(missing, { command: 'status' })).rejects.toMatchObject({ kind: 'not-running', message: expect.stringContaining('not running') as unknown });
    const notSocket = path.join(dir, 'file');
    writeFileSync(notSocket, '');
    const err: unknown = await controlRequest(notSocket, { command: 'status' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControlError);
  });

  it('resolves a socket group from a group file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'group');
    writeFileSync(file, 'root:x:0:\npetrel:x:998:alice,bob\n');
    expect(groupId('petrel', file)).toBe(998);
    expect(groupId('nobody-here', file)).toBeUndefined();
  });
});
