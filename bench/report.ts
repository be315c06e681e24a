/**
 * The benchmark's output: one row per (scenario, implementation), printed as a plain table with
 * each time's ratio to the best anchor and to BIRD 2 in the same run (SPEC §7: only same-run
 * ratios mean anything on a shared machine), and written whole to a JSON file with the machine's
 * state at the start.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GcPauses } from './reflectors/reflector.js';

export type RowStatus = 'ok' | 'timeout' | 'error' | 'unavailable' | 'skipped';

export interface BenchRow {
  readonly scenario: string;
  readonly implementation: string;
  readonly status: RowStatus;
  readonly timeMs?: number;
  readonly peakRssBytes?: number;
  /** S1: peak RSS over the RSS before the announcement, per prefix announced (SPEC §7 memory per route). */
  readonly bytesPerRoute?: number;
  /** CPU the reflector used during the measurement: about the time when it is CPU-bound. */
  readonly reflectorCpuMs?: number;
  /** CPU the test clients used during the measurement, to show they were not the bottleneck. */
  readonly clientCpuMs?: number;
  /** CPU of the reflector's busiest thread (petrel: its JavaScript thread); near `timeMs`, one core was the limit. */
  readonly busiestThreadCpuMs?: number;
  /** The reflector's garbage-collection pauses during the measurement, where it reports them (petrel). */
  readonly gcPauses?: GcPauses;
  /** Whether this row competes as an anchor; default: every implementation but petrel. */
  readonly anchor?: boolean;
  /** Why there is no figure, or what a figure means beyond the scenario's definition. */
  readonly detail?: string;
}

export interface MachineInfo {
  readonly nproc: number;
  readonly loadAverageAtStart: readonly number[];
  readonly totalMemoryBytes: number;
  readonly node: string;
  readonly kernel: string;
  readonly startedAt: string;
}

export function machineInfo(): MachineInfo {
  return {
    nproc: os.availableParallelism(),
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    totalMemoryBytes: os.totalmem(),
    node: process.version,
    kernel: os.release(),
    startedAt: new Date().toISOString(),
  };
}

const PETREL = 'petrel';
const BIRD2 = 'bird2';

function isAnchor(row: BenchRow): boolean {
  return row.anchor ?? row.implementation !== PETREL;
}

/** Per scenario: the best anchor's time and BIRD 2's row. */
interface ScenarioRefs {
  readonly bestAnchor?: BenchRow;
  readonly bird2?: BenchRow;
}

