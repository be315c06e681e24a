/**
 * `petrel run` as a separate process for interop tests and benchmarks: writes a config into a
 * private directory, starts the daemon inside a given namespace (or on the host's loopback),
 * waits for its control socket, reads its state the way an operator does (`petrel show … --json`)
 * or straight from the control socket for polling, and stops it by its own PID.
 *
 * The daemon runs from `dist/` when the build there is newer than every source file, else from
 * the sources through tsx, so a stale build is never what a test measures.
 */
import { statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { controlRequest } from '../../src/control/client.js';
import type { ControlRequest } from '../../src/control/protocol.js';
import type { BfdView, PeerView, RouteView } from '../../src/daemon/views.js';
import type { NetNs } from '../peers/netns.js';
import { GiveUp, run, waitFor, type ManagedProcess } from '../peers/process.js';
import { WorkDir } from '../peers/workdir.js';
import { freePort } from '../peers/ports.js';

export { freePort };

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE_MAIN = path.join(REPO_ROOT, 'src/cli/main.ts');
const BUILT_MAIN = path.join(REPO_ROOT, 'dist/cli/main.js');
const START_TIMEOUT_MS = 30_000;

async function newestMtimeMs(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const t = entry.isDirectory() ? await newestMtimeMs(full) : (await stat(full)).mtimeMs;
    newest = Math.max(newest, t);
  }
  return newest;
}

let commandCache: Promise<readonly string[]> | undefined;

/** `node dist/cli/main.js` when that build is current, else `node --import tsx src/cli/main.ts`. */
export function petrelCommand(): Promise<readonly string[]> {
  commandCache ??= (async () => {
    let builtAt = 0;
    try {
      builtAt = statSync(BUILT_MAIN).mtimeMs;
    } catch {
      // Not built.
    }
    const current = builtAt > 0 && builtAt >= (await newestMtimeMs(path.join(REPO_ROOT, 'src')));
    return current ? [process.execPath, BUILT_MAIN] : [process.execPath, '--import', 'tsx', SOURCE_MAIN];
  })();
  return commandCache;
}

/** One explicit peer of the config (SPEC §2 `peers:`); unset keys take petrel's defaults. */
export interface PetrelPeer {
  readonly name: string;
  readonly address: string;
  /** The interface of a link-local (fe80::/10) peer. */
  readonly interface?: string;
  readonly asNumber: number;
  readonly port?: number;
  readonly passive?: boolean;
  readonly sourceAddress?: string;
  readonly holdTimeSec?: number;
  readonly families?: readonly ('ipv4-unicast' | 'ipv6-unicast')[];
  readonly gracefulRestart?: { readonly enabled: boolean; readonly restartTimeSec?: number };
  /** true or a TTL; petrel's default is multihop, as Calico's sessions are. */
  readonly multihop?: boolean | number;
  /** BFD towards the peer (RFC 5880/5881). */
  readonly bfd?: {
    readonly minTxMs: number;
    readonly minRxMs: number;
    readonly multiplier: number;
    /** RFC 5880 §6.7, as the config spells it: the key from a file or an environment variable. */
    readonly auth?: { readonly type: string; readonly keyId?: number; readonly password: { readonly file: string } | { readonly env: string } };
  };
  /** RFC 4456: the peer is a client of this node, which must then have a cluster ID. */
  readonly routeReflectorClient?: boolean;
  /** The AS this session speaks as (BIRD `local as`). */
  readonly localAsNumber?: number;
  /** Names of the node's `filters` applied to this session, in order. */
  readonly filters?: readonly string[];
}

