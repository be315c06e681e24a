/**
 * nlmsghdr framing (netlink(7), <linux/netlink.h>): a datagram holds one or more messages, each a
 * 16-octet header (u32 length including the header, u16 type, u16 flags, u32 sequence number,
 * u32 port id) and a payload, padded to 4 octets. Control messages: NLMSG_ERROR carries a
 * negative errno (0 = ACK), the header of the request it answers (whose nlmsg_seq tells which),
 * then, unless NLM_F_CAPPED, the rest of that request, then extended-ACK TLVs when
 * NLM_F_ACK_TLVS is set (NETLINK_EXT_ACK). NLMSG_DONE ends a dump with an int status.
 */
import { constants as osConstants } from 'node:os';
import { AttrCursor } from './attrs.js';
import { ByteView, NetlinkWriter, align4 } from './bytes.js';
import { NlmAckFlag, NlmFlag, NlmGetFlag, NlmsgType, NlmsgerrAttr } from './constants.js';
import { NetlinkDecodeError, NetlinkEncodeError } from './errors.js';

/** sizeof(struct nlmsghdr). */
export const NLMSG_HEADER_BYTES = 16;
/** sizeof(struct nlmsgerr) without the echoed payload: int error + nlmsghdr. */
const NLMSGERR_BYTES = 4 + NLMSG_HEADER_BYTES;

export interface NetlinkHeader {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
}

/** One message of a datagram; `payload` is a view of the bytes after the header. */
export interface NetlinkMessage extends NetlinkHeader {
  readonly payload: Uint8Array;
}

/**
 * Splits a datagram into its messages (NLMSG_OK / NLMSG_NEXT). The last message may lack its
 * padding; anything else that cannot hold a message is a `NetlinkDecodeError`.
 */
export function splitDatagram(datagram: Uint8Array): NetlinkMessage[] {
  const view = new ByteView(datagram);
  const messages: NetlinkMessage[] = [];
  let at = 0;
  while (at < datagram.length) {
    const left = datagram.length - at;
    if (left < NLMSG_HEADER_BYTES) throw new NetlinkDecodeError('remnant', at, `${left} octets after the last message`);
    const length = view.u32(at);
    if (length < NLMSG_HEADER_BYTES || length > left) {
      throw new NetlinkDecodeError('nlmsg-length', at, `nlmsg_len ${length} with ${left} octets left`);
    }
    messages.push({
      type: view.u16(at + 4),
      flags: view.u16(at + 6),
      seq: view.u32(at + 8),
      pid: view.u32(at + 12),
      payload: datagram.subarray(at + NLMSG_HEADER_BYTES, at + length),
    });
    at += align4(length);
  }
  return messages;
}

/** Extended ACK details (NETLINK_EXT_ACK); fields absent when the kernel sent none. */
export interface ExtendedAck {
  /** NLMSGERR_ATTR_MSG: the kernel's explanation, e.g. "Nexthop has invalid gateway". */
  readonly message?: string;
  /** NLMSGERR_ATTR_OFFS: offset of the offending attribute in the request. */
  readonly offset?: number;
  /** NLMSGERR_ATTR_MISS_TYPE: a required attribute that was missing. */
  readonly missingType?: number;
}

/** A decoded NLMSG_ERROR: a failure (errno > 0) or an ACK (errno 0) for one request. */
export interface ErrorReply {
  /** The positive errno (EEXIST = 17...); 0 for an ACK. */
  readonly errno: number;
  /** The errno's name when this platform knows it ('EEXIST'). */
  readonly code: string | undefined;
  /** The header of the request this answers; `request.seq` identifies it. */
  readonly request: NetlinkHeader;
  readonly extAck: ExtendedAck;
}

/** A decoded NLMSG_DONE: the dump's status (0 or a positive errno). */
export interface DoneReply {
  readonly errno: number;
  readonly code: string | undefined;
  readonly extAck: ExtendedAck;
}

const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(osConstants.errno).map(([name, value]) => [value, name] as const),
);

/** The name of a positive errno ('EEXIST'), or undefined. */
export function errnoName(errno: number): string | undefined {
  return ERRNO_NAMES.get(errno);
}

