/**
 * Runs a KernelSyncer inside a test network namespace (`ip netns exec <ns> node --import tsx
 * syncer-child.ts`), since netlink sockets belong to the namespace of the process that opens
 * them. The test drives it over stdio: one JSON command per line in, one JSON answer per line out
 * (`{id, ok, result}` or `{id, ok: false, error}`).
 *
 * `act` runs a shell-free command here (an `ip` call) after arming a waiter, then waits for what
 * the command must cause — a route notification seen on a socket of the child's own, a syncer
 * event — and for the syncer to settle, so tests never sleep.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Encapsulation, blockBlackhole, type EncapOptions, type LearnedPath } from '../../src/kernel/encap.js';
import type { FibEvent, KernelLog, KernelRoute } from '../../src/kernel/fib-port.js';
import { RtnlGroup, decodeRtnetlink, splitDatagram } from '../../src/kernel/netlink/index.js';
import { KernelSyncer, type KernelSyncerOptions } from '../../src/kernel/syncer.js';
import { VxlanPlane, type VtepRemote, type VxlanPlaneOptions } from '../../src/kernel/vxlan.js';
import { NetlinkSocket } from '../../src/native/index.js';

const run = promisify(execFile);

/** What must happen after an `act` command before it answers. */
export type Until =
  | { readonly route: { readonly dst: string; readonly op: 'new' | 'del'; readonly protocol?: number } }
  | { readonly event: { readonly kind: 'learned'; readonly prefix: string; readonly change: 'added' | 'removed' } }
  | { readonly event: { readonly kind: 'resynced'; readonly reason: string } };

export type Command =
  | { readonly op: 'start'; readonly options?: Partial<Omit<KernelSyncerOptions, 'log'>> }
  | { readonly op: 'replace'; readonly routes: readonly KernelRoute[] }
  | { readonly op: 'remove'; readonly prefixes: readonly string[] }
  | { readonly op: 'encap'; readonly options: EncapOptions; readonly paths: readonly LearnedPath[]; readonly blocks?: readonly string[] }
  | { readonly op: 'releaseStale' }
  | { readonly op: 'reconcile' }
  | { readonly op: 'settled' }
  | { readonly op: 'dump' }
  | { readonly op: 'state' }
  | { readonly op: 'act'; readonly argv: readonly string[]; readonly until?: Until; readonly blocking?: boolean }
  | { readonly op: 'stop' }
  | { readonly op: 'vxlan'; readonly options: Omit<VxlanPlaneOptions, 'log'>; readonly remotes: readonly VtepRemote[] };

const logs: { level: string; message: string; fields: object }[] = [];
const log: KernelLog = {
  info: (fields, message) => logs.push({ level: 'info', message, fields }),
  warn: (fields, message) => logs.push({ level: 'warn', message, fields }),
  error: (fields, message) => logs.push({ level: 'error', message, fields: { ...fields, err: String((fields as { err?: unknown }).err) } }),
};
const events: FibEvent[] = [];
const eventWaiters = new Set<(event: FibEvent) => void>();
let syncer: KernelSyncer | undefined;
let vxlan: VxlanPlane | undefined;

/** A route notification watcher of the child's own, to know when a command's effect happened. */
const monitor = new NetlinkSocket({ groups: [RtnlGroup.IPV4_ROUTE, RtnlGroup.IPV6_ROUTE], receiveBufferBytes: 16 << 20, noEnobufs: true });
const routeWaiters = new Set<(dst: string, op: 'new' | 'del', protocol: number) => void>();
monitor.on('message', (datagram) => {
  for (const message of splitDatagram(datagram)) {
    const decoded = decodeRtnetlink(message);
    if (decoded.kind === 'route') for (const waiter of routeWaiters) waiter(decoded.route.dst, decoded.op, decoded.route.protocol);
  }
});
monitor.unref();

function the(): KernelSyncer {
  if (syncer === undefined) throw new Error('start first');
  return syncer;
}

function armed(until: Until | undefined): Promise<void> {
  if (until === undefined) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${JSON.stringify(until)}`)), 20_000);
    const done = (): void => {
      clearTimeout(timer);
      routeWaiters.delete(onRoute);
      eventWaiters.delete(onEvent);
      resolve();
    };
    const onRoute = (dst: string, op: 'new' | 'del', protocol: number): void => {
      if ('route' in until && until.route.dst === dst && until.route.op === op && (until.route.protocol ?? protocol) === protocol) done();
    };
    const onEvent = (event: FibEvent): void => {
      if (!('event' in until)) return;
      const want = until.event;
      if (want.kind === 'learned' && event.kind === 'learned' && event.prefix === want.prefix && event.change === want.change) done();
      if (want.kind === 'resynced' && event.kind === 'resynced' && event.reason === want.reason) done();
    };
    routeWaiters.add(onRoute);
    eventWaiters.add(onEvent);
  });
}

async function handle(command: Command): Promise<unknown> {
  switch (command.op) {
    case 'start': {
      syncer = new KernelSyncer({ table: 254, protocol: 12, learn: true, persist: true, reconcileIntervalMs: 0, ...command.options, log });
      syncer.watch((batch) => {
        for (const event of batch) {
          events.push(event);
          for (const waiter of eventWaiters) waiter(event);
        }
      });
      await syncer.start();
      await syncer.settled();
      return the().dump();
    }
    case 'replace':
      for (const route of command.routes) the().replace(route);
      await the().settled();
      return the().dump().routes;
    case 'remove':
      for (const prefix of command.prefixes) the().remove(prefix);
      await the().settled();
      return the().dump().routes;
    case 'encap': {
      const encap = new Encapsulation(command.options);
      const environment = { interfaces: the().interfaces, vtepFor: (nodeIp: string) => vxlan?.vtepFor(nodeIp) };
      const decisions = command.paths.map((path) => encap.routeFor(path, environment));
      for (const decision of decisions) if (decision.action === 'install') the().replace(decision.route);
      for (const block of command.blocks ?? []) {
        const route = blockBlackhole(block);
        if (route !== undefined) the().replace(route);
      }
      await the().settled();
      return decisions;
    }
    case 'releaseStale':
      the().releaseStale();
      await the().settled();
      return the().dump().routes;
    case 'reconcile':
      await the().reconcile();
      return the().dump().routes;
    case 'settled':
      await the().settled();
      return null;
    case 'dump':
      return the().dump();
    case 'state':
      return { counters: the().counters, logs, events };
    case 'act': {
      const waiting = armed(command.until);
      if (command.blocking === true) execFileSync(command.argv[0]!, command.argv.slice(1)); // blocks the event loop
      else await run(command.argv[0]!, command.argv.slice(1));
      await waiting;
      await the().settled();
      return the().dump().routes;
    }
    case 'stop':
      await the().stop();
      return { counters: the().counters };
    case 'vxlan': {
      vxlan ??= new VxlanPlane({ ...command.options, log });
      const device = await vxlan.ensureDevice();
      await vxlan.setRemotes(command.remotes);
      return device;
    }
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const { id, ...command } = JSON.parse(line) as Command & { id: number };
  try {
    const result = await handle(command);
    process.stdout.write(`${JSON.stringify({ id, ok: true, result })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ id, ok: false, error: error instanceof Error ? error.stack : String(error) })}\n`);
  }
}
vxlan?.close();
monitor.close();
