import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalConfig } from '../../src/config/canonical.js';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';
import { effectivePeers } from '../../src/config/peers.js';
import { exampleEnvironment } from './helpers.js';

const EXAMPLES = ['node-mesh', 'route-reflector', 'central-reflector', 'node-tor'] as const;

describe('example configs (config/*.yaml)', () => {
  it.each(EXAMPLES)('%s loads and prints as its golden canonical form', (name) => {
    const result = loadConfigFile(`config/${name}.yaml`, exampleEnvironment());
    if (!result.ok) throw new Error(JSON.stringify(result.errors, null, 2));
    const golden = readFileSync(`test/fixtures/config/${name}.yaml`, 'utf8');
    expect(canonicalConfig(result.config)).toBe(golden);
  });

  it.each(EXAMPLES)('%s: the canonical form loads back to the same canonical form', (name) => {
    const golden = readFileSync(`test/fixtures/config/${name}.yaml`, 'utf8');
    const again = parseConfig(golden, `config/${name}.yaml`, exampleEnvironment());
    if (!again.ok) throw new Error(JSON.stringify(again.errors, null, 2));
    expect(canonicalConfig(again.config)).toBe(golden);
  });

  it('node-mesh meshes with the plain nodes and skips the reflector node (CALICO.md §1.5)', () => {
    const result = loadConfigFile('config/node-mesh.yaml', exampleEnvironment());
    if (!result.ok) throw new Error('invalid');
    expect(effectivePeers(result.config).map((p) => p.name)).toEqual(['Mesh_10_0_0_202', 'Mesh_fd00__202', 'Mesh_10_0_1_203']);
  });

  it('route-reflector makes the nodes clients and its twin reflector a non-client (RFC 4456 §7)', () => {
    const result = loadConfigFile('config/route-reflector.yaml', exampleEnvironment());
    if (!result.ok) throw new Error('invalid');
    const clients = Object.fromEntries(effectivePeers(result.config).map((p) => [p.name, p.routeReflectorClient]));
    expect(clients).toEqual({ Node_10_0_0_201: true, Node_10_0_0_202: true, Node_10_0_1_203: true, rr2: false });
  });

  it('node-tor peers over eBGP with the key file, GTSM and next-hop-self', () => {
    const result = loadConfigFile('config/node-tor.yaml', exampleEnvironment());
    if (!result.ok) throw new Error('invalid');
    const [tor1, tor2] = effectivePeers(result.config);
    for (const tor of [tor1!, tor2!]) {
      expect(tor.internal).toBe(false);
      expect(tor.password?.reveal()).toBe('tor-md5-key');
      expect(tor.ttlSecurity).toBe(1);
      expect(tor.nextHopMode).toBe('Self');
      expect(tor.sourceAddress).toBe('10.1.0.17');
    }
  });
});
