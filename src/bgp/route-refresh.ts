/**
 * ROUTE-REFRESH message body (RFC 2918 §3, RFC 7313 §3): AFI (2), Message Subtype (1, reserved in
 * RFC 2918), SAFI (1). The length rules depend on the subtype, so they are checked here rather
 * than with the header:
 * - RFC 7313 §5: BoRR/EoRR (subtypes 1, 2) whose body is not 4 octets → 7/1 Invalid Message
 *   Length, data = the complete message;
 * - a normal request (subtype 0) of another length → 1/2 Bad Message Length (RFC 2918 fixes the
 *   format; RFC 4271 §6.1 is the error for a length wrong for the type);
 * - RFC 7313 §5: any other subtype MUST be ignored, so it decodes with `subtype` as a number for
 *   the FSM to drop, and octets past the SAFI are not kept.
 */
import { HEADER_LENGTH, MARKER_LENGTH, MsgType, RouteRefreshSubcode, RouteRefreshSubtype } from './constants.js';
import { routeRefreshError } from './errors.js';
import { badMessageLength } from './header.js';
import type { RouteRefreshMessage, RouteRefreshSubtypeName } from './types.js';
import type { WireReader } from './wire/reader.js';
import type { WireWriter } from './wire/writer.js';

const BODY_LENGTH = 4;
const SUBTYPE_OFFSET = 2;

const NAME_BY_SUBTYPE: readonly RouteRefreshSubtypeName[] = ['normal', 'borr', 'eorr'];
const SUBTYPE_BY_NAME: Readonly<Record<RouteRefreshSubtypeName, number>> = {
  normal: RouteRefreshSubtype.NORMAL,
  borr: RouteRefreshSubtype.BORR,
  eorr: RouteRefreshSubtype.EORR,
};

export function decodeRouteRefresh(r: WireReader): RouteRefreshMessage {
  const bodyLength = r.remaining;
  if (bodyLength !== BODY_LENGTH) checkLength(r, bodyLength);
  const afi = r.u16();
  const code = r.u8();
  const safi = r.u8();
  return { type: 'route-refresh', afi, subtype: NAME_BY_SUBTYPE[code] ?? code, safi };
}

export function encodeRouteRefresh(w: WireWriter, m: RouteRefreshMessage): void {
  const code = typeof m.subtype === 'number' ? m.subtype : SUBTYPE_BY_NAME[m.subtype];
  w.u16(m.afi).u8(code).u8(m.safi);
}

/** A body that is not 4 octets: throw the error its subtype calls for, or accept an unknown one. */
function checkLength(r: WireReader, bodyLength: number): void {
  const totalLength = HEADER_LENGTH + bodyLength;
  if (bodyLength <= SUBTYPE_OFFSET) throw badMessageLength(totalLength, 'a ROUTE-REFRESH body is 4 octets');
  const subtype = r.peekU8(SUBTYPE_OFFSET);
  if (subtype === RouteRefreshSubtype.BORR || subtype === RouteRefreshSubtype.EORR) {
    throw routeRefreshError(
      RouteRefreshSubcode.INVALID_MESSAGE_LENGTH,
      'route-refresh.length',
      `ROUTE-REFRESH subtype ${subtype} with a ${bodyLength}-octet body`,
      wholeMessage(r, totalLength),
    );
  }
  if (subtype === RouteRefreshSubtype.NORMAL || bodyLength < BODY_LENGTH) {
    throw badMessageLength(totalLength, 'a ROUTE-REFRESH body is 4 octets');
  }
}

/** RFC 7313 §5: the NOTIFICATION carries the complete message, header included. */
function wholeMessage(r: WireReader, totalLength: number): Uint8Array {
  const out = new Uint8Array(totalLength);
  out.fill(0xff, 0, MARKER_LENGTH);
  out[MARKER_LENGTH] = totalLength >>> 8;
  out[MARKER_LENGTH + 1] = totalLength & 0xff;
  out[MARKER_LENGTH + 2] = MsgType.ROUTE_REFRESH;
  out.set(r.bytes(r.remaining), HEADER_LENGTH);
  return out;
}
