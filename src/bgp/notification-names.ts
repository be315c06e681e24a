/**
 * Names of NOTIFICATION error codes and subcodes for logs and `show` (BIRD's description table),
 * from IANA "BGP Error (Notification) Codes" and its subcode registries: RFC 4271 §4.5/§6,
 * RFC 4486 (Cease), RFC 5492 (Unsupported Capability), RFC 6608 (FSM), RFC 7313 (ROUTE-REFRESH),
 * RFC 8538 (Hard Reset), RFC 9234 (Role Mismatch), RFC 9384 (BFD Down) and RFC 9003 (shutdown text).
 */
import { CeaseSubcode, FsmSubcode, HeaderSubcode, NotifCode, OpenSubcode, RouteRefreshSubcode, UpdateSubcode } from './constants.js';
import { parseShutdownMessage } from './notification.js';
import type { NotificationMessage } from './types.js';

interface CodeNames {
  readonly name: string;
  readonly subcodes: Readonly<Record<number, string>>;
}

export const NOTIFICATION_NAMES: Readonly<Record<number, CodeNames>> = {
  [NotifCode.MESSAGE_HEADER_ERROR]: {
    name: 'Message Header Error',
    subcodes: {
      [HeaderSubcode.UNSPECIFIC]: 'Unspecific',
      [HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED]: 'Connection Not Synchronized',
      [HeaderSubcode.BAD_MESSAGE_LENGTH]: 'Bad Message Length',
      [HeaderSubcode.BAD_MESSAGE_TYPE]: 'Bad Message Type',
    },
  },
  [NotifCode.OPEN_MESSAGE_ERROR]: {
    name: 'OPEN Message Error',
    subcodes: {
      [OpenSubcode.UNSPECIFIC]: 'Unspecific',
      [OpenSubcode.UNSUPPORTED_VERSION_NUMBER]: 'Unsupported Version Number',
      [OpenSubcode.BAD_PEER_AS]: 'Bad Peer AS',
      [OpenSubcode.BAD_BGP_IDENTIFIER]: 'Bad BGP Identifier',
      [OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER]: 'Unsupported Optional Parameter',
      5: 'Authentication Failure (deprecated)',
      [OpenSubcode.UNACCEPTABLE_HOLD_TIME]: 'Unacceptable Hold Time',
      [OpenSubcode.UNSUPPORTED_CAPABILITY]: 'Unsupported Capability',
      [OpenSubcode.ROLE_MISMATCH]: 'Role Mismatch',
    },
  },
  [NotifCode.UPDATE_MESSAGE_ERROR]: {
    name: 'UPDATE Message Error',
    subcodes: {
      [UpdateSubcode.UNSPECIFIC]: 'Unspecific',
      [UpdateSubcode.MALFORMED_ATTRIBUTE_LIST]: 'Malformed Attribute List',
      [UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE]: 'Unrecognized Well-known Attribute',
      [UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE]: 'Missing Well-known Attribute',
      [UpdateSubcode.ATTRIBUTE_FLAGS_ERROR]: 'Attribute Flags Error',
      [UpdateSubcode.ATTRIBUTE_LENGTH_ERROR]: 'Attribute Length Error',
      [UpdateSubcode.INVALID_ORIGIN_ATTRIBUTE]: 'Invalid ORIGIN Attribute',
      7: 'AS Routing Loop (deprecated)',
      [UpdateSubcode.INVALID_NEXT_HOP_ATTRIBUTE]: 'Invalid NEXT_HOP Attribute',
      [UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR]: 'Optional Attribute Error',
      [UpdateSubcode.INVALID_NETWORK_FIELD]: 'Invalid Network Field',
      [UpdateSubcode.MALFORMED_AS_PATH]: 'Malformed AS_PATH',
    },
  },
  [NotifCode.HOLD_TIMER_EXPIRED]: { name: 'Hold Timer Expired', subcodes: { 0: 'Unspecific' } },
  [NotifCode.FSM_ERROR]: {
    name: 'Finite State Machine Error',
    subcodes: {
      [FsmSubcode.UNSPECIFIED]: 'Unspecified Error',
      [FsmSubcode.UNEXPECTED_MESSAGE_IN_OPENSENT]: 'Receive Unexpected Message in OpenSent State',
      [FsmSubcode.UNEXPECTED_MESSAGE_IN_OPENCONFIRM]: 'Receive Unexpected Message in OpenConfirm State',
      [FsmSubcode.UNEXPECTED_MESSAGE_IN_ESTABLISHED]: 'Receive Unexpected Message in Established State',
    },
  },
  [NotifCode.CEASE]: {
    name: 'Cease',
    subcodes: {
      [CeaseSubcode.UNSPECIFIC]: 'Unspecific',
      [CeaseSubcode.MAXIMUM_NUMBER_OF_PREFIXES_REACHED]: 'Maximum Number of Prefixes Reached',
      [CeaseSubcode.ADMINISTRATIVE_SHUTDOWN]: 'Administrative Shutdown',
      [CeaseSubcode.PEER_DECONFIGURED]: 'Peer De-configured',
      [CeaseSubcode.ADMINISTRATIVE_RESET]: 'Administrative Reset',
      [CeaseSubcode.CONNECTION_REJECTED]: 'Connection Rejected',
      [CeaseSubcode.OTHER_CONFIGURATION_CHANGE]: 'Other Configuration Change',
      [CeaseSubcode.CONNECTION_COLLISION_RESOLUTION]: 'Connection Collision Resolution',
      [CeaseSubcode.OUT_OF_RESOURCES]: 'Out of Resources',
      [CeaseSubcode.HARD_RESET]: 'Hard Reset',
      [CeaseSubcode.BFD_DOWN]: 'BFD Down',
    },
  },
  [NotifCode.ROUTE_REFRESH_MESSAGE_ERROR]: {
    name: 'ROUTE-REFRESH Message Error',
    subcodes: {
      [RouteRefreshSubcode.RESERVED]: 'Reserved',
      [RouteRefreshSubcode.INVALID_MESSAGE_LENGTH]: 'Invalid Message Length',
    },
  },
};

