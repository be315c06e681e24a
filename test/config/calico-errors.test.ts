import { describe, expect, it } from 'vitest';
import { formatIssue, type ConfigIssue } from '../../src/config/load.js';
import { CALICO_FIXTURES, SECRETS_DIR, loadWith } from './calico-helpers.js';

const FILE = '/srv/calico/cluster.yaml';
const NODE1 = `apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: node1}
spec:
  bgp: {ipv4Address: 10.0.0.11/24}
`;
const POOL = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: pool}
spec: {cidr: 10.244.0.0/16}
`;

function errorsFor(manifest: string, extra: Record<string, string> = {}): ConfigIssue[] {
  const result = loadWith(`node: {name: node1}\ncalicoResources: [${FILE}]\n`, { [FILE]: manifest, ...extra });
  if (result.ok) throw new Error('expected errors');
  return [...result.errors];
}

function only(manifest: string, extra: Record<string, string> = {}): ConfigIssue {
  const errors = errorsFor(manifest, extra);
  expect(errors.map(formatIssue)).toHaveLength(1);
  return errors[0]!;
}

describe('errors in Calico resources name the file, document and key', () => {
  it('rejects an unknown kind', () => {
    const issue = only(`${NODE1}---\napiVersion: projectcalico.org/v3\nkind: BGPPeers\nmetadata: {name: x}\nspec: {}\n`);
    expect(issue).toMatchObject({ file: FILE, path: 'documents[1].kind', line: 8, column: 7 });
    expect(issue.message).toMatch(/unknown kind "BGPPeers": petrel reads BGPConfiguration, BGPPeer, IPPool, Node, BlockAffinity, BGPFilter/);
  });

  it('rejects a pool CIDR with host bits, at its line', () => {
    const issue = only(`${NODE1}---\n${POOL.replace('10.244.0.0/16', '10.244.0.1/16')}`);
    expect(issue).toMatchObject({ file: FILE, path: 'documents[1].spec.cidr', line: 10, column: 14 });
    expect(issue.message).toMatch(/host bits set; did you mean 10\.244\.0\.0\/16/);
  });

  it('rejects a BGPPeer with peerIP but no asNumber', () => {
    const issue = only(`${NODE1}---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: tor}\nspec:\n  node: node1\n  peerIP: 10.0.0.1\n`);
    // The key is missing: the position is its mapping's.
    expect(issue).toMatchObject({ path: 'documents[1].spec.asNumber', line: 11 });
    expect(issue.message).toMatch(/needs the peer's asNumber/);
  });

  it('rejects a field Calico does not have (a typo), pointing at the key', () => {
    const [typo, missing] = errorsFor(`${NODE1}---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: tor}\nspec:\n  peerIp: 10.0.0.1\n  asNumber: 65000\n`);
    expect(typo).toMatchObject({ path: 'documents[1].spec.peerIp', line: 11, column: 3 });
    expect(typo!.message).toMatch(/unknown field "peerIp"/);
    expect(missing).toMatchObject({ path: 'documents[1].spec.peerIP', message: expect.stringMatching(/set peerIP \(with asNumber\) or peerSelector/) as unknown });
  });

  it('names the item of a List', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n  - ${NODE1.replace(/\n(?=.)/g, '\n    ')}  - apiVersion: projectcalico.org/v3\n    kind: Node\n    metadata: {name: node2}\n    spec: {bgp: {ipv4Address: 10.0.0.300/24}}\n`;
    const issue = only(list);
    expect(issue).toMatchObject({ path: 'documents[0].items[1].spec.bgp.ipv4Address', line: 12 });
  });

  it('reports a bad selector with Calico’s grammar', () => {
    const issue = only(`${NODE1}---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: rr}\nspec:\n  nodeSelector: rack = 'a'\n  peerSelector: has(route-reflector)\n`);
    expect(issue).toMatchObject({ path: 'documents[1].spec.nodeSelector' });
    expect(issue.message).toMatch(/expected ==/);
  });

  it('reports every problem in one pass, across documents', () => {
    const errors = errorsFor(`${NODE1}---\n${POOL.replace('10.244.0.0/16', '10.244.0.0/99')}---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: x}\nspec: {peerIP: 10.0.0.1, asNumber: 0}\n---\nkind: Node\n`);
    expect(errors.map((e) => e.path)).toEqual(['documents[1].spec.cidr', 'documents[2].spec.asNumber', 'documents[3].apiVersion']);
  });

  it('rejects a Secret manifest: passwords come from mounted secrets', () => {
    const issue = only(`${NODE1}---\napiVersion: v1\nkind: Secret\nmetadata: {name: bgp-secrets}\nstringData: {tor: x}\n`);
    expect(issue.message).toMatch(/Secrets are not read from manifests/);
  });

  it('rejects a cluster-wide key in a per-node BGPConfiguration', () => {
    const issue = only(`${NODE1}---\napiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata: {name: node.node1}\nspec: {asNumber: 65001, listenPort: 1790}\n`);
    expect(issue).toMatchObject({ path: 'documents[1].spec.asNumber' });
    expect(issue.message).toMatch(/cluster-wide/);
  });

  it('rejects a BGPFilter name that no resource defines', () => {
    const issue = only(`${NODE1}---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: tor}\nspec: {peerIP: 10.0.0.1, asNumber: 65000, filters: [nope]}\n`);
    expect(issue).toMatchObject({ path: 'documents[1].spec.filters[0]' });
  });

  it('rejects the same resource twice', () => {
    const issue = only(`${NODE1}---\n${NODE1}`);
    expect(issue).toMatchObject({ path: 'documents[1].metadata.name' });
    expect(issue.message).toMatch(/Node\/node1 is defined twice/);
  });

  it('reports an unreadable path', () => {
    const result = loadWith(`node: {name: node1}\ncalicoResources: [/srv/absent.yaml]\n`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatchObject({ file: '/srv/absent.yaml', message: expect.stringMatching(/no such file \(ENOENT\)/) as unknown });
  });
});

