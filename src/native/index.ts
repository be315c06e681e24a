/**
 * petrel's native socket layer: TCP with MD5 and TTL security set before connect, rtnetlink
 * datagram sockets that report overflow as an error event, and systemd notify. The addon itself
 * is loaded from build/Release/petrel.node on first use (see addon.ts).
 */
export { addon } from './addon.js';
export { NetlinkProtocol, SocketLevel, SocketOption, TCP_MD5_MAX_KEY_BYTES } from './constants.js';
export type { IntSocketOption, SocketOptionName } from './constants.js';
export { SocketError } from './errors.js';
export { NetlinkSocket } from './netlink.js';
export type { NetlinkSocketEvents, NetlinkSocketOptions } from './netlink.js';
export { sdNotify } from './notify.js';
export {
  bindSocket, closeFd, connectTcp, createTcpSocket, getSocketOption, handleFd, ipVersion, setListenerMd5,
  setListenerMinTtl, setListenerTtl, setSocketOption, setTcpMd5Key, socketError,
} from './tcp.js';
export type { ConnectTcpOptions, IpVersion } from './tcp.js';
export { UdpSocket, type UdpBindOptions, type UdpSocketEvents, type UdpSource } from './udp.js';
