/**
 * End-of-RIB marker (RFC 4724 §2): for IPv4 unicast an UPDATE with no withdrawn routes, no
 * attributes and no NLRI; for any other AFI/SAFI an UPDATE whose only content is an empty
 * MP_UNREACH_NLRI of that AFI/SAFI.
 */
import { Afi, Safi } from './constants.js';
import type { AfiSafi, UpdateMessage } from './types.js';

/** The End-of-RIB UPDATE for an AFI/SAFI. */
export function endOfRib(afi: number, safi: number): UpdateMessage {
  if (afi === Afi.IPV4 && safi === Safi.UNICAST) return { type: 'update', withdrawn: [], attributes: [], nlri: [] };
  return { type: 'update', withdrawn: [], attributes: [{ type: 'mp-unreach', afi, safi, withdrawn: [] }], nlri: [] };
}

/** The AFI/SAFI whose End-of-RIB this UPDATE is, or undefined when it is not one. */
export function isEndOfRib(m: UpdateMessage): AfiSafi | undefined {
  if (m.problem || m.withdrawn.length > 0 || m.nlri.length > 0) return undefined;
  if (m.packed !== undefined && (m.packed.withdrawn.count > 0 || m.packed.nlri.count > 0)) return undefined;
  if (m.attributes.length === 0) return { afi: Afi.IPV4, safi: Safi.UNICAST };
  const only = m.attributes[0];
  if (m.attributes.length !== 1 || only?.type !== 'mp-unreach') return undefined;
  if (only.withdrawn.length > 0 || (only.raw !== undefined && only.raw.length > 0)) return undefined;
  return { afi: only.afi, safi: only.safi };
}
