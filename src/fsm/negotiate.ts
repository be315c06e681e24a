/**
 * OPEN negotiation (OpenBGPD `capa_neg_calc`): our OPEN and the peer's in, either the session's
 * negotiated parameters or the OPEN Message Error to send. Pure: no clock, no config lookups.
 *
 * Checks, in order: version (RFC 4271 §6.2, 2/1), the peer's AS and RFC 6793 consistency (2/2),
 * BGP Identifier (RFC 6286 §2.2, 2/3), hold time (RFC 4271 §6.2, 2/6), required capabilities
 * (RFC 5492 §5, 2/7). Then the capabilities each side advertised are combined: families by
 * intersection (RFC 4760), ADD-PATH per direction (RFC 7911 §5), and the rest when both sides
 * have them.
 */
import { AS_TRANS, BGP_VERSION, CapCode, OpenSubcode } from '../bgp/constants.js';
import { afiSafiFromName, afiSafiName } from '../bgp/context.js';
import { openError, type BgpError } from '../bgp/errors.js';
import type { AddPathMode, AfiSafiName, Capability, CodecContext, OpenMessage } from '../bgp/types.js';
import { WireWriter } from '../bgp/wire/writer.js';
import type { NegotiationPolicy } from './session-config.js';
import { keepaliveIntervalSec } from './timers.js';
import { bgpIdNumber } from './bgp-id.js';

/** Capability code of the pre-RFC 2918 route refresh many routers still send beside code 2. */
const CISCO_ROUTE_REFRESH = 128;

/** The order families are listed in, whatever order the OPENs used. */
const FAMILY_ORDER: readonly AfiSafiName[] = ['ipv4-unicast', 'ipv6-unicast', 'ipv4-multicast', 'ipv6-multicast'];

export interface NegotiatedGracefulRestart {
  /** How long to keep the peer's routes as stale after it goes down (RFC 4724 §4.2). */
  readonly restartTimeSec: number;
  /** R bit: the peer has just restarted (RFC 4724 §3). */
  readonly peerRestarting: boolean;
  /** Both sides set the N bit: NOTIFICATIONs other than Hard Reset keep routes (RFC 8538 §2). */
  readonly notification: boolean;
  /** Negotiated families the peer preserves state for, with its F bit. */
  readonly families: readonly { readonly name: AfiSafiName; readonly forwardingPreserved: boolean }[];
}

export interface NegotiatedLlgr {
  readonly families: readonly {
    readonly name: AfiSafiName;
    readonly forwardingPreserved: boolean;
    readonly staleTimeSec: number;
  }[];
}

export interface Negotiated {
  /** The peer's real AS (from its four-octet AS capability, else from the OPEN). */
  readonly peerAs: number;
  /** The peer's BGP Identifier. */
  readonly peerId: string;
  /** iBGP: the peer is in our AS. */
  readonly internal: boolean;
  /** The smaller of both proposals; 0 means no hold timer and no keepalives. */
  readonly holdTimeSec: number;
  /** 0 when the hold time is 0. */
  readonly keepaliveSec: number;
  /** Families both advertised. */
  readonly families: readonly AfiSafiName[];
  readonly fourOctetAs: boolean;
  /** RFC 7911 §5: per direction, the families whose NLRI carry path identifiers. */
  readonly addPath: { readonly receive: readonly AfiSafiName[]; readonly send: readonly AfiSafiName[] };
  readonly extendedMessage: boolean;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  /** Present when both advertised graceful restart: the peer's side of it. */
  readonly gracefulRestart?: NegotiatedGracefulRestart;
  /** Present when both advertised LLGR and graceful restart (RFC 9494 §4). */
  readonly llgr?: NegotiatedLlgr;
  /** The peer's hostname capability. */
  readonly fqdn?: { readonly hostname: string; readonly domain: string };
  /** Decode what the peer sends with this (ADD-PATH as we receive it). */
  readonly receiveContext: CodecContext;
  /** Encode what we send with this (ADD-PATH as we send it). */
  readonly sendContext: CodecContext;
}

type CapabilityOf<C extends Capability['code']> = Extract<Capability, { readonly code: C }>;

function findCap<C extends Capability['code']>(open: OpenMessage, code: C): CapabilityOf<C> | undefined {
  return open.capabilities.find((c): c is CapabilityOf<C> => c.code === code);
}

function hasCap(open: OpenMessage, code: Capability['code']): boolean {
  return open.capabilities.some((c) => c.code === code);
}

