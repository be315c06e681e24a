/**
 * Which control socket a client command (`show`, `reload`, `peer`) talks to: `--socket` if given,
 * else `control.socket` from `--config`, else the default (SPEC.md §2). Reading the socket path
 * parses only the YAML, not the whole config: an operator may run `petrel show peers` without
 * read access to the password files a full load resolves.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { describeFsError } from '../config/secrets.js';
import type { ControlOptions } from './commands.js';

export const DEFAULT_CONTROL_SOCKET = '/run/petrel/petrel.sock';

export type SocketPathResult = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly message: string };

export function controlSocketPath(
  options: Pick<ControlOptions, 'socket' | 'config'>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): SocketPathResult {
  if (options.socket !== undefined) return { ok: true, path: options.socket };
  if (options.config === undefined) return { ok: true, path: DEFAULT_CONTROL_SOCKET };
  let text: string;
  try {
    text = readFile(options.config);
  } catch (err) {
    return { ok: false, message: `cannot read ${options.config}: ${describeFsError(err)}` };
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return { ok: false, message: `${options.config} is not valid YAML: run petrel validate --config ${options.config}` };
  const socket: unknown = doc.getIn(['control', 'socket']);
  if (socket === undefined) return { ok: true, path: DEFAULT_CONTROL_SOCKET };
  if (typeof socket !== 'string') return { ok: false, message: `${options.config}: control.socket is not a path` };
  return { ok: true, path: socket };
}
