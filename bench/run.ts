/**
 * `npm run bench`: the SPEC §7 benchmark. Runs the reflector scenarios (S1 throughput, S2
 * fan-out, S3 withdrawal) with BIRD 2, GoBGP, FRR and petrel each as the route reflector between
 * the same test clients in one private network namespace, plus any extra scenario modules that
 * exist beside this file (kernel.ts: K1; codec.ts), then prints a table of times, peak RSS and
 * ratios against the anchors of this same run, and writes every figure to
 * bench/results/latest.json.
 *
 *   npm run bench                      all scenarios, full sizes (about 7–10 minutes)
 *   npm run bench -- --quick           smaller sizes
 *   npm run bench -- --only S1,S3      some scenarios (K1 and codec name the extra modules)
 *   npm run bench -- --impl bird2,petrel --timeout 60 --out FILE
 *   npm run bench -- --only S1,S3 --impl bird2,petrel --repeat 10
 *                                      the reflector scenarios in 10 rounds (3 by default; 1
 *                                      for a single shot), each implementation once per round:
 *                                      the table shows each one's median round, then petrel's
 *                                      ratio to the best anchor round by round. An anchor more
 *                                      than 10× slower than the best in every scenario of round
 *                                      1 (GoBGP) is not run again; the extra modules run once.
 *
 * Rounds, because this machine's noise (±15 % from run to run, BIRD 2's times as much as
 * petrel's) decides single shots: a median of three is what a comparison can rest on.
 *
 * Every process is stopped by its PID and the namespace removed, also on Ctrl-C.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { NetNs } from '../test/peers/netns.js';
import { DriverProcess } from './clients/driver-process.js';
import { createBenchNamespace } from './namespace.js';
import { bird2 } from './reflectors/bird2.js';
import { frr } from './reflectors/frr.js';
import { gobgp } from './reflectors/gobgp.js';
import { petrel } from './reflectors/petrel.js';
import type { ReflectorKind } from './reflectors/reflector.js';
import { formatRoundRatios, formatShortfalls, formatTable, machineInfo, medianRows, petrelSummary, rate, roundRatios, SLOW_ANCHOR_FACTOR, slowAnchors, writeReport, type BenchRow } from './report.js';
import { FULL_SIZES, QUICK_SIZES, runFanout, runThroughput, type ScenarioContext, type ScenarioId } from './scenarios.js';
import { extraScenarios } from './extras.js';

const REFLECTORS: readonly ReflectorKind[] = [bird2, gobgp, frr, petrel];
const REFLECTOR_SCENARIOS: readonly ScenarioId[] = ['S1', 'S2', 'S3'];
/** Rounds of the reflector scenarios without `--repeat`: each figure is a median of three. */
const DEFAULT_ROUNDS = 3;
const DEFAULT_OUT = fileURLToPath(new URL('./results/latest.json', import.meta.url));

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    impl: { type: 'string' },
    quick: { type: 'boolean', default: false },
    timeout: { type: 'string' },
    out: { type: 'string' },
    repeat: { type: 'string' },
  },
});

