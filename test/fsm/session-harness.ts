/**
 * Loopback plumbing for session tests: petrel sessions with their listeners on 127.0.0.x
 * (ephemeral ports), a raw BGP peer built on the independent recorder builders (test/peers),
 * and waiting helpers that resolve on events rather than on elapsed time.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { BgpListener } from '../../src/fsm/listener.js';
import type { LocalSpeaker } from '../../src/fsm/open.js';
import { sessionConfig, type SessionConfig } from '../../src/fsm/session-config.js';
import type { SessionEvents } from '../../src/fsm/session-api.js';
import { Session, type SessionLogger, type SessionOptions, type TransportSecurity } from '../../src/fsm/session.js';
import { buildOpen, caps, IPV4_UNICAST, MessageType, message, type RawCapability } from '../peers/recorder.js';

export { MessageType };

const cleanups: (() => Promise<void> | void)[] = [];

/** Runs (in reverse order) everything registered since the last call; use in afterEach. */
export async function cleanup(): Promise<void> {
  for (const step of cleanups.splice(0).reverse()) await step();
}

export function onCleanup(step: () => Promise<void> | void): void {
  cleanups.push(step);
}

export function speaker(routerId: string, localAs: number, over: Partial<LocalSpeaker> = {}): LocalSpeaker {
  return { localAs, routerId, holdTimeSec: 90, families: ['ipv4-unicast'], ...over };
}

/** Short timers so that retries and backoff happen within a test. */
export function quickConfig(peerAs: number, over: Partial<SessionConfig> = {}): SessionConfig {
  return sessionConfig({ peerAs, connectDelaySec: 0, connectRetrySec: 0.5, errorWaitMinSec: 0.3, errorWaitMaxSec: 1, ...over });
}

export async function listen(host: string): Promise<{ listener: BgpListener; port: number }> {
  const listener = await BgpListener.listen([{ host, port: 0 }]);
  onCleanup(() => listener.close());
  return { listener, port: listener.addresses()[0]!.port };
}

/** A Session stopped (and so closed) at cleanup. */
export function session(opts: SessionOptions): Session {
  const s = new Session(opts);
  onCleanup(() => s.stop());
  return s;
}

export interface Side {
  readonly address: string;
  readonly as: number;
  readonly routerId: string;
  readonly passive?: boolean;
  readonly security?: TransportSecurity;
  /** What this side's listener expects from the other (default: its own security). */
  readonly expects?: TransportSecurity;
  readonly config?: Partial<SessionConfig>;
  readonly local?: Partial<LocalSpeaker>;
  readonly logger?: SessionLogger;
  /** Timer jitter source (default Math.random). */
  readonly random?: () => number;
}

export interface Pair {
  readonly a: Session;
  readonly b: Session;
  readonly listenerA: BgpListener;
  readonly listenerB: BgpListener;
}

/** Two petrel sessions towards each other, each side with its own listener; not started. */
export async function petrelPair(sa: Side, sb: Side): Promise<Pair> {
  const la = await listen(sa.address);
  const lb = await listen(sb.address);
  const make = (self: Side, other: Side, otherPort: number): Session =>
    session({
      name: `to-${other.address}`,
      remoteAddress: other.address,
      remotePort: otherPort,
      localAddress: self.address,
      config: quickConfig(other.as, { passive: self.passive ?? false, ...self.config }),
      local: speaker(self.routerId, self.as, self.local),
      ...(self.security ? { security: self.security } : {}),
      ...(self.logger ? { logger: self.logger } : {}),
      ...(self.random ? { random: self.random } : {}),
    });
  const a = make(sa, sb, lb.port);
  const b = make(sb, sa, la.port);
  la.listener.addPeer(sb.address, a, sa.expects ?? sb.security ?? {});
  lb.listener.addPeer(sa.address, b, sb.expects ?? sa.security ?? {});
  return { a, b, listenerA: la.listener, listenerB: lb.listener };
}

/** Resolves with the arguments of the next `event`; rejects after `timeoutMs`. */
export async function next<K extends keyof SessionEvents>(s: Session, event: K, timeoutMs = 10_000): Promise<SessionEvents[K]> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return (await once(s as unknown as NodeJS.EventEmitter, event, { signal })) as SessionEvents[K];
  } catch (e) {
    throw new Error(`${s.name}: no '${String(event)}' within ${timeoutMs} ms (state ${s.info().state}, last error ${s.info().lastError ?? '-'})`, { cause: e });
  }
}

