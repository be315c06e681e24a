/**
 * BGPPeer resources → the sessions one node runs, as confd's `updatePeersV1` computes them
 * (confd `pkg/backends/calico/client.go`, CALICO.md §1.5), restricted to this node:
 *
 *  1. global BGPPeers (neither `node` nor `nodeSelector`) apply to every node: `Global_<ip>`;
 *  2. node-scoped BGPPeers (`node: NAME` or `nodeSelector`) apply to the nodes they select:
 *     `Node_<ip>`, skipped when a global peering to the same IP and port exists;
 *  3. reverse peerings: a node selected by a BGPPeer's `peerSelector`, or whose address and AS
 *     are its `peerIP` and `asNumber`, peers back with every node the BGPPeer applies to, so
 *     both ends are configured from one resource — unless `reversePeering: Manual`.
 *
 * The first peering emitted for a key wins, so an explicit peering beats an implicit reverse
 * one. A `peerSelector` expands to each selected Node's BGP addresses (IPv4 when both ends have
 * one, IPv6 likewise), AS (the node's, else the global one) and listen port. Resources are
 * taken in name order (confd's map order is arbitrary). A node never peers with itself.
 *
 * Passive: a global peering to an address that is a Calico node's, when that address sorts
 * after ours as a string (confd `buildPeerFromData`), so exactly one side dials; node-scoped
 * peerings dial from both ends.
 */
import type { IpFamily } from '../../bgp/address.js';
import { PeerNameKind, calicoPeerName } from '../names.js';
import { addressFamily } from '../prefixes.js';
import { nodeAddresses, type Cluster } from './cluster.js';
import type { CalicoBgpPeer, CalicoNode } from './resources.js';

export type PeeringScope = typeof PeerNameKind.GLOBAL | typeof PeerNameKind.NODE;

export interface Peering {
  readonly name: string;
  readonly scope: PeeringScope;
  readonly address: string;
  /** Unset: BGP's 179. */
  readonly port?: number;
  readonly asNumber: number;
  readonly passive: boolean;
  /** The peer node's cluster ID, for peerings to selected Nodes (RFC 4456 client rule). */
  readonly routeReflectorClusterId?: string;
  /** The resource this peering comes from. */
  readonly bgpPeer: CalicoBgpPeer;
  /** Which of its fields named the peer: `peerIP`, `peerSelector`, or the reverse side's selector. */
  readonly addressKey: 'peerIP' | 'peerSelector' | 'nodeSelector' | 'node';
}

/** This node's identity: name, labels and BGP addresses (without lengths). */
export interface Self {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ipv4?: string;
  readonly ipv6?: string;
}

interface Target {
  readonly address: string;
  readonly port?: number;
  readonly asNumber: number;
  readonly calicoNode: boolean;
  readonly routeReflectorClusterId?: string;
}

