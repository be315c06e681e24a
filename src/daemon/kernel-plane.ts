/**
 * The kernel side of a node speaker, built from the config: the FIB syncer (src/kernel/syncer.ts),
 * the VXLAN device and its neighbours when a pool uses VXLAN (vxlan.ts), and the sink between
 * them and the RIB (kernel-sink.ts). A central reflector (`kernel.enabled: false`) has none.
 *
 * Persist and graceful restart (RFC 4724 §4.1, SPEC §8): routes petrel left in the kernel are
 * adopted at start and kept while the peers resend their tables; once every configured peer has
 * sent End-of-RIB, or the restart time has passed, the adopted routes nobody asked for again are
 * deleted (`releaseStale`). On stop the sink is frozen first, so the RIB emptying as sessions
 * close never reaches the kernel, and with `persist` the routes stay.
 *
 * VTEPs: a remote node's VTEP comes from its mesh entry (`vxlanTunnelAddress`, `vxlanTunnelMac`,
 * default MAC derived from the node IP), which Calico `Node` resources fill in. IPv6 pools with
 * VXLAN get Felix's second device, `vxlan-v6.calico`, over `node.ipv6Address`, with the entries'
 * `vxlanTunnelAddressV6` / `vxlanTunnelMacV6`: same VNI and port, and an MTU 20 octets below
 * `vxlan.mtu` (an IPv6 underlay header is 40 octets, IPv4's 20: Felix's 70 against 50 overhead).
 */
import { effectivePeers } from '../config/peers.js';
import { addressOf } from '../config/prefixes.js';
import { EncapMode, type Config } from '../config/schema.js';
import { Encapsulation, VXLAN_DEVICE_V6, type EncapOptions } from '../kernel/encap.js';
import type { KernelLog } from '../kernel/fib-port.js';
import { routesByState } from '../kernel/metrics.js';
import { KernelSyncer } from '../kernel/syncer.js';
import { VxlanPlane, vtepMacFor, type VtepRemote, type VxlanPlaneOptions } from '../kernel/vxlan.js';
import { KernelSink, type SinkRib } from './kernel-sink.js';
import { serviceRanges } from './policy.js';
import { realTimers, type CancelTimer, type Timers } from './speaker.js';

/** What encapsulation reads from the config (CALICO.md §1.4). */
export function encapOptionsOf(config: Config): EncapOptions {
  return {
    pools: config.pools,
    // Every service range is advertised and none is installed from peers (confd `/rejectcidrs`).
    serviceRanges: [...new Set([...serviceRanges(config), ...config.serviceLoadBalancerIPs])],
    ...(config.node.ipv4Address !== undefined ? { nodeIpv4Address: config.node.ipv4Address } : {}),
    ...(config.node.ipv6Address !== undefined ? { nodeIpv6Address: config.node.ipv6Address } : {}),
    vxlanDevice: config.vxlan.device,
    vxlanDeviceV6: VXLAN_DEVICE_V6,
    programClusterRoutes: config.programClusterRoutes,
  };
}

/** The underlay family of a VXLAN device: IPv4 pools ride vxlan.calico, IPv6 pools vxlan-v6.calico. */
export type VxlanFamily = 4 | 6;

/** An IPv6 underlay header is 20 octets longer than an IPv4 one (RFC 8200 §3, RFC 791 §3.1). */
const IPV6_EXTRA_OVERHEAD = 20;

/** The interface of each link-local peer, by peer name: where its link-local next hops lead (RFC 2545 §3). */
export function peerInterfacesOf(config: Config): Map<string, string> {
  return new Map(effectivePeers(config).flatMap((peer) => (peer.interface === undefined ? [] : [[peer.name, peer.interface] as const])));
}

/** Whether some pool (of `family`, when given) sends traffic through VXLAN. */
export function usesVxlan(config: Config, family?: VxlanFamily): boolean {
  return config.pools.some((pool) => pool.vxlanMode !== EncapMode.NEVER && (family === undefined || (pool.cidr.includes(':') ? 6 : 4) === family));
}

