/**
 * The one error type of the codec. It carries the NOTIFICATION it maps to (code, subcode, data),
 * the RFC 7606 §2 error-handling action, and a stable string `id` for logs, tests and metrics.
 * Codecs throw only `session-reset` errors; the weaker actions are reported beside a decoded
 * UPDATE (see `UpdateMessage.problem`).
 */
import { NotifCode } from './constants.js';

/** RFC 7606 §2, weakest last; `strongerAction` picks the one that wins. */
export type ErrorAction = 'session-reset' | 'afi-safi-disable' | 'treat-as-withdraw' | 'attribute-discard';

const ACTION_RANK: Readonly<Record<ErrorAction, number>> = {
  'session-reset': 3,
  'afi-safi-disable': 2,
  'treat-as-withdraw': 1,
  'attribute-discard': 0,
};

export function strongerAction(a: ErrorAction, b: ErrorAction): ErrorAction {
  return ACTION_RANK[a] >= ACTION_RANK[b] ? a : b;
}

export interface BgpErrorInit {
  readonly code: number;
  readonly subcode: number;
  readonly id: string;
  readonly message: string;
  readonly data?: Uint8Array;
  readonly action?: ErrorAction;
}

export class BgpError extends Error {
  override readonly name = 'BgpError';
  /** NOTIFICATION error code (RFC 4271 §4.5). */
  readonly code: number;
  /** NOTIFICATION error subcode. */
  readonly subcode: number;
  /** NOTIFICATION data field. */
  readonly data: Uint8Array;
  /** RFC 7606 action; `session-reset` means: send this NOTIFICATION and close. */
  readonly action: ErrorAction;
  /** Stable identifier, e.g. `update.as-path.malformed`. */
  readonly id: string;

  constructor(init: BgpErrorInit) {
    super(init.message);
    this.code = init.code;
    this.subcode = init.subcode;
    this.data = init.data ?? new Uint8Array(0);
    this.action = init.action ?? 'session-reset';
    this.id = init.id;
  }

  /** The same error with another action (RFC 7606 downgrades a reset to treat-as-withdraw). */
  withAction(action: ErrorAction): BgpError {
    return new BgpError({ code: this.code, subcode: this.subcode, data: this.data, id: this.id, message: this.message, action });
  }
}

type Builder = (subcode: number, id: string, message: string, data?: Uint8Array, action?: ErrorAction) => BgpError;

function builder(code: number): Builder {
  return (subcode, id, message, data, action) =>
    new BgpError({ code, subcode, id, message, ...(data ? { data } : {}), ...(action ? { action } : {}) });
}

/** Builders per NOTIFICATION family. */
export const headerError = builder(NotifCode.MESSAGE_HEADER_ERROR);
export const openError = builder(NotifCode.OPEN_MESSAGE_ERROR);
export const updateError = builder(NotifCode.UPDATE_MESSAGE_ERROR);
export const fsmError = builder(NotifCode.FSM_ERROR);
export const cease = builder(NotifCode.CEASE);
export const routeRefreshError = builder(NotifCode.ROUTE_REFRESH_MESSAGE_ERROR);

export function isBgpError(e: unknown): e is BgpError {
  return e instanceof BgpError;
}
