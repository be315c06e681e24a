/**
 * The benchmark report: ratios are taken against the anchors of the same run only (SPEC §7),
 * petrel never counts as its own anchor, and rows without a figure never become a reference.
 */
import { describe, expect, it } from 'vitest';
import { formatRoundRatios, formatShortfalls, formatTable, medianRows, petrelSummary, rate, roundRatios, slowAnchors, whereTimeWent, type BenchRow } from '../../bench/report.js';

const MB = 1 << 20;
const rows: BenchRow[] = [
  { scenario: 'S1', implementation: 'bird2', status: 'ok', timeMs: 600, peakRssBytes: 95 * MB },
  { scenario: 'S1', implementation: 'gobgp', status: 'timeout', peakRssBytes: 2000 * MB, detail: 'after 150000 ms' },
  { scenario: 'S1', implementation: 'frr', status: 'ok', timeMs: 5000, peakRssBytes: 660 * MB },
  { scenario: 'S1', implementation: 'petrel', status: 'ok', timeMs: 300, peakRssBytes: 190 * MB },
  { scenario: 'S2', implementation: 'bird2', status: 'ok', timeMs: 900 },
  { scenario: 'S2', implementation: 'frr', status: 'ok', timeMs: 420 },
  { scenario: 'S2', implementation: 'petrel', status: 'unavailable', detail: 'not runnable in this build (no run command)' },
];

describe('rate', () => {
  const rated = rate(rows);
  const row = (scenario: string, implementation: string) => rated.find((r) => r.scenario === scenario && r.implementation === implementation)!;

  it('compares each time with the best anchor of its scenario, never with petrel itself', () => {
    expect(row('S1', 'petrel').timeVsBestAnchor).toBeCloseTo(0.5);
    expect(row('S1', 'bird2').timeVsBestAnchor).toBe(1);
    expect(row('S2', 'bird2').timeVsBestAnchor).toBeCloseTo(900 / 420);
  });

  it('compares time and memory with BIRD 2 of the same scenario', () => {
    expect(row('S1', 'frr').timeVsBird2).toBeCloseTo(5000 / 600);
    expect(row('S1', 'petrel').rssVsBird2).toBeCloseTo(2);
  });

  it('compares memory per route (peak RSS over the RSS before, per prefix) with BIRD 2, and prints it', () => {
    const perRoute = rate([
      { scenario: 'S1', implementation: 'bird2', status: 'ok', timeMs: 600, peakRssBytes: 95 * MB, bytesPerRoute: 90 },
      { scenario: 'S1', implementation: 'petrel', status: 'ok', timeMs: 700, peakRssBytes: 300 * MB, bytesPerRoute: 225 },
    ]);
    expect(perRoute[1]!.bytesPerRouteVsBird2).toBeCloseTo(2.5);
    expect(petrelSummary(perRoute)[0]!.bytesPerRouteVsBird2).toBeCloseTo(2.5);
    const table = formatTable(perRoute).split('\n');
    expect(table[0]).toContain('B/route');
    expect(table[3]).toContain('225 (2.50×)');
    expect(table[2]).toMatch(/ 90 /);
  });

  it('gives no time ratio to a row without a figure', () => {
    expect(row('S1', 'gobgp').timeVsBestAnchor).toBeUndefined();
    expect(row('S2', 'petrel').timeVsBird2).toBeUndefined();
  });

  it('lets a module mark its rows as anchors or not', () => {
    const extra = rate([
      { scenario: 'K1', implementation: 'ip -batch', status: 'ok', timeMs: 700 },
      { scenario: 'K1', implementation: 'raw rtnetlink', status: 'ok', timeMs: 360 },
      { scenario: 'K1', implementation: 'petrel-probe', status: 'ok', timeMs: 100, anchor: false },
    ]);
    expect(extra.map((r) => r.timeVsBestAnchor)).toEqual([700 / 360, 1, 100 / 360]);
  });
});

describe('petrelSummary', () => {
  it('states petrel\u2019s ratios per scenario, and why there are none', () => {
    expect(petrelSummary(rate(rows))).toEqual([
      { scenario: 'S1', status: 'ok', timeVsBird2: 0.5, timeVsBestAnchor: 0.5, bestAnchor: 'bird2', rssVsBird2: 2 },
      { scenario: 'S2', status: 'unavailable', bestAnchor: 'frr' },
    ]);
  });

  it('reports a scenario petrel did not run as absent', () => {
    expect(petrelSummary(rate(rows.filter((r) => r.implementation !== 'petrel')))[0]).toEqual({ scenario: 'S1', status: 'absent', bestAnchor: 'bird2' });
  });
});