/** The remote VTEPs of one family the mesh entries name. */
export function vtepRemotesOf(config: Config, family: VxlanFamily = 4): VtepRemote[] {
  return config.mesh.nodes.flatMap((node) => {
    if (family === 4) {
      if (node.vxlanTunnelAddress === undefined) return [];
      const nodeIp = addressOf(node.ipv4Address);
      return [{ vtepIp: node.vxlanTunnelAddress, vtepMac: node.vxlanTunnelMac ?? vtepMacFor(nodeIp), nodeIp }];
    }
    if (node.vxlanTunnelAddressV6 === undefined || node.ipv6Address === undefined) return [];
    const nodeIp = addressOf(node.ipv6Address);
    return [{ vtepIp: node.vxlanTunnelAddressV6, vtepMac: node.vxlanTunnelMacV6 ?? vtepMacFor(nodeIp), nodeIp }];
  });
}

/** The VXLAN device of one family, or undefined when this node has no underlay address of that family. */
export function vxlanPlaneOptionsOf(config: Config, family: VxlanFamily): Omit<VxlanPlaneOptions, 'log'> | undefined {
  const { node, vxlan } = config;
  const address = family === 4 ? node.ipv4Address : node.ipv6Address;
  if (address === undefined) return undefined;
  const vtepIp = family === 4 ? node.vxlanTunnelAddress : node.vxlanTunnelAddressV6;
  const vtepMac = family === 4 ? node.vxlanTunnelMac : node.vxlanTunnelMacV6;
  return {
    device: family === 4 ? vxlan.device : VXLAN_DEVICE_V6,
    vni: vxlan.vni,
    port: vxlan.port,
    mtu: family === 4 ? vxlan.mtu : vxlan.mtu - IPV6_EXTRA_OVERHEAD,
    nodeIp: addressOf(address),
    ...(vtepIp !== undefined ? { vtepIp } : {}),
    ...(vtepMac !== undefined ? { vtepMac } : {}),
  };
}

function sameRemotes(a: readonly VtepRemote[], b: readonly VtepRemote[]): boolean {
  const key = (r: VtepRemote): string => `${r.nodeIp} ${r.vtepIp} ${r.vtepMac}`;
  const keys = new Set(a.map(key));
  return a.length === b.length && b.every((r) => keys.has(key(r)));
}

export interface KernelPlaneOptions {
  readonly config: Config;
  readonly rib: SinkRib;
  readonly log: KernelLog;
  readonly timers?: Timers;
}

export class KernelPlane {
  readonly fib: KernelSyncer;
  readonly sink: KernelSink;
  readonly #log: KernelLog;
  readonly #timers: Timers;
  #config: Config;
  /** The VXLAN planes set up, by underlay family, with the remotes last programmed. */
  readonly #vxlan = new Map<VxlanFamily, { readonly plane: VxlanPlane; remotes: VtepRemote[] }>();
  #peerInterfaces: Map<string, string>;
  /** Peers whose End-of-RIB the stale release still waits for; undefined once released. */
  #awaiting: Set<string> | undefined;
  #cancelRelease: CancelTimer | undefined;

