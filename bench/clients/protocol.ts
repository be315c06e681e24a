/**
 * Requests from the benchmark runner to the client driver (a child process inside the
 * benchmark's network namespace), and the driver's replies, over Node's IPC channel.
 * Each request carries an id; exactly one reply with that id answers it.
 */

export interface ReflectorEndpoint {
  readonly host: string;
  readonly port: number;
  readonly asn: number;
}

export type DriverRequest =
  /** Encode the announcement and withdrawal streams for `count` prefixes (cached by count). */
  | { readonly id: number; readonly op: 'prepare'; readonly count: number; readonly nextHop: string }
  /** Open one session per address (index 0 announces, the rest receive) and wait for Established. */
  | {
      readonly id: number;
      readonly op: 'connect';
      readonly reflector: ReflectorEndpoint;
      readonly addresses: readonly string[];
      readonly holdTimeSec: number;
      readonly timeoutMs: number;
    }
  /** Wait until every session has been Established and no UPDATE has arrived for `quietMs`. */
  | { readonly id: number; readonly op: 'settle'; readonly quietMs: number; readonly timeoutMs: number }
  /** Client 0 writes the prepared stream; wait until every receiver holds all / none of them. */
  | { readonly id: number; readonly op: 'announce' | 'withdraw'; readonly count: number; readonly timeoutMs: number }
  /** Close every session. */
  | { readonly id: number; readonly op: 'disconnect' };

export type DriverRequestBody = DriverRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The outcome of an announce or withdraw. */
export interface ConvergenceResult {
  /** From the first UPDATE written to the last receiver reaching its target. */
  readonly ms: number;
  readonly timedOut: boolean;
  /** The fewest (announce) or most (withdraw) prefixes any receiver held at the end. */
  readonly worstHeld: number;
  readonly receivers: number;
  readonly updatesSent: number;
  /** CPU the client driver used meanwhile (user + system): near `ms` would mean the clients limit. */
  readonly clientCpuMs: number;
}

export type DriverReply =
  | { readonly id: number; readonly ok: true; readonly result?: ConvergenceResult; readonly ms?: number }
  | { readonly id: number; readonly ok: false; readonly error: string };

export function isDriverReply(value: unknown): value is DriverReply {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['id'] === 'number' && typeof v['ok'] === 'boolean';
}
