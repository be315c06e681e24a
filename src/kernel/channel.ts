/**
 * The syncer's two ways of asking the kernel: batched writes on one long-lived request socket,
 * whose only replies are failures and the batch barrier's ACK (netlink/batch.ts), and dumps, each
 * on a fresh socket of its own (so a dump's many datagrams never mix with batch replies, and a
 * resync can start from the monitor's ENOBUFS listener while a batch is in flight).
 */
import { NetlinkSocket, type SocketError } from '../native/index.js';
import {
  type BatchReplies,
  type DumpSpec,
  NetlinkDecodeError,
  NetlinkWriter,
  NlmsgType,
  RequestBatch,
  type RtnetlinkMessage,
  decodeDone,
  decodeErrorReply,
  decodeRtnetlink,
  splitDatagram,
  writeDumpRequest,
} from './netlink/index.js';

/** 4 MiB asked, 8 MiB granted: thousands of failure replies before an overflow. */
const REQUEST_RECEIVE_BUFFER_BYTES = 4 << 20;
const DUMP_RECEIVE_BUFFER_BYTES = 1 << 20;

/** A batch's answer, or `overflow` when replies were lost and the outcome is unknown (netlink(7)). */
export type BatchOutcome<K> = { readonly kind: 'answered'; readonly replies: BatchReplies<K> } | { readonly kind: 'overflow' };

export class RequestChannel {
  readonly #socket: NetlinkSocket;
  #nextSeq = 1;
  #pending: { accept(datagram: Buffer): void; overflow(): void } | undefined;

  constructor() {
    this.#socket = new NetlinkSocket({ extendedAck: true, receiveBufferBytes: REQUEST_RECEIVE_BUFFER_BYTES });
    this.#socket.on('message', (datagram) => this.#pending?.accept(datagram));
    this.#socket.on('error', () => this.#pending?.overflow());
  }

  /** The port id the kernel stamps on notifications this socket's requests caused. */
  get portId(): number {
    return this.#socket.portId;
  }

  /** A new batch numbered after the previous one. */
  batch<K>(): RequestBatch<K> {
    return new RequestBatch<K>({ firstSeq: this.#nextSeq });
  }

  /** Sends a batch (one at a time) and resolves when its barrier is ACKed or replies were lost. */
  send<K>(batch: RequestBatch<K>): Promise<BatchOutcome<K>> {
    if (this.#pending !== undefined) return Promise.reject(new Error('a batch is already in flight'));
    const sealed = batch.finish();
    this.#nextSeq = sealed.nextSeq;
    return new Promise((resolve, reject) => {
      const finish = (outcome: BatchOutcome<K>): void => {
        this.#pending = undefined;
        resolve(outcome);
      };
      this.#pending = {
        accept: (datagram) => {
          for (const message of splitDatagram(datagram)) {
            if (sealed.replies.accept(message)) return finish({ kind: 'answered', replies: sealed.replies });
          }
        },
        overflow: () => finish({ kind: 'overflow' }),
      };
      try {
        for (const datagram of sealed.datagrams) this.#socket.send(datagram);
      } catch (error) {
        this.#pending = undefined;
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  close(): void {
    this.#socket.close();
  }
}

/** Thrown when a dump ends in NLMSG_ERROR or its socket fails. */
export class DumpError extends Error {
  override readonly name = 'DumpError';
}

/**
 * Dumps each spec in turn on a fresh socket and returns the decoded messages of each. Messages
 * the codec does not model (another address family) are skipped.
 */
export async function dumpAll(specs: readonly DumpSpec[]): Promise<RtnetlinkMessage[][]> {
  const socket = new NetlinkSocket({ receiveBufferBytes: DUMP_RECEIVE_BUFFER_BYTES });
  try {
    const results: RtnetlinkMessage[][] = [];
    for (const [i, spec] of specs.entries()) results.push(await dumpOne(socket, i + 1, spec));
    return results;
  } finally {
    socket.close();
  }
}

function dumpOne(socket: NetlinkSocket, seq: number, spec: DumpSpec): Promise<RtnetlinkMessage[]> {
  return new Promise((resolve, reject) => {
    const parts: RtnetlinkMessage[] = [];
    const settle = (error?: Error): void => {
      socket.off('message', onMessage);
      socket.off('error', onError);
      if (error === undefined) resolve(parts);
      else reject(error);
    };
    const onError = (error: SocketError): void => settle(new DumpError(`dump failed: ${error.message}`));
    const onMessage = (datagram: Buffer): void => {
      for (const message of splitDatagram(datagram)) {
        if (message.seq !== seq) continue;
        if (message.type === NlmsgType.DONE) {
          const done = decodeDone(message);
          return settle(done.errno === 0 ? undefined : new DumpError(`dump failed: ${done.code ?? done.errno}`));
        }
        if (message.type === NlmsgType.ERROR) {
          const reply = decodeErrorReply(message);
          return settle(new DumpError(`dump refused: ${reply.code ?? reply.errno}`));
        }
        try {
          parts.push(decodeRtnetlink(message));
        } catch (error) {
          if (!(error instanceof NetlinkDecodeError)) throw error;
        }
      }
    };
    socket.on('message', onMessage);
    socket.on('error', onError);
    const writer = new NetlinkWriter(64);
    writeDumpRequest(writer, seq, spec);
    socket.send(writer.finish());
  });
}
