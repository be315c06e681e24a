/**
 * The in-namespace half of bench/kernel.ts (netlink sockets belong to the namespace that opened
 * them): `petrel N` installs then removes N routes through the KernelSyncer; `raw N` writes the
 * same routes as one batch through the codec (the floor); `bird N SOCKET PROTOCOL PIDFILE` enables,
 * then disables, BIRD 2's static protocol and times until the kernel has notified all N routes
 * added, then removed. Prints one JSON line: wall times, and CPU times (petrel's and the floor's
 * own process; BIRD's from /proc), which a busy shared machine distorts less.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { RequestChannel, dumpAll } from '../src/kernel/channel.js';
import type { KernelLog, KernelRoute } from '../src/kernel/fib-port.js';
import {
  AddressFamily,
  ROUTE_ADD_FLAGS,
  ROUTE_DELETE_FLAGS,
  type RouteMessage,
  RtmType,
  RtnType,
  RtnhFlag,
  RtScope,
  routeDeletion,
  routeDump,
  writeRouteBody,
} from '../src/kernel/netlink/index.js';
import { KernelSyncer } from '../src/kernel/syncer.js';
import { benchGateway, benchPrefix } from './kernel-routes.js';

const run = promisify(execFile);
const COUNTER = path.join(import.meta.dirname, 'kernel-counter.ts');
const PROTOCOL = 12;
const MAIN = 254;

const silent: KernelLog = { info: () => {}, warn: () => {}, error: () => {} };

function ms(from: bigint): number {
  return Number(process.hrtime.bigint() - from) / 1e6;
}

/**
 * Wall time, and this process's CPU time (user + system: the kernel's route work runs inside our
 * sendmsg calls), which a busy shared machine distorts less than wall time.
 */
function stopwatch(): () => { ms: number; cpuMs: number } {
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  return () => {
    const cpu = process.cpuUsage(cpu0);
    return { ms: ms(t0), cpuMs: (cpu.user + cpu.system) / 1000 };
  };
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
  const counter = await RouteCounter.start();
  const syncer = new KernelSyncer({ table: MAIN, protocol: PROTOCOL, learn: true, persist: true, reconcileIntervalMs: 0, log: silent });
  await syncer.start();
  const routes = Array.from({ length: count }, (_, i): KernelRoute => ({
    prefix: benchPrefix(i),
    type: 'unicast',
    nextHops: [{ gateway: benchGateway(i), device: ifname, onlink: true }],
  }));
  let watch = stopwatch();
  for (const route of routes) syncer.replace(route);
  await syncer.settled();
  const { ms: installMs, cpuMs: installCpuMs } = watch();
  const installed = await countOurs();
  watch = stopwatch();
  for (const route of routes) syncer.remove(route.prefix);
  await syncer.settled();
  const { ms: removeMs, cpuMs: removeCpuMs } = watch();
  const left = await countOurs();
  await syncer.stop();
  await counter.until(() => counter.removed >= count, (ours) => ours === 0);
  await counter.close();
  report({ installMs, removeMs, installCpuMs, removeCpuMs, installed, left, counters: syncer.counters, notified: [counter.added, counter.removed], peakRssBytes: process.resourceUsage().maxRSS * 1024 });
}

