/**
 * What the benchmark needs from an implementation under test: start it as the route reflector
 * (RFC 4456) for a given set of iBGP clients inside the benchmark's namespace, tell which PIDs
 * to measure, and stop exactly the processes it started.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { NetNs } from '../../test/peers/netns.js';
import { runningPids, type ManagedProcess } from '../../test/peers/process.js';
import type { WorkDir } from '../../test/peers/workdir.js';

export type ImplementationName = 'bird2' | 'gobgp' | 'frr' | 'petrel';

/** The same for every implementation: Calico's cluster-wide defaults (SPEC §1). */
export interface ReflectorSetup {
  readonly ns: NetNs;
  /** The reflector's own address (its router ID and listening address). */
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly clusterId: string;
  readonly holdTimeSec: number;
  /** The clients' addresses: every one is a passive iBGP route-reflector client, no ADD-PATH. */
  readonly clients: readonly string[];
}

export interface Reflector {
  readonly name: ImplementationName;
  /** Starts the daemon(s) and resolves once they accept BGP connections. */
  start(setup: ReflectorSetup): Promise<void>;
  /** The PIDs whose memory counts as the reflector's (every process it runs). */
  pids(): readonly number[];
  /** Its own log and output, for a failure report. */
  logs(): Promise<string>;
  /** Its garbage collector's pauses so far, where it has one and says (petrel's metrics). */
  gcPauses?(): Promise<GcPauses | undefined>;
  stop(): Promise<void>;
}

/** Garbage-collection pauses a daemon reported: their total and how many of each kind. */
export interface GcPauses {
  readonly ms: number;
  readonly minor: number;
  readonly major: number;
}

/** The pauses between two readings. */
export function gcPausesBetween(before: GcPauses, after: GcPauses): GcPauses {
  return { ms: after.ms - before.ms, minor: after.minor - before.minor, major: after.major - before.major };
}

export interface ReflectorKind {
  readonly name: ImplementationName;
  /** Why it cannot run here (binary missing, not implemented), or undefined when it can. */
  unavailable(): Promise<string | undefined>;
  create(): Reflector;
}

/** A /proc/PID/status size in bytes (VmHWM: peak resident set; VmRSS: now), or undefined once it has exited. */
async function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** VmHWM (peak resident set) of one process in bytes, or undefined once it has exited. */
export function peakRssBytes(pid: number): Promise<number | undefined> {
  return statusBytes(pid, 'VmHWM');
}

/** A size summed over the reflector's processes (FRR runs zebra beside bgpd). */
async function reflectorBytes(r: Reflector, field: 'VmHWM' | 'VmRSS'): Promise<number | undefined> {
  let total = 0;
  for (const pid of r.pids()) {
    const bytes = await statusBytes(pid, field);
    if (bytes === undefined) return undefined;
    total += bytes;
  }
  return total > 0 ? total : undefined;
}

/** The reflector's peak RSS. */
export function reflectorPeakRss(r: Reflector): Promise<number | undefined> {
  return reflectorBytes(r, 'VmHWM');
}

/** The reflector's RSS now (before a scenario: the base its table grows from). */
export function reflectorRss(r: Reflector): Promise<number | undefined> {
  return reflectorBytes(r, 'VmRSS');
}

/** Linux reports process CPU time in clock ticks of 1/100 s (USER_HZ on every mainstream arch). */
const MS_PER_TICK = 10;

/** CPU time (user + system) a process (or `PID/task/TID`: a thread) has used, in ms; undefined once it has exited. */
export async function cpuMs(pid: number | string): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // proc(5): fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) of each thread of a process, by thread ID, in ms; undefined once it has exited. */
export async function threadCpuMs(pid: number): Promise<Map<number, number> | undefined> {
  const out = new Map<number, number>();
  try {
    for (const tid of await readdir(`/proc/${pid}/task`)) {
      // A thread may end between the listing and the read: it is left out.
      const ms = await cpuMs(`${pid}/task/${tid}`);
      if (ms !== undefined) out.set(Number(tid), ms);
    }
  } catch {
    return undefined;
  }
  return out;
}

/** Every thread of the reflector's processes, by thread ID (unique across processes). */
export async function reflectorThreadCpuMs(r: Reflector): Promise<Map<number, number> | undefined> {
  const out = new Map<number, number>();
  for (const pid of r.pids()) {
    const threads = await threadCpuMs(pid);
    if (threads === undefined) return undefined;
    for (const [tid, ms] of threads) out.set(tid, ms);
  }
  return out;
}

/**
 * The most CPU any one thread used between two readings: for a single-threaded daemon its
 * whole CPU time; for petrel its JavaScript thread (the garbage collector's helpers and libuv's
 * pool are other threads). Near the elapsed time, the daemon was bound by that one core.
 */
export function busiestThreadMs(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let most = 0;
  for (const [tid, ms] of after) most = Math.max(most, ms - (before.get(tid) ?? 0));
  return most;
}

/** The reflector's CPU time so far, summed over its processes. */
export async function reflectorCpuMs(r: Reflector): Promise<number | undefined> {
  let total = 0;
  for (const pid of r.pids()) {
    const ms = await cpuMs(pid);
    if (ms === undefined) return undefined;
    total += ms;
  }
  return total;
}

/** Whether anything listens on TCP `port` inside the namespace (`ss`: no connection is made). */
export async function isListening(ns: NetNs, port: number): Promise<boolean> {
  const r = await ns.exec('ss', ['-Hltn', `sport = :${port}`]);
  return r.code === 0 && r.stdout.trim().length > 0;
}

/** A reflector that is one daemon process with a private work folder (BIRD 2, GoBGP, petrel). */
export abstract class OneProcessReflector implements Reflector {
  abstract readonly name: ImplementationName;
  protected work: WorkDir | undefined;
  protected daemon: ManagedProcess | undefined;

  abstract start(setup: ReflectorSetup): Promise<void>;

  pids(): readonly number[] {
    return runningPids([this.daemon]);
  }

  logs(): Promise<string> {
    return Promise.resolve(this.daemon?.log ?? '');
  }

  async stop(): Promise<void> {
    await this.daemon?.stop();
    await this.work?.remove();
    this.daemon = undefined;
    this.work = undefined;
  }
}
