/**
 * Secrets in the config (TCP MD5 passwords, RFC 2385). The config names where a secret lives —
 * `{file: PATH}` or `{env: VAR}` — never the secret itself; the loader resolves it once, at load
 * time, into a `Secret` whose every printable form is `[redacted]`, so logging a config, printing
 * it as JSON or inspecting it in a debugger never shows the value (SPEC §8: passwords are never
 * logged). Only `reveal()` gives the value, for the one place that installs the TCP MD5 key.
 */
import { timingSafeEqual } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { inspect } from 'node:util';

export type SecretSource = { readonly file: string } | { readonly env: string };

const REDACTED = '[redacted]';

/** RFC 2385 keys go into the kernel's `struct tcp_md5sig`, whose key field is 80 octets. */
export const TCP_MD5_MAX_KEY_BYTES = 80;

export class Secret {
  readonly #value: string;
  /** Where the value came from: printed in canonical config output instead of the value. */
  readonly source: SecretSource;

  constructor(value: string, source: SecretSource) {
    this.#value = value;
    this.source = source;
  }

  /** The secret itself. Call only where the value is handed to the kernel. */
  reveal(): string {
    return this.#value;
  }

  /** Same value (compared in constant time) — a reload uses this to see a password change. */
  equals(other: Secret | undefined): boolean {
    if (!other) return false;
    const a = Buffer.from(this.#value);
    const b = Buffer.from(other.#value);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

/** What resolving a secret may read: the environment and files. Injected so loading stays pure. */
export interface SecretEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a whole file as UTF-8; throws (e.g. ENOENT) when it cannot. */
  readonly readFile: (path: string) => string;
  /** Relative `{file}` paths are taken from here: the folder holding the config file. */
  readonly baseDir: string;
}

export type SecretResult =
  | { readonly ok: true; readonly secret: Secret }
  | { readonly ok: false; readonly key: 'file' | 'env'; readonly message: string };

export function resolveSecret(source: SecretSource, environment: SecretEnvironment): SecretResult {
  if ('file' in source) {
    const path = isAbsolute(source.file) ? source.file : resolve(environment.baseDir, source.file);
    let text: string;
    try {
      text = environment.readFile(path);
    } catch (err) {
      return { ok: false, key: 'file', message: `cannot read password file ${path}: ${describeFsError(err)}` };
    }
    // Key files are usually written with `echo`: one trailing newline is not part of the key.
    return checkValue(text.replace(/\r?\n$/, ''), source, 'file', `password file ${path}`);
  }
  const value = environment.env[source.env];
  if (value === undefined) {
    return { ok: false, key: 'env', message: `environment variable ${source.env} is not set` };
  }
  return checkValue(value, source, 'env', `environment variable ${source.env}`);
}

function checkValue(value: string, source: SecretSource, key: 'file' | 'env', where: string): SecretResult {
  if (value.length === 0) return { ok: false, key, message: `${where} is empty` };
  const bytes = Buffer.byteLength(value);
  if (bytes > TCP_MD5_MAX_KEY_BYTES) {
    return { ok: false, key, message: `${where} holds ${bytes} bytes; TCP MD5 keys are at most ${TCP_MD5_MAX_KEY_BYTES}` };
  }
  return { ok: true, secret: new Secret(value, source) };
}

const FS_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
};

/** A file-system error in a few words (`no such file (ENOENT)`), for config messages. */
export function describeFsError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code) return `${FS_ERRORS[code] ?? err.message} (${code})`;
    return err.message;
  }
  return String(err);
}
