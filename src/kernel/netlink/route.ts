/**
 * Routes (rtnetlink(7) RTM_NEWROUTE/RTM_DELROUTE/RTM_GETROUTE): struct rtmsg (12 octets: family,
 * dst_len, src_len, tos, table, protocol, scope, type, u32 flags) followed by RTA_* attributes.
 * `RouteMessage` is the typed form petrel's kernel syncer works with.
 *
 * Tables above 255 do not fit rtm_table: they go in RTA_TABLE with rtm_table = RT_TABLE_UNSPEC
 * (as iproute2 does); the kernel's dumps carry RTA_TABLE always, which wins on decode. ECMP is one
 * route with RTA_MULTIPATH: an array of struct rtnexthop (u16 len, u8 flags, u8 hops = weight-1,
 * int ifindex), each followed by its own attributes (RTA_GATEWAY), rtnh_len counting both.
 * A gateway of the other family (IPv4 route via an IPv6 next hop, RFC 5549) goes in RTA_VIA.
 */
import { ATTR_HEADER_BYTES, AttrCursor, beginAttr, endAttr, writeAttrU32 } from './attrs.js';
import {
  type IpVersion,
  addressBytes,
  formatAddressOf,
  parsePrefixText,
  versionOf,
  writeAddress,
} from './addresses.js';
import { ByteView, type NetlinkWriter, align4 } from './bytes.js';
import { AddressFamily, NlmFlag, NlmNewFlag, RtaType, RtScope, RtTable, RtmType, RtnType } from './constants.js';
import { NetlinkDecodeError, NetlinkEncodeError } from './errors.js';
import type { DumpSpec } from './message.js';

/** sizeof(struct rtmsg). */
export const RTMSG_BYTES = 12;
/** sizeof(struct rtnexthop). */
const RTNEXTHOP_BYTES = 8;

/** One path of a multipath route. */
export interface NextHop {
  /** Absent for a device-only path. */
  readonly gateway?: string;
  readonly ifindex: number;
  /** rtnh_flags: RtnhFlag.ONLINK forces the gateway on-link; dumps add DEAD, LINKDOWN... */
  readonly flags: number;
  /** 1–256; on the wire rtnh_hops = weight − 1. */
  readonly weight: number;
}

