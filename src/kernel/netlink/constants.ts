/**
 * rtnetlink wire constants as `as const` tables, named after the C headers they come from:
 * <linux/netlink.h> (nlmsghdr types, NLM_F_* flags, NLMSGERR_ATTR_*), <linux/rtnetlink.h>
 * (RTM_*, RTA_*, RTN_*, RTPROT_*, RT_SCOPE_*, RT_TABLE_*, RTNH_F_*, RTNLGRP_*), <linux/if_link.h>
 * (IFLA_*, IFLA_INFO_*, IFLA_VXLAN_*), <linux/if_addr.h> (IFA_*), <linux/neighbour.h> (NDA_*,
 * NUD_*, NTF_*), <linux/if.h> (IFF_*) and <bits/socket.h> (AF_*). Each key is the C name without
 * the table's prefix; test/kernel/netlink/constants.test.ts compiles the headers and holds every
 * value to them.
 */

type ValueOf<T> = T[keyof T];

/** Address families (<bits/socket.h>): rtm_family, ifa_family, ndm_family. */
export const AddressFamily = {
  UNSPEC: 0,
  INET: 2,
  BRIDGE: 7,
  INET6: 10,
} as const;
export type AddressFamily = ValueOf<typeof AddressFamily>;

/** Control message types below NLMSG_MIN_TYPE (netlink.h). */
export const NlmsgType = {
  NOOP: 1,
  ERROR: 2,
  DONE: 3,
  OVERRUN: 4,
  /** NLMSG_MIN_TYPE: types below are control messages. */
  MIN_TYPE: 0x10,
} as const;
export type NlmsgType = ValueOf<typeof NlmsgType>;

/** rtnetlink message types (rtnetlink.h, enum RTM_BASE...). */
export const RtmType = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  SETLINK: 19,
  NEWADDR: 20,
  DELADDR: 21,
  GETADDR: 22,
  NEWROUTE: 24,
  DELROUTE: 25,
  GETROUTE: 26,
  NEWNEIGH: 28,
  DELNEIGH: 29,
  GETNEIGH: 30,
} as const;
export type RtmType = ValueOf<typeof RtmType>;

/** nlmsg_flags valid on every message (netlink.h). */
export const NlmFlag = {
  REQUEST: 0x01,
  MULTI: 0x02,
  ACK: 0x04,
  ECHO: 0x08,
  DUMP_INTR: 0x10,
  DUMP_FILTERED: 0x20,
} as const;

/** Modifiers to GET requests (netlink.h). */
export const NlmGetFlag = {
  ROOT: 0x100,
  MATCH: 0x200,
  ATOMIC: 0x400,
  DUMP: 0x300,
} as const;

/** Modifiers to NEW requests (netlink.h): CREATE|EXCL is BSD "add", CREATE|REPLACE an upsert. */
export const NlmNewFlag = {
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
} as const;

/** Flags of an NLMSG_ERROR acknowledgement (netlink.h). */
export const NlmAckFlag = {
  /** The echoed request was cut to its header. */
  CAPPED: 0x100,
  /** Extended ACK TLVs follow the echoed request. */
  ACK_TLVS: 0x200,
} as const;

/** Extended ACK attributes inside NLMSG_ERROR / NLMSG_DONE (netlink.h, enum nlmsgerr_attrs). */
export const NlmsgerrAttr = {
  MSG: 1,
  OFFS: 2,
  COOKIE: 3,
  POLICY: 4,
  MISS_TYPE: 5,
  MISS_NEST: 6,
} as const;

/** rtattr type bits (netlink.h NLA_F_*): set on nested / network-order attributes by some senders. */
export const NlaFlag = {
  NESTED: 1 << 15,
  NET_BYTEORDER: 1 << 14,
} as const;

/** NLA_TYPE_MASK (netlink.h): the attribute type without the NLA_F_* bits. */
export const NLA_TYPE_MASK = 0x3fff;

