/**
 * Calico resources → the keys of petrel's config, for the node named by `node.name`, the way
 * confd fills BIRD's templates (CALICO.md §1):
 *
 * - identity: `node.ipv4Address`/`ipv6Address`/`routeReflectorClusterId` from this Node's
 *   `spec.bgp`; `asNumber` from the Node, else the `default` BGPConfiguration (64512 when
 *   neither says); the router ID then defaults to the node's IPv4 address as usual (§1.1);
 * - `listen.port` from `listenPort` (`node.<name>` BGPConfiguration first), `listen.address`
 *   the node's IPv4 address when `bindMode: NodeIP`; `log.level` from `logSeverityScreen`;
 * - the mesh: enabled unless `nodeToNodeMeshEnabled: false`, `nodeMeshPassword`,
 *   `nodeMeshMaxRestartTime`, and every other Node that has a BGP IPv4 address (its AS, listen
 *   port and cluster ID kept, so reflectors are skipped by the session logic, §1.5) — listed
 *   even when the mesh is off, because they also carry each node's VXLAN tunnel endpoint
 *   (`ipv4VXLANTunnelAddr`, `vxlanTunnelMACAddr`, which Felix writes), as this node's own does;
 * - explicit peers from BGPPeers (peerings.ts), their secrets as files (index.ts), with
 *   `localASNumber`, `numAllowedLocalASNumbers` and `filters`; the BGPFilters those peers name
 *   become top-level `filters` (§1.7);
 * - pools from IPPools (all of them: `nodeSelector` limits IPAM allocation, not routing);
 * - blocks: this node's BlockAffinities that are `confirmed` (or carry no state) and not
 *   deleted, leaving out /32 and /128 blocks, which a blackhole would shadow (§1.2);
 * - service ranges and prefix advertisements, community names resolved (§1.3, §1.6).
 *
 * What petrel's config has no key for — `reachableBy`, `sourceAddress: None`, ignored
 * interfaces — comes back as `CalicoExtras` beside the config.
 */
import { join } from 'node:path';
import type { ConfigIssue } from '../load.js';
import type { KeyPath } from '../locate.js';
import { addressOf, mustParsePrefix } from '../prefixes.js';
import { DEFAULT_RESTART_TIME_SEC } from '../schema.js';
import { Cluster, GLOBAL_CONFIG_NAME, NODE_CONFIG_PREFIX } from './cluster.js';
import { issueAt, type ResourceSource } from './documents.js';
import { derivePeerings, type Peering, type Self } from './peerings.js';
import type { CalicoBgpConfiguration, CalicoBgpFilter, CalicoBgpPeer, CalicoNode, CalicoResources, SecretKeyRef } from './resources.js';

/** Where a derived value came from: a resource and the key path inside it. */
export interface Origin {
  readonly source: ResourceSource;
  readonly key: KeyPath;
  /** `BGPPeer rack1-tor`, for messages. */
  readonly resource: string;
}

export interface OriginEntry {
  readonly path: KeyPath;
  readonly origin: Origin;
}

/** Per-session settings from a BGPPeer that petrel's peer config has no key for. */
export interface CalicoPeerExtras {
  readonly bgpPeer: string;
  /** Calico adds a static `/32 via reachableBy` so a multihop peer can be reached. */
  readonly reachableBy?: string;
  /** `None`: bind no source address (the kernel chooses). */
  readonly sourceAddress: 'UseNodeIP' | 'None';
}

export interface CalicoExtras {
  /** Keyed by the peer's name in the config (`Node_10_0_1_1`). */
  readonly peers: Readonly<Record<string, CalicoPeerExtras>>;
  readonly ignoredInterfaces: readonly string[];
}

/** What the user's own config already says, which the derivation must build on. */
export interface DeriveOptions {
  readonly nodeName: string;
  readonly asNumber?: number;
  readonly ipv4Address?: string;
  readonly ipv6Address?: string;
  /** Folder of mounted Kubernetes Secrets: `<dir>/<secret name>/<key>`. */
  readonly secretsDir: string;
  readonly fileExists: (path: string) => boolean;
}

export interface Derivation {
  readonly fragment: Record<string, unknown>;
  readonly origins: readonly OriginEntry[];
  readonly extras: CalicoExtras;
  readonly errors: readonly ConfigIssue[];
}

