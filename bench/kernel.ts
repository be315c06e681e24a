/**
 * K1 (SPEC §7): install, then remove, 100,000 learned routes in a namespace's main table, in one
 * run, with
 * - petrel: the KernelSyncer (`replace` ×N then `settled()`, `remove` ×N then `settled()`),
 *   routes `via <gw> dev veth0 onlink proto 12`;
 * - `ip -batch`: the same routes as `route add`/`route del` lines;
 * - BIRD 2: a static protocol of the same N routes (`via <gw>`, resolved on veth0's connected
 *   172.18.0.0/16) exported to its kernel protocol; `birdc enable` to the last RTM_NEWROUTE the
 *   kernel multicasts, `birdc disable` to the last RTM_DELROUTE;
 * - raw: the codec's one-batch write through the native socket, the floor (not an anchor).
 * BIRD's end is seen by a route-notification listener in a process of its own; petrel and raw run
 * with the same listener, so the kernel's per-listener work is alike for the three (`ip -batch`
 * runs without one). Beside wall times, the implementations' own CPU times (BIRD's from /proc):
 * on a busy shared machine they vary less than wall times.
 * Each is run RUNS times, the median printed, with the ratios petrel / BIRD and petrel / best
 * anchor. Run: `npx tsx bench/kernel.ts [N] [runs]` as root; `npm run bench -- --only K1` calls `run()`.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Namespace } from '../test/kernel/helpers.js';
import { benchGateway, benchPrefix } from './kernel-routes.js';
import type { BenchRow } from './report.js';

const exec = promisify(execFile);
const ROOT = path.join(import.meta.dirname, '..');
const CHILD = path.join(import.meta.dirname, 'kernel-child.ts');

interface PhaseTimes {
  readonly installMs: number;
  readonly removeMs: number;
  /** The implementation's own CPU time (user + system), where the child can measure it. */
  readonly installCpuMs?: number;
  readonly removeCpuMs?: number;
  readonly installed: number;
  readonly left: number;
  readonly peakRssBytes?: number;
}

type Implementation = 'petrel' | 'ip-batch' | 'bird2' | 'raw-netlink';