/** Route attributes (rtnetlink.h, enum rtattr_type_t). */
export const RtaType = {
  UNSPEC: 0,
  DST: 1,
  SRC: 2,
  IIF: 3,
  OIF: 4,
  GATEWAY: 5,
  PRIORITY: 6,
  PREFSRC: 7,
  METRICS: 8,
  MULTIPATH: 9,
  FLOW: 11,
  CACHEINFO: 12,
  TABLE: 15,
  MARK: 16,
  VIA: 18,
  NEWDST: 19,
  PREF: 20,
  ENCAP_TYPE: 21,
  ENCAP: 22,
  EXPIRES: 23,
  PAD: 24,
  NH_ID: 30,
} as const;
export type RtaType = ValueOf<typeof RtaType>;

/** rtm_type (rtnetlink.h). */
export const RtnType = {
  UNSPEC: 0,
  UNICAST: 1,
  LOCAL: 2,
  BROADCAST: 3,
  ANYCAST: 4,
  MULTICAST: 5,
  BLACKHOLE: 6,
  UNREACHABLE: 7,
  PROHIBIT: 8,
  THROW: 9,
  NAT: 10,
  XRESOLVE: 11,
} as const;
export type RtnType = ValueOf<typeof RtnType>;

/** rtm_protocol (rtnetlink.h); values above STATIC are opaque to the kernel. */
export const RtProt = {
  UNSPEC: 0,
  REDIRECT: 1,
  KERNEL: 2,
  BOOT: 3,
  STATIC: 4,
  GATED: 8,
  RA: 9,
  MRT: 10,
  ZEBRA: 11,
  BIRD: 12,
  DNROUTED: 13,
  XORP: 14,
  NTK: 15,
  DHCP: 16,
  MROUTED: 17,
  KEEPALIVED: 18,
  BABEL: 42,
  OPENR: 99,
  BGP: 186,
  ISIS: 187,
  OSPF: 188,
  RIP: 189,
  EIGRP: 192,
} as const;

/** rtm_scope (rtnetlink.h, enum rt_scope_t). */
export const RtScope = {
  UNIVERSE: 0,
  SITE: 200,
  LINK: 253,
  HOST: 254,
  NOWHERE: 255,
} as const;
export type RtScope = ValueOf<typeof RtScope>;

/** Reserved table ids (rtnetlink.h, enum rt_class_t). */
export const RtTable = {
  UNSPEC: 0,
  COMPAT: 252,
  DEFAULT: 253,
  MAIN: 254,
  LOCAL: 255,
} as const;

/** rtnh_flags and the low byte of rtm_flags (rtnetlink.h). */
export const RtnhFlag = {
  DEAD: 1,
  PERVASIVE: 2,
  ONLINK: 4,
  OFFLOAD: 8,
  LINKDOWN: 16,
  UNRESOLVED: 32,
  TRAP: 64,
} as const;

/** rtm_flags above the next-hop byte (rtnetlink.h). */
export const RtmFlag = {
  NOTIFY: 0x100,
  CLONED: 0x200,
  EQUALIZE: 0x400,
  PREFIX: 0x800,
  LOOKUP_TABLE: 0x1000,
  FIB_MATCH: 0x2000,
  OFFLOAD: 0x4000,
  TRAP: 0x8000,
} as const;

/** rtnetlink multicast groups (rtnetlink.h, enum rtnetlink_groups), for NETLINK_ADD_MEMBERSHIP. */
export const RtnlGroup = {
  LINK: 1,
  NOTIFY: 2,
  NEIGH: 3,
  TC: 4,
  IPV4_IFADDR: 5,
  IPV4_MROUTE: 6,
  IPV4_ROUTE: 7,
  IPV4_RULE: 8,
  IPV6_IFADDR: 9,
  IPV6_MROUTE: 10,
  IPV6_ROUTE: 11,
} as const;

/** Link attributes (if_link.h). */
export const IflaType = {
  UNSPEC: 0,
  ADDRESS: 1,
  BROADCAST: 2,
  IFNAME: 3,
  MTU: 4,
  LINK: 5,
  QDISC: 6,
  STATS: 7,
  MASTER: 10,
  TXQLEN: 13,
  OPERSTATE: 16,
  LINKMODE: 17,
  LINKINFO: 18,
  IFALIAS: 20,
  AF_SPEC: 26,
  GROUP: 27,
  EXT_MASK: 29,
  CARRIER: 33,
} as const;

