/**
 * The subset of BIRD's CLI grammar (nest/config.Y `CF_CLI`) petrel answers on its BIRD socket:
 *
 *   show status
 *   show protocols [all] [NAME | "PATTERN"]
 *   show route [all] [for ADDRESS|PREFIX] [PREFIX] [protocol NAME]
 *   quit
 *
 * Keywords are case-insensitive, names are not (BIRD symbols). BIRD's other commands change
 * state (configure, enable, disable, restart, reload …) and are refused the way BIRD's
 * restricted CLI refuses them; anything else is a syntax error.
 */
import { canonicalAddress, canonicalPrefix } from '../../bgp/address.js';

export type BirdCommand =
  | { readonly kind: 'empty' }
  | { readonly kind: 'quit' }
  | { readonly kind: 'show-status' }
  | { readonly kind: 'show-protocols'; readonly all: boolean; readonly name?: string; readonly pattern?: string }
  | {
      readonly kind: 'show-route';
      readonly all: boolean;
      /** Longest match for this address or prefix (`for`). */
      readonly for?: string;
      /** Exactly this prefix. */
      readonly prefix?: string;
      readonly protocol?: string;
    }
  | { readonly kind: 'refused'; readonly command: string }
  | { readonly kind: 'syntax-error' };

/** BIRD's commands that change state: petrel's BIRD socket is read-only. */
const STATE_CHANGING = new Set(['configure', 'enable', 'disable', 'restart', 'reload', 'down', 'debug', 'dump', 'mrtdump', 'restrict', 'graceful', 'eval', 'echo']);

interface Token {
  readonly text: string;
  readonly quoted: boolean;
}

/** Splits on white space; `"…"` is one token (BIRD's quoted patterns). Undefined when a quote is left open. */
function tokenize(input: string): Token[] | undefined {
  const tokens: Token[] = [];
  const re = /\s*(?:"([^"]*)"|([^\s"]+))/y;
  let end = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(input)) !== null) {
    end = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ text: m[1], quoted: true });
    else if (m[2] !== undefined) tokens.push({ text: m[2], quoted: false });
  }
  // What no token took is white space, or an unclosed quote.
  return input.slice(end).trim() === '' ? tokens : undefined;
}

function isKeyword(t: Token | undefined, word: string): boolean {
  return t !== undefined && !t.quoted && t.text.toLowerCase() === word;
}

/** BIRD symbols: a letter or underscore, then letters, digits and underscores. */
function isSymbol(t: Token | undefined): t is Token {
  return t !== undefined && !t.quoted && /^[A-Za-z_][A-Za-z0-9_]*$/.test(t.text);
}

function addressOrPrefix(text: string): string | undefined {
  return text.includes('/') ? canonicalPrefix(text) : canonicalAddress(text);
}

function showProtocols(args: readonly Token[]): BirdCommand {
  let i = 0;
  const all = isKeyword(args[0], 'all');
  if (all) i++;
  const target = args[i];
  if (target === undefined) return { kind: 'show-protocols', all };
  if (i + 1 !== args.length) return { kind: 'syntax-error' };
  if (target.quoted) return { kind: 'show-protocols', all, pattern: target.text };
  return isSymbol(target) ? { kind: 'show-protocols', all, name: target.text } : { kind: 'syntax-error' };
}

function showRoute(args: readonly Token[]): BirdCommand {
  let all = false;
  let forTarget: string | undefined;
  let prefix: string | undefined;
  let protocol: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const t = args[i]!;
    if (isKeyword(t, 'all') && !all) {
      all = true;
    } else if (isKeyword(t, 'for') && forTarget === undefined && prefix === undefined) {
      const value = args[++i];
      forTarget = value && !value.quoted ? addressOrPrefix(value.text) : undefined;
      if (forTarget === undefined) return { kind: 'syntax-error' };
    } else if (isKeyword(t, 'protocol') && protocol === undefined) {
      const value = args[++i];
      if (!isSymbol(value)) return { kind: 'syntax-error' };
      protocol = value.text;
    } else if (!t.quoted && t.text.includes('/') && forTarget === undefined && prefix === undefined) {
      prefix = canonicalPrefix(t.text);
      if (prefix === undefined) return { kind: 'syntax-error' };
    } else {
      return { kind: 'syntax-error' };
    }
  }
  return {
    kind: 'show-route',
    all,
    ...(forTarget === undefined ? {} : { for: forTarget }),
    ...(prefix === undefined ? {} : { prefix }),
    ...(protocol === undefined ? {} : { protocol }),
  };
}

/** Parses one command line (without its newline). */
export function parseBirdCommand(input: string): BirdCommand {
  const tokens = tokenize(input);
  if (tokens === undefined) return { kind: 'syntax-error' };
  const [first, second, ...rest] = tokens;
  if (first === undefined) return { kind: 'empty' };
  if (isKeyword(first, 'quit') && second === undefined) return { kind: 'quit' };
  if (!first.quoted && STATE_CHANGING.has(first.text.toLowerCase())) return { kind: 'refused', command: first.text.toLowerCase() };
  if (!isKeyword(first, 'show')) return { kind: 'syntax-error' };
  if (isKeyword(second, 'status') && rest.length === 0) return { kind: 'show-status' };
  if (isKeyword(second, 'protocols')) return showProtocols(rest);
  if (isKeyword(second, 'route')) return showRoute(rest);
  return { kind: 'syntax-error' };
}
