/**
 * BGP capabilities (RFC 5492), one descriptor row per capability code: name, decode, encode.
 * The OPEN codec walks the Capability TLVs and hands each value to its row; adding a capability
 * means adding one row here and one variant to `Capability` in types.ts.
 *
 * RFC 5492 §4: a capability the speaker does not understand is ignored, so it is kept as `unknown`
 * with its value byte for byte and re-encodes unchanged. A known capability whose value does not
 * parse is kept the same way rather than failing the OPEN: no RFC below asks for a NOTIFICATION,
 * and RFC 7911 §4 says so outright for ADD-PATH ("treated as not understood and ignored").
 * Reserved bits (RFC 4760 §8, RFC 4724 §3, RFC 9494 §3) are ignored on receipt and sent as zero,
 * the one case where a decoded capability does not re-encode byte for byte.
 *
 * Cisco's pre-standard route refresh (code 128, empty value, sent by many routers beside code 2)
 * has no row: it stays `{ code: 'unknown', type: 128 }`, which is byte-exact and leaves the
 * negotiation to look for `CISCO_ROUTE_REFRESH_CAPABILITY` if it wants to honour it.
 */
import { CapCode } from './constants.js';
import type { AddPathFamily, AddPathMode, Capability, GracefulRestartFamily, LlgrFamily } from './types.js';
import type { WireWriter } from './wire/writer.js';

/** Capability code of the pre-RFC 2918 route refresh that Cisco and others still advertise. */
export const CISCO_ROUTE_REFRESH_CAPABILITY = 128;

export type KnownCapability = Exclude<Capability, { readonly code: 'unknown' }>;
export type KnownCapabilityName = KnownCapability['code'];
type CapabilityOf<N extends KnownCapabilityName> = Extract<Capability, { readonly code: N }>;

export interface CapabilityDescriptor<N extends KnownCapabilityName> {
  readonly type: CapCode;
  readonly name: N;
  /** The capability from its value octets, or undefined when the value is malformed. */
  readonly decode: (value: Uint8Array) => CapabilityOf<N> | undefined;
  /** Write the value octets only (the code and length are the caller's). */
  readonly encode: (w: WireWriter, c: CapabilityOf<N>) => void;
}

type CapabilityTable = { readonly [N in KnownCapabilityName]: CapabilityDescriptor<N> };

const u16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const u24 = (b: Uint8Array, at: number): number => (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
const u32 = (b: Uint8Array, at: number): number => b[at]! * 0x1000000 + u24(b, at + 1);

/** A capability whose value is empty (RFC 2918, RFC 7313, RFC 8654). */
function flagCapability<N extends 'route-refresh' | 'enhanced-route-refresh' | 'extended-message'>(
  type: CapCode,
  name: N,
): CapabilityDescriptor<N> {
  const value = { code: name } as CapabilityOf<N>;
  return {
    type,
    name,
    decode: (v) => (v.length === 0 ? value : undefined),
    encode: () => undefined,
  };
}

/** RFC 4724 §3: restart flags in the top 4 bits, restart time in the low 12. */
const GR_RESTARTING = 0x8;
const GR_NOTIFICATION = 0x4; // RFC 8538 §2: the N bit
const GR_FAMILY_FORWARDING = 0x80;
const GR_TIME_MASK = 0x0fff;

/** RFC 7911 §4: Send/Receive values. */
const ADD_PATH_MODE_BY_VALUE: Readonly<Record<number, AddPathMode>> = { 1: 'receive', 2: 'send', 3: 'both' };
const ADD_PATH_VALUE_BY_MODE: Readonly<Record<AddPathMode, number>> = { receive: 1, send: 2, both: 3 };

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

function decodeUtf8(b: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(b);
  } catch {
    return undefined;
  }
}

function writeShortString(w: WireWriter, s: string, what: string): void {
  const bytes = utf8Encoder.encode(s);
  if (bytes.length > 0xff) throw new RangeError(`${what} is ${bytes.length} octets; at most 255 fit`);
  w.u8(bytes.length).bytes(bytes);
}

