/**
 * Neighbours (rtnetlink(7) RTM_NEWNEIGH/DELNEIGH/GETNEIGH): struct ndmsg (12 octets: family,
 * 3 pad octets, int ifindex, u16 state NUD_*, u8 flags NTF_*, u8 type) followed by NDA_*
 * attributes (<linux/neighbour.h>).
 *
 * Calico's VXLAN data plane needs two entries per remote node (Felix vxlan_mgr.go), which a
 * standalone petrel must program itself: an ARP entry on vxlan.calico (remote VTEP IP → remote
 * VTEP MAC, NUD_PERMANENT), and a bridge FDB entry on the same device (family AF_BRIDGE,
 * NTF_SELF so the vxlan driver's own table takes it: remote VTEP MAC → remote node IP in NDA_DST).
 */
import { ATTR_HEADER_BYTES, AttrCursor, writeAttrBytes, writeAttrU32 } from './attrs.js';
import { type IpVersion, addressBytes, formatAddress, formatAddressOf, formatMac, parseMac, versionOf, writeAddress } from './addresses.js';
import { ByteView, type NetlinkWriter } from './bytes.js';
import { AddressFamily, NdaType, NlmFlag, NlmNewFlag, NtfFlag, NudState, RtmType } from './constants.js';
import { NetlinkDecodeError, NetlinkEncodeError } from './errors.js';
import type { DumpSpec } from './message.js';

/** sizeof(struct ndmsg). */
export const NDMSG_BYTES = 12;

/** An ARP/ND entry (family 4 or 6) or a bridge FDB entry ('bridge'). */
export type NeighFamily = IpVersion | 'bridge';

export interface NeighMessage {
  readonly family: NeighFamily;
  readonly ifindex: number;
  /** ndm_state: NudState bits. */
  readonly state: number;
  /** ndm_flags: NtfFlag bits. */
  readonly flags: number;
  /** ndm_type (RTN_*); 0 in requests. */
  readonly type: number;
  /** NDA_DST: the neighbour's IP, or for an FDB entry the remote VTEP's underlay IP (either family). */
  readonly dst?: string;
  /** NDA_LLADDR: `aa:bb:cc:dd:ee:ff`. */
  readonly lladdr?: string;
  /** NDA_VNI: the VNI of an FDB entry, when not the device's own. */
  readonly vni?: number;
  /** NDA_MASTER: the bridge of an FDB entry. */
  readonly master?: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** RTM_NEWNEIGH flags to add or update (`ip neigh replace`; Felix's NeighSet). */
export const NEIGH_REPLACE_FLAGS = NlmFlag.REQUEST | NlmNewFlag.CREATE | NlmNewFlag.REPLACE;

export function neighDump(family: number): DumpSpec {
  return { type: RtmType.GETNEIGH, headerBytes: NDMSG_BYTES, family };
}

/** A permanent ARP/ND entry: `ip neigh replace <ip> lladdr <mac> dev <ifindex> nud permanent`. */
export function permanentNeighbour(ifindex: number, ip: string, mac: string): NeighMessage {
  return { family: versionOf(ip), ifindex, state: NudState.PERMANENT, flags: 0, type: 0, dst: ip, lladdr: mac };
}

/** A VXLAN FDB entry: `bridge fdb replace <vtep mac> dev <vxlan ifindex> dst <node ip> self permanent`. */
export function vxlanFdbEntry(vxlanIndex: number, remoteNodeIp: string, remoteVtepMac: string): NeighMessage {
  return {
    family: 'bridge',
    ifindex: vxlanIndex,
    state: NudState.PERMANENT,
    flags: NtfFlag.SELF,
    type: 0,
    dst: remoteNodeIp,
    lladdr: remoteVtepMac,
  };
}

function familyCode(family: NeighFamily): number {
  if (family === 'bridge') return AddressFamily.BRIDGE;
  return family === 4 ? AddressFamily.INET : AddressFamily.INET6;
}

/** Writes ndmsg and the attributes of `neigh`. */
export function writeNeighBody(w: NetlinkWriter, neigh: NeighMessage): void {
  w.u8(familyCode(neigh.family));
  w.zeros(3); // ndm_pad1, ndm_pad2
  w.u32(neigh.ifindex);
  w.u16(neigh.state);
  w.u8(neigh.flags);
  w.u8(neigh.type);
  if (neigh.dst !== undefined) {
    const version = versionOf(neigh.dst);
    if (neigh.family !== 'bridge' && version !== neigh.family) {
      throw new NetlinkEncodeError('bad-address', `${neigh.dst} in an IPv${neigh.family} neighbour`);
    }
    w.u16(ATTR_HEADER_BYTES + addressBytes(version));
    w.u16(NdaType.DST);
    writeAddress(w, version, neigh.dst);
  }
  if (neigh.lladdr !== undefined) writeAttrBytes(w, NdaType.LLADDR, parseMac(neigh.lladdr));
  if (neigh.vni !== undefined) writeAttrU32(w, NdaType.VNI, neigh.vni);
  if (neigh.master !== undefined) writeAttrU32(w, NdaType.MASTER, neigh.master);
}

function neighFamily(code: number): NeighFamily {
  if (code === AddressFamily.INET) return 4;
  if (code === AddressFamily.INET6) return 6;
  if (code === AddressFamily.BRIDGE) return 'bridge';
  throw new NetlinkDecodeError('unsupported-family', 0, `neighbour family ${code}`);
}

/** Decodes the payload of an RTM_NEWNEIGH/DELNEIGH message. */
export function decodeNeighBody(payload: Uint8Array): NeighMessage {
  const view = new ByteView(payload);
  view.need(0, NDMSG_BYTES, 'struct ndmsg');
  const family = neighFamily(view.u8(0));
  const neigh: Mutable<NeighMessage> = {
    family,
    ifindex: view.u32(4),
    state: view.u16(8),
    flags: view.u8(10),
    type: view.u8(11),
  };
  const cursor = new AttrCursor(view, NDMSG_BYTES, payload.length);
  while (cursor.next()) {
    switch (cursor.type) {
      case NdaType.DST:
        // An FDB entry's NDA_DST may be of either family; its length tells which.
        neigh.dst =
          family === 'bridge'
            ? formatAddress(cursor.bytes(), cursor.payloadStart)
            : formatAddressOf(family, cursor.bytes(), cursor.payloadStart);
        break;
      case NdaType.LLADDR:
        neigh.lladdr = formatMac(cursor.bytes());
        break;
      case NdaType.VNI:
        neigh.vni = cursor.u32();
        break;
      case NdaType.MASTER:
        neigh.master = cursor.u32();
        break;
      default:
        break;
    }
  }
  return neigh;
}