function references(rows: readonly BenchRow[]): Map<string, ScenarioRefs> {
  const refs = new Map<string, ScenarioRefs>();
  for (const row of rows) {
    const r = refs.get(row.scenario) ?? {};
    const timed = row.status === 'ok' && row.timeMs !== undefined;
    const best = timed && isAnchor(row) && (r.bestAnchor?.timeMs === undefined || row.timeMs < r.bestAnchor.timeMs) ? row : r.bestAnchor;
    const bird2 = row.implementation === BIRD2 ? row : r.bird2;
    refs.set(row.scenario, { ...(best ? { bestAnchor: best } : {}), ...(bird2 ? { bird2 } : {}) });
  }
  return refs;
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

export interface RatedRow extends BenchRow {
  readonly timeVsBestAnchor?: number;
  readonly timeVsBird2?: number;
  readonly rssVsBird2?: number;
  readonly bytesPerRouteVsBird2?: number;
}

export function rate(rows: readonly BenchRow[]): RatedRow[] {
  const refs = references(rows);
  return rows.map((row) => {
    const r = refs.get(row.scenario) ?? {};
    const ok = row.status === 'ok';
    const vsBest = ok ? ratio(row.timeMs, r.bestAnchor?.timeMs) : undefined;
    const vsBird = ok && r.bird2?.status === 'ok' ? ratio(row.timeMs, r.bird2.timeMs) : undefined;
    const rssVsBird = ratio(row.peakRssBytes, r.bird2?.peakRssBytes);
    const perRouteVsBird = ratio(row.bytesPerRoute, r.bird2?.bytesPerRoute);
    return {
      ...row,
      ...(perRouteVsBird === undefined ? {} : { bytesPerRouteVsBird2: perRouteVsBird }),
      ...(vsBest === undefined ? {} : { timeVsBestAnchor: vsBest }),
      ...(vsBird === undefined ? {} : { timeVsBird2: vsBird }),
      ...(rssVsBird === undefined ? {} : { rssVsBird2: rssVsBird }),
    };
  });
}

/** SPEC §7's aims for petrel, scenario by scenario. */
export interface PetrelSummary {
  readonly scenario: string;
  readonly status: RowStatus | 'absent';
  readonly timeVsBird2?: number;
  readonly timeVsBestAnchor?: number;
  readonly bestAnchor?: string;
  readonly rssVsBird2?: number;
  readonly bytesPerRouteVsBird2?: number;
}

export function petrelSummary(rated: readonly RatedRow[]): PetrelSummary[] {
  const refs = references(rated);
  const scenarios = [...new Set(rated.map((r) => r.scenario))];
  return scenarios.map((scenario) => {
    const row = rated.find((r) => r.scenario === scenario && r.implementation === PETREL);
    const best = refs.get(scenario)?.bestAnchor?.implementation;
    if (row === undefined) return { scenario, status: 'absent', ...(best ? { bestAnchor: best } : {}) };
    return {
      scenario,
      status: row.status,
      ...(row.timeVsBird2 === undefined ? {} : { timeVsBird2: row.timeVsBird2 }),
      ...(row.timeVsBestAnchor === undefined ? {} : { timeVsBestAnchor: row.timeVsBestAnchor }),
      ...(best ? { bestAnchor: best } : {}),
      ...(row.rssVsBird2 === undefined ? {} : { rssVsBird2: row.rssVsBird2 }),
      ...(row.bytesPerRouteVsBird2 === undefined ? {} : { bytesPerRouteVsBird2: row.bytesPerRouteVsBird2 }),
    };
  });
}

function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

function formatBytes(bytes: number | undefined): string {
  return bytes === undefined ? '' : `${(bytes / (1 << 20)).toFixed(0)} MB`;
}

function formatRatio(x: number | undefined): string {
  return x === undefined ? '' : `${x.toFixed(2)}×`;
}

export function formatTable(rated: readonly RatedRow[]): string {
  const header = ['scenario', 'implementation', 'time', 'peak RSS', 'B/route', 'vs best anchor', 'vs BIRD 2', 'reflector CPU', 'clients CPU', 'note'];
  const body = rated.map((r) => [
    r.scenario,
    r.implementation,
    r.status === 'ok' && r.timeMs !== undefined ? formatMs(r.timeMs) : r.status,
    formatBytes(r.peakRssBytes),
    r.bytesPerRoute === undefined ? '' : `${r.bytesPerRoute.toFixed(0)}${r.bytesPerRouteVsBird2 === undefined || r.implementation === 'bird2' ? '' : ` (${r.bytesPerRouteVsBird2.toFixed(2)}×)`}`,
    formatRatio(r.timeVsBestAnchor),
    formatRatio(r.timeVsBird2),
    r.reflectorCpuMs === undefined ? '' : formatMs(r.reflectorCpuMs),
    r.clientCpuMs === undefined ? '' : formatMs(r.clientCpuMs),
    [whereTimeWent(r), r.detail].filter((x) => x !== undefined && x !== '').join('; '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  // The note column is last and left ragged, so a long reason does not widen the table.
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w, i) => (i === widths.length - 1 ? '----' : '-'.repeat(w)))), ...body.map(line)].join('\n');
}

/** The busiest thread's share of the time, as a whole percentage; undefined without both figures. */
function busyShare(r: BenchRow): number | undefined {
  return r.status === 'ok' && r.timeMs !== undefined && r.timeMs > 0 && r.busiestThreadCpuMs !== undefined ? (100 * r.busiestThreadCpuMs) / r.timeMs : undefined;
}

function formatPauses(gc: GcPauses): string {
  return `GC pauses ${formatMs(gc.ms)} (${gc.minor} minor, ${gc.major} major)`;
}