async function raw(count: number, ifindex: number): Promise<void> {
  const counter = await RouteCounter.start();
  const channel = new RequestChannel();
  const routes = Array.from({ length: count }, (_, i): RouteMessage => ({
    family: 4, dst: benchPrefix(i), table: MAIN, protocol: PROTOCOL, scope: RtScope.UNIVERSE, type: RtnType.UNICAST,
    flags: RtnhFlag.ONLINK, gateway: benchGateway(i), oif: ifindex,
  }));
  let watch = stopwatch();
  const add = channel.batch<number>();
  routes.forEach((route, i) => add.add(i, RtmType.NEWROUTE, ROUTE_ADD_FLAGS, writeRouteBody, route));
  const added = await channel.send(add);
  const { ms: installMs, cpuMs: installCpuMs } = watch();
  const installed = await countOurs();
  watch = stopwatch();
  const del = channel.batch<number>();
  routes.forEach((route, i) => del.add(i, RtmType.DELROUTE, ROUTE_DELETE_FLAGS, writeRouteBody, routeDeletion(route)));
  const deleted = await channel.send(del);
  const { ms: removeMs, cpuMs: removeCpuMs } = watch();
  channel.close();
  await counter.until(() => counter.removed >= count, (ours) => ours === 0);
  await counter.close();
  const failures = [added, deleted].map((o) => (o.kind === 'answered' ? o.replies.failures.length : -1));
  report({ installMs, removeMs, installCpuMs, removeCpuMs, installed, left: await countOurs(), failures });
}

/**
 * Counts RTM_NEWROUTE/DELROUTE notifications of protocol 12 in the main table, in a process of
 * its own (kernel-counter.ts says why).
 */
class RouteCounter {
  added = 0;
  removed = 0;
  overflowed = false;
  readonly #process: ChildProcessWithoutNullStreams;
  #waiter: (() => void) | undefined;

  private constructor() {
    this.#process = spawn(process.execPath, ['--import', 'tsx', COUNTER], { stdio: 'pipe' });
    createInterface({ input: this.#process.stdout }).on('line', (line) => {
      const [added = 0, removed = 0, overflowed = 0] = line.split(' ').map(Number);
      Object.assign(this, { added, removed, overflowed: overflowed === 1 });
      this.#waiter?.();
    });
  }

  /** A counter whose socket is subscribed already (it printed its first line). */
  static async start(): Promise<RouteCounter> {
    const counter = new RouteCounter();
    await new Promise<void>((resolve, reject) => {
      counter.#waiter = resolve;
      counter.#process.once('exit', (code) => reject(new Error(`route counter exited ${code}`)));
    });
    return counter;
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

  async close(): Promise<void> {
    if (this.#process.exitCode !== null) return;
    const exited = once(this.#process, 'exit');
    this.#process.stdin.end();
    await exited;
  }
}

/** CPU time (ns) of every thread of process `pid` so far, from /proc/<pid>/task/<tid>/schedstat. */
function processCpuNs(pid: number): number {
  const tasks = `/proc/${pid}/task`;
  return readdirSync(tasks).reduce((sum, tid) => sum + Number(readFileSync(`${tasks}/${tid}/schedstat`, 'utf8').split(' ')[0]), 0);
}

async function bird(count: number, socketPath: string, protocol: string, pidFile: string): Promise<void> {
  const counter = await RouteCounter.start();
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  let t0 = process.hrtime.bigint();
  let cpu0 = processCpuNs(pid);
  await run('birdc', ['-s', socketPath, 'enable', protocol]);
  await counter.until(() => counter.added >= count, (ours) => ours >= count);
  const installMs = ms(t0);
  const installCpuMs = (processCpuNs(pid) - cpu0) / 1e6;
  const installed = await countOurs();
  t0 = process.hrtime.bigint();
  cpu0 = processCpuNs(pid);
  await run('birdc', ['-s', socketPath, 'disable', protocol]);
  await counter.until(() => counter.removed >= count, (ours) => ours === 0);
  const removeMs = ms(t0);
  const removeCpuMs = (processCpuNs(pid) - cpu0) / 1e6;
  await counter.close();
  report({ installMs, removeMs, installCpuMs, removeCpuMs, installed, left: await countOurs(), overflowed: counter.overflowed });
}

const [mode, countText, argument, extra, pidFile] = process.argv.slice(2);
const count = Number(countText);
switch (mode) {
  case 'petrel':
    await petrel(count, argument ?? 'veth0');
    break;
  case 'raw':
    await raw(count, Number(argument));
    break;
  case 'bird':
    await bird(count, argument ?? '', extra ?? 'static1', pidFile ?? '');
    break;
  default:
    throw new Error(`unknown mode ${mode}`);
}