  constructor(options: KernelPlaneOptions) {
    const { config, log } = options;
    this.#config = config;
    this.#log = log;
    this.#timers = options.timers ?? realTimers;
    this.#peerInterfaces = peerInterfacesOf(config);
    this.fib = new KernelSyncer({
      table: config.kernel.table,
      protocol: config.kernel.routeProtocol,
      learn: config.kernel.learn,
      persist: config.kernel.persist,
      log,
    });
    this.sink = new KernelSink({
      fib: this.fib,
      encap: new Encapsulation(encapOptionsOf(config)),
      environment: { interfaces: this.fib.interfaces, vtepFor: (nodeIp) => this.#vxlan.get(nodeIp.includes(':') ? 6 : 4)?.plane.vtepFor(nodeIp) },
      localBlocks: config.blocks,
      rib: options.rib,
      log,
      peerInterface: (peerName) => this.#peerInterfaces.get(peerName),
    });
  }

  /** Dumps and adopts what the kernel holds, learns other owners' routes, sets up VXLAN, installs the blocks. */
  async start(): Promise<void> {
    this.sink.watch();
    await this.fib.start();
    for (const family of [4, 6] as const) await this.#setUpVxlan(this.#config, family);
    this.sink.installBlocks();
  }

  /**
   * Waits for End-of-RIB from each of `peers`, or `timeoutSec`, then deletes the adopted routes
   * nobody wanted again (RFC 4724 §4.1).
   */
  awaitTables(peers: readonly string[], timeoutSec: number): void {
    this.#awaiting = new Set(peers);
    this.#cancelRelease = this.#timers.after(timeoutSec * 1000, () => {
      if (this.#awaiting === undefined) return;
      this.#log.info({ waitingFor: [...this.#awaiting], timeoutSec }, 'not every peer sent End-of-RIB in time: releasing stale kernel routes');
      this.#release();
    });
    if (this.#awaiting.size === 0) this.#release();
  }

  /** A peer's table is complete (End-of-RIB for every family), or the peer is no longer configured. */
  tableComplete(peer: string): void {
    if (this.#awaiting?.delete(peer) !== true || this.#awaiting.size > 0) return;
    this.#log.info({}, 'End-of-RIB from every peer: releasing stale kernel routes');
    this.#release();
  }

  #release(): void {
    this.#awaiting = undefined;
    this.#cancelRelease?.();
    this.#cancelRelease = undefined;
    // After the RIB's pending batch (queued earlier on the same event-loop queue) reached the
    // syncer: routes the peers sent again must not be deleted and re-added.
    setImmediate(() => this.fib.releaseStale());
  }

  /** A new config: encapsulation, blocks and VTEPs apply now; kernel and VXLAN device settings at the next start. */
  async reload(config: Config): Promise<void> {
    this.#config = config;
    this.#peerInterfaces = peerInterfacesOf(config);
    this.sink.reconfigure(new Encapsulation(encapOptionsOf(config)), config.blocks);
    for (const family of [4, 6] as const) {
      const set = this.#vxlan.get(family);
      if (set === undefined) await this.#setUpVxlan(config, family);
      else if (!sameRemotes(set.remotes, vtepRemotesOf(config, family))) await this.#setRemotes(family, vtepRemotesOf(config, family));
    }
  }

  /** Stop writing: the daemon is about to close its sessions. */
  freeze(): void {
    this.sink.freeze();
    this.#cancelRelease?.();
    this.#cancelRelease = undefined;
  }

  async stop(): Promise<void> {
    this.freeze();
    await this.fib.stop();
    for (const { plane } of this.#vxlan.values()) plane.close();
  }

  /** For `show status`: routes by state. */
  summary(): string {
    const counts = routesByState(this.fib.dump().routes);
    return Object.entries(counts)
      .map(([state, n]) => `${n} ${state}`)
      .join(', ');
  }

  async #setUpVxlan(config: Config, family: VxlanFamily): Promise<void> {
    if (!usesVxlan(config, family)) return;
    const options = vxlanPlaneOptionsOf(config, family);
    if (options === undefined) {
      this.#log.error({}, `a pool uses VXLAN but node.ipv${family}Address is not set: no IPv${family} VXLAN device`);
      return;
    }
    const plane = new VxlanPlane({ ...options, log: this.#log });
    try {
      await plane.ensureDevice();
    } catch (error) {
      plane.close();
      this.#log.error({ err: error, device: options.device }, 'cannot set up the VXLAN device: routes through it are not installed');
      return;
    }
    this.#vxlan.set(family, { plane, remotes: [] });
    await this.#setRemotes(family, vtepRemotesOf(config, family));
  }

  async #setRemotes(family: VxlanFamily, remotes: VtepRemote[]): Promise<void> {
    const set = this.#vxlan.get(family);
    if (set === undefined) return;
    try {
      await set.plane.setRemotes(remotes);
      set.remotes = remotes;
    } catch (error) {
      this.#log.error({ err: error }, 'cannot program the VXLAN neighbours');
    }
    // Routes waiting for a VTEP, or through an old one, are decided again.
    this.sink.reprogram();
  }
}
