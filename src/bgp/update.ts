/**
 * UPDATE message body codec (RFC 4271 §4.3) with RFC 7606 error handling, ADD-PATH (RFC 7911)
 * and multiprotocol NLRI (RFC 4760), plus `packUpdates`, which spreads many NLRI sharing one
 * attribute set over as few UPDATE bodies as the negotiated message size allows.
 *
 * Error handling, in the order the decoder meets it:
 * - Withdrawn Routes Length or Total Path Attribute Length running past the message: 3/1
 *   Malformed Attribute List, session reset (RFC 4271 §6.3; RFC 7606 leaves it unchanged).
 * - Withdrawn Routes or NLRI field that does not parse: 3/10, session reset (RFC 7606 §5.3).
 * - Attribute problems: see `attributes/walk.ts` and `attributes/table.ts`.
 * - Missing ORIGIN or AS_PATH when the UPDATE carries reachable NLRI, or NEXT_HOP when the NLRI
 *   field is not empty (RFC 4760 §3): 3/3 with the missing type code as data, treat-as-withdraw
 *   (RFC 7606 §3 d).
 * - RFC 7606 §5.2: an UPDATE that encodes no reachable NLRI (empty NLRI field, no MP_REACH_NLRI)
 *   but has an error whose approach is not attribute-discard is a session reset: there is nothing
 *   to withdraw, and no proof the rest was read right.
 * Treat-as-withdraw keeps every NLRI in the result so the caller can withdraw them.
 */
import { Afi, AttrFlag, AttrType, HEADER_LENGTH, HeaderSubcode, Safi, UpdateSubcode } from './constants.js';
import type { ResolvedContext } from './context.js';
import { headerError, updateError, type BgpError } from './errors.js';
import { decodePrefixes, encodePrefix, encodePrefixes, type PrefixFamily } from './nlri.js';
import type { AfiSafi, Nlri, PathAttribute, UpdateMessage } from './types.js';
import type { WireReader } from './wire/reader.js';
import { WireWriter } from './wire/writer.js';
import { encodeMpReach, mpAddPath } from './attributes/mp-reach.js';
import { decodeAttributes, encodeAttributes, strongerProblem, writeAttribute } from './attributes/walk.js';

/** Withdrawn Routes Length (2) + Total Path Attribute Length (2). */
const UPDATE_FIXED_LENGTH = 4;
/** The widest attribute header: flags, type, 2-octet length. */
const MAX_ATTRIBUTE_HEADER = 4;
const AFI_SAFI_LENGTH = 3;
const IPV4_UNICAST: AfiSafi = { afi: Afi.IPV4, safi: Safi.UNICAST };

function u16Bytes(v: number): Uint8Array {
  return Uint8Array.of((v >>> 8) & 0xff, v & 0xff);
}

function lengthError(id: string, message: string): BgpError {
  return updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, id, `${message} (RFC 4271 §6.3)`);
}

function missing(code: number, name: string): BgpError {
  return updateError(
    UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE,
    `update.missing.${name.toLowerCase().replace('_', '-')}`,
    `missing well-known attribute ${name} (RFC 7606 §3 d: treat-as-withdraw)`,
    Uint8Array.of(code),
    'treat-as-withdraw',
  );
}

/**
 * Decodes an UPDATE body (the 19-octet header excluded). Throws only session-reset BgpErrors;
 * the strongest non-fatal problem is returned in `problem`.
 */
