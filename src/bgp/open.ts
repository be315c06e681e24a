/**
 * OPEN message body (RFC 4271 §4.2): version, My AS, Hold Time, BGP Identifier and optional
 * parameters, of which petrel understands only Capabilities (RFC 5492, type 2). The RFC 9072
 * extended-length form of the optional parameters is read when the peer uses it and written when
 * the parameters exceed 255 octets (or when a captured OPEN used it).
 *
 * The decoder runs the RFC 4271 §6.2 checks that need no configuration: version (2/1), hold
 * time 1 or 2 (2/6), BGP Identifier zero (2/3, RFC 6286 §2.2), unknown optional parameter (2/4).
 * Peer AS (2/2), collisions and capability negotiation belong to the FSM. Optional parameters
 * that do not add up to their declared length are 2/0 (RFC 4271 names no subcode; BIRD does the same).
 */
import { parseIpv4 } from './address.js';
import { decodeCapability, encodeCapability } from './capabilities.js';
import { BGP_VERSION, OpenSubcode, OptParamType } from './constants.js';
import { type BgpError, openError } from './errors.js';
import type { Capability, OpenMessage } from './types.js';
import type { WireReader } from './wire/reader.js';
import { WireWriter } from './wire/writer.js';

/** RFC 9072 §2: the Non-Ext OP Len and Non-Ext OP Type values that announce the extended form. */
const EXTENDED_MARKER = 255;
const MAX_SHORT_LENGTH = 0xff;

function malformedParameters(why: string): BgpError {
  return openError(OpenSubcode.UNSPECIFIC, 'open.optional-parameters.malformed', `malformed optional parameters: ${why}`);
}

const onShortParameters = (): BgpError => malformedParameters('a length runs past the end of the message');

/** Decode an OPEN body (the header already checked, so at least 10 octets are there). */
export function decodeOpen(r: WireReader): OpenMessage {
  const version = r.u8();
  // RFC 4271 §6.2: data = the largest version we support, 2 octets.
  if (version !== BGP_VERSION) {
    throw openError(OpenSubcode.UNSUPPORTED_VERSION_NUMBER, 'open.version', `unsupported BGP version ${version}`, Uint8Array.of(0, BGP_VERSION));
  }
  const myAs = r.u16();
  const holdTimeSec = r.u16();
  // RFC 4271 §6.2: a hold time of 1 or 2 seconds is unacceptable; 0 (no keepalives) is allowed.
  if (holdTimeSec === 1 || holdTimeSec === 2) {
    throw openError(OpenSubcode.UNACCEPTABLE_HOLD_TIME, 'open.hold-time', `unacceptable hold time ${holdTimeSec} s`);
  }
  const id = r.bytes(4);
  // RFC 6286 §2.2: any non-zero 32-bit value is a valid BGP Identifier.
  if (id[0] === 0 && id[1] === 0 && id[2] === 0 && id[3] === 0) {
    throw openError(OpenSubcode.BAD_BGP_IDENTIFIER, 'open.bgp-id', 'BGP Identifier 0.0.0.0');
  }
  const bgpId = `${id[0]!}.${id[1]!}.${id[2]!}.${id[3]!}`;

  let optLength = r.u8();
  // RFC 9072 §2: Non-Ext OP Len 255 with a first parameter type of 255 means 2-octet lengths follow.
  const extended = optLength === EXTENDED_MARKER && r.remaining > 0 && r.peekU8() === EXTENDED_MARKER;
  if (extended) {
    r.skip(1);
    if (r.remaining < 2) throw malformedParameters('extended optional parameters length is missing');
    optLength = r.u16();
  }
  if (optLength !== r.remaining) {
    throw malformedParameters(`optional parameters length ${optLength} but ${r.remaining} octets follow`);
  }
  const params = r.take(optLength, onShortParameters);

  const capabilities: Capability[] = [];
  const grouping: number[] = [];
  while (!params.done) {
    const paramType = params.u8();
    const paramLength = extended ? params.u16() : params.u8();
    const value = params.take(paramLength);
    if (paramType !== OptParamType.CAPABILITIES) {
      throw openError(OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, 'open.optional-parameter.unsupported', `unsupported optional parameter ${paramType}`);
    }
    grouping.push(decodeCapabilities(value, capabilities));
  }

  return {
    type: 'open',
    version,
    myAs,
    holdTimeSec,
    bgpId,
    capabilities,
    // All capabilities in one parameter (or none at all) is the default form.
    ...(grouping.length > 1 || grouping[0] === 0 ? { capabilityGrouping: grouping } : {}),
    ...(extended ? { extendedOptionalParameters: true } : {}),
  };
}

/** RFC 5492 §4: Capability Code (1), Capability Length (1), value; returns how many were read. */
function decodeCapabilities(r: WireReader, into: Capability[]): number {
  let count = 0;
  while (!r.done) {
    if (r.remaining < 2) throw malformedParameters('a capability header is cut short');
    const code = r.u8();
    const length = r.u8();
    if (length > r.remaining) throw malformedParameters(`capability ${code} length ${length} runs past its parameter`);
    into.push(decodeCapability(code, r.bytes(length)));
    count++;
  }
  return count;
}

/** Encode an OPEN body. */
export function encodeOpen(w: WireWriter, m: OpenMessage): void {
  w.u8(m.version).u16(m.myAs).u16(m.holdTimeSec);
  const id = parseIpv4(m.bgpId);
  if (!id) throw new RangeError(`BGP Identifier ${m.bgpId} is not a dotted quad`);
  w.bytes(id);

  const groups = encodeCapabilityGroups(m);
  let shortLength = 0;
  let fitsShort = true;
  for (const g of groups) {
    shortLength += 2 + g.length;
    if (g.length > MAX_SHORT_LENGTH) fitsShort = false;
  }
  // RFC 9072 §2: use the extended form only when needed (or when the captured message did).
  if (fitsShort && shortLength <= MAX_SHORT_LENGTH && m.extendedOptionalParameters !== true) {
    w.u8(shortLength);
    for (const g of groups) w.u8(OptParamType.CAPABILITIES).u8(g.length).bytes(g);
    return;
  }
  w.u8(EXTENDED_MARKER).u8(EXTENDED_MARKER);
  const slot = w.reserveU16();
  for (const g of groups) w.u8(OptParamType.CAPABILITIES).u16(g.length).bytes(g);
  w.close(slot);
}

/** The value of each Capabilities parameter, following `capabilityGrouping`. */
function encodeCapabilityGroups(m: OpenMessage): Uint8Array[] {
  const counts = m.capabilityGrouping ?? (m.capabilities.length > 0 ? [m.capabilities.length] : []);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== m.capabilities.length) {
    throw new RangeError(`capabilityGrouping covers ${total} capabilities but the OPEN has ${m.capabilities.length}`);
  }
  const groups: Uint8Array[] = [];
  let next = 0;
  for (const count of counts) {
    const w = new WireWriter(64);
    for (let i = 0; i < count; i++) encodeCapability(w, m.capabilities[next++]!);
    groups.push(w.finish());
  }
  return groups;
}
