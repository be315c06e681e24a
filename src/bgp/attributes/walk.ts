/**
 * The table walker: decodes the Path Attributes field of an UPDATE, applying once, for every
 * attribute, the checks RFC 7606 puts before any value is looked at (BIRD's bgp_decode_attrs):
 * framing (§4), duplicates (§3 g), unrecognised well-known attributes (RFC 4271 §6.3), flags
 * (§3 c) and length; then the descriptor's value decoder. Non-fatal problems are collected and
 * the strongest one kept (§3 h, `strongerAction`); session-reset problems are thrown.
 *
 * Encoding writes attributes in the order given. Callers building an UPDATE put them in type-code
 * order, except that MP_REACH_NLRI / MP_UNREACH_NLRI go first (RFC 7606 §5.1).
 */
import { AttrFlag, AttrType, UpdateSubcode } from '../constants.js';
import type { ResolvedContext } from '../context.js';
import { isBgpError, strongerAction, updateError, type BgpError } from '../errors.js';
import type { PathAttribute } from '../types.js';
import { WireWriter } from '../wire/writer.js';
import { CODE_BY_TYPE } from './codes.js';
import { DESCRIPTOR_BY_CODE, descriptorOf, type AttrDescriptor } from './table.js';

const MAX_ONE_OCTET_LENGTH = 0xff;
const FLAG_TYPE_BITS = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;

export interface DecodedAttributes {
  readonly attributes: PathAttribute[];
  /** The strongest non-fatal problem, if any. */
  readonly problem: BgpError | undefined;
  /** Type codes that appeared, well-formed or not (for the missing-attribute check). */
  readonly seen: Uint8Array;
}

/** Keeps the stronger of two problems; on a tie, the first found. */
export function strongerProblem(current: BgpError | undefined, next: BgpError): BgpError {
  if (!current) return next;
  return strongerAction(current.action, next.action) === current.action ? current : next;
}

function isMpCode(code: number): boolean {
  return code === AttrType.MP_REACH_NLRI || code === AttrType.MP_UNREACH_NLRI;
}

function attributeError(
  desc: AttrDescriptor<PathAttribute>,
  kind: 'flags' | 'length' | 'malformed',
  why: string,
  attribute: Uint8Array,
): BgpError {
  const subcode =
    kind === 'flags' ? UpdateSubcode.ATTRIBUTE_FLAGS_ERROR : kind === 'length' ? UpdateSubcode.ATTRIBUTE_LENGTH_ERROR : desc.subcode;
  // RFC 4271 §6.3: the data is the erroneous attribute (type, length, value), except for
  // Malformed AS_PATH, which carries none.
  const data = subcode === UpdateSubcode.MALFORMED_AS_PATH ? undefined : attribute;
  return updateError(subcode, `update.${desc.type}.${kind}`, `${desc.name}: ${why} (${desc.rfc}: ${desc.action})`, data, desc.action);
}

/**
 * Decodes the attributes in `buf[start, end)`. Throws session-reset BgpErrors; returns the
 * well-formed attributes in received order and the strongest other problem.
 */
