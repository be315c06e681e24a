/**
 * `bfd.auth` (RFC 5880 §6.7) in the config, for explicit peers and the mesh: the key comes from a
 * file or an environment variable like every secret, its length is checked against its type
 * (§4.2–4.4), and it never shows in errors, canonical output or what the BFD layer is given
 * besides the key itself.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { canonicalConfig } from '../../src/config/canonical.js';
import { effectivePeers } from '../../src/config/peers.js';
import { BfdAuthType } from '../../src/bfd/types.js';
import { bfdPeersOfConfig } from '../../src/daemon/bfd-plane.js';
import { fakeEnvironment, load, mustLoad } from './helpers.js';

const KEY = 'bfd-s3cr3t-key';
const NODE = 'node:\n  name: node1\n  ipv4Address: 10.0.0.201/24\n';

const peerWith = (auth: string): string => `${NODE}peers:\n  - {name: tor1, address: 10.0.0.1, asNumber: 65001, bfd: {minTxMs: 100, auth: ${auth}}}\n`;

describe('bfd.auth (RFC 5880 §6.7)', () => {
  it('reads the key from the environment, key ID 1 by default, and hands the BFD layer type, ID and key', () => {
    const config = mustLoad(peerWith('{type: keyed-sha1, password: {env: BFD_KEY}}'), fakeEnvironment({}, { BFD_KEY: KEY }));
    const [peer] = bfdPeersOfConfig(config);
    expect(peer!.auth).toMatchObject({ type: BfdAuthType.KEYED_SHA1, keyId: 1 });
    expect(peer!.auth!.secret.reveal()).toBe(KEY);
  });

  it('reads it from a file for the mesh, with every mesh peer getting it', () => {
    const text = `${NODE}mesh:\n  bfd: {auth: {type: meticulous-keyed-md5, keyId: 7, password: {file: bfd.key}}}\n  nodes: [{name: node2, ipv4Address: 10.0.0.202/24}, {name: node3, ipv4Address: 10.0.0.203/24}]\n`;
    const config = mustLoad(text, fakeEnvironment({ '/etc/petrel/bfd.key': `${KEY}\n` }));
    const peers = bfdPeersOfConfig(config);
    expect(peers).toHaveLength(2);
    for (const p of peers) expect(p.auth).toMatchObject({ type: BfdAuthType.METICULOUS_KEYED_MD5, keyId: 7 });
    expect(peers[0]!.auth!.secret.reveal()).toBe(KEY);
  });

  it.each([
    ['simple', 17, /simple keys are 1–16 bytes \(RFC 5880 §4\.2\); this one is 17/],
    ['keyed-md5', 17, /keyed-md5 keys are 1–16 bytes \(RFC 5880 §4\.3\)/],
    ['meticulous-keyed-sha1', 21, /meticulous-keyed-sha1 keys are 1–20 bytes \(RFC 5880 §4\.4\)/],
  ])('refuses a %s key of %i bytes, naming the length, never the key', (type, length, message) => {
    const long = 'k'.repeat(length);
    const result = load(peerWith(`{type: ${type}, password: {env: BFD_KEY}}`), fakeEnvironment({}, { BFD_KEY: long }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.message).join('\n')).toMatch(message);
    expect(result.errors.some((e) => e.path.endsWith('bfd.auth.password'))).toBe(true);
    expect(JSON.stringify(result)).not.toContain(long);
  });

  it('accepts the longest keys: 16 bytes for simple and MD5, 20 for SHA1', () => {
    expect(load(peerWith('{type: simple, password: {env: K}}'), fakeEnvironment({}, { K: 'x'.repeat(16) })).ok).toBe(true);
    expect(load(peerWith('{type: keyed-md5, password: {env: K}}'), fakeEnvironment({}, { K: 'x'.repeat(16) })).ok).toBe(true);
    expect(load(peerWith('{type: keyed-sha1, password: {env: K}}'), fakeEnvironment({}, { K: 'x'.repeat(20) })).ok).toBe(true);
  });

  it('refuses an unknown type, a key ID beyond 255, a missing password and an inline one, never echoing it', () => {
    const env = fakeEnvironment({}, { K: KEY });
    expect(load(peerWith('{type: hmac-sha256, password: {env: K}}'), env).ok).toBe(false);
    expect(load(peerWith('{type: keyed-md5, keyId: 256, password: {env: K}}'), env).ok).toBe(false);
    expect(load(peerWith('{type: keyed-md5}'), env).ok).toBe(false);
    const inline = load(peerWith(`{type: keyed-md5, password: ${KEY}}`), env);
    expect(inline.ok).toBe(false);
    // The object's own error, at its key, as for a TCP MD5 password (not the union's "Invalid input").
    expect(inline.ok ? [] : inline.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([expect.stringMatching(/^peers\[0\]\.bfd\.auth\.password: .*inline/)]);
    expect(JSON.stringify(inline)).not.toContain(KEY);
  });

  it('never shows the key in canonical output, JSON or util.inspect of the config and its peers', () => {
    const config = mustLoad(peerWith('{type: keyed-sha1, keyId: 3, password: {env: BFD_KEY}}'), fakeEnvironment({}, { BFD_KEY: KEY }));
    const canonical = canonicalConfig(config);
    expect(canonical).toContain('env: BFD_KEY');
    expect(canonical).toContain('keyed-sha1');
    expect(canonical).not.toContain(KEY);
    expect(JSON.stringify(config)).not.toContain(KEY);
    expect(inspect(effectivePeers(config), { depth: null })).not.toContain(KEY);
    expect(inspect(bfdPeersOfConfig(config), { depth: null })).not.toContain(KEY);
  });
});
