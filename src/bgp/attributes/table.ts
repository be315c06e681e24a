/**
 * One descriptor per path attribute petrel understands (BIRD's attribute table): its type code,
 * the Optional/Transitive flags it must carry (RFC 4271 §5), the RFC 7606 action when it is
 * malformed, the length it must have, and its value codec. Duplicate, flag, length and unknown
 * handling live once in the walker (`walk.ts`), not here.
 *
 * Actions, per RFC 7606 §7 unless noted: treat-as-withdraw for ORIGIN (§7.1), AS_PATH (§7.2),
 * NEXT_HOP (§7.3), MULTI_EXIT_DISC (§7.4), LOCAL_PREF (§7.5; its attribute-discard for eBGP peers
 * depends on the session and is applied by the receiving session, not by the codec), COMMUNITIES
 * (§7.8), ORIGINATOR_ID (§7.9), CLUSTER_LIST (§7.10), EXTENDED_COMMUNITIES (§7.14) and
 * LARGE_COMMUNITY (RFC 8092 §6); attribute-discard for ATOMIC_AGGREGATE (§7.6), AGGREGATOR (§7.7),
 * AS4_PATH and AS4_AGGREGATOR (RFC 6793 §6); session reset for MP_REACH_NLRI and MP_UNREACH_NLRI
 * (§7.11: "session reset" or "AFI/SAFI disable"; petrel does not implement the latter). A flags
 * conflict makes the attribute malformed (§3 c) and takes the same action.
 */
import { AS_TRANS, AttrFlag, AttrType, UpdateSubcode } from '../constants.js';
import { formatIpv4, parseIpv4 } from '../address.js';
import type { ResolvedContext } from '../context.js';
import type { BgpError, ErrorAction } from '../errors.js';
import type { Origin, PathAttribute } from '../types.js';
import type { WireWriter } from '../wire/writer.js';
import { decodeAsPath, encodeAsPath } from './as-path.js';
import type { KnownAttributeType } from './codes.js';
import {
  decodeCommunities,
  decodeExtendedCommunities,
  decodeLargeCommunities,
  encodeCommunities,
  encodeExtendedCommunities,
  encodeLargeCommunities,
} from './communities.js';
import { decodeMpReach, decodeMpUnreach, encodeMpReach, encodeMpUnreach, MP_REACH_MIN_LENGTH, MP_UNREACH_MIN_LENGTH } from './mp-reach.js';

export type AttrOf<K extends PathAttribute['type']> = Extract<PathAttribute, { type: K }>;

/** What a value decoder gets besides the bytes. */
export interface DecodeEnv {
  readonly ctx: ResolvedContext;
  /** The flags octet as received, to keep on the decoded attribute. */
  readonly flags: number;
  /** Builds this attribute's malformed error: its RFC 7606 action, the attribute as data. */
  readonly bad: (why: string) => BgpError;
}

export interface AttrDescriptor<T extends PathAttribute> {
  readonly code: AttrType;
  readonly type: T['type'];
  /** IANA name, for messages. */
  readonly name: string;
  /** The Optional and Transitive bits the attribute must carry (RFC 4271 §5). */
  readonly flags: number;
  /** RFC 7606 action when the attribute is malformed. */
  readonly action: ErrorAction;
  /** Where that action is written down. */
  readonly rfc: string;
  /** NOTIFICATION subcode for a malformed value (length and flag errors have their own). */
  readonly subcode: number;
  readonly lengthOk: (length: number, ctx: ResolvedContext) => boolean;
  readonly decode: (v: Uint8Array, env: DecodeEnv) => T;
  readonly encode: (w: WireWriter, a: T, ctx: ResolvedContext) => void;
}

type Table = { readonly [K in KnownAttributeType]: AttrDescriptor<AttrOf<K>> };

const WELL_KNOWN = AttrFlag.TRANSITIVE;
const OPTIONAL_TRANSITIVE = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;
const OPTIONAL_NON_TRANSITIVE = AttrFlag.OPTIONAL;