/** Resolves once `s` is Established (at once if it is). */
export async function established(s: Session, timeoutMs = 10_000): Promise<void> {
  if (s.info().state === 'Established') return;
  await next(s, 'established', timeoutMs);
}

/** Polls a condition on the real event loop until it holds. */
export async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(20);
  }
}

export interface RawMessage {
  readonly type: number;
  readonly bytes: Buffer;
}

/**
 * A hand-driven BGP peer on a raw socket: it frames what it receives naively by the length field
 * and sends only what the test tells it to, so every step of an exchange is the test's choice.
 */
export class RawPeer {
  readonly messages: RawMessage[] = [];
  bytesReceived = 0;
  readonly closed: Promise<void>;
  private buffer = Buffer.alloc(0);
  private readonly listeners: (() => void)[] = [];

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.resume();
    onCleanup(() => {
      socket.destroy();
    });
  }

  static async connect(host: string, port: number, localAddress: string): Promise<RawPeer> {
    const socket = net.connect({ host, port, localAddress });
    await once(socket, 'connect');
    return new RawPeer(socket);
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  sendOpen(myAs: number, routerId: string, holdTimeSec = 90, capabilities: readonly RawCapability[] = defaultCaps(myAs)): void {
    this.send(buildOpen({ myAs, routerId, holdTimeSec, capabilities }));
  }

  sendKeepalive(): void {
    this.send(message(MessageType.KEEPALIVE));
  }

  /** The `n`-th (0-based) message of `type`, once it has arrived. */
  async nth(type: number, n = 0, timeoutMs = 10_000): Promise<RawMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.filter((m) => m.type === type)[n];
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no message of type ${type} #${n} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.listeners.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  count(type: number): number {
    return this.messages.filter((m) => m.type === type).length;
  }

  private onData(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 19) {
      const length = this.buffer.readUInt16BE(16);
      if (length < 19 || this.buffer.length < length) break;
      const bytes = Buffer.from(this.buffer.subarray(0, length));
      this.buffer = this.buffer.subarray(length);
      this.messages.push({ type: bytes.readUInt8(18), bytes });
    }
    for (const l of this.listeners.splice(0)) l();
  }
}

export function defaultCaps(myAs: number): RawCapability[] {
  return [caps.multiprotocol(IPV4_UNICAST), caps.fourOctetAs(myAs), caps.routeRefresh()];
}

/** A raw TCP server whose accepted connections become RawPeers. */
export async function rawServer(host: string): Promise<{ port: number; accepted: () => Promise<RawPeer> }> {
  const server = net.createServer({ pauseOnConnect: true });
  const waiting: RawPeer[] = [];
  const wanted: ((p: RawPeer) => void)[] = [];
  server.on('connection', (socket) => {
    const peer = new RawPeer(socket);
    const w = wanted.shift();
    if (w) w(peer);
    else waiting.push(peer);
  });
  server.listen(0, host);
  await once(server, 'listening');
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => {
      const p = waiting.shift();
      return p ? Promise.resolve(p) : new Promise((resolve) => wanted.push(resolve));
    },
  };
}

/** NOTIFICATION code and subcode of a raw message. */
export function notificationCode(m: RawMessage): [number, number] {
  return [m.bytes.readUInt8(19), m.bytes.readUInt8(20)];
}

/**
 * TCP connections in ESTABLISHED state between two loopback addresses, whoever opened them:
 * every such connection has exactly one socket whose local address is `a` and remote `b`.
 */
export function establishedBetween(a: string, b: string): number {
  const hex = (ip: string): string =>
    ip
      .split('.')
      .map((x) => Number(x).toString(16).padStart(2, '0'))
      .reverse()
      .join('')
      .toUpperCase();
  const [ha, hb] = [hex(a), hex(b)];
  let n = 0;
  for (const line of readProcNetTcp()) {
    const f = line.trim().split(/\s+/);
    const local = f[1]?.split(':')[0];
    const remote = f[2]?.split(':')[0];
    if (f[3] === '01' && local === ha && remote === hb) n++;
  }
  return n;
}

function readProcNetTcp(): string[] {
  return readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1);
}
