/**
 * Calico's VXLAN data plane, which Felix programs in Calico (vxlan_mgr.go) and a standalone
 * petrel must program itself (SPEC §3): the `vxlan.calico` device, and per remote node an ARP
 * entry (remote VTEP IP → remote VTEP MAC, permanent) and an FDB entry (remote VTEP MAC → remote
 * node IP). The route itself, `<block> via <remote VTEP IP> dev vxlan.calico onlink`, is an
 * ordinary petrel route (encap.ts).
 *
 * The device: VNI 4096, UDP port 4789, learning off (the FDB is programmed, RFC 7348 §4 flood and
 * learn is not used), local address the node IP, parent link the NIC holding that IP, MTU from
 * the config, MAC this node's VTEP MAC, address this node's VTEP IP/32. It is created when missing
 * and never recreated when present (recreating would drop every pod flow through it), only set up.
 *
 * IPv6 pools get a second plane of the same kind, as Felix's second VXLAN manager does: the
 * `vxlan-v6.calico` device over the node's IPv6 address (IFLA_VXLAN_LOCAL6, same VNI and port:
 * the kernel keeps an IPv4 and an IPv6 socket apart), the VTEP's IPv6 address as /128, and per
 * remote node a permanent NDP entry and an FDB entry whose destination is the node's IPv6
 * address (RFC 7348 §6: an IPv6 underlay).
 *
 * How a node learns each remote node's VTEP without a datastore: petrel takes `{vtepIp, vtepMac,
 * nodeIp}` per remote node from Calico `Node` resources (`spec.ipv4VXLANTunnelAddr` and
 * `spec.vxlanTunnelMACAddr`, for IPv6 `spec.ipv6VXLANTunnelAddr` and `spec.vxlanTunnelMACAddrV6`,
 * which Felix itself writes, so a cluster's VTEPs carry over unchanged), mapped by the daemon
 * from `calicoResources`. Nodes without a recorded MAC use the deterministic `vtepMacFor(nodeIp)`:
 * `02:50` (a locally administered unicast prefix, IEEE 802 U/L bit) followed by the four octets
 * of the node's IPv4 address, or `02:56` and four octets of a SHA-256 digest of its whole IPv6
 * address (its last four octets alone are the same for `fd00:0:1::11` and `fd00:0:2::11`), so
 * every petrel derives the same MAC for a node with no exchange at all. The BGP alternative (RFC 9012
 * tunnel encapsulation and Router's MAC extended communities on block routes) would need every
 * speaker on the path to carry them; Calico's BIRD does not. This module is the kernel side only:
 * it takes the typed remotes and programs them.
 */
import { createHash } from 'node:crypto';
import { parseIpv4, parseIpv6 } from '../bgp/address.js';
import { RequestChannel, dumpAll } from './channel.js';
import type { KernelLog } from './fib-port.js';
import {
  ADDRESS_REPLACE_FLAGS,
  AddressFamily,
  LINK_CHANGE_FLAGS,
  LINK_CREATE_FLAGS,
  NEIGH_REPLACE_FLAGS,
  NlmFlag,
  type NeighMessage,
  type RequestBatch,
  RtmType,
  addressDump,
  interfaceAddress,
  linkDump,
  linkUp,
  permanentNeighbour,
  vxlanDevice,
  vxlanFdbEntry,
  writeAddressBody,
  writeLinkBody,
  writeNeighBody,
  IffFlag,
  type LinkMessage,
  versionOf,
} from './netlink/index.js';

/** One remote node's VTEP. */
export interface VtepRemote {
  /** The remote VTEP's overlay address: the gateway of routes to that node's blocks. */
  readonly vtepIp: string;
  readonly vtepMac: string;
  /** The remote node's underlay address: the BGP next hop of its blocks, the FDB destination. */
  readonly nodeIp: string;
}

export interface VxlanPlaneOptions {
  readonly device: string;
  readonly vni: number;
  readonly port: number;
  readonly mtu: number;
  /** This node's underlay address (IPv4, or IPv6 for the IPv6 plane): the device's local address; its NIC is the parent link. */
  readonly nodeIp: string;
  /** This node's VTEP address, put on the device as /32 (/128). */
  readonly vtepIp?: string;
  /** This node's VTEP MAC; default `vtepMacFor(nodeIp)`. */
  readonly vtepMac?: string;
  readonly log: KernelLog;
}

/**
 * The deterministic VTEP MAC of a node: 02:50 and the node's IPv4 octets, or 02:56 and the first
 * four octets of the SHA-256 digest of its 16 IPv6 address octets (nodes in different /64s often
 * share an interface identifier, so no fixed four octets of the address tell them apart).
 */
export function vtepMacFor(nodeIp: string): string {
  const v4 = parseIpv4(nodeIp);
  const v6 = v4 === undefined ? parseIpv6(nodeIp) : undefined;
  const tail = v4 ?? (v6 === undefined ? undefined : createHash('sha256').update(v6).digest().subarray(0, 4));
  if (tail === undefined) throw new Error(`not an IP address: ${nodeIp}`);
  return ['02', v4 === undefined ? '56' : '50', ...Array.from(tail, (b) => b.toString(16).padStart(2, '0'))].join(':');
}

export class VxlanError extends Error {
  override readonly name = 'VxlanError';
}

export interface DeviceOutcome {
  readonly index: number;
  readonly created: boolean;
}

export class VxlanPlane {
  readonly #options: VxlanPlaneOptions;
  readonly #channel = new RequestChannel();
  #index: number | undefined;
  /** Programmed remotes by node IP. */
  readonly #remotes = new Map<string, VtepRemote>();

  constructor(options: VxlanPlaneOptions) {
    this.#options = options;
  }

