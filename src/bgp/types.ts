/**
 * The typed form of every BGP message petrel speaks: a discriminated union on `type`. Decoders
 * return these (readonly, plain data: JSON-friendly, no Buffers except for opaque unknowns) and
 * encoders take them. Addresses are strings in canonical text form (IPv4 dotted quad, IPv6 per
 * RFC 5952); prefixes are `address/length` strings, so they can key maps directly.
 */
import type { BgpError } from './errors.js';
import type { PackedIpv4Prefixes } from './nlri.js';

/** AFI/SAFI pair names used in config, ctx and show output. */
export type AfiSafiName = 'ipv4-unicast' | 'ipv6-unicast' | 'ipv4-multicast' | 'ipv6-multicast';

/** An AFI/SAFI pair as numbers (unknown pairs are kept as numbers too). */
export interface AfiSafi {
  readonly afi: number;
  readonly safi: number;
}

/** What a session negotiated, which changes how messages are framed and decoded. */
export interface CodecContext {
  /** RFC 6793: AS numbers in AS_PATH/AGGREGATOR are 4 octets. Default true. */
  readonly fourOctetAs?: boolean;
  /** RFC 7911: the AFI/SAFIs whose NLRI carry path identifiers (as received/sent). Default none. */
  readonly addPath?: readonly AfiSafiName[];
  /** RFC 8654: 65535-octet messages allowed. Default false. */
  readonly extendedMessage?: boolean;
  /**
   * Decode IPv4 NLRI to numbers (`Ipv4Nlri`: text formatted on demand), the form the RIB keys
   * on; a received full table then builds no text at all. Default false (plain `Nlri`).
   */
  readonly numericIpv4?: boolean;
  /**
   * Decode the IPv4 Withdrawn Routes and NLRI fields of an UPDATE into `UpdateMessage.packed`
   * (numbers in typed arrays, no object per prefix) and leave `withdrawn` and `nlri` empty; what
   * the daemon's route table reads. MP_REACH/MP_UNREACH prefixes are unaffected. Default false.
   */
  readonly packedIpv4?: boolean;
}

/** One NLRI entry: a prefix, and its RFC 7911 path identifier when ADD-PATH is in use. */
export interface Nlri {
  readonly prefix: string;
  readonly pathId?: number | undefined;
}

/** An IPv4 prefix as numbers: what the RIB keys on and what the encoder writes without parsing text. */
export interface Ipv4Key {
  /** The network address's 32 bits as a signed integer, host bits clear. */
  readonly address4: number;
  readonly prefixLength: number;
}

// ---------------------------------------------------------------------------------------------
// OPEN and capabilities (RFC 4271 §4.2, RFC 5492, RFC 9072)

export type AddPathMode = 'receive' | 'send' | 'both';

export interface GracefulRestartFamily extends AfiSafi {
  /** RFC 4724 §3: Forwarding State bit. */
  readonly forwardingPreserved: boolean;
}

export interface LlgrFamily extends AfiSafi {
  readonly forwardingPreserved: boolean;
  /** RFC 9494 §3: 24-bit long-lived stale time. */
  readonly staleTimeSec: number;
}

export interface AddPathFamily extends AfiSafi {
  readonly mode: AddPathMode;
}

export type Capability =
  | { readonly code: 'multiprotocol'; readonly afi: number; readonly safi: number }
  | { readonly code: 'route-refresh' }
  | { readonly code: 'enhanced-route-refresh' }
  | { readonly code: 'extended-message' }
  | { readonly code: 'four-octet-as'; readonly asn: number }
  | {
      readonly code: 'graceful-restart';
      /** R bit: the sender has restarted. */
      readonly restarting: boolean;
      /** N bit: RFC 8538 graceful NOTIFICATION support. */
      readonly notification: boolean;
      readonly restartTimeSec: number;
      readonly families: readonly GracefulRestartFamily[];
    }
  | { readonly code: 'long-lived-graceful-restart'; readonly families: readonly LlgrFamily[] }
  | { readonly code: 'add-path'; readonly families: readonly AddPathFamily[] }
  | { readonly code: 'fqdn'; readonly hostname: string; readonly domain: string }
  /** Any other capability (or a known one whose value did not parse), kept byte for byte. */
  | { readonly code: 'unknown'; readonly type: number; readonly value: Uint8Array };

export interface OpenMessage {
  readonly type: 'open';
  readonly version: number;
  /** The 2-octet "My Autonomous System" field (AS_TRANS for 4-octet speakers above 65535). */
  readonly myAs: number;
  readonly holdTimeSec: number;
  /** BGP Identifier as a dotted quad. */
  readonly bgpId: string;
  readonly capabilities: readonly Capability[];
  /**
   * How the capabilities were grouped into optional parameters: the number of capabilities in
   * each Capabilities parameter, in order. Absent: all in one parameter (what petrel sends).
   * Kept so captured OPENs re-encode byte for byte.
   */
  readonly capabilityGrouping?: readonly number[];
  /** RFC 9072: the optional parameters used the extended-length encoding. */
  readonly extendedOptionalParameters?: boolean;
}

// ---------------------------------------------------------------------------------------------
// UPDATE and path attributes (RFC 4271 §4.3, §5)

export type Origin = 'igp' | 'egp' | 'incomplete';

