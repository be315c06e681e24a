/**
 * Messages a session sent and received, by type (RFC 4271 §4.1, RFC 2918): one increment per
 * message, read by the metrics at scrape time. Counted at the session's connections, so OPENs,
 * KEEPALIVEs and the NOTIFICATIONs of collision resolution (RFC 4271 §6.8) are in too.
 */
import { HEADER_LENGTH, MsgType } from '../bgp/constants.js';

/** Message type names as metrics label them. */
export const MESSAGE_TYPE_NAMES = {
  [MsgType.OPEN]: 'open',
  [MsgType.UPDATE]: 'update',
  [MsgType.NOTIFICATION]: 'notification',
  [MsgType.KEEPALIVE]: 'keepalive',
  [MsgType.ROUTE_REFRESH]: 'route-refresh',
} as const;
export type MessageTypeName = (typeof MESSAGE_TYPE_NAMES)[MsgType];
export const MESSAGE_TYPES: readonly MessageTypeName[] = Object.values(MESSAGE_TYPE_NAMES);

export type MessageCounts = Record<MessageTypeName, number>;

export interface SessionMessageCounts {
  readonly sent: MessageCounts;
  readonly received: MessageCounts;
}

/** The type octet follows the 16-octet marker and the 2-octet length (RFC 4271 §4.1). */
const TYPE_OFFSET = HEADER_LENGTH - 1;

export function newMessageCounts(): MessageCounts {
  return { open: 0, update: 0, notification: 0, keepalive: 0, 'route-refresh': 0 };
}

export function newSessionMessageCounts(): SessionMessageCounts {
  return { sent: newMessageCounts(), received: newMessageCounts() };
}

/** The type name of a whole encoded message (header included); undefined for an unknown type. */
export function messageTypeName(message: Uint8Array): MessageTypeName | undefined {
  const type = message[TYPE_OFFSET];
  return type === undefined ? undefined : (MESSAGE_TYPE_NAMES as Partial<Record<number, MessageTypeName>>)[type];
}

/** One increment for `message` in `counts`, by its header's type octet. */
export function countMessage(counts: MessageCounts, message: Uint8Array): void {
  const name = messageTypeName(message);
  if (name !== undefined) counts[name]++;
}

/** `into` += `from`, type by type. */
export function addMessageCounts(into: MessageCounts, from: Readonly<MessageCounts>): void {
  for (const type of MESSAGE_TYPES) into[type] += from[type];
}
