/**
 * A running petrel: the speaker, its control socket, the kernel FIB (kernel-plane.ts, unless
 * `kernel.enabled: false`), the metrics endpoint, and reloads. `petrel run` wraps this with
 * signal handling; tests start it directly. A reload parses the config file into a new object
 * and applies it whole, or keeps the running config and reports every error (SPEC §8,
 * OpenBGPD's reconfigure); reloads are serialised.
 *
 * Start order: control socket (a second daemon on the same socket fails here), kernel (adopt
 * what a previous run left, learn other owners' routes), speaker, metrics. Stop order: the kernel
 * is frozen first so the RIB emptying as sessions close never reaches it (persist), then the
 * sessions get their Cease, then the kernel syncer and the endpoints close.
 *
 * Once the control socket is ours (no other petrel runs), the restart marker in `stateDir` says
 * whether this start is a graceful restart towards the peers (state-dir.ts), and the session
 * backend is built knowing it. With `reload.watchFiles`, a change to the config file or a
 * `calicoResources` path reloads as SIGHUP does (config/watch.ts), re-armed after every reload.
 */
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { canonicalPrefix } from '../bgp/address.js';
import { formatIssue, loadConfigFile, type LoadResult } from '../config/load.js';
import { effectivePeers } from '../config/peers.js';
import type { Config } from '../config/schema.js';
import { ConfigWatcher } from '../config/watch.js';
import { BirdControlServer } from '../control/bird/server.js';
import { speakerSource, type AddressFamily } from '../control/bird/source.js';
import { ControlServer } from '../control/server.js';
import type { ControlRequest, ControlResponse } from '../control/protocol.js';
import type { Logger } from '../log.js';
import { BfdPlane, type BfdPlaneOptions } from './bfd-plane.js';
import { KernelPlane } from './kernel-plane.js';
import { DaemonMetrics } from './metrics.js';
import type { RouteSink } from './route-sink.js';
import type { SessionBackend } from './session-backend.js';
import { SessionObserver } from './session-observer.js';
import { Speaker, type ReloadOutcome, type Timers } from './speaker.js';
import { restartPolicy, StateDir, type PreviousRun, type RestartPolicy } from './state-dir.js';

/** Builds the session backend once the restart marker has said whether this start is a restart. */
export type SessionBackendFactory = (restarting: RestartPolicy) => SessionBackend;

export interface DaemonOptions {
  readonly configFile: string;
  readonly config: Config;
  readonly logger: Logger;
  /** A backend, or a factory told whether this start is a graceful restart (the TCP backend). */
  readonly backend: SessionBackend | SessionBackendFactory;
  /** Replaces the kernel FIB (`kernel.enabled` is then ignored): in-memory pipeline tests. */
  readonly routeSink?: RouteSink;
  readonly version?: string;
  /** The stale-route release timeout (injected by tests). */
  readonly timers?: Timers;
  /** Reads the config file again on reload (injected by tests). */
  readonly load?: (file: string) => LoadResult;
  /** Quiet time after a file change before the reload (`reload.watchFiles`; tests shorten it). */
  readonly watchDebounceMs?: number;
  /** BFD sockets' addresses and port (tests; the default is UDP 3784 on every address). */
  readonly bfd?: BfdPlaneOptions;
}

export type ReloadResult = { readonly ok: true; readonly outcome: ReloadOutcome } | { readonly ok: false; readonly errors: readonly string[] };

export class Daemon {
  readonly speaker: Speaker;
  /** The kernel FIB side; undefined on a central reflector or with an injected route sink. */
  readonly kernel: KernelPlane | undefined;
  readonly sessions: SessionObserver;
  readonly metrics: DaemonMetrics;
  /** BFD towards the peers that configure it (RFC 5880/5881). */
  readonly bfd: BfdPlane;
  readonly #options: DaemonOptions;
  readonly #log: Logger;
  #control: ControlServer | undefined;
  #metricsAddress: AddressInfo | undefined;
  readonly #birdSockets: BirdControlServer[] = [];
  #reloading: Promise<unknown> = Promise.resolve();
  readonly #state: StateDir;
  #watcher: ConfigWatcher | undefined;
  #stopped = false;

  private constructor(options: DaemonOptions, backend: SessionBackend, state: StateDir) {
    this.#options = options;
    this.#state = state;
    this.#log = options.logger;
    const config = options.config;
    this.sessions = new SessionObserver({ onTableComplete: (peer) => this.kernel?.tableComplete(peer) });
    this.kernel =
      config.kernel.enabled && options.routeSink === undefined
        ? new KernelPlane({
            config,
            rib: {
              multipath: (prefix) => this.speaker.locRib.multipath(prefix),
              forEachBest: (fn) => this.speaker.locRib.forEachBest(fn),
              learnKernelRoute: (prefix, kernel) => this.speaker.learnKernelRoute(prefix, kernel),
            },
            log: options.logger.child({ component: 'kernel' }),
            ...(options.timers ? { timers: options.timers } : {}),
          })
        : undefined;
    const routeSink = options.routeSink ?? this.kernel?.sink;
    this.speaker = new Speaker({
      config,
      backend: this.sessions.wrap(backend),
      logger: options.logger,
      ...(routeSink ? { routeSink } : {}),
      ...(options.version !== undefined ? { version: options.version } : {}),
    });
    this.bfd = new BfdPlane(this.speaker, options.logger.child({ component: 'bfd' }), options.bfd);
    this.metrics = new DaemonMetrics({ speaker: this.speaker, sessions: this.sessions, bfd: this.bfd, ...(this.kernel ? { kernel: this.kernel.fib, kernelSink: this.kernel.sink } : {}) });
  }

