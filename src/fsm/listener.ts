/**
 * The passive side of BGP: TCP listeners (RFC 4271 §8: connections to port 179) that hand each
 * connection from a configured peer's address to that peer's session as TcpConnection_Valid.
 *
 * SPEC §8: a connection from any other address never reaches OPEN processing — it is closed at
 * once, before a byte is read or written, and counted. The listening sockets carry each peer's
 * RFC 2385 MD5 key (accepted sockets inherit it, so an unsigned SYN from a keyed peer is dropped
 * by the kernel) and the RFC 5082 TTLs: the listener sends with the highest TTL any peer needs
 * and drops SYNs below the lowest minimum every peer demands; each accepted socket then gets its
 * own peer's exact values (as BIRD and OpenBGPD do), since one listener serves all peers.
 */
import { once } from 'node:events';
import net from 'node:net';
import { canonicalAddress, isIpv6LinkLocal } from '../bgp/address.js';
import {
  handleFd, ipVersion, setListenerMd5, setListenerMinTtl, setListenerTtl, setSocketOption, type IpVersion,
} from '../native/index.js';
import { SILENT_LOGGER, type SessionLogger, type TransportSecurity } from './session.js';

/** Where to listen (config `listen`). */
export interface ListenEndpoint {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
}

/** What the listener hands a connection to (session.ts `Session`). */
export interface ConnectionAcceptor {
  acceptConnection(socket: net.Socket): void;
}

interface PeerEntry {
  readonly acceptor: ConnectionAcceptor;
  readonly security: TransportSecurity;
}

/** Node reports IPv4 peers of a dual-stack socket as IPv4-mapped IPv6 addresses. */
const MAPPED_PREFIX = '::ffff:';
/** IP_MINTTL 0 turns the check off. */
const NO_MIN_TTL = 0;
/** The kernel's default TTL, what a listener sends when no peer asks for more. */
const DEFAULT_TTL = 64;


/**
 * The key a peer address is filed under: canonical text, IPv4-mapped unwrapped, no zone except
 * on a link-local address, which names a peer only together with its link (RFC 4291 §2.5.6):
 * `fe80::1%eth0` and `fe80::1%eth1` are two peers, and Node reports accepted ones so.
 */
export function peerKey(address: string): string {
  const [bare = address, zone] = address.split('%');
  const unmapped = bare.toLowerCase().startsWith(MAPPED_PREFIX) && net.isIPv4(bare.slice(MAPPED_PREFIX.length)) ? bare.slice(MAPPED_PREFIX.length) : bare;
  const canonical = canonicalAddress(unmapped) ?? unmapped;
  return zone !== undefined && zone !== '' && isIpv6LinkLocal(canonical) ? `${canonical}%${zone}` : canonical;
}

function familyOf(server: net.Server): IpVersion | undefined {
  const address = server.address();
  if (address === null || typeof address === 'string') return undefined;
  return address.family === 'IPv6' ? 6 : 4;
}

/** A server on `::` also takes IPv4 connections, as IPv4-mapped addresses. */
function isDualStack(server: net.Server): boolean {
  const address = server.address();
  return address !== null && typeof address !== 'string' && address.family === 'IPv6' && address.address === '::';
}

export class BgpListener {
  private readonly peers = new Map<string, PeerEntry>();
  private readonly log: SessionLogger;
  private refused = 0;

  /**
   * Serve already-listening sockets (e.g. handed over from a network namespace in tests).
   * @param servers listening TCP servers; the listener takes them over and closes them on `close()`
   */
  constructor(
    private readonly servers: readonly net.Server[],
    logger: SessionLogger = SILENT_LOGGER,
  ) {
    this.log = logger.child({ component: 'listener' });
    for (const server of servers) {
      server.on('connection', (socket) => this.onConnection(socket));
      server.on('error', (error) => this.log.error({ error: error.message }, 'listener error'));
    }
  }