export function decodeUpdate(r: WireReader, ctx: ResolvedContext): UpdateMessage {
  const total = r.remaining;
  if (total < UPDATE_FIXED_LENGTH) {
    // RFC 4271 §6.1: shorter than the minimum UPDATE is a Bad Message Length, data = the length.
    throw headerError(HeaderSubcode.BAD_MESSAGE_LENGTH, 'header.length.update', `UPDATE body of ${total} octets`, u16Bytes(total + HEADER_LENGTH));
  }
  const body = r.rest();
  const withdrawnLength = (body[0]! << 8) | body[1]!;
  const withdrawnEnd = 2 + withdrawnLength;
  if (withdrawnEnd + 2 > body.length) throw lengthError('update.length.withdrawn', `Withdrawn Routes Length ${withdrawnLength} runs past the message`);
  const attributesLength = (body[withdrawnEnd]! << 8) | body[withdrawnEnd + 1]!;
  const attributesStart = withdrawnEnd + 2;
  const attributesEnd = attributesStart + attributesLength;
  if (attributesEnd > body.length) throw lengthError('update.length.attributes', `Total Path Attribute Length ${attributesLength} runs past the message`);

  const ipv4AddPath = ctx.addPath.has('ipv4-unicast');
  const withdrawn = decodePrefixes(body, 2, withdrawnEnd, 4, ipv4AddPath, ctx.numericIpv4);
  const walked = decodeAttributes(body, attributesStart, attributesEnd, ctx);
  const nlri = decodePrefixes(body, attributesEnd, body.length, 4, ipv4AddPath, ctx.numericIpv4);

  let problem = walked.problem;
  const hasMpReach = walked.seen[AttrType.MP_REACH_NLRI] === 1;
  const reachable = nlri.length > 0 || hasMpReach;
  if (reachable) {
    // RFC 4271 §5 / RFC 7606 §3 d; NEXT_HOP only for the NLRI field (RFC 4760 §3).
    if (!walked.seen[AttrType.ORIGIN]) problem = strongerProblem(problem, missing(AttrType.ORIGIN, 'ORIGIN'));
    if (!walked.seen[AttrType.AS_PATH]) problem = strongerProblem(problem, missing(AttrType.AS_PATH, 'AS_PATH'));
    if (nlri.length > 0 && !walked.seen[AttrType.NEXT_HOP]) problem = strongerProblem(problem, missing(AttrType.NEXT_HOP, 'NEXT_HOP'));
  } else if (problem && problem.action !== 'attribute-discard') {
    // RFC 7606 §5.2: no reachable NLRI and an error stronger than attribute-discard.
    throw problem.withAction('session-reset');
  }
  const message: UpdateMessage = { type: 'update', withdrawn, attributes: walked.attributes, nlri };
  return problem ? { ...message, problem } : message;
}

/**
 * Encodes an UPDATE body. Attributes are written in the order given (see `attributes/walk.ts`),
 * each with its received flags when it has them.
 */
export function encodeUpdate(w: WireWriter, m: UpdateMessage, ctx: ResolvedContext): void {
  const ipv4AddPath = ctx.addPath.has('ipv4-unicast');
  const withdrawnSlot = w.reserveU16();
  encodePrefixes(w, m.withdrawn, 4, ipv4AddPath);
  w.close(withdrawnSlot);
  const attributesSlot = w.reserveU16();
  encodeAttributes(w, m.attributes, ctx);
  w.close(attributesSlot);
  encodePrefixes(w, m.nlri, 4, ipv4AddPath);
}

// ---------------------------------------------------------------------------------------------
// Packing many NLRI into UPDATE bodies

interface EncodedNlri {
  readonly bytes: Uint8Array;
  /** ends[i]: offset just past NLRI i. */
  readonly ends: Uint32Array;
}

function encodeEach(list: readonly Nlri[], family: PrefixFamily, addPath: boolean): EncodedNlri {
  const w = new WireWriter(Math.max(64, list.length * 5));
  const ends = new Uint32Array(list.length);
  for (let i = 0; i < list.length; i++) {
    encodePrefix(w, list[i]!, family, addPath);
    ends[i] = w.length;
  }
  return { bytes: w.finish(), ends };
}

/** Splits encoded NLRI into consecutive runs of at most `budget` octets. */
function* runs(enc: EncodedNlri, budget: number): Generator<Uint8Array> {
  const n = enc.ends.length;
  let i = 0;
  while (i < n) {
    const from = i === 0 ? 0 : enc.ends[i - 1]!;
    let j = i;
    while (j < n && enc.ends[j]! - from <= budget) j++;
    if (j === i) throw new RangeError(`NLRI ${i} does not fit an UPDATE beside its attributes`);
    yield enc.bytes.subarray(from, enc.ends[j - 1]);
    i = j;
  }
}

function familyOf(afi: number): PrefixFamily {
  return afi === Afi.IPV4 ? 4 : 6;
}

