/**
 * BIRD's CLI reply framing (BIRD nest/cli.c `cli_printf`, doc/reply_codes): every line starts
 * with a four-digit code and a space when it is the last line of the reply, or a minus sign when
 * more follow. A continuation line with the same code as the line before it drops the prefix for
 * a single space. calicoctl and calico-node read exactly these prefixes (`0001`, `2002`, `1002`,
 * `0024`, a leading space, `0000`), so the rules here are BIRD's, line for line.
 */

/** The reply codes petrel sends, named after doc/reply_codes. */
export const ReplyCode = {
  OK: 0,
  WELCOME: 1,
  STATUS_REPORT: 13,
  GRACEFUL_RESTART_STATUS: 24,
  BIRD_VERSION: 1000,
  PROTOCOL_LIST: 1002,
  PROTOCOL_DETAILS: 1006,
  ROUTE_LIST: 1007,
  ROUTE_DETAILS: 1008,
  UPTIME: 1011,
  ROUTE_ATTRIBUTES: 1012,
  TABLE_HEADING: 2002,
  ROUTE_NOT_FOUND: 8001,
  NO_PROTOCOLS_MATCH: 8003,
  ACCESS_DENIED: 8007,
  RUNTIME_ERROR: 8008,
  COMMAND_TOO_LONG: 9000,
  PARSE_ERROR: 9001,
  INVALID_SYMBOL: 9002,
} as const;
export type ReplyCode = (typeof ReplyCode)[keyof typeof ReplyCode];

/** One reply line before framing; `final` ends the reply. */
export interface ReplyLine {
  readonly code: ReplyCode;
  readonly text: string;
  readonly final?: boolean;
}

/** A continuation line (more follow). */
export function line(code: ReplyCode, text: string): ReplyLine {
  return { code, text };
}

/** The last line of a reply. */
export function finalLine(code: ReplyCode, text: string): ReplyLine {
  return { code, text, final: true };
}

/** Frames reply lines one at a time; remembers the previous code for the space shorthand. */
export class ReplyFramer {
  #lastCode: ReplyCode | undefined;

  frame(l: ReplyLine): string {
    const code = String(l.code).padStart(4, '0');
    let prefix: string;
    if (l.final) {
      prefix = `${code} `;
      // After a final line the next reply starts afresh (cli_printf resets last_reply).
      this.#lastCode = undefined;
    } else {
      prefix = l.code === this.#lastCode ? ' ' : `${code}-`;
      this.#lastCode = l.code;
    }
    return `${prefix}${l.text}\n`;
  }
}
