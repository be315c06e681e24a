/**
 * A running lab: the topology (topology.ts), one `petrel run` per machine inside its namespace
 * with the config configs.ts writes, and the operations tests and `petrel lab` need — wait for
 * sessions and routes, probe pods, crash and restart a daemon, change a node's blocks and reload,
 * stop everything. Each machine's files (config, control socket, state, log) live in one folder
 * of a fresh temporary directory, removed at the end unless the lab is kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { IpFamily } from '../bgp/address.js';
import { controlRequest } from '../control/client.js';
import { registerTeardown } from './cleanup.js';
import { type LabConfig, LabMode, configYaml, controlSocketOf, nodeConfig, reflectorConfig, type MachineFiles } from './configs.js';
import { type LabPlan, type NodePlan, type PodPlan, labPlan, nodeNamed, podAddress } from './plan.js';
import { PetrelProcess } from './petrel-process.js';
import { type ExpectedRoute, type KernelRouteView, expectedRoute, holdsExpected, kernelRoutes, trafficPossible } from './routes.js';
import { LabTopology } from './topology.js';
import { type PingResult, type TcpResult, TcpServer, ping, tcpExchange } from './traffic.js';

/**
 * The lab's work directory, removed once however the lab ends: by `stop()`, or by the teardown
 * that Ctrl-C runs (cleanup.ts) — often both at once, when the signal makes the lab's own run
 * fail and stop. Two recursive removals of one tree race (one finds an entry the other just
 * deleted), so both await the same one.
 */
class WorkDirRemoval {
  #removal: Promise<void> | undefined;
  readonly #unregister: () => void;

  constructor(readonly dir: string) {
    this.#unregister = registerTeardown({
      label: `lab directory ${dir}`,
      run: () => this.remove(),
      runSync: () => rmSync(dir, { recursive: true, force: true }),
    });
  }

  remove(): Promise<void> {
    this.#removal ??= rm(this.dir, { recursive: true, force: true }).finally(() => this.#unregister());
    return this.#removal;
  }

  /** Leaves the directory in place (`keep`): nothing removes it at exit. */
  release(): void {
    this.#unregister();
  }
}

export interface LabOptions {
  readonly mode: LabMode;
  readonly reflector: boolean;
  /** Namespace name prefix; default unique per lab. */
  readonly prefix?: string;
}

/** A session as `show peers --json` reports it (the fields the lab reads). */
export interface PeerView {
  readonly name: string;
  readonly address: string;
  readonly state: string;
}

export interface ProbeResult {
  readonly from: PodPlan;
  readonly to: PodPlan;
  readonly family: IpFamily;
  /** The pods' addresses of that family. */
  readonly source: string;
  readonly target: string;
  readonly ping: PingResult;
  readonly tcp: TcpResult;
}

export class LabError extends Error {
  override readonly name = 'LabError';
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly what: string;
  readonly intervalMs?: number;
}

