/**
 * Codec benchmark (issue: BGP-4 wire codecs): a 1,000,000-prefix IPv4 table packed as BIRD packs
 * it — one attribute set, as many /24s per UPDATE as fit 4096 octets — is framed and decoded,
 * then re-encoded, and the re-encoded stream is checked byte for byte against the input. The
 * input stream is built here by hand (not by petrel's encoder), so the check is independent.
 * Prints prefixes/s and MB/s for each direction, best of several runs after a warm-up. Run three
 * times: IPv4 NLRI decoded to text (the library's default, `codec`), to `Ipv4Nlri` numbers
 * (`codec numeric`), and packed into typed arrays (what the daemon's sessions deliver to the
 * route table, `codec packed`).
 *
 *   npx tsx bench/codec.ts [--prefixes N] [--runs N]
 */
import { fileURLToPath } from 'node:url';
import { BgpFramer, decodeMessage, encodeMessage, type BgpMessage } from '../src/bgp/index.js';

export interface CodecBenchRow {
  readonly scenario: string;
  readonly prefixes: number;
  readonly messages: number;
  readonly bytes: number;
  readonly decodeMs: number;
  readonly encodeMs: number;
  readonly decodePrefixesPerSec: number;
  readonly encodePrefixesPerSec: number;
  readonly decodeMBps: number;
  readonly encodeMBps: number;
}

/** BIRD-style packing: header, no withdrawals, ORIGIN/AS_PATH/NEXT_HOP/LOCAL_PREF, then /24s. */
export function buildBirdStream(prefixes: number): { stream: Buffer; messages: number } {
  const attrs = Buffer.from([
    0x40, 1, 1, 0, // ORIGIN IGP
    0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9, // AS_PATH: AS_SEQUENCE [65001], 4-octet
    0x40, 3, 4, 10, 0, 0, 1, // NEXT_HOP 10.0.0.1
    0x40, 5, 4, 0, 0, 0, 100, // LOCAL_PREF 100
  ]);
  const fixed = 19 + 2 + 2 + attrs.length;
  const perMessage = Math.floor((4096 - fixed) / 4); // a /24 takes 1 length octet + 3 address octets
  const chunks: Buffer[] = [];
  let messages = 0;
  for (let done = 0; done < prefixes; ) {
    const n = Math.min(perMessage, prefixes - done);
    const len = fixed + n * 4;
    const m = Buffer.alloc(len, 0xff);
    m.writeUInt16BE(len, 16);
    m[18] = 2;
    m.writeUInt16BE(0, 19);
    m.writeUInt16BE(attrs.length, 21);
    attrs.copy(m, 23);
    let o = fixed;
    for (let i = 0; i < n; i++) {
      const p = done + i; // 1.0.0.0/24 upward: 1,000,000 /24s span 1.0.0.0 to 16.66.63.0
      m[o++] = 24;
      m[o++] = 1 + (p >>> 16);
      m[o++] = (p >>> 8) & 0xff;
      m[o++] = p & 0xff;
    }
    chunks.push(m);
    done += n;
    messages++;
  }
  return { stream: Buffer.concat(chunks), messages };
}

function countPrefixes(msgs: readonly BgpMessage[]): number {
  let n = 0;
  for (const m of msgs) if (m.type === 'update') n += m.nlri.length + (m.packed?.nlri.count ?? 0);
  return n;
}

/** Each decoding: text (the library default), `Ipv4Nlri` numbers, and packed numbers (the daemon's). */
export function run(opts: { prefixes?: number; runs?: number } = {}): CodecBenchRow[] {
  return [runOne(opts, 'text'), runOne(opts, 'numeric'), runOne(opts, 'packed')];
}

function runOne(opts: { prefixes?: number; runs?: number }, form: 'text' | 'numeric' | 'packed'): CodecBenchRow {
  const ctx = { numericIpv4: form !== 'text', packedIpv4: form === 'packed' };
  const prefixes = opts.prefixes ?? 1_000_000;
  const runs = opts.runs ?? 5;
  const { stream, messages } = buildBirdStream(prefixes);
  let bestDecode = Infinity;
  let bestEncode = Infinity;
  for (let r = 0; r <= runs; r++) {
    // Decode: frame 64 KiB socket-sized chunks, decode every message.
    let t0 = process.hrtime.bigint();
    const framer = new BgpFramer();
    const decoded: BgpMessage[] = [];
    for (let off = 0; off < stream.length; off += 65536) {
      for (const frame of framer.push(stream.subarray(off, off + 65536))) decoded.push(decodeMessage(frame, ctx));
    }
    const decodeMs = Number(process.hrtime.bigint() - t0) / 1e6;
    // Encode: every decoded message back to bytes.
    t0 = process.hrtime.bigint();
    const out: Buffer[] = new Array<Buffer>(decoded.length);
    for (let i = 0; i < decoded.length; i++) out[i] = encodeMessage(decoded[i]!);
    const encodeMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r === 0) {
      // Warm-up run doubles as the correctness check.
      if (countPrefixes(decoded) !== prefixes) throw new Error(`decoded ${countPrefixes(decoded)} prefixes, want ${prefixes}`);
      if (!Buffer.concat(out).equals(stream)) throw new Error('re-encoded stream differs from the input');
      continue;
    }
    bestDecode = Math.min(bestDecode, decodeMs);
    bestEncode = Math.min(bestEncode, encodeMs);
  }
  const mb = stream.length / 1e6;
  return {
    scenario: form === 'text' ? 'codec' : `codec ${form}`,
    prefixes,
    messages,
    bytes: stream.length,
    decodeMs: bestDecode,
    encodeMs: bestEncode,
    decodePrefixesPerSec: prefixes / (bestDecode / 1000),
    encodePrefixesPerSec: prefixes / (bestEncode / 1000),
    decodeMBps: mb / (bestDecode / 1000),
    encodeMBps: mb / (bestEncode / 1000),
  };
}

export function formatCodecRow(r: CodecBenchRow): string {
  const f = (n: number): string => Math.round(n).toLocaleString('en-US');
  return [
    `${r.scenario}: ${f(r.prefixes)} IPv4 prefixes in ${f(r.messages)} UPDATEs (${(r.bytes / 1e6).toFixed(1)} MB, BIRD-style packing), re-encoded byte-exact`,
    `  frame+decode: ${r.decodeMs.toFixed(0)} ms  ${f(r.decodePrefixesPerSec)} prefixes/s  ${r.decodeMBps.toFixed(0)} MB/s`,
    `  encode:       ${r.encodeMs.toFixed(0)} ms  ${f(r.encodePrefixesPerSec)} prefixes/s  ${r.encodeMBps.toFixed(0)} MB/s`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const num = (name: string): number | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const prefixes = num('prefixes');
  const runs = num('runs');
  for (const row of run({ ...(prefixes ? { prefixes } : {}), ...(runs ? { runs } : {}) })) console.log(formatCodecRow(row));
}
