/**
 * AS_PATH arithmetic the RIB needs: the path length of the decision process (RFC 4271
 * §9.1.2.2 a, RFC 5065 §5.3), the neighbouring AS for MED comparison (RFC 4271 §9.1.2.2 c),
 * prepending our AS on eBGP export (RFC 4271 §5.1.2), counting our AS for the import loop check
 * (RFC 4271 §9.1.2), and rebuilding a 4-octet path from AS_PATH + AS4_PATH (RFC 6793 §4.2.3).
 */
import type { AsPathSegment } from '../bgp/types.js';

/** RFC 4271 §4.3: a segment holds at most 255 ASes. */
const MAX_SEGMENT_ASNS = 255;

/** Decision-process length: an AS_SET counts 1, confederation segments count 0. */
export function asPathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === 'sequence') n += s.asns.length;
    else if (s.type === 'set') n += 1;
  }
  return n;
}

/**
 * The AS a route was learned from, for MED comparison: the first AS of a leading AS_SEQUENCE
 * (after any confederation segments, RFC 5065 §5.3), or 0 standing for "our own AS" when the path
 * is empty or starts with an AS_SET (RFC 4271 §9.1.2.2 c).
 */
export function neighborAs(segments: readonly AsPathSegment[]): number {
  for (const s of segments) {
    if (s.type === 'confed-sequence' || s.type === 'confed-set') continue;
    return s.type === 'sequence' ? (s.asns[0] ?? 0) : 0;
  }
  return 0;
}

/** How many times `asn` appears anywhere in the path (for `allow local as N`). */
export function countAs(segments: readonly AsPathSegment[], asn: number): number {
  let n = 0;
  for (const s of segments) for (const a of s.asns) if (a === asn) n++;
  return n;
}

/**
 * Our AS prepended `times` times for an eBGP peer (RFC 4271 §5.1.2): into the leading
 * AS_SEQUENCE while it has room, else a new one. Confederation segments never leave the
 * confederation (RFC 5065 §5.3), so they are dropped.
 */
export function prependAs(segments: readonly AsPathSegment[], asn: number, times = 1): AsPathSegment[] {
  const rest = segments.filter((s) => s.type === 'sequence' || s.type === 'set');
  const out: AsPathSegment[] = [];
  let head: number[] = new Array<number>(times).fill(asn);
  const first = rest[0];
  let from = 0;
  if (first?.type === 'sequence') {
    head = head.concat(first.asns);
    from = 1;
  }
  while (head.length > MAX_SEGMENT_ASNS) {
    out.push({ type: 'sequence', asns: head.slice(0, MAX_SEGMENT_ASNS) });
    head = head.slice(MAX_SEGMENT_ASNS);
  }
  out.push({ type: 'sequence', asns: head });
  for (let i = from; i < rest.length; i++) out.push(rest[i]!);
  return out;
}

/**
 * RFC 6793 §4.2.3: a NEW speaker receiving from an OLD one rebuilds the path as the leading
 * (count(AS_PATH) − count(AS4_PATH)) ASes of AS_PATH followed by AS4_PATH; if AS4_PATH is the
 * longer one it is ignored. Counting follows RFC 4271 §9.1.2.2 a (sets 1, confed 0); leading
 * ASes are taken segment by segment, splitting a sequence where needed.
 */
export function mergeAs4Path(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[]): readonly AsPathSegment[] {
  let keep = asPathLength(asPath) - asPathLength(as4Path);
  if (keep < 0) return asPath;
  const out: AsPathSegment[] = [];
  for (const s of asPath) {
    if (keep === 0) break;
    if (s.type === 'sequence') {
      const take = Math.min(keep, s.asns.length);
      out.push(take === s.asns.length ? s : { type: 'sequence', asns: s.asns.slice(0, take) });
      keep -= take;
    } else if (s.type === 'set') {
      out.push(s);
      keep -= 1;
    } else {
      out.push(s);
    }
  }
  return out.concat(as4Path);
}
