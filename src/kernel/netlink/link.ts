/**
 * Links (rtnetlink(7) RTM_NEWLINK/DELLINK/GETLINK): struct ifinfomsg (16 octets: family, pad,
 * u16 type ARPHRD_*, int index, u32 flags IFF_*, u32 change mask) followed by IFLA_* attributes.
 * Device kinds travel in the IFLA_LINKINFO nest as IFLA_INFO_KIND (a string) and IFLA_INFO_DATA
 * (kind-specific attributes); for "vxlan" those are IFLA_VXLAN_* (<linux/if_link.h>), where the
 * UDP port alone is in network byte order.
 *
 * Builders cover what a standalone petrel needs for Calico's VXLAN data plane (Felix's
 * vxlan_mgr.go): create `vxlan.calico` with VNI, local VTEP address, parent link, port 4789 and
 * learning off, then set it up.
 */
import { AttrCursor, beginAttr, endAttr, writeAttrBytes, writeAttrString, writeAttrU16be, writeAttrU32, writeAttrU8 } from './attrs.js';
import { formatAddress, formatMac, parseMac, versionOf, writeAddress } from './addresses.js';
import { ByteView, type NetlinkWriter } from './bytes.js';
import { IffFlag, IflaInfo, IflaType, IflaVxlan, NlmFlag, NlmNewFlag, RtmType } from './constants.js';
import type { DumpSpec } from './message.js';

/** sizeof(struct ifinfomsg). */
export const IFINFOMSG_BYTES = 16;

/** The IFLA_INFO_DATA of a vxlan device (the subset petrel sets; dumps carry more). */
export interface VxlanInfo {
  /** IFLA_VXLAN_ID: the VNI (Calico: 4096 for IPv4, 6 for IPv6). */
  readonly vni: number;
  /** IFLA_VXLAN_LOCAL or LOCAL6: the source VTEP address. */
  readonly local?: string;
  /** IFLA_VXLAN_LINK: the parent device's ifindex. */
  readonly link?: number;
  /** IFLA_VXLAN_PORT: destination UDP port (4789). */
  readonly port?: number;
  /** IFLA_VXLAN_LEARNING: learn remote MACs from traffic (Calico: off, the FDB is programmed). */
  readonly learning?: boolean;
}

