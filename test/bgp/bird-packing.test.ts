import { describe, expect, it } from 'vitest';
import { BgpFramer, decodeMessage, encodeMessage } from '../../src/bgp/index.js';
import { buildBirdStream } from '../../bench/codec.js';

describe('a BIRD-packed table (the codec benchmark input, built by hand)', () => {
  it('frames, decodes every /24 and re-encodes the stream byte for byte', () => {
    const { stream, messages } = buildBirdStream(25_000);
    const framer = new BgpFramer();
    const out: Buffer[] = [];
    let prefixes = 0;
    for (let off = 0; off < stream.length; off += 1500) {
      for (const frame of framer.push(stream.subarray(off, off + 1500))) {
        const m = decodeMessage(frame);
        if (m.type !== 'update') throw new Error(`unexpected ${m.type}`);
        expect(m.problem).toBeUndefined();
        prefixes += m.nlri.length;
        out.push(encodeMessage(m));
      }
    }
    expect(out).toHaveLength(messages);
    expect(prefixes).toBe(25_000);
    expect(Buffer.concat(out).equals(stream)).toBe(true);
  });
});
