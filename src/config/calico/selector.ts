/**
 * Calico's label-selector language, as BGPPeer `nodeSelector`/`peerSelector` and IPPool
 * `nodeSelector` use it (libcalico-go `lib/selector`: tokenizer, recursive-descent parser, AST):
 *
 *   or   := and ('||' and)*
 *   and  := op ('&&' op)*
 *   op   := '!'* ( 'all()' | 'global()' | 'has(' key ')' | '(' or ')'
 *               | key ('==' | '!=') str | key ('in' | 'not in') '{' str (',' str)* '}'
 *               | key ('contains' | 'starts with' | 'ends with') str )
 *
 * Strings are single- or double-quoted with no escapes; keys are `[A-Za-z0-9_./-]+`. Semantics
 * follow Calico's evaluator exactly where it is easy to get wrong: `k != 'v'` and `k not in {…}`
 * are true when the label is absent; `==`, `in`, `contains` and friends need it present; an
 * empty selector selects everything; `global()` matches every (cluster-scoped) Node.
 */

export type Labels = Readonly<Record<string, string>>;

type SelectorNode =
  | { readonly op: 'all' }
  | { readonly op: 'has'; readonly key: string }
  | { readonly op: 'eq' | 'ne' | 'contains' | 'startsWith' | 'endsWith'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notIn'; readonly key: string; readonly values: ReadonlySet<string> }
  | { readonly op: 'not'; readonly operand: SelectorNode }
  | { readonly op: 'and' | 'or'; readonly operands: readonly SelectorNode[] };

export interface Selector {
  readonly source: string;
  matches(labels: Labels): boolean;
}

export type SelectorResult = { readonly ok: true; readonly selector: Selector } | { readonly ok: false; readonly message: string };

type Token =
  | { readonly kind: 'label' | 'string' | 'has'; readonly value: string }
  | { readonly kind: '(' | ')' | '{' | '}' | ',' | '==' | '!=' | '!' | '&&' | '||' | 'in' | 'notIn' | 'contains' | 'startsWith' | 'endsWith' | 'all' | 'global' | 'eof' };

const LABEL_KEY = /^[A-Za-z0-9_./-]+/;

class SelectorSyntaxError extends Error {}

/** Parses a selector; the message of a failure says what was expected where. */
export function parseSelector(text: string): SelectorResult {
  try {
    const tokens = tokenize(text);
    const parser = new Parser(tokens);
    const root: SelectorNode = tokens[0]?.kind === 'eof' ? { op: 'all' } : parser.parseRoot();
    return { ok: true, selector: { source: text, matches: (labels) => evaluate(root, labels) } };
  } catch (err) {
    if (err instanceof SelectorSyntaxError) return { ok: false, message: `selector "${text}": ${err.message}` };
    throw err;
  }
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let rest = input;
  const skipSpace = (): void => {
    rest = rest.replace(/^[ \t]+/, '');
  };
  while (true) {
    skipSpace();
    if (rest === '') {
      tokens.push({ kind: 'eof' });
      return tokens;
    }
    const previous = tokens[tokens.length - 1];
    const two = rest.slice(0, 2);
    if (two === '==' || two === '!=' || two === '&&' || two === '||') {
      tokens.push({ kind: two });
      rest = rest.slice(2);
      continue;
    }
    const c = rest[0]!;
    if (c === '(' || c === ')' || c === '{' || c === '}' || c === ',' || c === '!') {
      tokens.push({ kind: c });
      rest = rest.slice(1);
      continue;
    }
    if (c === '=' || c === '&' || c === '|') throw new SelectorSyntaxError(`expected ${c}${c}`);
    if (c === '"' || c === "'") {
      const end = rest.indexOf(c, 1);
      if (end < 0) throw new SelectorSyntaxError('unterminated string');
      tokens.push({ kind: 'string', value: rest.slice(1, end) });
      rest = rest.slice(end + 1);
      continue;
    }
    // After a label only an operator word may follow (Calico's tokenizer does the same), so a
    // label named `in` or `contains` still works as a key.
    if (previous?.kind === 'label') {
      const word = operatorWord(rest);
      if (!word) throw new SelectorSyntaxError(`expected an operator after label "${previous.value}"`);
      tokens.push({ kind: word.kind });
      rest = word.rest;
      continue;
    }
    const call = /^(has|all|global)\([ \t]*/.exec(rest);
    if (call) {
      rest = rest.slice(call[0].length);
      if (call[1] === 'has') {
        const key = LABEL_KEY.exec(rest);
        if (!key) throw new SelectorSyntaxError('no label name in has(');
        rest = rest.slice(key[0].length);
        skipSpace();
        if (!rest.startsWith(')')) throw new SelectorSyntaxError(`no closing ')' after has(${key[0]}`);
        tokens.push({ kind: 'has', value: key[0] });
      } else {
        if (!rest.startsWith(')')) throw new SelectorSyntaxError(`no closing ')' after ${call[1]}(`);
        tokens.push({ kind: call[1] === 'all' ? 'all' : 'global' });
      }
      rest = rest.slice(1);
      continue;
    }
    const key = LABEL_KEY.exec(rest);
    if (!key) throw new SelectorSyntaxError(`unexpected characters at "${rest}"`);
    tokens.push({ kind: 'label', value: key[0] });
    rest = rest.slice(key[0].length);
  }
}

function operatorWord(text: string): { kind: 'in' | 'notIn' | 'contains' | 'startsWith' | 'endsWith'; rest: string } | undefined {
  const m = /^(contains|in|not[ \t]*in|starts[ \t]*with|ends[ \t]*with)/.exec(text);
  if (!m) return undefined;
  const word = m[1]!.replace(/[ \t]+/g, '');
  const kind = word === 'notin' ? 'notIn' : word === 'startswith' ? 'startsWith' : word === 'endswith' ? 'endsWith' : (word as 'in' | 'contains');
  return { kind, rest: text.slice(m[0].length) };
}

class Parser {
  #at = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  parseRoot(): SelectorNode {
    const node = this.parseOr();
    if (this.peek().kind !== 'eof') throw new SelectorSyntaxError(`unexpected ${describe(this.peek())} after a complete expression`);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.#at] ?? { kind: 'eof' };
  }

  private next(): Token {
    const token = this.peek();
    if (this.#at < this.tokens.length) this.#at++;
    return token;
  }

  /** `||` binds loosest, as in Calico. */
  private parseOr(): SelectorNode {
    const operands = [this.parseAnd()];
    while (this.peek().kind === '||') {
      this.next();
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? operands[0]! : { op: 'or', operands };
  }

  private parseAnd(): SelectorNode {
    const operands = [this.parseOperation()];
    while (this.peek().kind === '&&') {
      this.next();
      operands.push(this.parseOperation());
    }
    return operands.length === 1 ? operands[0]! : { op: 'and', operands };
  }

  private parseOperation(): SelectorNode {
    let negated = false;
    while (this.peek().kind === '!') {
      this.next();
      negated = !negated;
    }
    const node = this.parseTerm();
    return negated ? { op: 'not', operand: node } : node;
  }

  private parseTerm(): SelectorNode {
    const token = this.next();
    switch (token.kind) {
      case 'all':
      case 'global':
        return { op: 'all' };
      case 'has':
        return { op: 'has', key: token.value };
      case '(': {
        const inner = this.parseOr();
        if (this.next().kind !== ')') throw new SelectorSyntaxError('expected )');
        return inner;
      }
      case 'label':
        return this.parseComparison(token.value);
      default:
        throw new SelectorSyntaxError(`unexpected ${describe(token)}`);
    }
  }

  private parseComparison(key: string): SelectorNode {
    const operator = this.next();
    switch (operator.kind) {
      case '==':
        return { op: 'eq', key, value: this.expectString() };
      case '!=':
        return { op: 'ne', key, value: this.expectString() };
      case 'contains':
      case 'startsWith':
      case 'endsWith':
        return { op: operator.kind, key, value: this.expectString() };
      case 'in':
      case 'notIn':
        return { op: operator.kind, key, values: this.expectSet() };
      default:
        throw new SelectorSyntaxError(`expected ==, !=, in, not in, contains, starts with or ends with after "${key}"`);
    }
  }

  private expectString(): string {
    const token = this.next();
    if (token.kind !== 'string') throw new SelectorSyntaxError(`expected a quoted string, got ${describe(token)}`);
    return token.value;
  }

  private expectSet(): Set<string> {
    if (this.next().kind !== '{') throw new SelectorSyntaxError('expected a set literal {…}');
    const values = new Set<string>();
    while (this.peek().kind === 'string') {
      values.add(this.expectString());
      if (this.peek().kind !== ',') break;
      this.next();
    }
    if (this.next().kind !== '}') throw new SelectorSyntaxError('expected }');
    return values;
  }
}

function describe(token: Token): string {
  if (token.kind === 'eof') return 'end of selector';
  if (token.kind === 'label' || token.kind === 'string' || token.kind === 'has') return `"${token.value}"`;
  return `"${token.kind}"`;
}

function evaluate(node: SelectorNode, labels: Labels): boolean {
  const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(labels, key);
  switch (node.op) {
    case 'all':
      return true;
    case 'has':
      return has(node.key);
    case 'eq':
      return has(node.key) && labels[node.key] === node.value;
    case 'ne':
      return !has(node.key) || labels[node.key] !== node.value;
    case 'contains':
      return has(node.key) && labels[node.key]!.includes(node.value);
    case 'startsWith':
      return has(node.key) && labels[node.key]!.startsWith(node.value);
    case 'endsWith':
      return has(node.key) && labels[node.key]!.endsWith(node.value);
    case 'in':
      return has(node.key) && node.values.has(labels[node.key]!);
    case 'notIn':
      return !has(node.key) || !node.values.has(labels[node.key]!);
    case 'not':
      return !evaluate(node.operand, labels);
    case 'and':
      return node.operands.every((operand) => evaluate(operand, labels));
    case 'or':
      return node.operands.some((operand) => evaluate(operand, labels));
  }
}