export interface LinkMessage {
  /** ifi_family: AF_UNSPEC (0) for nearly everything. */
  readonly family: number;
  /** ifi_index; 0 in a create request lets the kernel choose. */
  readonly index: number;
  /** ifi_type: ARPHRD_* (1 = Ethernet); 0 in requests. */
  readonly type: number;
  /** ifi_flags: IFF_* bits. */
  readonly flags: number;
  /** ifi_change: which IFF_* bits a request changes. */
  readonly change: number;
  readonly name?: string;
  readonly mtu?: number;
  /** IFLA_ADDRESS: the link-layer address, `aa:bb:cc:dd:ee:ff`. */
  readonly address?: string;
  /** IFLA_LINK: the underlying device's ifindex. */
  readonly link?: number;
  /** IFLA_MASTER: the bridge or bond this device is enslaved to. */
  readonly master?: number;
  /** IFLA_INFO_KIND: "vxlan", "veth", "bridge"... */
  readonly kind?: string;
  /** IFLA_INFO_DATA decoded when kind is "vxlan". */
  readonly vxlan?: VxlanInfo;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** RTM_NEWLINK flags to create a device that must not exist yet (`ip link add`). */
export const LINK_CREATE_FLAGS = NlmFlag.REQUEST | NlmNewFlag.CREATE | NlmNewFlag.EXCL;
/** RTM_NEWLINK flags to change an existing device (`ip link set`). */
export const LINK_CHANGE_FLAGS = NlmFlag.REQUEST;

export function linkDump(): DumpSpec {
  return { type: RtmType.GETLINK, headerBytes: IFINFOMSG_BYTES, family: 0 };
}

export interface VxlanDeviceSpec {
  readonly name: string;
  readonly vni: number;
  readonly local: string;
  readonly parentIndex: number;
  readonly port: number;
  readonly learning: boolean;
  readonly mtu?: number;
  readonly address?: string;
}

/** The RTM_NEWLINK body that creates a vxlan device (send with LINK_CREATE_FLAGS). */
export function vxlanDevice(spec: VxlanDeviceSpec): LinkMessage {
  return {
    family: 0,
    index: 0,
    type: 0,
    flags: 0,
    change: 0,
    name: spec.name,
    ...(spec.mtu !== undefined && { mtu: spec.mtu }),
    ...(spec.address !== undefined && { address: spec.address }),
    kind: 'vxlan',
    vxlan: { vni: spec.vni, local: spec.local, link: spec.parentIndex, port: spec.port, learning: spec.learning },
  };
}

/** The RTM_NEWLINK body that sets a device up (`ip link set dev X up`; LINK_CHANGE_FLAGS). */
export function linkUp(index: number): LinkMessage {
  return { family: 0, index, type: 0, flags: IffFlag.UP, change: IffFlag.UP };
}

/** The RTM_DELLINK body that deletes a device. */
export function linkDeletion(index: number): LinkMessage {
  return { family: 0, index, type: 0, flags: 0, change: 0 };
}

/** Writes ifinfomsg and the attributes of `link`. */
export function writeLinkBody(w: NetlinkWriter, link: LinkMessage): void {
  w.u8(link.family);
  w.u8(0); // __ifi_pad
  w.u16(link.type);
  w.u32(link.index);
  w.u32(link.flags);
  w.u32(link.change);
  if (link.name !== undefined) writeAttrString(w, IflaType.IFNAME, link.name);
  if (link.mtu !== undefined) writeAttrU32(w, IflaType.MTU, link.mtu);
  if (link.address !== undefined) writeAttrBytes(w, IflaType.ADDRESS, parseMac(link.address));
  if (link.link !== undefined) writeAttrU32(w, IflaType.LINK, link.link);
  if (link.master !== undefined) writeAttrU32(w, IflaType.MASTER, link.master);
  if (link.kind !== undefined) {
    const info = beginAttr(w, IflaType.LINKINFO);
    // NLA_STRING without the NUL, as iproute2 sends it; the kernel accepts either form.
    writeAttrBytes(w, IflaInfo.KIND, Buffer.from(link.kind, 'utf8'));
    if (link.vxlan !== undefined) writeVxlanData(w, link.vxlan);
    endAttr(w, info);
  }
}

function writeVxlanData(w: NetlinkWriter, vxlan: VxlanInfo): void {
  const data = beginAttr(w, IflaInfo.DATA);
  writeAttrU32(w, IflaVxlan.ID, vxlan.vni);
  if (vxlan.local !== undefined) {
    const version = versionOf(vxlan.local);
    const local = beginAttr(w, version === 4 ? IflaVxlan.LOCAL : IflaVxlan.LOCAL6);
    writeAddress(w, version, vxlan.local);
    endAttr(w, local);
  }
  if (vxlan.link !== undefined) writeAttrU32(w, IflaVxlan.LINK, vxlan.link);
  if (vxlan.port !== undefined) writeAttrU16be(w, IflaVxlan.PORT, vxlan.port);
  if (vxlan.learning !== undefined) writeAttrU8(w, IflaVxlan.LEARNING, vxlan.learning ? 1 : 0);
  endAttr(w, data);
}

/** Decodes the payload of an RTM_NEWLINK/DELLINK message. */
export function decodeLinkBody(payload: Uint8Array): LinkMessage {
  const view = new ByteView(payload);
  view.need(0, IFINFOMSG_BYTES, 'struct ifinfomsg');
  const link: Mutable<LinkMessage> = {
    family: view.u8(0),
    type: view.u16(2),
    index: view.u32(4),
    flags: view.u32(8),
    change: view.u32(12),
  };
  let dataStart = -1;
  let dataEnd = -1;
  const cursor = new AttrCursor(view, IFINFOMSG_BYTES, payload.length);
  while (cursor.next()) {
    switch (cursor.type) {
      case IflaType.IFNAME:
        link.name = cursor.string();
        break;
      case IflaType.MTU:
        link.mtu = cursor.u32();
        break;
      case IflaType.ADDRESS:
        link.address = formatMac(cursor.bytes());
        break;
      case IflaType.LINK:
        link.link = cursor.u32();
        break;
      case IflaType.MASTER:
        link.master = cursor.u32();
        break;
      case IflaType.LINKINFO: {
        const info = cursor.nested();
        while (info.next()) {
          if (info.type === IflaInfo.KIND) link.kind = info.string();
          else if (info.type === IflaInfo.DATA) [dataStart, dataEnd] = [info.payloadStart, info.payloadEnd];
        }
        break;
      }
      default:
        break;
    }
  }
  // IFLA_INFO_DATA may precede IFLA_INFO_KIND; its meaning depends on the kind.
  if (link.kind === 'vxlan' && dataStart >= 0) link.vxlan = decodeVxlanData(new AttrCursor(view, dataStart, dataEnd));
  return link;
}

function decodeVxlanData(cursor: AttrCursor): VxlanInfo {
  const vxlan: Mutable<VxlanInfo> = { vni: 0 };
  while (cursor.next()) {
    switch (cursor.type) {
      case IflaVxlan.ID:
        vxlan.vni = cursor.u32();
        break;
      case IflaVxlan.LOCAL:
      case IflaVxlan.LOCAL6:
        vxlan.local = formatAddress(cursor.bytes(), cursor.payloadStart);
        break;
      case IflaVxlan.LINK:
        vxlan.link = cursor.u32();
        break;
      case IflaVxlan.PORT:
        vxlan.port = cursor.u16be();
        break;
      case IflaVxlan.LEARNING:
        vxlan.learning = cursor.u8() !== 0;
        break;
      default:
        break;
    }
  }
  return vxlan;
}
