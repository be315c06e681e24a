/**
 * Checks across the config, run once its shape is valid: duplicate peers, peering with
 * ourselves, blocks outside pools, overlapping pools, route-reflector options that cannot
 * apply. Each problem names the key path it is about, so the loader can point at its line.
 */
import { formatKeyPath, type KeyPath } from './locate.js';
import { effectivePeers } from './peers.js';
import { addressOf, mustParsePrefix, prefixContains, prefixesOverlap } from './prefixes.js';
import type { Config } from './schema.js';

export interface PathIssue {
  readonly path: KeyPath;
  readonly message: string;
}

export function crossCheck(config: Config): PathIssue[] {
  return [...checkIdentity(config), ...checkMesh(config), ...checkPeers(config), ...checkPools(config), ...checkBlocks(config)];
}

function ownAddresses(config: Config): Set<string> {
  const own = new Set<string>();
  if (config.node.ipv4Address) own.add(addressOf(config.node.ipv4Address));
  if (config.node.ipv6Address) own.add(addressOf(config.node.ipv6Address));
  return own;
}

function checkIdentity(config: Config): PathIssue[] {
  // RFC 4271 §6.2: a BGP Identifier of 0.0.0.0 is not a valid unicast address; peers refuse it.
  if (config.routerId === '0.0.0.0') return [{ path: ['routerId'], message: 'routerId 0.0.0.0 is not a valid BGP identifier (RFC 4271 §6.2)' }];
  return [];
}

function checkMesh(config: Config): PathIssue[] {
  const { mesh, node } = config;
  if (!mesh.enabled) return [];
  const issues: PathIssue[] = [];
  const own = ownAddresses(config);
  if (mesh.nodes.length > 0 && node.ipv4Address === undefined && node.routeReflectorClusterId === undefined) {
    issues.push({ path: ['node'], message: 'mesh sessions run between node addresses: set node.ipv4Address' });
  }
  const names = new Map<string, number>();
  mesh.nodes.forEach((other, i) => {
    const at: KeyPath = ['mesh', 'nodes', i];
    if (other.name === node.name) issues.push({ path: [...at, 'name'], message: `${other.name} is this node (node.name): a node does not peer with itself` });
    for (const key of ['ipv4Address', 'ipv6Address'] as const) {
      const addr = other[key];
      if (addr !== undefined && own.has(addressOf(addr))) {
        issues.push({ path: [...at, key], message: `${addressOf(addr)} is this node's own address: a node does not peer with itself` });
      }
    }
    const first = names.get(other.name);
    if (first !== undefined) issues.push({ path: [...at, 'name'], message: `mesh node ${other.name} is already listed at mesh.nodes[${first}]` });
    else names.set(other.name, i);
  });
  return issues;
}

function checkPeers(config: Config): PathIssue[] {
  const issues: PathIssue[] = [];
  const own = ownAddresses(config);
  const byName = new Map<string, KeyPath>();
  const byAddress = new Map<string, KeyPath>();
  for (const peer of effectivePeers(config)) {
    const explicit = peer.configPath[0] === 'peers';
    const addressKey: KeyPath = explicit ? [...peer.configPath, 'address'] : [...peer.configPath, peer.family === 4 ? 'ipv4Address' : 'ipv6Address'];
    // Mesh peers equal to ourselves are reported by checkMesh.
    if (explicit && own.has(peer.address)) {
      issues.push({ path: addressKey, message: `${peer.address} is this node's own address: a node does not peer with itself` });
    }
    const sameName = byName.get(peer.name);
    if (sameName) issues.push({ path: explicit ? [...peer.configPath, 'name'] : addressKey, message: `peer name ${peer.name} is already used by ${formatKeyPath(sameName)}` });
    else byName.set(peer.name, peer.configPath);
    // An incoming connection is matched to its peer by source address alone (its port is
    // ephemeral), so two sessions to one address could not be told apart.
    const addrId = peer.interface !== undefined ? `${peer.address}%${peer.interface}` : peer.address;
    const sameAddress = byAddress.get(addrId);
    if (sameAddress) issues.push({ path: addressKey, message: `${peer.address} is already a peer at ${formatKeyPath(sameAddress)}` });
    else byAddress.set(addrId, peer.configPath);
  }
  config.peers.forEach((peer, i) => {
    if (peer.routeReflectorClient !== true) return;
    const at: KeyPath = ['peers', i, 'routeReflectorClient'];
    if (peer.asNumber !== config.asNumber) {
      issues.push({ path: at, message: `route reflection is for iBGP peers (RFC 4456): AS ${peer.asNumber} is not ours (${config.asNumber})` });
    } else if (config.node.routeReflectorClusterId === undefined) {
      issues.push({ path: at, message: 'only a route reflector has clients: set node.routeReflectorClusterId' });
    }
  });
  return issues;
}

function checkPools(config: Config): PathIssue[] {
  const issues: PathIssue[] = [];
  const parsed = config.pools.map((p) => mustParsePrefix(p.cidr));
  parsed.forEach((pool, j) => {
    for (let i = 0; i < j; i++) {
      if (prefixesOverlap(parsed[i]!, pool)) {
        issues.push({ path: ['pools', j, 'cidr'], message: `${config.pools[j]!.cidr} overlaps pools[${i}] (${config.pools[i]!.cidr}); Calico pools never overlap` });
        break;
      }
    }
  });
  return issues;
}

function checkBlocks(config: Config): PathIssue[] {
  const issues: PathIssue[] = [];
  const pools = config.pools.map((p) => ({ pool: p, prefix: mustParsePrefix(p.cidr) }));
  const seen = new Map<string, number>();
  config.blocks.forEach((block, i) => {
    const first = seen.get(block);
    if (first !== undefined) {
      issues.push({ path: ['blocks', i], message: `${block} is already listed at blocks[${first}]` });
      return;
    }
    seen.set(block, i);
    const prefix = mustParsePrefix(block);
    const owner = pools.find((p) => prefixContains(p.prefix, prefix));
    if (!owner) {
      issues.push({ path: ['blocks', i], message: `${block} is not inside any pool: blocks are carved from pools` });
    } else if (prefix.length !== owner.pool.blockSize) {
      issues.push({ path: ['blocks', i], message: `${block} is a /${prefix.length}, but pool ${owner.pool.cidr} has blockSize ${owner.pool.blockSize}` });
    }
  });
  return issues;
}
