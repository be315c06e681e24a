/**
 * Loads a config: YAML text → document (keeping positions) → schema → cross checks → a typed,
 * immutable-by-convention `Config`, or every error found, each with its key path, line and
 * column. Loading is a pure function of the file's text and the environment (variables and the
 * password files it names), so a reload can parse into a fresh object and swap it in whole, or
 * keep the running config and report why not (SPEC §8; OpenBGPD's reconfigure).
 *
 * Structural errors (wrong types, unknown keys, bad values) are all reported in one pass; the
 * cross checks in checks.ts need a well-formed config, so they follow once the shape is right.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { core } from 'zod';
import { applyCalicoResources, type CalicoExtras } from './calico/index.js';
import { crossCheck } from './checks.js';
import { formatKeyPath, locate, type KeyPath } from './locate.js';
import { buildConfigSchema, type Config } from './schema.js';
import { describeFsError } from './secrets.js';

export interface ConfigIssue {
  readonly file: string;
  /** `peers[0].holdTimeSec`; empty for problems with the file itself (YAML syntax, unreadable). */
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export type LoadResult =
  /** `calico`: what `calicoResources` say that the config has no key for (see calico/index.ts). */
  | { readonly ok: true; readonly config: Config; readonly calico?: CalicoExtras }
  | { readonly ok: false; readonly errors: readonly ConfigIssue[] };

/** What loading may read besides the config text: environment variables and password files. */
export interface LoadEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile: (path: string) => string;
  /** A folder's entries, undefined when `path` is not a folder (default: the file system). */
  readonly listDirectory?: (path: string) => readonly string[] | undefined;
}

export function processEnvironment(): LoadEnvironment {
  return { env: process.env, readFile: (path) => readFileSync(path, 'utf8') };
}

/** Reads and loads the config file at `file`. */
export function loadConfigFile(file: string, environment: LoadEnvironment = processEnvironment()): LoadResult {
  let text: string;
  try {
    text = environment.readFile(file);
  } catch (err) {
    return fail([{ file, path: '', line: 0, column: 0, message: `cannot read config: ${describeFsError(err)}` }]);
  }
  return parseConfig(text, file, environment);
}

/** Loads config text; `file` names it in errors and anchors relative paths in it. */
export function parseConfig(text: string, file: string, environment: LoadEnvironment): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    return fail(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { file, path: '', line: pos?.line ?? 0, column: pos?.col ?? 0, message: `YAML: ${yamlMessage(e.message)}` };
      }),
    );
  }
  let input: unknown;
  try {
    input = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return fail([{ file, path: '', line: 1, column: 1, message: `YAML: ${err instanceof Error ? err.message : String(err)}` }]);
  }
  if (input === null || input === undefined) {
    return fail([{ file, path: '', line: 1, column: 1, message: 'the config is empty: expected a mapping of keys (see SPEC.md §2)' }]);
  }
  // Keys derived from Calico resources are merged in first; their errors point into those files.
  const calico = applyCalicoResources(input, file, environment);
  if (!calico.ok) return fail(calico.errors);
  const where: Locator = (path, message, onKey) => calico.issueAt(path, message) ?? at(doc, lines, file, path, message, onKey);
  const schema = buildConfigSchema({ env: environment.env, readFile: environment.readFile, baseDir: dirname(resolve(file)) });
  const parsed = schema.safeParse(calico.input, { reportInput: true });
  if (!parsed.success) return fail(sortIssues(parsed.error.issues.flatMap((issue) => fromZodIssue(issue, where))));
  const problems = crossCheck(parsed.data);
  if (problems.length > 0) return fail(sortIssues(problems.map((p) => where(p.path, p.message))));
  return { ok: true, config: deepFreeze(parsed.data), ...(calico.extras ? { calico: deepFreeze(calico.extras) } : {}) };
}

/** Freezes plain objects and arrays (secrets are already immutable), so sharing is safe. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** `FILE:LINE:COL: path.to.key: message`, the form `petrel validate` prints. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

function fail(errors: readonly ConfigIssue[]): LoadResult {
  return { ok: false, errors };
}

type Locator = (path: KeyPath, message: string, onKey?: boolean) => ConfigIssue;

function fromZodIssue(issue: core.$ZodIssue, where: Locator): ConfigIssue[] {
  const path = issue.path.filter((seg): seg is string | number => typeof seg !== 'symbol');
  if (issue.code === 'invalid_union') {
    // `true` or an object (`bfd`): the branch the value's own type chose says what is wrong with
    // it, where zod alone says only "Invalid input". Its issues' paths are the union's own.
    const chosen = issue.errors.filter((branch) => !(branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0].path.length === 0));
    if (chosen.length === 1) return chosen[0]!.flatMap((inner) => fromZodIssue({ ...inner, path: [...issue.path, ...inner.path] }, where));
  }
  if (issue.code === 'unrecognized_keys') {
    // The key is the mistake: point at it, one error per key.
    return issue.keys.map((key) => where([...path, key], `unknown key "${key}"`, true));
  }
  let message = issue.message;
  if (issue.code === 'invalid_type' && issue.input === undefined) message = 'required key is missing';
  if (issue.code === 'invalid_type' && path.length === 0) message = 'the config must be a mapping of keys (see SPEC.md §2)';
  return [where(path, message)];
}

function at(doc: Document, lines: LineCounter, file: string, path: KeyPath, message: string, onKey = false): ConfigIssue {
  const { line, column } = locate(doc, lines, path, onKey);
  return { file, path: formatKeyPath(path), line, column, message };
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** yaml's messages end with " at line L, column C:" and a source excerpt; we print our own. */
function yamlMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}
