import { describe, expect, it } from 'vitest';
import { beginAttr, endAttr, writeAttrString, writeAttrU32, AttrCursor, attrsOf } from '../../../src/kernel/netlink/attrs.js';
import { ByteView, NetlinkWriter } from '../../../src/kernel/netlink/bytes.js';
import { NlmAckFlag, NlmFlag, NlmGetFlag, NlmsgType, NlmsgerrAttr, RtmType } from '../../../src/kernel/netlink/constants.js';
import { NetlinkDecodeError } from '../../../src/kernel/netlink/errors.js';
import { decodeRtnetlink } from '../../../src/kernel/netlink/index.js';
import {
  decodeDone,
  decodeErrorReply,
  encodeRequest,
  splitDatagram,
  writeBarrier,
  writeDumpRequest,
} from '../../../src/kernel/netlink/message.js';
import { routeDump } from '../../../src/kernel/netlink/route.js';
import { bytes, le32, loadFixture, nlmsg, rtattr } from './helpers.js';

function decodeErrorOf(f: () => unknown): NetlinkDecodeError {
  try {
    f();
  } catch (e) {
    if (e instanceof NetlinkDecodeError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

describe('rtattr TLVs (rtnetlink(7))', () => {
  it('pads each attribute to 4 octets without counting the padding in rta_len', () => {
    const w = new NetlinkWriter(64);
    writeAttrString(w, 3, 'veth0');
    writeAttrU32(w, 4, 1450);
    expect(Buffer.from(w.finish())).toEqual(Buffer.concat([rtattr(3, Buffer.from('veth0\0')), rtattr(4, le32(1450))]));
    expect(w.finish().readUInt16LE(0)).toBe(10);
  });

  it('backfills the length of nested attributes', () => {
    const w = new NetlinkWriter(8);
    const outer = beginAttr(w, 18);
    writeAttrString(w, 1, 'vxlan');
    const inner = beginAttr(w, 2);
    writeAttrU32(w, 1, 4096);
    endAttr(w, inner);
    endAttr(w, outer);
    expect(Buffer.from(w.finish())).toEqual(rtattr(18, rtattr(1, Buffer.from('vxlan\0')), rtattr(2, rtattr(1, le32(4096)))));
  });

  it('walks nested attributes and masks NLA_F_NESTED off the type', () => {
    const buf = Buffer.concat([rtattr(18 | 0x8000, rtattr(1, Buffer.from('vxlan\0'))), rtattr(4, le32(1500))]);
    const cursor = attrsOf(buf, 0);
    expect(cursor.next()).toBe(true);
    expect([cursor.type, cursor.nestedFlag]).toEqual([18, true]);
    const inner = cursor.nested();
    expect(inner.next()).toBe(true);
    expect(inner.string()).toBe('vxlan');
    expect(inner.next()).toBe(false);
    expect(cursor.next()).toBe(true);
    expect([cursor.type, cursor.u32()]).toEqual([4, 1500]);
    expect(cursor.next()).toBe(false);
  });

  it('accepts a last attribute without its trailing padding (RTA_OK)', () => {
    const buf = bytes(0x05, 0x00, 0x07, 0x00, 0x01);
    const cursor = attrsOf(buf, 0);
    expect(cursor.next()).toBe(true);
    expect(cursor.u8()).toBe(1);
    expect(cursor.next()).toBe(false);
  });

  it.each([
    ['rta_len below the header', bytes(0x03, 0x00, 0x01, 0x00), 'attr-length'],
    ['rta_len past the end', bytes(0x09, 0x00, 0x01, 0x00, 1, 2, 3, 4), 'attr-length'],
    ['a partial header', bytes(0x08, 0x00), 'attr-length'],
  ])('rejects %s', (_name, buf, id) => {
    expect(decodeErrorOf(() => attrsOf(buf, 0).next()).id).toBe(id);
  });

  it('rejects a fixed-size attribute of the wrong size', () => {
    const cursor = new AttrCursor(new ByteView(rtattr(4, bytes(1, 2))), 0, 8);
    cursor.next();
    const e = decodeErrorOf(() => cursor.u32());
    expect([e.id, e.offset]).toEqual(['attr-size', 4]);
  });
});

describe('nlmsghdr framing (netlink(7))', () => {
  it('splits a datagram of several messages, padded to 4 octets, with header fields', () => {
    const first = nlmsg(RtmType.NEWROUTE, NlmFlag.MULTI, 7, 1234, bytes(2, 24, 0, 0, 254, 12, 0, 1, 0, 0, 0, 0), rtattr(1, bytes(10, 0, 0, 0)));
    const odd = nlmsg(0x99, 0, 8, 1234, bytes(1, 2, 3)); // 19 octets of content, one of padding
    const done = nlmsg(NlmsgType.DONE, NlmFlag.MULTI, 7, 1234, le32(0));
    const messages = splitDatagram(Buffer.concat([first, odd, done]));
    expect(messages.map((m) => [m.type, m.flags, m.seq, m.pid, m.payload.length])).toEqual([
      [RtmType.NEWROUTE, NlmFlag.MULTI, 7, 1234, 20],
      [0x99, 0, 8, 1234, 4],
      [NlmsgType.DONE, NlmFlag.MULTI, 7, 1234, 4],
    ]);
    // nlmsg_len of `odd` counts its padding (nlmsg() pads the body), so the payload is 4 octets.
  });

  it('accepts a last message without padding', () => {
    const message = Buffer.concat([le32(19), bytes(0x99, 0, 0, 0), le32(1), le32(0), bytes(1, 2, 3)]);
    expect(splitDatagram(message).map((m) => m.payload.length)).toEqual([3]);
  });

  it('splits a real route dump into RTM_NEWROUTE messages that all decode', () => {
    const { datagrams } = loadFixture('dump-routes-v4');
    const messages = datagrams.flatMap((d) => splitDatagram(d));
    expect(messages.length).toBeGreaterThan(3);
    const seqs = new Set(messages.map((m) => m.seq));
    expect(seqs.size).toBe(1);
    for (const message of messages) {
      const decoded = decodeRtnetlink(message);
      expect(decoded.kind === 'route' || decoded.kind === 'done').toBe(true);
    }
    const routes = messages.map(decodeRtnetlink).flatMap((m) => (m.kind === 'route' ? [m.route] : []));
    expect(routes.map((r) => `${r.dst} table ${r.table}`)).toEqual(
      expect.arrayContaining(['10.1.5.0/26 table 1000', '10.1.2.0/26 table 254', '10.1.4.0/26 table 254', '192.0.2.0/24 table 254']),
    );
  });

  it.each([
    ['nlmsg_len below the header', Buffer.concat([le32(15), Buffer.alloc(12)]), 'nlmsg-length'],
    ['nlmsg_len past the datagram', Buffer.concat([le32(40), Buffer.alloc(12)]), 'nlmsg-length'],
    ['a remnant shorter than a header', Buffer.concat([nlmsg(1, 0, 0, 0), bytes(1, 2, 3, 4)]), 'remnant'],
  ])('rejects %s', (_name, datagram, id) => {
    expect(decodeErrorOf(() => splitDatagram(datagram)).id).toBe(id);
  });

  it('encodes a request: nlmsg_len with padding, type, flags, seq, pid 0', () => {
    const buf = encodeRequest(RtmType.GETLINK, NlmFlag.REQUEST, 0x01020304, (w, name: string) => {
      w.zeros(16);
      writeAttrString(w, 3, name);
    }, 'lo');
    expect(buf).toEqual(nlmsg(RtmType.GETLINK, NlmFlag.REQUEST, 0x01020304, 0, Buffer.alloc(16), rtattr(3, Buffer.from('lo\0'))));
  });

  it('encodes a dump request with the zeroed struct after the family', () => {
    const w = new NetlinkWriter();
    writeDumpRequest(w, 9, routeDump(2));
    expect(Buffer.from(w.finish())).toEqual(nlmsg(RtmType.GETROUTE, NlmFlag.REQUEST | NlmGetFlag.DUMP, 9, 0, bytes(2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
  });

  it('encodes the barrier as NLMSG_NOOP with NLM_F_REQUEST|NLM_F_ACK', () => {
    const w = new NetlinkWriter();
    writeBarrier(w, 77);
    expect(Buffer.from(w.finish())).toEqual(nlmsg(NlmsgType.NOOP, NlmFlag.REQUEST | NlmFlag.ACK, 77, 0));
  });
});

describe('NLMSG_ERROR and NLMSG_DONE (netlink(7))', () => {
  it('decodes a real EINVAL with the full echoed request and the extended ACK text', () => {
    const [message] = splitDatagram(loadFixture('error-invalid-prefix').datagrams[0]!);
    expect(message!.flags & NlmAckFlag.ACK_TLVS).toBe(NlmAckFlag.ACK_TLVS);
    const reply = decodeErrorReply(message!);
    expect(reply).toMatchObject({ errno: 22, code: 'EINVAL', extAck: { message: 'Invalid prefix for given prefix length' } });
    expect(reply.request.type).toBe(RtmType.NEWROUTE);
    expect(reply.request.seq).toBe(message!.seq);
  });

  it('decodes a real EEXIST without extended ACK', () => {
    const [message] = splitDatagram(loadFixture('error-exists').datagrams[0]!);
    const reply = decodeErrorReply(message!);
    expect(reply).toMatchObject({ errno: 17, code: 'EEXIST', extAck: {} });
    expect(reply.request.flags).toBe(0x0605);
  });

  it('decodes a capped ACK with TLVs after the echoed header only (NLM_F_CAPPED)', () => {
    const echoed = Buffer.concat([le32(60), bytes(24, 0, 0x05, 0x06), le32(42), le32(0)]);
    const tlvs = Buffer.concat([rtattr(NlmsgerrAttr.MSG, Buffer.from('Nexthop device is not up\0')), rtattr(NlmsgerrAttr.OFFS, le32(36)), rtattr(NlmsgerrAttr.MISS_TYPE, le32(4))]);
    const message = nlmsg(NlmsgType.ERROR, NlmAckFlag.CAPPED | NlmAckFlag.ACK_TLVS, 42, 0, le32(-100 >>> 0), echoed, tlvs);
    const reply = decodeErrorReply(splitDatagram(message)[0]!);
    expect(reply).toEqual({
      errno: 100,
      code: 'ENETDOWN',
      request: { type: 24, flags: 0x0605, seq: 42, pid: 0 },
      extAck: { message: 'Nexthop device is not up', offset: 36, missingType: 4 },
    });
  });

  it('decodes an ACK (error 0)', () => {
    const message = nlmsg(NlmsgType.ERROR, NlmAckFlag.CAPPED, 5, 0, le32(0), le32(16), bytes(1, 0, 5, 0), le32(5), le32(0));
    expect(decodeErrorReply(splitDatagram(message)[0]!)).toMatchObject({ errno: 0, request: { type: NlmsgType.NOOP, seq: 5 } });
  });

  it('decodes NLMSG_DONE with a dump error and its extended ACK', () => {
    const message = nlmsg(NlmsgType.DONE, NlmFlag.MULTI | NlmAckFlag.ACK_TLVS, 3, 0, le32(-22 >>> 0), rtattr(NlmsgerrAttr.MSG, Buffer.from('bad filter\0')));
    expect(decodeDone(splitDatagram(message)[0]!)).toEqual({ errno: 22, code: 'EINVAL', extAck: { message: 'bad filter' } });
  });

  it('never throws anything but NetlinkDecodeError on truncated error replies', () => {
    const full = loadFixture('error-invalid-prefix').datagrams[0]!;
    const { flags, seq } = splitDatagram(full)[0]!;
    for (let n = 0; n < full.length - 16; n++) {
      const payload = full.subarray(16, 16 + n);
      try {
        decodeErrorReply({ type: NlmsgType.ERROR, flags, seq, pid: 0, payload });
      } catch (e) {
        expect(e).toBeInstanceOf(NetlinkDecodeError);
      }
    }
  });
});
