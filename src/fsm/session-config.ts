/**
 * The per-peer settings the state machine and the OPEN negotiation read, with Calico's values as
 * defaults (CALICO.md §1.5, the BIRD `bgp_template`): connect delay 2 s, connect retry 5 s,
 * error wait 5–30 s, startup hold 240 s. The hold time itself travels in our OPEN (open.ts).
 * Every duration is configurable per peer, down to short timers (keepalive 1 s / hold 3 s).
 */
import type { AfiSafiName } from '../bgp/types.js';
import type { BackoffPolicy } from './backoff.js';

/** Capabilities without which we refuse the session with 2/7 (RFC 5492 §5). Default: none. */
export interface RequiredCapabilities {
  /** RFC 6793 four-octet AS numbers. */
  readonly fourOctetAs?: boolean;
  /** RFC 4760 multiprotocol families the peer must advertise. */
  readonly families?: readonly AfiSafiName[];
}

/** What `negotiate` needs beyond the two OPENs. */
export interface NegotiationPolicy {
  /** The peer's configured AS (4-octet); a different one is 2/2 Bad Peer AS. */
  readonly peerAs: number;
  /** Configured keepalive; absent means hold/3 (RFC 4271 §10). Clamped, see timers.ts. */
  readonly keepaliveSec?: number;
  readonly required?: RequiredCapabilities;
}

export interface SessionConfig extends NegotiationPolicy {
  /** Never connect; wait in Active for the peer (RFC 4271 §8.1.1 PassiveTcpEstablishment). */
  readonly passive: boolean;
  /** BIRD `connect delay time`: from start to the first connect attempt. 0 connects at once. */
  readonly connectDelaySec: number;
  /** RFC 4271 §10 ConnectRetryTime (BIRD `connect retry time`). */
  readonly connectRetrySec: number;
  /**
   * RFC 4271 §8.1.1 DelayOpen/DelayOpenTime: once a connection is up, wait this long for the
   * peer's OPEN before sending ours (FRR `timers delayopen`). 0: send OPEN at once (default).
   */
  readonly delayOpenSec: number;
  /** RFC 4271 §8.2.2: the "large value" the hold timer gets in OpenSent (suggested 4 minutes). */
  readonly openHoldTimeSec: number;
  /** BIRD `error wait time` and `error forget time`. */
  readonly errorWaitMinSec: number;
  readonly errorWaitMaxSec: number;
  readonly errorForgetSec: number;
}

/**
 * The times a reload may change on a running session (`SessionHandle.retime`): they only matter
 * between connections, so the session takes them from its next attempt or failure on.
 */
export type LiveTimes = Pick<
  SessionConfig,
  'connectDelaySec' | 'connectRetrySec' | 'delayOpenSec' | 'errorWaitMinSec' | 'errorWaitMaxSec' | 'errorForgetSec'
>;

export const SESSION_DEFAULTS = {
  passive: false,
  connectDelaySec: 2,
  connectRetrySec: 5,
  delayOpenSec: 0,
  openHoldTimeSec: 240,
  errorWaitMinSec: 5,
  errorWaitMaxSec: 30,
  errorForgetSec: 300,
} as const satisfies Omit<SessionConfig, keyof NegotiationPolicy>;

/** A full SessionConfig from the peer's AS and whatever else is set. */
export function sessionConfig(settings: Partial<SessionConfig> & Pick<SessionConfig, 'peerAs'>): SessionConfig {
  return { ...SESSION_DEFAULTS, ...settings };
}

export function backoffPolicy(config: SessionConfig): BackoffPolicy {
  return {
    minMs: config.errorWaitMinSec * 1000,
    maxMs: config.errorWaitMaxSec * 1000,
    forgetMs: config.errorForgetSec * 1000,
  };
}
