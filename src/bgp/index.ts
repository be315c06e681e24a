/**
 * petrel's BGP-4 codec as a library (SPEC §2): `decodeMessage` turns one whole message (header
 * included) into a typed `BgpMessage`, `encodeMessage` does the reverse, and everything a tool
 * needs (types, `BgpError`, constants, the framer, address helpers) is re-exported from here.
 *
 * Any bytes either decode or throw a `BgpError` carrying the NOTIFICATION code, subcode and data
 * (RFC 4271 §6); a RangeError or TypeError escaping `decodeMessage` is a bug. Encoding a message
 * that cannot be represented (a value out of range, an UPDATE over the size limit) throws a
 * RangeError: that is the caller's bug, not the peer's.
 */
import { HEADER_LENGTH, HeaderSubcode, MARKER_LENGTH, MAX_MESSAGE_LENGTH, MsgType, UpdateSubcode } from './constants.js';
import { DEFAULT_CONTEXT, resolveContext, type ResolvedContext } from './context.js';
import { type BgpError, headerError, updateError } from './errors.js';
import { checkHeader, lengthFieldData, finishHeader, startHeader } from './header.js';
import { decodeKeepalive } from './keepalive.js';
import { decodeNotification, encodeNotification } from './notification.js';
import { decodeOpen, encodeOpen } from './open.js';
import { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh.js';
import type { BgpMessage, BgpMessageType, CodecContext } from './types.js';
import { decodeUpdate, encodeUpdate } from './update.js';
import { WireReader } from './wire/reader.js';
import { WireWriter } from './wire/writer.js';

export * from './address.js';
export * from './capabilities.js';
export * from './constants.js';
export { afiSafiFromName, afiSafiName, DEFAULT_CONTEXT, resolveContext, type ResolvedContext } from './context.js';
export * from './errors.js';
export { BgpFramer } from './framer.js';
export { formatIpv4Network, Ipv4Nlri, ipv4KeyOf, PackedIpv4Prefixes } from './nlri.js';
export { checkHeader } from './header.js';
export { decodeKeepalive, KEEPALIVE } from './keepalive.js';
export * from './notification.js';
export * from './notification-names.js';
export { decodeOpen, encodeOpen } from './open.js';
export { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh.js';
export type * from './types.js';
export { decodeUpdate, encodeUpdate } from './update.js';
export { WireReader } from './wire/reader.js';
export { WireWriter } from './wire/writer.js';

/**
 * Sessions pass the same context object for every message; resolving it once keeps a Set
 * allocation off the per-message path. Contexts are treated as immutable.
 */
const resolvedContexts = new WeakMap<CodecContext, ResolvedContext>();

function resolved(ctx: CodecContext | undefined): ResolvedContext {
  if (ctx === undefined) return DEFAULT_CONTEXT;
  let r = resolvedContexts.get(ctx);
  if (r === undefined) {
    r = resolveContext(ctx);
    resolvedContexts.set(ctx, r);
  }
  return r;
}

// Short reads inside a body, by message type. The header checks make most of them unreachable;
// for UPDATE, RFC 4271 §6.3 calls inconsistent lengths a Malformed Attribute List.
const shortUpdate = (): BgpError =>
  updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'update.length', 'UPDATE field lengths run past the end of the message');
const shortMessage = (): BgpError =>
  headerError(HeaderSubcode.BAD_MESSAGE_LENGTH, 'header.length', 'message body is shorter than its fields');

/**
 * Decode one whole message, header included.
 * @param bytes exactly one message (as `BgpFramer.push` returns them)
 * @param ctx   what the session negotiated (4-octet AS, ADD-PATH, extended messages)
 * @throws BgpError with the NOTIFICATION to send; `action` is always `session-reset`
 */
export function decodeMessage(bytes: Uint8Array, ctx?: CodecContext): BgpMessage {
  const c = resolved(ctx);
  if (bytes.length < HEADER_LENGTH) {
    throw headerError(
      HeaderSubcode.BAD_MESSAGE_LENGTH,
      'header.length-mismatch',
      `${bytes.length} octets cannot hold a message header`,
      new Uint8Array(bytes.subarray(MARKER_LENGTH, MARKER_LENGTH + 2)),
    );
  }
  const length = checkHeader(bytes, 0, c.maxMessageLength);
  if (length !== bytes.length) {
    throw headerError(
      HeaderSubcode.BAD_MESSAGE_LENGTH,
      'header.length-mismatch',
      `the header says ${length} octets but ${bytes.length} were given`,
      lengthFieldData(length),
    );
  }
  const type = bytes[HEADER_LENGTH - 1]!;
  switch (type) {
    case MsgType.OPEN:
      return decodeOpen(new WireReader(bytes, shortMessage, HEADER_LENGTH, length));
    case MsgType.UPDATE:
      return decodeUpdate(new WireReader(bytes, shortUpdate, HEADER_LENGTH, length), c);
    case MsgType.NOTIFICATION:
      return decodeNotification(new WireReader(bytes, shortMessage, HEADER_LENGTH, length));
    case MsgType.KEEPALIVE:
      return decodeKeepalive();
    default: // MsgType.ROUTE_REFRESH: checkHeader let no other type through
      return decodeRouteRefresh(new WireReader(bytes, shortMessage, HEADER_LENGTH, length));
  }
}

const TYPE_CODE: Readonly<Record<BgpMessageType, MsgType>> = {
  open: MsgType.OPEN,
  update: MsgType.UPDATE,
  notification: MsgType.NOTIFICATION,
  keepalive: MsgType.KEEPALIVE,
  'route-refresh': MsgType.ROUTE_REFRESH,
};

/**
 * Encode one whole message, header included.
 * @throws RangeError when the message cannot be encoded, e.g. it exceeds 4096 octets (65535 with
 *   `ctx.extendedMessage`; RFC 8654 §3: never for OPEN or KEEPALIVE)
 */
export function encodeMessage(message: BgpMessage, ctx?: CodecContext): Buffer {
  const c = resolved(ctx);
  const w = new WireWriter(message.type === 'update' ? 1024 : 64);
  const start = startHeader(w, TYPE_CODE[message.type]);
  switch (message.type) {
    case 'open':
      encodeOpen(w, message);
      break;
    case 'update':
      encodeUpdate(w, message, c);
      break;
    case 'notification':
      encodeNotification(w, message);
      break;
    case 'keepalive':
      break;
    case 'route-refresh':
      encodeRouteRefresh(w, message);
      break;
  }
  const max = message.type === 'open' || message.type === 'keepalive' ? MAX_MESSAGE_LENGTH : c.maxMessageLength;
  if (w.length - start > max) {
    throw new RangeError(`${message.type} message of ${w.length - start} octets exceeds the ${max}-octet maximum`);
  }
  finishHeader(w, start);
  return w.finish();
}
