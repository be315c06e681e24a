import { describe, expect, it } from 'vitest';
import { SEGMENT, segmentNumber, Segments } from '../../src/rib/segments.js';

describe('Segments', () => {
  it('keeps every item at its position across segment boundaries', () => {
    const list = new Segments<number>();
    for (let i = 0; i < 30_000; i++) list.push(i * 3);
    expect(list.end).toBe(30_000);
    expect(list.start).toBe(0);
    for (const i of [0, 1, 8191, 8192, 8193, 16_383, 16_384, 29_999]) expect(list.at(i)).toBe(i * 3);
    expect([...list.values()]).toEqual(Array.from({ length: 30_000 }, (_, i) => i * 3));
  });

  it('drops leading items a whole segment at a time, without renumbering the rest', () => {
    const list = new Segments<string>();
    for (let i = 0; i < 20_000; i++) list.push(`p${i}`);
    list.dropBefore(100);
    expect(list.start).toBe(0);
    list.dropBefore(17_000);
    expect(list.start).toBe(16_384);
    expect(list.at(16_384)).toBe('p16384');
    expect(list.at(19_999)).toBe('p19999');
    list.push('next');
    expect(list.at(20_000)).toBe('next');
    expect([...list.values()]).toHaveLength(20_001 - 16_384);
  });

  it('after clear, continues at the next position and holds only what follows', () => {
    const list = new Segments<number>();
    for (let i = 0; i < 10_000; i++) list.push(i);
    list.clear();
    expect(list.start).toBe(10_000);
    expect([...list.values()]).toEqual([]);
    for (let i = 0; i < 9000; i++) list.push(-i);
    expect(list.end).toBe(19_000);
    expect(list.at(10_000)).toBe(-0);
    expect(list.at(18_999)).toBe(-8999);
    expect([...list.values()]).toHaveLength(9000);
  });

  it('iterates items pushed during the iteration', () => {
    const list = new Segments<number>();
    list.push(1);
    const seen: number[] = [];
    for (const v of list.values()) {
      seen.push(v);
      if (v < 5) list.push(v + 1);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('segmentNumber', () => {
  it('is the same by shift below 2^31 and by division above (a journal position only grows)', () => {
    for (const p of [0, 1, SEGMENT - 1, SEGMENT, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + SEGMENT, 2 ** 40 + 5, 2 ** 52]) {
      expect(segmentNumber(p)).toBe(Math.floor(p / SEGMENT));
    }
  });
});
