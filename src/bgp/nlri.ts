/**
 * NLRI encoding: the `<length, prefix>` tuples of the Withdrawn Routes and NLRI fields (RFC 4271
 * §4.3) and of MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 §5), each optionally preceded by a
 * 4-octet path identifier (RFC 7911 §3).
 *
 * This is the hot loop of a full-table load: the IPv4 decoder works on raw indices, formats
 * through a table of decimal octets, and allocates nothing but the string and the result object.
 * A field that does not parse is a session reset with 3/10 Invalid Network Field (RFC 4271 §6.3;
 * RFC 7606 §5.3 keeps "session reset" for a syntactically incorrect NLRI field).
 */
import { UpdateSubcode } from './constants.js';
import { formatIpv6, parseIpv6 } from './address.js';
import { updateError, type BgpError } from './errors.js';
import type { Ipv4Key, Nlri } from './types.js';
import type { WireWriter } from './wire/writer.js';

export type PrefixFamily = 4 | 6;

/** Each octet value's decimal digits, packed as (digit count << 24 | ASCII digits, first highest). */
const DIGITS: Int32Array = Int32Array.from({ length: 256 }, (_, i) => {
  const text = String(i);
  let packed = 0;
  for (let k = 0; k < text.length; k++) packed = (packed << 8) | text.charCodeAt(k);
  return (text.length << 24) | packed;
});
const DOT = 0x2e;
const SLASH = 0x2f;
/** Scratch for one `a.b.c.d/len` (at most 18 characters). */
const textScratch = Buffer.alloc(24);

function putOctet(at: number, value: number): number {
  const packed = DIGITS[value]!;
  const n = packed >>> 24;
  if (n === 3) textScratch[at++] = (packed >>> 16) & 0xff;
  if (n >= 2) textScratch[at++] = (packed >>> 8) & 0xff;
  textScratch[at++] = packed & 0xff;
  return at;
}
const PATH_ID_LENGTH = 4;

function prefixTooLong(len: number, family: PrefixFamily): BgpError {
  return updateError(
    UpdateSubcode.INVALID_NETWORK_FIELD,
    'update.nlri.prefix-length',
    `NLRI prefix length ${len} exceeds ${family === 4 ? 32 : 128} (RFC 7606 §5.3)`,
  );
}

function overrun(): BgpError {
  return updateError(
    UpdateSubcode.INVALID_NETWORK_FIELD,
    'update.nlri.overrun',
    'NLRI runs past the end of its field (RFC 7606 §5.3)',
  );
}

/** The network address of `len` bits read from the `octets` significant octets at `p` (int32). */
function readIpv4Network(buf: Uint8Array, p: number, octets: number, len: number): number {
  let v = 0;
  for (let i = 0; i < 4; i++) v = (v << 8) | (i < octets ? buf[p + i]! : 0);
  return len < 32 ? v & (len === 0 ? 0 : -1 << (32 - len)) : v;
}

/** `a.b.c.d/len` from the `octets` significant octets at `p`, host bits cleared. */
export function formatIpv4Prefix(buf: Uint8Array, p: number, octets: number, len: number): string {
  return formatIpv4Network(readIpv4Network(buf, p, octets, len), len);
}

/** `a.b.c.d/len` from an address's 32 bits (signed or not) and a length. */
export function formatIpv4Network(v: number, len: number): string {
  // Written as ASCII and read back as one flat string: a template literal of nine parts makes a
  // rope that every first Map lookup of the prefix has to flatten (the RIB's first cost per route).
  let at = putOctet(0, v >>> 24);
  textScratch[at++] = DOT;
  at = putOctet(at, (v >>> 16) & 0xff);
  textScratch[at++] = DOT;
  at = putOctet(at, (v >>> 8) & 0xff);
  textScratch[at++] = DOT;
  at = putOctet(at, v & 0xff);
  textScratch[at++] = SLASH;
  at = putOctet(at, len);
  return textScratch.toString('latin1', 0, at);
}

/**
 * An IPv4 NLRI decoded to numbers, the form the RIB keys its table on: no text is built per
 * received prefix. `prefix` formats the text on demand (logs, `show`, tests); JSON carries it.
 */
export class Ipv4Nlri implements Nlri, Ipv4Key {
  /** The network address's 32 bits as a signed integer (a small integer to V8), host bits clear. */
  declare readonly address4: number;
  declare readonly prefixLength: number;
  declare readonly pathId: number | undefined;

  // Fields set here alone (`declare`): one store each for a decoded prefix, not a definition and a store.
  constructor(address4: number, prefixLength: number, pathId: number | undefined) {
    this.address4 = address4;
    this.prefixLength = prefixLength;
    this.pathId = pathId;
  }

  get prefix(): string {
    return formatIpv4Network(this.address4, this.prefixLength);
  }

  toJSON(): Nlri {
    return this.pathId === undefined ? { prefix: this.prefix } : { prefix: this.prefix, pathId: this.pathId };
  }
}

/** The numeric form of an IPv4 NLRI when it carries one (`Ipv4Nlri`, the RIB's entries). */
export function ipv4KeyOf(nlri: Nlri): Ipv4Key | undefined {
  return typeof (nlri as Partial<Ipv4Key>).address4 === 'number' ? (nlri as Nlri & Ipv4Key) : undefined;
}

const v6Scratch = new Uint8Array(16);

