import { describe, expect, it } from 'vitest';
import { Dest } from '../../src/rib/dest.js';
import { DestTable } from '../../src/rib/dest-table.js';

/** a.b.c.0/24 for i = 0.. */
const v4 = (i: number): string => `${10 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24`;

describe('route table index (DestTable)', () => {
  it('finds IPv4 entries by their numbers and IPv6 entries by text, through growth, in insertion order', () => {
    const table = new DestTable();
    const added: Dest[] = [];
    for (let i = 0; i < 5000; i++) {
      const d = i % 10 === 9 ? Dest.of(`2001:db8:${i.toString(16)}::/48`) : Dest.of(v4(i));
      table.add(d);
      added.push(d);
    }
    expect(table.size).toBe(5000);
    expect([...table.values()]).toEqual(added);
    for (const d of added) {
      expect(d.attached).toBe(true);
      expect(table.find(Dest.of(d.prefix))).toBe(d);
    }
    const first = added[0]!;
    expect(table.get4(first.address4!, 24)).toBe(first);
  });

  it('tells prefixes apart by length as well as address, and answers undefined for absent ones', () => {
    const table = new DestTable();
    const lengths = [0, 1, 8, 16, 24, 31, 32];
    for (const len of lengths) table.add(Dest.of(`10.0.0.0/${len === 0 ? 0 : len}`.replace(/^10\.0\.0\.0\/0$/, '0.0.0.0/0')));
    for (const len of lengths) expect(table.find(Dest.ipv4(len === 0 ? 0 : 0x0a000000, len))?.prefixLength).toBe(len);
    expect(table.find(Dest.of('10.0.0.0/25'))).toBeUndefined();
    expect(table.find(Dest.of('10.0.0.1/32'))).toBeUndefined();
    expect(table.find(Dest.of('2001:db8::/32'))).toBeUndefined();
  });

  it('clears host bits: a key with them set finds the network', () => {
    const table = new DestTable();
    const d = Dest.of('192.168.1.0/24');
    table.add(d);
    expect(table.find(Dest.of('192.168.1.77/24'))).toBe(d);
    expect(Dest.ipv4(0xc0a8014d | 0, 24).prefix).toBe('192.168.1.0/24');
  });

  it('handles addresses with the top bit set (negative as 32-bit integers)', () => {
    const table = new DestTable();
    const hi = Dest.of('255.255.255.255/32');
    const mid = Dest.of('128.0.0.0/1');
    table.add(hi);
    table.add(mid);
    expect(hi.prefix).toBe('255.255.255.255/32');
    expect(mid.prefix).toBe('128.0.0.0/1');
    expect(table.find(Dest.of('255.255.255.255/32'))).toBe(hi);
    expect(table.find(Dest.of('128.0.0.0/1'))).toBe(mid);
  });

  it('rebuilds with the entries kept, in order, and detaches the others', () => {
    const table = new DestTable();
    const all = Array.from({ length: 3000 }, (_, i) => Dest.of(v4(i)));
    for (const d of all) table.add(d);
    const iterating = table.values();
    const rebuilt = table.rebuilt((d) => (d.address4! >>> 8) % 3 === 0);
    const kept = all.filter((d) => (d.address4! >>> 8) % 3 === 0);
    expect([...rebuilt.values()]).toEqual(kept);
    for (const d of all) {
      expect(d.attached).toBe(kept.includes(d));
      expect(rebuilt.find(d)).toBe(kept.includes(d) ? d : undefined);
    }
    // An iterator of the old table still walks the old entries.
    expect([...iterating]).toHaveLength(3000);
  });

  it('switches to a seeded hash when keys are chosen to collide, and still finds every one', () => {
    const table = new DestTable();
    // Network numbers n = k·2^10 + k all fold to one slot of a 1,024-slot table.
    const colliding = Array.from({ length: 300 }, (_, k) => Dest.ipv4(((k + 1) << 10) | (k + 1), 32));
    for (const d of colliding) table.add(d);
    expect(table.seeded).toBe(true);
    for (const d of colliding) expect(table.find(Dest.of(d.prefix))).toBe(d);
    expect(table.rebuilt(() => true).seeded).toBe(true);
  });

  it('keeps an ordered table on the ordered hash', () => {
    const table = new DestTable();
    for (let i = 0; i < 100_000; i++) table.add(Dest.of(v4(i)));
    expect(table.seeded).toBe(false);
    expect(table.find(Dest.of(v4(99_999)))?.prefix).toBe(v4(99_999));
  });
});
