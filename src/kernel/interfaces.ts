/**
 * Interfaces and their connected subnets, kept from the link and address dumps and their
 * notifications. The syncer turns device names into ifindexes with it, and encapsulation asks it
 * which NIC's subnet holds a BGP next hop (BIRD's `direct` protocol does this for Calico's
 * no-encap routes, CALICO.md §1.1).
 */
import { type ParsedPrefix, parsePrefix } from '../bgp/address.js';
import { prefixContainsAddress } from '../config/prefixes.js';
import type { AddressMessage, LinkMessage } from './netlink/index.js';
import { IffFlag } from './netlink/index.js';

export interface InterfaceInfo {
  readonly index: number;
  readonly name: string;
  readonly up: boolean;
  readonly kind?: string;
  readonly mtu?: number;
  readonly address?: string;
}

/** Which interface's connected subnet holds an address: what encapsulation needs to know. */
export interface ConnectedSubnets {
  /** The interface name whose connected subnet holds `address`, longest prefix first. */
  interfaceFor(address: string): string | undefined;
}

interface ConnectedSubnet {
  readonly prefix: ParsedPrefix;
  readonly index: number;
  /** `address/length` as dumped, the key for removal. */
  readonly key: string;
}

export class InterfaceTable implements ConnectedSubnets {
  readonly #byIndex = new Map<number, InterfaceInfo>();
  readonly #byName = new Map<string, InterfaceInfo>();
  #subnets: ConnectedSubnet[] = [];

  /** Replaces everything with the contents of fresh dumps. */
  load(links: readonly LinkMessage[], addresses: readonly AddressMessage[]): void {
    this.#byIndex.clear();
    this.#byName.clear();
    this.#subnets = [];
    for (const link of links) this.applyLink(link, 'new');
    for (const address of addresses) this.applyAddress(address, 'new');
  }

  /** Applies a link notification; returns whether anything a route depends on changed. */
  applyLink(link: LinkMessage, op: 'new' | 'del'): boolean {
    const previous = this.#byIndex.get(link.index);
    if (previous !== undefined) this.#byName.delete(previous.name);
    if (op === 'del') {
      this.#byIndex.delete(link.index);
      this.#subnets = this.#subnets.filter((s) => s.index !== link.index);
      return previous !== undefined;
    }
    // RTM_NEWLINK notifications for statistics changes carry no name change; keep the old one.
    const name = link.name ?? previous?.name;
    if (name === undefined) return false;
    const kind = link.kind ?? previous?.kind;
    const mtu = link.mtu ?? previous?.mtu;
    const address = link.address ?? previous?.address;
    const info: InterfaceInfo = {
      index: link.index,
      name,
      up: (link.flags & IffFlag.UP) !== 0,
      ...(kind !== undefined && { kind }),
      ...(mtu !== undefined && { mtu }),
      ...(address !== undefined && { address }),
    };
    this.#byIndex.set(link.index, info);
    this.#byName.set(name, info);
    return previous === undefined || previous.name !== info.name || previous.up !== info.up;
  }

  /** Applies an address notification; returns whether the connected subnets changed. */
  applyAddress(address: AddressMessage, op: 'new' | 'del'): boolean {
    const local = address.local ?? address.address;
    if (local === undefined) return false;
    const key = `${local}/${address.prefixLength}`;
    const before = this.#subnets.length;
    this.#subnets = this.#subnets.filter((s) => !(s.index === address.index && s.key === key));
    if (op === 'del') return this.#subnets.length !== before;
    const prefix = parsePrefix(key);
    if (prefix === undefined) return false;
    this.#subnets.push({ prefix, index: address.index, key });
    // Longest prefix first, so the most specific subnet answers `interfaceFor`.
    this.#subnets.sort((a, b) => b.prefix.length - a.prefix.length);
    return true;
  }

  byIndex(index: number): InterfaceInfo | undefined {
    return this.#byIndex.get(index);
  }

  byName(name: string): InterfaceInfo | undefined {
    return this.#byName.get(name);
  }

  /** Interface names by ifindex, for learned routes. */
  nameOf(index: number | undefined): string | undefined {
    return index === undefined ? undefined : this.#byIndex.get(index)?.name;
  }

  interfaceFor(address: string): string | undefined {
    for (const subnet of this.#subnets) {
      // A /32 (or /128) address holds only itself: it is no subnet to reach a neighbour through.
      if (subnet.prefix.length === (subnet.prefix.family === 4 ? 32 : 128)) continue;
      if (prefixContainsAddress(subnet.prefix, address)) return this.#byIndex.get(subnet.index)?.name;
    }
    return undefined;
  }
}
