/**
 * AS_PATH and AS4_PATH (RFC 4271 §4.3 and §5.1.2, RFC 5065 §3 for the confederation segments,
 * RFC 6793 for 4-octet AS numbers), and the RFC 6793 §4.2 translations between a 4-octet view of
 * the path and what a 2-octet ("OLD") session carries: AS_TRANS in AS_PATH/AGGREGATOR plus the
 * real numbers in AS4_PATH/AS4_AGGREGATOR.
 *
 * The codec decodes both attributes as they are on the wire; merging them is `mergeAs4Attributes`
 * (receive side, §4.2.3) and splitting them is `splitForTwoOctetPeer` (send side, §4.2.2).
 */
import { AS_TRANS } from '../constants.js';
import type { BgpError } from '../errors.js';
import type { AsPathSegment, AsPathSegmentType, PathAttribute } from '../types.js';
import { attrCode } from './codes.js';
import type { WireWriter } from '../wire/writer.js';

/** RFC 4271 §4.3 path segment types, and RFC 5065 §3 for the confederation ones. */
export const AsPathSegmentCode = {
  AS_SET: 1,
  AS_SEQUENCE: 2,
  AS_CONFED_SEQUENCE: 3,
  AS_CONFED_SET: 4,
} as const;

const CODE_OF: Readonly<Record<AsPathSegmentType, number>> = {
  set: AsPathSegmentCode.AS_SET,
  sequence: AsPathSegmentCode.AS_SEQUENCE,
  'confed-sequence': AsPathSegmentCode.AS_CONFED_SEQUENCE,
  'confed-set': AsPathSegmentCode.AS_CONFED_SET,
};

const TYPE_OF: readonly (AsPathSegmentType | undefined)[] = [undefined, 'set', 'sequence', 'confed-sequence', 'confed-set'];

/** A segment's length field is one octet. */
const MAX_SEGMENT_ASNS = 255;
const MAX_TWO_OCTET_AS = 0xffff;

export type AsSize = 2 | 4;

/**
 * Decodes path segments. `bad(why)` builds the caller's malformed-attribute error: RFC 7606
 * §7.2 calls the path malformed on an unknown segment type, a segment running past the end, a
 * lone trailing octet, or a segment length of zero.
 */
export function decodeAsPath(v: Uint8Array, asSize: AsSize, bad: (why: string) => BgpError): AsPathSegment[] {
  const segments: AsPathSegment[] = [];
  let p = 0;
  while (p < v.length) {
    if (v.length - p < 2) throw bad('a segment header is cut short');
    const type = TYPE_OF[v[p]!];
    const count = v[p + 1]!;
    p += 2;
    if (!type) throw bad(`unknown segment type ${v[p - 2]!}`);
    if (count === 0) throw bad('a segment has length zero');
    if (p + count * asSize > v.length) throw bad('a segment runs past the attribute');
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      asns[i] = asSize === 4 ? v[p]! * 0x1000000 + ((v[p + 1]! << 16) | (v[p + 2]! << 8) | v[p + 3]!) : (v[p]! << 8) | v[p + 1]!;
      p += asSize;
    }
    segments.push({ type, asns });
  }
  return segments;
}

/**
 * Encodes path segments. A segment longer than 255 ASNs is split into several of the same type
 * (RFC 4271 §5.1.2); empty segments are left out (RFC 7606 §7.2 calls them malformed). With
 * 2-octet AS numbers, one that does not fit is sent as AS_TRANS (RFC 6793 §4.2.2).
 */
export function encodeAsPath(w: WireWriter, segments: readonly AsPathSegment[], asSize: AsSize): void {
  for (const seg of segments) {
    for (let from = 0; from < seg.asns.length; from += MAX_SEGMENT_ASNS) {
      const to = Math.min(from + MAX_SEGMENT_ASNS, seg.asns.length);
      w.u8(CODE_OF[seg.type]).u8(to - from);
      for (let i = from; i < to; i++) {
        const asn = seg.asns[i]!;
        if (asSize === 4) w.u32(asn);
        else w.u16(asn > MAX_TWO_OCTET_AS ? AS_TRANS : asn);
      }
    }
  }
}

/**
 * The number of ASes a path counts for: an AS_SET counts 1, confederation segments count 0
 * (RFC 4271 §9.1.2.2 a, RFC 5065 §5.3, RFC 6793 §4.2.3).
 */
export function asPathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const seg of segments) {
    if (seg.type === 'sequence') n += seg.asns.length;
    else if (seg.type === 'set') n += 1;
  }
  return n;
}

function appendSegment(out: AsPathSegment[], seg: AsPathSegment): void {
  const last = out[out.length - 1];
  // Adjacent sequences are one sequence; merging keeps the reconstructed path canonical.
  if (last && last.type === 'sequence' && seg.type === 'sequence' && last.asns.length + seg.asns.length <= MAX_SEGMENT_ASNS) {
    out[out.length - 1] = { type: 'sequence', asns: [...last.asns, ...seg.asns] };
  } else if (seg.asns.length > 0) {
    out.push(seg);
  }
}

