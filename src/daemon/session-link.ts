/**
 * The link a BGP session runs over, when it runs over one: what RFC 2545 §3 needs to send a
 * link-local next hop, and what `show routes` names a link-local next hop's interface by.
 *
 * A session is on a link (single-hop, BIRD's `direct`) when the peer is link-local (its
 * configured interface is the link), or when the peer's address is on a connected subnet of the
 * interface that holds the session's local address. Multihop sessions have no link.
 *
 * The addresses come from `os.networkInterfaces()` (getifaddrs in petrel's own network
 * namespace), read once when the session is established: it works with or without the kernel
 * plane (a central reflector has none), needs no netlink socket, and sees what the kernel
 * assigned, link-locals included. BIRD likewise fixes its link-local next hop when a session
 * starts; an address changed later takes effect on the next session.
 */
import os from 'node:os';
import { canonicalAddress, isIpv6LinkLocal, parsePrefix } from '../bgp/address.js';
import { prefixContainsAddress } from '../config/prefixes.js';

/** `os.networkInterfaces`'s shape, injectable for tests. */
export type InterfaceAddresses = () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;

export interface SessionLink {
  /** The interface the session runs over. */
  readonly interface: string;
  /** Our link-local address on it; absent when the interface has none (IPv6 link-local disabled). */
  readonly linkLocal?: string;
  /** A global IPv6 address of ours on it; absent when it has none. */
  readonly global?: string;
}

export interface SessionEndpoints {
  readonly peerAddress: string;
  /** The configured interface of a link-local peer. */
  readonly peerInterface?: string;
  /** The session's local address (its socket's, else the configured source), without a zone. */
  readonly localAddress?: string;
}

/** The unspecified address: the global half of a next hop that has only a link-local (BIRD, RFC 2545 §3). */
export const UNSPECIFIED_V6 = '::';

function ipv6Of(infos: readonly os.NetworkInterfaceInfo[]): os.NetworkInterfaceInfo[] {
  return infos.filter((i) => i.family === 'IPv6' && !i.internal);
}

function linkOf(name: string, infos: readonly os.NetworkInterfaceInfo[], localAddress: string | undefined): SessionLink {
  const v6 = ipv6Of(infos);
  const local = localAddress === undefined ? undefined : canonicalAddress(localAddress);
  const ownLinkLocal = local !== undefined && isIpv6LinkLocal(local) ? local : undefined;
  const linkLocal = ownLinkLocal ?? v6.map((i) => i.address).find(isIpv6LinkLocal);
  const global = local !== undefined && ownLinkLocal === undefined ? local : v6.map((i) => i.address).find((a) => !isIpv6LinkLocal(a));
  return { interface: name, ...(linkLocal !== undefined ? { linkLocal } : {}), ...(global !== undefined ? { global } : {}) };
}

function onSubnetOf(info: os.NetworkInterfaceInfo, address: string): boolean {
  if (info.cidr === null) return false;
  const subnet = parsePrefix(info.cidr);
  // A host route (/32, /128) is no subnet a neighbour sits on.
  if (subnet === undefined || subnet.length === (subnet.family === 4 ? 32 : 128)) return false;
  return prefixContainsAddress(subnet, address);
}

/**
 * Whether some listed interface holds `localAddress`. libuv lists an interface only once it is up
 * and running (IFF_RUNNING, set by the kernel's link watch a moment after carrier), so right after
 * an interface comes up a session can already run over an address no interface shows yet: then
 * "no link" means "not known yet", not "multihop".
 */
export function localAddressListed(localAddress: string, interfaces: InterfaceAddresses = os.networkInterfaces): boolean {
  const local = canonicalAddress(localAddress);
  if (local === undefined) return false;
  return Object.values(interfaces()).some((infos = []) => infos.some((i) => !i.internal && canonicalAddress(i.address) === local));
}

/** The session's link, or undefined for a multihop session (see the module comment). */
export function sessionLink(endpoints: SessionEndpoints, interfaces: InterfaceAddresses = os.networkInterfaces): SessionLink | undefined {
  const table = interfaces();
  if (endpoints.peerInterface !== undefined) return linkOf(endpoints.peerInterface, table[endpoints.peerInterface] ?? [], endpoints.localAddress);
  const local = endpoints.localAddress === undefined ? undefined : canonicalAddress(endpoints.localAddress);
  if (local === undefined) return undefined;
  for (const [name, infos = []] of Object.entries(table)) {
    const holdsLocal = infos.some((i) => !i.internal && canonicalAddress(i.address) === local);
    if (!holdsLocal) continue;
    return infos.some((i) => !i.internal && onSubnetOf(i, endpoints.peerAddress)) ? linkOf(name, infos, local) : undefined;
  }
  return undefined;
}

/**
 * Our IPv6 next-hop addresses for a session: the global one (the link's when the session runs
 * between link-locals, `::` when the link has none) and, on a link, the link-local one
 * (RFC 2545 §3; export-attrs.ts decides which sessions get it).
 */
export function ownIpv6NextHop(localAddressV6: string | undefined, link: SessionLink | undefined): { readonly global?: string; readonly linkLocal?: string } {
  const linkLocal = link?.linkLocal;
  const overLinkLocal = localAddressV6 !== undefined && isIpv6LinkLocal(localAddressV6);
  const global = overLinkLocal ? (link?.global ?? UNSPECIFIED_V6) : localAddressV6;
  return { ...(global !== undefined ? { global } : {}), ...(linkLocal !== undefined ? { linkLocal } : {}) };
}
