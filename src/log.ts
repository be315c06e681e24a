/**
 * petrel's logger: pino, JSON lines on stdout (SPEC §2), level from the config's `log.level` or
 * `--log-level`. Stable field names so operators can filter: `peer` (the session's name), `state`
 * (RFC 4271 state name), `code`/`subcode` (NOTIFICATION), `prefix`. Secrets never reach a log
 * line: the config's `Secret` objects print as `[redacted]` whatever serialiser meets them.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go; default stdout. Tests pass a stream to read them back. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Redaction as a second line of defence: Secret already prints as [redacted].
    redact: { paths: ['password', '*.password', 'config.peers[*].password'], censor: '[redacted]' },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** A logger that drops everything (unit tests, the micro-benchmark). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
