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

/**
 * The IPv4 prefixes of one Withdrawn Routes or NLRI field, decoded to numbers in typed arrays:
 * prefix `i` is `address4(i)`/`prefixLength(i)`, with `pathId(i)` under ADD-PATH (RFC 7911 §3).
 * What the daemon's route table consumes (`CodecContext.packedIpv4`): one array per field where
 * `Ipv4Nlri`s cost an object and an array slot per prefix, which is most of what a reflector
 * relaying a full table allocates. `at` builds the `Ipv4Nlri` for anyone else.
 */
export class PackedIpv4Prefixes {
  static readonly EMPTY = new PackedIpv4Prefixes(new Int32Array(0), undefined);

  /**
   * `words`: two per prefix, the network address (a signed 32-bit integer, host bits clear) and
   * the length. `pathIds`: one per prefix with ADD-PATH, else undefined.
   */
  constructor(
    readonly words: Int32Array,
    readonly pathIds: Uint32Array | undefined,
  ) {}

  get count(): number {
    return this.words.length >>> 1;
  }

  address4(i: number): number {
    return this.words[i << 1]!;
  }

  prefixLength(i: number): number {
    return this.words[(i << 1) + 1]!;
  }

  /** The path identifier; 0 without ADD-PATH (as `Nlri.pathId ?? 0` reads). */
  pathId(i: number): number {
    return this.pathIds === undefined ? 0 : this.pathIds[i]!;
  }

  /** Prefix `i` as an `Ipv4Nlri` (its `pathId` undefined without ADD-PATH, as `decodePrefixes` gives). */
  at(i: number): Ipv4Nlri {
    return new Ipv4Nlri(this.address4(i), this.prefixLength(i), this.pathIds === undefined ? undefined : this.pathIds[i]);
  }

  /** Every prefix as an `Ipv4Nlri`, in wire order. */
  toArray(): Ipv4Nlri[] {
    const out: Ipv4Nlri[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i));
    return out;
  }

  toJSON(): Nlri[] {
    return this.toArray().map((n) => n.toJSON());
  }
}

/**
 * `decodePrefixes` for an IPv4 field, into `PackedIpv4Prefixes`: the same checks and errors
 * (3/10, session reset), made in a first pass that counts the prefixes, so the arrays are
 * allocated once at their size and the second pass only reads numbers.
 */
export function decodePackedIpv4(buf: Uint8Array, start: number, end: number, addPath: boolean): PackedIpv4Prefixes {
  const idLength = addPath ? PATH_ID_LENGTH : 0;
  let count = 0;
  for (let p = start; p < end; count++) {
    if (end - p < idLength + 1) throw overrun();
    p += idLength;
    const len = buf[p++]!;
    if (len > 32) throw prefixTooLong(len, 4);
    p += (len + 7) >>> 3;
    if (p > end) throw overrun();
  }
  if (count === 0) return PackedIpv4Prefixes.EMPTY;
  const words = new Int32Array(count * 2);
  const pathIds = addPath ? new Uint32Array(count) : undefined;
  let p = start;
  for (let i = 0; i < count; i++) {
    if (pathIds !== undefined) {
      pathIds[i] = buf[p]! * 0x1000000 + ((buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!);
      p += PATH_ID_LENGTH;
    }
    const len = buf[p++]!;
    const octets = (len + 7) >>> 3;
    words[i << 1] = readIpv4Network(buf, p, octets, len);
    words[(i << 1) + 1] = len;
    p += octets;
  }
  return new PackedIpv4Prefixes(words, pathIds);
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

/** Writes packed IPv4 prefixes (path identifier first when `addPath`; 0 where none was decoded). */
export function encodePackedIpv4(w: WireWriter, prefixes: PackedIpv4Prefixes, addPath: boolean): void {
  for (let i = 0; i < prefixes.count; i++) {
    if (addPath) w.u32(prefixes.pathId(i));
    writeIpv4Network(w, prefixes.address4(i), prefixes.prefixLength(i));
  }
}

/** Writes a list of NLRI. */
export function encodePrefixes(w: WireWriter, nlri: readonly Nlri[], family: PrefixFamily, addPath: boolean): void {
  for (const n of nlri) encodePrefix(w, n, family, addPath);
}
