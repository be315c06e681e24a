import { describe, expect, it } from 'vitest';
import { RequestBatch } from '../../../src/kernel/netlink/batch.js';
import { NlmAckFlag, NlmFlag, NlmsgType, NlmsgerrAttr, RtmType } from '../../../src/kernel/netlink/constants.js';
import { splitDatagram } from '../../../src/kernel/netlink/message.js';
import { ROUTE_REPLACE_FLAGS, type RouteMessage, decodeRouteBody, writeRouteBody } from '../../../src/kernel/netlink/route.js';
import { bytes, le32, nlmsg, rtattr } from './helpers.js';

function route(i: number): RouteMessage {
  return { family: 4, dst: `10.${i >> 8}.${i & 255}.0/24`, table: 254, protocol: 12, scope: 0, type: 1, flags: 4, gateway: '192.0.2.1', oif: 3 };
}

/** The kernel's NLMSG_ERROR for a request (type, seq): error, echoed header, optional ext-ack text. */
function errorReply(errno: number, type: number, seq: number, text?: string): Buffer {
  const echoed = Buffer.concat([le32(16), bytes(type & 0xff, type >> 8, 0x01, 0x05), le32(seq), le32(0)]);
  const flags = NlmAckFlag.CAPPED | (text === undefined ? 0 : NlmAckFlag.ACK_TLVS);
  const tlvs = text === undefined ? Buffer.alloc(0) : rtattr(NlmsgerrAttr.MSG, Buffer.from(`${text}\0`));
  return nlmsg(NlmsgType.ERROR, flags, seq, 0, le32(-errno >>> 0), echoed, tlvs);
}

describe('RequestBatch', () => {
  it('packs requests into datagrams up to the limit, with consecutive seqs and the barrier last', () => {
    const batch = new RequestBatch<number>({ firstSeq: 1000, maxDatagramBytes: 4096, initialBytes: 256 });
    for (let i = 0; i < 1000; i++) expect(batch.add(i, RtmType.NEWROUTE, ROUTE_REPLACE_FLAGS, writeRouteBody, route(i))).toBe(1000 + i);
    const sealed = batch.finish();
    expect(sealed.barrierSeq).toBe(2000);
    expect(sealed.nextSeq).toBe(2001);
    expect(sealed.datagrams.length).toBeGreaterThan(10);
    for (const d of sealed.datagrams) expect(d.length).toBeLessThanOrEqual(4096);
    const messages = sealed.datagrams.flatMap((d) => splitDatagram(d));
    expect(messages).toHaveLength(1001);
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 1001 }, (_, i) => 1000 + i));
    expect(messages.slice(0, 1000).map((m) => decodeRouteBody(m.payload))).toEqual(Array.from({ length: 1000 }, (_, i) => route(i)));
    const barrier = messages[1000]!;
    expect([barrier.type, barrier.flags, barrier.payload.length]).toEqual([NlmsgType.NOOP, NlmFlag.REQUEST | NlmFlag.ACK, 0]);
    // No request asks for an ACK: the kernel answers only failures, then the barrier.
    expect(messages.slice(0, 1000).every((m) => (m.flags & NlmFlag.ACK) === 0)).toBe(true);
  });

  it('sends a request larger than the limit in a datagram of its own', () => {
    const batch = new RequestBatch<string>({ firstSeq: 1, maxDatagramBytes: 64 });
    batch.add('a', RtmType.NEWROUTE, ROUTE_REPLACE_FLAGS, writeRouteBody, route(1));
    batch.add('b', RtmType.NEWROUTE, ROUTE_REPLACE_FLAGS, writeRouteBody, { ...route(2), multipath: [1, 2, 3].map((n) => ({ gateway: `192.0.2.${n}`, ifindex: 3, flags: 4, weight: 1 })) });
    const { datagrams } = batch.finish();
    expect(datagrams.map((d) => splitDatagram(d).map((m) => m.seq))).toEqual([[1], [2], [3]]);
  });

  it('reports each failed request with its errno and ext-ack text, the rest as succeeded, once the barrier is ACKed', () => {
    const batch = new RequestBatch<string>({ firstSeq: 50 });
    for (const key of ['a', 'b', 'c', 'd']) batch.add(key, RtmType.NEWROUTE, ROUTE_REPLACE_FLAGS, writeRouteBody, route(key.charCodeAt(0)));
    const { replies, barrierSeq } = batch.finish();
    const received = Buffer.concat([
      errorReply(101, RtmType.NEWROUTE, 51, 'Nexthop has invalid gateway'),
      errorReply(17, RtmType.NEWROUTE, 53),
      errorReply(17, RtmType.NEWROUTE, 53), // a duplicate is counted once
      errorReply(22, RtmType.NEWROUTE, 999), // another batch's request
      nlmsg(RtmType.NEWROUTE, 0, 0, 0, Buffer.alloc(12)), // a notification
    ]);
    for (const m of splitDatagram(received)) expect(replies.accept(m)).toBe(false);
    expect(replies.complete).toBe(false);
    expect(replies.accept(splitDatagram(errorReply(0, NlmsgType.NOOP, barrierSeq))[0]!)).toBe(true);
    expect(replies.complete).toBe(true);
    expect(replies.failures).toEqual([
      { key: 'b', seq: 51, errno: 101, code: 'ENETUNREACH', message: 'Nexthop has invalid gateway' },
      { key: 'd', seq: 53, errno: 17, code: 'EEXIST' },
    ]);
    expect(replies.succeeded()).toEqual(['a', 'c']);
  });

  it('counts ACKs (errno 0) of requests sent with NLM_F_ACK as successes', () => {
    const batch = new RequestBatch<string>({ firstSeq: 7 });
    batch.add('x', RtmType.NEWROUTE, ROUTE_REPLACE_FLAGS | NlmFlag.ACK, writeRouteBody, route(1));
    const { replies, barrierSeq } = batch.finish();
    replies.accept(splitDatagram(errorReply(0, RtmType.NEWROUTE, 7))[0]!);
    replies.accept(splitDatagram(errorReply(0, NlmsgType.NOOP, barrierSeq))[0]!);
    expect([replies.failures, replies.succeeded()]).toEqual([[], ['x']]);
  });

  it('wraps sequence numbers at 2^32 and still matches replies', () => {
    const batch = new RequestBatch<string>({ firstSeq: 0xfffffffe });
    expect(['p', 'q', 'r'].map((k) => batch.add(k, RtmType.DELROUTE, NlmFlag.REQUEST, writeRouteBody, route(1)))).toEqual([0xfffffffe, 0xffffffff, 0]);
    const { replies, barrierSeq, nextSeq } = batch.finish();
    expect([barrierSeq, nextSeq]).toEqual([1, 2]);
    replies.accept(splitDatagram(errorReply(3, RtmType.DELROUTE, 0))[0]!);
    replies.accept(splitDatagram(errorReply(0, NlmsgType.NOOP, 1))[0]!);
    expect(replies.failures.map((f) => [f.key, f.code])).toEqual([['r', 'ESRCH']]);
  });
});