/** `logSeverityScreen` → petrel's log level; `None` turns off BIRD's debug traces, not errors. */
const LOG_LEVELS = { Debug: 'debug', Info: 'info', Warning: 'warn', Error: 'error', Fatal: 'fatal', None: 'error' } as const;

/** Keys confd reads only from the `default` BGPConfiguration, never from a `node.<name>` one. */
const GLOBAL_ONLY_KEYS = [
  'nodeToNodeMeshEnabled',
  'asNumber',
  'bindMode',
  'serviceClusterIPs',
  'serviceExternalIPs',
  'serviceLoadBalancerIPs',
  'ipv4NormalRoutePriority',
  'ipv6NormalRoutePriority',
  'programClusterRoutes',
  'nodeMeshPassword',
  'nodeMeshMaxRestartTime',
  'ignoredInterfaces',
] as const;

type Named = { readonly name: string; readonly source: ResourceSource };

export function deriveConfig(resources: CalicoResources, options: DeriveOptions): Derivation {
  const cluster = new Cluster(resources);
  const errors: ConfigIssue[] = [...checkConfigurationNames(resources.bgpConfigurations)];
  const origins: OriginEntry[] = [];
  const from = (path: KeyPath, kind: string, resource: Named, key: KeyPath): void => {
    origins.push({ path, origin: { source: resource.source, key, resource: `${kind} ${resource.name}` } });
  };
  const fragment: Record<string, unknown> = {};
  const own = cluster.node(options.nodeName);
  const global = cluster.global;
  const nodeConfig = cluster.nodeConfig(options.nodeName);

  // Identity (§1.1).
  const node: Record<string, unknown> = {};
  const bgp = own?.bgp;
  if (own && bgp?.ipv4Address) {
    node['ipv4Address'] = bgp.ipv4Address;
    from(['node', 'ipv4Address'], 'Node', own, ['spec', 'bgp', 'ipv4Address']);
  }
  if (own && bgp?.ipv6Address) {
    node['ipv6Address'] = bgp.ipv6Address;
    from(['node', 'ipv6Address'], 'Node', own, ['spec', 'bgp', 'ipv6Address']);
  }
  if (own && bgp?.routeReflectorClusterID) {
    node['routeReflectorClusterId'] = bgp.routeReflectorClusterID;
    from(['node', 'routeReflectorClusterId'], 'Node', own, ['spec', 'bgp', 'routeReflectorClusterID']);
  }
  if (own !== undefined) {
    Object.assign(node, vtepOf(own));
    from(['node', 'vxlanTunnelAddress'], 'Node', own, ['spec', 'ipv4VXLANTunnelAddr']);
    from(['node', 'vxlanTunnelMac'], 'Node', own, ['spec', 'vxlanTunnelMACAddr']);
    from(['node', 'vxlanTunnelAddressV6'], 'Node', own, ['spec', 'ipv6VXLANTunnelAddr']);
    from(['node', 'vxlanTunnelMacV6'], 'Node', own, ['spec', 'vxlanTunnelMACAddrV6']);
  }
  if (Object.keys(node).length > 0) fragment['node'] = node;
  if (own && bgp?.asNumber !== undefined) {
    fragment['asNumber'] = bgp.asNumber;
    from(['asNumber'], 'Node', own, ['spec', 'bgp', 'asNumber']);
  } else if (global?.asNumber !== undefined) {
    fragment['asNumber'] = global.asNumber;
    from(['asNumber'], 'BGPConfiguration', global, ['spec', 'asNumber']);
  }
  const ipv4 = options.ipv4Address ?? bgp?.ipv4Address;
  const ipv6 = options.ipv6Address ?? bgp?.ipv6Address;
  const self: Self = {
    name: options.nodeName,
    labels: own?.labels ?? {},
    ...(ipv4 !== undefined ? { ipv4: addressOf(ipv4) } : {}),
    ...(ipv6 !== undefined ? { ipv6: addressOf(ipv6) } : {}),
  };
  const localAsNumber = options.asNumber ?? bgp?.asNumber ?? cluster.globalAsNumber;

  // Listener and logging: the node's own BGPConfiguration first.
  const listen: Record<string, unknown> = {};
  const portConfig = nodeConfig?.listenPort !== undefined ? nodeConfig : global?.listenPort !== undefined ? global : undefined;
  if (portConfig) {
    listen['port'] = portConfig.listenPort;
    from(['listen', 'port'], 'BGPConfiguration', portConfig, ['spec', 'listenPort']);
  }
  if (global?.bindMode === 'NodeIP') {
    const address = self.ipv4 ?? self.ipv6;
    if (address === undefined) errors.push(issueAt(global.source, ['spec', 'bindMode'], `bindMode NodeIP: Node ${options.nodeName} has no BGP address to bind to`));
    else {
      listen['address'] = address;
      from(['listen', 'address'], 'BGPConfiguration', global, ['spec', 'bindMode']);
    }
  }
  if (Object.keys(listen).length > 0) fragment['listen'] = listen;
  const logConfig = nodeConfig?.logSeverityScreen !== undefined ? nodeConfig : global?.logSeverityScreen !== undefined ? global : undefined;
  if (logConfig?.logSeverityScreen) {
    fragment['log'] = { level: LOG_LEVELS[logConfig.logSeverityScreen] };
    from(['log', 'level'], 'BGPConfiguration', logConfig, ['spec', 'logSeverityScreen']);
  }

  const secret = (ref: SecretKeyRef): { file: string } | undefined => {
    const file = join(options.secretsDir, ref.name, ref.key);
    // An optional secret that is not mounted means no password, as Kubernetes has it.
    return ref.optional === true && !options.fileExists(file) ? undefined : { file };
  };

  const context: Context = { cluster, options, self, localAsNumber, fragment, from, errors, secret };
  deriveMesh(context);
  const peerExtras = derivePeers(context);
  deriveIpam(context);
  derivePolicy(context);
  const extras: CalicoExtras = { peers: peerExtras, ignoredInterfaces: [...(global?.ignoredInterfaces ?? [])] };
  return { fragment, origins, extras, errors };
}