/** Polls `check` until it returns true; the timeout error says what was awaited and the last error. */
export async function waitUntil(check: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = `: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (Date.now() >= deadline) throw new LabError(`timed out after ${options.timeoutMs / 1000} s waiting for ${options.what}${lastError}`);
    await delay(options.intervalMs ?? 200);
  }
}

export class Lab {
  readonly mode: LabMode;
  readonly plan: LabPlan;
  readonly topology: LabTopology;
  readonly workDir: string;
  readonly #petrels = new Map<string, PetrelProcess>();
  /** Blocks each node originates now (reload changes them). */
  readonly #blocks = new Map<string, readonly string[]>();
  /** The work directory's removal, shared with its teardown (see `WorkDirRemoval`). */
  readonly #workDirRemoval: WorkDirRemoval;

  private constructor(options: LabOptions, plan: LabPlan, topology: LabTopology, workDir: string, workDirRemoval: WorkDirRemoval) {
    this.mode = options.mode;
    this.plan = plan;
    this.topology = topology;
    this.workDir = workDir;
    this.#workDirRemoval = workDirRemoval;
    for (const node of plan.nodes) this.#blocks.set(node.name, [node.block, node.block6]);
  }

  /** Builds the topology, writes every config and starts every petrel. */
  static async start(options: LabOptions): Promise<Lab> {
    const plan = labPlan({ reflector: options.reflector });
    const workDir = mkdtempSync(join(tmpdir(), 'petrel-lab-'));
    // Registered before the topology's teardown, so on Ctrl-C it runs after the daemons and the
    // namespaces are gone (teardowns run newest first).
    const removal = new WorkDirRemoval(workDir);
    let topology: LabTopology;
    try {
      topology = await LabTopology.build({ plan, ipipStandIn: options.mode === LabMode.IPIP, ...(options.prefix !== undefined && { prefix: options.prefix }) });
    } catch (err) {
      await removal.remove();
      throw err;
    }
    const lab = new Lab(options, plan, topology, workDir, removal);
    try {
      for (const name of lab.machines) {
        await lab.writeConfig(name);
        lab.startPetrel(name);
      }
    } catch (err) {
      await lab.stop();
      throw err;
    }
    return lab;
  }

  /** Every machine that runs petrel: the nodes, then the reflector. */
  get machines(): readonly string[] {
    return [...this.plan.nodes.map((n) => n.name), ...(this.plan.reflector ? [this.plan.reflector.name] : [])];
  }

  node(name: string): NodePlan {
    return nodeNamed(this.plan, name);
  }

  filesOf(machine: string): MachineFiles {
    return { dir: join(this.workDir, machine) };
  }

  configFileOf(machine: string): string {
    return join(this.filesOf(machine).dir, 'petrel.yaml');
  }

  logFileOf(machine: string): string {
    return join(this.filesOf(machine).dir, 'petrel.log');
  }

  socketOf(machine: string): string {
    return controlSocketOf(this.filesOf(machine));
  }

  configOf(machine: string): LabConfig {
    const reflector = this.plan.reflector;
    if (reflector !== undefined && machine === reflector.name) return reflectorConfig(this.plan, reflector, { mode: this.mode, files: this.filesOf(machine) });
    return nodeConfig(this.plan, this.node(machine), { mode: this.mode, files: this.filesOf(machine), blocks: this.#blocks.get(machine) ?? [] });
  }

  async writeConfig(machine: string): Promise<string> {
    const file = this.configFileOf(machine);
    await mkdir(this.filesOf(machine).dir, { recursive: true });
    await writeFile(file, configYaml(this.configOf(machine)));
    return file;
  }

  petrel(machine: string): PetrelProcess {
    const petrel = this.#petrels.get(machine);
    if (petrel === undefined) throw new LabError(`no petrel was started on ${machine}`);
    return petrel;
  }

  /** Starts petrel on a machine (again, after a stop or a crash). */
  startPetrel(machine: string): PetrelProcess {
    if (this.#petrels.get(machine)?.running === true) throw new LabError(`petrel on ${machine} is already running`);
    const petrel = PetrelProcess.start({
      label: machine,
      namespace: this.topology.namespaceOf(machine),
      configFile: this.configFileOf(machine),
      logFile: this.logFileOf(machine),
    });
    this.#petrels.set(machine, petrel);
    return petrel;
  }

  async peers(machine: string): Promise<PeerView[]> {
    const response = await controlRequest(this.socketOf(machine), { command: 'peers' }, 5000);
    if (!response.ok) throw new LabError(`${machine}: ${response.error}`);
    return response.result as PeerView[];
  }

  /** `show status`'s kernel summary (`3 installed, 1 stale`), absent on a machine without kernel routes. */
  async kernelSummary(machine: string): Promise<string | undefined> {
    const response = await controlRequest(this.socketOf(machine), { command: 'status' }, 5000);
    if (!response.ok) throw new LabError(`${machine}: ${response.error}`);
    const kernel = (response.result as { readonly kernel?: unknown }).kernel;
    return typeof kernel === 'string' ? kernel : undefined;
  }

  /** How many sessions each machine should have: the mesh, or the reflector's star; one per family each. */
  expectedSessions(machine: string): number {
    const families = 2;
    if (this.plan.reflector === undefined) return (this.plan.nodes.length - 1) * families;
    return (machine === this.plan.reflector.name ? this.plan.nodes.length : 1) * families;
  }

  async established(machine: string): Promise<boolean> {
    const peers = await this.peers(machine);
    return peers.length === this.expectedSessions(machine) && peers.every((p) => p.state === 'Established');
  }

  async waitForSessions(timeoutMs = 60_000, machines: readonly string[] = this.machines): Promise<void> {
    for (const machine of machines) {
      await waitUntil(() => this.established(machine), { timeoutMs, what: `every BGP session of ${machine} to be Established` });
    }
  }

  /** The route petrel on `from` should hold for `to`'s block (or another block of `to`). */
  expectedRoute(from: string, to: string, prefix?: string): ExpectedRoute | undefined {
    return expectedRoute(this.mode, this.node(from), this.node(to), prefix);
  }

  /** Every route each node should hold for the other nodes' current blocks. */
  expectedRoutes(): { readonly node: string; readonly route: ExpectedRoute }[] {
    return this.plan.nodes.flatMap((from) =>
      this.plan.nodes
        .filter((to) => to !== from)
        .flatMap((to) => (this.#blocks.get(to.name) ?? []).flatMap((block) => {
          const route = this.expectedRoute(from.name, to.name, block);
          return route === undefined ? [] : [{ node: from.name, route }];
        })),
    );
  }

  async routesOf(machine: string): Promise<KernelRouteView[]> {
    return kernelRoutes(this.topology.namespaceOf(machine));
  }

  async waitForRoutes(timeoutMs = 30_000): Promise<void> {
    for (const { node, route } of this.expectedRoutes()) {
      await waitUntil(async () => holdsExpected(await this.routesOf(node), route), { timeoutMs, what: `${node} to install ${route.prefix} via ${route.gateway} dev ${route.device}` });
    }
  }

  /** Changes the blocks a node originates and has its petrel reload (as calico-node's confd would). */
  async setBlocks(machine: string, blocks: readonly string[]): Promise<void> {
    this.#blocks.set(machine, [...blocks]);
    await this.writeConfig(machine);
    const response = await controlRequest(this.socketOf(machine), { command: 'reload' }, 10_000);
    if (!response.ok) throw new LabError(`${machine}: reload refused: ${[response.error, ...(response.details ?? [])].join('; ')}`);
  }

  blocksOf(machine: string): readonly string[] {
    return this.#blocks.get(machine) ?? [];
  }

  /**
   * Every ordered pair of pods on different nodes whose traffic of this family this mode can
   * carry (routes.ts), both pods having an address of the family.
   */
  reachablePodPairs(family: IpFamily = 4): [PodPlan, PodPlan][] {
    const pairs: [PodPlan, PodPlan][] = [];
    for (const a of this.plan.nodes) {
      for (const b of this.plan.nodes) {
        if (a === b || !trafficPossible(this.mode, a, b, family)) continue;
        for (const from of a.pods) {
          for (const to of b.pods) if (podAddress(from, family) !== undefined && podAddress(to, family) !== undefined) pairs.push([from, to]);
        }
      }
    }
    return pairs;
  }

  /** Ping and a TCP exchange from one pod to another, over IPv4 or IPv6. */
  async probe(from: PodPlan, to: PodPlan, family: IpFamily = 4, pings = 3): Promise<ProbeResult> {
    const source = podAddress(from, family);
    const target = podAddress(to, family);
    if (source === undefined || target === undefined) throw new LabError(`${from.name} -> ${to.name}: no IPv${family} address on both pods`);
    const namespace = this.topology.namespaceOf(from.name);
    const pingResult = await ping(namespace, target, { count: pings, intervalSec: 0.2 });
    const server = await TcpServer.start(this.topology.namespaceOf(to.name));
    try {
      const tcp = await tcpExchange(namespace, target, `hello from ${from.name} (${source})`);
      return { from, to, family, source, target, ping: pingResult, tcp };
    } finally {
      await server.stop();
    }
  }

  /** Stops every petrel (Cease to peers), deletes the namespaces and the work directory. */
  async stop(): Promise<void> {
    for (const petrel of this.#petrels.values()) await petrel.stop();
    await this.topology.teardown();
    await this.#workDirRemoval.remove();
  }

  /**
   * Leaves everything running after this process exits (`petrel lab --keep`), and writes a
   * script that stops the daemons by PID and deletes the namespaces; returns its path.
   */
  async keep(): Promise<string> {
    const pids = [...this.#petrels.values()].flatMap((p) => (p.running && p.pid !== undefined ? [p.pid] : []));
    const script = join(this.workDir, 'teardown.sh');
    const list = pids.join(' ');
    const lines = [
      '#!/bin/sh',
      `# Tears down the petrel lab ${this.topology.prefix}: its daemons by PID (SIGTERM, then SIGKILL`,
      '# after 10 s), then its namespaces.',
      `pids="${list}"`,
      'for pid in $pids; do kill "$pid" 2>/dev/null; done',
      'for _ in $(seq 50); do',
      '  alive=""; for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done',
      '  [ -z "$alive" ] && break; sleep 0.2',
      'done',
      'for pid in $pids; do kill -9 "$pid" 2>/dev/null; done',
      ...[...this.topology.namespaces].reverse().map((ns) => `ip netns del ${ns} 2>/dev/null`),
      `rm -rf ${this.workDir}`,
      '',
    ];
    await writeFile(script, lines.join('\n'), { mode: 0o755 });
    for (const petrel of this.#petrels.values()) petrel.release();
    this.topology.release();
    this.#workDirRemoval.release();
    return script;
  }
}