/** RFC 4760 §8: a speaker without multiprotocol capabilities speaks IPv4 unicast only. */
function familiesOf(open: OpenMessage): Set<AfiSafiName> {
  const mp = open.capabilities.filter((c): c is CapabilityOf<'multiprotocol'> => c.code === 'multiprotocol');
  if (mp.length === 0) return new Set(['ipv4-unicast']);
  const names = new Set<AfiSafiName>();
  for (const c of mp) {
    const name = afiSafiName(c.afi, c.safi);
    if (name) names.add(name);
  }
  return names;
}

function addPathModes(open: OpenMessage): Map<AfiSafiName, AddPathMode> {
  const modes = new Map<AfiSafiName, AddPathMode>();
  for (const c of open.capabilities) {
    if (c.code !== 'add-path') continue;
    for (const f of c.families) {
      const name = afiSafiName(f.afi, f.safi);
      if (name) modes.set(name, f.mode);
    }
  }
  return modes;
}

const canSend = (mode: AddPathMode | undefined): boolean => mode === 'send' || mode === 'both';
const canReceive = (mode: AddPathMode | undefined): boolean => mode === 'receive' || mode === 'both';

/** RFC 5492 §5: the 2/7 data lists each missing capability as it would appear in an OPEN. */
function unsupportedCapability(missing: readonly Capability[], what: string): BgpError {
  const w = new WireWriter(16);
  for (const c of missing) {
    if (c.code === 'four-octet-as') {
      w.u8(CapCode.FOUR_OCTET_AS).u8(4).u32(c.asn);
    } else if (c.code === 'multiprotocol') {
      w.u8(CapCode.MULTIPROTOCOL).u8(4).u16(c.afi).u8(0).u8(c.safi);
    }
  }
  return openError(OpenSubcode.UNSUPPORTED_CAPABILITY, 'open.capability.required', `peer lacks required ${what}`, new Uint8Array(w.finish()));
}

/** The peer's AS, or the 2/2 error when its OPEN is inconsistent (RFC 6793 §3). */
function peerAsOf(theirs: OpenMessage): number | BgpError {
  const four = findCap(theirs, 'four-octet-as');
  if (!four) return theirs.myAs;
  // A 4-octet AS that fits two octets goes in My AS as is; BIRD tolerates AS_TRANS there too.
  const consistent = four.asn > 0xffff ? theirs.myAs === AS_TRANS : theirs.myAs === four.asn || theirs.myAs === AS_TRANS;
  if (!consistent) {
    return openError(OpenSubcode.BAD_PEER_AS, 'open.peer-as.inconsistent', `My AS ${theirs.myAs} does not match four-octet AS ${four.asn}`);
  }
  return four.asn;
}

/**
 * Negotiate a session from our OPEN and the peer's: the parameters both sides agreed on, or the
 * OPEN Message Error (2/x) to send back. Codec contexts are per direction because ADD-PATH is.
 */
