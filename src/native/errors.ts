/**
 * Socket errors from the native addon, shaped like Node's own system errors (`code`, `syscall`)
 * so callers can handle both the same way.
 */
import type { ErrnoName } from './addon.js';

export class SocketError extends Error {
  override readonly name = 'SocketError';
  /** The errno name, e.g. "ECONNREFUSED", "ETIMEDOUT", "ENOBUFS". */
  readonly code: ErrnoName;
  /** What failed, e.g. "connect" or "setsockopt IP_MINTTL". */
  readonly syscall: string;

  constructor(code: ErrnoName, syscall: string, detail?: string) {
    super(detail === undefined ? `${syscall} ${code}` : `${syscall} ${code} ${detail}`);
    this.code = code;
    this.syscall = syscall;
  }
}

/** Throws the SocketError for an addon result that names an errno. */
export function check(result: ErrnoName | undefined, syscall: string, detail?: string): void {
  if (result !== undefined) throw new SocketError(result, syscall, detail);
}

/** Returns a numeric addon result, or throws the SocketError it names. */
export function checkNumber(result: number | ErrnoName, syscall: string, detail?: string): number {
  if (typeof result === 'string') throw new SocketError(result, syscall, detail);
  return result;
}
