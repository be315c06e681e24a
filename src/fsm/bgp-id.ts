/** BGP Identifiers as numbers: RFC 4271 §6.8 and RFC 6286 compare them as 4-octet unsigned integers. */
import { parseIpv4 } from '../bgp/address.js';

/** The identifier's value; 0 for text that is not a dotted quad (and so never a valid one). */
export function bgpIdNumber(id: string): number {
  const b = parseIpv4(id);
  return b ? ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0 : 0;
}