describe('errors about derived values point at the resource they came from', () => {
  it('reports a missing mounted secret at the BGPPeer’s secretKeyRef', () => {
    const issue = only(`${NODE1}---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: tor}\nspec:\n  peerIP: 10.0.0.1\n  asNumber: 65000\n  password: {secretKeyRef: {name: bgp-secrets, key: tor}}\n`);
    expect(issue).toMatchObject({ file: FILE, path: 'documents[1].spec.password.secretKeyRef', line: 13 });
    expect(issue.message).toMatch(/^BGPPeer tor: cannot read password file \/run\/secrets\/calico\/bgp-secrets\/tor: no such file/);
    expect(issue.message).toMatch(/as config key peers\[0\]\.password\.file/);
  });

  it('treats an optional secret that is not mounted as no password', () => {
    const manifest = `${NODE1}---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: tor}\nspec:\n  peerIP: 10.0.0.1\n  asNumber: 65000\n  password: {secretKeyRef: {name: s, key: k, optional: true}}\n`;
    const result = loadWith(`node: {name: node1}\ncalicoResources: [${FILE}]\n`, { [FILE]: manifest });
    expect(result.ok && result.config.peers[0]!.password).toBe(undefined);
    const mounted = loadWith(`node: {name: node1}\ncalicoResources: [${FILE}]\n`, { [FILE]: manifest, [`${SECRETS_DIR}/s/k`]: 'key' });
    expect(mounted.ok && mounted.config.peers[0]!.password?.reveal()).toBe('key');
  });

  it('reports a block outside every pool at the BlockAffinity', () => {
    const affinity = `apiVersion: projectcalico.org/v3\nkind: BlockAffinity\nmetadata: {name: b}\nspec: {node: node1, cidr: 10.9.0.0/26, state: confirmed}\n`;
    const issue = only(`${NODE1}---\n${POOL}---\n${affinity}`);
    expect(issue).toMatchObject({ path: 'documents[2].spec.cidr', line: 15 });
    expect(issue.message).toMatch(/^BlockAffinity b: 10\.9\.0\.0\/26 is not inside any pool/);
  });

  it('reports keepaliveTime above a third of the hold time at the BGPPeer', () => {
    const issue = only(`${NODE1}---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: tor}\nspec: {peerIP: 10.0.0.1, asNumber: 65000, keepaliveTime: 2m}\n`);
    expect(issue).toMatchObject({ path: 'documents[1].spec.keepaliveTime' });
    expect(issue.message).toMatch(/more than a third of holdTimeSec 240/);
  });

  it('reports a multicast VTEP MAC at the Node that records it', () => {
    const vtep = NODE1.replace('spec:\n', 'spec:\n  ipv4VXLANTunnelAddr: 10.244.101.128\n  vxlanTunnelMACAddr: 01:00:5e:00:00:01\n');
    const issue = only(`${vtep}---\n${POOL}`);
    expect(issue).toMatchObject({ path: 'documents[0].spec.vxlanTunnelMACAddr', line: 6 });
    expect(issue.message).toMatch(/^Node node1: a VTEP MAC must be unicast.*as config key node\.vxlanTunnelMac/);
  });

  it('keeps errors in the petrel file pointing into the petrel file', () => {
    const result = loadWith(`node: {name: node1}\ncalicoResources: [${CALICO_FIXTURES}mesh]\npeers:\n  - {address: 10.0.0.1, asNumber: 0}\n`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toEqual([expect.objectContaining({ file: '/etc/petrel/petrel.yaml', path: 'peers[0].asNumber', line: 4 })]);
  });
});
