/**
 * Route reflection loop detection (RFC 4456 §8): a route carrying our own BGP Identifier as
 * ORIGINATOR_ID came back to its originator, and a route whose CLUSTER_LIST already names our
 * cluster has been through this cluster. Such paths are kept in Adj-RIB-In flagged ineligible.
 */
import type { PathAttributes } from '../rib/attr-set.js';
import type { LocalSpeaker } from '../rib/speaker.js';

export type ReflectionLoop = 'originator-loop' | 'cluster-loop';

export function checkLoop(path: { readonly attrs: PathAttributes }, self: LocalSpeaker): ReflectionLoop | null {
  const attrs = path.attrs;
  // RFC 4456 §8: "SHOULD ignore a route received with its BGP Identifier as the ORIGINATOR_ID".
  if (attrs.originatorId === self.routerId) return 'originator-loop';
  // RFC 4456 §8: a reflector MUST ignore a route whose CLUSTER_LIST contains its cluster ID.
  if (self.clusterId !== undefined && attrs.clusterList.includes(self.clusterId)) return 'cluster-loop';
  return null;
}