/**
 * RFC 6793 §4.2.3: the AS path of a route received over a 2-octet session. When AS_PATH counts
 * fewer ASes than AS4_PATH, AS4_PATH is ignored; otherwise as many leading ASes (and whole
 * segments) of AS_PATH as make up the difference are put in front of AS4_PATH, so that the result
 * counts as many ASes as AS_PATH.
 */
export function reconstructAsPath(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[] | undefined): AsPathSegment[] {
  if (!as4Path) return [...asPath];
  let need = asPathLength(asPath) - asPathLength(as4Path);
  if (need < 0) return [...asPath];
  const out: AsPathSegment[] = [];
  for (const seg of asPath) {
    if (seg.type === 'confed-sequence' || seg.type === 'confed-set') {
      // Confederation segments count zero, lead the path, and only AS_PATH carries them (§4.2.2).
      appendSegment(out, seg);
      continue;
    }
    if (need === 0) break;
    if (seg.type === 'set') {
      appendSegment(out, seg);
      need -= 1;
    } else {
      const take = Math.min(need, seg.asns.length);
      appendSegment(out, { type: 'sequence', asns: seg.asns.slice(0, take) });
      need -= take;
    }
  }
  for (const seg of as4Path) appendSegment(out, seg);
  return out;
}

type AttrOf<K extends PathAttribute['type']> = Extract<PathAttribute, { type: K }>;

function find<K extends PathAttribute['type']>(attrs: readonly PathAttribute[], type: K): AttrOf<K> | undefined {
  return attrs.find((a): a is AttrOf<K> => a.type === type);
}

/**
 * Receive side of RFC 6793 §4.2.3 for a 2-octet session: returns the attributes with AS_PATH
 * and AGGREGATOR holding the real 4-octet values and AS4_PATH / AS4_AGGREGATOR removed. When
 * AGGREGATOR holds an AS other than AS_TRANS, both AS4 attributes are ignored (§4.2.3 ¶1).
 * On a 4-octet session the AS4 attributes carry nothing (§4.1); call this only for 2-octet ones.
 */
export function mergeAs4Attributes(attrs: readonly PathAttribute[]): PathAttribute[] {
  const as4Path = find(attrs, 'as4-path');
  const as4Aggregator = find(attrs, 'as4-aggregator');
  const aggregator = find(attrs, 'aggregator');
  const ignoreAs4 = aggregator !== undefined && as4Aggregator !== undefined && aggregator.asn !== AS_TRANS;
  const out: PathAttribute[] = [];
  for (const a of attrs) {
    if (a.type === 'as4-path' || a.type === 'as4-aggregator') continue;
    if (ignoreAs4) {
      out.push(a);
    } else if (a.type === 'as-path' && as4Path) {
      out.push({ ...a, segments: reconstructAsPath(a.segments, as4Path.segments) });
    } else if (a.type === 'aggregator' && as4Aggregator) {
      out.push({ ...a, asn: as4Aggregator.asn, address: as4Aggregator.address });
    } else {
      out.push(a);
    }
  }
  return out;
}

function needsAs4(asn: number): boolean {
  return asn > MAX_TWO_OCTET_AS;
}

/**
 * Send side of RFC 6793 §4.2.2 for a 2-octet peer: ASNs that do not fit two octets become
 * AS_TRANS in AS_PATH and AGGREGATOR, and AS4_PATH (without confederation segments) and
 * AS4_AGGREGATOR carry the real numbers; they are added only when some AS needs them. Any AS4
 * attributes already present are replaced. New attributes are inserted in type-code order.
 */
export function splitForTwoOctetPeer(attrs: readonly PathAttribute[]): PathAttribute[] {
  const asPath = find(attrs, 'as-path');
  const aggregator = find(attrs, 'aggregator');
  const added: PathAttribute[] = [];
  if (asPath && asPath.segments.some((s) => s.asns.some(needsAs4))) {
    const segments = asPath.segments.filter((s) => s.type === 'set' || s.type === 'sequence');
    added.push({ type: 'as4-path', segments });
  }
  if (aggregator && needsAs4(aggregator.asn)) {
    added.push({ type: 'as4-aggregator', asn: aggregator.asn, address: aggregator.address });
  }
  const out: PathAttribute[] = [];
  for (const a of attrs) {
    if (a.type === 'as4-path' || a.type === 'as4-aggregator') continue;
    if (a.type === 'as-path') {
      out.push({ ...a, segments: a.segments.map((s) => ({ type: s.type, asns: s.asns.map((n) => (needsAs4(n) ? AS_TRANS : n)) })) });
    } else if (a.type === 'aggregator' && needsAs4(a.asn)) {
      out.push({ ...a, asn: AS_TRANS });
    } else {
      out.push(a);
    }
  }
  for (const a of added) {
    const code = attrCode(a);
    const at = out.findIndex((b) => attrCode(b) > code);
    out.splice(at < 0 ? out.length : at, 0, a);
  }
  return out;
}
