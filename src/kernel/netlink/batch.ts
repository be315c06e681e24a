/**
 * Batched requests: many rtnetlink requests packed into few datagrams, each request with its own
 * sequence number, and the replies matched back to the caller's keys.
 *
 * Why no NLM_F_ACK on each request: the kernel handles every message of a datagram inside
 * sendmsg, in order, and answers a request with NLMSG_ERROR only when it fails or asks for an ACK
 * (af_netlink.c netlink_rcv_skb). With ACKs, 100,000 routes queue 100,000 replies on our receive
 * buffer, which overflows (ENOBUFS) unless the reader keeps up, and then the outcome of every
 * request is unknown; without them, only failures are queued, each naming its request by the
 * echoed nlmsg_seq. One barrier ends the batch: an NLMSG_NOOP with NLM_F_ACK, whose ACK (sent
 * after everything before it on the socket) means that any failure not seen by then did not
 * happen. So a request is reported failed with its errno and ext-ack text, or else succeeded.
 * TOOLCHAIN.md §2 measured this shape at ~100k routes/s against ~37k/s for one ACK per request.
 * If the socket reports ENOBUFS before the barrier's ACK, failures may have been lost: the
 * caller must treat the whole batch as unknown and resync from a dump (netlink(7)).
 * `BatchReplies` also accepts ACKs (errno 0), so requests sent with NLM_F_ACK work the same way.
 */
import { NetlinkWriter } from './bytes.js';
import { NlmsgType } from './constants.js';
import { type BodyEncoder, type NetlinkMessage, decodeErrorReply, writeBarrier, writeMessage } from './message.js';

export interface BatchOptions {
  /** First sequence number; the batch uses this and the next `size` numbers (mod 2^32). */
  readonly firstSeq: number;
  /** Largest datagram to build (≤ the socket's SO_SNDBUF − 32, which the kernel enforces). */
  readonly maxDatagramBytes?: number;
  /** Initial buffer size; the buffer grows by doubling. */
  readonly initialBytes?: number;
}

/** 64 KiB: ~1,000 route requests per sendmsg, well under the default 208 KiB send buffer. */
export const DEFAULT_MAX_DATAGRAM_BYTES = 64 * 1024;

/** A request the kernel rejected. */
export interface RequestFailure<K> {
  readonly key: K;
  readonly seq: number;
  readonly errno: number;
  readonly code: string | undefined;
  /** The kernel's extended-ACK explanation, when NETLINK_EXT_ACK is on. */
  readonly message?: string;
}

export class RequestBatch<K> {
  private readonly writer: NetlinkWriter;
  private readonly maxDatagramBytes: number;
  private readonly keys: K[] = [];
  /** Offsets where each datagram starts; the last one is still open. */
  private readonly datagramStarts: number[] = [0];
  private readonly firstSeq: number;

  constructor(options: BatchOptions) {
    this.firstSeq = options.firstSeq >>> 0;
    this.maxDatagramBytes = options.maxDatagramBytes ?? DEFAULT_MAX_DATAGRAM_BYTES;
    this.writer = new NetlinkWriter(options.initialBytes ?? 2 * this.maxDatagramBytes);
  }

  /** Requests added so far. */
  get size(): number {
    return this.keys.length;
  }

  /** Appends one request with the next sequence number, which it returns. */
  add<T>(key: K, type: number, flags: number, encodeBody: BodyEncoder<T>, body: T): number {
    const seq = (this.firstSeq + this.keys.length) >>> 0;
    const start = this.writer.length;
    writeMessage(this.writer, type, flags, seq, encodeBody, body);
    this.keys.push(key);
    this.cutBefore(start);
    return seq;
  }

  /** Starts a new datagram at `start` when the message ending here overfilled the current one. */
  private cutBefore(start: number): void {
    const open = this.datagramStarts[this.datagramStarts.length - 1]!;
    if (this.writer.length - open > this.maxDatagramBytes && start > open) this.datagramStarts.push(start);
  }

  /**
   * Appends the barrier and returns the datagrams to send, in order, on one socket, and the
   * tracker for their replies. The datagrams are views of this batch's buffer.
   */
  finish(): SealedBatch<K> {
    const barrierSeq = (this.firstSeq + this.keys.length) >>> 0;
    const start = this.writer.length;
    writeBarrier(this.writer, barrierSeq);
    this.cutBefore(start);
    const datagrams: Buffer[] = [];
    for (let i = 0; i < this.datagramStarts.length; i++) {
      datagrams.push(this.writer.slice(this.datagramStarts[i]!, this.datagramStarts[i + 1] ?? this.writer.length));
    }
    return {
      datagrams,
      barrierSeq,
      nextSeq: (barrierSeq + 1) >>> 0,
      replies: new BatchReplies(this.keys, this.firstSeq, barrierSeq),
    };
  }
}

export interface SealedBatch<K> {
  readonly datagrams: readonly Buffer[];
  /** The sequence number of the closing NLMSG_NOOP. */
  readonly barrierSeq: number;
  /** The first sequence number after this batch, for the next one. */
  readonly nextSeq: number;
  readonly replies: BatchReplies<K>;
}

/** Matches the kernel's NLMSG_ERROR replies to the batch's requests. */
export class BatchReplies<K> {
  readonly failures: RequestFailure<K>[] = [];
  private readonly failed = new Set<number>();
  private done = false;

  constructor(
    private readonly keys: readonly K[],
    private readonly firstSeq: number,
    private readonly barrierSeq: number,
  ) {}

  /** Whether the barrier's ACK has arrived: every failure has been reported. */
  get complete(): boolean {
    return this.done;
  }

  /**
   * Takes one message received on the batch's socket. Messages that are not NLMSG_ERROR, or
   * answer a request outside this batch, are ignored. Returns `complete`.
   */
  accept(message: NetlinkMessage): boolean {
    if (message.type !== NlmsgType.ERROR || this.done) return this.done;
    const reply = decodeErrorReply(message);
    const seq = reply.request.seq;
    if (seq === this.barrierSeq && reply.request.type === NlmsgType.NOOP) {
      this.done = true;
      return true;
    }
    const index = (seq - this.firstSeq) >>> 0;
    if (index >= this.keys.length || reply.errno === 0 || this.failed.has(index)) return false;
    this.failed.add(index);
    this.failures.push({
      key: this.keys[index]!,
      seq,
      errno: reply.errno,
      code: reply.code,
      ...(reply.extAck.message !== undefined && { message: reply.extAck.message }),
    });
    return false;
  }

  /** The keys of the requests that succeeded; only final once `complete`. */
  succeeded(): K[] {
    return this.keys.filter((_, index) => !this.failed.has(index));
  }
}
