/**
 * Calico's error-wait backoff (BIRD `error wait time 5,30`), petrel's form of RFC 4271 §8.1.1
 * DampPeerOscillations: after a session fails, wait before starting again — 5 s after the first
 * failure, doubling on each further one up to 30 s.
 *
 * Reset rule (BIRD `error forget time`, default 300 s, which Calico leaves untouched): a failure
 * that comes at least `forgetMs` after the previous one starts the sequence again at the minimum.
 * A session that stayed Established for `forgetMs` therefore always resets it (its previous
 * failure lies before it came up), while one that flaps after a minute up keeps backing off.
 * 300 s is well above the 30 s ceiling, so a peer failing every cycle never escapes the ceiling,
 * and it is what BIRD does, so Calico users see the same timing.
 */

export interface BackoffPolicy {
  readonly minMs: number;
  readonly maxMs: number;
  /** A failure this long after the previous one restarts at `minMs`. */
  readonly forgetMs: number;
}

export interface BackoffState {
  /** The wait applied after the latest failure; 0 before any failure. */
  readonly delayMs: number;
  /** Clock time of the latest failure. */
  readonly lastFailureMs: number | undefined;
}

export const INITIAL_BACKOFF: BackoffState = { delayMs: 0, lastFailureMs: undefined };

/** Record a failure at `nowMs`; the returned `delayMs` is how long to stay Idle. */
export function recordFailure(state: BackoffState, nowMs: number, policy: BackoffPolicy): BackoffState {
  const forgotten = state.lastFailureMs !== undefined && nowMs - state.lastFailureMs >= policy.forgetMs;
  const previous = forgotten ? 0 : state.delayMs;
  const delayMs = previous === 0 ? policy.minMs : Math.min(previous * 2, policy.maxMs);
  return { delayMs, lastFailureMs: nowMs };
}
