/**
 * The attribute changes a route reflector makes (RFC 4456 §8): ORIGINATOR_ID is set to the
 * router ID of the peer the route came from unless already present, and our cluster ID is
 * prepended to CLUSTER_LIST. The result is interned in the source set's table and memoised on
 * it, so reflecting 1,000,000 prefixes sharing one set costs one Map lookup each.
 */
import type { AttrSet } from '../rib/attr-set.js';
import type { PeerInfo } from '../rib/path.js';
import { clusterIdOf } from '../rib/speaker.js';
import type { LocalSpeaker } from '../rib/speaker.js';

export function reflect(attrs: AttrSet, from: PeerInfo, self: LocalSpeaker): AttrSet {
  const clusterId = clusterIdOf(self);
  const originatorId = attrs.originatorId ?? from.routerId;
  const memoKey = `reflect|${originatorId}|${clusterId}`;
  const hit = attrs.derived(memoKey);
  if (hit !== undefined) return hit;
  const out = attrs.with({ originatorId, clusterList: [clusterId, ...attrs.clusterList] });
  attrs.remember(memoKey, out);
  return out;
}