/** `busiest thread 93 %; GC pauses 140 ms (22 minor, 3 major)`: the note column's first part. */
export function whereTimeWent(r: BenchRow): string {
  const busy = busyShare(r);
  const parts = busy === undefined ? [] : [`busiest thread ${busy.toFixed(0)} %`];
  if (r.gcPauses !== undefined) parts.push(formatPauses(r.gcPauses));
  return parts.join('; ');
}

/** Above this share of the elapsed time on one thread, the reflector was bound by one core. */
const CPU_BOUND_SHARE = 80;

/**
 * SPEC §7: where petrel is slower than the best anchor, what its time went to — computing on its
 * one JavaScript thread or waiting, and how much of the computing was GC — and how to profile it.
 * One paragraph per such scenario; empty when petrel met every aim.
 */
export function formatShortfalls(rated: readonly RatedRow[]): string {
  const refs = references(rated);
  const out: string[] = [];
  for (const r of rated) {
    if (r.implementation !== PETREL || r.timeVsBestAnchor === undefined || r.timeVsBestAnchor <= 1 || r.timeMs === undefined) continue;
    const anchor = refs.get(r.scenario)?.bestAnchor;
    const lines = [`${r.scenario}: petrel took ${formatRatio(r.timeVsBestAnchor)} ${anchor?.implementation ?? 'the best anchor'}'s time (${formatMs(r.timeMs)} against ${formatMs(anchor?.timeMs ?? 0)}).`];
    const busy = busyShare(r);
    if (busy !== undefined) {
      lines.push(
        busy >= CPU_BOUND_SHARE
          ? `  Its JavaScript thread was on a CPU for ${busy.toFixed(0)} % of that time: bound by one core, so the time is in its own code.`
          : `  Its JavaScript thread was on a CPU for only ${busy.toFixed(0)} % of that time; it waited for the rest (for input, for the GC's helper threads, or for the host).`,
      );
    }
    if (r.gcPauses !== undefined && r.busiestThreadCpuMs !== undefined && r.busiestThreadCpuMs > 0) {
      lines.push(`  ${formatPauses(r.gcPauses)}: ${((100 * r.gcPauses.ms) / r.busiestThreadCpuMs).toFixed(0)} % of that thread's time.`);
    }
    lines.push(`  Profile: ${profileCommand(r.scenario)}`);
    out.push(lines.join('\n'));
  }
  return out.join('\n');
}

/** The command that profiles petrel in `scenario` (the K1 child takes the same node flags). */
export function profileCommand(scenario: string): string {
  const flags = 'PETREL_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/petrel-prof"';
  if (scenario.startsWith('K1')) return `${flags} npm run bench -- --only K1`;
  return `npm run build && ${flags} npm run bench -- --only ${scenario === 'S2' ? 'S2' : 'S1,S3'} --impl petrel`;
}

// --- repeated rounds (`--repeat N`) ----------------------------------------------------------

/**
 * One row per (scenario, implementation) from several rounds: the round with the median time
 * among those with a figure (the lower middle one for an even count), noting how many rounds
 * had one when some did not; a row without a figure in any round is the first round's.
 */
export function medianRows(rounds: readonly (readonly BenchRow[])[]): BenchRow[] {
  const keys: string[] = [];
  const byKey = new Map<string, BenchRow[]>();
  for (const round of rounds) {
    for (const row of round) {
      const key = `${row.scenario}\u0000${row.implementation}`;
      let list = byKey.get(key);
      if (list === undefined) {
        byKey.set(key, (list = []));
        keys.push(key);
      }
      list.push(row);
    }
  }
  return keys.map((key) => {
    const all = byKey.get(key)!;
    const timed = all.filter((r) => r.status === 'ok' && r.timeMs !== undefined).sort((a, b) => a.timeMs! - b.timeMs!);
    if (timed.length === 0) return all[0]!;
    const median = timed[(timed.length - 1) >> 1]!;
    // Fewer rows than rounds: a slow anchor, run in the first round only (`slowAnchors`).
    const ran = all.length < rounds.length ? `run in ${all.length} of ${rounds.length} rounds` : undefined;
    const missing = timed.length < all.length ? `median of the ${timed.length} of ${all.length} rounds with a figure` : undefined;
    const note = [ran, missing].filter((x) => x !== undefined).join('; ');
    if (note === '') return median;
    return { ...median, detail: median.detail === undefined ? note : `${median.detail}; ${note}` };
  });
}

