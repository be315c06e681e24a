// The GC pause histogram counts every pause, including those Node hands over in one batch after
// a long synchronous stretch (prom-client's own collector keeps only the first of each batch).
import { PerformanceObserver } from 'node:perf_hooks';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { GcPauseMetric } from '../../src/daemon/gc-metrics.js';
import { parseExposition, type Sample } from './exposition.js';

const NAME = 'petrel_nodejs_gc_duration_seconds';

/** Allocates enough live objects in one synchronous stretch for several scavenges in a row. */
function allocationBurst(): number {
  const keep: { i: number; s: string }[] = [];
  for (let i = 0; i < 400_000; i++) keep.push({ i, s: `x${i}` });
  return keep.length;
}

function total(samples: readonly Sample[], suffix: '_count' | '_sum'): number {
  return samples.filter((s) => s.name === `${NAME}${suffix}`).reduce((sum, s) => sum + s.value, 0);
}

describe('GC pause metric', () => {
  it('counts every pause of a batch, by kind, under the default metric name', async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'petrel_' });
    const metric = new GcPauseMetric(registry, 'petrel_');
    let seen = 0;
    let seenMs = 0;
    const witness = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        seen++;
        seenMs += entry.duration;
      }
    });
    witness.observe({ entryTypes: ['gc'] });
    try {
      // Several bursts without yielding: their pauses reach the observers as one batch.
      let n = 0;
      for (let round = 0; round < 4; round++) n += allocationBurst();
      expect(n).toBe(1_600_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const samples = parseExposition(await registry.metrics());
      expect(seen).toBeGreaterThan(1);
      expect(total(samples, '_count')).toBe(seen);
      expect(total(samples, '_sum') * 1000).toBeCloseTo(seenMs, 3);
      const kinds = new Set(samples.filter((s) => s.name === `${NAME}_count`).map((s) => s.labels['kind']));
      expect(kinds.has('minor')).toBe(true);
      expect([...kinds].every((k) => ['major', 'minor', 'incremental', 'weakcb'].includes(k!))).toBe(true);
      // One histogram under the name, with prom-client's buckets.
      const buckets = samples.filter((s) => s.name === `${NAME}_bucket` && s.labels['kind'] === 'minor').map((s) => s.labels['le']);
      expect(buckets).toEqual(['0.001', '0.01', '0.1', '1', '2', '5', '+Inf']);
    } finally {
      witness.disconnect();
      metric.stop();
    }
  });
});
