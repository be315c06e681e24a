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
import { AttrType, HEADER_LENGTH, HeaderSubcode, UpdateSubcode } from './constants.js';
import type { ResolvedContext } from './context.js';
import { headerError, updateError, type BgpError } from './errors.js';
import { decodePackedIpv4, decodePrefixes, encodePackedIpv4, encodePrefixes } from './nlri.js';
import type { AfiSafi, Nlri, PackedUpdatePrefixes, PathAttribute, UpdateMessage } from './types.js';
import type { WireReader } from './wire/reader.js';
import type { WireWriter } from './wire/writer.js';
import { decodeAttributes, encodeAttributes, strongerProblem } from './attributes/walk.js';
import { UpdatePacker } from './update-packer.js';

/** The `withdrawn` and `nlri` of a message decoded with `packedIpv4`. */
const NO_NLRI: readonly Nlri[] = Object.freeze([]);

/** Withdrawn Routes Length (2) + Total Path Attribute Length (2). */
const UPDATE_FIXED_LENGTH = 4;

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
  const packs = ctx.packedIpv4;
  // In wire order either way: the Withdrawn Routes field's errors come before the attributes'.
  const packedWithdrawn = packs ? decodePackedIpv4(body, 2, withdrawnEnd, ipv4AddPath) : undefined;
  const withdrawn = packs ? NO_NLRI : decodePrefixes(body, 2, withdrawnEnd, 4, ipv4AddPath, ctx.numericIpv4);
  const walked = decodeAttributes(body, attributesStart, attributesEnd, ctx);
  const packedNlri = packs ? decodePackedIpv4(body, attributesEnd, body.length, ipv4AddPath) : undefined;
  const nlri = packs ? NO_NLRI : decodePrefixes(body, attributesEnd, body.length, 4, ipv4AddPath, ctx.numericIpv4);
  const packed: PackedUpdatePrefixes | undefined = packedWithdrawn && packedNlri && { withdrawn: packedWithdrawn, nlri: packedNlri };
  const nlriCount = packedNlri === undefined ? nlri.length : packedNlri.count;

  let problem = walked.problem;
  const hasMpReach = walked.seen[AttrType.MP_REACH_NLRI] === 1;
  const reachable = nlriCount > 0 || hasMpReach;
  if (reachable) {
    // RFC 4271 §5 / RFC 7606 §3 d; NEXT_HOP only for the NLRI field (RFC 4760 §3).
    if (!walked.seen[AttrType.ORIGIN]) problem = strongerProblem(problem, missing(AttrType.ORIGIN, 'ORIGIN'));
    if (!walked.seen[AttrType.AS_PATH]) problem = strongerProblem(problem, missing(AttrType.AS_PATH, 'AS_PATH'));
    if (nlriCount > 0 && !walked.seen[AttrType.NEXT_HOP]) problem = strongerProblem(problem, missing(AttrType.NEXT_HOP, 'NEXT_HOP'));
  } else if (problem && problem.action !== 'attribute-discard') {
    // RFC 7606 §5.2: no reachable NLRI and an error stronger than attribute-discard.
    throw problem.withAction('session-reset');
  }
  const message: UpdateMessage =
    packed === undefined ? { type: 'update', withdrawn, attributes: walked.attributes, nlri } : { type: 'update', withdrawn, attributes: walked.attributes, nlri, packed };
  return problem ? { ...message, problem } : message;
}

/**
 * Encodes an UPDATE body. Attributes are written in the order given (see `attributes/walk.ts`),
 * each with its received flags when it has them. Packed prefixes (`packed`) follow the listed ones.
 */
export function encodeUpdate(w: WireWriter, m: UpdateMessage, ctx: ResolvedContext): void {
  const ipv4AddPath = ctx.addPath.has('ipv4-unicast');
  const withdrawnSlot = w.reserveU16();
  encodePrefixes(w, m.withdrawn, 4, ipv4AddPath);
  if (m.packed !== undefined) encodePackedIpv4(w, m.packed.withdrawn, ipv4AddPath);
  w.close(withdrawnSlot);
  const attributesSlot = w.reserveU16();
  encodeAttributes(w, m.attributes, ctx);
  w.close(attributesSlot);
  encodePrefixes(w, m.nlri, 4, ipv4AddPath);
  if (m.packed !== undefined) encodePackedIpv4(w, m.packed.nlri, ipv4AddPath);
}

// ---------------------------------------------------------------------------------------------
// Packing many NLRI into UPDATE bodies

/**
 * Encodes `nlri` (announced with the shared `attributes`) and `withdrawn` into as many UPDATE
 * bodies (header excluded) as fit `ctx.maxMessageLength`; every prefix appears exactly once.
 * Withdrawals and announcements travel in separate messages (RFC 7606 §5.1). See `UpdatePacker`,
 * which builds whole messages one prefix at a time, for the layout.
 * `family` defaults to the `mp-reach` template's, else IPv4 unicast.
 */
export function packUpdates(
  attributes: readonly PathAttribute[],
  nlri: readonly Nlri[],
  withdrawn: readonly Nlri[],
  ctx: ResolvedContext,
  family?: AfiSafi,
): Buffer[] {
  const messages: Buffer[] = [];
  if (withdrawn.length > 0) {
    const template = attributes.find((a) => a.type === 'mp-reach');
    const out = UpdatePacker.withdrawals(ctx, family ?? template);
    for (const n of withdrawn) out.add(n);
    messages.push(...out.finish());
  }
  if (nlri.length > 0) {
    const out = UpdatePacker.announcements(attributes, ctx, family);
    for (const n of nlri) out.add(n);
    messages.push(...out.finish());
  }
  return messages.map((m) => m.subarray(HEADER_LENGTH));
}
