/**
 * What the RIB needs to know about this speaker itself: its AS, its BGP Identifier and, on a
 * route reflector, its cluster ID (RFC 4456 §7).
 */
export interface LocalSpeaker {
  readonly asn: number;
  readonly routerId: string;
  /** Set when this speaker is a route reflector (`node.routeReflectorClusterId`). */
  readonly clusterId: string | undefined;
}

/** RFC 4456 §7: a reflector without a configured cluster ID uses its router ID. */
export function clusterIdOf(self: LocalSpeaker): string {
  return self.clusterId ?? self.routerId;
}