describe('formatTable', () => {
  it('prints one line per row with time, memory, ratios and the reason for a missing figure', () => {
    const lines = formatTable(rate(rows)).split('\n');
    expect(lines).toHaveLength(rows.length + 2);
    expect(lines[0]).toMatch(/^scenario\s+implementation\s+time\s+peak RSS\s+B\/route\s+vs best anchor\s+vs BIRD 2/);
    expect(lines[2]).toMatch(/^S1\s+bird2\s+600 ms\s+95 MB\s+1\.00×\s+1\.00×$/);
    expect(lines[3]).toMatch(/^S1\s+gobgp\s+timeout\s+2000 MB\s+after 150000 ms$/);
    expect(lines[4]).toMatch(/^S1\s+frr\s+5\.00 s\s+660 MB\s+8\.33×\s+8\.33×$/);
    expect(lines[8]).toMatch(/S2\s+petrel\s+unavailable\s+not runnable in this build \(no run command\)$/);
  });
});

describe('where the time went (SPEC §7)', () => {
  const slow: BenchRow[] = [
    { scenario: 'S1', implementation: 'bird2', status: 'ok', timeMs: 500, busiestThreadCpuMs: 490 },
    { scenario: 'S1', implementation: 'petrel', status: 'ok', timeMs: 600, busiestThreadCpuMs: 570, gcPauses: { ms: 150, minor: 20, major: 2 } },
    { scenario: 'S3', implementation: 'bird2', status: 'ok', timeMs: 200, busiestThreadCpuMs: 190 },
    { scenario: 'S3', implementation: 'petrel', status: 'ok', timeMs: 250, busiestThreadCpuMs: 100, gcPauses: { ms: 4, minor: 5, major: 0 } },
    { scenario: 'S2', implementation: 'frr', status: 'ok', timeMs: 400 },
    { scenario: 'S2', implementation: 'petrel', status: 'ok', timeMs: 300, busiestThreadCpuMs: 280, gcPauses: { ms: 10, minor: 3, major: 0 } },
  ];

  it('notes the busiest thread\'s share of the time and the GC pauses, for every implementation that has them', () => {
    expect(whereTimeWent(slow[0]!)).toBe('busiest thread 98 %');
    expect(whereTimeWent(slow[1]!)).toBe('busiest thread 95 %; GC pauses 150 ms (20 minor, 2 major)');
    expect(whereTimeWent({ scenario: 'S1', implementation: 'gobgp', status: 'timeout', busiestThreadCpuMs: 9000 })).toBe('');
    const lines = formatTable(rate(slow)).split('\n');
    expect(lines[3]).toMatch(/^S1\s+petrel\s+600 ms.*1\.20×\s+busiest thread 95 %; GC pauses 150 ms \(20 minor, 2 major\)$/);
  });

  it('explains each scenario where petrel is behind the best anchor, and only those', () => {
    const text = formatShortfalls(rate(slow));
    expect(text).toContain("S1: petrel took 1.20× bird2's time (600 ms against 500 ms).");
    expect(text).toContain('on a CPU for 95 % of that time: bound by one core');
    expect(text).toContain('GC pauses 150 ms (20 minor, 2 major): 26 % of that thread');
    expect(text).toContain("S3: petrel took 1.25× bird2's time");
    expect(text).toContain('on a CPU for only 40 % of that time; it waited for the rest');
    expect(text).toContain('--only S1,S3 --impl petrel');
    expect(text).not.toContain('S2:');
    expect(formatShortfalls(rate(rows))).toBe('');
  });

  it('gives K1 a command that profiles the kernel syncer, not the reflector', () => {
    const k1: BenchRow[] = [
      { scenario: 'K1 install', implementation: 'bird2', status: 'ok', timeMs: 1000 },
      { scenario: 'K1 install', implementation: 'petrel', status: 'ok', timeMs: 1100 },
    ];
    const text = formatShortfalls(rate(k1));
    expect(text).toContain("K1 install: petrel took 1.10× bird2's time");
    expect(text).toContain('npm run bench -- --only K1');
    expect(text).not.toContain('S1,S3');
  });
});

