/**
 * Adj-RIB-Out (RFC 4271 §3.2): what has been advertised, per update group (every member of a
 * group was sent the same thing, save split horizon). For each prefix it keeps the exported
 * attribute set — retained, so interning stays exact and "unchanged" is an identity test — and
 * the path's source, which decides split horizon (never back to the session it came from,
 * RFC 4456 §8 / BIRD `bgp_preexport`) and how many of these prefixes a member actually holds.
 *
 * One small mutable record per prefix, reused when the prefix changes, so churn allocates
 * nothing here.
 */
import type { AttrSet } from './attr-set.js';
import type { PeerInfo } from './path.js';

export class OutRoute {
  attrs: AttrSet;
  source: PeerInfo;

  constructor(attrs: AttrSet, source: PeerInfo) {
    this.attrs = attrs;
    this.source = source;
  }
}

export class AdjRibOut {
  readonly #routes = new Map<string, OutRoute>();
  /** Prefixes per source, so a member's advertised count skips what split horizon held back. */
  readonly #bySource = new Map<PeerInfo, number>();

  get size(): number {
    return this.#routes.size;
  }

  get(prefix: string): OutRoute | undefined {
    return this.#routes.get(prefix);
  }

  /** Records that `prefix` was advertised with `attrs` (learned from `source`). */
  set(prefix: string, attrs: AttrSet, source: PeerInfo): void {
    const route = this.#routes.get(prefix);
    attrs.retain();
    if (route === undefined) {
      this.#routes.set(prefix, new OutRoute(attrs, source));
    } else {
      route.attrs.release();
      route.attrs = attrs;
      if (route.source === source) return;
      this.#count(route.source, -1);
      route.source = source;
    }
    this.#count(source, 1);
  }

  /** Records a withdrawal; returns whether the prefix had been advertised. */
  delete(prefix: string): boolean {
    const route = this.#routes.get(prefix);
    if (route === undefined) return false;
    this.#routes.delete(prefix);
    route.attrs.release();
    this.#count(route.source, -1);
    return true;
  }

  /** Number of prefixes whose path came from `source`. */
  countFrom(source: PeerInfo): number {
    return this.#bySource.get(source) ?? 0;
  }

  /** Number of prefixes whose path came from a source with this address (split horizon). */
  countFromAddress(address: string): number {
    let n = 0;
    for (const [source, count] of this.#bySource) if (source.address === address) n += count;
    return n;
  }

  entries(): IterableIterator<[string, OutRoute]> {
    return this.#routes.entries();
  }

  /** Forgets everything (the group is gone), releasing every attribute set. */
  clear(): void {
    for (const route of this.#routes.values()) route.attrs.release();
    this.#routes.clear();
    this.#bySource.clear();
  }

  #count(source: PeerInfo, delta: number): void {
    const n = (this.#bySource.get(source) ?? 0) + delta;
    if (n === 0) this.#bySource.delete(source);
    else this.#bySource.set(source, n);
  }
}