/** What the parts of the derivation share: the cluster, this node, and where results go. */
interface Context {
  readonly cluster: Cluster;
  readonly options: DeriveOptions;
  readonly self: Self;
  readonly localAsNumber: number;
  readonly fragment: Record<string, unknown>;
  /** Records that the value at `path` came from `key` of `resource`. */
  readonly from: (path: KeyPath, kind: string, resource: Named, key: KeyPath) => void;
  readonly errors: ConfigIssue[];
  readonly secret: (ref: SecretKeyRef) => { file: string } | undefined;
}

/** The node-to-node mesh and the node inventory (§1.5). */
function deriveMesh(context: Context): void {
  const { cluster, options, self, fragment, from } = context;
  const global = cluster.global;
  const mesh: Record<string, unknown> = {};
  if (global?.nodeToNodeMeshEnabled !== undefined) {
    mesh['enabled'] = global.nodeToNodeMeshEnabled;
    from(['mesh', 'enabled'], 'BGPConfiguration', global, ['spec', 'nodeToNodeMeshEnabled']);
  }
  const nodes: Record<string, unknown>[] = [];
  for (const other of cluster.nodes) {
    const address = other.bgp?.ipv4Address;
    if (other.name === options.nodeName || address === undefined || addressOf(address) === self.ipv4) continue;
    const port = cluster.listenPortOf(other.name);
    const at = ['mesh', 'nodes', nodes.length];
    from(at, 'Node', other, ['spec', 'bgp']);
    from([...at, 'vxlanTunnelAddress'], 'Node', other, ['spec', 'ipv4VXLANTunnelAddr']);
    from([...at, 'vxlanTunnelMac'], 'Node', other, ['spec', 'vxlanTunnelMACAddr']);
    from([...at, 'vxlanTunnelAddressV6'], 'Node', other, ['spec', 'ipv6VXLANTunnelAddr']);
    from([...at, 'vxlanTunnelMacV6'], 'Node', other, ['spec', 'vxlanTunnelMACAddrV6']);
    nodes.push({
      name: other.name,
      ipv4Address: address,
      ...(other.bgp?.ipv6Address !== undefined ? { ipv6Address: other.bgp.ipv6Address } : {}),
      ...(port !== undefined ? { port } : {}),
      asNumber: cluster.asNumberOf(other),
      ...(other.bgp?.routeReflectorClusterID !== undefined ? { routeReflectorClusterId: other.bgp.routeReflectorClusterID } : {}),
      ...vtepOf(other),
    });
  }
  if (nodes.length > 0) mesh['nodes'] = nodes;
  const meshPassword = global?.nodeMeshPassword ? context.secret(global.nodeMeshPassword.secretKeyRef) : undefined;
  if (global && meshPassword) {
    mesh['password'] = meshPassword;
    from(['mesh', 'password'], 'BGPConfiguration', global, ['spec', 'nodeMeshPassword', 'secretKeyRef']);
  }
  if (Object.keys(mesh).length > 0) fragment['mesh'] = mesh;
  if (global?.nodeMeshMaxRestartTime !== undefined) {
    fragment['gracefulRestart'] = { restartTimeSec: global.nodeMeshMaxRestartTime };
    from(['gracefulRestart', 'restartTimeSec'], 'BGPConfiguration', global, ['spec', 'nodeMeshMaxRestartTime']);
  }

}