/** Decodes the payload of an NLMSG_ERROR message. */
export function decodeErrorReply(message: NetlinkMessage): ErrorReply {
  const view = new ByteView(message.payload);
  view.need(0, NLMSGERR_BYTES, 'struct nlmsgerr');
  const errno = 0 - view.i32(0); // not -x, which makes -0 of an ACK
  const request: NetlinkHeader = { type: view.u16(8), flags: view.u16(10), seq: view.u32(12), pid: view.u32(16) };
  let extAck: ExtendedAck = {};
  if ((message.flags & NlmAckFlag.ACK_TLVS) !== 0) {
    // The TLVs follow the echoed request: only its header when capped (or for an ACK, which the
    // kernel always caps), else all of it, padded to 4 octets.
    const echoed = (message.flags & NlmAckFlag.CAPPED) !== 0 ? NLMSG_HEADER_BYTES : align4(view.u32(4));
    const tlvStart = 4 + echoed;
    if (tlvStart > view.length) throw new NetlinkDecodeError('struct-short', view.length, `echoed request of ${echoed} octets`);
    extAck = decodeExtAck(view, tlvStart);
  }
  return { errno, code: errnoName(errno), request, extAck };
}

/** Decodes the payload of an NLMSG_DONE message (an int status, then extended-ACK TLVs). */
export function decodeDone(message: NetlinkMessage): DoneReply {
  const view = new ByteView(message.payload);
  // Very old kernels sent an empty NLMSG_DONE; the status is then success.
  const errno = view.length >= 4 ? 0 - view.i32(0) : 0;
  const extAck = (message.flags & NlmAckFlag.ACK_TLVS) !== 0 && view.length > 4 ? decodeExtAck(view, 4) : {};
  return { errno, code: errnoName(errno), extAck };
}

function decodeExtAck(view: ByteView, start: number): ExtendedAck {
  const cursor = new AttrCursor(view, start, view.length);
  let message: string | undefined;
  let offset: number | undefined;
  let missingType: number | undefined;
  while (cursor.next()) {
    if (cursor.type === NlmsgerrAttr.MSG) message = cursor.string();
    else if (cursor.type === NlmsgerrAttr.OFFS) offset = cursor.u32();
    else if (cursor.type === NlmsgerrAttr.MISS_TYPE) missingType = cursor.u32();
  }
  return {
    ...(message !== undefined && { message }),
    ...(offset !== undefined && { offset }),
    ...(missingType !== undefined && { missingType }),
  };
}

/** Writes the body of one message type (rtmsg + attributes, ifinfomsg + attributes...). */
export type BodyEncoder<T> = (w: NetlinkWriter, body: T) => void;

/** Writes one complete message: header, body, padding, with nlmsg_len backfilled. */
export function writeMessage<T>(w: NetlinkWriter, type: number, flags: number, seq: number, encodeBody: BodyEncoder<T>, body: T): void {
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xffffffff) throw new NetlinkEncodeError('out-of-range', `nlmsg_seq ${seq}`);
  const start = w.length;
  w.u32(0);
  w.u16(type);
  w.u16(flags);
  w.u32(seq);
  // nlmsg_pid 0: the message is for the kernel, which fills in our port id.
  w.u32(0);
  encodeBody(w, body);
  w.pad();
  w.setU32(start, w.length - start);
}

/** One request as its own buffer (for single requests outside a batch). */
export function encodeRequest<T>(type: number, flags: number, seq: number, encodeBody: BodyEncoder<T>, body: T): Buffer {
  const w = new NetlinkWriter(256);
  writeMessage(w, type, flags, seq, encodeBody, body);
  return Buffer.from(w.finish());
}

/** The fixed header of each dump request type: its family octet then zeros. */
export interface DumpSpec {
  /** RTM_GETROUTE, RTM_GETLINK, RTM_GETADDR or RTM_GETNEIGH. */
  readonly type: number;
  /** sizeof the type's struct: rtmsg 12, ifinfomsg 16, ifaddrmsg 8, ndmsg 12. */
  readonly headerBytes: number;
  /** AF_INET, AF_INET6, AF_BRIDGE or AF_UNSPEC for all. */
  readonly family: number;
}

/** A dump request (NLM_F_REQUEST|NLM_F_DUMP): the kernel answers with NLM_F_MULTI parts and NLMSG_DONE. */
export function writeDumpRequest(w: NetlinkWriter, seq: number, spec: DumpSpec): void {
  writeMessage(w, spec.type, NlmFlag.REQUEST | NlmGetFlag.DUMP, seq, writeDumpBody, spec);
}

function writeDumpBody(w: NetlinkWriter, spec: DumpSpec): void {
  w.u8(spec.family);
  w.zeros(spec.headerBytes - 1);
}

/**
 * A barrier: NLMSG_NOOP with NLM_F_ACK. The kernel skips control messages but still ACKs them
 * (af_netlink.c netlink_rcv_skb), in order after everything sent before it on the socket, so
 * its ACK means every earlier request has been processed and any failure already reported.
 */
export function writeBarrier(w: NetlinkWriter, seq: number): void {
  writeMessage(w, NlmsgType.NOOP, NlmFlag.REQUEST | NlmFlag.ACK, seq, writeNothing, undefined);
}

function writeNothing(): void {}
