/**
 * Hand-built rtnetlink bytes for the netlink socket tests, independent of any petrel codec:
 * a route dump request and a minimal reader for the replies (netlink(7), rtnetlink(7)).
 */
export const NlmsgType = { ERROR: 2, DONE: 3 } as const;
export const RtmType = { NEWROUTE: 24, DELROUTE: 25, GETROUTE: 26 } as const;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
const RT_TABLE_MAIN = 254;
const RTN_BLACKHOLE = 6;
const NLM_F_DUMP = 0x300; // NLM_F_ROOT | NLM_F_MATCH
const NLMSG_HEADER_BYTES = 16;
const RTMSG_BYTES = 12;
const RTA_DST = 1;

/** RTM_GETROUTE dump request: struct nlmsghdr then a zeroed struct rtmsg with only the family. */
export function routeDumpRequest(seq: number, family: number): Buffer {
  const bytes = Buffer.alloc(NLMSG_HEADER_BYTES + RTMSG_BYTES);
  bytes.writeUInt32LE(bytes.length, 0); // nlmsg_len
  bytes.writeUInt16LE(RtmType.GETROUTE, 4); // nlmsg_type
  bytes.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6); // nlmsg_flags
  bytes.writeUInt32LE(seq, 8); // nlmsg_seq
  bytes.writeUInt32LE(0, 12); // nlmsg_pid: 0, the kernel fills in our port
  bytes.writeUInt8(family, 16); // rtm_family; dst_len, src_len, tos, table, protocol, scope, type, flags stay 0
  return bytes;
}

/** RTM_NEWROUTE (create, exclusive, ACK) of `blackhole <a.b.c.d>/<length>` in the main table. */
export function ipv4BlackholeAddRequest(seq: number, destination: string, length: number): Buffer {
  const bytes = Buffer.alloc(NLMSG_HEADER_BYTES + RTMSG_BYTES + 8);
  bytes.writeUInt32LE(bytes.length, 0);
  bytes.writeUInt16LE(RtmType.NEWROUTE, 4);
  bytes.writeUInt16LE(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 6);
  bytes.writeUInt32LE(seq, 8);
  const rtmsg = NLMSG_HEADER_BYTES;
  bytes.writeUInt8(2, rtmsg); // rtm_family AF_INET
  bytes.writeUInt8(length, rtmsg + 1); // rtm_dst_len
  bytes.writeUInt8(RT_TABLE_MAIN, rtmsg + 4);
  bytes.writeUInt8(3, rtmsg + 5); // rtm_protocol RTPROT_BOOT, what `ip route add` writes
  bytes.writeUInt8(RTN_BLACKHOLE, rtmsg + 7);
  const attribute = rtmsg + RTMSG_BYTES;
  bytes.writeUInt16LE(8, attribute); // rta_len
  bytes.writeUInt16LE(RTA_DST, attribute + 2);
  destination.split('.').forEach((octet, i) => bytes.writeUInt8(Number(octet), attribute + 4 + i));
  return bytes;
}

export interface NetlinkMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
  readonly payload: Buffer;
}

/** The netlink messages of one datagram (each padded to 4 octets). */
export function splitMessages(datagram: Buffer): NetlinkMessage[] {
  const messages: NetlinkMessage[] = [];
  for (let offset = 0; offset + NLMSG_HEADER_BYTES <= datagram.length; ) {
    const length = datagram.readUInt32LE(offset);
    if (length < NLMSG_HEADER_BYTES || offset + length > datagram.length) throw new Error(`bad nlmsg_len ${length}`);
    messages.push({
      type: datagram.readUInt16LE(offset + 4),
      flags: datagram.readUInt16LE(offset + 6),
      seq: datagram.readUInt32LE(offset + 8),
      pid: datagram.readUInt32LE(offset + 12),
      payload: datagram.subarray(offset + NLMSG_HEADER_BYTES, offset + length),
    });
    offset += (length + 3) & ~3;
  }
  return messages;
}

/** "a.b.c.d/len" of an IPv4 RTM_NEWROUTE/DELROUTE payload, from rtm_dst_len and RTA_DST. */
export function ipv4RouteDestination(payload: Buffer): string | undefined {
  const dstLength = payload.readUInt8(1);
  for (let offset = RTMSG_BYTES; offset + 4 <= payload.length; ) {
    const length = payload.readUInt16LE(offset);
    if (length < 4) return undefined;
    if (payload.readUInt16LE(offset + 2) === RTA_DST && length === 8) {
      return `${[...payload.subarray(offset + 4, offset + 8)].join('.')}/${dstLength}`;
    }
    offset += (length + 3) & ~3;
  }
  return undefined;
}
