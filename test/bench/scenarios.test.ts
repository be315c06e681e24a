/**
 * The reflector scenarios end to end at toy sizes: BIRD 2 reflects between the driver's clients
 * in the benchmark namespace, every receiver is counted to completion, and nothing is left
 * running. A reflector that cannot start is reported as not runnable rather than failing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriverProcess } from '../../bench/clients/driver-process.js';
import { createBenchNamespace } from '../../bench/namespace.js';
import { bird2 } from '../../bench/reflectors/bird2.js';
import { NotRunnable } from '../../bench/reflectors/petrel.js';
import type { Reflector, ReflectorKind } from '../../bench/reflectors/reflector.js';
import { runFanout, runThroughput, type ScenarioContext } from '../../bench/scenarios.js';
import type { NetNs } from '../peers/netns.js';
import { pidAlive } from '../peers/process.js';

let ns: NetNs;
let driver: DriverProcess;
let ctx: ScenarioContext;

beforeAll(async () => {
  ns = await createBenchNamespace();
  driver = DriverProcess.start(ns);
  ctx = {
    ns,
    driver,
    sizes: { throughputPrefixes: 20_000, fanoutPrefixes: 3_000, fanoutReceivers: 5 },
    limits: { setupMs: 20_000, scenarioMs: 20_000 },
    track: () => undefined,
    log: () => undefined,
  };
});

afterAll(async () => {
  await driver.stop();
  await ns.remove();
});

/** BIRD 2, recording the PIDs of each instance once started, to check they are gone afterwards. */
function recordingPids(kind: ReflectorKind, pids: number[]): ReflectorKind {
  return {
    ...kind,
    create: (): Reflector => {
      const r = kind.create();
      return {
        name: r.name,
        start: async (setup) => {
          await r.start(setup);
          pids.push(...r.pids());
        },
        pids: () => r.pids(),
        logs: () => r.logs(),
        stop: () => r.stop(),
      };
    },
  };
}

describe('reflector scenarios with BIRD 2', () => {
  it('S1 and S3: the receiver ends holding all prefixes, then none; BIRD is stopped after', async () => {
    const pids: number[] = [];
    const rows = await runThroughput(ctx, recordingPids(bird2, pids), new Set(['S1', 'S3']));
    expect(rows.map((r) => [r.scenario, r.implementation, r.status])).toEqual([
      ['S1', 'bird2', 'ok'],
      ['S3', 'bird2', 'ok'],
    ]);
    for (const r of rows) {
      expect(r.timeMs).toBeGreaterThan(0);
      expect(r.peakRssBytes).toBeGreaterThan(1 << 20);
    }
    expect(pids.length).toBe(1);
    expect(pids.filter(pidAlive)).toEqual([]);
  });

  it('S2: every receiver gets every prefix', async () => {
    const pids: number[] = [];
    const rows = await runFanout(ctx, recordingPids(bird2, pids));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ scenario: 'S2', implementation: 'bird2', status: 'ok' });
    expect(pids.length).toBe(1);
    expect(pids.filter(pidAlive)).toEqual([]);
  });
});

describe('a reflector that cannot run', () => {
  it('is reported as not runnable in this build, for each scenario it was to run', async () => {
    const broken: ReflectorKind = {
      name: 'petrel',
      unavailable: () => Promise.resolve(undefined),
      create: () => ({
        name: 'petrel',
        start: () => Promise.reject(new NotRunnable("petrel: 'run' is not available in this build")),
        pids: () => [],
        logs: () => Promise.resolve(''),
        stop: () => Promise.resolve(),
      }),
    };
    const rows = await runThroughput(ctx, broken, new Set(['S1', 'S3']));
    expect(rows).toEqual([
      { scenario: 'S1', implementation: 'petrel', status: 'unavailable', detail: "not runnable in this build (petrel: 'run' is not available in this build)" },
      { scenario: 'S3', implementation: 'petrel', status: 'unavailable', detail: "not runnable in this build (petrel: 'run' is not available in this build)" },
    ]);
  });
});