  /** Where the metrics endpoint listens; undefined when it could not bind. */
  get metricsAddress(): AddressInfo | undefined {
    return this.#metricsAddress;
  }

  /** Control socket, kernel, speaker, metrics (see the header for why in that order). */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const state = StateDir.open(options.config.stateDir, options.logger);
    let daemon: Daemon | undefined;
    const control = new ControlServer({
      path: options.config.control.socket,
      handler: (request) => (daemon ? daemon.handle(request) : { ok: false, error: 'petrel is starting' }),
      logger: options.logger,
      ...(options.config.control.socketGroup !== undefined ? { group: options.config.control.socketGroup } : {}),
    });
    await control.listen();
    // The control socket is ours, so no other petrel runs: the markers are ours to write.
    const startedAt = new Date();
    const previous = state.markRunning(startedAt);
    try {
      const backend = typeof options.backend === 'function' ? options.backend(restartPolicy(previous, startedAt)) : options.backend;
      daemon = new Daemon(options, backend, state);
      daemon.#control = control;
      daemon.#logPreviousRun(previous);
      await daemon.#listenBird();
      await daemon.kernel?.start();
      await daemon.speaker.start();
      daemon.bfd.configure(options.config);
    } catch (err) {
      daemon?.bfd.close();
      await daemon?.kernel?.stop();
      if (daemon) for (const bird of daemon.#birdSockets) await bird.close();
      await control.close();
      state.markStartFailed();
      throw err;
    }
    // RFC 4724 §4.1: adopted routes wait for every peer's End-of-RIB, at most the restart time.
    daemon.kernel?.awaitTables(daemon.speaker.peerNames(), options.config.gracefulRestart.restartTimeSec);
    await daemon.#listenMetrics();
    daemon.#armWatch();
    return daemon;
  }

