/**
 * The in-namespace half of bench/kernel.ts (netlink sockets belong to the namespace that opened
 * them): `petrel N` installs then removes N routes through the KernelSyncer; `raw N` writes the
 * same routes as one batch through the codec (the floor); `bird N SOCKET` enables, then disables,
 * BIRD 2's static protocol and times until the kernel has notified all N routes added, then
 * removed. Prints one JSON line.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RequestChannel, dumpAll } from '../src/kernel/channel.js';
import type { KernelLog, KernelRoute } from '../src/kernel/fib-port.js';
import {
  AddressFamily,
  ROUTE_ADD_FLAGS,
  ROUTE_DELETE_FLAGS,
  type RouteMessage,
  RtmType,
  RtnlGroup,
  RtnType,
  RtnhFlag,
  RtScope,
  routeDeletion,
  routeDump,
  splitDatagram,
  writeRouteBody,
} from '../src/kernel/netlink/index.js';
import { KernelSyncer } from '../src/kernel/syncer.js';
import { NetlinkSocket } from '../src/native/index.js';
import { benchGateway, benchPrefix } from './kernel-routes.js';

const run = promisify(execFile);
const PROTOCOL = 12;
const MAIN = 254;

const silent: KernelLog = { info: () => {}, warn: () => {}, error: () => {} };

function ms(from: bigint): number {
  return Number(process.hrtime.bigint() - from) / 1e6;
}

function report(result: object): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function countOurs(): Promise<number> {
  const [routes = []] = await dumpAll([routeDump(AddressFamily.INET)]);
  return routes.filter((m) => m.kind === 'route' && m.route.protocol === PROTOCOL && m.route.table === MAIN).length;
}

async function petrel(count: number, ifname: string): Promise<void> {
  // The same notification listener BIRD's run needs to see its end, so the kernel's per-listener
  // work is alike in both.
  const counter = new RouteCounter();
  const syncer = new KernelSyncer({ table: MAIN, protocol: PROTOCOL, learn: true, persist: true, reconcileIntervalMs: 0, log: silent });
  await syncer.start();
  const routes = Array.from({ length: count }, (_, i): KernelRoute => ({
    prefix: benchPrefix(i),
    type: 'unicast',
    nextHops: [{ gateway: benchGateway(i), device: ifname, onlink: true }],
  }));
  let t0 = process.hrtime.bigint();
  for (const route of routes) syncer.replace(route);
  await syncer.settled();
  const installMs = ms(t0);
  const installed = await countOurs();
  t0 = process.hrtime.bigint();
  for (const route of routes) syncer.remove(route.prefix);
  await syncer.settled();
  const removeMs = ms(t0);
  const left = await countOurs();
  await syncer.stop();
  await counter.until(() => counter.removed >= count, (ours) => ours === 0);
  counter.close();
  report({ installMs, removeMs, installed, left, counters: syncer.counters, notified: [counter.added, counter.removed], peakRssBytes: process.resourceUsage().maxRSS * 1024 });
}

async function raw(count: number, ifindex: number): Promise<void> {
  const counter = new RouteCounter();
  const channel = new RequestChannel();
  const routes = Array.from({ length: count }, (_, i): RouteMessage => ({
    family: 4, dst: benchPrefix(i), table: MAIN, protocol: PROTOCOL, scope: RtScope.UNIVERSE, type: RtnType.UNICAST,
    flags: RtnhFlag.ONLINK, gateway: benchGateway(i), oif: ifindex,
  }));
  let t0 = process.hrtime.bigint();
  const add = channel.batch<number>();
  routes.forEach((route, i) => add.add(i, RtmType.NEWROUTE, ROUTE_ADD_FLAGS, writeRouteBody, route));
  const added = await channel.send(add);
  const installMs = ms(t0);
  const installed = await countOurs();
  t0 = process.hrtime.bigint();
  const del = channel.batch<number>();
  routes.forEach((route, i) => del.add(i, RtmType.DELROUTE, ROUTE_DELETE_FLAGS, writeRouteBody, routeDeletion(route)));
  const deleted = await channel.send(del);
  const removeMs = ms(t0);
  channel.close();
  await counter.until(() => counter.removed >= count, (ours) => ours === 0);
  counter.close();
  const failures = [added, deleted].map((o) => (o.kind === 'answered' ? o.replies.failures.length : -1));
  report({ installMs, removeMs, installed, left: await countOurs(), failures });
}

/** Counts RTM_NEWROUTE/DELROUTE notifications of protocol 12 in the main table. */
class RouteCounter {
  added = 0;
  removed = 0;
  overflowed = false;
  readonly #socket = new NetlinkSocket({ groups: [RtnlGroup.IPV4_ROUTE], receiveBufferBytes: 256 << 20 });
  #waiter: (() => void) | undefined;

  constructor() {
    this.#socket.on('message', (datagram) => {
      for (const m of splitDatagram(datagram)) {
        // rtmsg: rtm_table at 4, rtm_protocol at 5.
        if (m.payload[5] !== PROTOCOL || m.payload[4] !== MAIN) continue;
        if (m.type === RtmType.NEWROUTE) this.added++;
        else if (m.type === RtmType.DELROUTE) this.removed++;
      }
      this.#waiter?.();
    });
    this.#socket.on('error', () => {
      this.overflowed = true;
      this.#waiter?.();
    });
  }

  /** Resolves when `done()` holds; after an overflow, by counting dumps instead. */
  async until(done: () => boolean, target: (ours: number) => boolean): Promise<void> {
    while (!done()) {
      if (this.overflowed) {
        if (target(await countOurs())) return;
        continue;
      }
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
  }

  close(): void {
    this.#socket.close();
  }
}

async function bird(count: number, socketPath: string, protocol: string): Promise<void> {
  const counter = new RouteCounter();
  let t0 = process.hrtime.bigint();
  await run('birdc', ['-s', socketPath, 'enable', protocol]);
  await counter.until(() => counter.added >= count, (ours) => ours >= count);
  const installMs = ms(t0);
  const installed = await countOurs();
  t0 = process.hrtime.bigint();
  await run('birdc', ['-s', socketPath, 'disable', protocol]);
  await counter.until(() => counter.removed >= count, (ours) => ours === 0);
  const removeMs = ms(t0);
  counter.close();
  report({ installMs, removeMs, installed, left: await countOurs(), overflowed: counter.overflowed });
}

const [mode, countText, argument, extra] = process.argv.slice(2);
const count = Number(countText);
switch (mode) {
  case 'petrel':
    await petrel(count, argument ?? 'veth0');
    break;
  case 'raw':
    await raw(count, Number(argument));
    break;
  case 'bird':
    await bird(count, argument ?? '', extra ?? 'static1');
    break;
  default:
    throw new Error(`unknown mode ${mode}`);
}
