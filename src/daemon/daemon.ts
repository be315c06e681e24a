/**
 * A running petrel: the speaker, its control socket, and reloads. `petrel run` wraps this with
 * signal handling; tests start it directly. A reload parses the config file into a new object
 * and applies it whole, or keeps the running config and reports every error (SPEC §8,
 * OpenBGPD's reconfigure); reloads are serialised.
 */
import { canonicalPrefix } from '../bgp/address.js';
import { formatIssue, loadConfigFile, type LoadResult } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ControlServer } from '../control/server.js';
import type { ControlRequest, ControlResponse } from '../control/protocol.js';
import type { Logger } from '../log.js';
import type { RouteSink } from './route-sink.js';
import type { SessionBackend } from './session-backend.js';
import { Speaker, type ReloadOutcome } from './speaker.js';

export interface DaemonOptions {
  readonly configFile: string;
  readonly config: Config;
  readonly logger: Logger;
  readonly backend: SessionBackend;
  readonly routeSink?: RouteSink;
  readonly version?: string;
  /** Reads the config file again on reload (injected by tests). */
  readonly load?: (file: string) => LoadResult;
}

export type ReloadResult = { readonly ok: true; readonly outcome: ReloadOutcome } | { readonly ok: false; readonly errors: readonly string[] };

export class Daemon {
  readonly speaker: Speaker;
  readonly #options: DaemonOptions;
  readonly #log: Logger;
  #control: ControlServer | undefined;
  #reloading: Promise<unknown> = Promise.resolve();

  private constructor(options: DaemonOptions) {
    this.#options = options;
    this.#log = options.logger;
    this.speaker = new Speaker({
      config: options.config,
      backend: options.backend,
      logger: options.logger,
      ...(options.routeSink ? { routeSink: options.routeSink } : {}),
      ...(options.version !== undefined ? { version: options.version } : {}),
    });
  }

  /** Opens the control socket first (a second daemon on the same socket fails here), then the speaker. */
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
      await daemon.speaker.start();
    } catch (err) {
      await control.close();
      throw err;
    }
    return daemon;
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
      const errors = result.errors.map(formatIssue);
      for (const e of errors) this.#log.error({ file }, `reload rejected: ${e}`);
      this.#log.error({ file, errors: errors.length }, 'reload rejected: keeping the running configuration');
      return { ok: false, errors };
    }
    const outcome = await this.speaker.reload(result.config);
    if (outcome.otherChanged.some((k) => k === 'control' || k === 'listen' || k === 'log' || k === 'metrics')) {
      this.#log.warn({ changed: outcome.otherChanged }, 'some changes (listen, control, log, metrics) take effect at the next start');
    }
    return { ok: true, outcome };
  }

  async handle(request: ControlRequest): Promise<ControlResponse> {
    switch (request.command) {
      case 'status':
        return { ok: true, result: this.speaker.status() };
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
    await this.speaker.stop();
    await this.#control?.close();
  }
}

/** `10.0.0.1` means the host route; prefixes in canonical form (RFC 5952 for IPv6), as the RIB keys them. */
function normalisePrefix(text: string): string {
  const withLength = text.includes('/') ? text : text.includes(':') ? `${text}/128` : `${text}/32`;
  return canonicalPrefix(withLength) ?? withLength;
}
