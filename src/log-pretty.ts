/**
 * Log lines for a person at a terminal: pino's JSON line rendered as
 * `HH:MM:SS.mmm LEVEL msg peer=… state=… code=… subcode=… prefix=… other=…`, the stable fields
 * first in a fixed order so the eye finds them in the same place (SPEC §2). Time is UTC, as in
 * the JSON lines. An error's stack follows on indented lines.
 *
 * It only re-renders what pino already serialised: redaction and the config's `Secret` objects
 * (which serialise as `[redacted]`) have done their work by then, so nothing secret can appear
 * here that the JSON line did not already hide.
 */
import type { DestinationStream } from 'pino';

/** pino's numeric levels. */
const LEVEL_NAMES: ReadonlyMap<number, string> = new Map([
  [10, 'TRACE'],
  [20, 'DEBUG'],
  [30, 'INFO'],
  [40, 'WARN'],
  [50, 'ERROR'],
  [60, 'FATAL'],
]);

/** ANSI SGR colours by level, used only when the destination is a terminal. */
const LEVEL_COLOURS: ReadonlyMap<number, string> = new Map([
  [10, '90'],
  [20, '36'],
  [30, '32'],
  [40, '33'],
  [50, '31'],
  [60, '35'],
]);

/** Fields operators filter on, in the order they are shown (src/log.ts). */
export const STABLE_FIELDS = ['peer', 'state', 'code', 'subcode', 'prefix'] as const;

/** Fields rendered by position, or not at all (pino's own bookkeeping). */
const POSITIONAL_FIELDS: ReadonlySet<string> = new Set(['time', 'level', 'msg', 'pid', 'hostname']);

const LEVEL_WIDTH = 5;

export interface PrettyOptions {
  /** Colour the level (ANSI); default false. */
  readonly colour?: boolean;
}

/** A plain value as `key=value`: quoted when it would not read as one word. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return value === '' || /[\s="]/.test(value) ? JSON.stringify(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value);
}

function clockTime(time: unknown): string {
  if (typeof time === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}/.test(time)) return time.slice(11, 23);
  const date = typeof time === 'number' ? new Date(time) : new Date();
  return date.toISOString().slice(11, 23);
}

function levelLabel(level: unknown, colour: boolean): string {
  const n = typeof level === 'number' ? level : 0;
  const name = (LEVEL_NAMES.get(n) ?? `L${n}`).padEnd(LEVEL_WIDTH);
  const sgr = LEVEL_COLOURS.get(n);
  return colour && sgr !== undefined ? `\u001b[${sgr}m${name}\u001b[0m` : name;
}

/** pino's serialised error (`err`): its message inline, its stack below. */
function isSerialisedError(value: unknown): value is { message?: unknown; stack?: unknown; type?: unknown } {
  return typeof value === 'object' && value !== null && 'stack' in value;
}

/** One pino JSON line (without its newline) as one or more pretty lines, newline-terminated. */
export function formatPrettyLine(json: string, options: PrettyOptions = {}): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return `${json}\n`;
    record = parsed as Record<string, unknown>;
  } catch {
    // Not pino's: pass it through rather than lose it.
    return `${json}\n`;
  }
  const parts = [clockTime(record['time']), levelLabel(record['level'], options.colour ?? false)];
  if (typeof record['msg'] === 'string' && record['msg'] !== '') parts.push(record['msg']);
  const stacks: string[] = [];
  const fieldOrder = [...STABLE_FIELDS.filter((k) => k in record), ...Object.keys(record).filter((k) => !POSITIONAL_FIELDS.has(k) && !(STABLE_FIELDS as readonly string[]).includes(k))];
  for (const key of fieldOrder) {
    const value = record[key];
    if (value === undefined) continue;
    if (isSerialisedError(value)) {
      parts.push(`${key}=${formatValue(typeof value.message === 'string' ? value.message : value.type)}`);
      if (typeof value.stack === 'string') stacks.push(value.stack);
      continue;
    }
    parts.push(`${key}=${formatValue(value)}`);
  }
  const indented = stacks.flatMap((stack) => stack.split('\n').map((line) => `    ${line}`));
  return [parts.join(' '), ...indented].join('\n') + '\n';
}

/** Something pretty lines can be written to (process.stdout, or a test's collector). */
export interface TextSink {
  write(text: string): unknown;
}

/** A pino destination that renders each JSON line for a terminal and writes it to `sink`. */
export function prettyDestination(sink: TextSink, options: PrettyOptions = {}): DestinationStream {
  return {
    write(chunk: string): void {
      // pino writes one line per call; split anyway so a batched chunk renders line by line.
      for (const line of chunk.split('\n')) if (line !== '') sink.write(formatPrettyLine(line, options));
    },
  };
}
