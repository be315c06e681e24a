/**
 * NOTIFICATION message body (RFC 4271 §4.5): error code, subcode, data. The data is kept as
 * received; for Cease / Administrative Shutdown and Administrative Reset it may hold an RFC 9003
 * shutdown communication (length octet + UTF-8, at most 255 octets), which is decoded into
 * `shutdownMessage` when it is well formed (RFC 9003 §4: a malformed one is only logged, so it
 * stays in `data`). The encoder writes `data` as given; build messages with `shutdownNotification`
 * or `notificationFor` so that both fields agree.
 */
import { CeaseSubcode, NotifCode } from './constants.js';
import { cease, type BgpError } from './errors.js';
import type { NotificationMessage } from './types.js';
import type { WireReader } from './wire/reader.js';
import type { WireWriter } from './wire/writer.js';

/** RFC 9003 §2: the longest shutdown communication, in octets. */
export const MAX_SHUTDOWN_MESSAGE_OCTETS = 255;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** Decode a NOTIFICATION body (the header already guaranteed code and subcode are there). */
export function decodeNotification(r: WireReader): NotificationMessage {
  const code = r.u8();
  const subcode = r.u8();
  // Copied: a NOTIFICATION is kept for logs and `show`, and must not pin the receive chunk.
  const data = new Uint8Array(r.rest());
  return withShutdownMessage(code, subcode, data);
}

export function encodeNotification(w: WireWriter, m: NotificationMessage): void {
  w.u8(m.code).u8(m.subcode).bytes(m.data);
}

/** The NOTIFICATION for an error the codec or FSM raised. */
export function notificationFor(err: BgpError): NotificationMessage {
  return withShutdownMessage(err.code, err.subcode, err.data);
}

/**
 * Cease with an RFC 9003 shutdown communication, cut at a character boundary to 255 octets.
 * @param subcode ADMINISTRATIVE_SHUTDOWN (default) or ADMINISTRATIVE_RESET
 */
export function shutdownNotification(
  text: string,
  subcode: typeof CeaseSubcode.ADMINISTRATIVE_SHUTDOWN | typeof CeaseSubcode.ADMINISTRATIVE_RESET = CeaseSubcode.ADMINISTRATIVE_SHUTDOWN,
): NotificationMessage {
  const utf8 = truncateUtf8(utf8Encoder.encode(text), MAX_SHUTDOWN_MESSAGE_OCTETS);
  const data = new Uint8Array(1 + utf8.length);
  data[0] = utf8.length;
  data.set(utf8, 1);
  return withShutdownMessage(NotifCode.CEASE, subcode, data);
}

/** RFC 9003 §2: the text of a well-formed shutdown communication in `data`, else undefined. */
export function parseShutdownMessage(code: number, subcode: number, data: Uint8Array): string | undefined {
  if (code !== NotifCode.CEASE) return undefined;
  if (subcode !== CeaseSubcode.ADMINISTRATIVE_SHUTDOWN && subcode !== CeaseSubcode.ADMINISTRATIVE_RESET) return undefined;
  const length = data[0];
  // Length 0 means no communication; a length that disagrees with the data is invalid (§4).
  if (length === undefined || length === 0 || data.length !== 1 + length) return undefined;
  try {
    return utf8Decoder.decode(data.subarray(1));
  } catch {
    return undefined; // §4: invalid UTF-8 is logged by the caller from `data`
  }
}

function withShutdownMessage(code: number, subcode: number, data: Uint8Array): NotificationMessage {
  const shutdownMessage = parseShutdownMessage(code, subcode, data);
  return shutdownMessage === undefined
    ? { type: 'notification', code, subcode, data }
    : { type: 'notification', code, subcode, data, shutdownMessage };
}

/** The longest prefix of `utf8` of at most `max` octets that ends on a character boundary. */
function truncateUtf8(utf8: Uint8Array, max: number): Uint8Array {
  if (utf8.length <= max) return utf8;
  let end = max;
  // Continuation octets are 10xxxxxx: step back to the start of the cut character.
  while (end > 0 && (utf8[end]! & 0xc0) === 0x80) end--;
  return utf8.subarray(0, end);
}

/**
 * The shutdown communication a session ended with (RFC 9003), the one received or the one sent,
 * with control characters blanked as BIRD does before it logs one; undefined when there was none.
 */
export function shutdownCommunicationOf(ended: { readonly sent?: BgpError; readonly received?: NotificationMessage }): string | undefined {
  const text = ended.received
    ? ended.received.shutdownMessage
    : ended.sent?.data === undefined
      ? undefined
      : parseShutdownMessage(ended.sent.code, ended.sent.subcode, ended.sent.data);
  // eslint-disable-next-line no-control-regex -- exactly the control characters are meant
  return text?.replace(/[\u0000-\u001f\u007f]/g, ' ');
}

/** Cease / Administrative Shutdown (or Reset) carrying an RFC 9003 shutdown communication. */
export function shutdownCease(
  text: string,
  subcode: typeof CeaseSubcode.ADMINISTRATIVE_SHUTDOWN | typeof CeaseSubcode.ADMINISTRATIVE_RESET = CeaseSubcode.ADMINISTRATIVE_SHUTDOWN,
): BgpError {
  const id = subcode === CeaseSubcode.ADMINISTRATIVE_RESET ? 'cease.admin-reset' : 'cease.admin-shutdown';
  return cease(subcode, id, text, shutdownNotification(text, subcode).data);
}
