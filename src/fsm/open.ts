/**
 * Our OPEN message (RFC 4271 §4.2) and the capabilities it advertises (RFC 5492). The session
 * sends it on every new connection and `negotiate` compares the peer's OPEN against it.
 *
 * RFC 6793 §3: we always advertise four-octet AS support, and put AS_TRANS in the 2-octet
 * "My Autonomous System" field when our AS does not fit in it.
 */
import { afiSafiFromName } from '../bgp/context.js';
import { AS_TRANS, BGP_VERSION } from '../bgp/constants.js';
import type { AddPathMode, AfiSafiName, Capability, OpenMessage } from '../bgp/types.js';

export interface LocalSpeaker {
  /** Our AS, 4-octet. */
  readonly localAs: number;
  /** Our BGP Identifier, dotted quad. */
  readonly routerId: string;
  /** Proposed hold time (Calico/BIRD 240 s); 0 proposes no keepalives at all. */
  readonly holdTimeSec: number;
  /** RFC 4760 families, one multiprotocol capability each. */
  readonly families: readonly AfiSafiName[];
  /** RFC 7911 per family (Calico's `add paths on` is `both`). */
  readonly addPath?: Readonly<Partial<Record<AfiSafiName, AddPathMode>>>;
  /** RFC 2918; default on (BIRD default). */
  readonly routeRefresh?: boolean;
  /** RFC 7313; default on (BIRD default). */
  readonly enhancedRouteRefresh?: boolean;
  /** RFC 8654; default off. */
  readonly extendedMessage?: boolean;
  /** RFC 4724, for every advertised family. */
  readonly gracefulRestart?: {
    readonly restartTimeSec: number;
    /** R bit: we are coming back from a restart. */
    readonly restarting: boolean;
    /** N bit (RFC 8538). */
    readonly notification: boolean;
    /** F bit: we kept the forwarding state (routes persist in the kernel). */
    readonly forwardingPreserved: boolean;
  };
  /** RFC 9494, for every advertised family (needs `gracefulRestart`, §4). */
  readonly llgr?: { readonly staleTimeSec: number; readonly forwardingPreserved: boolean };
  /** draft-walton-bgp-hostname-capability. */
  readonly fqdn?: { readonly hostname: string; readonly domain: string };
}

/** The 2-octet "My Autonomous System" value for `asn` (RFC 6793 §3). */
export function twoOctetAs(asn: number): number {
  return asn > 0xffff ? AS_TRANS : asn;
}

export function buildOpen(local: LocalSpeaker): OpenMessage {
  const families = local.families.map(afiSafiFromName);
  const caps: Capability[] = families.map(({ afi, safi }) => ({ code: 'multiprotocol', afi, safi }));
  if (local.routeRefresh ?? true) caps.push({ code: 'route-refresh' });
  if (local.enhancedRouteRefresh ?? true) caps.push({ code: 'enhanced-route-refresh' });
  if (local.extendedMessage ?? false) caps.push({ code: 'extended-message' });
  const gr = local.gracefulRestart;
  if (gr) {
    caps.push({
      code: 'graceful-restart',
      restarting: gr.restarting,
      notification: gr.notification,
      restartTimeSec: gr.restartTimeSec,
      families: families.map((f) => ({ ...f, forwardingPreserved: gr.forwardingPreserved })),
    });
  }
  caps.push({ code: 'four-octet-as', asn: local.localAs });
  const addPath = local.families.flatMap((name) => {
    const mode = local.addPath?.[name];
    return mode ? [{ ...afiSafiFromName(name), mode }] : [];
  });
  if (addPath.length > 0) caps.push({ code: 'add-path', families: addPath });
  const llgr = local.llgr;
  if (gr && llgr) {
    caps.push({
      code: 'long-lived-graceful-restart',
      families: families.map((f) => ({ ...f, forwardingPreserved: llgr.forwardingPreserved, staleTimeSec: llgr.staleTimeSec })),
    });
  }
  if (local.fqdn) caps.push({ code: 'fqdn', hostname: local.fqdn.hostname, domain: local.fqdn.domain });
  return {
    type: 'open',
    version: BGP_VERSION,
    myAs: twoOctetAs(local.localAs),
    holdTimeSec: local.holdTimeSec,
    bgpId: local.routerId,
    capabilities: caps,
  };
}
