/** Shared by the Calico resource tests: fixture paths and an environment with mounted secrets. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfig, type LoadEnvironment, type LoadResult } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';

export const CALICO_FIXTURES = fileURLToPath(new URL('../fixtures/calico/', import.meta.url));
export const SECRETS_DIR = '/run/secrets/calico';
export const CONFIG_FILE = '/etc/petrel/petrel.yaml';

/**
 * Files from disk (the fixtures), plus `virtual` files that exist only in the test: mounted
 * secrets and inline manifests. Nothing else on the host is read.
 */
export function calicoEnvironment(virtual: Record<string, string> = {}, env: Record<string, string> = {}): LoadEnvironment {
  return {
    env: { PETREL_CALICO_SECRETS_DIR: SECRETS_DIR, ...env },
    readFile: (path) => {
      const text = virtual[path];
      if (text !== undefined) return text;
      if (!path.startsWith(CALICO_FIXTURES)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return readFileSync(path, 'utf8');
    },
    listDirectory: (path) => {
      if (virtual[path] !== undefined || !path.startsWith(CALICO_FIXTURES)) return undefined;
      return statSync(path).isDirectory() ? readdirSync(path) : undefined;
    },
  };
}

export function loadWith(text: string, virtual: Record<string, string> = {}, env: Record<string, string> = {}): LoadResult {
  return parseConfig(text, CONFIG_FILE, calicoEnvironment(virtual, env));
}

export function mustLoadWith(
  text: string,
  virtual: Record<string, string> = {},
  env: Record<string, string> = {},
): { config: Config; result: Extract<LoadResult, { ok: true }> } {
  const result = loadWith(text, virtual, env);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.path}: ${e.message}`).join('\n')}`);
  return { config: result.config, result };
}
