/**
 * Which address of a BGP next hop the kernel route goes through, and on which interface, for
 * routes installed without encapsulation. Pure.
 *
 * An IPv6 MP_REACH_NLRI next hop is a global address, or a global and a link-local one (RFC 2545
 * §3); peers that have no global address on the link send the link-local alone, as the "global"
 * (FRR without a global on the interface), or after an unspecified `::` (BIRD on a session over
 * link-local addresses). A link-local address means nothing without its link (RFC 4291 §2.5.6):
 * the route must name the interface the session runs over, `via fe80::… dev <if>`.
 *
 * The choice follows BIRD 2's `gateway direct` (the default for eBGP, `bgp_apply_next_hop`): the
 * global address when it is on a connected subnet, else the link-local one on the session's
 * interface. A global that is not on-link (multihop iBGP, a reflected route) is handed to the
 * kernel to resolve, as petrel does for IPv4; the link-local is then ignored, as BIRD's `gateway
 * recursive` resolves the global (its `next hop prefer global` only matters when the global
 * resolves to a direct route, where both addresses reach the same neighbour). A link-local next
 * hop whose session interface is unknown (a multihop session) is not installed.
 */
import { isIpv6LinkLocal, isIpv6Unspecified } from '../bgp/address.js';
import type { ConnectedSubnets } from './interfaces.js';

/** One path's BGP next hop as received, with what is known of the session it came over. */
export interface BgpNextHop {
  /** The next hop addresses in wire order: IPv4 NEXT_HOP, or IPv6 global then link-local (RFC 2545 §3). */
  readonly addresses: readonly string[];
  /** The session's remote address: its connected subnet names the session's interface. */
  readonly peerAddress?: string;
  /** The interface a link-local peer is configured on (its address alone names none). */
  readonly peerInterface?: string;
}

export type GatewayChoice =
  /** `device` when the global address is on a connected subnet, else the kernel resolves it. */
  | { readonly kind: 'global'; readonly gateway: string; readonly device?: string }
  | { readonly kind: 'link-local'; readonly gateway: string; readonly device: string }
  | { readonly kind: 'none'; readonly reason: 'no-next-hop' | 'link-local-without-interface' };


/** The global next hop, if any: the first address neither link-local nor `::`. */
export function globalAddressOf(hop: BgpNextHop): string | undefined {
  return hop.addresses.find((a) => !isIpv6LinkLocal(a) && !isIpv6Unspecified(a));
}

function linkLocalAddressOf(hop: BgpNextHop): string | undefined {
  return hop.addresses.find(isIpv6LinkLocal);
}

/**
 * The interface the session runs over: the configured one of a link-local peer, else the one
 * whose connected subnet holds the peer's address (BIRD's `neigh->iface`); none for a multihop peer.
 */
export function sessionInterface(hop: BgpNextHop, interfaces: ConnectedSubnets): string | undefined {
  if (hop.peerInterface !== undefined) return hop.peerInterface;
  const peer = hop.peerAddress;
  // Every interface has fe80::/64: a link-local address alone names none of them.
  if (peer === undefined || peer === '' || isIpv6LinkLocal(peer)) return undefined;
  return interfaces.interfaceFor(peer);
}

/** Where a route without encapsulation goes for this next hop (see the module comment). */
export function chooseGateway(hop: BgpNextHop, interfaces: ConnectedSubnets): GatewayChoice {
  const global = globalAddressOf(hop);
  if (global !== undefined) {
    const device = interfaces.interfaceFor(global);
    return device === undefined ? { kind: 'global', gateway: global } : { kind: 'global', gateway: global, device };
  }
  const linkLocal = linkLocalAddressOf(hop);
  if (linkLocal === undefined) return { kind: 'none', reason: 'no-next-hop' };
  const device = sessionInterface(hop, interfaces);
  if (device === undefined) return { kind: 'none', reason: 'link-local-without-interface' };
  return { kind: 'link-local', gateway: linkLocal, device };
}
