/**
 * Daemon pipeline micro-benchmark (not a test): a route reflector `Speaker` with two in-memory
 * client sessions. One client's 1,000,000 IPv4 prefixes (one attribute set, packed into full
 * UPDATEs) are decoded and fed in as a socket would deliver them (a batch of messages per
 * event-loop turn); the other client's session counts the prefixes it is sent. Reports the time
 * from the first UPDATE to the last prefix sent, the time for all withdrawals, and a same-run
 * anchor (Map.set of 1,000,000 fresh prefix strings). Run: `npx tsx bench/daemon-micro.ts [count]`.
 */
import { EventEmitter } from 'node:events';
import { decodeMessage } from '../src/bgp/index.js';
import { resolveContext } from '../src/bgp/context.js';
import { packUpdates } from '../src/bgp/update.js';
import { parseConfig } from '../src/config/load.js';
import type { EffectivePeer } from '../src/config/peers.js';
import type { Negotiated } from '../src/fsm/negotiate.js';
import type { SessionEvents, SessionHandle, SessionInfo } from '../src/fsm/session-api.js';
import { Speaker } from '../src/daemon/speaker.js';
import { silentLogger } from '../src/log.js';
import { frameUpdate } from '../src/rib/update-groups.js';

const count = Number(process.argv[2] ?? 1_000_000);
/** Messages handed to the daemon per event-loop turn (~64 KiB of socket data). */
const MESSAGES_PER_TURN = 16;

function negotiated(peerId: string): Negotiated {
  return {
    peerAs: 64512,
    peerId,
    internal: true,
    holdTimeSec: 90,
    keepaliveSec: 30,
    families: ['ipv4-unicast'],
    fourOctetAs: true,
    addPath: { receive: [], send: [] },
    extendedMessage: false,
    routeRefresh: true,
    enhancedRouteRefresh: false,
    receiveContext: { numericIpv4: true, packedIpv4: true },
    sendContext: {},
  };
}

/** Counts the NLRI of UPDATE messages without decoding them (the receiving client's job). */
function countNlri(m: Uint8Array): number {
  if (m[18] !== 2) return 0;
  const withdrawnLength = (m[19]! << 8) | m[20]!;
  let p = 21 + withdrawnLength;
  const attrLength = (m[p]! << 8) | m[p + 1]!;
  p += 2 + attrLength;
  let n = 0;
  while (p < m.length) {
    p += 1 + ((m[p]! + 7) >>> 3);
    n++;
  }
  return n;
}

function countWithdrawn(m: Uint8Array): number {
  if (m[18] !== 2) return 0;
  const end = 21 + ((m[19]! << 8) | m[20]!);
  let p = 21;
  let n = 0;
  while (p < end) {
    p += 1 + ((m[p]! + 7) >>> 3);
    n++;
  }
  return n;
}

class BenchSession extends EventEmitter<SessionEvents> implements SessionHandle {
  readonly backpressured = false;
  announced = 0;
  withdrawn = 0;
  onProgress: () => void = () => undefined;
  constructor(
    readonly name: string,
    readonly peer: EffectivePeer,
  ) {
    super();
  }
  info(): SessionInfo {
    return { name: this.name, address: this.peer.address, port: 179, asNumber: 64512, state: 'Established', since: new Date(), connectRetryCounter: 0, disabled: false, localAddress: '10.0.0.100' };
  }
  start(): void {
    setImmediate(() => this.emit('established', negotiated(this.peer.address)));
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  reset(): void {}
  stopAutomatically(): void {}
  retime(): void {}
  send(messages: readonly Uint8Array[]): boolean {
    for (const m of messages) {
      this.announced += countNlri(m);
      this.withdrawn += countWithdrawn(m);
    }
    this.onProgress();
    return true;
  }
}

const yaml = `
asNumber: 64512
node: {name: rr, ipv4Address: 10.0.0.100/24, routeReflectorClusterId: 244.0.0.1}
kernel: {enabled: false}
exportPolicy: all
peers:
  - {name: sender, address: 10.0.0.11, asNumber: 64512, routeReflectorClient: true}
  - {name: receiver, address: 10.0.0.12, asNumber: 64512, routeReflectorClient: true}
`;
const loaded = parseConfig(yaml, 'bench.yaml', { env: {}, readFile: () => '' });
if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
const sessions = new Map<string, BenchSession>();
const speaker = new Speaker({
  config: loaded.config,
  logger: silentLogger(),
  backend: {
    create: (peer) => {
      const s = new BenchSession(peer.name, peer);
      sessions.set(peer.name, s);
      return s;
    },
  },
});
await speaker.start();
await new Promise((r) => setImmediate(r));
const sender = sessions.get('sender')!;
const receiver = sessions.get('receiver')!;

// The sender's table, packed as a client would send it.
const prefixes = Array.from({ length: count }, (_, i) => ({ prefix: `${10 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24` }));
const ctx = resolveContext({});
const attributes = [
  { type: 'origin', origin: 'igp' },
  { type: 'as-path', segments: [] },
  { type: 'next-hop', nextHop: '10.0.0.11' },
  { type: 'local-pref', localPref: 100 },
] as const;
const announce = packUpdates(attributes, prefixes, [], ctx).map(frameUpdate);
const withdraw = packUpdates([], [], prefixes, ctx).map(frameUpdate);

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

// Anchor in the same run (the machine is shared): one Map.set per fresh prefix string.
const t0 = process.hrtime.bigint();
const anchor = new Map<string, number>();
for (let i = 0; i < count; i++) anchor.set(`${10 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24`, i);
const anchorMs = ms(t0);
anchor.clear();

/** Feeds messages as a socket would, resolving when `done()` holds after a send. */
function feed(messages: readonly Uint8Array[], done: () => boolean): Promise<number> {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    receiver.onProgress = () => {
      if (done()) resolve(ms(start));
    };
    let i = 0;
    const turn = (): void => {
      const end = Math.min(messages.length, i + MESSAGES_PER_TURN);
      for (; i < end; i++) {
        // As the daemon's sessions decode (tcp-backend): IPv4 NLRI as numbers.
        const m = decodeMessage(messages[i]!, { numericIpv4: true, packedIpv4: true });
        if (m.type === 'update') sender.emit('update', m);
      }
      if (i < messages.length) setImmediate(turn);
    };
    turn();
  });
}

const rss0 = process.memoryUsage().rss;
const inMs = await feed(announce, () => receiver.announced >= count);
const rss1 = process.memoryUsage().rss;
const outMs = await feed(withdraw, () => receiver.withdrawn >= count);
console.log(`anchor: ${count} Map.set with fresh prefix strings: ${anchorMs.toFixed(0)} ms`);
console.log(`reflect ${count} prefixes (${announce.length} UPDATEs in, decode + RIB + export + encode out): ${inMs.toFixed(0)} ms (${(inMs / anchorMs).toFixed(1)}x anchor); RSS +${((rss1 - rss0) / 1e6).toFixed(0)} MB, ${(rss1 / 1e6).toFixed(0)} MB total`);
console.log(`withdraw ${count} prefixes (${withdraw.length} UPDATEs in): ${outMs.toFixed(0)} ms (${(outMs / anchorMs).toFixed(1)}x anchor)`);
console.log(`sent to receiver: ${receiver.announced} announced, ${receiver.withdrawn} withdrawn; Loc-RIB ${speaker.locRib.size}; attribute sets ${speaker.table.size}`);
