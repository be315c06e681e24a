import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { canonicalConfig } from '../../src/config/canonical.js';
import { effectivePeers } from '../../src/config/peers.js';
import { Secret, resolveSecret } from '../../src/config/secrets.js';
import { fakeEnvironment, load, mustLoad } from './helpers.js';

const KEY = 'S3cr3t-md5-key';
const NODE = 'node:\n  name: node1\n  ipv4Address: 10.0.0.201/24\n';

function configWith(password: string, meshPassword = ''): string {
  return `${NODE}mesh:\n  nodes: [{name: node2, ipv4Address: 10.0.0.202/24}]\n${meshPassword}peers:\n  - {name: tor1, address: 10.0.0.1, asNumber: 65001, password: ${password}}\n`;
}

describe('Secret', () => {
  const secret = new Secret(KEY, { env: 'TOR_KEY' });

  it('never prints its value: toString, join, JSON, util.inspect', () => {
    expect(String(secret)).toBe('[redacted]');
    expect([secret].join('')).toBe('[redacted]');
    expect(JSON.stringify({ password: secret })).toBe('{"password":"[redacted]"}');
    expect(inspect(secret)).toBe('Secret([redacted])');
    expect(inspect({ deep: { password: secret } }, { depth: 10, showHidden: true })).not.toContain(KEY);
    expect(Object.keys(secret)).toEqual(['source']);
  });

  it('reveals its value only on request, and compares by value', () => {
    expect(secret.reveal()).toBe(KEY);
    expect(secret.equals(new Secret(KEY, { file: '/elsewhere' }))).toBe(true);
    expect(secret.equals(new Secret(`${KEY}x`, { env: 'TOR_KEY' }))).toBe(false);
    expect(secret.equals(undefined)).toBe(false);
  });
});

describe('resolveSecret', () => {
  it('reads a file, dropping one trailing newline, relative to the config folder', () => {
    const env = { ...fakeEnvironment({ '/etc/petrel/keys/tor.key': `${KEY}\n` }), baseDir: '/etc/petrel' };
    const result = resolveSecret({ file: 'keys/tor.key' }, env);
    expect(result.ok && result.secret.reveal()).toBe(KEY);
  });

  it('keeps inner whitespace and a second newline as part of the key', () => {
    const env = { ...fakeEnvironment({ '/k': ' a b\n\n' }), baseDir: '/' };
    const result = resolveSecret({ file: '/k' }, env);
    expect(result.ok && result.secret.reveal()).toBe(' a b\n');
  });

  it('rejects an empty key and one longer than TCP MD5 allows (80 bytes)', () => {
    const env = { ...fakeEnvironment({ '/empty': '\n' }, { LONG: 'x'.repeat(81), MAX: 'x'.repeat(80) }), baseDir: '/' };
    expect(resolveSecret({ file: '/empty' }, env)).toMatchObject({ ok: false, key: 'file', message: 'password file /empty is empty' });
    expect(resolveSecret({ env: 'LONG' }, env)).toMatchObject({ ok: false, key: 'env', message: expect.stringMatching(/81 bytes; TCP MD5 keys are at most 80/) });
    expect(resolveSecret({ env: 'MAX' }, env).ok).toBe(true);
  });
});

describe('passwords in a loaded config', () => {
  it('come from a file, for explicit peers, and from env, for the mesh', () => {
    const environment = fakeEnvironment({ '/etc/petrel/tor.key': `${KEY}\n` }, { MESH_KEY: 'mesh-key' });
    const config = mustLoad(configWith('{file: tor.key}', '  password: {env: MESH_KEY}\n'), environment);
    const peers = effectivePeers(config);
    expect(peers.find((p) => p.name === 'tor1')!.password!.reveal()).toBe(KEY);
    expect(peers.find((p) => p.name === 'Mesh_10_0_0_202')!.password!.reveal()).toBe('mesh-key');
  });

  it('never appear in canonical output, JSON or util.inspect of the config', () => {
    const environment = fakeEnvironment({}, { TOR_KEY: KEY });
    const config = mustLoad(configWith('{env: TOR_KEY}'), environment);
    const canonical = canonicalConfig(config);
    expect(canonical).toContain('env: TOR_KEY');
    expect(canonical).not.toContain(KEY);
    expect(JSON.stringify(config)).not.toContain(KEY);
    expect(JSON.stringify(effectivePeers(config))).not.toContain(KEY);
    expect(inspect(config, { depth: null, showHidden: true })).not.toContain(KEY);
    expect(inspect(effectivePeers(config), { depth: null })).not.toContain(KEY);
  });

  it('never appear in error messages, even for an inline password', () => {
    const result = load(configWith(KEY));
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(KEY);
  });
});
