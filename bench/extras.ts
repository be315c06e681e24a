/**
 * Benchmark modules written beside the reflector scenarios: K1 kernel installation
 * (`kernel.ts`) and the codec (`codec.ts`). Each exports `run()`. A module that is absent is
 * skipped. What `run()` returns is turned into table rows:
 * - rows shaped like `BenchRow` (scenario, implementation, status or timeMs, optional
 *   peakRssBytes, anchor, detail), one or an array, are taken as they are;
 * - the codec's single result (decodeMs/encodeMs for a stream of `prefixes`) becomes two petrel
 *   rows, "codec decode" and "codec encode", which have no anchor.
 * Anything else becomes one error row saying what was wrong.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchRow, RowStatus } from './report.js';

export interface ExtraScenario {
  /** What `--only` calls it. */
  readonly id: string;
  readonly file: string;
  run(quick: boolean): Promise<BenchRow[]>;
}

interface ExtraModule {
  readonly id: string;
  readonly file: string;
  /** The argument for the module's run(). */
  readonly options: (quick: boolean) => unknown;
}

const EXTRA_MODULES: readonly ExtraModule[] = [
  { id: 'K1', file: 'kernel.ts', options: (quick) => ({ quick }) },
  { id: 'codec', file: 'codec.ts', options: (quick) => (quick ? { prefixes: 100_000, runs: 2 } : { prefixes: 1_000_000, runs: 3 }) },
];

const STATUSES: readonly RowStatus[] = ['ok', 'timeout', 'error', 'unavailable', 'skipped'];

function benchRow(v: Record<string, unknown>): BenchRow | undefined {
  const scenario = v['scenario'];
  const implementation = v['implementation'];
  if (typeof scenario !== 'string' || typeof implementation !== 'string') return undefined;
  const timeMs = typeof v['timeMs'] === 'number' ? v['timeMs'] : undefined;
  const statusField = v['status'];
  const status = STATUSES.find((s) => s === statusField) ?? (timeMs === undefined ? undefined : 'ok');
  if (status === undefined) return undefined;
  const rss = v['peakRssBytes'];
  const anchor = v['anchor'];
  const detail = v['detail'];
  return {
    scenario,
    implementation,
    status,
    ...(timeMs === undefined ? {} : { timeMs }),
    ...(typeof rss === 'number' ? { peakRssBytes: rss } : {}),
    ...(typeof anchor === 'boolean' ? { anchor } : {}),
    ...(typeof detail === 'string' ? { detail } : {}),
  };
}

/** bench/codec.ts's CodecBenchRow: one decode and one encode time over `prefixes`. */
function codecRows(v: Record<string, unknown>): BenchRow[] | undefined {
  const { scenario, prefixes, decodeMs, encodeMs, decodePrefixesPerSec, encodePrefixesPerSec } = v;
  if (typeof scenario !== 'string' || typeof prefixes !== 'number' || typeof decodeMs !== 'number' || typeof encodeMs !== 'number') return undefined;
  const rate = (x: unknown) => (typeof x === 'number' ? `, ${Math.round(x).toLocaleString('en-US')} prefixes/s` : '');
  const row = (what: string, timeMs: number, perSec: unknown): BenchRow => ({
    scenario: `${scenario} ${what}`,
    implementation: 'petrel',
    status: 'ok',
    timeMs,
    anchor: false,
    detail: `${prefixes.toLocaleString('en-US')} prefixes${rate(perSec)}`,
  });
  return [row('decode', decodeMs, decodePrefixesPerSec), row('encode', encodeMs, encodePrefixesPerSec)];
}

/** The rows a module's run() result stands for, or undefined when it is not understood. */
export function toRows(result: unknown): BenchRow[] | undefined {
  const items = Array.isArray(result) ? (result as unknown[]) : [result];
  const rows: BenchRow[] = [];
  for (const item of items) {
    if (typeof item !== 'object' || item === null) return undefined;
    const v = item as Record<string, unknown>;
    const got = 'implementation' in v ? [benchRow(v)] : codecRows(v);
    if (got === undefined || got.some((r) => r === undefined)) return undefined;
    rows.push(...(got as BenchRow[]));
  }
  return rows;
}

async function runModule(m: ExtraModule, file: string, quick: boolean): Promise<BenchRow[]> {
  try {
    const mod = (await import(pathToFileURL(file).href)) as { run?: unknown };
    if (typeof mod.run !== 'function') throw new Error('exports no run()');
    const result: unknown = await (mod.run as (options: unknown) => unknown)(m.options(quick));
    const rows = toRows(result);
    if (rows === undefined) throw new Error('run() returned something other than rows (scenario, implementation, status or timeMs)');
    return rows;
  } catch (err) {
    return [{ scenario: m.id, implementation: path.basename(file), status: 'error', detail: err instanceof Error ? err.message : String(err) }];
  }
}

/** The extra modules present in `benchDir`. */
export function extraScenarios(benchDir: string, exists: (file: string) => boolean): ExtraScenario[] {
  return EXTRA_MODULES.map((m) => ({ m, file: path.join(benchDir, m.file) }))
    .filter(({ file }) => exists(file))
    .map(({ m, file }) => ({ id: m.id, file: m.file, run: (quick: boolean) => runModule(m, file, quick) }));
}
