/**
 * Merges the keys derived from Calico resources under the user's own config: **what the
 * petrel file says wins**. The Calico manifests are the cluster's shared truth; the petrel file
 * is this host's, so it is where a node-local override (a test router ID, a longer hold time, an
 * extra peer) belongs without editing the cluster's resources. Precisely:
 *
 * - a key present in the petrel file replaces the derived value at that key;
 * - the mappings `node`, `listen`, `mesh`, `log` and `gracefulRestart` merge key by key (a
 *   password or any deeper mapping is replaced whole: `{env}` over a derived `{file}` is one choice);
 * - keyed lists merge entry by entry — `peers` by address, `mesh.nodes` by name, `pools` and
 *   `prefixAdvertisements` by CIDR, `filters` by name: the file's entries come first, in the file's order, and a
 *   derived entry with the same key is dropped; the other derived entries follow;
 * - other lists (`blocks`, service ranges) written in the file replace the derived list whole.
 *
 * The file's entries keep their indices, so errors about them still point into the file; the
 * origins of surviving derived values are moved to their merged paths.
 */
import { canonicalAddress, canonicalPrefix } from '../../bgp/address.js';
import type { KeyPath } from '../locate.js';
import type { OriginEntry } from './derive.js';

type Plain = Record<string, unknown>;

const MERGED_MAPPINGS: ReadonlySet<string> = new Set(['node', 'listen', 'mesh', 'log', 'gracefulRestart']);

/** How entries of a keyed list are identified, with the spelling normalised. */
const LIST_KEYS: Readonly<Record<string, (entry: Plain) => string | undefined>> = {
  peers: (entry) => textOf(entry['address'], canonicalAddress),
  'mesh.nodes': (entry) => textOf(entry['name'], (s) => s),
  pools: (entry) => textOf(entry['cidr'], canonicalPrefix),
  prefixAdvertisements: (entry) => textOf(entry['cidr'], canonicalPrefix),
  filters: (entry) => textOf(entry['name'], (s) => s),
};

function textOf(value: unknown, canonical: (s: string) => string | undefined): string | undefined {
  return typeof value === 'string' ? (canonical(value) ?? value) : undefined;
}

export interface Merged {
  readonly input: Plain;
  readonly origins: readonly OriginEntry[];
}

export function mergeDerived(user: Plain, derived: Plain, origins: readonly OriginEntry[]): Merged {
  const moved: OriginEntry[] = [];
  /** Keeps the origins under `from` (a derived path), re-rooted at `to` (its merged path). */
  const keep = (from: KeyPath, to: KeyPath): void => {
    for (const entry of origins) {
      if (startsWith(entry.path, from)) moved.push({ path: [...to, ...entry.path.slice(from.length)], origin: entry.origin });
    }
  };
  const input = mergeMapping(user, derived, [], keep);
  return { input, origins: moved };
}

function mergeMapping(user: Plain, derived: Plain, at: KeyPath, keep: (from: KeyPath, to: KeyPath) => void): Plain {
  const out: Plain = { ...user };
  for (const [key, value] of Object.entries(derived)) {
    const path = [...at, key];
    const dotted = path.join('.');
    const mine = user[key];
    if (mine === undefined) {
      out[key] = value;
      keep(path, path);
    } else if (at.length === 0 && MERGED_MAPPINGS.has(key) && isPlain(mine) && isPlain(value)) {
      out[key] = mergeMapping(mine, value, path, keep);
    } else if (Array.isArray(mine) && Array.isArray(value) && LIST_KEYS[dotted]) {
      out[key] = mergeKeyedList(mine, value, LIST_KEYS[dotted], path, keep);
    }
    // Otherwise the file's value stands and the derived one is dropped.
  }
  return out;
}

function mergeKeyedList(
  user: readonly unknown[],
  derived: readonly unknown[],
  keyOf: (entry: Plain) => string | undefined,
  at: KeyPath,
  keep: (from: KeyPath, to: KeyPath) => void,
): unknown[] {
  const taken = new Set(user.map((entry) => (isPlain(entry) ? keyOf(entry) : undefined)).filter((k) => k !== undefined));
  const out = [...user];
  derived.forEach((entry, i) => {
    if (isPlain(entry) && taken.has(keyOf(entry) ?? '')) return;
    keep([...at, i], [...at, out.length]);
    out.push(entry);
  });
  return out;
}

function isPlain(value: unknown): value is Plain {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function startsWith(path: KeyPath, prefix: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => path[i] === seg);
}