describe('repeated rounds (--repeat)', () => {
  const round = (bird: number | undefined, frr: number, petrel: number | undefined): BenchRow[] => [
    bird === undefined ? { scenario: 'S3', implementation: 'bird2', status: 'timeout', detail: 'after 150000 ms' } : { scenario: 'S3', implementation: 'bird2', status: 'ok', timeMs: bird },
    { scenario: 'S3', implementation: 'frr', status: 'ok', timeMs: frr },
    petrel === undefined ? { scenario: 'S3', implementation: 'petrel', status: 'error', detail: 'crashed' } : { scenario: 'S3', implementation: 'petrel', status: 'ok', timeMs: petrel },
  ];
  const rounds = [round(200, 2000, 150), round(180, 1900, 240), round(undefined, 1800, 160), round(210, 2100, undefined)];

  it('keeps each implementation\'s median round, noting rounds without a figure', () => {
    const rows = medianRows(rounds);
    expect(rows.map((r) => [r.implementation, r.timeMs])).toEqual([
      ['bird2', 200],
      ['frr', 1900],
      ['petrel', 160],
    ]);
    expect(rows[0]!.detail).toBe('median of the 3 of 4 rounds with a figure');
    expect(rows[1]!.detail).toBeUndefined();
    expect(medianRows([round(undefined, 1, undefined)])[0]!.status).toBe('timeout');
  });

  it('says when an implementation ran in fewer rounds than the others', () => {
    const once = [[...rounds[0]!, { scenario: 'S3', implementation: 'gobgp', status: 'ok', timeMs: 40_000 } as BenchRow], rounds[1]!, rounds[2]!];
    const gobgp = medianRows(once).find((r) => r.implementation === 'gobgp')!;
    expect(gobgp.timeMs).toBe(40_000);
    expect(gobgp.detail).toBe('run in 1 of 3 rounds');
    expect(medianRows(once).find((r) => r.implementation === 'bird2')!.detail).toBe('median of the 2 of 3 rounds with a figure');
  });

  it('runs an anchor again only where it came within 10× of the best anchor in some scenario', () => {
    const round1: BenchRow[] = [
      { scenario: 'S1', implementation: 'bird2', status: 'ok', timeMs: 600 },
      { scenario: 'S1', implementation: 'gobgp', status: 'ok', timeMs: 60_000 },
      { scenario: 'S1', implementation: 'frr', status: 'ok', timeMs: 3_000 },
      { scenario: 'S1', implementation: 'slowpoke', status: 'timeout', detail: 'after 150000 ms' },
      { scenario: 'S1', implementation: 'petrel', status: 'ok', timeMs: 100_000 },
      // BIRD 2 failing S2 says nothing about its speed; FRR is the best anchor there.
      { scenario: 'S2', implementation: 'bird2', status: 'error', detail: '191 of 201 sessions up' },
      { scenario: 'S2', implementation: 'gobgp', status: 'ok', timeMs: 60_000 },
      { scenario: 'S2', implementation: 'frr', status: 'ok', timeMs: 80 },
      { scenario: 'S2', implementation: 'petrel', status: 'ok', timeMs: 100_000 },
    ];
    expect(slowAnchors(round1)).toEqual(['gobgp', 'slowpoke']);
    // Within the factor in one scenario is enough to stay.
    expect(slowAnchors(round1.map((r) => (r.implementation === 'gobgp' && r.scenario === 'S1' ? { ...r, timeMs: 5_000 } : r)))).toEqual(['slowpoke']);
    // petrel is never an anchor, however slow.
    expect(slowAnchors(round1, 1_000)).toEqual(['slowpoke']);
  });

  it('rates petrel against the best anchor of each round, not of the medians', () => {
    const [s3] = roundRatios(rounds);
    // Round 3: BIRD 2 timed out, so FRR is that round's best anchor; round 4: petrel failed.
    expect(s3!.ratios.map((x) => (x === undefined ? undefined : Number(x.toFixed(3))))).toEqual([0.75, 1.333, 0.089, undefined]);
    expect(s3).toMatchObject({ scenario: 'S3', min: 160 / 1800, max: 240 / 180, atOrBelowOne: 2 });
    expect(s3!.median).toBeCloseTo(0.75);
    expect(formatRoundRatios([s3!])).toBe('S3  petrel vs best anchor by round: 0.75 1.33 0.09 -  (median 0.75×, 2 of 4 at or below 1×)');
  });
});
