import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCommand, type CommandOutput } from '../../src/cli/validate.js';
import { exampleEnvironment } from '../config/helpers.js';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI as users run it: a separate process through tsx. */
function petrel(...args: string[]): Run {
  const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const KEY = 'cli-test-md5-key';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'petrel-validate-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('petrel validate (subprocess)', () => {
  it('exits 0 with a summary for a valid example', () => {
    const r = petrel('validate', '--config', 'config/node-mesh.yaml');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('config/node-mesh.yaml: valid: 3 peers (3 mesh, 0 explicit), 3 mesh nodes, 3 pools, 3 blocks\n');
    expect(r.status).toBe(0);
  });

  it('exits 1 with every error as FILE:LINE:COL: path: message, and no stack trace', () => {
    const file = write(
      'bad.yaml',
      'asNumber: 0\nnode: {name: n, ipv4Address: 10.0.0.1/24}\npeers:\n  - {address: 10.0.0.2, asNumber: 1, holdTimeSec: 2, password: hunter2}\npools: [{cidr: 10.1.0.1/16}]\n',
    );
    const r = petrel('validate', '--config', file);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      `${file}:1:11: asNumber: AS 0 is reserved (RFC 7607)`,
      `${file}:4:51: peers[0].holdTimeSec: hold time must be 0 or at least 3 seconds (RFC 4271 §4.2)`,
      expect.stringMatching(new RegExp(`^${file}:4:64: peers\\[0\\]\\.password: inline passwords are not accepted`)),
      `${file}:5:16: pools[0].cidr: 10.1.0.1/16 has host bits set; did you mean 10.1.0.0/16?`,
    ]);
    expect(r.stderr).not.toContain('hunter2');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 with a clear message for a missing file or a YAML syntax error', () => {
    const missing = petrel('validate', '--config', join(dir, 'absent.yaml'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`${join(dir, 'absent.yaml')}: cannot read config: no such file (ENOENT)\n`);

    const file = write('syntax.yaml', 'node:\n  name: n\n  ipv4Address: [10.0.0.1/24\n');
    const syntax = petrel('validate', '--config', file);
    expect(syntax.status).toBe(1);
    expect(syntax.stderr).toMatch(new RegExp(`^${file}:\\d+:\\d+: YAML: `));
    expect(syntax.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports an unreadable password file at its key, and passes once the key exists, never printing it', () => {
    const absent = petrel('validate', '--config', 'config/node-tor.yaml');
    expect(absent.status).toBe(1);
    expect(absent.stderr).toContain('config/node-tor.yaml:17:22: peers[0].password.file: cannot read password file /etc/petrel/tor.key');

    write('tor.key', `${KEY}\n`);
    const copy = write('node-tor.yaml', readFileSync('config/node-tor.yaml', 'utf8').replaceAll('/etc/petrel/tor.key', 'tor.key'));
    const r = petrel('validate', '--config', copy, '--json', '--print');
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout) as { ok: boolean; summary: unknown; canonical: string };
    expect(result.ok).toBe(true);
    expect(result.summary).toEqual({ peers: 2, meshPeers: 0, explicitPeers: 2, meshNodes: 0, pools: 1, blocks: 1 });
    expect(result.canonical).toContain('file: tor.key');
    expect(r.stdout).not.toContain(KEY);
  });

  it('exits 2 for usage errors: a missing option, a value outside its choices', () => {
    const mode = petrel('lab', '--mode', 'gre');
    expect(mode.status).toBe(2);
    expect(mode.stderr).toContain('Invalid values');
    expect(mode.stderr).toContain('--mode');

    const usage = petrel('validate');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('Missing required argument: config');
  });
});

describe('validateCommand (in process)', () => {
  function capture(): CommandOutput & { text: () => { out: string; err: string } } {
    let out = '';
    let err = '';
    return { out: (t) => void (out += t), err: (t) => void (err += t), text: () => ({ out, err }) };
  }

  it('summarises a ToR node', async () => {
    const io = capture();
    const code = await validateCommand({ config: 'config/node-tor.yaml', json: false, print: false }, io, exampleEnvironment());
    expect(code).toBe(0);
    expect(io.text()).toEqual({ out: 'config/node-tor.yaml: valid: 2 peers (0 mesh, 2 explicit), 0 mesh nodes, 1 pools, 1 blocks\n', err: '' });
  });

  it('prints errors as JSON with --json', async () => {
    const io = capture();
    const code = await validateCommand({ config: '/nonexistent/petrel.yaml', json: true, print: false }, io, exampleEnvironment());
    expect(code).toBe(1);
    expect(JSON.parse(io.text().out)).toEqual({
      ok: false,
      file: '/nonexistent/petrel.yaml',
      errors: [{ file: '/nonexistent/petrel.yaml', path: '', line: 0, column: 0, message: 'cannot read config: no such file (ENOENT)' }],
    });
  });
});