export function decodeAttributes(buf: Uint8Array, start: number, end: number, ctx: ResolvedContext): DecodedAttributes {
  const attributes: PathAttribute[] = [];
  const seen = new Uint8Array(256);
  let problem: BgpError | undefined;
  let p = start;
  while (p < end) {
    const at = p;
    // RFC 7606 §4: too few octets for a header, or a value running past the field, is a framing
    // error: treat-as-withdraw, with the Total Path Attribute Length still locating the NLRI.
    const ext = (buf[p]! & AttrFlag.EXTENDED_LENGTH) !== 0;
    if (end - p < (ext ? 4 : 3)) {
      problem = strongerProblem(problem, framingError(`${end - p} octets left, too few for an attribute header`));
      break;
    }
    const flags = buf[p]!;
    const code = buf[p + 1]!;
    const length = ext ? (buf[p + 2]! << 8) | buf[p + 3]! : buf[p + 2]!;
    p += ext ? 4 : 3;
    if (length > end - p) {
      problem = strongerProblem(problem, framingError(`attribute ${code} of ${length} octets runs past the attribute field`));
      break;
    }
    const value = buf.subarray(p, p + length);
    p += length;

    // RFC 7606 §3 g: a repeated MP attribute resets the session; any other repeat is discarded.
    if (seen[code]) {
      if (isMpCode(code)) {
        throw updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'update.attribute.duplicate-mp', `attribute ${code} appears twice (RFC 7606 §3 g)`);
      }
      problem = strongerProblem(
        problem,
        updateError(
          UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
          'update.attribute.duplicate',
          `attribute ${code} appears twice; all but the first discarded (RFC 7606 §3 g)`,
          undefined,
          'attribute-discard',
        ),
      );
      continue;
    }
    seen[code] = 1;

    const desc = DESCRIPTOR_BY_CODE[code];
    if (!desc) {
      // RFC 4271 §6.3: an unrecognised well-known attribute is 3/2 with the attribute as data.
      if ((flags & AttrFlag.OPTIONAL) === 0) {
        throw updateError(
          UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE,
          'update.attribute.unrecognized-well-known',
          `unrecognised well-known attribute ${code}`,
          buf.slice(at, p),
        );
      }
      // RFC 4271 §5: unrecognised optional attributes are kept for the caller to pass on or drop.
      attributes.push({ type: 'unknown', flags, code, value: value.slice() });
      continue;
    }

    let error: BgpError | undefined;
    if ((flags & FLAG_TYPE_BITS) !== desc.flags) {
      error = attributeError(desc, 'flags', `flags 0x${flags.toString(16)} conflict with the attribute type`, buf.slice(at, p));
    } else if (!desc.lengthOk(length, ctx)) {
      error = attributeError(desc, 'length', `length ${length} is invalid`, buf.slice(at, p));
    } else {
      try {
        attributes.push(desc.decode(value, { ctx, flags, bad: (why) => attributeError(desc, 'malformed', why, buf.slice(at, p)) }));
      } catch (e) {
        if (!isBgpError(e)) throw e;
        error = e;
      }
    }
    if (error) {
      if (error.action === 'session-reset') throw error;
      problem = strongerProblem(problem, error);
    }
  }
  return { attributes, problem, seen };
}

function framingError(why: string): BgpError {
  return updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'update.attribute.framing', `${why} (RFC 7606 §4)`, undefined, 'treat-as-withdraw');
}

/** The flags petrel sends for an attribute built without received flags. */
export function standardFlags(a: PathAttribute): number {
  return a.type === 'unknown' ? AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE : descriptorOf(a).flags;
}

/** The attribute's value octets, encoded for this session. */
export function encodeAttributeValue(a: PathAttribute, ctx: ResolvedContext): Uint8Array {
  if (a.type === 'unknown') return a.value;
  const w = new WireWriter(64);
  descriptorOf(a).encode(w, a, ctx);
  return w.finish();
}

/**
 * Writes one attribute. Received flags are kept (so captured messages re-encode byte for byte);
 * otherwise the standard flags are used. Extended Length is set when the flags ask for it or the
 * value needs it (over 255 octets).
 */
export function encodeAttribute(w: WireWriter, a: PathAttribute, ctx: ResolvedContext): void {
  writeAttribute(w, a.type === 'unknown' ? a.code : CODE_BY_TYPE[a.type], a.flags ?? standardFlags(a), encodeAttributeValue(a, ctx));
}

/** Writes an attribute header and value. */
export function writeAttribute(w: WireWriter, code: number, flags: number, value: Uint8Array): void {
  const ext = (flags & AttrFlag.EXTENDED_LENGTH) !== 0 || value.length > MAX_ONE_OCTET_LENGTH;
  w.u8(ext ? flags | AttrFlag.EXTENDED_LENGTH : flags).u8(code);
  if (ext) w.u16(value.length);
  else w.u8(value.length);
  w.bytes(value);
}

export function encodeAttributes(w: WireWriter, attributes: readonly PathAttribute[], ctx: ResolvedContext): void {
  for (const a of attributes) encodeAttribute(w, a, ctx);
}

/**
 * RFC 4271 §5 and §9.1.4 for attributes about to be re-advertised: unrecognised optional
 * non-transitive attributes are dropped, unrecognised transitive ones get the Partial bit.
 */
export function forReadvertisement(attributes: readonly PathAttribute[]): PathAttribute[] {
  const out: PathAttribute[] = [];
  for (const a of attributes) {
    if (a.type !== 'unknown') {
      out.push(a);
      continue;
    }
    const flags = a.flags ?? standardFlags(a);
    if ((flags & AttrFlag.TRANSITIVE) === 0) continue;
    out.push({ ...a, flags: flags | AttrFlag.PARTIAL });
  }
  return out;
}