  #logPreviousRun(previous: PreviousRun): void {
    const stateDir = this.#state.dir;
    switch (previous.kind) {
      case 'none':
        this.#log.info({ stateDir, previousRun: previous.kind }, 'cold start: no restart marker, so no peer holds routes of ours (R bit clear)');
        break;
      case 'crashed':
        this.#log.warn({ stateDir, previousRun: previous.kind, ...(previous.pid !== undefined ? { pid: previous.pid } : {}) }, 'the last run did not stop cleanly: restarting gracefully (R bit set, RFC 4724)');
        break;
      case 'stopped':
        this.#log.info(
          { stateDir, previousRun: previous.kind, stoppedAt: previous.stoppedAt.toISOString() },
          'stopped cleanly before: restarting gracefully with the peers whose restart time has not run out since (R bit)',
        );
        break;
      case 'unknown':
        this.#log.info({ stateDir, previousRun: previous.kind, reason: previous.reason }, 'no usable restart marker: restarting gracefully (R bit set)');
        break;
    }
  }

  /**
   * Metrics are not worth a node's routing: an endpoint that cannot bind (another petrel on the
   * default port) is logged, and the daemon runs without it.
   */
  async #listenMetrics(): Promise<void> {
    const listen = this.#options.config.metrics.listen;
    try {
      this.#metricsAddress = await this.metrics.listen(listen);
      this.#log.info({ listen }, 'metrics at GET /metrics');
    } catch (err) {
      this.#log.error({ err, listen }, `metrics endpoint not available: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * `control.birdSocket`: BIRD's CLI subset for calicoctl and calico-node (CALICO.md §6), every
   * session and route (a BIRD 2+ daemon's view, and what calico-node ≥ 3.31 reads for both
   * families). `control.bird6Socket`: the same with BIRD 1.x bird6's view, IPv6 only, for older
   * calicoctl (`IPv6 BGP status` from bird6.ctl) and calico-node's `-bird6-ready`; with it set,
   * `birdSocket` takes BIRD 1.x bird's view, IPv4 only, as the tools that read both expect
   * (old calicoctl prints bird.ctl's sessions as its IPv4 table).
   */
  async #listenBird(): Promise<void> {
    const { birdSocket, bird6Socket, socketGroup } = this.#options.config.control;
    const sockets: [string | undefined, AddressFamily | undefined][] = [
      [birdSocket, bird6Socket === undefined ? undefined : 4],
      [bird6Socket, 6],
    ];
    for (const [path, family] of sockets) {
      if (path === undefined) continue;
      const bird = new BirdControlServer({
        path,
        source: speakerSource(this.speaker, family === undefined ? {} : { family }),
        logger: this.#log,
        ...(socketGroup !== undefined ? { group: socketGroup } : {}),
      });
      await bird.listen();
      this.#birdSockets.push(bird);
    }
  }

  /** (Re)arms the file watch on the running config's files, or drops it when turned off. */
  #armWatch(): void {
    if (this.#stopped) return;
    const config = this.speaker.config;
    if (!config.reload.watchFiles) {
      this.#watcher?.close();
      return;
    }
    this.#watcher ??= new ConfigWatcher({
      logger: this.#log,
      onChange: () => {
        this.#log.info({ file: this.#options.configFile }, 'configuration files changed: reloading');
        void this.reload();
      },
      ...(this.#options.watchDebounceMs !== undefined ? { debounceMs: this.#options.watchDebounceMs } : {}),
    });
    this.#watcher.watch([resolve(this.#options.configFile), ...config.calicoResources]);
  }

  /** Re-reads the config file; an invalid one is logged error by error and the old one kept. */
  reload(): Promise<ReloadResult> {
    const run = this.#reloading.then(() => this.#reload());
    this.#reloading = run.catch(() => undefined);
    return run;
  }

  async #reload(): Promise<ReloadResult> {
    try {
      return await this.#applyReload();
    } finally {
      // Re-armed whatever the outcome: a file or folder may have been replaced, or the paths changed.
      this.#armWatch();
    }
  }

  async #applyReload(): Promise<ReloadResult> {
    const file = this.#options.configFile;
    const result = (this.#options.load ?? loadConfigFile)(file);
    if (!result.ok) {
      this.metrics.reloaded('failure');
      const errors = result.errors.map(formatIssue);
      for (const e of errors) this.#log.error({ file }, `reload rejected: ${e}`);
      this.#log.error({ file, errors: errors.length }, 'reload rejected: keeping the running configuration');
      return { ok: false, errors };
    }
    const outcome = await this.speaker.reload(result.config);
    this.bfd.configure(result.config);
    // Removed peers owe no End-of-RIB any more.
    for (const peer of outcome.peersRemoved) this.kernel?.tableComplete(peer);
    await this.kernel?.reload(result.config);
    this.metrics.reloaded('success');
    this.#log.info({ file, peersAdded: outcome.peersAdded.length, peersRemoved: outcome.peersRemoved.length }, 'configuration reloaded');
    if (outcome.otherChanged.some((k) => NEXT_START_KEYS.has(k))) {
      this.#log.warn({ changed: outcome.otherChanged }, 'some changes (listen, control, log, metrics, kernel, vxlan, stateDir) take effect at the next start');
    }
    return { ok: true, outcome };
  }

  async handle(request: ControlRequest): Promise<ControlResponse> {
    switch (request.command) {
      case 'status': {
        const status = this.speaker.status();
        return { ok: true, result: this.kernel ? { ...status, kernel: this.kernel.summary() } : status };
      }
      case 'peers':
        return { ok: true, result: this.speaker.peers().map((p) => ({ ...p, bfdState: this.bfd.stateOf(p.name) })) };
      case 'bfd':
        return { ok: true, result: this.bfd.views() };
      case 'routes':
        return { ok: true, result: this.speaker.routes(request.prefix === undefined ? undefined : normalisePrefix(request.prefix)) };
      case 'reload': {
        const result = await this.reload();
        return result.ok ? { ok: true, result: result.outcome } : { ok: false, error: 'the new configuration is invalid; the running one is kept', details: result.errors };
      }
      case 'peer':
        return this.speaker.peerAction(request.name, request.action, request.message)
          ? { ok: true, result: { peer: request.name, action: request.action } }
          : { ok: false, error: `no peer named ${request.name} (see petrel show peers)` };
    }
  }

  /** Cease / Administrative Shutdown to every peer, then close the sockets; the marker says `stopped`. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#watcher?.close();
    this.kernel?.freeze();
    // AdminDown first (RFC 5880 §6.8.16): the peers' BFD does not take it for a failure.
    this.bfd.close();
    await this.speaker.stop();
    await this.kernel?.stop();
    await this.metrics.close();
    for (const bird of this.#birdSockets) await bird.close();
    await this.#control?.close();
    this.#state.markStopped(new Date(), advertisedRestartTimes(this.speaker.config));
  }
}

/** The Restart Time each peer is told (RFC 4724 §3), by address: what the stopped marker keeps. */
function advertisedRestartTimes(config: Config): Record<string, number> {
  const out: Record<string, number> = {};
  for (const peer of effectivePeers(config)) if (peer.gracefulRestart.enabled) out[peer.address] = peer.gracefulRestart.restartTimeSec;
  return out;
}

/** Config keys a reload records but applies only at the next start. */
const NEXT_START_KEYS: ReadonlySet<string> = new Set(['control', 'listen', 'log', 'metrics', 'kernel', 'vxlan', 'stateDir']);

/** `10.0.0.1` means the host route; prefixes in canonical form (RFC 5952 for IPv6), as the RIB keys them. */
function normalisePrefix(text: string): string {
  const withLength = text.includes('/') ? text : text.includes(':') ? `${text}/128` : `${text}/32`;
  return canonicalPrefix(withLength) ?? withLength;
}
