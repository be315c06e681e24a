/**
 * Reads Calico manifests the way `calicoctl apply -f` and `kubectl apply -f` take them: a file
 * holds one or more YAML (or JSON) documents separated by `---`; a document is one resource or a
 * list (`kind: List`, or `kind: BGPPeerList` as `calicoctl get -o yaml` prints it) whose `items`
 * are resources; a folder stands for its `.yaml`, `.yml` and `.json` files in name order (not
 * its subfolders, as `kubectl apply -f DIR` without `-R`).
 *
 * Every resource keeps where it came from — file, document index, position inside the
 * document — so an error names `FILE:LINE:COL: documents[2].items[0].spec.peerIP: …`.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, isMap, parseAllDocuments, type Document } from 'yaml';
import type { ConfigIssue } from '../load.js';
import { formatKeyPath, locate, type KeyPath } from '../locate.js';
import { describeFsError } from '../secrets.js';

export interface ResourceSource {
  readonly file: string;
  readonly documentIndex: number;
  /** The resource's place inside its document: `[]`, or `['items', i]` in a list. */
  readonly itemPath: KeyPath;
  readonly doc: Document;
  readonly lines: LineCounter;
}

export interface RawResource {
  readonly source: ResourceSource;
  readonly value: Readonly<Record<string, unknown>>;
}

/** What reading manifests may touch: files, and folder listings (undefined: not a folder). */
export interface ManifestFiles {
  readonly readFile: (path: string) => string;
  readonly listDirectory?: (path: string) => readonly string[] | undefined;
}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** The error at `key` (a path inside the resource) of `source`, pointing at its line. */
export function issueAt(source: ResourceSource, key: KeyPath, message: string, onKey = false): ConfigIssue {
  const { line, column } = locate(source.doc, source.lines, [...source.itemPath, ...key], onKey);
  return { file: source.file, path: formatKeyPath(['documents', source.documentIndex, ...source.itemPath, ...key]), line, column, message };
}

export function readManifests(paths: readonly string[], files: ManifestFiles): { resources: RawResource[]; errors: ConfigIssue[] } {
  const resources: RawResource[] = [];
  const errors: ConfigIssue[] = [];
  const list = files.listDirectory ?? listDirectoryFromDisk;
  for (const path of paths) {
    let entries: readonly string[] | undefined;
    try {
      entries = list(path);
    } catch (err) {
      errors.push({ file: path, path: '', line: 0, column: 0, message: `cannot list Calico resources folder: ${describeFsError(err)}` });
      continue;
    }
    const targets = entries === undefined ? [path] : [...entries].filter((name) => MANIFEST_FILE.test(name)).sort().map((name) => join(path, name));
    for (const file of targets) {
      let text: string;
      try {
        text = files.readFile(file);
      } catch (err) {
        errors.push({ file, path: '', line: 0, column: 0, message: `cannot read Calico resources: ${describeFsError(err)}` });
        continue;
      }
      splitDocuments(text, file, resources, errors);
    }
  }
  return { resources, errors };
}

function splitDocuments(text: string, file: string, resources: RawResource[], errors: ConfigIssue[]): void {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  if (!Array.isArray(docs)) return; // an empty stream (only comments)
  docs.forEach((doc, documentIndex) => {
    const at = (itemPath: KeyPath): ResourceSource => ({ file, documentIndex, itemPath, doc, lines });
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = e.linePos?.[0];
        errors.push({ file, path: `documents[${documentIndex}]`, line: pos?.line ?? 0, column: pos?.col ?? 0, message: `YAML: ${e.message.split('\n')[0] ?? e.message}` });
      }
      return;
    }
    if (doc.contents === null) return; // `---` with nothing after it
    if (!isMap(doc.contents)) {
      errors.push(issueAt(at([]), [], 'expected a Calico resource (a mapping with apiVersion, kind, metadata, spec)'));
      return;
    }
    const value = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
    const kind = value['kind'];
    if (typeof kind === 'string' && (kind === 'List' || kind.endsWith('List'))) {
      const items = value['items'];
      if (!Array.isArray(items)) {
        errors.push(issueAt(at([]), ['items'], `a ${kind} holds its resources under items: [...]`));
        return;
      }
      items.forEach((item: unknown, i) => {
        if (item !== null && typeof item === 'object' && !Array.isArray(item)) resources.push({ source: at(['items', i]), value: item as Record<string, unknown> });
        else errors.push(issueAt(at(['items', i]), [], 'expected a Calico resource (a mapping with apiVersion, kind, metadata, spec)'));
      });
      return;
    }
    resources.push({ source: at([]), value });
  });
}

function listDirectoryFromDisk(path: string): readonly string[] | undefined {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    return undefined; // reading it as a file reports the problem
  }
  return isDirectory ? readdirSync(path) : undefined;
}
