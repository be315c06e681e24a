/**
 * `npm run fuzz [-- --iterations N --seed S]`: mutation-fuzzes the BGP codec with the real
 * captures under test/fixtures/wire plus the built-in corpus (test/fuzz/corpus.ts). Prints the
 * seed, the outcome counts and every crasher (an exception other than BgpError); exits 1 if any.
 */
import { builtinCorpus } from '../test/fuzz/corpus.js';
import { loadCorpus, runFuzz } from '../test/fuzz/engine.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer`);
  return v;
}

const iterations = arg('iterations', 1_000_000);
const seed = arg('seed', 1);
const corpus = [...loadCorpus(), ...builtinCorpus()];
console.log(`fuzz: ${iterations} messages, seed ${seed}, corpus of ${corpus.length}`);
const t0 = process.hrtime.bigint();
const r = runFuzz(corpus, iterations, seed);
const sec = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`fuzz: ${r.decoded} decoded, ${r.rejected} rejected with BgpError, ${r.crashers.length} crashers in ${sec.toFixed(1)} s`);
const codes = [...r.byCode.entries()].sort((a, b) => b[1] - a[1]);
console.log(`fuzz: rejections by code/subcode: ${codes.map(([k, n]) => `${k}=${n}`).join(' ')}`);
for (const c of r.crashers) console.log(`CRASHER ctx=${JSON.stringify(c.ctx)} input=${c.input}\n${c.error}`);
process.exitCode = r.crashers.length > 0 ? 1 : 0;