export const CAPABILITIES: CapabilityTable = {
  // RFC 4760 §8: AFI (2), reserved (1), SAFI (1).
  multiprotocol: {
    type: CapCode.MULTIPROTOCOL,
    name: 'multiprotocol',
    decode: (v) => (v.length === 4 ? { code: 'multiprotocol', afi: u16(v, 0), safi: v[3]! } : undefined),
    encode: (w, c) => void w.u16(c.afi).u8(0).u8(c.safi),
  },
  'route-refresh': flagCapability(CapCode.ROUTE_REFRESH, 'route-refresh'),
  'extended-message': flagCapability(CapCode.EXTENDED_MESSAGE, 'extended-message'),
  'enhanced-route-refresh': flagCapability(CapCode.ENHANCED_ROUTE_REFRESH, 'enhanced-route-refresh'),
  // RFC 4724 §3: flags+time (2), then AFI (2), SAFI (1), flags (1) per family.
  'graceful-restart': {
    type: CapCode.GRACEFUL_RESTART,
    name: 'graceful-restart',
    decode: (v) => {
      if (v.length < 2 || (v.length - 2) % 4 !== 0) return undefined;
      const head = u16(v, 0);
      const flags = head >>> 12;
      const families: GracefulRestartFamily[] = [];
      for (let at = 2; at < v.length; at += 4) {
        families.push({ afi: u16(v, at), safi: v[at + 2]!, forwardingPreserved: (v[at + 3]! & GR_FAMILY_FORWARDING) !== 0 });
      }
      return {
        code: 'graceful-restart',
        restarting: (flags & GR_RESTARTING) !== 0,
        notification: (flags & GR_NOTIFICATION) !== 0,
        restartTimeSec: head & GR_TIME_MASK,
        families,
      };
    },
    encode: (w, c) => {
      if (c.restartTimeSec < 0 || c.restartTimeSec > GR_TIME_MASK) throw new RangeError(`restart time ${c.restartTimeSec} does not fit 12 bits`);
      const flags = (c.restarting ? GR_RESTARTING : 0) | (c.notification ? GR_NOTIFICATION : 0);
      w.u16((flags << 12) | c.restartTimeSec);
      for (const f of c.families) w.u16(f.afi).u8(f.safi).u8(f.forwardingPreserved ? GR_FAMILY_FORWARDING : 0);
    },
  },
  // RFC 6793 §3: the 4-octet AS number.
  'four-octet-as': {
    type: CapCode.FOUR_OCTET_AS,
    name: 'four-octet-as',
    decode: (v) => (v.length === 4 ? { code: 'four-octet-as', asn: u32(v, 0) } : undefined),
    encode: (w, c) => void w.u32(c.asn),
  },
  // RFC 7911 §4: AFI (2), SAFI (1), Send/Receive (1) per family.
  'add-path': {
    type: CapCode.ADD_PATH,
    name: 'add-path',
    decode: (v) => {
      if (v.length % 4 !== 0) return undefined;
      const families: AddPathFamily[] = [];
      for (let at = 0; at < v.length; at += 4) {
        const mode = ADD_PATH_MODE_BY_VALUE[v[at + 3]!];
        if (mode === undefined) return undefined; // RFC 7911 §4: treat as not understood
        families.push({ afi: u16(v, at), safi: v[at + 2]!, mode });
      }
      return { code: 'add-path', families };
    },
    encode: (w, c) => {
      for (const f of c.families) w.u16(f.afi).u8(f.safi).u8(ADD_PATH_VALUE_BY_MODE[f.mode]);
    },
  },
  // RFC 9494 §3: AFI (2), SAFI (1), flags (1), long-lived stale time (3) per family.
  'long-lived-graceful-restart': {
    type: CapCode.LONG_LIVED_GRACEFUL_RESTART,
    name: 'long-lived-graceful-restart',
    decode: (v) => {
      if (v.length % 7 !== 0) return undefined;
      const families: LlgrFamily[] = [];
      for (let at = 0; at < v.length; at += 7) {
        families.push({
          afi: u16(v, at),
          safi: v[at + 2]!,
          forwardingPreserved: (v[at + 3]! & GR_FAMILY_FORWARDING) !== 0,
          staleTimeSec: u24(v, at + 4),
        });
      }
      return { code: 'long-lived-graceful-restart', families };
    },
    encode: (w, c) => {
      for (const f of c.families) {
        if (f.staleTimeSec < 0 || f.staleTimeSec > 0xffffff) throw new RangeError(`stale time ${f.staleTimeSec} does not fit 24 bits`);
        w.u16(f.afi).u8(f.safi).u8(f.forwardingPreserved ? GR_FAMILY_FORWARDING : 0);
        w.u8(f.staleTimeSec >>> 16).u16(f.staleTimeSec & 0xffff);
      }
    },
  },
  // draft-walton-bgp-hostname-capability §3: hostname and domain, each length-prefixed.
  fqdn: {
    type: CapCode.FQDN,
    name: 'fqdn',
    decode: (v) => {
      const hostLen = v[0];
      if (hostLen === undefined || v.length < 2 + hostLen) return undefined;
      const domainLen = v[1 + hostLen]!;
      if (v.length !== 2 + hostLen + domainLen) return undefined;
      const hostname = decodeUtf8(v.subarray(1, 1 + hostLen));
      const domain = decodeUtf8(v.subarray(2 + hostLen));
      return hostname === undefined || domain === undefined ? undefined : { code: 'fqdn', hostname, domain };
    },
    encode: (w, c) => {
      writeShortString(w, c.hostname, 'FQDN hostname');
      writeShortString(w, c.domain, 'FQDN domain name');
    },
  },
};

type AnyDescriptor = CapabilityDescriptor<KnownCapabilityName>;
const BY_TYPE = new Map<number, AnyDescriptor>((Object.values(CAPABILITIES) as AnyDescriptor[]).map((d) => [d.type, d]));

/** Decode one capability from its code and value (the value is copied only when kept raw). */
export function decodeCapability(type: number, value: Uint8Array): Capability {
  const known = BY_TYPE.get(type)?.decode(value);
  return known ?? { code: 'unknown', type, value: new Uint8Array(value) };
}

/** Write one Capability TLV: code (1), length (1), value. */
export function encodeCapability(w: WireWriter, c: Capability): void {
  if (c.code === 'unknown') {
    if (c.value.length > 0xff) throw new RangeError(`capability ${c.type} value is ${c.value.length} octets; at most 255 fit`);
    w.u8(c.type).u8(c.value.length).bytes(c.value);
    return;
  }
  const descriptor = CAPABILITIES[c.code] as CapabilityDescriptor<typeof c.code>;
  w.u8(descriptor.type);
  const slot = w.reserveU8();
  descriptor.encode(w, c);
  w.close(slot);
}

/** The IANA name of a capability code, for logs (`capability-128` when petrel has no name for it). */
export function capabilityName(type: number): string {
  if (type === CISCO_ROUTE_REFRESH_CAPABILITY) return 'route-refresh-cisco';
  return BY_TYPE.get(type)?.name ?? `capability-${type}`;
}