/**
 * An anchor this many times slower than the best anchor in every scenario of a round cannot be
 * the best in another round (GoBGP: 50–800× here, about 160 s a round): it runs once.
 */
export const SLOW_ANCHOR_FACTOR = 10;

/**
 * The anchors of `round` that are not worth another round: each has a row with a figure or a
 * timeout, and no figure within `factor` times the scenario's best anchor. Rows that failed or
 * were skipped say nothing either way (BIRD 2 failing S2 under load is no reason to drop it).
 */
export function slowAnchors(round: readonly BenchRow[], factor = SLOW_ANCHOR_FACTOR): string[] {
  const refs = references(round);
  const slow = new Set<string>();
  const fast = new Set<string>();
  for (const row of round) {
    if (!isAnchor(row)) continue;
    const best = refs.get(row.scenario)?.bestAnchor?.timeMs;
    if (row.status === 'timeout') slow.add(row.implementation);
    else if (row.status === 'ok' && row.timeMs !== undefined && best !== undefined) {
      (row.timeMs > best * factor ? slow : fast).add(row.implementation);
    }
  }
  return [...slow].filter((name) => !fast.has(name));
}

/** petrel's time against the best anchor of the same round, round by round, for one scenario. */
export interface RoundRatios {
  readonly scenario: string;
  readonly bestAnchor?: string;
  /** One per round; undefined where petrel or every anchor had no figure. */
  readonly ratios: readonly (number | undefined)[];
  readonly min?: number;
  readonly median?: number;
  readonly max?: number;
  /** Rounds with a ratio at or below 1 (petrel at least as fast as the best anchor). */
  readonly atOrBelowOne: number;
}

export function roundRatios(rounds: readonly (readonly BenchRow[])[]): RoundRatios[] {
  const rated = rounds.map((round) => rate(round));
  const scenarios = [...new Set(rated.flat().map((r) => r.scenario))];
  return scenarios.map((scenario) => {
    const ratios = rated.map((round) => round.find((r) => r.scenario === scenario && r.implementation === PETREL)?.timeVsBestAnchor);
    const known = ratios.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    const best = references(rated.flat().filter((r) => r.scenario === scenario)).get(scenario)?.bestAnchor?.implementation;
    return {
      scenario,
      ...(best === undefined ? {} : { bestAnchor: best }),
      ratios,
      ...(known.length === 0 ? {} : { min: known[0]!, median: middle(known), max: known[known.length - 1]! }),
      atOrBelowOne: known.filter((x) => x <= 1).length,
    };
  });
}

function middle(sorted: readonly number[]): number {
  const n = sorted.length;
  return n % 2 === 1 ? sorted[n >> 1]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

/** `S3  petrel vs best anchor by round: 0.71 0.90 1.34  (median 0.90×, 2 of 3 at or below 1×)`. */
export function formatRoundRatios(list: readonly RoundRatios[]): string {
  return list
    .filter((r) => r.ratios.some((x) => x !== undefined))
    .map((r) => {
      const each = r.ratios.map((x) => (x === undefined ? '-' : x.toFixed(2))).join(' ');
      return `${r.scenario.padEnd(4)}petrel vs best anchor by round: ${each}  (median ${formatRatio(r.median)}, ${r.atOrBelowOne} of ${r.ratios.length} at or below 1×)`;
    })
    .join('\n');
}

export interface BenchReport {
  readonly machine: MachineInfo;
  readonly sizes: unknown;
  readonly durationMs: number;
  /** With `--repeat`, each (scenario, implementation)'s median round (`medianRows`). */
  readonly rows: readonly RatedRow[];
  readonly petrel: readonly PetrelSummary[];
  /** With `--repeat`: every round's rows, rated within the round. */
  readonly rounds?: readonly (readonly RatedRow[])[];
  /** With `--repeat`: petrel's ratio to the best anchor in each round. */
  readonly perRound?: readonly RoundRatios[];
}

export async function writeReport(file: string, report: BenchReport): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}
