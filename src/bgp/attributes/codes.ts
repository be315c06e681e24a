/** The IANA type code of each typed path attribute (one table, used by encoder and helpers). */
import { AttrType } from '../constants.js';
import type { PathAttribute } from '../types.js';

export type KnownAttributeType = Exclude<PathAttribute['type'], 'unknown'>;

export const CODE_BY_TYPE: Readonly<Record<KnownAttributeType, AttrType>> = {
  origin: AttrType.ORIGIN,
  'as-path': AttrType.AS_PATH,
  'next-hop': AttrType.NEXT_HOP,
  med: AttrType.MULTI_EXIT_DISC,
  'local-pref': AttrType.LOCAL_PREF,
  'atomic-aggregate': AttrType.ATOMIC_AGGREGATE,
  aggregator: AttrType.AGGREGATOR,
  communities: AttrType.COMMUNITIES,
  'originator-id': AttrType.ORIGINATOR_ID,
  'cluster-list': AttrType.CLUSTER_LIST,
  'mp-reach': AttrType.MP_REACH_NLRI,
  'mp-unreach': AttrType.MP_UNREACH_NLRI,
  'extended-communities': AttrType.EXTENDED_COMMUNITIES,
  'as4-path': AttrType.AS4_PATH,
  'as4-aggregator': AttrType.AS4_AGGREGATOR,
  'large-communities': AttrType.LARGE_COMMUNITY,
};

/** The attribute type code of a typed attribute. */
export function attrCode(a: PathAttribute): number {
  return a.type === 'unknown' ? a.code : CODE_BY_TYPE[a.type];
}
