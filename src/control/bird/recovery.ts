/**
 * Startup graceful restart recovery as `show status` reports it (BIRD `bird -R`, which is how
 * calico-node starts BIRD): from start, every enabled BGP session holds recovery until it has
 * been seen Established, bounded by BIRD's `graceful restart wait` (240 s). While it lasts,
 * `show status` carries the `0024` block that calico-node's readiness probe reads as "graceful
 * restart in progress" (RFC 4724 §4.1: the restarting side waits for its peers before it
 * treats its routes as complete). Once over, it stays over, as in BIRD.
 */

export interface RecoveryStatus {
  /** Sessions not yet recovered. */
  readonly waiting: number;
  /** Seconds left of the wait timer. */
  readonly remainingSec: number;
  readonly waitSec: number;
}

/** BIRD's default `graceful restart wait`. */
export const DEFAULT_RECOVERY_WAIT_SEC = 240;

interface ObservedPeer {
  readonly name: string;
  readonly state: string;
  readonly disabled: boolean;
}

export class StartupRecovery {
  readonly #startedAt: number;
  readonly #waitSec: number;
  readonly #recovered = new Set<string>();
  #over = false;

  constructor(startedAt: Date, waitSec = DEFAULT_RECOVERY_WAIT_SEC) {
    this.#startedAt = startedAt.getTime();
    this.#waitSec = waitSec;
  }

  /** Records which sessions are Established now; returns the recovery still in progress, if any. */
  observe(peers: readonly ObservedPeer[], now: Date): RecoveryStatus | undefined {
    if (this.#over) return undefined;
    let waiting = 0;
    for (const p of peers) {
      if (p.state === 'Established') this.#recovered.add(p.name);
      else if (!p.disabled && !this.#recovered.has(p.name)) waiting++;
    }
    const remainingSec = this.#waitSec - Math.floor((now.getTime() - this.#startedAt) / 1000);
    if (waiting === 0 || remainingSec <= 0) {
      this.#over = true;
      return undefined;
    }
    return { waiting, remainingSec, waitSec: this.#waitSec };
  }
}
