/**
 * The two errors of the rtnetlink codec. Decoders throw only `NetlinkDecodeError` (never a raw
 * RangeError from a short buffer), with a stable `id` for logs and tests and the byte offset in the
 * datagram where the problem was found; encoders throw `NetlinkEncodeError` for input they cannot
 * put on the wire (an address that does not parse, a value out of its field's range).
 */
export type NetlinkDecodeErrorId =
  | 'nlmsg-length' // nlmsg_len below the header or past the datagram
  | 'remnant' // bytes after the last message that cannot hold a header
  | 'struct-short' // a fixed header (rtmsg, ifinfomsg, nlmsgerr...) cut short
  | 'attr-length' // rta_len below 4 or past its container
  | 'attr-size' // a fixed-size attribute with the wrong payload length
  | 'address-length' // an address whose length does not fit its family
  | 'nexthop-length' // an rtnexthop in RTA_MULTIPATH cut short
  | 'unsupported-family'; // an address family this codec does not model (e.g. AF_MPLS routes)

export class NetlinkDecodeError extends Error {
  override readonly name = 'NetlinkDecodeError';
  constructor(
    readonly id: NetlinkDecodeErrorId,
    readonly offset: number,
    detail: string,
  ) {
    super(`${id} at offset ${offset}: ${detail}`);
  }
}

export type NetlinkEncodeErrorId = 'bad-address' | 'bad-prefix' | 'bad-mac' | 'out-of-range' | 'too-long';

export class NetlinkEncodeError extends Error {
  override readonly name = 'NetlinkEncodeError';
  constructor(
    readonly id: NetlinkEncodeErrorId,
    detail: string,
  ) {
    super(`${id}: ${detail}`);
  }
}
