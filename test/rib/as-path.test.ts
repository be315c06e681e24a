import { describe, expect, it } from 'vitest';
import { asPathLength, countAs, neighborAs, prependAs } from '../../src/rib/as-path.js';
import { PrefixSet } from '../../src/rib/prefix-set.js';

describe('AS_PATH arithmetic', () => {
  it('counts an AS_SET as 1 and confederation segments as 0 (RFC 4271 §9.1.2.2 a, RFC 5065 §5.3)', () => {
    expect(asPathLength([{ type: 'confed-sequence', asns: [1, 2] }, { type: 'sequence', asns: [3, 4] }, { type: 'set', asns: [5, 6, 7] }])).toBe(3);
  });

  it('finds the neighbouring AS past confederation segments; empty or AS_SET first means our own AS', () => {
    expect(neighborAs([{ type: 'confed-sequence', asns: [1] }, { type: 'sequence', asns: [3, 4] }])).toBe(3);
    expect(neighborAs([])).toBe(0);
    expect(neighborAs([{ type: 'set', asns: [5] }])).toBe(0);
  });

  it('prepends into the leading sequence, opens a new one before a set, and splits at 255 ASes (RFC 4271 §5.1.2)', () => {
    expect(prependAs([{ type: 'sequence', asns: [2] }], 1)).toEqual([{ type: 'sequence', asns: [1, 2] }]);
    expect(prependAs([{ type: 'set', asns: [2, 3] }], 1)).toEqual([{ type: 'sequence', asns: [1] }, { type: 'set', asns: [2, 3] }]);
    expect(prependAs([{ type: 'confed-sequence', asns: [9] }, { type: 'sequence', asns: [2] }], 1)).toEqual([{ type: 'sequence', asns: [1, 2] }]);
    const full = prependAs([{ type: 'sequence', asns: new Array<number>(255).fill(7) }], 1);
    expect(full.map((s) => s.asns.length)).toEqual([255, 1]);
    expect(full[0]!.asns[0]).toBe(1);
    expect(countAs(full, 7)).toBe(255);
  });
});

describe('PrefixSet (BIRD net ~ cidr)', () => {
  const set = new PrefixSet(['10.244.0.0/16', '0.0.0.0/0', 'fd00::/8']);
  it('matches prefixes inside or equal to a CIDR, by family', () => {
    expect(set.indexOf('10.244.3.0/26')).toBe(0);
    expect(set.indexOf('10.245.3.0/26')).toBe(1);
    expect(set.exactIndexOf('10.244.3.0/26')).toBe(-1);
    expect(set.exactIndexOf('10.244.0.0/16')).toBe(0);
    expect(set.indexOf('fd12::/64')).toBe(2);
    expect(set.indexOf('fe80::/64')).toBe(-1);
    expect(new PrefixSet(['10.244.0.0/16']).indexOf('10.0.0.0/8')).toBe(-1);
  });
});
