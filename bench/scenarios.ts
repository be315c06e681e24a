/**
 * The SPEC §7 reflector scenarios for one implementation, driven through the client driver:
 * - S1 throughput: client 0 announces N prefixes, client 1 receives; then
 * - S3 withdrawal: on the same sessions, client 0 withdraws them all;
 * - S2 fan-out: client 0 announces M prefixes, K receivers each get all of them.
 * Before any announcement every session is Established and the reflector has been quiet long
 * enough for FRR's update-group coalesce timer (1 s + 50 ms per peer, at most 10 s, bgpd.h) to
 * have run out: otherwise FRR's figure would include its deliberate hold on new peers. The same
 * wait applies to every implementation.
 */
import type { DriverProcess } from './clients/driver-process.js';
import type { ConvergenceResult } from './clients/protocol.js';
import { clientAddress, REFLECTOR_ADDRESS } from './namespace.js';
import { NotRunnable } from './reflectors/petrel.js';
import {
  busiestThreadMs,
  gcPausesBetween,
  reflectorCpuMs,
  reflectorPeakRss,
  reflectorRss,
  reflectorThreadCpuMs,
  type GcPauses,
  type ReflectorKind,
  type ReflectorSetup,
} from './reflectors/reflector.js';
import type { BenchRow } from './report.js';
import type { NetNs } from '../test/peers/netns.js';

export interface Sizes {
  /** S1/S3 prefixes. */
  readonly throughputPrefixes: number;
  /** S2 prefixes and receivers. */
  readonly fanoutPrefixes: number;
  readonly fanoutReceivers: number;
}

export const FULL_SIZES: Sizes = { throughputPrefixes: 1_000_000, fanoutPrefixes: 10_000, fanoutReceivers: 200 };
export const QUICK_SIZES: Sizes = { throughputPrefixes: 100_000, fanoutPrefixes: 2_000, fanoutReceivers: 50 };

export interface Limits {
  /** For all sessions to reach Established. */
  readonly setupMs: number;
  /** For one scenario's convergence, after which it is reported as "timeout". */
  readonly scenarioMs: number;
}

const BGP_PORT = 179;
const ASN = 64512;
const CLUSTER_ID = '244.0.0.1';
const HOLD_TIME_SEC = 240;
/** FRR bgpd.h: BGP_DEFAULT_SUBGROUP_COALESCE_TIME + peers × BGP_PEER_ADJUST_…, capped. */
function settleQuietMs(peers: number): number {
  return Math.min(10_000, 1000 + 50 * peers) + 2000;
}

export type ScenarioId = 'S1' | 'S2' | 'S3';

export interface ScenarioContext {
  readonly ns: NetNs;
  readonly driver: DriverProcess;
  readonly sizes: Sizes;
  readonly limits: Limits;
  /** Called with a running reflector, so Ctrl-C can stop it. */
  readonly track: (stop: (() => Promise<void>) | undefined) => void;
  readonly log: (line: string) => void;
}

function setupFor(ns: NetNs, clients: number): ReflectorSetup {
  return {
    ns,
    address: REFLECTOR_ADDRESS,
    port: BGP_PORT,
    asn: ASN,
    clusterId: CLUSTER_ID,
    holdTimeSec: HOLD_TIME_SEC,
    clients: Array.from({ length: clients }, (_, i) => clientAddress(i)),
  };
}

/** What one measurement saw: the driver's result and the reflector's own figures. */
interface Measured {
  readonly result: ConvergenceResult;
  readonly peakRssBytes: number | undefined;
  /** RSS just before the request: what the reflector held with its sessions up. */
  readonly rssBeforeBytes: number | undefined;
  readonly reflectorCpuMs: number | undefined;
  readonly busiestThreadCpuMs: number | undefined;
  readonly gcPauses: GcPauses | undefined;
}

/** The reflector's side of a measurement, read from /proc around the driver's request. */
interface Probe {
  peakRss(): Promise<number | undefined>;
  rss(): Promise<number | undefined>;
  cpuMs(): Promise<number | undefined>;
  threadCpuMs(): Promise<Map<number, number> | undefined>;
  /** Only where the implementation reports them (petrel). */
  gcPauses(): Promise<GcPauses | undefined>;
}

async function measure(ctx: ScenarioContext, probe: Probe, op: 'announce' | 'withdraw', count: number): Promise<Measured> {
  const rssBefore = await probe.rss();
  // The metrics scrape is a request the daemon serves: outside the CPU readings.
  const gc0 = await probe.gcPauses();
  const threads0 = await probe.threadCpuMs();
  const cpu0 = await probe.cpuMs();
  const reply = await ctx.driver.request({ op, count, timeoutMs: ctx.limits.scenarioMs });
  const cpu1 = await probe.cpuMs();
  const threads1 = await probe.threadCpuMs();
  const gc1 = await probe.gcPauses();
  return {
    result: reply.result!,
    peakRssBytes: await probe.peakRss(),
    rssBeforeBytes: rssBefore,
    reflectorCpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0,
    busiestThreadCpuMs: threads0 === undefined || threads1 === undefined ? undefined : busiestThreadMs(threads0, threads1),
    gcPauses: gc0 === undefined || gc1 === undefined ? undefined : gcPausesBetween(gc0, gc1),
  };
}

/**
 * `routes`: the prefixes the measurement added to the reflector's table, for bytes per route
 * (peak RSS over the RSS before, per prefix: what the table costs, without the process's base).
 */
