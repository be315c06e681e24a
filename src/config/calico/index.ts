/**
 * petrel configured from Calico's own resources (SPEC §2, CALICO.md §1–2). When the config
 * names `calicoResources: [PATH, ...]` (files or folders of manifests, relative paths from the
 * config's folder), the loader reads them before validating and merges what they say for the
 * node named by `node.name` under the file's own keys. The result goes through the same schema
 * and checks as a hand-written config, so everything downstream sees one `Config`.
 *
 * Pipeline: documents.ts (files → resources with positions) → resources.ts (field checks, kinds)
 * → derive.ts with peerings.ts (confd's mapping) → merge.ts (**the petrel file wins** over
 * derived keys; see there for the exact rule).
 *
 * Errors name where the problem is: a bad resource as
 * `FILE:LINE:COL: documents[2].spec.peerIP: BGPPeer rack1-tor: …`; a derived value the schema
 * or the cross checks reject (a clash between two BGPPeers, a block outside every pool, a secret
 * file that is missing) at the resource field it came from, naming the config key it became.
 *
 * BGP passwords: a `secretKeyRef {name, key}` (in `BGPPeer.spec.password` or
 * `BGPConfiguration.spec.nodeMeshPassword`) becomes `password: {file: DIR/<name>/<key>}`, where
 * DIR is `$PETREL_CALICO_SECRETS_DIR`, default `/etc/petrel/calico-secrets`: the layout of
 * Kubernetes Secret volumes mounted one per secret (`mountPath: DIR/<name>`, each key a file),
 * so calico-node's secrets carry over without copying a key into any config. A ref marked
 * `optional: true` whose file is absent means no password, as in Kubernetes.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import type { ConfigIssue } from '../load.js';
import { formatKeyPath, type KeyPath } from '../locate.js';
import { issueAt, readManifests, type ManifestFiles } from './documents.js';
import { deriveConfig, type CalicoExtras, type CalicoPeerExtras, type Origin, type OriginEntry } from './derive.js';
import { mergeDerived } from './merge.js';
import { checkResources } from './resources.js';

export type { CalicoExtras, CalicoPeerExtras } from './derive.js';
export type { BgpFilterRule } from './resources.js';

export const CALICO_SECRETS_DIR_ENV = 'PETREL_CALICO_SECRETS_DIR';
export const DEFAULT_CALICO_SECRETS_DIR = '/etc/petrel/calico-secrets';

export interface CalicoEnvironment extends ManifestFiles {
  readonly env: Readonly<Record<string, string | undefined>>;
}

export type CalicoApplication =
  | {
      readonly ok: true;
      /** The config input with the derived keys merged in (the input itself when there are none). */
      readonly input: unknown;
      readonly extras?: CalicoExtras;
      /** The error for a config key path that holds a derived value; undefined for the file's own keys. */
      readonly issueAt: (path: KeyPath, message: string) => ConfigIssue | undefined;
    }
  | { readonly ok: false; readonly errors: readonly ConfigIssue[] };

const NOT_DERIVED = (): undefined => undefined;

/** Reads `calicoResources` named by the raw config `input` and merges what they derive. */
export function applyCalicoResources(input: unknown, configFile: string, environment: CalicoEnvironment): CalicoApplication {
  if (!isPlain(input)) return { ok: true, input, issueAt: NOT_DERIVED };
  const paths = input['calicoResources'];
  const node = input['node'];
  const nodeName = isPlain(node) ? node['name'] : undefined;
  // Malformed keys are the schema's to report; without them there is nothing to derive.
  if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string' && p !== '')) return { ok: true, input, issueAt: NOT_DERIVED };
  if (typeof nodeName !== 'string' || nodeName === '') return { ok: true, input, issueAt: NOT_DERIVED };

  const baseDir = dirname(resolve(configFile));
  const read = readManifests(
    paths.map((p: string) => (isAbsolute(p) ? p : resolve(baseDir, p))),
    environment,
  );
  const checked = checkResources(read.resources);
  const problems = [...read.errors, ...checked.errors];
  if (problems.length > 0) return { ok: false, errors: problems };

  const secretsDir = environment.env[CALICO_SECRETS_DIR_ENV] ?? DEFAULT_CALICO_SECRETS_DIR;
  const derivation = deriveConfig(checked.resources, {
    nodeName,
    ...optional('asNumber', typeof input['asNumber'] === 'number' ? input['asNumber'] : undefined),
    ...optional('ipv4Address', stringAt(node, 'ipv4Address')),
    ...optional('ipv6Address', stringAt(node, 'ipv6Address')),
    secretsDir: isAbsolute(secretsDir) ? secretsDir : resolve(baseDir, secretsDir),
    fileExists: (path) => {
      try {
        environment.readFile(path);
        return true;
      } catch {
        return false;
      }
    },
  });
  if (derivation.errors.length > 0) return { ok: false, errors: derivation.errors };

  const merged = mergeDerived(input, derivation.fragment, derivation.origins);
  return {
    ok: true,
    input: merged.input,
    extras: { ...derivation.extras, peers: survivingPeers(merged.input, merged.origins, derivation.extras.peers) },
    issueAt: (path, message) => {
      const origin = originOf(merged.origins, path);
      return origin && issueAt(origin.source, origin.key, `${origin.resource}: ${message} (as config key ${formatKeyPath(path)})`);
    },
  };
}

/** The deepest recorded origin whose path is a prefix of `path`. */
function originOf(origins: readonly OriginEntry[], path: KeyPath): Origin | undefined {
  let best: OriginEntry | undefined;
  for (const entry of origins) {
    if (entry.path.length > path.length || (best && entry.path.length <= best.path.length)) continue;
    if (entry.path.every((seg, i) => path[i] === seg)) best = entry;
  }
  return best?.origin;
}

/** Extras of derived peers that the file did not replace with its own entry. */
function survivingPeers(
  input: Record<string, unknown>,
  origins: readonly OriginEntry[],
  extras: Readonly<Record<string, CalicoPeerExtras>>,
): Record<string, CalicoPeerExtras> {
  const peers = input['peers'];
  const out: Record<string, CalicoPeerExtras> = {};
  if (!Array.isArray(peers)) return out;
  for (const { path } of origins) {
    if (path.length !== 2 || path[0] !== 'peers' || typeof path[1] !== 'number') continue;
    const name = stringAt(peers[path[1]], 'name');
    const extra = name === undefined ? undefined : extras[name];
    if (name !== undefined && extra) out[name] = extra;
  }
  return out;
}

function stringAt(value: unknown, key: string): string | undefined {
  const v = isPlain(value) ? value[key] : undefined;
  return typeof v === 'string' ? v : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function isPlain(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
