/**
 * Interface addresses (rtnetlink(7) RTM_NEWADDR/DELADDR/GETADDR): struct ifaddrmsg (8 octets:
 * family, prefixlen, flags, scope, u32 index) followed by IFA_* attributes (<linux/if_addr.h>).
 * IFA_LOCAL is the interface's own address; IFA_ADDRESS is the same on broadcast links and the
 * peer on point-to-point ones. iproute2 sends both for `ip addr add A/len dev X`, and so do we.
 */
import { AttrCursor, writeAttrString } from './attrs.js';
import { type IpVersion, addressBytes, formatAddressOf, writeAddress } from './addresses.js';
import { ATTR_HEADER_BYTES } from './attrs.js';
import { ByteView, type NetlinkWriter } from './bytes.js';
import { AddressFamily, IfaType, NlmFlag, NlmNewFlag, RtScope, RtmType } from './constants.js';
import { NetlinkDecodeError, NetlinkEncodeError } from './errors.js';
import type { DumpSpec } from './message.js';

/** sizeof(struct ifaddrmsg). */
export const IFADDRMSG_BYTES = 8;

export interface AddressMessage {
  readonly family: IpVersion;
  readonly prefixLength: number;
  /** ifa_flags: IFA_F_* (the low 8 bits; dumps carry the rest in IFA_FLAGS). */
  readonly flags: number;
  /** ifa_scope: RtScope. */
  readonly scope: number;
  readonly index: number;
  readonly address?: string;
  readonly local?: string;
  readonly label?: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** RTM_NEWADDR flags to add an address that must not exist yet (`ip addr add`). */
export const ADDRESS_ADD_FLAGS = NlmFlag.REQUEST | NlmNewFlag.CREATE | NlmNewFlag.EXCL;
/** RTM_NEWADDR flags to add or update (`ip addr replace`). */
export const ADDRESS_REPLACE_FLAGS = NlmFlag.REQUEST | NlmNewFlag.CREATE | NlmNewFlag.REPLACE;

export function addressDump(family: number): DumpSpec {
  return { type: RtmType.GETADDR, headerBytes: IFADDRMSG_BYTES, family };
}

/** The body to put `address` with `prefixLength` on interface `index` (e.g. a VTEP /32). */
export function interfaceAddress(index: number, version: IpVersion, address: string, prefixLength: number): AddressMessage {
  return { family: version, prefixLength, flags: 0, scope: RtScope.UNIVERSE, index, local: address, address };
}

/** Writes ifaddrmsg and the attributes of `address`. */
export function writeAddressBody(w: NetlinkWriter, message: AddressMessage): void {
  if (message.prefixLength > addressBytes(message.family) * 8) {
    throw new NetlinkEncodeError('bad-prefix', `prefix length ${message.prefixLength} for IPv${message.family}`);
  }
  w.u8(message.family === 4 ? AddressFamily.INET : AddressFamily.INET6);
  w.u8(message.prefixLength);
  w.u8(message.flags);
  w.u8(message.scope);
  w.u32(message.index);
  if (message.local !== undefined) writeIpAttr(w, IfaType.LOCAL, message.family, message.local);
  if (message.address !== undefined) writeIpAttr(w, IfaType.ADDRESS, message.family, message.address);
  if (message.label !== undefined) writeAttrString(w, IfaType.LABEL, message.label);
}

function writeIpAttr(w: NetlinkWriter, type: number, version: IpVersion, text: string): void {
  w.u16(ATTR_HEADER_BYTES + addressBytes(version));
  w.u16(type);
  writeAddress(w, version, text);
}

/** Decodes the payload of an RTM_NEWADDR/DELADDR message. */
export function decodeAddressBody(payload: Uint8Array): AddressMessage {
  const view = new ByteView(payload);
  view.need(0, IFADDRMSG_BYTES, 'struct ifaddrmsg');
  const familyCode = view.u8(0);
  if (familyCode !== AddressFamily.INET && familyCode !== AddressFamily.INET6) {
    throw new NetlinkDecodeError('unsupported-family', 0, `address family ${familyCode}`);
  }
  const family: IpVersion = familyCode === AddressFamily.INET ? 4 : 6;
  const message: Mutable<AddressMessage> = {
    family,
    prefixLength: view.u8(1),
    flags: view.u8(2),
    scope: view.u8(3),
    index: view.u32(4),
  };
  const cursor = new AttrCursor(view, IFADDRMSG_BYTES, payload.length);
  while (cursor.next()) {
    if (cursor.type === IfaType.ADDRESS) message.address = formatAddressOf(family, cursor.bytes(), cursor.payloadStart);
    else if (cursor.type === IfaType.LOCAL) message.local = formatAddressOf(family, cursor.bytes(), cursor.payloadStart);
    else if (cursor.type === IfaType.LABEL) message.label = cursor.string();
  }
  return message;
}
