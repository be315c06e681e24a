/**
 * Fast prefix arithmetic for the RIB's per-prefix paths: IPv4 text to a 32-bit number without
 * regexes or allocation, order keys for addresses (decision step "lowest peer address"), and a
 * compiled CIDR list answering BIRD's `net ~ cidr` ("net lies inside cidr, or is it") for one
 * prefix string in O(CIDRs) with no allocation for IPv4.
 */
import { parseIpv6, parsePrefix } from '../bgp/address.js';

const DOT = 46;
const SLASH = 47;
const ZERO = 48;

/**
 * Dotted quad (optionally followed by `/len`, which is ignored) to an unsigned 32-bit number, or
 * -1 when the text is not IPv4. Strict enough for canonical text produced by the codec.
 */
export function ipv4Value(text: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT || c === SLASH) {
      if (digits === 0 || octet > 255) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      if (c === SLASH) return dots === 3 ? value : -1;
      dots++;
      continue;
    }
    const d = c - ZERO;
    if (d < 0 || d > 9) return -1;
    octet = octet * 10 + d;
    digits++;
  }
  if (dots !== 3 || digits === 0 || octet > 255) return -1;
  return value * 256 + octet;
}

/**
 * A prefix as the route table holds it (`Dest`): text built on demand, and for IPv4 the numbers
 * (`address4` undefined for IPv6), which `PrefixSet` matches without building the text.
 */
export interface RoutePrefix {
  readonly prefix: string;
  readonly address4: number | undefined;
  readonly prefixLength: number;
}

/** The text of a prefix given either way. */
export function prefixText(prefix: string | RoutePrefix): string {
  return typeof prefix === 'string' ? prefix : prefix.prefix;
}

/** The length of a prefix given either way. */
export function lengthOf(prefix: string | RoutePrefix): number {
  return typeof prefix === 'string' ? prefixLength(prefix) : prefix.prefixLength;
}

/** The length of a `address/length` string (no validation beyond the digits). */
export function prefixLength(prefix: string): number {
  const slash = prefix.lastIndexOf('/');
  let n = 0;
  for (let i = slash + 1; i < prefix.length; i++) n = n * 10 + (prefix.charCodeAt(i) - ZERO);
  return n;
}

/**
 * A string that sorts like the address: IPv4 before IPv6, then numerically. Used once per peer,
 * not per prefix.
 */
export function addressOrderKey(address: string): string {
  const v4 = ipv4Value(address);
  if (v4 >= 0) return `4${v4.toString(16).padStart(8, '0')}`;
  const v6 = parseIpv6(address);
  if (!v6) return `9${address}`;
  return `6${Buffer.from(v6).toString('hex')}`;
}

interface V4Cidr {
  readonly net: number;
  readonly mask: number;
  readonly length: number;
}

interface V6Cidr {
  readonly bytes: Uint8Array;
  readonly length: number;
}

function maskOf(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

function v6Inside(bytes: Uint8Array, length: number, c: V6Cidr): boolean {
  if (length < c.length) return false;
  const whole = c.length >>> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== c.bytes[i]) return false;
  const rem = c.length & 7;
  if (rem === 0) return true;
  const m = (0xff << (8 - rem)) & 0xff;
  return ((bytes[whole]! ^ c.bytes[whole]!) & m) === 0;
}

/**
 * A compiled list of CIDRs. `indexOf(prefix)` returns the index of the first CIDR containing the
 * prefix (BIRD `net ~ cidr`), or -1; `exactIndexOf` the CIDR equal to it.
 */
export class PrefixSet {
  readonly cidrs: readonly string[];
  readonly #v4: (V4Cidr | undefined)[];
  readonly #v6: (V6Cidr | undefined)[];

  constructor(cidrs: readonly string[]) {
    this.cidrs = cidrs;
    this.#v4 = [];
    this.#v6 = [];
    for (const text of cidrs) {
      const p = parsePrefix(text);
      if (!p) throw new RangeError(`not a prefix: ${text}`);
      if (p.family === 4) {
        const mask = maskOf(p.length);
        const addr = ((p.bytes[0]! << 24) | (p.bytes[1]! << 16) | (p.bytes[2]! << 8) | p.bytes[3]!) >>> 0;
        this.#v4.push({ net: (addr & mask) >>> 0, mask, length: p.length });
        this.#v6.push(undefined);
      } else {
        this.#v4.push(undefined);
        this.#v6.push({ bytes: p.bytes, length: p.length });
      }
    }
  }

  get size(): number {
    return this.cidrs.length;
  }

  /** Index of the first CIDR the prefix lies inside (or equals), -1 when none. */
  indexOf(prefix: string | RoutePrefix): number {
    return this.#find(prefix, false);
  }

  /** Index of the CIDR equal to the prefix, -1 when none. */
  exactIndexOf(prefix: string | RoutePrefix): number {
    return this.#find(prefix, true);
  }

  #find(given: string | RoutePrefix, exact: boolean): number {
    if (this.cidrs.length === 0) return -1;
    let v4: number;
    let length: number;
    if (typeof given === 'string') {
      v4 = ipv4Value(given);
      length = prefixLength(given);
    } else {
      const address4 = given.address4;
      v4 = address4 === undefined ? -1 : address4 >>> 0;
      length = given.prefixLength;
    }
    if (v4 >= 0) {
      for (let i = 0; i < this.#v4.length; i++) {
        const c = this.#v4[i];
        if (!c || length < c.length || (exact && length !== c.length)) continue;
        if (((v4 & c.mask) >>> 0) === c.net) return i;
      }
      return -1;
    }
    const p = parsePrefix(prefixText(given));
    if (!p || p.family !== 6) return -1;
    for (let i = 0; i < this.#v6.length; i++) {
      const c = this.#v6[i];
      if (!c || (exact && length !== c.length)) continue;
      if (v6Inside(p.bytes, p.length, c)) return i;
    }
    return -1;
  }
}
