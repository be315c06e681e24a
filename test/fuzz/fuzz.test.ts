import { describe, expect, it } from 'vitest';
import { builtinCorpus } from './corpus.js';
import { loadCorpus, runFuzz } from './engine.js';

describe('codec fuzzing (the short in-suite run; `npm run fuzz` does 1,000,000)', () => {
  it('turns 30,000 mutated real and built messages into messages or BgpErrors, nothing else', () => {
    const corpus = [...loadCorpus(), ...builtinCorpus()];
    const r = runFuzz(corpus, 30_000, 20261126);
    expect(r.crashers, r.crashers.map((c) => `${c.input}\n${c.error}`).join('\n\n')).toEqual([]);
    // The mutations must reach past the header: both outcomes occur, and body errors (code 2 or 3) too.
    expect(r.decoded).toBeGreaterThan(1000);
    expect(r.rejected).toBeGreaterThan(1000);
    expect([...r.byCode.keys()].some((k) => k.startsWith('3/'))).toBe(true);
    expect([...r.byCode.keys()].some((k) => k.startsWith('2/'))).toBe(true);
  });
});