  /** Listen on each endpoint; `::` takes IPv4 peers too (dual stack), like BIRD's default listener. */
  static async listen(endpoints: readonly ListenEndpoint[], logger?: SessionLogger): Promise<BgpListener> {
    const servers: net.Server[] = [];
    try {
      for (const { host, port } of endpoints) {
        // Paused: an unconfigured peer's bytes are never read (SPEC §8).
        const server = net.createServer({ pauseOnConnect: true });
        servers.push(server);
        server.listen({ host, port });
        await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e as Error))]);
      }
    } catch (error) {
      for (const s of servers) s.close();
      throw error;
    }
    return new BgpListener(servers, logger);
  }

  /** The bound addresses, in endpoint order (ports chosen by the kernel for port 0). */
  addresses(): net.AddressInfo[] {
    return this.servers.flatMap((s) => {
      const a = s.address();
      return a !== null && typeof a !== 'string' ? [a] : [];
    });
  }

  /** Connections closed because their address belongs to no configured peer. */
  get refusedConnections(): number {
    return this.refused;
  }

  /** Route connections from `address` to `acceptor`, with the peer's MD5 key and TTLs. Replaces an existing entry. */
  addPeer(address: string, acceptor: ConnectionAcceptor, security: TransportSecurity = {}): void {
    const key = peerKey(address);
    const previous = this.peers.get(key);
    if (previous?.security.md5Key !== undefined && security.md5Key === undefined) this.setMd5(key, '');
    this.peers.set(key, { acceptor, security });
    if (security.md5Key !== undefined) this.setMd5(key, security.md5Key);
    this.applyTtls();
  }

  /** Stop accepting `address`: later connections from it are refused, and its key is removed. */
  removePeer(address: string): void {
    const key = peerKey(address);
    const entry = this.peers.get(key);
    if (!entry) return;
    this.peers.delete(key);
    if (entry.security.md5Key !== undefined) this.setMd5(key, '');
    this.applyTtls();
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }

  private onConnection(socket: net.Socket): void {
    const remote = socket.remoteAddress;
    const entry = remote === undefined ? undefined : this.peers.get(peerKey(remote));
    if (!entry) {
      this.refused++;
      this.log.warn({ remote, remotePort: socket.remotePort }, 'connection from an unconfigured address closed');
      socket.destroy();
      return;
    }
    socket.on('error', () => undefined); // until the session's transport listens
    try {
      this.applySocketTtls(socket, entry.security);
    } catch (error) {
      this.log.error({ remote, error: error instanceof Error ? error.message : String(error) }, 'cannot set TTL on an accepted connection');
      socket.destroy();
      return;
    }
    entry.acceptor.acceptConnection(socket);
  }

  /**
   * RFC 2385: the key on every listening socket that can accept the peer. A dual-stack socket
   * sees an IPv4 peer as IPv4-mapped, and the kernel files a key for a mapped address as IPv4.
   */
  private setMd5(address: string, key: string | Uint8Array): void {
    const version = ipVersion(address);
    for (const server of this.servers) {
      const family = familyOf(server);
      if (family === version) setListenerMd5(server, address, key);
      else if (version === 4 && isDualStack(server)) setListenerMd5(server, `${MAPPED_PREFIX}${address}`, key);
    }
  }

  /**
   * RFC 5082 on the listening sockets: send with the largest TTL any peer needs (the SYN-ACK
   * must reach a GTSM peer with 255), and drop SYNs below the smallest minimum of all peers, so
   * with only GTSM peers a far-away sender never completes a handshake.
   */
  private applyTtls(): void {
    const entries = [...this.peers.values()];
    const ttl = Math.max(DEFAULT_TTL, ...entries.map((e) => e.security.ttl ?? DEFAULT_TTL));
    const minTtl = entries.length === 0 ? NO_MIN_TTL : Math.min(...entries.map((e) => e.security.minTtl ?? NO_MIN_TTL));
    for (const server of this.servers) {
      if (familyOf(server) === undefined) continue;
      setListenerTtl(server, ttl);
      setListenerMinTtl(server, minTtl);
    }
  }

  /** The peer's own TTL and minimum on its accepted connection. */
  private applySocketTtls(socket: net.Socket, security: TransportSecurity): void {
    const fd = handleFd(socket);
    const v6 = socket.remoteFamily === 'IPv6';
    // IPv6 sockets carrying IPv4 (mapped) traffic use the IPv4 options too.
    const ttl = security.ttl ?? DEFAULT_TTL;
    const minTtl = security.minTtl ?? NO_MIN_TTL;
    if (v6) {
      setSocketOption(fd, 'IPV6_UNICAST_HOPS', ttl);
      setSocketOption(fd, 'IPV6_MINHOPCOUNT', minTtl);
    }
    setSocketOption(fd, 'IP_TTL', ttl);
    setSocketOption(fd, 'IP_MINTTL', minTtl);
  }
}
