/**
 * From what the codec produced to the RFC 4271 §8.1.5 event the state machine takes, so the
 * session runner needs no protocol knowledge: a decoded message, or the BgpError the framer or
 * a decoder threw.
 */
import { NotifCode, OpenSubcode } from '../bgp/constants.js';
import type { BgpError } from '../bgp/errors.js';
import type { BgpMessage } from '../bgp/types.js';
import type { FsmEvent } from './states.js';

export function eventForMessage(m: BgpMessage): FsmEvent {
  switch (m.type) {
    case 'open':
      return { type: 'BGPOpen', open: m };
    case 'update':
      return { type: 'UpdateMsg', update: m };
    case 'keepalive':
      return { type: 'KeepAliveMsg' };
    case 'route-refresh':
      return { type: 'RouteRefresh', message: m };
    case 'notification':
      // RFC 4271 §8.1.5 Event 24: the peer rejected our version (2/1).
      return m.code === NotifCode.OPEN_MESSAGE_ERROR && m.subcode === OpenSubcode.UNSUPPORTED_VERSION_NUMBER
        ? { type: 'NotifMsgVerErr', notification: m }
        : { type: 'NotifMsg', notification: m };
  }
}

/**
 * RFC 4271 §8.1.5 Events 21, 22, 28 by error family. RFC 4271 has no event for other errors
 * (e.g. a malformed ROUTE-REFRESH, RFC 7313 §5 7/1): they end the session as a header error does,
 * with their own NOTIFICATION.
 */
export function eventForDecodeError(error: BgpError): FsmEvent {
  switch (error.code) {
    case NotifCode.OPEN_MESSAGE_ERROR:
      return { type: 'BGPOpenMsgErr', error };
    case NotifCode.UPDATE_MESSAGE_ERROR:
      return { type: 'UpdateMsgErr', error };
    default:
      return { type: 'BGPHeaderErr', error };
  }
}
