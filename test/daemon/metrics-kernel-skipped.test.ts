// petrel_kernel_routes_skipped_total{reason}: the kernel sink's skip counts (kernel-sink.ts
// `skipped`) as a Prometheus counter per reason, every reason present from the first scrape.
import { describe, expect, it } from 'vitest';
import type { SkipCounts } from '../../src/daemon/kernel-sink.js';
import { DaemonMetrics } from '../../src/daemon/metrics.js';
import { SessionObserver } from '../../src/daemon/session-observer.js';
import type { Speaker } from '../../src/daemon/speaker.js';
import { parseExposition, sampleValue } from './exposition.js';

/** The parts of a speaker the metrics read, with no peers or groups of its own. */
const emptySpeaker = { peers: () => [], groups: { groups: () => [] }, locRib: { size: 0 } } as unknown as Speaker;

const METRIC = 'petrel_kernel_routes_skipped_total';

describe('petrel_kernel_routes_skipped_total', () => {
  it('reports the sink\u2019s skips by reason at each scrape', async () => {
    const skipped: SkipCounts = { 'bad-prefix': 0, 'no-next-hop': 0, 'service-range': 0, 'no-vtep': 0, 'link-local-without-interface': 0, 'felix-owned': 0 };
    const metrics = new DaemonMetrics({ speaker: emptySpeaker, sessions: new SessionObserver(), kernelSink: { skipped } });
    const first = parseExposition(await metrics.scrape());
    for (const reason of Object.keys(skipped)) expect(sampleValue(first, METRIC, { reason })).toBe(0);

    skipped['link-local-without-interface'] = 2;
    skipped['service-range'] = 5;
    const second = parseExposition(await metrics.scrape());
    expect(sampleValue(second, METRIC, { reason: 'link-local-without-interface' })).toBe(2);
    expect(sampleValue(second, METRIC, { reason: 'service-range' })).toBe(5);
    expect(sampleValue(second, METRIC, { reason: 'no-vtep' })).toBe(0);
  });

  it('is absent without a kernel plane (a central reflector)', async () => {
    const metrics = new DaemonMetrics({ speaker: emptySpeaker, sessions: new SessionObserver() });
    expect(await metrics.scrape()).not.toContain(METRIC);
  });
});