export interface PetrelNode {
  readonly name: string;
  readonly asNumber: number;
  /** `address/prefix`: the node's address, its router ID and the default next hop it announces. */
  readonly ipv4Address: string;
  readonly routerId?: string;
  /** Set: the node is a route reflector with this cluster ID (RFC 4456 §7). */
  readonly routeReflectorClusterId?: string;
  /** What is exported beyond the node's own blocks (petrel's default: `calico`, pool routes only). */
  readonly exportPolicy?: 'calico' | 'all';
  readonly listen: { readonly address: string; readonly port: number };
  readonly pools: readonly { readonly cidr: string; readonly blockSize?: number }[];
  readonly blocks: readonly string[];
  readonly peers: readonly PetrelPeer[];
  /** Top-level `filters` (Calico BGPFilter specs with a name), as the config spells them. */
  readonly filters?: readonly Readonly<Record<string, unknown>>[];
  readonly logLevel?: 'info' | 'warn' | 'debug';
  /** `host:port` of the metrics endpoint (default: a free port on 127.0.0.1, never a shared one). */
  readonly metricsListen?: string;
  /**
   * The kernel plane (default off). Only inside a namespace of the test's own: petrel then
   * programs that namespace's tables, never the host's.
   */
  readonly kernel?: { readonly enabled: boolean; readonly persist?: boolean };
  /**
   * `stateDir` (default: under the run's own folder, so each start is a cold start). A restart
   * test passes one folder to both runs, as a node keeps /var/lib/petrel across restarts: the
   * restart marker there makes the second run a graceful restart (R bit).
   */
  readonly stateDir?: string;
}

/** The YAML `petrel run` reads; every path it writes lies under `dir`, nothing is shared. */
export function petrelConfigYaml(node: PetrelNode & { readonly metricsListen: string }, dir: string): string {
  return stringify({
    asNumber: node.asNumber,
    ...(node.routerId === undefined ? {} : { routerId: node.routerId }),
    node: {
      name: node.name,
      ipv4Address: node.ipv4Address,
      ...(node.routeReflectorClusterId === undefined ? {} : { routeReflectorClusterId: node.routeReflectorClusterId }),
    },
    listen: node.listen,
    mesh: { enabled: false },
    peers: node.peers.map((p) => ({
      name: p.name,
      address: p.address,
      ...(p.interface === undefined ? {} : { interface: p.interface }),
      port: p.port ?? 179,
      asNumber: p.asNumber,
      passive: p.passive ?? false,
      // Test timers: dial at once, retry every second (Calico's 2 s / 5 s otherwise).
      connectDelaySec: 0,
      connectRetrySec: 1,
      ...(p.holdTimeSec === undefined ? {} : { holdTimeSec: p.holdTimeSec }),
      ...(p.sourceAddress === undefined ? {} : { sourceAddress: p.sourceAddress }),
      ...(p.families === undefined ? {} : { families: p.families }),
      ...(p.gracefulRestart === undefined ? {} : { gracefulRestart: p.gracefulRestart }),
      ...(p.multihop === undefined ? {} : { multihop: p.multihop }),
      ...(p.routeReflectorClient === undefined ? {} : { routeReflectorClient: p.routeReflectorClient }),
      ...(p.localAsNumber === undefined ? {} : { localAsNumber: p.localAsNumber }),
      ...(p.filters === undefined ? {} : { filters: p.filters }),
      ...(p.bfd === undefined ? {} : { bfd: p.bfd }),
    })),
    ...(node.filters === undefined ? {} : { filters: node.filters }),
    pools: node.pools,
    blocks: node.blocks,
    kernel: node.kernel ?? { enabled: false },
    ...(node.exportPolicy === undefined ? {} : { exportPolicy: node.exportPolicy }),
    stateDir: node.stateDir ?? path.join(dir, 'state'),
    control: { socket: path.join(dir, 'petrel.sock') },
    metrics: { listen: node.metricsListen },
    log: { level: node.logLevel ?? 'info' },
  });
}

export class PetrelProcess {
  private constructor(
    readonly work: WorkDir,
    readonly process: ManagedProcess,
    /** `Date.now()` just before the spawn, to compare with the `since` times petrel reports. */
    readonly spawnedAtMs: number,
    /** When the control socket first answered. */
    readonly readyAtMs: number,
  ) {}