function convergenceRow(scenario: ScenarioId, kind: ReflectorKind, m: Measured, target: number, routes = 0): BenchRow {
  const r = m.result;
  const perRoute = routes > 0 && m.peakRssBytes !== undefined && m.rssBeforeBytes !== undefined ? (m.peakRssBytes - m.rssBeforeBytes) / routes : undefined;
  const base = {
    scenario,
    implementation: kind.name,
    clientCpuMs: r.clientCpuMs,
    ...(m.peakRssBytes === undefined ? {} : { peakRssBytes: m.peakRssBytes }),
    ...(perRoute === undefined ? {} : { bytesPerRoute: perRoute }),
    ...(m.reflectorCpuMs === undefined ? {} : { reflectorCpuMs: m.reflectorCpuMs }),
    ...(m.busiestThreadCpuMs === undefined ? {} : { busiestThreadCpuMs: m.busiestThreadCpuMs }),
    ...(m.gcPauses === undefined ? {} : { gcPauses: m.gcPauses }),
  };
  if (r.timedOut) {
    return { ...base, status: 'timeout', detail: `after ${Math.round(r.ms)} ms the worst receiver held ${r.worstHeld} of ${target === 0 ? 'none wanted' : target}` };
  }
  return { ...base, status: 'ok', timeMs: r.ms };
}

function errorRows(scenarios: readonly ScenarioId[], kind: ReflectorKind, err: unknown): BenchRow[] {
  if (err instanceof NotRunnable) {
    const detail = `not runnable in this build (${err.message})`;
    return scenarios.map((scenario) => ({ scenario, implementation: kind.name, status: 'unavailable', detail }));
  }
  const detail = err instanceof Error ? err.message : String(err);
  return scenarios.map((scenario) => ({ scenario, implementation: kind.name, status: 'error', detail }));
}

/**
 * Runs one reflector session group: start the reflector for `clients` clients, connect, settle,
 * then `body`; the reflector and the sessions are always torn down.
 */
async function withReflector(
  ctx: ScenarioContext,
  kind: ReflectorKind,
  clients: number,
  body: (probe: Probe) => Promise<BenchRow[]>,
): Promise<BenchRow[]> {
  const reflector = kind.create();
  const setup = setupFor(ctx.ns, clients);
  ctx.track(() => reflector.stop());
  try {
    await reflector.start(setup);
    await ctx.driver.request({
      op: 'connect',
      reflector: { host: setup.address, port: setup.port, asn: setup.asn },
      addresses: setup.clients,
      holdTimeSec: setup.holdTimeSec,
      timeoutMs: ctx.limits.setupMs,
    });
    await ctx.driver.request({ op: 'settle', quietMs: settleQuietMs(clients), timeoutMs: ctx.limits.setupMs });
    return await body({
      peakRss: () => reflectorPeakRss(reflector),
      rss: () => reflectorRss(reflector),
      cpuMs: () => reflectorCpuMs(reflector),
      threadCpuMs: () => reflectorThreadCpuMs(reflector),
      gcPauses: async () => reflector.gcPauses?.(),
    });
  } catch (err) {
    if (err instanceof NotRunnable) throw err;
    const logs = (await reflector.logs()).trim().split('\n').slice(-5).join(' | ');
    throw new Error(`${err instanceof Error ? err.message : String(err)}${logs ? ` [log: ${logs}]` : ''}`, { cause: err });
  } finally {
    await ctx.driver.request({ op: 'disconnect' }).catch(() => undefined);
    await reflector.stop();
    ctx.track(undefined);
  }
}

/** S1 then S3 on the same sessions; S3 is skipped when S1 did not converge. */
export async function runThroughput(ctx: ScenarioContext, kind: ReflectorKind, want: ReadonlySet<ScenarioId>): Promise<BenchRow[]> {
  const count = ctx.sizes.throughputPrefixes;
  const scenarios: ScenarioId[] = want.has('S3') ? ['S1', 'S3'] : ['S1'];
  try {
    await ctx.driver.request({ op: 'prepare', count, nextHop: clientAddress(0) });
    return await withReflector(ctx, kind, 2, async (probe) => {
      ctx.log(`${kind.name}: S1 announcing ${count} prefixes`);
      const s1 = await measure(ctx, probe, 'announce', count);
      const rows = [convergenceRow('S1', kind, s1, count, count)];
      if (!want.has('S3')) return rows;
      if (s1.result.timedOut) return [...rows, { scenario: 'S3', implementation: kind.name, status: 'skipped', detail: 'S1 did not converge' }];
      ctx.log(`${kind.name}: S3 withdrawing ${count} prefixes`);
      return [...rows, convergenceRow('S3', kind, await measure(ctx, probe, 'withdraw', count), 0)];
    });
  } catch (err) {
    return errorRows(scenarios, kind, err);
  }
}

export async function runFanout(ctx: ScenarioContext, kind: ReflectorKind): Promise<BenchRow[]> {
  const count = ctx.sizes.fanoutPrefixes;
  const receivers = ctx.sizes.fanoutReceivers;
  try {
    await ctx.driver.request({ op: 'prepare', count, nextHop: clientAddress(0) });
    return await withReflector(ctx, kind, receivers + 1, async (probe) => {
      ctx.log(`${kind.name}: S2 announcing ${count} prefixes to ${receivers} receivers`);
      return [convergenceRow('S2', kind, await measure(ctx, probe, 'announce', count), count)];
    });
  } catch (err) {
    return errorRows(['S2'], kind, err);
  }
}