/** Explicit peers from BGPPeers, and what their config entries cannot hold. */
function derivePeers(context: Context): Record<string, CalicoPeerExtras> {
  const { cluster, self, fragment, from, errors } = context;
  const global = cluster.global;
  const filters = new Map(cluster.resources.bgpFilters.map((f) => [f.name, f]));
  const peers: Record<string, unknown>[] = [];
  const peerExtras: Record<string, CalicoPeerExtras> = {};
  const used = new Set<string>();
  for (const peering of derivePeerings(cluster, self)) {
    const index = peers.length;
    const result = peerFromPeering(peering, {
      localAsNumber: context.localAsNumber,
      meshRestartTimeSet: global?.nodeMeshMaxRestartTime !== undefined,
      secret: context.secret,
      filters,
    });
    errors.push(...result.errors);
    peers.push(result.peer);
    peerExtras[peering.name] = result.extras;
    for (const name of peering.bgpPeer.filters) used.add(name);
    for (const [key, resourceKey] of result.origins) from(['peers', index, ...key], 'BGPPeer', peering.bgpPeer, resourceKey);
  }
  if (peers.length > 0) fragment['peers'] = peers;
  // The BGPFilters this node's peers name, as petrel filters (§1.7).
  const derived = [...used].flatMap((name) => filters.get(name) ?? []).sort(byName);
  if (derived.length > 0) {
    fragment['filters'] = derived.map((filter, i) => {
      from(['filters', i], 'BGPFilter', filter, ['spec']);
      from(['filters', i, 'name'], 'BGPFilter', filter, ['metadata', 'name']);
      return filterEntry(filter);
    });
  }

  return peerExtras;
}

/** Pools and this node's blocks (§1.2). */
function deriveIpam(context: Context): void {
  const { cluster, options, fragment, from } = context;
  const pools = [...cluster.resources.ipPools].sort(byName);
  if (pools.length > 0) {
    fragment['pools'] = pools.map((pool, i) => {
      from(['pools', i], 'IPPool', pool, ['spec']);
      for (const key of ['cidr', 'blockSize', 'ipipMode', 'vxlanMode'] as const) from(['pools', i, key], 'IPPool', pool, ['spec', key]);
      const { cidr, blockSize, ipipMode, vxlanMode, natOutgoing, disabled, disableBGPExport } = pool;
      return { cidr, ...(blockSize !== undefined ? { blockSize } : {}), ipipMode, vxlanMode, natOutgoing, disabled, disableBGPExport };
    });
  }
  const blocks: string[] = [];
  for (const affinity of [...cluster.resources.blockAffinities].sort(byName)) {
    if (affinity.node !== options.nodeName || affinity.deleted) continue;
    // Pending and pendingDeletion affinities are not yet (or no longer) this node's (§1.2).
    if (affinity.state !== undefined && affinity.state !== 'confirmed') continue;
    const prefix = mustParsePrefix(affinity.cidr);
    if (prefix.length === (prefix.family === 4 ? 32 : 128)) continue;
    from(['blocks', blocks.length], 'BlockAffinity', affinity, ['spec', 'cidr']);
    blocks.push(affinity.cidr);
  }
  if (blocks.length > 0) fragment['blocks'] = blocks;

}