/** Nested in IFLA_LINKINFO (if_link.h). */
export const IflaInfo = {
  UNSPEC: 0,
  KIND: 1,
  DATA: 2,
  XSTATS: 3,
  SLAVE_KIND: 4,
  SLAVE_DATA: 5,
} as const;

/** Nested in IFLA_INFO_DATA of kind "vxlan" (if_link.h). */
export const IflaVxlan = {
  UNSPEC: 0,
  ID: 1,
  GROUP: 2,
  LINK: 3,
  LOCAL: 4,
  TTL: 5,
  TOS: 6,
  LEARNING: 7,
  AGEING: 8,
  LIMIT: 9,
  PORT_RANGE: 10,
  PROXY: 11,
  RSC: 12,
  L2MISS: 13,
  L3MISS: 14,
  /** Destination UDP port, network byte order (__be16). */
  PORT: 15,
  GROUP6: 16,
  LOCAL6: 17,
  UDP_CSUM: 18,
} as const;

/** Interface flags (if.h, enum net_device_flags). */
export const IffFlag = {
  UP: 0x1,
  BROADCAST: 0x2,
  LOOPBACK: 0x8,
  POINTOPOINT: 0x10,
  RUNNING: 0x40,
  NOARP: 0x80,
  MULTICAST: 0x1000,
  LOWER_UP: 0x10000,
} as const;

/** Address attributes (if_addr.h). */
export const IfaType = {
  UNSPEC: 0,
  ADDRESS: 1,
  LOCAL: 2,
  LABEL: 3,
  BROADCAST: 4,
  ANYCAST: 5,
  CACHEINFO: 6,
  MULTICAST: 7,
  FLAGS: 8,
  RT_PRIORITY: 9,
} as const;

/** Neighbour attributes (neighbour.h). */
export const NdaType = {
  UNSPEC: 0,
  DST: 1,
  LLADDR: 2,
  CACHEINFO: 3,
  PROBES: 4,
  VLAN: 5,
  PORT: 6,
  VNI: 7,
  IFINDEX: 8,
  MASTER: 9,
  LINK_NETNSID: 10,
  SRC_VNI: 11,
  PROTOCOL: 12,
} as const;

/** Neighbour states (neighbour.h, ndm_state). */
export const NudState = {
  NONE: 0x00,
  INCOMPLETE: 0x01,
  REACHABLE: 0x02,
  STALE: 0x04,
  DELAY: 0x08,
  PROBE: 0x10,
  FAILED: 0x20,
  NOARP: 0x40,
  PERMANENT: 0x80,
} as const;

/** Neighbour flags (neighbour.h, ndm_flags). */
export const NtfFlag = {
  USE: 0x01,
  SELF: 0x02,
  MASTER: 0x04,
  PROXY: 0x08,
  EXT_LEARNED: 0x10,
  OFFLOADED: 0x20,
  STICKY: 0x40,
  ROUTER: 0x80,
} as const;

/** The C prefix of each table above, for the header test and for names in logs. */
export const C_PREFIX = {
  AddressFamily: 'AF_',
  NlmsgType: 'NLMSG_',
  RtmType: 'RTM_',
  NlmFlag: 'NLM_F_',
  NlmGetFlag: 'NLM_F_',
  NlmNewFlag: 'NLM_F_',
  NlmAckFlag: 'NLM_F_',
  NlmsgerrAttr: 'NLMSGERR_ATTR_',
  NlaFlag: 'NLA_F_',
  RtaType: 'RTA_',
  RtnType: 'RTN_',
  RtProt: 'RTPROT_',
  RtScope: 'RT_SCOPE_',
  RtTable: 'RT_TABLE_',
  RtnhFlag: 'RTNH_F_',
  RtmFlag: 'RTM_F_',
  RtnlGroup: 'RTNLGRP_',
  IflaType: 'IFLA_',
  IflaInfo: 'IFLA_INFO_',
  IflaVxlan: 'IFLA_VXLAN_',
  IffFlag: 'IFF_',
  IfaType: 'IFA_',
  NdaType: 'NDA_',
  NudState: 'NUD_',
  NtfFlag: 'NTF_',
} as const;
