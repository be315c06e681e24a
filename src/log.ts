/**
 * petrel's logger: pino, JSON lines on stdout (SPEC §2), level from the config's `log.level` or
 * `--log-level`. Stable field names so operators can filter: `peer` (the session's name), `state`
 * (RFC 4271 state name), `code`/`subcode` (NOTIFICATION), `prefix`. Secrets never reach a log
 * line: the config's `Secret` objects print as `[redacted]` whatever serialiser meets them.
 *
 * On a terminal the same lines are rendered for reading (log-pretty.ts); piped — systemd,
 * journald, tests — they stay JSON. `--log-format` overrides the choice.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { prettyDestination } from './log-pretty.js';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Default json. Pretty renders each line before it reaches the destination. */
  readonly format?: LogFormat;
  /** Where lines go; default stdout. Tests pass a stream to read them back. */
  readonly destination?: DestinationStream;
}

/** The format asked for, else pretty on a terminal and JSON lines anywhere else. */
export function chooseLogFormat(requested: LogFormat | undefined, stdoutIsTerminal: boolean | undefined): LogFormat {
  return requested ?? (stdoutIsTerminal === true ? 'pretty' : 'json');
}

export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Redaction as a second line of defence: Secret already prints as [redacted].
    redact: { paths: ['password', '*.password', 'config.peers[*].password'], censor: '[redacted]' },
  };
  if (options.format === 'pretty') {
    const sink = options.destination ?? process.stdout;
    return pino(settings, prettyDestination(sink, { colour: options.destination === undefined && process.stdout.isTTY }));
  }
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** A logger that drops everything (unit tests, the micro-benchmark). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
