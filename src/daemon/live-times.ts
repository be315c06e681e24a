/**
 * A peer's times that a running session takes on without a reset (config diff `live`,
 * `SessionHandle.retime`): one mapping for the session's creation and for a reload, so the two
 * cannot disagree.
 */
import type { EffectivePeer } from '../config/peers.js';
import type { LiveTimes } from '../fsm/session-config.js';

export function liveTimesOf(peer: Pick<EffectivePeer, 'connectDelaySec' | 'connectRetrySec' | 'delayOpenSec' | 'errorWait'>): LiveTimes {
  return {
    connectDelaySec: peer.connectDelaySec,
    connectRetrySec: peer.connectRetrySec,
    delayOpenSec: peer.delayOpenSec,
    errorWaitMinSec: peer.errorWait.minSec,
    errorWaitMaxSec: peer.errorWait.maxSec,
    errorForgetSec: peer.errorWait.forgetSec,
  };
}
