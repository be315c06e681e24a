/**
 * petrel's BIRD control socket (`control.birdSocket`, `/var/run/calico/bird.ctl` in a Calico
 * node): BIRD's CLI protocol (nest/cli.c) for the commands `calicoctl node status`, calico-node's
 * `-bird-ready`/`-bird-live` probes and its CalicoNodeStatus reporter send, so they work
 * unchanged with petrel in BIRD's place (CALICO.md §6). `control.bird6Socket` serves a second
 * one with BIRD 1.x bird6's view (source.ts `family: 6`) for the tools that still read bird6.ctl.
 *
 * A connection gets the `0001 BIRD … ready.` hello, then one reply per command line, in order;
 * while a reply is being written no further command is read (BIRD's `cli_event`), and a long
 * reply (`show route` of a large table) is written in chunks that wait for the socket to drain.
 * A line longer than BIRD's 4 KiB input buffer is `9000 Command too long`.
 */
import type net from 'node:net';
import type { Logger } from '../../log.js';
import { parseBirdCommand, type BirdCommand } from './command.js';
import { showProtocols } from './protocols.js';
import { finalLine, line, ReplyCode, ReplyFramer, type ReplyLine } from './reply.js';
import { showRoute } from './routes.js';
import type { BirdCliSource } from './source.js';
import { birdVersion, showStatus } from './status.js';
import { UnixSocketServer } from '../unix-socket.js';

/** BIRD's CLI_RX_BUF_SIZE. */
export const MAX_COMMAND_BYTES = 4096;
/** Reply text is handed to the socket in pieces of about this size. */
const WRITE_CHUNK_CHARS = 64 * 1024;

export interface BirdControlServerOptions {
  readonly path: string;
  readonly source: BirdCliSource;
  readonly logger: Logger;
  /** Group name that may use the socket (`control.socketGroup`). */
  readonly group?: string;
}

type Answer = Iterable<ReplyLine> | 'quit';

/** A queued input line that overflowed the input buffer. */
const TOO_LONG = Symbol('too long');
type Input = string | typeof TOO_LONG;

/** The reply to one command; errors as BIRD words them. */
export function answerBirdCommand(source: BirdCliSource, command: BirdCommand): Answer {
  switch (command.kind) {
    case 'empty':
      return [];
    case 'quit':
      return 'quit';
    case 'show-status':
      return showStatus(source);
    case 'show-protocols': {
      const lines = showProtocols(source, command);
      return Array.isArray(lines) ? [...lines, finalLine(ReplyCode.OK, '')] : [lines.error];
    }
    case 'show-route':
      return showRoute(source, command);
    case 'refused':
      return [finalLine(ReplyCode.ACCESS_DENIED, `Access denied: petrel's BIRD socket is read-only; use the petrel CLI to ${command.command}`)];
    case 'syntax-error':
      return [finalLine(ReplyCode.PARSE_ERROR, 'syntax error')];
  }
}

/** Waits until the socket can take more, or is gone. */
function drained(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

export class BirdControlServer extends UnixSocketServer {
  readonly #options: BirdControlServerOptions;

  constructor(options: BirdControlServerOptions) {
    super({ path: options.path, logger: options.logger, what: 'BIRD socket', ...(options.group !== undefined ? { group: options.group } : {}) });
    this.#options = options;
  }

  protected serve(socket: net.Socket): void {
    socket.setEncoding('utf8');
    const framer = new ReplyFramer();
    const commands: Input[] = [];
    let buffer = '';
    let tooLong = false;
    let busy = false;

    const write = async (lines: Iterable<ReplyLine>): Promise<void> => {
      let chunk = '';
      for (const l of lines) {
        chunk += framer.frame(l);
        if (chunk.length < WRITE_CHUNK_CHARS) continue;
        if (socket.destroyed) return;
        const more = socket.write(chunk);
        chunk = '';
        if (!more) await drained(socket);
      }
      if (chunk !== '' && !socket.destroyed) socket.write(chunk);
    };

    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      // Stop reading while replies are pending, as BIRD does.
      socket.pause();
      try {
        let input: Input | undefined;
        while ((input = commands.shift()) !== undefined && !socket.destroyed) {
          const answer = this.#answer(input);
          if (answer === 'quit') {
            socket.end();
            return;
          }
          await write(answer);
        }
      } finally {
        busy = false;
        if (!socket.destroyed) socket.resume();
      }
    };

    socket.on('data', (data: string) => {
      buffer += data;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const text = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        commands.push(tooLong || text.length > MAX_COMMAND_BYTES ? TOO_LONG : text);
        tooLong = false;
      }
      if (buffer.length > MAX_COMMAND_BYTES) {
        // Keep reading to the newline, but not the text: the line is refused anyway.
        tooLong = true;
        buffer = '';
      }
      void pump();
    });

    // cli_hello: written before any command is read.
    void write([finalLine(ReplyCode.WELCOME, `BIRD ${birdVersion(this.#options.source.status().version)} ready.`)]);
  }

  #answer(input: Input): Answer {
    if (input === TOO_LONG) return [finalLine(ReplyCode.COMMAND_TOO_LONG, 'Command too long')];
    const command = parseBirdCommand(input);
    try {
      const answer = answerBirdCommand(this.#options.source, command);
      // Generators run while being written: a failure midway still ends the reply.
      return answer === 'quit' ? answer : this.#guarded(answer, command);
    } catch (err) {
      return this.#failure(err, command);
    }
  }

  *#guarded(lines: Iterable<ReplyLine>, command: BirdCommand): Generator<ReplyLine> {
    try {
      yield* lines;
    } catch (err) {
      yield* this.#failure(err, command);
    }
  }

  #failure(err: unknown, command: BirdCommand): ReplyLine[] {
    this.#options.logger.error({ err, command: command.kind }, 'BIRD socket command failed');
    return [line(ReplyCode.RUNTIME_ERROR, 'petrel could not answer'), finalLine(ReplyCode.RUNTIME_ERROR, err instanceof Error ? err.message : String(err))];
  }
}
