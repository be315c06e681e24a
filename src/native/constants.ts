/**
 * Linux socket constants petrel passes to its native addon, named after the C headers they come
 * from (<sys/socket.h>, <netinet/in.h>, <netinet/tcp.h>, <linux/netlink.h>, <linux/rtnetlink.h>).
 * A test holds every value to the header value the addon was compiled against.
 */

/** setsockopt levels. */
export const SocketLevel = {
  SOL_SOCKET: 1,
  IPPROTO_IP: 0,
  IPPROTO_IPV6: 41,
  IPPROTO_TCP: 6,
  SOL_NETLINK: 270,
} as const;
export type SocketLevel = (typeof SocketLevel)[keyof typeof SocketLevel];

/** An integer socket option: the level it lives at and its name there. */
export interface IntSocketOption {
  readonly level: SocketLevel;
  readonly name: number;
}

/** Integer socket options, keyed by their C names. */
export const SocketOption = {
  SO_REUSEADDR: { level: SocketLevel.SOL_SOCKET, name: 2 },
  SO_KEEPALIVE: { level: SocketLevel.SOL_SOCKET, name: 9 },
  SO_SNDBUF: { level: SocketLevel.SOL_SOCKET, name: 7 },
  SO_RCVBUF: { level: SocketLevel.SOL_SOCKET, name: 8 },
  /** Like SO_SNDBUF/SO_RCVBUF but past net.core.[rw]mem_max; needs CAP_NET_ADMIN. */
  SO_SNDBUFFORCE: { level: SocketLevel.SOL_SOCKET, name: 32 },
  SO_RCVBUFFORCE: { level: SocketLevel.SOL_SOCKET, name: 33 },
  IP_TOS: { level: SocketLevel.IPPROTO_IP, name: 1 },
  IP_TTL: { level: SocketLevel.IPPROTO_IP, name: 2 },
  /** RFC 5082 GTSM: drop received IPv4 packets whose TTL is below this. */
  IP_MINTTL: { level: SocketLevel.IPPROTO_IP, name: 21 },
  /** UDP: receive each datagram's TTL as an IP_TTL control message (set by the addon's udpSocket). */
  IP_RECVTTL: { level: SocketLevel.IPPROTO_IP, name: 12 },
  /** UDP: receive each datagram's interface and destination as an IP_PKTINFO control message. */
  IP_PKTINFO: { level: SocketLevel.IPPROTO_IP, name: 8 },
  IPV6_V6ONLY: { level: SocketLevel.IPPROTO_IPV6, name: 26 },
  IPV6_UNICAST_HOPS: { level: SocketLevel.IPPROTO_IPV6, name: 16 },
  /** RFC 5082 GTSM for IPv6: drop received packets whose hop limit is below this. */
  IPV6_MINHOPCOUNT: { level: SocketLevel.IPPROTO_IPV6, name: 73 },
  IPV6_TCLASS: { level: SocketLevel.IPPROTO_IPV6, name: 67 },
  /** UDP: receive each datagram's hop limit as an IPV6_HOPLIMIT control message. */
  IPV6_RECVHOPLIMIT: { level: SocketLevel.IPPROTO_IPV6, name: 51 },
  /** UDP: receive each datagram's interface and destination as an IPV6_PKTINFO control message. */
  IPV6_RECVPKTINFO: { level: SocketLevel.IPPROTO_IPV6, name: 49 },
  TCP_NODELAY: { level: SocketLevel.IPPROTO_TCP, name: 1 },
  NETLINK_ADD_MEMBERSHIP: { level: SocketLevel.SOL_NETLINK, name: 1 },
  NETLINK_DROP_MEMBERSHIP: { level: SocketLevel.SOL_NETLINK, name: 2 },
  /** Stop reporting ENOBUFS on overflow (messages are then lost silently). */
  NETLINK_NO_ENOBUFS: { level: SocketLevel.SOL_NETLINK, name: 5 },
  /** Extended ACKs: error text and offending attribute in NLMSG_ERROR. */
  NETLINK_EXT_ACK: { level: SocketLevel.SOL_NETLINK, name: 11 },
  /** Strict header checks, which also make the kernel honour dump filters. */
  NETLINK_GET_STRICT_CHK: { level: SocketLevel.SOL_NETLINK, name: 12 },
} as const satisfies Record<string, IntSocketOption>;
export type SocketOptionName = keyof typeof SocketOption;

/** Linux TCP_MD5SIG_MAXKEYLEN: the longest RFC 2385 key the kernel stores. */
export const TCP_MD5_MAX_KEY_BYTES = 80;

/** Netlink protocol families (the third argument of socket(AF_NETLINK, ...)). */
export const NetlinkProtocol = {
  NETLINK_ROUTE: 0,
} as const;
export type NetlinkProtocol = (typeof NetlinkProtocol)[keyof typeof NetlinkProtocol];