const list = (s: string | undefined) => (s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter((x) => x.length > 0));
const only = list(values.only)?.map((x) => x.toUpperCase());
const wanted = (id: string) => only === undefined || only.includes(id.toUpperCase());
const implNames = list(values.impl);
const unknownImpl = implNames?.filter((n) => !REFLECTORS.some((r) => r.name === n)) ?? [];
if (unknownImpl.length > 0) {
  console.error(`unknown implementation(s) ${unknownImpl.join(', ')}; known: ${REFLECTORS.map((r) => r.name).join(', ')}`);
  process.exit(2);
}
const reflectors = REFLECTORS.filter((r) => implNames === undefined || implNames.includes(r.name));
const sizes = values.quick ? QUICK_SIZES : FULL_SIZES;
// GoBGP needs one to two minutes for S1 and for S2 at full size here: 150 s each, then "timeout".
const scenarioMs = values.timeout === undefined ? (values.quick ? 60_000 : 150_000) : Number(values.timeout) * 1000;
const out = values.out ?? DEFAULT_OUT;
const repeat = values.repeat === undefined ? DEFAULT_ROUNDS : Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100) {
  console.error(`--repeat wants a whole number of rounds from 1 to 100, not ${values.repeat}`);
  process.exit(2);
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

// --- teardown, also on Ctrl-C --------------------------------------------------------------
let ns: NetNs | undefined;
let driver: DriverProcess | undefined;
let stopReflector: (() => Promise<void>) | undefined;

async function teardown(): Promise<void> {
  await stopReflector?.().catch(() => undefined);
  stopReflector = undefined;
  await driver?.stop().catch(() => undefined);
  driver = undefined;
  await ns?.remove().catch(() => undefined);
  ns = undefined;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping every process started and removing the namespace`);
    // The exit hooks of test/peers (kill by PID, delete the namespace) are the backstop.
    const hardStop = setTimeout(() => process.exit(130), 10_000);
    void teardown().finally(() => {
      clearTimeout(hardStop);
      process.exit(130);
    });
  });
}
process.once('exit', () => driver?.killNow());

// --- the run ---------------------------------------------------------------------------------
const machine = machineInfo();
const started = performance.now();
log(`${machine.nproc} CPUs, load average ${machine.loadAverageAtStart.join(' ')}; sizes ${JSON.stringify(sizes)}`);
/** The reflector scenarios' rows, round by round (one round without `--repeat`). */
const rounds: BenchRow[][] = [];
/** The extra modules' rows (run once). */
const extraRows: BenchRow[] = [];
const reflectorScenarios = new Set(REFLECTOR_SCENARIOS.filter(wanted));

try {
  if (reflectorScenarios.size > 0 && reflectors.length > 0) {
    ns = await createBenchNamespace();
    driver = DriverProcess.start(ns);
    const ctx: ScenarioContext = {
      ns,
      driver,
      sizes,
      limits: { setupMs: 60_000, scenarioMs },
      track: (stop) => (stopReflector = stop),
      log,
    };
    const unavailable = new Map<string, string>();
    for (const kind of reflectors) {
      const reason = await kind.unavailable();
      if (reason === undefined) continue;
      const detail = kind.name === 'petrel' ? `not runnable in this build (${reason})` : reason;
      log(`${kind.name}: ${detail}`);
      unavailable.set(kind.name, detail);
    }
    /** Anchors too slow to be the best in any round, after round 1 (`slowAnchors`). */
    const once = new Set<string>();
    for (let round = 1; round <= repeat; round++) {
      if (repeat > 1) log(`round ${round} of ${repeat}`);
      const rows: BenchRow[] = [];
      rounds.push(rows);
      for (const kind of reflectors) {
        if (once.has(kind.name)) continue;
        const detail = unavailable.get(kind.name);
        if (detail !== undefined) {
          for (const scenario of reflectorScenarios) rows.push({ scenario, implementation: kind.name, status: 'unavailable', detail });
          continue;
        }
        let notRunnable = false;
        if (reflectorScenarios.has('S1') || reflectorScenarios.has('S3')) {
          const got = await runThroughput(ctx, kind, reflectorScenarios);
          rows.push(...got);
          notRunnable = got.some((r) => r.status === 'unavailable');
        }
        if (reflectorScenarios.has('S2')) {
          // A daemon that cannot start at all is not tried a second time.
          const got = notRunnable ? rows.filter((r) => r.implementation === kind.name).slice(0, 1).map((r) => ({ ...r, scenario: 'S2' })) : await runFanout(ctx, kind);
          rows.push(...got);
        }
        for (const r of rows.filter((x) => x.implementation === kind.name && x.status !== 'ok')) log(`${kind.name} ${r.scenario}: ${r.status}: ${r.detail ?? ''}`);
      }
      if (round === 1 && repeat > 1) {
        for (const name of slowAnchors(rows)) {
          once.add(name);
          log(`${name}: more than ${SLOW_ANCHOR_FACTOR}× the best anchor's time in every scenario; its round-1 figures stand`);
        }
      }
    }
    await teardown();
  }
  for (const extra of extraScenarios(fileURLToPath(new URL('.', import.meta.url)), existsSync)) {
    if (!wanted(extra.id)) continue;
    log(`running ${extra.file}`);
    extraRows.push(...(await extra.run(values.quick)));
  }
} finally {
  await teardown();
}

const rated = rate([...(rounds.length > 1 ? medianRows(rounds) : (rounds[0] ?? [])), ...extraRows]);
console.log(formatTable(rated));
const perRound = rounds.length > 1 ? roundRatios(rounds) : undefined;
if (perRound !== undefined) console.log(`\nmedian of ${rounds.length} rounds above; by round:\n${formatRoundRatios(perRound)}`);
const shortfalls = formatShortfalls(rated);
if (shortfalls !== '') console.log(`\nwhere petrel is behind, where its time went:\n${shortfalls}`);
await writeReport(out, {
  machine,
  sizes,
  durationMs: performance.now() - started,
  rows: rated,
  petrel: petrelSummary(rated),
  ...(perRound === undefined ? {} : { rounds: rounds.map((round) => rate(round)), perRound }),
});
log(`wrote ${out} (${((performance.now() - started) / 1000).toFixed(0)} s in all)`);
