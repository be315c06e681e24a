/**
 * KEEPALIVE (RFC 4271 §4.4): the header alone. Its exact length of 19 octets is checked with the
 * header (`checkHeader`), so the body codec has nothing to read or write.
 */
import type { KeepaliveMessage } from './types.js';

/** The one KEEPALIVE value: decoding allocates nothing. */
export const KEEPALIVE: KeepaliveMessage = Object.freeze({ type: 'keepalive' });

export function decodeKeepalive(): KeepaliveMessage {
  return KEEPALIVE;
}