  /**
   * Writes the config, starts `petrel run` inside `ns` and waits for its control socket.
   * `command` replaces `petrelCommand()` (a benchmark running its own build).
   */
  static async start(ns: NetNs, node: PetrelNode, command: readonly string[] | undefined = undefined): Promise<PetrelProcess> {
    if (node.kernel?.enabled && ns.isHost) throw new Error('petrel with its kernel plane runs only inside a test namespace');
    const work = await WorkDir.create(`run-${node.name}`);
    // A namespace of the test's own has its ports to itself; on the host, pick a free one.
    const metricsListen = node.metricsListen ?? (ns.isHost ? `127.0.0.1:${await freePort('127.0.0.1')}` : '127.0.0.1:9900');
    const configFile = await work.write('petrel.yaml', petrelConfigYaml({ ...node, metricsListen }, work.dir));
    const [program, ...args] = command ?? (await petrelCommand());
    const spawnedAtMs = Date.now();
    const proc = ns.spawn(node.name, program!, [...args, 'run', '--config', configFile]);
    const socket = work.file('petrel.sock');
    try {
      await waitFor(
        async () => {
          if (!proc.running) throw new GiveUp(`petrel run exited: ${proc.log.slice(-2000)}`);
          const r = await controlRequest(socket, { command: 'status' }, 2000);
          return r.ok ? true : undefined;
        },
        { timeoutMs: START_TIMEOUT_MS, intervalMs: 50, what: `petrel ${node.name} control socket` },
      );
    } catch (err) {
      await proc.stop();
      await work.remove();
      throw err;
    }
    return new PetrelProcess(work, proc, spawnedAtMs, Date.now());
  }

  get pid(): number {
    const pid = this.process.pid;
    if (pid === undefined) throw new Error('petrel run has no PID');
    return pid;
  }

  get socket(): string {
    return this.work.file('petrel.sock');
  }

  get configFile(): string {
    return this.work.file('petrel.yaml');
  }

  /** Its JSON log so far. */
  get log(): string {
    return this.process.log;
  }

  /** One request on the control socket (what the CLI sends), for polling without a CLI start each time. */
  async request(request: ControlRequest): Promise<unknown> {
    const response = await controlRequest(this.socket, request, 5000);
    if (!response.ok) throw new Error(`petrel ${request.command}: ${response.error}`);
    return response.result;
  }

  async peers(): Promise<PeerView[]> {
    return (await this.request({ command: 'peers' })) as PeerView[];
  }

  async routes(prefix?: string): Promise<RouteView[]> {
    return (await this.request({ command: 'routes', ...(prefix === undefined ? {} : { prefix }) })) as RouteView[];
  }

  async peer(name: string): Promise<PeerView> {
    const found = (await this.peers()).find((p) => p.name === name);
    if (!found) throw new Error(`petrel shows no peer ${name}`);
    return found;
  }

  /** `petrel show peers --json` through the CLI, exactly as an operator runs it. */
  async showPeers(): Promise<PeerView[]> {
    return (await this.show('peers')) as PeerView[];
  }

  /** `petrel show routes [PREFIX] --json` through the CLI. */
  async showRoutes(prefix?: string): Promise<RouteView[]> {
    return (await this.show('routes', prefix)) as RouteView[];
  }

  /** Resolves with the peer once it is in `state`. */
  async waitPeerState(name: string, state: PeerView['state'], timeoutMs = 20_000): Promise<PeerView> {
    return waitFor(
      async () => {
        if (!this.process.running) throw new GiveUp(`petrel run exited: ${this.log.slice(-2000)}`);
        const p = await this.peer(name);
        return p.state === state ? p : undefined;
      },
      { timeoutMs, intervalMs: 50, what: `petrel peer ${name} ${state}` },
    );
  }

  /** Resolves once `check` holds for the routes petrel shows. */
  async waitRoutes(what: string, check: (routes: RouteView[]) => boolean, timeoutMs = 20_000): Promise<RouteView[]> {
    return waitFor(
      async () => {
        const routes = await this.routes();
        return check(routes) ? routes : undefined;
      },
      { timeoutMs, intervalMs: 100, what: `petrel routes: ${what}` },
    );
  }

  /** SIGTERM by PID (SIGKILL after the grace period), then removes the private directory. */
  async stop(graceMs = 10_000): Promise<void> {
    await this.process.stop(graceMs);
    await this.work.remove();
  }

  /** `petrel show bfd --json`. */
  async showBfd(): Promise<BfdView[]> {
    return (await this.show('bfd')) as BfdView[];
  }

  private async show(what: 'peers' | 'routes' | 'bfd', prefix?: string): Promise<unknown> {
    const [command, ...args] = await petrelCommand();
    const r = await run(command!, [...args, 'show', what, ...(prefix === undefined ? [] : [prefix]), '--json', '--socket', this.socket], 30_000);
    if (r.code !== 0) throw new Error(`petrel show ${what} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as unknown;
  }
}
