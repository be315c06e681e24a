/**
 * Benchmark modules written beside the reflector scenarios (K1 kernel installation in
 * `kernel.ts`, the codec in `codec.ts`). Each exports `run()` resolving to rows shaped like
 * `BenchRow` (scenario, implementation, status or timeMs, optional peakRssBytes, anchor,
 * detail). A module that is absent is skipped; rows that do not fit the shape become one error row.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchRow, RowStatus } from './report.js';

export interface ExtraScenario {
  /** What `--only` calls it. */
  readonly id: string;
  readonly file: string;
  run(): Promise<BenchRow[]>;
}

const EXTRA_MODULES: readonly { readonly id: string; readonly file: string }[] = [
  { id: 'K1', file: 'kernel.ts' },
  { id: 'codec', file: 'codec.ts' },
];

const STATUSES: readonly RowStatus[] = ['ok', 'timeout', 'error', 'unavailable', 'skipped'];

function toRow(value: unknown): BenchRow | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
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

async function runModule(id: string, file: string): Promise<BenchRow[]> {
  try {
    const mod = (await import(pathToFileURL(file).href)) as { run?: unknown };
    if (typeof mod.run !== 'function') throw new Error('exports no run()');
    const result: unknown = await (mod.run as () => Promise<unknown>)();
    if (!Array.isArray(result)) throw new Error('run() did not resolve to an array of rows');
    const rows = result.map(toRow);
    if (rows.some((r) => r === undefined)) throw new Error(`run() returned a row without scenario, implementation and status/timeMs`);
    return rows as BenchRow[];
  } catch (err) {
    return [{ scenario: id, implementation: path.basename(file), status: 'error', detail: err instanceof Error ? err.message : String(err) }];
  }
}

/** The extra modules present in `benchDir`. */
export function extraScenarios(benchDir: string, exists: (file: string) => boolean): ExtraScenario[] {
  return EXTRA_MODULES.map((m) => ({ ...m, file: path.join(benchDir, m.file) }))
    .filter((m) => exists(m.file))
    .map((m) => ({ id: m.id, file: path.basename(m.file), run: () => runModule(m.id, m.file) }));
}