const ORIGIN_CODES: readonly Origin[] = ['igp', 'egp', 'incomplete'];
const ORIGIN_VALUE: Readonly<Record<Origin, number>> = { igp: 0, egp: 1, incomplete: 2 };

const exactly =
  (n: number) =>
  (len: number): boolean =>
    len === n;
const nonEmptyMultipleOf =
  (n: number) =>
  (len: number): boolean =>
    len > 0 && len % n === 0;
const anyLength = (): boolean => true;

function u32(v: Uint8Array, p = 0): number {
  return v[p]! * 0x1000000 + ((v[p + 1]! << 16) | (v[p + 2]! << 8) | v[p + 3]!);
}

function ipv4Bytes(s: string): Uint8Array {
  const b = parseIpv4(s);
  if (!b) throw new RangeError(`not an IPv4 address: ${s}`);
  return b;
}

function asSize(ctx: ResolvedContext): 2 | 4 {
  return ctx.fourOctetAs ? 4 : 2;
}

export const ATTRIBUTE_TABLE: Table = {
  origin: {
    code: AttrType.ORIGIN,
    type: 'origin',
    name: 'ORIGIN',
    flags: WELL_KNOWN,
    action: 'treat-as-withdraw',
    rfc: 'RFC 7606 §7.1',
    subcode: UpdateSubcode.INVALID_ORIGIN_ATTRIBUTE,
    lengthOk: exactly(1),
    decode: (v, env) => {
      const origin = ORIGIN_CODES[v[0]!];
      if (!origin) throw env.bad(`undefined ORIGIN value ${v[0]!}`);
      return { type: 'origin', flags: env.flags, origin };
    },
    encode: (w, a) => void w.u8(ORIGIN_VALUE[a.origin]),
  },
  'as-path': {
    code: AttrType.AS_PATH,
    type: 'as-path',
    name: 'AS_PATH',
    flags: WELL_KNOWN,
    action: 'treat-as-withdraw',
    rfc: 'RFC 7606 §7.2',
    subcode: UpdateSubcode.MALFORMED_AS_PATH,
    lengthOk: anyLength,
    decode: (v, env) => ({ type: 'as-path', flags: env.flags, segments: decodeAsPath(v, asSize(env.ctx), env.bad) }),
    encode: (w, a, ctx) => encodeAsPath(w, a.segments, asSize(ctx)),
  },
  'next-hop': {
    code: AttrType.NEXT_HOP,
    type: 'next-hop',
    name: 'NEXT_HOP',
    flags: WELL_KNOWN,
    action: 'treat-as-withdraw',
    rfc: 'RFC 7606 §7.3',
    subcode: UpdateSubcode.INVALID_NEXT_HOP_ATTRIBUTE,
    lengthOk: exactly(4),
    decode: (v, env) => ({ type: 'next-hop', flags: env.flags, nextHop: formatIpv4(v) }),
    encode: (w, a) => void w.bytes(ipv4Bytes(a.nextHop)),
  },
  med: {
    code: AttrType.MULTI_EXIT_DISC,
    type: 'med',
    name: 'MULTI_EXIT_DISC',
    flags: OPTIONAL_NON_TRANSITIVE,
    action: 'treat-as-withdraw',
    rfc: 'RFC 7606 §7.4',
    subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
    lengthOk: exactly(4),
    decode: (v, env) => ({ type: 'med', flags: env.flags, med: u32(v) }),
    encode: (w, a) => void w.u32(a.med),
  },
  'local-pref': {
    code: AttrType.LOCAL_PREF,
    type: 'local-pref',
    name: 'LOCAL_PREF',
    flags: WELL_KNOWN,
    action: 'treat-as-withdraw',
    rfc: 'RFC 7606 §7.5',
    subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
    lengthOk: exactly(4),
    decode: (v, env) => ({ type: 'local-pref', flags: env.flags, localPref: u32(v) }),
    encode: (w, a) => void w.u32(a.localPref),
  },
  'atomic-aggregate': {
    code: AttrType.ATOMIC_AGGREGATE,
    type: 'atomic-aggregate',
    name: 'ATOMIC_AGGREGATE',
    flags: WELL_KNOWN,
    action: 'attribute-discard',
    rfc: 'RFC 7606 §7.6',
    subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
    lengthOk: exactly(0),
    decode: (_v, env) => ({ type: 'atomic-aggregate', flags: env.flags }),
    encode: () => undefined,
  },
  aggregator: {
    code: AttrType.AGGREGATOR,
    type: 'aggregator',
    name: 'AGGREGATOR',
    flags: OPTIONAL_TRANSITIVE,
    action: 'attribute-discard',
    rfc: 'RFC 7606 §7.7',
    subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
    // RFC 6793 §3: 8 octets between 4-octet speakers, 6 otherwise.
    lengthOk: (len, ctx) => len === asSize(ctx) + 4,
    decode: (v, env) => {
      const four = env.ctx.fourOctetAs;
      return { type: 'aggregator', flags: env.flags, asn: four ? u32(v) : (v[0]! << 8) | v[1]!, address: formatIpv4(v, four ? 4 : 2) };
    },
    encode: (w, a, ctx) => {
      if (ctx.fourOctetAs) w.u32(a.asn);
      else w.u16(a.asn > 0xffff ? AS_TRANS : a.asn); // RFC 6793 §4.2.2
      w.bytes(ipv4Bytes(a.address));
    },
  },
  communities: {
    code: AttrType.COMMUNITIES,
    type: 'communities',
    name: 'COMMUNITIES',
    flags: OPTIONAL_TRANSITIVE,
    action: 'treat-as-withdraw',
    rfc: 'RFC 7606 §7.8',
    subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
    lengthOk: nonEmptyMultipleOf(4),
    decode: (v, env) => ({ type: 'communities', flags: env.flags, communities: decodeCommunities(v) }),
    encode: (w, a) => encodeCommunities(w, a.communities),
  },
  'originator-id': {
    code: AttrType.ORIGINATOR_ID,
    type: 'originator-id',
    name: 'ORIGINATOR_ID',
    flags: OPTIONAL_NON_TRANSITIVE,
    action: 'treat-as-withdraw',
    rfc: 'RFC 7606 §7.9',
    subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
    lengthOk: exactly(4),
    decode: (v, env) => ({ type: 'originator-id', flags: env.flags, originatorId: formatIpv4(v) }),
    encode: (w, a) => void w.bytes(ipv4Bytes(a.originatorId)),
  },
  'cluster-list': {
    code: AttrType.CLUSTER_LIST,
    type: 'cluster-list',
    name: 'CLUSTER_LIST',
    flags: OPTIONAL_NON_TRANSITIVE,
    action: 'treat-as-withdraw',
    rfc: 'RFC 7606 §7.10',
    subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
    lengthOk: nonEmptyMultipleOf(4),
    decode: (v, env) => {
      const clusterIds = new Array<string>(v.length / 4);
      for (let i = 0; i < clusterIds.length; i++) clusterIds[i] = formatIpv4(v, 4 * i);
      return { type: 'cluster-list', flags: env.flags, clusterIds };
    },
    encode: (w, a) => {
      for (const id of a.clusterIds) w.bytes(ipv4Bytes(id));
    },
  },
  'mp-reach': {
    code: AttrType.MP_REACH_NLRI,
    type: 'mp-reach',
    name: 'MP_REACH_NLRI',
    flags: OPTIONAL_NON_TRANSITIVE,
    action: 'session-reset',
    rfc: 'RFC 7606 §7.11',
    subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
    lengthOk: (len) => len >= MP_REACH_MIN_LENGTH,
    decode: decodeMpReach,
    encode: (w, a, ctx) => encodeMpReach(w, a, ctx),
  },
  'mp-unreach': {
    code: AttrType.MP_UNREACH_NLRI,
    type: 'mp-unreach',
    name: 'MP_UNREACH_NLRI',
    flags: OPTIONAL_NON_TRANSITIVE,
    action: 'session-reset',
    rfc: 'RFC 7606 §7.12',
    subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
    lengthOk: (len) => len >= MP_UNREACH_MIN_LENGTH,
    decode: decodeMpUnreach,
    encode: encodeMpUnreach,
  },
  'extended-communities': {
    code: AttrType.EXTENDED_COMMUNITIES,
    type: 'extended-communities',
    name: 'EXTENDED_COMMUNITIES',
    flags: OPTIONAL_TRANSITIVE,
    action: 'treat-as-withdraw',
    rfc: 'RFC 7606 §7.14',
    subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
    lengthOk: nonEmptyMultipleOf(8),
    decode: (v, env) => ({ type: 'extended-communities', flags: env.flags, communities: decodeExtendedCommunities(v) }),
    encode: (w, a) => encodeExtendedCommunities(w, a.communities),
  },
  'as4-path': {
    code: AttrType.AS4_PATH,
    type: 'as4-path',
    name: 'AS4_PATH',
    flags: OPTIONAL_TRANSITIVE,
    action: 'attribute-discard',
    rfc: 'RFC 6793 §6',
    subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
    lengthOk: anyLength,
    decode: (v, env) => {
      const segments = decodeAsPath(v, 4, env.bad);
      // RFC 6793 §6: confederation segments in AS4_PATH make it malformed.
      if (segments.some((s) => s.type === 'confed-sequence' || s.type === 'confed-set')) throw env.bad('carries a confederation segment');
      return { type: 'as4-path', flags: env.flags, segments };
    },
    encode: (w, a) => encodeAsPath(w, a.segments, 4),
  },
  'as4-aggregator': {
    code: AttrType.AS4_AGGREGATOR,
    type: 'as4-aggregator',
    name: 'AS4_AGGREGATOR',
    flags: OPTIONAL_TRANSITIVE,
    action: 'attribute-discard',
    rfc: 'RFC 6793 §6',
    subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
    lengthOk: exactly(8),
    decode: (v, env) => ({ type: 'as4-aggregator', flags: env.flags, asn: u32(v), address: formatIpv4(v, 4) }),
    encode: (w, a) => void w.u32(a.asn).bytes(ipv4Bytes(a.address)),
  },
  'large-communities': {
    code: AttrType.LARGE_COMMUNITY,
    type: 'large-communities',
    name: 'LARGE_COMMUNITY',
    flags: OPTIONAL_TRANSITIVE,
    action: 'treat-as-withdraw',
    rfc: 'RFC 8092 §6',
    subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
    lengthOk: nonEmptyMultipleOf(12),
    decode: (v, env) => ({ type: 'large-communities', flags: env.flags, communities: decodeLargeCommunities(v) }),
    encode: (w, a) => encodeLargeCommunities(w, a.communities),
  },
};

/** Descriptors indexed by type code; undefined for codes petrel does not recognise. */
export const DESCRIPTOR_BY_CODE: readonly (AttrDescriptor<PathAttribute> | undefined)[] = (() => {
  const byCode = new Array<AttrDescriptor<PathAttribute> | undefined>(256).fill(undefined);
  for (const d of Object.values(ATTRIBUTE_TABLE) as AttrDescriptor<PathAttribute>[]) byCode[d.code] = d;
  return byCode;
})();

/** The descriptor of a typed attribute (one cast: TypeScript cannot correlate the union). */
export function descriptorOf<T extends AttrOf<KnownAttributeType>>(a: T): AttrDescriptor<T> {
  return ATTRIBUTE_TABLE[a.type] as unknown as AttrDescriptor<T>;
}
