/**
 * Garbage-collection pauses as `petrel_nodejs_gc_duration_seconds{kind}`: the name, help, labels
 * and buckets of prom-client's default GC metric, but counting every pause.
 *
 * prom-client 15's collector observes only the first entry of each PerformanceObserver batch
 * (`list.getEntries()[0]`). Node delivers GC entries in batches once the main thread is free, so
 * while the daemon is busy — a table arriving, exactly when pauses matter — most are lost: a
 * synchronous allocation burst here showed 19 of 30 pauses (204 of 270 ms). This histogram takes
 * the default one's place in the registry, so dashboards keep the series they know.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { Histogram, type Registry } from 'prom-client';

/** prom-client's default buckets for this metric, so existing dashboards keep working. */
const BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];

const KIND_NAMES: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

function kindOf(entry: PerformanceEntry): string {
  // Node ≥ 16 puts the kind in `detail` (DEP0152); the typings do not declare it on every entry.
  const kind = ((entry as { detail?: unknown }).detail as { kind?: unknown } | null | undefined)?.kind;
  return (typeof kind === 'number' ? KIND_NAMES[kind] : undefined) ?? 'unknown';
}

export class GcPauseMetric {
  readonly #observer: PerformanceObserver;

  /** Replaces `${prefix}nodejs_gc_duration_seconds` in `registry` (registered by `collectDefaultMetrics`). */
  constructor(registry: Registry, prefix: string) {
    const name = `${prefix}nodejs_gc_duration_seconds`;
    registry.removeSingleMetric(name);
    const histogram = new Histogram({
      name,
      help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
      labelNames: ['kind'],
      buckets: BUCKETS,
      registers: [registry],
    });
    this.#observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) histogram.observe({ kind: kindOf(entry) }, entry.duration / 1000);
    });
    this.#observer.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.#observer.disconnect();
  }
}
