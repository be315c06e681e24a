/**
 * One benchmark test client: an iBGP speaker reduced to what the scenarios need. It connects
 * from its own address, sends OPEN, answers the reflector's OPEN with KEEPALIVE (RFC 4271 §8.2.2:
 * OpenConfirm, then Established on the peer's KEEPALIVE), keeps the session alive, writes
 * pre-encoded UPDATE streams, and counts the prefixes it holds without decoding attributes.
 */
import net from 'node:net';
import { BgpFramer, MsgType, NotifCode } from '../../src/bgp/index.js';
import { encodeOpenMessage, KEEPALIVE_BYTES, PrefixHoldings, type OpenParams } from './wire.js';

/** Sent well inside any hold time the reflector may have negotiated down to. */
const KEEPALIVE_INTERVAL_MS = 20_000;

export type ClientState = 'connecting' | 'open-sent' | 'established' | 'closed';

export interface ClientEvents {
  /** The session reached Established. */
  established(client: BenchClient): void;
  /** An UPDATE was applied to `client.holdings`. */
  update(client: BenchClient): void;
  /** The session ended after Established, or could not be set up for good. */
  failed(client: BenchClient, reason: string): void;
}

export interface ClientOptions extends OpenParams {
  /** This client's own address (the reflector tells peers apart by it). */
  readonly localAddress: string;
  readonly host: string;
  readonly port: number;
}

export class BenchClient {
  state: ClientState = 'connecting';
  readonly holdings = new PrefixHoldings(0);
  updatesReceived = 0;
  private socket: net.Socket | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly options: ClientOptions,
    private readonly events: ClientEvents,
  ) {}

  /** One connection attempt; the caller retries on 'refused'. */
  connect(): Promise<'connected' | 'refused'> {
    this.state = 'connecting';
    return new Promise((resolve) => {
      const socket = net.connect({ host: this.options.host, port: this.options.port, localAddress: this.options.localAddress });
      socket.setNoDelay(true);
      let connected = false;
      socket.once('connect', () => {
        connected = true;
        this.attach(socket);
        resolve('connected');
      });
      socket.once('error', () => {
        if (!connected) resolve('refused');
      });
    });
  }

  /** Writes a whole pre-encoded stream; Node queues what the kernel does not take at once. */
  send(bytes: Buffer): void {
    this.socket?.write(bytes);
  }

  close(): void {
    this.state = 'closed';
    clearInterval(this.keepaliveTimer);
    this.socket?.destroy();
    this.socket = undefined;
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    this.state = 'open-sent';
    const framer = new BgpFramer();
    socket.on('data', (chunk: Buffer) => {
      let messages: Uint8Array[];
      try {
        messages = framer.push(chunk);
      } catch (err) {
        this.fail(`framing error from the reflector: ${(err as Error).message}`);
        return;
      }
      for (const msg of messages) this.onMessage(msg);
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      if (this.state === 'closed') return;
      this.fail(this.state === 'established' ? 'the reflector closed the session' : 'closed before Established');
    });
    socket.write(encodeOpenMessage(this.options));
  }

  private onMessage(msg: Uint8Array): void {
    switch (msg[18]) {
      case MsgType.UPDATE:
        this.updatesReceived += 1;
        this.holdings.applyUpdate(msg);
        this.events.update(this);
        break;
      case MsgType.OPEN:
        this.socket?.write(KEEPALIVE_BYTES);
        break;
      case MsgType.KEEPALIVE:
        if (this.state === 'open-sent') {
          this.state = 'established';
          this.keepaliveTimer = setInterval(() => this.socket?.write(KEEPALIVE_BYTES), KEEPALIVE_INTERVAL_MS);
          this.events.established(this);
        }
        break;
      case MsgType.NOTIFICATION:
        this.fail(`NOTIFICATION ${notificationName(msg[19] ?? 0)} ${msg[19] ?? '?'}/${msg[20] ?? '?'}`);
        break;
      default:
        break; // ROUTE-REFRESH: the benchmark's clients originate nothing to resend.
    }
  }

  private fail(reason: string): void {
    const wasEstablished = this.state === 'established';
    this.close();
    this.state = 'closed';
    this.events.failed(this, `${this.options.localAddress}: ${reason}${wasEstablished ? '' : ' (during setup)'}`);
  }
}

function notificationName(code: number): string {
  const entry = Object.entries(NotifCode).find(([, value]) => value === code);
  return entry?.[0] ?? 'UNKNOWN';
}
