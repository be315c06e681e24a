/**
 * `petrel run --config FILE`: the daemon in the foreground. Log lines on stdout (level from
 * `log.level`, or `--log-level`), JSON unless stdout is a terminal or `--log-format` says
 * otherwise; SIGTERM and SIGINT stop cleanly — Cease / Administrative Shutdown to every peer,
 * then exit 0; SIGHUP reloads the config file (an invalid one is logged error by error and the
 * running config kept), and so does a change to the config file or a `calicoResources` path
 * unless `reload.watchFiles` is off. Whether peers see a graceful restart (RFC 4724 R bit)
 * follows the restart marker in `stateDir` (daemon/state-dir.ts). An invalid config at start is
 * printed like `petrel validate` does, exit 1.
 */
import { readFileSync } from 'node:fs';
import { formatIssue, loadConfigFile } from '../config/load.js';
import { Daemon } from '../daemon/daemon.js';
import { TcpSessionBackend } from '../daemon/tcp-backend.js';
import { chooseLogFormat, createLogger } from '../log.js';
import type { ExitCode, RunOptions } from './commands.js';

function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

export async function runCommand(options: RunOptions): Promise<ExitCode> {
  const loaded = loadConfigFile(options.config);
  if (!loaded.ok) {
    process.stderr.write(loaded.errors.map((e) => `${formatIssue(e)}\n`).join(''));
    return 1;
  }
  const config = loaded.config;
  const logger = createLogger({ level: options.logLevel ?? config.log.level, format: chooseLogFormat(options.logFormat, process.stdout.isTTY) });
  let daemon: Daemon;
  try {
    daemon = await Daemon.start({ configFile: options.config, config, logger, backend: (restarting) => new TcpSessionBackend(logger, restarting), version: packageVersion() });
  } catch (err) {
    logger.fatal({ err }, `cannot start: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  return new Promise<ExitCode>((resolve) => {
    let stopping = false;
    const onStop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping: sending Cease to every peer');
      daemon.stop().then(
        () => finish(0),
        (err: unknown) => {
          logger.error({ err }, 'error while stopping');
          finish(1);
        },
      );
    };
    const onReload = (): void => {
      logger.info({ signal: 'SIGHUP' }, 'reloading the configuration');
      void daemon.reload();
    };
    const finish = (code: ExitCode): void => {
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      process.off('SIGHUP', onReload);
      logger.flush();
      resolve(code);
    };
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    process.on('SIGHUP', onReload);
  });
}
