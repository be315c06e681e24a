/**
 * The route table's index: one `Dest` per prefix, found by prefix in O(1) and iterated in
 * insertion order (as a `Map` would be, which `show` and the tests rely on).
 *
 * IPv4 prefixes — a reflector's million — are keyed by their numbers in an open-addressing hash
 * table in one typed array (address, entry index and length; linear probing):
 * no string is hashed or kept per prefix, and the index costs about 20 bytes per prefix where a
 * `Map<string, Dest>` cost a string and a hash-table entry. IPv6 prefixes are keyed by text in a
 * `Map`. Entries are never removed one by one: `rebuilt` makes a new table with the live ones
 * (the Loc-RIB does that once most of the table is unused), leaving iterators of the old one
 * valid.
 *
 * The hash keeps neighbours together: a prefix's slot is its network number (the address's top
 * `length` bits) folded to the table size, so a table that arrives in order — as BGP speakers
 * send theirs — fills consecutive slots, one cache line serving several lookups, with no
 * collisions. Keys chosen to collide (a long probe on insert) switch the table, for good, to a
 * multiplicative hash with a random seed, so a peer cannot make lookups slow.
 */
import type { Dest } from './dest.js';
import { Segments } from './segments.js';

const MIN_CAPACITY = 1024;
/** A slot's second word: entry index + 1 above, prefix length (0–32) in the low bits. */
const LENGTH_BITS = 6;
const LENGTH_MASK = (1 << LENGTH_BITS) - 1;
/** Entry indexes must fit the second word beside the length. */
const MAX_ENTRIES = 2 ** (31 - LENGTH_BITS) - 2;
/** Fibonacci hashing's multiplier, 2^32 / φ. */
const GOLDEN = 0x9e3779b9 | 0;
/** Spreads the prefix length across the slots, so 10.0.0.0/8 and 10.0.0.0/16 do not meet. */
const LENGTH_SPREAD = 0x2545f491;
/** An insert probing further than this many slots switches the table to the seeded hash. */
const MAX_PROBE = 48;

export class DestTable {
  /** Every entry, in insertion order (in segments: a million entries are never copied to grow). */
  readonly #list = new Segments<Dest>();
  /**
   * IPv4 index, two words per slot so that a probe reads one cache line: the address, then
   * (entry index + 1) × 64 + prefix length (0: the slot is empty).
   */
  #slots: Int32Array;
  /** log2(slot count). */
  #bits: number;
  /** 0 for the ordered hash; the seed of the multiplicative one once keys collided. */
  #seed = 0;
  #v4 = 0;
  readonly #v6 = new Map<string, Dest>();

  constructor(capacity = MIN_CAPACITY) {
    let bits = 10;
    while (1 << bits < capacity) bits++;
    this.#slots = new Int32Array(2 << bits);
    this.#bits = bits;
  }

  /** Entries, live or not. */
  get size(): number {
    return this.#list.end;
  }

  /** Whether colliding keys switched the IPv4 index to the seeded hash. */
  get seeded(): boolean {
    return this.#seed !== 0;
  }

  /** Every entry in insertion order; entries added while iterating are visited. */
  values(): IterableIterator<Dest> {
    return this.#list.values();
  }

  /** The entry for an IPv4 prefix (address as a signed 32-bit integer, host bits clear). */
  get4(address: number, length: number): Dest | undefined {
    const slots = this.#slots;
    const mask = slots.length - 1;
    for (let i = this.#slotOf(address, length); ; i = (i + 2) & mask) {
      const packed = slots[i + 1]!;
      if (packed === 0) return undefined;
      if (slots[i] === address && (packed & LENGTH_MASK) === length) return this.#list.at((packed >>> LENGTH_BITS) - 1);
    }
  }

  /** The table's entry with the same prefix as `key` (any `Dest`, attached or not). */
  find(key: Dest): Dest | undefined {
    const text = key.text;
    return text !== undefined ? this.#v6.get(text) : this.get4(key.address4!, key.prefixLength);
  }

  /** Adds `dest`, which must not be in the table yet, and marks it attached. */
  add(dest: Dest): void {
    if (this.#list.end >= MAX_ENTRIES) throw new RangeError(`route table full (${MAX_ENTRIES} prefixes)`);
    this.#list.push(dest);
    dest.attached = true;
    const text = dest.text;
    if (text !== undefined) {
      this.#v6.set(text, dest);
      return;
    }
    // At most five eighths full: linear probing stays short.
    if ((this.#v4 + 1) * 16 > this.#slots.length * 5) this.#grow();
    this.#v4++;
    this.#place(dest.address4!, this.#list.end * (LENGTH_MASK + 1) + dest.prefixLength);
  }

  /** A new table with the entries `keep` selects, in the same order; the others are detached. */
  rebuilt(keep: (dest: Dest) => boolean): DestTable {
    const kept: Dest[] = [];
    for (const dest of this.#list.values()) {
      if (keep(dest)) kept.push(dest);
      else dest.attached = false;
    }
    // Sized for what is kept: no growth while refilling.
    const out = new DestTable((kept.length * 8) / 5 + 1);
    out.#seed = this.#seed;
    for (const dest of kept) out.add(dest);
    return out;
  }

  /** The first word of the slot the hash picks. */
  #slotOf(address: number, length: number): number {
    return slotOf(address, length, this.#bits, this.#seed);
  }

  #place(address: number, packed: number): void {
    const slots = this.#slots;
    const mask = slots.length - 1;
    let i = this.#slotOf(address, packed & LENGTH_MASK);
    let probes = 0;
    while (slots[i + 1] !== 0) {
      i = (i + 2) & mask;
      probes++;
    }
    slots[i] = address;
    slots[i + 1] = packed;
    if (probes > MAX_PROBE && this.#seed === 0) {
      this.#seed = (Math.random() * 0x7fffffff) | 1;
      this.#rehash(this.#slots.length);
    }
  }

  #grow(): void {
    this.#bits++;
    this.#rehash(this.#slots.length * 2);
  }

  /**
   * Places every key again in a new array of `words` words (the hash or the size changed). The
   * loop inlines `#place` (this runs over every key at each doubling, about as
   * often in all as the inserts themselves) and counts no probes: only an insert decides to seed.
   */
  #rehash(words: number): void {
    const old = this.#slots;
    const slots = new Int32Array(words);
    this.#slots = slots;
    const mask = words - 1;
    const bits = this.#bits;
    const seed = this.#seed;
    for (let k = 0; k < old.length; k += 2) {
      const packed = old[k + 1]!;
      if (packed === 0) continue;
      const address = old[k]!;
      let i = slotOf(address, packed & LENGTH_MASK, bits, seed);
      while (slots[i + 1] !== 0) i = (i + 2) & mask;
      slots[i] = address;
      slots[i + 1] = packed;
    }
  }
}

/**
 * The first word of the slot for a prefix in a table of 2^`bits` slots: the order-keeping hash
 * (the network number folded to the table size), or once `seed` is set the multiplicative one.
 */
function slotOf(address: number, length: number, bits: number, seed: number): number {
  if (seed !== 0) return (Math.imul(address ^ Math.imul(length + 1, seed), GOLDEN) >>> (32 - bits)) << 1;
  const network = length === 0 ? 0 : address >>> (32 - length);
  return ((network ^ (network >>> bits) ^ Math.imul(length, LENGTH_SPREAD)) & ((1 << bits) - 1)) << 1;
}