export type AsPathSegmentType = 'set' | 'sequence' | 'confed-sequence' | 'confed-set';

export interface AsPathSegment {
  readonly type: AsPathSegmentType;
  readonly asns: readonly number[];
}

/** RFC 4360 extended community: type/subtype octets and the 6-octet value, hex. */
export interface ExtendedCommunity {
  readonly type: number;
  readonly subtype: number;
  /** The six value octets as 12 lowercase hex digits. */
  readonly value: string;
}

/** RFC 8092: global administrator, local data 1, local data 2. */
export type LargeCommunity = readonly [number, number, number];

interface AttrBase {
  /**
   * The flags octet as received. Absent on attributes built by petrel: the encoder then uses the
   * attribute's standard flags, with Extended Length only when the value exceeds 255 octets.
   */
  readonly flags?: number;
}

export type PathAttribute =
  | (AttrBase & { readonly type: 'origin'; readonly origin: Origin })
  | (AttrBase & { readonly type: 'as-path'; readonly segments: readonly AsPathSegment[] })
  | (AttrBase & { readonly type: 'next-hop'; readonly nextHop: string })
  | (AttrBase & { readonly type: 'med'; readonly med: number })
  | (AttrBase & { readonly type: 'local-pref'; readonly localPref: number })
  | (AttrBase & { readonly type: 'atomic-aggregate' })
  | (AttrBase & { readonly type: 'aggregator'; readonly asn: number; readonly address: string })
  /** RFC 1997: each community as a 32-bit number (high 16 bits AS, low 16 bits value). */
  | (AttrBase & { readonly type: 'communities'; readonly communities: readonly number[] })
  | (AttrBase & { readonly type: 'originator-id'; readonly originatorId: string })
  | (AttrBase & { readonly type: 'cluster-list'; readonly clusterIds: readonly string[] })
  | (AttrBase & {
      readonly type: 'mp-reach';
      readonly afi: number;
      readonly safi: number;
      /** One next hop, or two for IPv6 (global then link-local, RFC 2545 §3). */
      readonly nextHops: readonly string[];
      readonly nlri: readonly Nlri[];
      /** Unknown AFI/SAFI: next hop and NLRI kept opaque. */
      readonly raw?: Uint8Array;
    })
  | (AttrBase & {
      readonly type: 'mp-unreach';
      readonly afi: number;
      readonly safi: number;
      readonly withdrawn: readonly Nlri[];
      readonly raw?: Uint8Array;
    })
  | (AttrBase & { readonly type: 'extended-communities'; readonly communities: readonly ExtendedCommunity[] })
  | (AttrBase & { readonly type: 'as4-path'; readonly segments: readonly AsPathSegment[] })
  | (AttrBase & { readonly type: 'as4-aggregator'; readonly asn: number; readonly address: string })
  | (AttrBase & { readonly type: 'large-communities'; readonly communities: readonly LargeCommunity[] })
  /** Unrecognised optional attribute (RFC 4271 §5): passed on, transitive ones with Partial set. */
  | (AttrBase & { readonly type: 'unknown'; readonly code: number; readonly value: Uint8Array });

export type PathAttributeType = PathAttribute['type'];

export interface UpdateMessage {
  readonly type: 'update';
  /** IPv4 withdrawn routes (RFC 4271 §4.3). IPv6 ones travel in an `mp-unreach` attribute. */
  readonly withdrawn: readonly Nlri[];
  readonly attributes: readonly PathAttribute[];
  /** IPv4 NLRI. IPv6 ones travel in an `mp-reach` attribute. */
  readonly nlri: readonly Nlri[];
  /**
   * The strongest non-fatal error found (RFC 7606): `treat-as-withdraw` means every NLRI in
   * this message must be handled as withdrawn; `attribute-discard` means the offending
   * attribute was dropped from `attributes`. Session-reset errors are thrown instead.
   */
  readonly problem?: BgpError;
  /**
   * With `CodecContext.packedIpv4`: the IPv4 withdrawn routes and NLRI, decoded to numbers
   * (`withdrawn` and `nlri` are then empty). Read both forms, or neither context is supported.
   */
  readonly packed?: PackedUpdatePrefixes;
}

/** The Withdrawn Routes and NLRI fields of an UPDATE as `PackedIpv4Prefixes`. */
export interface PackedUpdatePrefixes {
  readonly withdrawn: PackedIpv4Prefixes;
  readonly nlri: PackedIpv4Prefixes;
}

// ---------------------------------------------------------------------------------------------
// NOTIFICATION, KEEPALIVE, ROUTE-REFRESH

export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  /** RFC 9003: the shutdown communication of Cease 2 and 4, when present and valid UTF-8. */
  readonly shutdownMessage?: string;
}

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

export type RouteRefreshSubtypeName = 'normal' | 'borr' | 'eorr';

export interface RouteRefreshMessage {
  readonly type: 'route-refresh';
  readonly afi: number;
  readonly safi: number;
  /**
   * RFC 7313 §3: 0 normal request, 1 Beginning-of-Route-Refresh, 2 End-of-Route-Refresh. A number
   * (3..255) is a subtype RFC 7313 does not define: §5 says the receiver MUST ignore the message.
   */
  readonly subtype: RouteRefreshSubtypeName | number;
}

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;
export type BgpMessageType = BgpMessage['type'];
