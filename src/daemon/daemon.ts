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
 */
import type { AddressInfo } from 'node:net';
import { canonicalPrefix } from '../bgp/address.js';
import { formatIssue, loadConfigFile, type LoadResult } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { BirdControlServer } from '../control/bird/server.js';
import { speakerSource } from '../control/bird/source.js';
import { ControlServer } from '../control/server.js';
import type { ControlRequest, ControlResponse } from '../control/protocol.js';
import type { Logger } from '../log.js';
import { KernelPlane } from './kernel-plane.js';
import { DaemonMetrics } from './metrics.js';
import type { RouteSink } from './route-sink.js';
import type { SessionBackend } from './session-backend.js';
import { SessionObserver } from './session-observer.js';
import { Speaker, type ReloadOutcome, type Timers } from './speaker.js';

export interface DaemonOptions {
  readonly configFile: string;
  readonly config: Config;
  readonly logger: Logger;
  readonly backend: SessionBackend;
  /** Replaces the kernel FIB (`kernel.enabled` is then ignored): in-memory pipeline tests. */
  readonly routeSink?: RouteSink;
  readonly version?: string;
  /** The stale-route release timeout (injected by tests). */
  readonly timers?: Timers;
  /** Reads the config file again on reload (injected by tests). */
  readonly load?: (file: string) => LoadResult;
}

export type ReloadResult = { readonly ok: true; readonly outcome: ReloadOutcome } | { readonly ok: false; readonly errors: readonly string[] };

export class Daemon {
  readonly speaker: Speaker;
  /** The kernel FIB side; undefined on a central reflector or with an injected route sink. */
  readonly kernel: KernelPlane | undefined;
  readonly sessions: SessionObserver;
  readonly metrics: DaemonMetrics;
  readonly #options: DaemonOptions;
  readonly #log: Logger;
  #control: ControlServer | undefined;
  #metricsAddress: AddressInfo | undefined;
  #bird: BirdControlServer | undefined;
  #reloading: Promise<unknown> = Promise.resolve();

  private constructor(options: DaemonOptions) {
    this.#options = options;
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
      backend: this.sessions.wrap(options.backend),
      logger: options.logger,
      ...(routeSink ? { routeSink } : {}),
      ...(options.version !== undefined ? { version: options.version } : {}),
    });
    this.metrics = new DaemonMetrics({ speaker: this.speaker, sessions: this.sessions, ...(this.kernel ? { kernel: this.kernel.fib } : {}) });
  }

  /** Where the metrics endpoint listens; undefined when it could not bind. */
  get metricsAddress(): AddressInfo | undefined {
    return this.#metricsAddress;
  }

  /** Control socket, kernel, speaker, metrics (see the header for why in that order). */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const daemon = new Daemon(options);
    const control = new ControlServer({
      path: options.config.control.socket,
      handler: (request) => daemon.handle(request),
      logger: options.logger,
      ...(options.config.control.socketGroup !== undefined ? { group: options.config.control.socketGroup } : {}),
    });
    await control.listen();
    daemon.#control = control;
    try {
      await daemon.#listenBird();
      await daemon.kernel?.start();
      await daemon.speaker.start();
    } catch (err) {
      await daemon.kernel?.stop();
      await daemon.#bird?.close();
      await control.close();
      throw err;
    }
    // RFC 4724 §4.1: adopted routes wait for every peer's End-of-RIB, at most the restart time.
    daemon.kernel?.awaitTables(daemon.speaker.peerNames(), options.config.gracefulRestart.restartTimeSec);
    await daemon.#listenMetrics();
    return daemon;
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

  /** `control.birdSocket`: BIRD's CLI subset for calicoctl and calico-node (CALICO.md §6). */
  async #listenBird(): Promise<void> {
    const { birdSocket, socketGroup } = this.#options.config.control;
    if (birdSocket === undefined) return;
    const bird = new BirdControlServer({
      path: birdSocket,
      source: speakerSource(this.speaker),
      logger: this.#log,
      ...(socketGroup !== undefined ? { group: socketGroup } : {}),
    });
    await bird.listen();
    this.#bird = bird;
  }

  /** Re-reads the config file; an invalid one is logged error by error and the old one kept. */
  reload(): Promise<ReloadResult> {
    const run = this.#reloading.then(() => this.#reload());
    this.#reloading = run.catch(() => undefined);
    return run;
  }

  async #reload(): Promise<ReloadResult> {
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
    // Removed peers owe no End-of-RIB any more.
    for (const peer of outcome.peersRemoved) this.kernel?.tableComplete(peer);
    await this.kernel?.reload(result.config);
    this.metrics.reloaded('success');
    if (outcome.otherChanged.some((k) => NEXT_START_KEYS.has(k))) {
      this.#log.warn({ changed: outcome.otherChanged }, 'some changes (listen, control, log, metrics, kernel, vxlan) take effect at the next start');
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
        return { ok: true, result: this.speaker.peers() };
      case 'routes':
        return { ok: true, result: this.speaker.routes(request.prefix === undefined ? undefined : normalisePrefix(request.prefix)) };
      case 'reload': {
        const result = await this.reload();
        return result.ok ? { ok: true, result: result.outcome } : { ok: false, error: 'the new configuration is invalid; the running one is kept', details: result.errors };
      }
      case 'peer':
        return this.speaker.peerAction(request.name, request.action)
          ? { ok: true, result: { peer: request.name, action: request.action } }
          : { ok: false, error: `no peer named ${request.name} (see petrel show peers)` };
    }
  }

  /** Cease / Administrative Shutdown to every peer, then close the control socket. */
  async stop(): Promise<void> {
    this.kernel?.freeze();
    await this.speaker.stop();
    await this.kernel?.stop();
    await this.metrics.close();
    await this.#bird?.close();
    await this.#control?.close();
  }
}

/** Config keys a reload records but applies only at the next start. */
const NEXT_START_KEYS: ReadonlySet<string> = new Set(['control', 'listen', 'log', 'metrics', 'kernel', 'vxlan']);

/** `10.0.0.1` means the host route; prefixes in canonical form (RFC 5952 for IPv6), as the RIB keys them. */
function normalisePrefix(text: string): string {
  const withLength = text.includes('/') ? text : text.includes(':') ? `${text}/128` : `${text}/32`;
  return canonicalPrefix(withLength) ?? withLength;
}
