/**
 * The reflector's own figures come from /proc: peak RSS (VmHWM) and CPU time (utime + stime),
 * checked against what Node reports for this very process.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cpuMs, peakRssBytes } from '../../bench/reflectors/reflector.js';

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
  });
});