/** Service ranges (§1.6) and prefix advertisements (§1.3 step 4). */
function derivePolicy(context: Context): void {
  const { cluster, options, fragment, from, errors } = context;
  const global = cluster.global;
  const nodeConfig = cluster.nodeConfig(options.nodeName);
  if (global) {
    for (const key of ['serviceClusterIPs', 'serviceExternalIPs', 'serviceLoadBalancerIPs'] as const) {
      const list = global[key];
      if (list === undefined || list.length === 0) continue;
      fragment[key] = list;
      list.forEach((_, i) => from([key, i], 'BGPConfiguration', global, ['spec', key, i, 'cidr']));
    }
  }
  // Felix's normal route priority (confd reads the default BGPConfiguration's only).
  const priority: Record<string, number> = {};
  for (const [family, key] of [['ipv4', 'ipv4NormalRoutePriority'], ['ipv6', 'ipv6NormalRoutePriority']] as const) {
    const value = global?.[key];
    if (global === undefined || value === undefined) continue;
    priority[family] = value;
    from(['normalRoutePriority', family], 'BGPConfiguration', global, ['spec', key]);
  }
  if (Object.keys(priority).length > 0) fragment['normalRoutePriority'] = priority;
  if (global?.programClusterRoutes !== undefined) {
    fragment['programClusterRoutes'] = global.programClusterRoutes;
    from(['programClusterRoutes'], 'BGPConfiguration', global, ['spec', 'programClusterRoutes']);
  }
  const advertConfig = nodeConfig?.prefixAdvertisements !== undefined ? nodeConfig : global?.prefixAdvertisements !== undefined ? global : undefined;
  if (advertConfig?.prefixAdvertisements && advertConfig.prefixAdvertisements.length > 0) {
    const communityConfigs = [nodeConfig, global].filter((c): c is CalicoBgpConfiguration => c !== undefined);
    fragment['prefixAdvertisements'] = advertConfig.prefixAdvertisements.map((advert, i) => {
      from(['prefixAdvertisements', i], 'BGPConfiguration', advertConfig, ['spec', 'prefixAdvertisements', i]);
      const communities = advert.communities.map((text, j) => {
        const named = communityConfigs.map((c) => c.communities?.find((entry) => entry.name === text)).find((entry) => entry !== undefined);
        if (named) return named.value;
        if (!/^\d+:\d+(:\d+)?$/.test(text)) {
          errors.push(issueAt(advertConfig.source, ['spec', 'prefixAdvertisements', i, 'communities', j], `"${text}" is neither a community (a:b, a:b:c) nor a name in spec.communities`));
        }
        from(['prefixAdvertisements', i, 'communities', j], 'BGPConfiguration', advertConfig, ['spec', 'prefixAdvertisements', i, 'communities', j]);
        return text;
      });
      return { cidr: advert.cidr, communities };
    });
  }

}

interface PeerContext {
  readonly localAsNumber: number;
  readonly meshRestartTimeSet: boolean;
  readonly secret: (ref: SecretKeyRef) => { file: string } | undefined;
  readonly filters: ReadonlyMap<string, CalicoBgpFilter>;
}

