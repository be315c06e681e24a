/**
 * The lab's machines as network namespaces (SPEC §5), built from a plan (plan.ts) and torn
 * down by namespace name — also when building fails half-way, on SIGINT/SIGTERM and at exit
 * (cleanup.ts).
 *
 * - The router namespace holds one bridge per subnet (the subnet's switch, with the router's
 *   IPv4 and IPv6 addresses on it) and forwards between them, both families.
 * - Each node and the reflector is a namespace whose NIC `eth0` is a veth to its subnet's
 *   bridge, with its underlay addresses and default routes via the router; forwarding on.
 * - Each pod is a namespace wired exactly as Calico's CNI plugin and Felix do it (CALICO.md §3):
 *   `eth0` holds the pod address as /32 with a default route via 169.254.1.1, made reachable by
 *   `169.254.1.1 dev eth0 scope link`; the host end `cali<hash>` in the node has the MAC
 *   ee:ee:ee:ee:ee:ee and proxy ARP on (so it answers for 169.254.1.1), and the node routes the
 *   pod with `<pod>/32 dev cali… scope link proto boot metric 1024`, protocol 3 and the normal
 *   route priority as Felix writes it. IPv6 likewise: the pod address as /128 and a default
 *   route `via fe80::ecee:eeff:feee:eeee dev eth0`, the host end's own link-local address (no
 *   proxy needed), and `<pod>/128 dev cali… proto boot metric 1024` in the node.
 * - Duplicate address detection is off in every namespace (new interfaces included): an address
 *   would otherwise be unusable for a second or more, and nothing here can clash.
 * - With `ipipStandIn`, each node gets a `tunl0` that is a veth, not an IPIP device: this kernel
 *   has no ipip module, so IPIP pools are checked by the exact routes petrel installs on it, not
 *   by traffic.
 *
 * Names: every namespace is `<prefix>-<role>`, the prefix unique per lab (`plab-<pid>-<n>`), so
 * several labs and tests run side by side; interfaces live inside the namespaces and never meet
 * the host's.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { registerTeardown } from './cleanup.js';
import { ipIn, runOk, sysctlIn } from './exec.js';
import { type HostPlan, type LabPlan, type PodPlan, POD_GATEWAY, POD_GATEWAY_V6, SUBNETS, withSubnetLength } from './plan.js';

/** The host end of every pod veth, as Felix sets it. */
const CALI_MAC = 'ee:ee:ee:ee:ee:ee';
/** RTPROT_BOOT: Felix's `deviceRouteProtocol` default for pod routes. */
const POD_ROUTE_PROTOCOL = 'boot';
/**
 * Felix's `ipv4NormalRoutePriority`: a pod route below it is a live-migration route that Calico
 * exports; at it, the /32 stays beneath the block (CALICO.md §1.3 `calico_aggr`).
 */
const POD_ROUTE_METRIC = 1024;
/** Router, nodes and reflector forward both families, with no IPv4 reverse-path filter. */
const FORWARDING_SYSCTLS = ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', 'net.ipv6.conf.all.forwarding=1'];
/** No duplicate address detection: addresses, link-local ones included, are usable at once. */
const NO_DAD_SYSCTLS = ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'];
export const IPIP_STAND_IN = 'tunl0';

let labCounter = 0;

export interface TopologyOptions {
  readonly plan: LabPlan;
  /** Give each node a veth named tunl0 (IPIP pools: routes only, no traffic). */
  readonly ipipStandIn?: boolean;
  /** Namespace name prefix; default `plab-<pid>-<n>`. */
  readonly prefix?: string;
}

/** The Calico-style host-side name of a pod's veth: `cali` and 11 hex digits of a hash. */
export function caliName(workload: string): string {
  return `cali${createHash('sha1').update(workload).digest('hex').slice(0, 11)}`;
}

export class LabTopology {
  readonly prefix: string;
  readonly plan: LabPlan;
  /** Namespaces in creation order; deleted newest first. */
  readonly #namespaces: string[] = [];
  readonly #pods = new Map<string, { readonly node: string; readonly cali: string }>();
  #unregister: (() => void) | undefined;
  /** The namespace deletion in progress (see `#removeAll`). */
  #removal: Promise<void> | undefined;

  private constructor(prefix: string, plan: LabPlan) {
    this.prefix = prefix;
    this.plan = plan;
  }

