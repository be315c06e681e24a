/**
 * Extra benchmark modules (bench/kernel.ts, bench/codec.ts): present ones are found, absent ones
 * skipped, and what their run() returns becomes table rows or is refused.
 */
import { describe, expect, it } from 'vitest';
import { extraScenarios, toRows } from '../../bench/extras.js';

describe('extraScenarios', () => {
  it('lists only the modules that exist, under the ids --only uses', () => {
    const found = extraScenarios('/b', (file) => file === '/b/codec.ts');
    expect(found.map((e) => [e.id, e.file])).toEqual([['codec', 'codec.ts']]);
    expect(extraScenarios('/b', () => true).map((e) => e.id)).toEqual(['K1', 'codec']);
  });
});

describe('toRows', () => {
  it('takes rows shaped like the report\u2019s, one or many, with status ok implied by a time', () => {
    expect(toRows([{ scenario: 'K1', implementation: 'bird2', timeMs: 500, anchor: true, extra: 1 }])).toEqual([
      { scenario: 'K1', implementation: 'bird2', status: 'ok', timeMs: 500, anchor: true },
    ]);
    expect(toRows({ scenario: 'K1', implementation: 'petrel', status: 'unavailable', detail: 'no FIB yet' })).toEqual([
      { scenario: 'K1', implementation: 'petrel', status: 'unavailable', detail: 'no FIB yet' },
    ]);
  });

  it('turns the codec result into decode and encode rows for petrel, with no anchor', () => {
    const rows = toRows({ scenario: 'codec', prefixes: 1_000_000, messages: 988, bytes: 4e6, decodeMs: 640, encodeMs: 270, decodePrefixesPerSec: 1.5e6, encodePrefixesPerSec: 3.7e6 });
    expect(rows).toEqual([
      { scenario: 'codec decode', implementation: 'petrel', status: 'ok', timeMs: 640, anchor: false, detail: '1,000,000 prefixes, 1,500,000 prefixes/s' },
      { scenario: 'codec encode', implementation: 'petrel', status: 'ok', timeMs: 270, anchor: false, detail: '1,000,000 prefixes, 3,700,000 prefixes/s' },
    ]);
  });

  it('refuses anything else', () => {
    expect(toRows(42)).toBeUndefined();
    expect(toRows([{ scenario: 'K1', implementation: 'x' }])).toBeUndefined();
    expect(toRows([{ scenario: 'K1', implementation: 'x', status: 'fine' }])).toBeUndefined();
    expect(toRows({ prefixes: 3 })).toBeUndefined();
  });
});
