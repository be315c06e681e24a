/**
 * Where a config key is in its YAML source: walks a key path (`['peers', 0, 'holdTimeSec']`)
 * through the parsed document and returns the 1-based line and column of the deepest node that
 * exists — the value itself, or the enclosing mapping when the key is missing — so every error
 * points at a line the user can open.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type KeyPath = readonly (string | number)[];

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/**
 * Position of the value at `path`, or with `onKey` of the key naming it (for "unknown key"
 * errors, where the key is the mistake).
 */
export function locate(doc: Document, lines: LineCounter, path: KeyPath, onKey = false): SourcePosition {
  let node: Node | null = doc.contents;
  let best = 0;
  for (let i = 0; i < path.length && node; i++) {
    node = resolveAlias(doc, node);
    best = node.range?.[0] ?? best;
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return position(lines, best);
      const keyNode = isScalar(pair.key) ? pair.key : null;
      if (last && onKey && keyNode?.range) return position(lines, keyNode.range[0]);
      // `key:` with nothing after it has a null value: point at the key.
      const value = pair.value as Node | null;
      if (!value || (isScalar(value) && value.value === null && value.source === '')) {
        return position(lines, keyNode?.range?.[0] ?? best);
      }
      node = value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) return position(lines, best);
      node = item;
    } else {
      return position(lines, best);
    }
  }
  if (node) best = resolveAlias(doc, node).range?.[0] ?? best;
  return position(lines, best);
}

function resolveAlias(doc: Document, node: Node): Node {
  if (!isAlias(node)) return node;
  return (node.resolve(doc) as Node | undefined) ?? node;
}

function position(lines: LineCounter, offset: number): SourcePosition {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/** `peers[0].holdTimeSec`: the path as printed in error messages. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}
