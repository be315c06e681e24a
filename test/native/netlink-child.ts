/**
 * Runs inside a test network namespace (`ip netns exec <ns> node --import tsx netlink-child.ts
 * <scenario> ...`), because a netlink socket sees the namespace of the process that opened it.
 * Prints one JSON line with what it observed; exits non-zero on an unexpected error.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { RtnlGroup } from '../../src/kernel/netlink/constants.js';
import { NetlinkSocket, type NetlinkSocketOptions } from '../../src/native/index.js';
import { NlmsgType, RtmType, ipv4BlackholeAddRequest, ipv4RouteDestination, routeDumpRequest, splitMessages } from './rtnetlink-bytes.js';

const AF_INET = 2;

function report(result: object): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

interface DumpResult {
  readonly destinations: string[];
  readonly replyPids: number[];
  readonly portId: number;
  readonly elapsedMs: number;
}

/** Dumps the IPv4 routes on a fresh socket and collects them until NLMSG_DONE. */
function dumpRoutes(options: NetlinkSocketOptions): Promise<DumpResult> {
  const socket = new NetlinkSocket(options);
  const seq = 4242;
  const destinations: string[] = [];
  const replyPids = new Set<number>();
  const started = performance.now();
  return new Promise((resolve, reject) => {
    socket.on('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.on('message', (datagram) => {
      for (const message of splitMessages(datagram)) {
        if (message.seq !== seq) continue;
        replyPids.add(message.pid);
        if (message.type === RtmType.NEWROUTE) destinations.push(ipv4RouteDestination(message.payload) ?? 'default');
        if (message.type === NlmsgType.ERROR) reject(new Error(`NLMSG_ERROR ${message.payload.readInt32LE(0)}`));
        if (message.type === NlmsgType.DONE) {
          socket.close();
          resolve({ destinations, replyPids: [...replyPids], portId: socket.portId, elapsedMs: Math.round(performance.now() - started) });
        }
      }
    });
    socket.send(routeDumpRequest(seq, AF_INET));
  });
}

async function dumpScenario(): Promise<void> {
  report(await dumpRoutes({ extendedAck: true, strictCheck: true }));
}

/**
 * Subscribes to IPv4 route events with a tiny receive buffer, then blocks the event loop while
 * `ip -batch` adds many routes, so the kernel must drop notifications. Expects ENOBUFS as an error
 * event, a working socket afterwards, and a resync dump that sees every route.
 */
async function overflowScenario(batchFile: string): Promise<void> {
  const small = { groups: [RtnlGroup.IPV4_ROUTE], receiveBufferBytes: 4096 };
  const monitor = new NetlinkSocket(small);
  const silent = new NetlinkSocket({ ...small, noEnobufs: true });
  const errors: string[] = [];
  let silentMessages = 0;
  silent.on('message', () => silentMessages++);
  silent.on('error', (error) => errors.push(`silent ${error.code}`));
  const probe = '192.0.2.0/24';
  const receiveBufferBytes = monitor.receiveBufferBytes;
  const afterOverflow = new Promise<void>((resolve) => {
    monitor.on('error', (error) => {
      errors.push(error.code);
      if (errors.length > 1) return;
      // The socket must keep working after the overflow: add one more route and wait for it. The
      // error comes after the queue was drained; before that the kernel would drop this event too.
      monitor.on('message', (datagram) => {
        for (const message of splitMessages(datagram)) {
          if (message.type === RtmType.NEWROUTE && ipv4RouteDestination(message.payload) === probe) resolve();
        }
      });
      void promisify(execFile)('ip', ['route', 'add', 'blackhole', probe]);
    });
  });
  execFileSync('ip', ['-batch', batchFile]); // blocks the event loop: nothing reads the sockets
  await afterOverflow;
  monitor.close();
  silent.close();
  const resync = await dumpRoutes({ receiveBufferBytes: 1 << 20 });
  report({
    errors,
    receiveBufferBytes,
    silentMessages,
    resyncAdded: resync.destinations.filter((destination) => destination.startsWith('10.')).length,
    resyncHasProbe: resync.destinations.includes(probe),
    resyncMs: resync.elapsedMs,
  });
}

/**
 * Two route listeners, one skipping the port of a request socket: the request socket adds one
 * route and `ip` (another process, another port) a second. The plain listener sees both; the
 * skipping one only `ip`'s, and since it sees that later one, it would have seen ours before.
 */
async function skipPortScenario(): Promise<void> {
  const requests = new NetlinkSocket();
  const groups = [RtnlGroup.IPV4_ROUTE];
  const plain = new NetlinkSocket({ groups });
  const skipping = new NetlinkSocket({ groups });
  skipping.skipPort(requests.portId);
  const seen = { plain: [] as string[], skipping: [] as string[] };
  const foreign = '203.0.113.128/25';
  const done = new Promise<void>((resolve) => {
    const listen = (socket: NetlinkSocket, into: string[]): void => {
      socket.on('message', (datagram) => {
        for (const message of splitMessages(datagram)) {
          if (message.type === RtmType.NEWROUTE) into.push(`${ipv4RouteDestination(message.payload)} pid ${message.pid === requests.portId ? 'ours' : 'other'}`);
        }
        if (seen.plain.length >= 2 && seen.skipping.some((line) => line.startsWith(foreign))) resolve();
      });
    };
    listen(plain, seen.plain);
    listen(skipping, seen.skipping);
  });
  const acked = new Promise<number>((resolve) => {
    requests.on('message', (datagram) => {
      for (const message of splitMessages(datagram)) if (message.type === NlmsgType.ERROR) resolve(message.payload.readInt32LE(0));
    });
  });
  requests.send(ipv4BlackholeAddRequest(7, '203.0.113.0', 25));
  const errno = await acked;
  await promisify(execFile)('ip', ['route', 'add', 'blackhole', foreign]);
  await done;
  for (const socket of [requests, plain, skipping]) socket.close();
  report({ errno, plain: seen.plain.sort(), skipping: seen.skipping });
}

/** An unref'd open socket must not keep the process alive, and exit must not trip on it. */
function unrefScenario(): void {
  const socket = new NetlinkSocket({ groups: [RtnlGroup.IPV4_ROUTE] }).unref();
  report({ portId: socket.portId });
}

/** A listener that throws must reach process 'uncaughtException' like any other callback. */
function throwingListenerScenario(): void {
  const socket = new NetlinkSocket();
  process.once('uncaughtException', (error) => {
    socket.close();
    report({ uncaught: error.message });
  });
  socket.on('message', () => {
    throw new Error('listener failed');
  });
  socket.send(routeDumpRequest(1, AF_INET));
}

const [scenario, argument] = process.argv.slice(2);
switch (scenario) {
  case 'dump':
    await dumpScenario();
    break;
  case 'overflow':
    await overflowScenario(argument ?? '');
    break;
  case 'throwing-listener':
    throwingListenerScenario();
    break;
  case 'skip-port':
    await skipPortScenario();
    break;
  case 'unref':
    unrefScenario();
    break;
  default:
    throw new Error(`unknown scenario ${scenario}`);
}
