/**
 * Mutation fuzzer for the BGP codec: takes well-formed messages (real captures and messages
 * built by the encoder), mutates them with a seeded PRNG, and feeds each one to
 * `decodeMessage` under several codec contexts. The only acceptable outcomes are a decoded
 * message or a thrown `BgpError`; anything else is a crasher. Decoded messages are re-encoded
 * too, so an encoder that chokes on something the decoder accepted is caught as well.
 * Used by `npm run fuzz` (1,000,000 messages) and, briefly, by the test suite.
 */
import { BgpError, decodeMessage, encodeMessage } from '../../src/bgp/index.js';
import type { CodecContext } from '../../src/bgp/types.js';
import { listWireFixtures, loadWireFixture } from '../peers/fixtures.js';

/** xorshift32: deterministic for a given seed, fast, good enough for mutation choices. */
export class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  below(n: number): number {
    return this.next() % n;
  }
}

const CONTEXTS: readonly CodecContext[] = [
  {},
  { fourOctetAs: false },
  { addPath: ['ipv4-unicast', 'ipv6-unicast'] },
  { extendedMessage: true },
  // The daemon's sessions: IPv4 prefixes as numbers, the UPDATE's own fields packed.
  { numericIpv4: true, packedIpv4: true },
  { numericIpv4: true, packedIpv4: true, addPath: ['ipv4-unicast'] },
];

const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x04, 0x0f, 0x10, 0x1f, 0x20, 0x40, 0x7f, 0x80, 0x81, 0xc0, 0xe0, 0xf0, 0xfe, 0xff];

/** Every captured wire fixture (test/fixtures/wire), as fuzz seeds. */
export function loadCorpus(): Uint8Array[] {
  return listWireFixtures().map(({ daemon, name }) => loadWireFixture(daemon, name).bytes);
}

function fixLength(m: Uint8Array): void {
  if (m.length >= 19 && m.length <= 0xffff) {
    m[16] = m.length >>> 8;
    m[17] = m.length & 0xff;
  }
}

/** One mutation of `seed`, possibly spliced with `other`. */
export function mutate(rng: Prng, seed: Uint8Array, other: Uint8Array): Uint8Array {
  let m = Uint8Array.from(seed);
  const rounds = 1 + rng.below(4);
  for (let i = 0; i < rounds; i++) {
    const pos = 19 + rng.below(Math.max(1, m.length - 19));
    switch (rng.below(8)) {
      case 0: // bit flip
        if (pos < m.length) m[pos]! ^= 1 << rng.below(8);
        break;
      case 1: // interesting byte
        if (pos < m.length) m[pos] = INTERESTING[rng.below(INTERESTING.length)]!;
        break;
      case 2: // random byte
        if (pos < m.length) m[pos] = rng.below(256);
        break;
      case 3: // truncate
        m = m.subarray(0, Math.max(19, pos));
        break;
      case 4: {
        // insert random bytes
        const n = 1 + rng.below(8);
        const ins = Uint8Array.from({ length: n }, () => rng.below(256));
        m = Uint8Array.from([...m.subarray(0, pos), ...ins, ...m.subarray(pos)]);
        break;
      }
      case 5: {
        // delete a run
        const n = 1 + rng.below(8);
        m = Uint8Array.from([...m.subarray(0, pos), ...m.subarray(Math.min(m.length, pos + n))]);
        break;
      }
      case 6: {
        // splice: our head, the other message's tail
        const at = 19 + rng.below(Math.max(1, other.length - 19));
        m = Uint8Array.from([...m.subarray(0, pos), ...other.subarray(at)]);
        break;
      }
      default: // off-by-one a length-looking byte
        if (pos < m.length) m[pos] = (m[pos]! + (rng.below(2) ? 1 : 255)) & 0xff;
    }
  }
  // Mostly keep the header consistent, so the body decoders see the damage.
  if (rng.below(8) !== 0) fixLength(m);
  return m;
}

export interface FuzzResult {
  readonly iterations: number;
  readonly decoded: number;
  readonly rejected: number;
  /** Outcome counts by NOTIFICATION code/subcode, e.g. `3/1`. */
  readonly byCode: ReadonlyMap<string, number>;
  readonly crashers: readonly { readonly input: string; readonly ctx: CodecContext; readonly error: string }[];
}

export function runFuzz(corpus: readonly Uint8Array[], iterations: number, seed: number): FuzzResult {
  if (corpus.length === 0) throw new Error('empty fuzz corpus');
  const rng = new Prng(seed);
  const byCode = new Map<string, number>();
  const crashers: { input: string; ctx: CodecContext; error: string }[] = [];
  let decoded = 0;
  let rejected = 0;
  for (let i = 0; i < iterations; i++) {
    const input = mutate(rng, corpus[rng.below(corpus.length)]!, corpus[rng.below(corpus.length)]!);
    const ctx = CONTEXTS[rng.below(CONTEXTS.length)]!;
    try {
      const msg = decodeMessage(input, ctx);
      decoded++;
      encodeMessage(msg, ctx);
    } catch (e) {
      if (e instanceof BgpError) {
        rejected++;
        const key = `${e.code}/${e.subcode}`;
        byCode.set(key, (byCode.get(key) ?? 0) + 1);
      } else if (crashers.length < 20) {
        crashers.push({ input: Buffer.from(input).toString('hex'), ctx, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      } else {
        crashers.push({ input: '', ctx, error: 'more crashers not recorded' });
      }
    }
  }
  return { iterations, decoded, rejected, byCode, crashers };
}
