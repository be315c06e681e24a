/**
 * Address text ↔ attribute payload: IPv4/IPv6 addresses and `address/length` prefixes (the text
 * forms of src/bgp/address.ts, RFC 5952 for IPv6) and Ethernet MACs (`aa:bb:cc:dd:ee:ff`).
 * IPv4 text is parsed straight into the writer without allocating, since a full-table install
 * encodes one destination and one gateway per route.
 */
import { formatIpv4, formatIpv6, parseIpv6 } from '../../bgp/address.js';
import type { NetlinkWriter } from './bytes.js';
import { NetlinkDecodeError, NetlinkEncodeError } from './errors.js';

export type IpVersion = 4 | 6;

/** Octets of an address of this IP version. */
export function addressBytes(version: IpVersion): 4 | 16 {
  return version === 4 ? 4 : 16;
}

/** The IP version of address text: IPv6 text always holds a colon, IPv4 text never does. */
export function versionOf(text: string): IpVersion {
  return text.includes(':') ? 6 : 4;
}

const DOT = 0x2e;
const ZERO = 0x30;

/**
 * A dotted quad between `start` and `end` as an unsigned 32-bit number, or -1 when it is not one
 * (four decimal octets 0-255 without leading zeros, as src/bgp/address.ts accepts).
 */
export function parseIpv4Number(text: string, start = 0, end = text.length): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
      continue;
    }
    const d = c - ZERO;
    if (d < 0 || d > 9 || (digits === 1 && octet === 0)) return -1;
    octet = octet * 10 + d;
    if (octet > 255) return -1;
    digits++;
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

/** Writes the address `text` (of the given version) as 4 or 16 octets. */
export function writeAddress(w: NetlinkWriter, version: IpVersion, text: string, start = 0, end = text.length): void {
  if (version === 4) {
    const v = parseIpv4Number(text, start, end);
    if (v < 0) throw new NetlinkEncodeError('bad-address', `not an IPv4 address: ${text}`);
    w.u32be(v);
    return;
  }
  const bytes = parseIpv6(start === 0 && end === text.length ? text : text.slice(start, end));
  if (bytes === undefined) throw new NetlinkEncodeError('bad-address', `not an IPv6 address: ${text}`);
  w.bytes(bytes);
}

/** Text of a 4- or 16-octet address payload; `at` is its offset in the datagram, for errors. */
export function formatAddress(bytes: Uint8Array, at: number): string {
  if (bytes.length === 4) return formatIpv4(bytes);
  if (bytes.length === 16) return formatIpv6(bytes);
  throw new NetlinkDecodeError('address-length', at, `an address of ${bytes.length} octets`);
}

/** Text of an address payload that must belong to `version`. */
export function formatAddressOf(version: IpVersion, bytes: Uint8Array, at: number): string {
  if (bytes.length !== addressBytes(version)) {
    throw new NetlinkDecodeError('address-length', at, `an IPv${version} address of ${bytes.length} octets`);
  }
  return version === 4 ? formatIpv4(bytes) : formatIpv6(bytes);
}

/** A parsed `address/length` prefix: where the slash is and the length. */
export interface PrefixText {
  readonly version: IpVersion;
  readonly slash: number;
  readonly length: number;
}

/** Splits `address/length` and checks the length against the version; throws on bad text. */
export function parsePrefixText(text: string): PrefixText {
  const slash = text.indexOf('/');
  if (slash < 0) throw new NetlinkEncodeError('bad-prefix', `no prefix length in ${text}`);
  let length = 0;
  for (let i = slash + 1; i < text.length; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9 || i > slash + 3) throw new NetlinkEncodeError('bad-prefix', `bad prefix length in ${text}`);
    length = length * 10 + d;
  }
  const colon = text.indexOf(':');
  const version: IpVersion = colon >= 0 && colon < slash ? 6 : 4;
  if (slash + 1 === text.length || length > (version === 4 ? 32 : 128)) {
    throw new NetlinkEncodeError('bad-prefix', `bad prefix length in ${text}`);
  }
  return { version, slash, length };
}

/** `aa:bb:cc:dd:ee:ff` as 6 octets (or any number of colon-separated hex octets). */
export function parseMac(text: string): Uint8Array {
  const parts = text.split(':');
  const out = new Uint8Array(parts.length);
  parts.forEach((part, i) => {
    if (!/^[0-9a-fA-F]{2}$/.test(part)) throw new NetlinkEncodeError('bad-mac', `not a MAC address: ${text}`);
    out[i] = parseInt(part, 16);
  });
  return out;
}

/** Lower-case colon-separated hex, as `ip link` prints link-layer addresses. */
export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}