/**
 * Encodes `nlri` (announced with the shared `attributes`) and `withdrawn` into as many UPDATE
 * bodies (header excluded) as fit `ctx.maxMessageLength`; every prefix appears exactly once.
 * Withdrawals and announcements travel in separate messages (RFC 7606 §5.1).
 *
 * IPv4 unicast NLRI go in the NLRI and Withdrawn Routes fields. For any other family — or when
 * `attributes` holds an `mp-reach` (its next hops are the template; its own NLRI are ignored) —
 * they go in MP_REACH_NLRI / MP_UNREACH_NLRI, placed first among the attributes (RFC 7606 §5.1).
 * `family` defaults to the `mp-reach` template's, else IPv4 unicast.
 */
export function packUpdates(
  attributes: readonly PathAttribute[],
  nlri: readonly Nlri[],
  withdrawn: readonly Nlri[],
  ctx: ResolvedContext,
  family?: AfiSafi,
): Buffer[] {
  const template = attributes.find((a): a is Extract<PathAttribute, { type: 'mp-reach' }> => a.type === 'mp-reach');
  const fam = family ?? template ?? IPV4_UNICAST;
  const viaMp = template !== undefined || fam.afi !== Afi.IPV4 || fam.safi !== Safi.UNICAST;
  const addPath = viaMp ? mpAddPath(ctx, fam.afi, fam.safi) : ctx.addPath.has('ipv4-unicast');
  const prefixFamily = familyOf(fam.afi);
  const maxBody = ctx.maxMessageLength - HEADER_LENGTH;
  const bodies: Buffer[] = [];

  if (withdrawn.length > 0) {
    const enc = encodeEach(withdrawn, prefixFamily, addPath);
    if (!viaMp) {
      for (const run of runs(enc, maxBody - UPDATE_FIXED_LENGTH)) {
        bodies.push(new WireWriter(run.length + UPDATE_FIXED_LENGTH).u16(run.length).bytes(run).u16(0).finish());
      }
    } else {
      const budget = maxBody - UPDATE_FIXED_LENGTH - MAX_ATTRIBUTE_HEADER - AFI_SAFI_LENGTH;
      for (const run of runs(enc, budget)) {
        const w = new WireWriter(maxBody).u16(0);
        const slot = w.reserveU16();
        const value = new WireWriter(run.length + AFI_SAFI_LENGTH).u16(fam.afi).u8(fam.safi).bytes(run).finish();
        writeAttribute(w, AttrType.MP_UNREACH_NLRI, AttrFlag.OPTIONAL, value);
        w.close(slot);
        bodies.push(w.finish());
      }
    }
  }

  if (nlri.length > 0) {
    const others = new WireWriter(256);
    encodeAttributes(
      others,
      attributes.filter((a) => a.type !== 'mp-reach'),
      ctx,
    );
    const otherBytes = others.finish();
    const enc = encodeEach(nlri, prefixFamily, addPath);
    if (!viaMp) {
      for (const run of runs(enc, maxBody - UPDATE_FIXED_LENGTH - otherBytes.length)) {
        bodies.push(new WireWriter(maxBody).u16(0).u16(otherBytes.length).bytes(otherBytes).bytes(run).finish());
      }
    } else {
      if (!template) throw new RangeError(`announcing AFI ${fam.afi} SAFI ${fam.safi} needs an mp-reach attribute with the next hops`);
      const head = new WireWriter(64);
      encodeMpReach(head, template, ctx, []);
      const headBytes = head.finish();
      const budget = maxBody - UPDATE_FIXED_LENGTH - otherBytes.length - MAX_ATTRIBUTE_HEADER - headBytes.length;
      for (const run of runs(enc, budget)) {
        const w = new WireWriter(maxBody).u16(0);
        const slot = w.reserveU16();
        const value = new WireWriter(headBytes.length + run.length).bytes(headBytes).bytes(run).finish();
        writeAttribute(w, AttrType.MP_REACH_NLRI, template.flags ?? AttrFlag.OPTIONAL, value);
        w.bytes(otherBytes);
        w.close(slot);
        bodies.push(w.finish());
      }
    }
  }
  return bodies;
}