export function negotiate(ours: OpenMessage, theirs: OpenMessage, policy: NegotiationPolicy): Negotiated | BgpError {
  if (theirs.version !== BGP_VERSION) {
    return openError(OpenSubcode.UNSUPPORTED_VERSION_NUMBER, 'open.version', `unsupported BGP version ${theirs.version}`, Uint8Array.of(0, BGP_VERSION));
  }

  const peerAs = peerAsOf(theirs);
  if (typeof peerAs !== 'number') return peerAs;
  if (peerAs !== policy.peerAs) {
    return openError(OpenSubcode.BAD_PEER_AS, 'open.peer-as', `peer AS ${peerAs}, configured ${policy.peerAs}`);
  }
  const ourFour = findCap(ours, 'four-octet-as');
  const localAs = ourFour ? ourFour.asn : ours.myAs;
  const internal = peerAs === localAs;

  // RFC 6286 §2.2: zero is never valid; equal to ours only between different ASes.
  const peerIdValue = bgpIdNumber(theirs.bgpId);
  if (peerIdValue === 0) return openError(OpenSubcode.BAD_BGP_IDENTIFIER, 'open.bgp-id', `BGP Identifier ${theirs.bgpId}`);
  if (internal && peerIdValue === bgpIdNumber(ours.bgpId)) {
    return openError(OpenSubcode.BAD_BGP_IDENTIFIER, 'open.bgp-id.duplicate', `iBGP peer uses our BGP Identifier ${theirs.bgpId}`);
  }

  // RFC 4271 §6.2: a hold time of one or two seconds MUST be rejected.
  if (theirs.holdTimeSec === 1 || theirs.holdTimeSec === 2) {
    return openError(OpenSubcode.UNACCEPTABLE_HOLD_TIME, 'open.hold-time', `unacceptable hold time ${theirs.holdTimeSec} s`);
  }

  const theirFamilies = familiesOf(theirs);
  const missing: Capability[] = [];
  if (policy.required?.fourOctetAs && !hasCap(theirs, 'four-octet-as')) missing.push({ code: 'four-octet-as', asn: localAs });
  for (const name of policy.required?.families ?? []) {
    if (!theirFamilies.has(name)) missing.push({ code: 'multiprotocol', ...afiSafiFromName(name) });
  }
  if (missing.length > 0) return unsupportedCapability(missing, missing.map((c) => c.code).join(', '));

  const ourFamilies = familiesOf(ours);
  const families = FAMILY_ORDER.filter((f) => ourFamilies.has(f) && theirFamilies.has(f));
  const fourOctetAs = ourFour !== undefined && hasCap(theirs, 'four-octet-as');

  // RFC 7911 §5: we send path ids if we can send and they can receive, and the other way round.
  const ourAddPath = addPathModes(ours);
  const theirAddPath = addPathModes(theirs);
  const addPath = {
    receive: families.filter((f) => canReceive(ourAddPath.get(f)) && canSend(theirAddPath.get(f))),
    send: families.filter((f) => canSend(ourAddPath.get(f)) && canReceive(theirAddPath.get(f))),
  };

  // RFC 8654 §3: extended messages only when both advertised it (we then accept and send them).
  const extendedMessage = hasCap(ours, 'extended-message') && hasCap(theirs, 'extended-message');
  const theirRouteRefresh =
    hasCap(theirs, 'route-refresh') || theirs.capabilities.some((c) => c.code === 'unknown' && c.type === CISCO_ROUTE_REFRESH);
  const routeRefresh = hasCap(ours, 'route-refresh') && theirRouteRefresh;
  const enhancedRouteRefresh = routeRefresh && hasCap(ours, 'enhanced-route-refresh') && hasCap(theirs, 'enhanced-route-refresh');

  const holdTimeSec = Math.min(ours.holdTimeSec, theirs.holdTimeSec);
  const gracefulRestart = negotiateGracefulRestart(ours, theirs, families);
  const llgr = gracefulRestart ? negotiateLlgr(ours, theirs, families) : undefined;
  const fqdn = findCap(theirs, 'fqdn');

  return {
    peerAs,
    peerId: theirs.bgpId,
    internal,
    holdTimeSec,
    keepaliveSec: keepaliveIntervalSec(holdTimeSec, policy.keepaliveSec),
    families,
    fourOctetAs,
    addPath,
    extendedMessage,
    routeRefresh,
    enhancedRouteRefresh,
    ...(gracefulRestart ? { gracefulRestart } : {}),
    ...(llgr ? { llgr } : {}),
    ...(fqdn ? { fqdn: { hostname: fqdn.hostname, domain: fqdn.domain } } : {}),
    receiveContext: { fourOctetAs, addPath: addPath.receive, extendedMessage },
    sendContext: { fourOctetAs, addPath: addPath.send, extendedMessage },
  };
}

/** The negotiated families a per-family capability lists, in negotiated order, with its fields. */
function perFamily<F extends { readonly afi: number; readonly safi: number }>(
  listed: readonly F[],
  families: readonly AfiSafiName[],
): { readonly name: AfiSafiName; readonly entry: F }[] {
  return families.flatMap((name) => {
    const entry = listed.find((f) => afiSafiName(f.afi, f.safi) === name);
    return entry ? [{ name, entry }] : [];
  });
}

/** RFC 4724: the peer's restart time, R and F bits, limited to the negotiated families. */
function negotiateGracefulRestart(
  ours: OpenMessage,
  theirs: OpenMessage,
  families: readonly AfiSafiName[],
): NegotiatedGracefulRestart | undefined {
  const mine = findCap(ours, 'graceful-restart');
  const peer = findCap(theirs, 'graceful-restart');
  if (!mine || !peer) return undefined;
  return {
    restartTimeSec: peer.restartTimeSec,
    peerRestarting: peer.restarting,
    notification: mine.notification && peer.notification,
    families: perFamily(peer.families, families).map(({ name, entry }) => ({ name, forwardingPreserved: entry.forwardingPreserved })),
  };
}

/** RFC 9494: the peer's long-lived stale time per negotiated family. */
function negotiateLlgr(ours: OpenMessage, theirs: OpenMessage, families: readonly AfiSafiName[]): NegotiatedLlgr | undefined {
  const peer = findCap(theirs, 'long-lived-graceful-restart');
  if (!hasCap(ours, 'long-lived-graceful-restart') || !peer) return undefined;
  return {
    families: perFamily(peer.families, families).map(({ name, entry }) => ({
      name,
      forwardingPreserved: entry.forwardingPreserved,
      staleTimeSec: entry.staleTimeSec,
    })),
  };
}