  /** Creates the device when missing (never recreating one), sets it up, and gives it its VTEP address. */
  async ensureDevice(): Promise<DeviceOutcome> {
    const { device, nodeIp } = this.#options;
    const existing = await findLink(device);
    let created = false;
    if (existing === undefined) {
      const parentIndex = await interfaceHolding(nodeIp);
      if (parentIndex === undefined) throw new VxlanError(`no interface holds the node address ${nodeIp}`);
      await this.#send('create', (batch) =>
        batch.add('create', RtmType.NEWLINK, LINK_CREATE_FLAGS, writeLinkBody, vxlanDevice({
          name: device, vni: this.#options.vni, local: nodeIp, parentIndex, port: this.#options.port, learning: false,
          mtu: this.#options.mtu, address: this.#options.vtepMac ?? vtepMacFor(nodeIp),
        })),
      );
      created = true;
      this.#options.log.info({ device, vni: this.#options.vni }, 'created the VXLAN device');
    } else if (existing.kind !== 'vxlan') {
      throw new VxlanError(`${device} exists and is not a vxlan device (${existing.kind ?? 'unknown kind'})`);
    }
    const link = existing ?? (await findLink(device));
    if (link === undefined) throw new VxlanError(`${device} vanished after it was created`);
    this.#index = link.index;
    const vtepIp = this.#options.vtepIp;
    await this.#send('configure', (batch) => {
      if ((link.flags & IffFlag.UP) === 0) batch.add('up', RtmType.NEWLINK, LINK_CHANGE_FLAGS, writeLinkBody, linkUp(link.index));
      if (vtepIp !== undefined) {
        const version = versionOf(vtepIp);
        batch.add('address', RtmType.NEWADDR, ADDRESS_REPLACE_FLAGS, writeAddressBody, interfaceAddress(link.index, version, vtepIp, version === 4 ? 32 : 128));
      }
    });
    return { index: link.index, created };
  }

  /** The VTEP IP of the remote node with this underlay address (for encap.ts). */
  vtepFor(nodeIp: string): string | undefined {
    return this.#remotes.get(nodeIp)?.vtepIp;
  }

  /** Programs the ARP and FDB entries of exactly these remote nodes, removing those of the others. */
  async setRemotes(remotes: readonly VtepRemote[]): Promise<void> {
    const index = this.#index;
    if (index === undefined) throw new VxlanError('ensureDevice() first');
    const next = new Map(remotes.map((r) => [r.nodeIp, r]));
    await this.#send('neighbours', (batch) => {
      for (const [nodeIp, old] of this.#remotes) {
        const now = next.get(nodeIp);
        if (now !== undefined && now.vtepIp === old.vtepIp && now.vtepMac === old.vtepMac) continue;
        deleteNeighbour(batch, `arp ${old.vtepIp}`, permanentNeighbour(index, old.vtepIp, old.vtepMac));
        deleteNeighbour(batch, `fdb ${old.vtepMac}`, vxlanFdbEntry(index, old.nodeIp, old.vtepMac));
      }
      for (const remote of next.values()) {
        const old = this.#remotes.get(remote.nodeIp);
        if (old !== undefined && old.vtepIp === remote.vtepIp && old.vtepMac === remote.vtepMac) continue;
        batch.add(`arp ${remote.vtepIp}`, RtmType.NEWNEIGH, NEIGH_REPLACE_FLAGS, writeNeighBody, permanentNeighbour(index, remote.vtepIp, remote.vtepMac));
        batch.add(`fdb ${remote.vtepMac}`, RtmType.NEWNEIGH, NEIGH_REPLACE_FLAGS, writeNeighBody, vxlanFdbEntry(index, remote.nodeIp, remote.vtepMac));
      }
    });
    this.#remotes.clear();
    for (const [nodeIp, remote] of next) this.#remotes.set(nodeIp, remote);
  }

  close(): void {
    this.#channel.close();
  }

  /** Sends one batch; refusals are logged once each (ENOENT on a delete means already gone). */
  async #send(step: string, fill: (batch: RequestBatch<string>) => void): Promise<void> {
    const batch = this.#channel.batch<string>();
    fill(batch);
    if (batch.size === 0) return;
    const outcome = await this.#channel.send(batch);
    if (outcome.kind === 'overflow') throw new VxlanError(`${step}: kernel replies lost`);
    for (const failure of outcome.replies.failures) {
      if (failure.key.startsWith('-') && failure.code === 'ENOENT') continue;
      if (step === 'create') throw new VxlanError(`creating ${this.#options.device}: ${failure.code ?? failure.errno} ${failure.message ?? ''}`.trim());
      this.#options.log.warn({ device: this.#options.device, request: failure.key, code: failure.code, reason: failure.message }, 'kernel refused a VXLAN request');
    }
  }
}

function deleteNeighbour(batch: RequestBatch<string>, key: string, neighbour: NeighMessage): void {
  batch.add(`-${key}`, RtmType.DELNEIGH, NlmFlag.REQUEST, writeNeighBody, neighbour);
}

async function findLink(name: string): Promise<LinkMessage | undefined> {
  const [links = []] = await dumpAll([linkDump()]);
  for (const message of links) if (message.kind === 'link' && message.link.name === name) return message.link;
  return undefined;
}

async function interfaceHolding(address: string): Promise<number | undefined> {
  const [addresses = []] = await dumpAll([addressDump(versionOf(address) === 4 ? AddressFamily.INET : AddressFamily.INET6)]);
  for (const message of addresses) {
    if (message.kind === 'address' && (message.address.local ?? message.address.address) === address) return message.address.index;
  }
  return undefined;
}