/** One peering as a petrel peer entry, the keys it came from, and what the entry cannot hold. */
function peerFromPeering(
  peering: Peering,
  context: PeerContext,
): { peer: Record<string, unknown>; origins: [KeyPath, KeyPath][]; extras: CalicoPeerExtras; errors: ConfigIssue[] } {
  const spec: CalicoBgpPeer = peering.bgpPeer;
  const origins: [KeyPath, KeyPath][] = [
    [[], ['spec']],
    [['name'], ['spec', peering.addressKey]],
    [['address'], ['spec', peering.addressKey]],
  ];
  const errors: ConfigIssue[] = [];
  const peer: Record<string, unknown> = {
    name: peering.name,
    address: peering.address,
    ...(peering.port !== undefined ? { port: peering.port } : {}),
    asNumber: peering.asNumber,
  };
  if (peering.passive) peer['passive'] = true;
  if (peering.routeReflectorClusterId !== undefined) peer['routeReflectorClusterId'] = peering.routeReflectorClusterId;
  if (spec.keepaliveTime !== undefined) {
    peer['keepaliveSec'] = spec.keepaliveTime;
    origins.push([['keepaliveSec'], ['spec', 'keepaliveTime']]);
  }
  // Next hop: nextHopMode, else the legacy keepOriginalNextHop, which confd applies to eBGP only.
  const localAs = spec.localASNumber ?? context.localAsNumber;
  const nextHopMode = spec.nextHopMode ?? (spec.keepOriginalNextHop && peering.asNumber !== localAs ? 'Keep' : undefined);
  if (nextHopMode !== undefined) {
    peer['nextHopMode'] = nextHopMode;
    origins.push([['nextHopMode'], ['spec', spec.nextHopMode ? 'nextHopMode' : 'keepOriginalNextHop']]);
  }
  const password = spec.password ? context.secret(spec.password.secretKeyRef) : undefined;
  if (password) {
    peer['password'] = password;
    origins.push([['password'], ['spec', 'password', 'secretKeyRef']]);
  }
  if (spec.ttlSecurity !== undefined) {
    peer['ttlSecurity'] = spec.ttlSecurity;
    origins.push([['ttlSecurity'], ['spec', 'ttlSecurity']]);
  }
  // BGPPeer sessions take maxRestartTime, else BIRD's 120 s: not the mesh's nodeMeshMaxRestartTime.
  if (spec.maxRestartTime !== undefined) {
    peer['gracefulRestart'] = { restartTimeSec: spec.maxRestartTime };
    origins.push([['gracefulRestart'], ['spec', 'maxRestartTime']]);
  } else if (context.meshRestartTimeSet) {
    peer['gracefulRestart'] = { restartTimeSec: DEFAULT_RESTART_TIME_SEC };
  }
  if (spec.localASNumber !== undefined) {
    peer['localAsNumber'] = spec.localASNumber;
    origins.push([['localAsNumber'], ['spec', 'localASNumber']]);
  }
  if (spec.numAllowedLocalASNumbers !== undefined) {
    peer['numAllowedLocalAsNumbers'] = spec.numAllowedLocalASNumbers;
    origins.push([['numAllowedLocalAsNumbers'], ['spec', 'numAllowedLocalASNumbers']]);
  }
  spec.filters.forEach((name, i) => {
    if (!context.filters.has(name)) errors.push(issueAt(spec.source, ['spec', 'filters', i], `no BGPFilter named "${name}" in calicoResources`));
  });
  if (spec.filters.length > 0) {
    peer['filters'] = [...spec.filters];
    origins.push([['filters'], ['spec', 'filters']]);
  }
  const extras: CalicoPeerExtras = {
    bgpPeer: spec.name,
    ...(spec.reachableBy !== undefined ? { reachableBy: spec.reachableBy } : {}),
    sourceAddress: spec.sourceAddress,
  };
  return { peer, origins, extras, errors };
}

/** A BGPFilter as a petrel `filters` entry: its name and the rule lists that have rules. */
function filterEntry(filter: CalicoBgpFilter): Record<string, unknown> {
  const entry: Record<string, unknown> = { name: filter.name };
  for (const key of ['exportV4', 'importV4', 'exportV6', 'importV6'] as const) if (filter[key].length > 0) entry[key] = filter[key];
  return entry;
}

/** BGPConfiguration names are `default` or `node.<name>`; per-node ones set only a few keys. */
function checkConfigurationNames(configs: readonly CalicoBgpConfiguration[]): ConfigIssue[] {
  const errors: ConfigIssue[] = [];
  for (const config of configs) {
    if (config.name === GLOBAL_CONFIG_NAME) continue;
    if (!config.name.startsWith(NODE_CONFIG_PREFIX) || config.name === NODE_CONFIG_PREFIX) {
      errors.push(issueAt(config.source, ['metadata', 'name'], `BGPConfiguration names are "default" or "node.<node name>", not "${config.name}"`));
      continue;
    }
    for (const key of GLOBAL_ONLY_KEYS) {
      if (config[key] === undefined) continue;
      errors.push(issueAt(config.source, ['spec', key], `${key} is cluster-wide: confd reads it from the "default" BGPConfiguration only`, true));
    }
  }
  return errors;
}

/** A node's VTEP in the config's terms; a MAC without a VTEP address means nothing to Felix either. */
function vtepOf(node: CalicoNode): Record<string, string> {
  const v4 = node.ipv4VXLANTunnelAddr === undefined ? {} : { vxlanTunnelAddress: node.ipv4VXLANTunnelAddr, ...(node.vxlanTunnelMACAddr !== undefined ? { vxlanTunnelMac: node.vxlanTunnelMACAddr } : {}) };
  const v6 = node.ipv6VXLANTunnelAddr === undefined ? {} : { vxlanTunnelAddressV6: node.ipv6VXLANTunnelAddr, ...(node.vxlanTunnelMACAddrV6 !== undefined ? { vxlanTunnelMacV6: node.vxlanTunnelMACAddrV6 } : {}) };
  return { ...v4, ...v6 };
}

function byName(a: Named, b: Named): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