export function derivePeerings(cluster: Cluster, self: Self): Peering[] {
  const peers = [...cluster.resources.bgpPeers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const emitted = new Map<string, Peering>();
  const emit = (scope: PeeringScope, target: Target, bgpPeer: CalicoBgpPeer, addressKey: Peering['addressKey']): void => {
    const own = addressFamily(target.address) === 4 ? self.ipv4 : self.ipv6;
    if (target.address === own) return;
    const endpoint = `${target.address}|${target.port ?? 0}`;
    if (emitted.has(`${scope}|${endpoint}`)) return;
    if (scope === PeerNameKind.NODE && emitted.has(`${PeerNameKind.GLOBAL}|${endpoint}`)) return;
    emitted.set(`${scope}|${endpoint}`, {
      name: calicoPeerName(scope, target.address, target.port),
      scope,
      address: target.address,
      ...(target.port !== undefined ? { port: target.port } : {}),
      asNumber: target.asNumber,
      // Strings compared, not numbers: BIRD nodes in a mixed cluster decide the same way.
      passive: scope === PeerNameKind.GLOBAL && target.calicoNode && own !== undefined && target.address > own,
      ...(target.routeReflectorClusterId !== undefined ? { routeReflectorClusterId: target.routeReflectorClusterId } : {}),
      bgpPeer,
      addressKey,
    });
  };

  for (const scope of [PeerNameKind.GLOBAL, PeerNameKind.NODE] as const) {
    for (const peer of peers) {
      if ((scope === PeerNameKind.GLOBAL) !== isGlobal(peer)) continue;
      if (scope === PeerNameKind.NODE && !appliesTo(peer, self)) continue;
      for (const target of forwardTargets(cluster, peer, self)) emit(scope, target, peer, peer.peerSelector ? 'peerSelector' : 'peerIP');
    }
  }
  for (const peer of peers) {
    if (peer.reversePeering === 'Manual' || !selectedAsPeer(cluster, peer, self)) continue;
    const families: readonly IpFamily[] = peer.peerIP ? [addressFamily(peer.peerIP.address) ?? 4] : [4, 6];
    const others = cluster.nodes.filter((node) => appliesTo(peer, { name: node.name, labels: node.labels }));
    const addressKey = peer.nodeSelector ? 'nodeSelector' : peer.node ? 'node' : 'peerIP';
    for (const node of others) for (const target of nodeTargets(cluster, node, families)) emit(PeerNameKind.NODE, target, peer, addressKey);
  }
  return [...emitted.values()];
}

function isGlobal(peer: CalicoBgpPeer): boolean {
  return peer.node === undefined && peer.nodeSelector === undefined;
}

/** Does the BGPPeer configure sessions on this node (its local side)? */
function appliesTo(peer: CalicoBgpPeer, node: Pick<Self, 'name' | 'labels'>): boolean {
  if (peer.node !== undefined) return peer.node === node.name;
  if (peer.nodeSelector !== undefined) return peer.nodeSelector.matches(node.labels);
  return true;
}

/** Is this node the BGPPeer's remote side (so it owes the reverse peering)? */
function selectedAsPeer(cluster: Cluster, peer: CalicoBgpPeer, self: Self): boolean {
  if (peer.peerSelector) return peer.peerSelector.matches(self.labels);
  if (!peer.peerIP || peer.asNumber === undefined) return false;
  return cluster.nodesWithAddress(peer.peerIP.address, peer.asNumber, peer.peerIP.port).some((node) => node.name === self.name);
}

function forwardTargets(cluster: Cluster, peer: CalicoBgpPeer, self: Self): Target[] {
  if (peer.peerSelector) {
    const selector = peer.peerSelector;
    const families = ([4, 6] as const).filter((f) => (f === 4 ? self.ipv4 : self.ipv6) !== undefined);
    return cluster.nodes.filter((node) => selector.matches(node.labels)).flatMap((node) => nodeTargets(cluster, node, families));
  }
  if (!peer.peerIP || peer.asNumber === undefined) return [];
  const { address, port } = peer.peerIP;
  // No port given and the peer is a Calico node: dial the port that node listens on.
  const node = port === undefined ? cluster.nodesWithAddress(address, peer.asNumber, undefined)[0] : undefined;
  const listenPort = port ?? (node ? cluster.listenPortOf(node.name) : undefined);
  return [{ address, ...(listenPort !== undefined ? { port: listenPort } : {}), asNumber: peer.asNumber, calicoNode: cluster.isNodeAddress(address) }];
}

/** A Node as BGP peers: one per address family asked for that it has (confd `nodeAsBGPPeers`). */
function nodeTargets(cluster: Cluster, node: CalicoNode, families: readonly IpFamily[]): Target[] {
  const port = cluster.listenPortOf(node.name);
  const clusterId = node.bgp?.routeReflectorClusterID;
  return nodeAddresses(node)
    .filter((address) => families.includes(addressFamily(address) ?? 4))
    .map((address) => ({
      address,
      ...(port !== undefined ? { port } : {}),
      asNumber: cluster.asNumberOf(node),
      calicoNode: false,
      ...(clusterId !== undefined ? { routeReflectorClusterId: clusterId } : {}),
    }));
}