function formatIpv6Prefix(buf: Uint8Array, p: number, octets: number, len: number): string {
  v6Scratch.fill(0);
  v6Scratch.set(buf.subarray(p, p + octets));
  if (len & 7) v6Scratch[octets - 1]! &= (0xff << (8 - (len & 7))) & 0xff;
  return `${formatIpv6(v6Scratch)}/${len}`;
}

/**
 * Decodes every prefix in `buf[start, end)`. With `addPath`, each carries a path identifier.
 * With `numericIpv4`, IPv4 prefixes come as `Ipv4Nlri` (numbers, text on demand) instead of text.
 * Throws a session-reset 3/10 BgpError when the field does not parse.
 */
export function decodePrefixes(buf: Uint8Array, start: number, end: number, family: PrefixFamily, addPath: boolean, numericIpv4 = false): Nlri[] {
  const out: Nlri[] = [];
  const maxLen = family === 4 ? 32 : 128;
  let p = start;
  while (p < end) {
    let pathId = 0;
    if (addPath) {
      if (end - p < PATH_ID_LENGTH + 1) throw overrun();
      pathId = buf[p]! * 0x1000000 + ((buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!);
      p += PATH_ID_LENGTH;
    }
    const len = buf[p++]!;
    if (len > maxLen) throw prefixTooLong(len, family);
    const octets = (len + 7) >>> 3;
    if (p + octets > end) throw overrun();
    if (numericIpv4 && family === 4) {
      out.push(new Ipv4Nlri(readIpv4Network(buf, p, octets, len), len, addPath ? pathId : undefined));
      p += octets;
      continue;
    }
    const prefix = family === 4 ? formatIpv4Prefix(buf, p, octets, len) : formatIpv6Prefix(buf, p, octets, len);
    p += octets;
    out.push(addPath ? { prefix, pathId } : { prefix });
  }
  return out;
}

function badPrefix(s: string, family: PrefixFamily): RangeError {
  return new RangeError(`not an IPv${family} prefix: ${s}`);
}

const CHAR_0 = 48;
const CHAR_DOT = 46;
const CHAR_SLASH = 47;

/**
 * Writes an IPv4 prefix `a.b.c.d/len` (a hand-rolled scan: this runs once per prefix sent).
 * Host bits are cleared. Throws RangeError for text that is not an IPv4 prefix (a caller bug).
 */
function writeIpv4Prefix(w: WireWriter, s: string): void {
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= CHAR_0 && c <= CHAR_0 + 9) {
      part = part * 10 + (c - CHAR_0);
      if (++digits > 3 || part > 255) throw badPrefix(s, 4);
    } else if (c === CHAR_DOT || c === CHAR_SLASH) {
      if (digits === 0 || (c === CHAR_DOT) !== (dots < 3)) throw badPrefix(s, 4);
      v = (v << 8) | part;
      part = 0;
      digits = 0;
      if (c === CHAR_SLASH) break;
      dots++;
    } else {
      throw badPrefix(s, 4);
    }
  }
  if (i === s.length || dots !== 3) throw badPrefix(s, 4);
  let len = 0;
  let lenDigits = 0;
  for (i++; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < CHAR_0 || c > CHAR_0 + 9 || ++lenDigits > 2) throw badPrefix(s, 4);
    len = len * 10 + (c - CHAR_0);
  }
  if (lenDigits === 0 || len > 32) throw badPrefix(s, 4);
  writeIpv4Network(w, v, len);
}

function writeIpv6Prefix(w: WireWriter, s: string): void {
  const slash = s.indexOf('/');
  const bytes = slash > 0 ? parseIpv6(s.slice(0, slash)) : undefined;
  const lenText = s.slice(slash + 1);
  const len = Number(lenText);
  if (!bytes || lenText.length === 0 || lenText.length > 3 || !Number.isInteger(len) || len < 0 || len > 128) {
    throw badPrefix(s, 6);
  }
  const octets = (len + 7) >>> 3;
  w.u8(len);
  for (let k = 0; k < octets; k++) {
    const keep = k === octets - 1 && len & 7 ? (0xff << (8 - (len & 7))) & 0xff : 0xff;
    w.u8(bytes[k]! & keep);
  }
}

/** Writes an IPv4 prefix from its numbers (host bits cleared). */
function writeIpv4Network(w: WireWriter, v: number, len: number): void {
  w.u8LeadingOctets(len, len < 32 ? v & (len === 0 ? 0 : -1 << (32 - len)) : v, (len + 7) >>> 3);
}

/**
 * Writes one NLRI (path identifier first when `addPath`; a missing one is sent as 0). An IPv4
 * NLRI with a numeric form (`Ipv4Key`: the RIB's entries) is written from its numbers.
 */
export function encodePrefix(w: WireWriter, nlri: Nlri, family: PrefixFamily, addPath: boolean): void {
  if (addPath) w.u32(nlri.pathId ?? 0);
  if (family === 6) {
    writeIpv6Prefix(w, nlri.prefix);
    return;
  }
  const address4 = (nlri as Partial<Ipv4Key>).address4;
  if (address4 !== undefined) writeIpv4Network(w, address4, (nlri as Nlri & Ipv4Key).prefixLength);
  else writeIpv4Prefix(w, nlri.prefix);
}

/** Writes a list of NLRI. */
export function encodePrefixes(w: WireWriter, nlri: readonly Nlri[], family: PrefixFamily, addPath: boolean): void {
  for (const n of nlri) encodePrefix(w, n, family, addPath);
}
