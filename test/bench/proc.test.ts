/**
 * The reflector's own figures come from /proc: peak RSS (VmHWM) and CPU time (utime + stime),
 * checked against what Node reports for this very process.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { gcPausesIn } from '../../bench/reflectors/petrel.js';
import { busiestThreadMs, cpuMs, gcPausesBetween, peakRssBytes, threadCpuMs } from '../../bench/reflectors/reflector.js';
import { GcPauseMetric } from '../../src/daemon/gc-metrics.js';

describe('/proc readings', () => {
  it('reads VmHWM: never below the resident set, including memory just touched', async () => {
    const touched = Buffer.alloc(64 << 20, 1);
    const rss = process.memoryUsage().rss;
    const peak = await peakRssBytes(process.pid);
    expect(peak).toBeGreaterThanOrEqual(rss * 0.95);
    expect(peak).toBeGreaterThan(64 << 20);
    expect(touched[touched.length - 1]).toBe(1);
  });

  it('reads user + system CPU time within a few clock ticks of process.cpuUsage()', async () => {
    const ms = await cpuMs(process.pid);
    const usage = process.cpuUsage();
    expect(Math.abs(ms! - (usage.user + usage.system) / 1000)).toBeLessThan(50);
  });

  it('says undefined for a process that has exited', async () => {
    const pid = spawnSync('true').pid;
    expect(await peakRssBytes(pid)).toBeUndefined();
    expect(await cpuMs(pid)).toBeUndefined();
    expect(await threadCpuMs(pid)).toBeUndefined();
  });

  it('reads each thread\'s CPU time: the main thread is the one this loop keeps busy', async () => {
    const before = (await threadCpuMs(process.pid))!;
    expect(before.has(process.pid)).toBe(true);
    const until = Date.now() + 300;
    let spins = 0;
    while (Date.now() < until) spins++;
    const after = (await threadCpuMs(process.pid))!;
    const mainMs = after.get(process.pid)! - before.get(process.pid)!;
    expect(spins).toBeGreaterThan(0);
    expect(mainMs).toBeGreaterThanOrEqual(200);
    expect(busiestThreadMs(before, after)).toBe(mainMs);
    let sum = 0;
    for (const ms of after.values()) sum += ms;
    // Threads that have ended count towards the process but are no longer listed.
    expect(sum).toBeLessThanOrEqual((await cpuMs(process.pid))! + 20);
  });

  it('takes a thread that started between the readings from zero', () => {
    expect(busiestThreadMs(new Map([[1, 100]]), new Map([[1, 130], [2, 50]]))).toBe(50);
  });
});

describe('GC pauses from petrel\'s metrics', () => {
  it('reads the pause histogram petrel exposes, zero before any pause, and differences readings', async () => {
    const registry = new Registry();
    const metric = new GcPauseMetric(registry, 'petrel_');
    try {
      const empty = gcPausesIn(await registry.metrics());
      expect(empty).toEqual({ ms: 0, minor: 0, major: 0 });
      const keep: object[] = [];
      for (let i = 0; i < 400_000; i++) keep.push({ i });
      expect(keep).toHaveLength(400_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const text = await registry.metrics();
      const pauses = gcPausesIn(text)!;
      expect(pauses.minor).toBeGreaterThan(0);
      const sum = text.split('\n').filter((l) => l.startsWith('petrel_nodejs_gc_duration_seconds_sum')).reduce((n, l) => n + Number(l.split(' ')[1]), 0);
      expect(pauses.ms).toBeCloseTo(sum * 1000, 6);
      expect(gcPausesBetween(empty!, pauses)).toEqual(pauses);
      expect(gcPausesIn('# HELP other\nother_metric 1\n')).toBeUndefined();
    } finally {
      metric.stop();
    }
  });
});