  /** Builds the whole topology; on any failure removes what it created and rethrows. */
  static async build(options: TopologyOptions): Promise<LabTopology> {
    labCounter += 1;
    const topology = new LabTopology(options.prefix ?? `plab-${process.pid}-${labCounter}`, options.plan);
    topology.#unregister = registerTeardown({ label: `lab ${topology.prefix}`, run: () => topology.#removeAll(), runSync: () => topology.#removeAllSync() });
    try {
      await topology.#buildRouter();
      const hosts: HostPlan[] = [...options.plan.nodes, ...(options.plan.reflector ? [options.plan.reflector] : [])];
      for (const host of hosts) await topology.#buildHost(host, options.ipipStandIn === true && host !== options.plan.reflector);
      for (const node of options.plan.nodes) for (const pod of node.pods) await topology.addPod(node.name, pod);
    } catch (err) {
      await topology.teardown();
      throw err;
    }
    return topology;
  }

  get routerNamespace(): string {
    return `${this.prefix}-router`;
  }

  /** The namespace of a node, the reflector, or a pod, by its plan name. */
  namespaceOf(name: string): string {
    return `${this.prefix}-${name}`;
  }

  /** The namespaces that exist now, oldest first. */
  get namespaces(): readonly string[] {
    return [...this.#namespaces];
  }

  /** The host-side interface of a pod, while it exists. */
  caliOf(pod: string): string | undefined {
    return this.#pods.get(pod)?.cali;
  }

  /** Wires a pod into a node as Calico does; returns the host-side interface name. */
  async addPod(nodeName: string, pod: PodPlan): Promise<string> {
    const node = this.namespaceOf(nodeName);
    const ns = this.namespaceOf(pod.name);
    const cali = caliName(`${this.prefix}/${pod.name}`);
    await this.#addNamespace(ns);
    this.#pods.set(pod.name, { node: nodeName, cali });
    await runOk('ip', ['link', 'add', 'name', cali, 'netns', node, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await ipIn(node, 'link', 'set', cali, 'address', CALI_MAC);
    // proxy_delay 0: answer ARP for 169.254.1.1 at once, as Felix configures it.
    await sysctlIn(node, [`net.ipv4.conf.${cali}.proxy_arp=1`, `net.ipv4.neigh.${cali}.proxy_delay=0`, `net.ipv4.conf.${cali}.rp_filter=0`]);
    await ipIn(node, 'link', 'set', cali, 'up');
    await ipIn(ns, 'addr', 'add', `${pod.ip}/32`, 'dev', 'eth0');
    await ipIn(ns, 'link', 'set', 'eth0', 'up');
    await ipIn(ns, 'route', 'add', POD_GATEWAY, 'dev', 'eth0', 'scope', 'link');
    await ipIn(ns, 'route', 'add', 'default', 'via', POD_GATEWAY, 'dev', 'eth0');
    await ipIn(node, 'route', 'add', `${pod.ip}/32`, 'dev', cali, 'scope', 'link', 'proto', POD_ROUTE_PROTOCOL, 'metric', String(POD_ROUTE_METRIC));
    if (pod.ip6 !== undefined) await wirePodIpv6(node, ns, cali, pod.ip6);
    return cali;
  }

  /** Removes a pod as the CNI plugin and Felix would: its route, its veth, its namespace. */
  async removePod(podName: string): Promise<void> {
    const pod = this.#pods.get(podName);
    if (pod === undefined) return;
    const ns = this.namespaceOf(podName);
    // Deleting the veth takes the /32 route on it with it.
    await ipIn(this.namespaceOf(pod.node), 'link', 'del', pod.cali);
    this.#pods.delete(podName);
    await this.#deleteNamespace(ns);
  }

  /** Pulls a node's cable: its veth to the switch goes, so its peers hear nothing more from it. */
  async unplug(hostName: string): Promise<void> {
    await ipIn(this.routerNamespace, 'link', 'del', hostName);
  }

  /** Leaves the namespaces in place when this process exits (`petrel lab --keep`). */
  release(): void {
    this.#unregister?.();
    this.#unregister = undefined;
  }

  /** Deletes every namespace of this lab, newest first. Processes inside must be stopped first. */
  async teardown(): Promise<void> {
    this.#unregister?.();
    this.#unregister = undefined;
    await this.#removeAll();
  }

  async #buildRouter(): Promise<void> {
    const ns = this.routerNamespace;
    await this.#addNamespace(ns);
    await sysctlIn(ns, FORWARDING_SYSCTLS);
    for (const subnet of Object.values(SUBNETS)) {
      // No multicast snooping: with no MLD querier on the link it could hold back neighbour solicitations.
      await ipIn(ns, 'link', 'add', subnet.bridge, 'type', 'bridge', 'mcast_snooping', '0');
      await ipIn(ns, 'addr', 'add', withSubnetLength(subnet.gateway), 'dev', subnet.bridge);
      await ipIn(ns, 'addr', 'add', withSubnetLength(subnet.gateway6), 'dev', subnet.bridge, 'nodad');
      await ipIn(ns, 'link', 'set', subnet.bridge, 'up');
    }
  }

  async #buildHost(host: HostPlan, ipipStandIn: boolean): Promise<void> {
    const ns = this.namespaceOf(host.name);
    const subnet = SUBNETS[host.subnet];
    await this.#addNamespace(ns);
    await sysctlIn(ns, FORWARDING_SYSCTLS);
    // The switch port in the router namespace is named after the host.
    await runOk('ip', ['link', 'add', 'name', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', host.name, 'netns', this.routerNamespace]);
    await ipIn(this.routerNamespace, 'link', 'set', host.name, 'master', subnet.bridge);
    await ipIn(this.routerNamespace, 'link', 'set', host.name, 'up');
    await ipIn(ns, 'addr', 'add', withSubnetLength(host.address), 'dev', 'eth0');
    await ipIn(ns, 'addr', 'add', withSubnetLength(host.address6), 'dev', 'eth0', 'nodad');
    await ipIn(ns, 'link', 'set', 'eth0', 'up');
    await ipIn(ns, 'route', 'add', 'default', 'via', subnet.gateway, 'dev', 'eth0');
    await ipIn(ns, '-6', 'route', 'add', 'default', 'via', subnet.gateway6, 'dev', 'eth0');
    if (ipipStandIn) {
      await ipIn(ns, 'link', 'add', IPIP_STAND_IN, 'type', 'veth', 'peer', 'name', `${IPIP_STAND_IN}-peer`);
      await ipIn(ns, 'link', 'set', `${IPIP_STAND_IN}-peer`, 'up');
      await ipIn(ns, 'link', 'set', IPIP_STAND_IN, 'up');
    }
  }

  async #addNamespace(name: string): Promise<void> {
    await runOk('ip', ['netns', 'add', name]);
    this.#namespaces.push(name);
    await sysctlIn(name, NO_DAD_SYSCTLS);
    await ipIn(name, 'link', 'set', 'lo', 'up');
  }

  async #deleteNamespace(name: string): Promise<void> {
    const index = this.#namespaces.indexOf(name);
    if (index < 0) return;
    await runOk('ip', ['netns', 'del', name]);
    this.#namespaces.splice(index, 1);
  }

  /**
   * Deletes every namespace. Ctrl-C runs this (cleanup.ts) while the lab's own run, failing for
   * it, calls `teardown`: concurrent callers share one pass, as two would fail on each other's
   * deletions ("Cannot remove namespace file").
   */
  #removeAll(): Promise<void> {
    this.#removal ??= this.#removeEach().finally(() => {
      this.#removal = undefined;
    });
    return this.#removal;
  }

  async #removeEach(): Promise<void> {
    const failures: string[] = [];
    for (const name of [...this.#namespaces].reverse()) {
      try {
        await this.#deleteNamespace(name);
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err));
      }
    }
    this.#pods.clear();
    if (failures.length > 0) throw new Error(failures.join('; '));
  }

  #removeAllSync(): void {
    for (const name of [...this.#namespaces].reverse()) {
      try {
        execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
      } catch {
        // Already gone.
      }
    }
    this.#namespaces.length = 0;
  }
}

/**
 * A pod's IPv6 as Calico's CNI plugin wires it: the address as /128 on the pod's eth0, the
 * default route via the host end's link-local address (from its MAC ee:ee:ee:ee:ee:ee), and
 * Felix's /128 to the pod in the node (IPv6 routes have no scope to give).
 */
async function wirePodIpv6(node: string, pod: string, cali: string, address: string): Promise<void> {
  await ipIn(pod, 'addr', 'add', `${address}/128`, 'dev', 'eth0', 'nodad');
  await ipIn(pod, '-6', 'route', 'add', 'default', 'via', POD_GATEWAY_V6, 'dev', 'eth0');
  await ipIn(node, '-6', 'route', 'add', `${address}/128`, 'dev', cali, 'proto', POD_ROUTE_PROTOCOL, 'metric', String(POD_ROUTE_METRIC));
}
