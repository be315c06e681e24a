/**
 * Capability fallback (RFC 5492 §5): what our next OPEN to a peer leaves out after the peer
 * rejected the last one.
 *
 * - NOTIFICATION 2/7 Unsupported Capability lists, in its data, capabilities encoded as in an
 *   OPEN (code, length, value). Those of ours that it names are left out from then on. A peer
 *   may also use 2/7 for capabilities it wants and we lack (BIRD's `require`, FRR's
 *   strict-capability-match without data): those match nothing we send, and nothing changes.
 * - NOTIFICATION 2/4 Unsupported Optional Parameter comes from a speaker older than RFC 5492:
 *   RFC 5492 §5 says to retry without the Capabilities optional parameter, which we do once.
 *
 * A capability we require from the peer (session-config.ts `RequiredCapabilities`) is never
 * left out: without it the session could not come up anyway. Pure functions; the session runner
 * (session.ts) keeps one `CapabilityFallback` per session and rebuilds its OPEN with it.
 */
import { encodeCapability } from '../bgp/capabilities.js';
import { afiSafiName } from '../bgp/context.js';
import { NotifCode, OpenSubcode } from '../bgp/constants.js';
import type { Capability, NotificationMessage, OpenMessage } from '../bgp/types.js';
import { WireWriter } from '../bgp/wire/writer.js';
import type { NegotiationPolicy, RequiredCapabilities } from './session-config.js';

export interface CapabilityFallback {
  /** Our capabilities the peer said it does not support, as we send them. */
  readonly omitted: readonly Capability[];
  /** The peer refused the Capabilities optional parameter itself (2/4): send none. */
  readonly withoutCapabilities: boolean;
}

export const NO_FALLBACK: CapabilityFallback = { omitted: [], withoutCapabilities: false };

export interface FallbackStep {
  readonly fallback: CapabilityFallback;
  /** What the next OPEN leaves out that the rejected one carried; empty when nothing changes. */
  readonly dropped: readonly Capability[];
  /** Rejected capabilities we keep because the peer must support them. */
  readonly kept: readonly Capability[];
}

/** RFC 6793 §4.2: a speaker without capabilities has a 2-octet AS. */
const MAX_TWO_OCTET_AS = 0xffff;

/** Our full OPEN minus what the fallback leaves out. */
export function applyFallback(open: OpenMessage, fallback: CapabilityFallback): OpenMessage {
  if (fallback.withoutCapabilities) return { ...open, capabilities: [] };
  if (fallback.omitted.length === 0) return open;
  const gone = new Set(fallback.omitted.map(capabilityKey));
  return { ...open, capabilities: open.capabilities.filter((c) => !gone.has(capabilityKey(c))) };
}

/**
 * The fallback after the peer answered `sent` (our OPEN as sent, with `fallback` applied) with
 * `notification`; undefined for any NOTIFICATION but 2/7 and 2/4.
 */
export function fallBack(
  fallback: CapabilityFallback,
  sent: OpenMessage,
  notification: Pick<NotificationMessage, 'code' | 'subcode' | 'data'>,
  policy: NegotiationPolicy,
): FallbackStep | undefined {
  if (notification.code !== NotifCode.OPEN_MESSAGE_ERROR) return undefined;
  const required = (c: Capability): boolean => isRequired(c, policy.required);
  switch (notification.subcode) {
    case OpenSubcode.UNSUPPORTED_CAPABILITY: {
      const rejected = listedCapabilities(notification.data, sent.capabilities);
      const dropped = rejected.filter((c) => !required(c));
      return {
        fallback: dropped.length === 0 ? fallback : { ...fallback, omitted: [...fallback.omitted, ...dropped] },
        dropped,
        kept: rejected.filter(required),
      };
    }
    case OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER: {
      // Once only: a capability-less OPEN refused the same way has nothing left to leave out.
      if (fallback.withoutCapabilities || sent.capabilities.length === 0) return { fallback, dropped: [], kept: [] };
      const kept = sent.capabilities.filter(required);
      // An old speaker can be neither a peer we require capabilities from nor one with a 4-octet AS.
      if (kept.length > 0 || policy.peerAs > MAX_TWO_OCTET_AS) return { fallback, dropped: [], kept };
      return { fallback: { ...fallback, withoutCapabilities: true }, dropped: sent.capabilities, kept: [] };
    }
    default:
      return undefined;
  }
}

/** `add-path`, `multiprotocol ipv6-unicast`: for the warning that says what was left out. */
export function describeCapability(c: Capability): string {
  switch (c.code) {
    case 'multiprotocol':
      return `multiprotocol ${afiSafiName(c.afi, c.safi) ?? `${c.afi}/${c.safi}`}`;
    case 'unknown':
      return `capability-${c.type}`;
    default:
      return c.code;
  }
}

// ---------------------------------------------------------------------------------------------

function isRequired(c: Capability, required: RequiredCapabilities | undefined): boolean {
  if (!required) return false;
  if (c.code === 'four-octet-as') return required.fourOctetAs ?? false;
  if (c.code === 'multiprotocol') {
    const name = afiSafiName(c.afi, c.safi);
    return name !== undefined && (required.families ?? []).includes(name);
  }
  return false;
}

function capabilityBytes(c: Capability): Uint8Array {
  const w = new WireWriter(16);
  encodeCapability(w, c);
  return w.finish();
}

/** Our capabilities are told apart by their encoding: code, length and value. */
function capabilityKey(c: Capability): string {
  return Buffer.from(capabilityBytes(c)).toString('hex');
}

/**
 * The capabilities of `ours` that the 2/7 data names. An entry names ours when the code and
 * value are the same, or when it has the code of the only one of ours with that code (the peer
 * need not echo our value, e.g. ADD-PATH with its own send/receive flags). A truncated last
 * entry still names its code.
 */
function listedCapabilities(data: Uint8Array, ours: readonly Capability[]): Capability[] {
  const encoded = ours.map((c) => ({ c, bytes: capabilityBytes(c) }));
  const named = new Set<Capability>();
  for (let at = 0; at < data.length; ) {
    const code = data[at]!;
    const length = data[at + 1] ?? 0;
    const value = data.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    const sameCode = encoded.filter((e) => e.bytes[0] === code);
    const exact = sameCode.find((e) => Buffer.from(e.bytes.subarray(2)).equals(value));
    const match = exact ?? (sameCode.length === 1 ? sameCode[0] : undefined);
    if (match) named.add(match.c);
  }
  return ours.filter((c) => named.has(c));
}