export interface RouteMessage {
  readonly family: IpVersion;
  /** Destination `address/length`; the default route is `0.0.0.0/0` or `::/0`. */
  readonly dst: string;
  /** Routing table id (RtTable.MAIN = 254); any u32. */
  readonly table: number;
  /** rtm_protocol: who owns the route (RtProt.BIRD = 12 for petrel's drop-in default). */
  readonly protocol: number;
  /** rtm_scope (RtScope). */
  readonly scope: number;
  /** rtm_type (RtnType). */
  readonly type: number;
  /** rtm_flags: RtnhFlag.ONLINK for an on-link single-path gateway; dumps add others. */
  readonly flags: number;
  readonly gateway?: string;
  /** RTA_OIF: the output interface index. */
  readonly oif?: number;
  /** RTA_PRIORITY: the metric. */
  readonly priority?: number;
  readonly prefsrc?: string;
  readonly multipath?: readonly NextHop[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** NEW with CREATE|REPLACE: an idempotent upsert, what a syncer wants. */
export const ROUTE_REPLACE_FLAGS = NlmFlag.REQUEST | NlmNewFlag.CREATE | NlmNewFlag.REPLACE;
/** NEW with CREATE|EXCL: `ip route add`, failing with EEXIST when present. */
export const ROUTE_ADD_FLAGS = NlmFlag.REQUEST | NlmNewFlag.CREATE | NlmNewFlag.EXCL;
export const ROUTE_DELETE_FLAGS = NlmFlag.REQUEST;

/** Dump all routes of one family (or AF_UNSPEC). */
export function routeDump(family: number): DumpSpec {
  return { type: RtmType.GETROUTE, headerBytes: RTMSG_BYTES, family };
}

/**
 * The key to delete a route with, as `ip route del` sends it: the kernel (fib_table_delete)
 * matches destination and table, and protocol, type and metric when non-zero; RT_SCOPE_NOWHERE
 * and RTN_UNSPEC match any scope and type. Keeping the protocol makes the delete touch only a
 * route petrel owns.
 */
export function routeDeletion(route: RouteMessage): RouteMessage {
  return {
    family: route.family,
    dst: route.dst,
    table: route.table,
    protocol: route.protocol,
    scope: RtScope.NOWHERE,
    type: RtnType.UNSPEC,
    flags: 0,
    ...(route.priority !== undefined && { priority: route.priority }),
  };
}

function familyCode(version: IpVersion): number {
  return version === 4 ? AddressFamily.INET : AddressFamily.INET6;
}

function writeU8Field(w: NetlinkWriter, v: number, field: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new NetlinkEncodeError('out-of-range', `${field} ${v}`);
  w.u8(v);
}

/** Writes rtmsg and the attributes of `route` (the body of RTM_NEWROUTE/DELROUTE). */
export function writeRouteBody(w: NetlinkWriter, route: RouteMessage): void {
  const prefix = parsePrefixText(route.dst);
  if (prefix.version !== route.family) throw new NetlinkEncodeError('bad-prefix', `${route.dst} in an IPv${route.family} route`);
  const bigTable = route.table > 0xff;
  w.u8(familyCode(route.family));
  w.u8(prefix.length);
  w.u8(0); // rtm_src_len
  w.u8(0); // rtm_tos
  w.u8(bigTable ? RtTable.UNSPEC : route.table);
  writeU8Field(w, route.protocol, 'rtm_protocol');
  writeU8Field(w, route.scope, 'rtm_scope');
  writeU8Field(w, route.type, 'rtm_type');
  w.u32(route.flags);
  if (bigTable) writeAttrU32(w, RtaType.TABLE, route.table);
  // The default route carries no RTA_DST, as iproute2 sends and the kernel dumps it.
  if (prefix.length > 0) writeAddressAttr(w, RtaType.DST, route.family, route.dst, prefix.slash);
  if (route.gateway !== undefined) writeGateway(w, route.family, route.gateway);
  if (route.oif !== undefined) writeAttrU32(w, RtaType.OIF, route.oif);
  if (route.priority !== undefined) writeAttrU32(w, RtaType.PRIORITY, route.priority);
  if (route.prefsrc !== undefined) writeAddressAttr(w, RtaType.PREFSRC, route.family, route.prefsrc, route.prefsrc.length);
  if (route.multipath !== undefined) writeMultipath(w, route.family, route.multipath);
}

function writeAddressAttr(w: NetlinkWriter, type: number, version: IpVersion, text: string, end: number): void {
  w.u16(ATTR_HEADER_BYTES + addressBytes(version));
  w.u16(type);
  writeAddress(w, version, text, 0, end);
}

/** RTA_GATEWAY for a gateway of the route's family, RTA_VIA (struct rtvia) otherwise. */
function writeGateway(w: NetlinkWriter, family: IpVersion, gateway: string): void {
  const version = versionOf(gateway);
  if (version === family) {
    writeAddressAttr(w, RtaType.GATEWAY, family, gateway, gateway.length);
    return;
  }
  const start = beginAttr(w, RtaType.VIA);
  w.u16(familyCode(version));
  writeAddress(w, version, gateway);
  endAttr(w, start);
}

function writeMultipath(w: NetlinkWriter, family: IpVersion, hops: readonly NextHop[]): void {
  const start = beginAttr(w, RtaType.MULTIPATH);
  for (const hop of hops) {
    if (!Number.isInteger(hop.weight) || hop.weight < 1 || hop.weight > 256) {
      throw new NetlinkEncodeError('out-of-range', `next-hop weight ${hop.weight}`);
    }
    const at = w.length;
    w.u16(0);
    writeU8Field(w, hop.flags, 'rtnh_flags');
    w.u8(hop.weight - 1);
    w.u32(hop.ifindex);
    if (hop.gateway !== undefined) writeGateway(w, family, hop.gateway);
    w.setU16(at, w.length - at);
  }
  endAttr(w, start);
}

function versionOfFamily(family: number, at: number): IpVersion {
  if (family === AddressFamily.INET) return 4;
  if (family === AddressFamily.INET6) return 6;
  throw new NetlinkDecodeError('unsupported-family', at, `address family ${family}`);
}

/** Decodes the payload of an RTM_NEWROUTE/DELROUTE message (rtmsg + attributes). */
export function decodeRouteBody(payload: Uint8Array): RouteMessage {
  const view = new ByteView(payload);
  view.need(0, RTMSG_BYTES, 'struct rtmsg');
  const family = versionOfFamily(view.u8(0), 0);
  const dstLength = view.u8(1);
  if (dstLength > addressBytes(family) * 8) throw new NetlinkDecodeError('address-length', 1, `rtm_dst_len ${dstLength}`);
  let dstAddress: string | undefined;
  const route: Mutable<RouteMessage> = {
    family,
    dst: '',
    table: view.u8(4),
    protocol: view.u8(5),
    scope: view.u8(6),
    type: view.u8(7),
    flags: view.u32(8),
  };
  const cursor = new AttrCursor(view, RTMSG_BYTES, payload.length);
  while (cursor.next()) {
    switch (cursor.type) {
      case RtaType.DST:
        dstAddress = formatAddressOf(family, cursor.bytes(), cursor.payloadStart);
        break;
      case RtaType.TABLE:
        route.table = cursor.u32();
        break;
      case RtaType.GATEWAY:
        route.gateway = formatAddressOf(family, cursor.bytes(), cursor.payloadStart);
        break;
      case RtaType.VIA:
        route.gateway = decodeVia(view, cursor);
        break;
      case RtaType.OIF:
        route.oif = cursor.u32();
        break;
      case RtaType.PRIORITY:
        route.priority = cursor.u32();
        break;
      case RtaType.PREFSRC:
        route.prefsrc = formatAddressOf(family, cursor.bytes(), cursor.payloadStart);
        break;
      case RtaType.MULTIPATH:
        route.multipath = decodeMultipath(view, family, cursor.payloadStart, cursor.payloadEnd);
        break;
      default:
        // Cache info, metrics, preference...: not part of what petrel programs.
        break;
    }
  }
  route.dst = `${dstAddress ?? (family === 4 ? '0.0.0.0' : '::')}/${dstLength}`;
  return route;
}

/** struct rtvia: u16 family (host order) then the address. */
function decodeVia(view: ByteView, cursor: AttrCursor): string {
  if (cursor.payloadLength < 2) throw new NetlinkDecodeError('attr-size', cursor.payloadStart, 'RTA_VIA without a family');
  const version = versionOfFamily(view.u16(cursor.payloadStart), cursor.payloadStart);
  return formatAddressOf(version, view.sub(cursor.payloadStart + 2, cursor.payloadEnd), cursor.payloadStart + 2);
}

function decodeMultipath(view: ByteView, family: IpVersion, start: number, end: number): NextHop[] {
  const hops: NextHop[] = [];
  for (let at = start; at < end; ) {
    if (end - at < RTNEXTHOP_BYTES) throw new NetlinkDecodeError('nexthop-length', at, `${end - at} octets cannot hold an rtnexthop`);
    const length = view.u16(at);
    if (length < RTNEXTHOP_BYTES || length > end - at) {
      throw new NetlinkDecodeError('nexthop-length', at, `rtnh_len ${length} with ${end - at} octets left`);
    }
    const hop: Mutable<NextHop> = { flags: view.u8(at + 2), weight: view.u8(at + 3) + 1, ifindex: view.u32(at + 4) };
    const cursor = new AttrCursor(view, at + RTNEXTHOP_BYTES, at + length);
    while (cursor.next()) {
      if (cursor.type === RtaType.GATEWAY) hop.gateway = formatAddressOf(family, cursor.bytes(), cursor.payloadStart);
      else if (cursor.type === RtaType.VIA) hop.gateway = decodeVia(view, cursor);
    }
    hops.push(hop);
    at += align4(length);
  }
  return hops;
}
