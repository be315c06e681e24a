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
 * VTEPs: until Calico `Node` resources are mapped, a remote node's VTEP comes from its mesh entry
 * (`vxlanTunnelAddress`, `vxlanTunnelMac`, default MAC derived from the node IP).
 */
import { effectivePeers } from '../config/peers.js';
import { addressOf } from '../config/prefixes.js';
import { EncapMode, type Config } from '../config/schema.js';
import { Encapsulation, type EncapOptions } from '../kernel/encap.js';
import type { KernelLog } from '../kernel/fib-port.js';
import { routesByState } from '../kernel/metrics.js';
import { KernelSyncer } from '../kernel/syncer.js';
import { VxlanPlane, vtepMacFor, type VtepRemote } from '../kernel/vxlan.js';
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
    vxlanDevice: config.vxlan.device,
  };
}

/** The interface of each link-local peer, by peer name: where its link-local next hops lead (RFC 2545 §3). */
export function peerInterfacesOf(config: Config): Map<string, string> {
  return new Map(effectivePeers(config).flatMap((peer) => (peer.interface === undefined ? [] : [[peer.name, peer.interface] as const])));
}

/** Whether some pool sends traffic through VXLAN. */
export function usesVxlan(config: Config): boolean {
  return config.pools.some((pool) => pool.vxlanMode !== EncapMode.NEVER);
}

/** The remote VTEPs the mesh entries name. */
export function vtepRemotesOf(config: Config): VtepRemote[] {
  return config.mesh.nodes.flatMap((node) => {
    if (node.vxlanTunnelAddress === undefined) return [];
    const nodeIp = addressOf(node.ipv4Address);
    return [{ vtepIp: node.vxlanTunnelAddress, vtepMac: node.vxlanTunnelMac ?? vtepMacFor(nodeIp), nodeIp }];
  });
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
  #vxlan: VxlanPlane | undefined;
  #remotes: VtepRemote[] = [];
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
      environment: { interfaces: this.fib.interfaces, vtepFor: (nodeIp) => this.#vxlan?.vtepFor(nodeIp) },
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
    await this.#setUpVxlan(this.#config);
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
    if (this.#vxlan === undefined) await this.#setUpVxlan(config);
    else if (!sameRemotes(this.#remotes, vtepRemotesOf(config))) await this.#setRemotes(this.#vxlan, vtepRemotesOf(config));
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
    this.#vxlan?.close();
  }

  /** For `show status`: routes by state. */
  summary(): string {
    const counts = routesByState(this.fib.dump().routes);
    return Object.entries(counts)
      .map(([state, n]) => `${n} ${state}`)
      .join(', ');
  }

  async #setUpVxlan(config: Config): Promise<void> {
    if (!usesVxlan(config)) return;
    const nodeAddress = config.node.ipv4Address;
    if (nodeAddress === undefined) {
      this.#log.error({}, 'a pool uses VXLAN but node.ipv4Address is not set: no VXLAN device');
      return;
    }
    const plane = new VxlanPlane({
      device: config.vxlan.device,
      vni: config.vxlan.vni,
      port: config.vxlan.port,
      mtu: config.vxlan.mtu,
      nodeIp: addressOf(nodeAddress),
      ...(config.node.vxlanTunnelAddress !== undefined ? { vtepIp: config.node.vxlanTunnelAddress } : {}),
      ...(config.node.vxlanTunnelMac !== undefined ? { vtepMac: config.node.vxlanTunnelMac } : {}),
      log: this.#log,
    });
    try {
      await plane.ensureDevice();
    } catch (error) {
      plane.close();
      this.#log.error({ err: error, device: config.vxlan.device }, 'cannot set up the VXLAN device: routes through it are not installed');
      return;
    }
    this.#vxlan = plane;
    await this.#setRemotes(plane, vtepRemotesOf(config));
  }

  async #setRemotes(plane: VxlanPlane, remotes: VtepRemote[]): Promise<void> {
    try {
      await plane.setRemotes(remotes);
      this.#remotes = remotes;
    } catch (error) {
      this.#log.error({ err: error }, 'cannot program the VXLAN neighbours');
    }
    // Routes waiting for a VTEP, or through an old one, are decided again.
    this.sink.reprogram();
  }
}
