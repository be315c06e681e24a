/**
 * What petrel costs while it holds many idle sessions (the issue's "CPU and memory of petrel
 * holding 200 idle sessions"): `petrel run` as a node with 200 passive iBGP peers on
 * 127.0.1.1–127.0.1.200, inside a private namespace, and 200 minimal BGP clients (the benchmark's
 * own, bench/clients/: OPEN, KEEPALIVE, nothing else) with hold time 30 s. Once every session is
 * Established, petrel's resident set (VmRSS, VmHWM from /proc/<pid>/status) and CPU time (utime
 * + stime from /proc/<pid>/stat) are read over an idle window (60 s by default).
 *
 * Printed: start to control socket; CPU and RSS over a baseline window with every peer
 * configured and none connected (20 s by default); time for all sessions to reach Established
 * (the clients' clock and petrel's own `since` times); CPU while they came up; CPU and RSS
 * (sampled every 5 s, so a garbage collection shows as min < max) over the idle window; and how
 * long SIGTERM took (Cease to every peer, then exit).
 *
 * petrel runs from a build of this tree's sources made for the run in a temporary directory
 * (what `petrel` runs in production: node on compiled JavaScript); `--tsx` runs the sources
 * through tsx instead, whose loader adds its own memory.
 *
 *   npx tsx bench/idle-sessions.ts [--sessions 200] [--idle-sec 60] [--baseline-sec 20] [--hold-sec 30] [--tsx]
 *
 * Needs root (it creates and removes its own network namespace); takes about 1.5 minutes.
 */
import { copyFile, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { StatusView } from '../src/daemon/views.js';
import { NetNs } from '../test/peers/netns.js';
import { run, waitFor } from '../test/peers/process.js';
import { PetrelProcess, type PetrelPeer } from '../test/interop/petrel-process.js';
import { DriverProcess } from './clients/driver-process.js';
import { cpuMs } from './reflectors/reflector.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const AS_NUMBER = 64512;
const PETREL_ADDRESS = '127.0.0.1';
const BGP_PORT = 179;
const MIB = 1024 * 1024;

interface Options {
  readonly sessions: number;
  readonly idleSec: number;
  readonly baselineSec: number;
  readonly holdSec: number;
  readonly tsx: boolean;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      sessions: { type: 'string', default: '200' },
      'idle-sec': { type: 'string', default: '60' },
      'baseline-sec': { type: 'string', default: '20' },
      'hold-sec': { type: 'string', default: '30' },
      tsx: { type: 'boolean', default: false },
    },
  });
  const sessions = Number(values.sessions);
  // The clients live on 127.0.1.1–127.0.1.254 (one /24 of the namespace's loopback).
  if (!Number.isInteger(sessions) || sessions < 1 || sessions > 254) throw new Error('--sessions is 1..254');
  return {
    sessions,
    idleSec: Number(values['idle-sec']),
    baselineSec: Number(values['baseline-sec']),
    holdSec: Number(values['hold-sec']),
    tsx: values.tsx,
  };
}

function clientAddress(index: number): string {
  return `127.0.1.${index + 1}`;
}

/** Resident set now and at its peak, in bytes, from /proc/<pid>/status. */
async function memory(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

async function cpu(pid: number): Promise<number> {
  const ms = await cpuMs(pid);
  if (ms === undefined) throw new Error(`petrel (PID ${pid}) has exited`);
  return ms;
}

/** This tree's sources compiled into a temporary directory laid out like the package. */
async function compiledPetrel(): Promise<{ command: string[]; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'petrel-bench-build-'));
  const t0 = performance.now();
  const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  const built = await run(
    process.execPath,
    [tsc, '-p', path.join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', path.join(dir, 'dist'), '--declaration', 'false', '--sourceMap', 'false'],
    300_000,
  );
  // tsc still emits where it reports a type error (a tree mid-edit); say so, and let the daemon's start decide.
  if (built.code !== 0) console.warn(`tsc reported errors (the build was emitted anyway):\n${built.stdout.slice(0, 2000)}`);
  // dist/cli/main.js reads ../../package.json; the native addon sits in ../../build; packages resolve from node_modules.
  await copyFile(path.join(REPO_ROOT, 'package.json'), path.join(dir, 'package.json'));
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  await symlink(path.join(REPO_ROOT, 'build'), path.join(dir, 'build'));
  console.log(`built petrel into ${dir} in ${Math.round(performance.now() - t0)} ms`);
  return { command: [process.execPath, path.join(dir, 'dist/cli/main.js')], remove: () => rm(dir, { recursive: true, force: true }) };
}

interface Window {
  readonly ms: number;
  readonly cpuMs: number;
  readonly rssMin: number;
  readonly rssMax: number;
  readonly rssEnd: number;
  readonly hwm: number;
}

/** CPU time over `sec` seconds of wall time, and the resident set sampled every 5 s. */
async function idleWindow(pid: number, sec: number): Promise<Window> {
  const cpu0 = await cpu(pid);
  const samples = [(await memory(pid)).rss];
  const t0 = performance.now();
  while (performance.now() - t0 < sec * 1000) {
    await delay(Math.min(5000, sec * 1000 - (performance.now() - t0)));
    samples.push((await memory(pid)).rss);
  }
  const ms = performance.now() - t0;
  const cpuMs = (await cpu(pid)) - cpu0;
  const end = await memory(pid);
  return { ms, cpuMs, rssMin: Math.min(...samples), rssMax: Math.max(...samples), rssEnd: end.rss, hwm: end.hwm };
}

