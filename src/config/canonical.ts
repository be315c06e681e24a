/**
 * The canonical text of a loaded config: YAML with every default filled in, keys in schema
 * order, addresses in canonical form, and passwords shown by where they come from, never by
 * value. Printed by `petrel validate --print`, and pinned for each example config by golden
 * tests (OpenBGPD's config regress): a change in defaults shows up as a diff in review.
 */
import { stringify } from 'yaml';
import type { Config } from './schema.js';
import { Secret } from './secrets.js';

const HEADER = '# petrel config, canonical form: every default filled in, secrets by reference\n';

export function canonicalConfig(config: Config): string {
  return HEADER + stringify(toPlain(config), { lineWidth: 0, indentSeq: true });
}

/** Plain data for printing: secrets become their `{file}`/`{env}` source. */
export function toPlain(value: unknown): unknown {
  if (value instanceof Secret) return { ...value.source };
  if (Array.isArray(value)) return value.map(toPlain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toPlain(v);
    return out;
  }
  return value;
}