/** "Cease / Administrative Shutdown"; unknown numbers appear as numbers. */
export function notificationName(code: number, subcode: number): string {
  const entry = NOTIFICATION_NAMES[code];
  if (!entry) return `Error code ${code} / subcode ${subcode}`;
  return `${entry.name} / ${entry.subcodes[subcode] ?? `subcode ${subcode}`}`;
}

/** Data octets shown in a log line; the rest is summarised (BIRD caps its dump the same way). */
export const MAX_LOGGED_DATA_OCTETS = 64;

function hexCapped(data: Uint8Array): string {
  const shown = Math.min(data.length, MAX_LOGGED_DATA_OCTETS);
  const parts = new Array<string>(shown);
  for (let i = 0; i < shown; i++) parts[i] = data[i]!.toString(16).padStart(2, '0');
  const more = data.length - shown;
  return more > 0 ? `${parts.join(' ')} … (+${more} octets)` : parts.join(' ');
}

/**
 * One line for a log: names, numbers, the shutdown text if any, and the data in hex (capped).
 * RFC 8538 §3.1: a Hard Reset carries the original code and subcode first in its data; they are named too.
 */
export function describeNotification(m: Pick<NotificationMessage, 'code' | 'subcode' | 'data'>): string {
  let line = `${notificationName(m.code, m.subcode)} (${m.code}/${m.subcode})`;
  if (m.code === NotifCode.CEASE && m.subcode === CeaseSubcode.HARD_RESET && m.data.length >= 2) {
    const inner = { code: m.data[0]!, subcode: m.data[1]!, data: m.data.subarray(2) };
    return `${line} for ${describeNotification(inner)}`;
  }
  const shutdown = parseShutdownMessage(m.code, m.subcode, m.data);
  if (shutdown !== undefined) line += `: ${JSON.stringify(shutdown)}`;
  if (m.data.length > 0) line += ` data ${hexCapped(m.data)}`;
  return line;
}
