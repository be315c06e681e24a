/**
 * The codec context with every default filled in. Callers pass a partial `CodecContext`
 * (what their session negotiated); codecs work on the resolved form.
 */
import { MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from './constants.js';
import type { AfiSafiName, CodecContext } from './types.js';

export interface ResolvedContext {
  readonly fourOctetAs: boolean;
  readonly addPath: ReadonlySet<AfiSafiName>;
  readonly extendedMessage: boolean;
  /** Largest whole message allowed (RFC 4271 §4: 4096; RFC 8654: 65535). */
  readonly maxMessageLength: number;
  /** IPv4 NLRI decoded to `Ipv4Nlri` (see `CodecContext.numericIpv4`). */
  readonly numericIpv4: boolean;
  /** The UPDATE's IPv4 fields decoded into `UpdateMessage.packed` (see `CodecContext.packedIpv4`). */
  readonly packedIpv4: boolean;
}

export const DEFAULT_CONTEXT: ResolvedContext = resolveContext();

export function resolveContext(ctx?: CodecContext): ResolvedContext {
  const extendedMessage = ctx?.extendedMessage ?? false;
  return {
    fourOctetAs: ctx?.fourOctetAs ?? true,
    addPath: new Set(ctx?.addPath ?? []),
    extendedMessage,
    maxMessageLength: extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH,
    numericIpv4: ctx?.numericIpv4 ?? false,
    packedIpv4: ctx?.packedIpv4 ?? false,
  };
}

/** `ipv4-unicast` etc. for a known pair, undefined otherwise. */
export function afiSafiName(afi: number, safi: number): AfiSafiName | undefined {
  const fam = afi === 1 ? 'ipv4' : afi === 2 ? 'ipv6' : undefined;
  const sub = safi === 1 ? 'unicast' : safi === 2 ? 'multicast' : undefined;
  return fam && sub ? `${fam}-${sub}` : undefined;
}

export function afiSafiFromName(name: AfiSafiName): { afi: number; safi: number } {
  const [fam, sub] = name.split('-') as ['ipv4' | 'ipv6', 'unicast' | 'multicast'];
  return { afi: fam === 'ipv4' ? 1 : 2, safi: sub === 'unicast' ? 1 : 2 };
}
