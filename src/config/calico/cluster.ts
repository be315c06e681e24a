/**
 * The cluster as confd sees it, from the checked resources: the global and per-node
 * BGPConfiguration, each Node's addresses, AS and listen port, and which Node is this one.
 * Lookups follow confd's precedence (`getNodeOrGlobalValue`): a `node.<name>` BGPConfiguration
 * overrides `default` for listenPort, logSeverityScreen, prefixAdvertisements and communities;
 * a Node's own `spec.bgp.asNumber` overrides the global AS, which defaults to 64512.
 */
import { DEFAULT_AS_NUMBER } from '../schema.js';
import { addressOf } from '../prefixes.js';
import type { CalicoBgpConfiguration, CalicoNode, CalicoResources } from './resources.js';

export const GLOBAL_CONFIG_NAME = 'default';
export const NODE_CONFIG_PREFIX = 'node.';

export class Cluster {
  readonly global: CalicoBgpConfiguration | undefined;
  readonly globalAsNumber: number;
  readonly nodes: readonly CalicoNode[];
  readonly #perNode = new Map<string, CalicoBgpConfiguration>();
  readonly #nodeByName = new Map<string, CalicoNode>();
  readonly #nodeIps = new Set<string>();

  constructor(readonly resources: CalicoResources) {
    this.global = resources.bgpConfigurations.find((c) => c.name === GLOBAL_CONFIG_NAME);
    this.globalAsNumber = this.global?.asNumber ?? DEFAULT_AS_NUMBER;
    for (const c of resources.bgpConfigurations) {
      if (c.name.startsWith(NODE_CONFIG_PREFIX)) this.#perNode.set(c.name.slice(NODE_CONFIG_PREFIX.length), c);
    }
    // Sorted by name: confd's maps have no order, and output must not depend on file order.
    this.nodes = [...resources.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const node of this.nodes) {
      this.#nodeByName.set(node.name, node);
      for (const ip of nodeAddresses(node)) this.#nodeIps.add(ip);
    }
  }

  node(name: string): CalicoNode | undefined {
    return this.#nodeByName.get(name);
  }

  nodeConfig(name: string): CalicoBgpConfiguration | undefined {
    return this.#perNode.get(name);
  }

  asNumberOf(node: CalicoNode): number {
    return node.bgp?.asNumber ?? this.globalAsNumber;
  }

  /** The port the node's BIRD listens on; undefined means BGP's 179. */
  listenPortOf(nodeName: string): number | undefined {
    return this.nodeConfig(nodeName)?.listenPort ?? this.global?.listenPort;
  }

  /** True when `address` is some Calico node's BGP address (confd's `nodeIPs`). */
  isNodeAddress(address: string): boolean {
    return this.#nodeIps.has(address);
  }

  /** Nodes whose BGP address is `address` and whose AS is `asNumber` (confd `nodesWithIPPortAndAS`). */
  nodesWithAddress(address: string, asNumber: number, port: number | undefined): CalicoNode[] {
    return this.nodes.filter(
      (node) =>
        nodeAddresses(node).includes(address) &&
        this.asNumberOf(node) === asNumber &&
        (port === undefined || (this.listenPortOf(node.name) ?? port) === port),
    );
  }
}

/** The node's BGP addresses without their lengths: IPv4 first. */
export function nodeAddresses(node: CalicoNode): string[] {
  const out: string[] = [];
  if (node.bgp?.ipv4Address) out.push(addressOf(node.bgp.ipv4Address));
  if (node.bgp?.ipv6Address) out.push(addressOf(node.bgp.ipv6Address));
  return out;
}
