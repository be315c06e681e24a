/** Shared by the config tests: an injected environment, so no test reads the host's files. */
import { readFileSync } from 'node:fs';
import { parseConfig, type LoadEnvironment, type LoadResult } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';

/** Files the fake environment serves; every other path fails with ENOENT, as a real one would. */
export function fakeEnvironment(files: Record<string, string> = {}, env: Record<string, string> = {}): LoadEnvironment {
  return {
    env,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
  };
}

/** The example configs plus the one key file node-tor.yaml names. */
export function exampleEnvironment(): LoadEnvironment {
  return {
    env: {},
    readFile: (path) => (path === '/etc/petrel/tor.key' ? 'tor-md5-key\n' : readFileSync(path, 'utf8')),
  };
}

export const TEST_FILE = '/etc/petrel/petrel.yaml';

export function load(text: string, environment: LoadEnvironment = fakeEnvironment()): LoadResult {
  return parseConfig(text, TEST_FILE, environment);
}

export function mustLoad(text: string, environment: LoadEnvironment = fakeEnvironment()): Config {
  const result = load(text, environment);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join('\n')}`);
  return result.config;
}