/** PETREL_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR": where the syncer's time goes. */
const NODE_ARGS = (process.env['PETREL_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a.length > 0);

async function inNamespace(ns: Namespace, ...args: string[]): Promise<PhaseTimes> {
  const { stdout } = await exec('ip', ['netns', 'exec', ns.name, process.execPath, ...NODE_ARGS, '--import', 'tsx', CHILD, ...args], {
    cwd: ROOT,
    timeout: 300_000,
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as PhaseTimes;
}

async function ipBatch(ns: Namespace, dir: string, count: number): Promise<PhaseTimes> {
  const add = path.join(dir, 'add.batch');
  const del = path.join(dir, 'del.batch');
  const lines = (verb: string) => Array.from({ length: count }, (_, i) => `route ${verb} ${benchPrefix(i)} via ${benchGateway(i)} dev veth0 onlink proto 12`);
  writeFileSync(add, `${lines('add').join('\n')}\n`);
  writeFileSync(del, `${lines('del').join('\n')}\n`);
  let t0 = process.hrtime.bigint();
  await exec('ip', ['-n', ns.name, '-batch', add]);
  const installMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const installed = (await ns.ip('route', 'show', 'proto', '12')).split('\n').filter(Boolean).length;
  t0 = process.hrtime.bigint();
  await exec('ip', ['-n', ns.name, '-batch', del]);
  const removeMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const left = (await ns.ip('route', 'show', 'proto', '12')).split('\n').filter(Boolean).length;
  return { installMs, removeMs, installed, left };
}

/** A BIRD 2 instance in the namespace with a disabled static protocol of `count` routes. */
async function startBird(ns: Namespace, dir: string, count: number): Promise<{ socket: string; pidFile: string; stop: () => Promise<void> }> {
  const config = path.join(dir, 'bird.conf');
  const socket = path.join(dir, 'bird.ctl');
  const pidFile = path.join(dir, 'bird.pid');
  const routes = Array.from({ length: count }, (_, i) => `  route ${benchPrefix(i)} via ${benchGateway(i)};`);
  writeFileSync(
    config,
    [
      'router id 172.18.255.254;',
      'protocol device { scan time 3600; }',
      // Calico's kernel protocol (CALICO.md §1.1) without learn, so only the export is timed.
      'protocol kernel kernel4 { ipv4 { import none; export all; }; scan time 3600; merge paths on; }',
      'protocol static static1 {',
      '  disabled yes;',
      '  ipv4;',
      ...routes,
      '}',
      '',
    ].join('\n'),
  );
  const bird = spawn('ip', ['netns', 'exec', ns.name, 'bird', '-f', '-c', config, '-s', socket, '-P', pidFile], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => bird.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (bird.exitCode === null && bird.pid !== undefined) process.kill(bird.pid, 'SIGTERM');
    await exited;
  };
  // Ready when its control socket answers (parsing 100,000 static routes takes a moment).
  for (let attempt = 0; ; attempt++) {
    try {
      await exec('birdc', ['-s', socket, 'show', 'status']);
      return { socket, pidFile, stop };
    } catch (error) {
      if (attempt > 600 || bird.exitCode !== null) {
        await stop();
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

interface Medians {
  readonly installMs: number;
  readonly removeMs: number;
  readonly installCpuMs?: number;
  readonly removeCpuMs?: number;
}

function mediansOf(results: readonly PhaseTimes[]): Medians {
  const cpu = (pick: (r: PhaseTimes) => number | undefined): number | undefined => {
    const values = results.map(pick).filter((v): v is number => v !== undefined);
    return values.length === results.length ? median(values) : undefined;
  };
  const installCpuMs = cpu((r) => r.installCpuMs);
  const removeCpuMs = cpu((r) => r.removeCpuMs);
  return {
    installMs: median(results.map((r) => r.installMs)),
    removeMs: median(results.map((r) => r.removeMs)),
    ...(installCpuMs !== undefined && { installCpuMs }),
    ...(removeCpuMs !== undefined && { removeCpuMs }),
  };
}

export interface KernelBenchResult {
  readonly count: number;
  readonly runs: number;
  readonly medians: Record<Implementation, Medians | undefined>;
  readonly all: Record<Implementation, PhaseTimes[]>;
  readonly problems: string[];
}

export async function measure(count = 100_000, runs = 3): Promise<KernelBenchResult> {
  const ns = await Namespace.create('bench');
  const dir = mkdtempSync(path.join(tmpdir(), 'petrel-k1-'));
  const all: Record<Implementation, PhaseTimes[]> = { petrel: [], 'ip-batch': [], bird2: [], 'raw-netlink': [] };
  const problems: string[] = [];
  try {
    await ns.ip('link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
    for (const dev of ['veth0', 'veth1']) await ns.ip('link', 'set', dev, 'up');
    await ns.ip('addr', 'add', '172.18.255.254/16', 'dev', 'veth0');
    const ifindex = (await ns.ip('-o', 'link', 'show', 'veth0')).split(':')[0]!;
    // Interleaved, so a noisy neighbour spreads over every implementation alike. BIRD runs only
    // during its own turn: its kernel protocol would otherwise parse every other run's notifications.
    for (let r = 0; r < runs; r++) {
      all.petrel.push(await inNamespace(ns, 'petrel', String(count), 'veth0'));
      all['ip-batch'].push(await ipBatch(ns, dir, count));
      all['raw-netlink'].push(await inNamespace(ns, 'raw', String(count), ifindex));
      const bird = await startBird(ns, dir, count).catch((error: unknown) => {
        problems.push(`bird2: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      });
      if (bird === undefined) continue;
      try {
        all.bird2.push(await inNamespace(ns, 'bird', String(count), bird.socket, 'static1', bird.pidFile));
      } finally {
        await bird.stop();
      }
    }
  } finally {
    await ns.remove();
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [name, results] of Object.entries(all)) {
    for (const r of results) if (r.installed !== count || r.left !== 0) problems.push(`${name}: installed ${r.installed}, left ${r.left} of ${count}`);
  }
  const medians = Object.fromEntries(
    Object.entries(all).map(([name, results]) => [name, results.length === 0 ? undefined : mediansOf(results)]),
  ) as KernelBenchResult['medians'];
  return { count, runs, medians, all, problems };
}

/** Rows for `npm run bench` (bench/extras.ts): K1 install and K1 remove per implementation. */
export async function run(): Promise<BenchRow[]> {
  const result = await measure();
  const rows: BenchRow[] = [];
  for (const phase of ['install', 'remove'] as const) {
    for (const [name, median] of Object.entries(result.medians)) {
      const scenario = `K1 ${phase}`;
      if (median === undefined) {
        rows.push({ scenario, implementation: name, status: 'unavailable', detail: result.problems.join('; ') });
        continue;
      }
      rows.push({
        scenario,
        implementation: name,
        status: 'ok',
        timeMs: phase === 'install' ? median.installMs : median.removeMs,
        ...detailOf(name, phase === 'install' ? median.installCpuMs : median.removeCpuMs),
      });
    }
  }
  return rows;
}

/** The row's note: what the floor is, and the implementation's own CPU time where measured. */
function detailOf(name: string, cpuMs: number | undefined): { anchor?: false; detail?: string } {
  const notes = [
    ...(name === 'raw-netlink' ? ['one batch through the codec: the floor'] : []),
    ...(cpuMs === undefined ? [] : [`CPU ${cpuMs.toFixed(0)} ms`]),
  ];
  return {
    ...(name === 'raw-netlink' && { anchor: false as const }),
    ...(notes.length > 0 && { detail: notes.join('; ') }),
  };
}

function format(result: KernelBenchResult): string {
  const lines = [
    `K1: ${result.count} routes, median of ${result.runs} runs (ms); CPU: the implementation's own`,
    'implementation   install    remove   install CPU  remove CPU',
  ];
  const figure = (value: number | undefined, width: number): string => (value === undefined ? 'n/a' : value.toFixed(0)).padStart(width);
  for (const [name, m] of Object.entries(result.medians)) {
    lines.push(`${name.padEnd(15)} ${figure(m?.installMs, 8)} ${figure(m?.removeMs, 9)} ${figure(m?.installCpuMs, 13)} ${figure(m?.removeCpuMs, 11)}`);
  }
  const { petrel, bird2, 'ip-batch': ip } = result.medians;
  if (petrel !== undefined && bird2 !== undefined) {
    lines.push(`petrel / BIRD 2: install ${(petrel.installMs / bird2.installMs).toFixed(2)}, remove ${(petrel.removeMs / bird2.removeMs).toFixed(2)}`);
    if (petrel.installCpuMs !== undefined && bird2.installCpuMs !== undefined && petrel.removeCpuMs !== undefined && bird2.removeCpuMs !== undefined) {
      lines.push(`petrel / BIRD 2 CPU: install ${(petrel.installCpuMs / bird2.installCpuMs).toFixed(2)}, remove ${(petrel.removeCpuMs / bird2.removeCpuMs).toFixed(2)}`);
    }
  }
  if (petrel !== undefined && ip !== undefined) {
    lines.push(`petrel / ip -batch: install ${(petrel.installMs / ip.installMs).toFixed(2)}, remove ${(petrel.removeMs / ip.removeMs).toFixed(2)}`);
  }
  for (const problem of result.problems) lines.push(`problem: ${problem}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await measure(Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 3));
  process.stdout.write(`${format(result)}\n`);
}
