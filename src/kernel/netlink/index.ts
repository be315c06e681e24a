/**
 * rtnetlink message codec for the kernel syncer: bytes in, typed messages out, and back. No
 * sockets here; src/native/netlink.ts moves the datagrams.
 */
import { NlmsgType, RtmType } from './constants.js';
import { decodeAddressBody, type AddressMessage } from './address.js';
import { decodeLinkBody, type LinkMessage } from './link.js';
import { type DoneReply, type ErrorReply, type NetlinkMessage, decodeDone, decodeErrorReply } from './message.js';
import { decodeNeighBody, type NeighMessage } from './neigh.js';
import { decodeRouteBody, type RouteMessage } from './route.js';

export * from './address.js';
export * from './addresses.js';
export * from './attrs.js';
export * from './batch.js';
export * from './bytes.js';
export * from './constants.js';
export * from './errors.js';
export * from './link.js';
export * from './message.js';
export * from './neigh.js';
export * from './route.js';

/** A received rtnetlink message, decoded by type; `op` tells a NEW from a DEL. */
export type RtnetlinkMessage =
  | { readonly kind: 'error'; readonly seq: number; readonly reply: ErrorReply }
  | { readonly kind: 'done'; readonly seq: number; readonly reply: DoneReply }
  | { readonly kind: 'route'; readonly op: 'new' | 'del'; readonly seq: number; readonly route: RouteMessage }
  | { readonly kind: 'link'; readonly op: 'new' | 'del'; readonly seq: number; readonly link: LinkMessage }
  | { readonly kind: 'address'; readonly op: 'new' | 'del'; readonly seq: number; readonly address: AddressMessage }
  | { readonly kind: 'neigh'; readonly op: 'new' | 'del'; readonly seq: number; readonly neigh: NeighMessage }
  | { readonly kind: 'other'; readonly seq: number; readonly type: number };

/** Decodes one message of a datagram (from `splitDatagram`); throws only NetlinkDecodeError. */
export function decodeRtnetlink(message: NetlinkMessage): RtnetlinkMessage {
  const { seq, payload } = message;
  switch (message.type) {
    case NlmsgType.ERROR:
      return { kind: 'error', seq, reply: decodeErrorReply(message) };
    case NlmsgType.DONE:
      return { kind: 'done', seq, reply: decodeDone(message) };
    case RtmType.NEWROUTE:
    case RtmType.DELROUTE:
      return { kind: 'route', op: message.type === RtmType.NEWROUTE ? 'new' : 'del', seq, route: decodeRouteBody(payload) };
    case RtmType.NEWLINK:
    case RtmType.DELLINK:
      return { kind: 'link', op: message.type === RtmType.NEWLINK ? 'new' : 'del', seq, link: decodeLinkBody(payload) };
    case RtmType.NEWADDR:
    case RtmType.DELADDR:
      return { kind: 'address', op: message.type === RtmType.NEWADDR ? 'new' : 'del', seq, address: decodeAddressBody(payload) };
    case RtmType.NEWNEIGH:
    case RtmType.DELNEIGH:
      return { kind: 'neigh', op: message.type === RtmType.NEWNEIGH ? 'new' : 'del', seq, neigh: decodeNeighBody(payload) };
    default:
      return { kind: 'other', seq, type: message.type };
  }
}