function describeWindow(w: Window): string {
  const share = ((w.cpuMs / w.ms) * 100).toFixed(2);
  return `CPU ${w.cpuMs} ms in ${(w.ms / 1000).toFixed(1)} s (${share} % of one core); VmRSS min/max/end ${mib(w.rssMin)} / ${mib(w.rssMax)} / ${mib(w.rssEnd)}`;
}

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

async function status(petrel: PetrelProcess): Promise<StatusView> {
  return (await petrel.request({ command: 'status' })) as StatusView;
}

async function main(): Promise<void> {
  const o = options();
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const build = o.tsx ? undefined : await compiledPetrel();
    if (build) cleanups.push(build.remove);
    const ns = await NetNs.create();
    cleanups.push(() => ns.remove());
    // Room for every client connecting at once.
    await ns.execOk('sysctl', ['-q', '-w', 'net.core.somaxconn=4096', 'net.ipv4.tcp_max_syn_backlog=4096']);

    const peers: PetrelPeer[] = Array.from({ length: o.sessions }, (_, i) => ({
      name: `client${i + 1}`,
      address: clientAddress(i),
      asNumber: AS_NUMBER,
      passive: true,
      holdTimeSec: o.holdSec,
    }));
    const petrel = await PetrelProcess.start(
      ns,
      {
        name: 'idle-node',
        asNumber: AS_NUMBER,
        ipv4Address: `${PETREL_ADDRESS}/8`,
        listen: { address: PETREL_ADDRESS, port: BGP_PORT },
        pools: [{ cidr: '10.244.0.0/16' }],
        blocks: ['10.244.0.0/26'],
        peers,
        logLevel: 'warn',
      },
      build?.command,
    );
    cleanups.push(() => petrel.stop());
    const pid = petrel.pid;
    const configured = await memory(pid);
    // petrel with every peer configured and none connected: what the sessions add is measured against this.
    const baseline = await idleWindow(pid, o.baselineSec);

    const driver = DriverProcess.start(ns);
    cleanups.push(() => driver.stop());
    // The driver answers once it has loaded (tsx): start the clocks after that, not at its spawn.
    await driver.request({ op: 'disconnect' });
    const cpuBeforeConnect = await cpu(pid);
    const connectStartMs = Date.now();
    const connect = await driver.request({
      op: 'connect',
      reflector: { host: PETREL_ADDRESS, port: BGP_PORT, asn: AS_NUMBER },
      addresses: peers.map((p) => p.address),
      holdTimeSec: o.holdSec,
      timeoutMs: 120_000,
    });
    await waitFor(async () => ((await status(petrel)).peersEstablished === o.sessions ? true : undefined), {
      timeoutMs: 30_000,
      what: `petrel to count ${o.sessions} sessions Established`,
    });
    const lastSince = Math.max(...(await petrel.peers()).map((p) => Date.parse(p.since)));
    const cpuConnecting = (await cpu(pid)) - cpuBeforeConnect;
    const established = await memory(pid);

    // The idle window: only KEEPALIVEs flow (petrel's every hold/3, the clients' every 20 s).
    const idle = await idleWindow(pid, o.idleSec);
    // A session lost during the window spoils the figure: the driver reports it here.
    await driver.request({ op: 'settle', quietMs: 0, timeoutMs: 5000 });
    const still = (await status(petrel)).peersEstablished;
    if (still !== o.sessions) throw new Error(`only ${still} of ${o.sessions} sessions still Established after the idle window`);

    const stopStart = performance.now();
    await petrel.stop();
    const stopMs = performance.now() - stopStart;

    console.log(`\npetrel holding ${o.sessions} idle iBGP sessions (hold ${o.holdSec} s), run from ${o.tsx ? 'sources via tsx' : 'a compiled build'}`);
    console.log(`  start to control socket          ${petrel.readyAtMs - petrel.spawnedAtMs} ms`);
    console.log(`  VmRSS at start (peers configured) ${mib(configured.rss)}`);
    console.log(`  none up, idle                    ${describeWindow(baseline)}`);
    console.log(`  all Established (clients' clock) ${Math.round(connect.ms ?? NaN)} ms`);
    console.log(`  all Established (petrel's since) ${lastSince - connectStartMs} ms after the first connect`);
    console.log(`  CPU while they came up           ${cpuConnecting} ms`);
    console.log(`  VmRSS once all Established       ${mib(established.rss)}`);
    console.log(`  all up, idle                     ${describeWindow(idle)}`);
    console.log(`  VmHWM (peak RSS)                 ${mib(idle.hwm)}`);
    console.log(`  SIGTERM to exit (Cease to all)   ${Math.round(stopMs)} ms`);
    console.log(
      JSON.stringify({
        sessions: o.sessions,
        holdSec: o.holdSec,
        runtime: o.tsx ? 'tsx' : 'compiled',
        startToControlSocketMs: petrel.readyAtMs - petrel.spawnedAtMs,
        rssAtStartBytes: configured.rss,
        baseline,
        establishAllMs: Math.round(connect.ms ?? NaN),
        establishAllPetrelMs: lastSince - connectStartMs,
        cpuEstablishingMs: cpuConnecting,
        rssEstablishedBytes: established.rss,
        idle,
        stopMs: Math.round(stopMs),
      }),
    );
  } finally {
    for (const step of cleanups.reverse()) await step().catch((err: unknown) => console.error(`cleanup: ${String(err)}`));
  }
}

await main();
