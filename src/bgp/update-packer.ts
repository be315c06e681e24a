/**
 * Packs prefixes into whole UPDATE messages (header included) as they come, one at a time: each
 * prefix is encoded once, straight into the message it travels in, and a message is closed when
 * the next prefix would not fit `ctx.maxMessageLength` (RFC 4271 §4.3, RFC 8654). A packer holds
 * either withdrawals or announcements sharing one attribute list, never both (RFC 7606 §5.1).
 *
 * IPv4 unicast goes in the Withdrawn Routes and NLRI fields; any other family — or announcements
 * whose attributes hold an `mp-reach` template — in MP_UNREACH_NLRI / MP_REACH_NLRI (RFC 4760),
 * placed first among the attributes (RFC 7606 §5.1). An MP attribute is built with a two-octet
 * length (its size is not known until the message closes) and narrowed to one octet when it ends
 * up short enough, so the bytes are those of an attribute encoded whole.
 */
import { Afi, AttrFlag, AttrType, HEADER_LENGTH, MARKER_LENGTH, MsgType, Safi } from './constants.js';
import type { ResolvedContext } from './context.js';
import { encodeMpReach, mpAddPath } from './attributes/mp-reach.js';
import { encodeAttributes } from './attributes/walk.js';
import { encodePrefix, type PrefixFamily } from './nlri.js';
import type { AfiSafi, Nlri, PathAttribute } from './types.js';
import { WireWriter } from './wire/writer.js';

const IPV4_UNICAST: AfiSafi = { afi: Afi.IPV4, safi: Safi.UNICAST };
/** The longest encoded prefix: path identifier (4), length (1), 16 address octets. */
const MAX_PREFIX_OCTETS = 21;
/** An attribute's flags, type and two-octet length. */
const LONG_ATTRIBUTE_HEADER = 4;
const MAX_ONE_OCTET_LENGTH = 0xff;

type MpReach = Extract<PathAttribute, { type: 'mp-reach' }>;

export class UpdatePacker {
  readonly #max: number;
  readonly #family: PrefixFamily;
  readonly #addPath: boolean;
  readonly #withdraw: boolean;
  /** MP_REACH_NLRI / MP_UNREACH_NLRI carries the prefixes (else the message's own fields). */
  readonly #viaMp: boolean;
  /** Withdrawals: AFI and SAFI (MP); announcements: the attributes other than MP_REACH_NLRI. */
  readonly #fixed: Uint8Array;
  /** MP_REACH_NLRI's fixed part (AFI, SAFI, next hops), before its prefixes. */
  readonly #mpHead: Uint8Array | undefined;
  readonly #mpFlags: number;
  /** Octets that follow the prefixes in each message. */
  readonly #trailer: number;
  #w: WireWriter | undefined;
  /** Where this message's prefixes start. */
  #from = 0;
  #messages: Buffer[] = [];

  private constructor(ctx: ResolvedContext, fam: AfiSafi, withdraw: boolean, viaMp: boolean, fixed: Uint8Array, mpHead: Uint8Array | undefined, mpFlags: number) {
    this.#max = ctx.maxMessageLength;
    this.#family = fam.afi === Afi.IPV4 ? 4 : 6;
    this.#addPath = viaMp ? mpAddPath(ctx, fam.afi, fam.safi) : ctx.addPath.has('ipv4-unicast');
    this.#withdraw = withdraw;
    this.#viaMp = viaMp;
    this.#fixed = fixed;
    this.#mpHead = mpHead;
    this.#mpFlags = mpFlags;
    // IPv4 withdrawals: the Total Path Attribute Length; MP announcements: the other attributes.
    this.#trailer = withdraw ? (viaMp ? 0 : 2) : viaMp ? fixed.length : 0;
  }

  /** Withdrawals of `family` (IPv4 unicast by default). */
  static withdrawals(ctx: ResolvedContext, family: AfiSafi = IPV4_UNICAST): UpdatePacker {
    const viaMp = family.afi !== Afi.IPV4 || family.safi !== Safi.UNICAST;
    const afiSafi = Uint8Array.of(family.afi >>> 8, family.afi & 0xff, family.safi);
    return new UpdatePacker(ctx, family, true, viaMp, afiSafi, undefined, AttrFlag.OPTIONAL);
  }

  /**
   * Announcements sharing `attributes`. `family` defaults to the `mp-reach` template's (its next
   * hops are used, its own NLRI ignored), else IPv4 unicast.
   */
  static announcements(attributes: readonly PathAttribute[], ctx: ResolvedContext, family?: AfiSafi): UpdatePacker {
    const template = attributes.find((a): a is MpReach => a.type === 'mp-reach');
    const fam = family ?? template ?? IPV4_UNICAST;
    const viaMp = template !== undefined || fam.afi !== Afi.IPV4 || fam.safi !== Safi.UNICAST;
    const others = new WireWriter(256);
    encodeAttributes(
      others,
      template === undefined ? attributes : attributes.filter((a) => a.type !== 'mp-reach'),
      ctx,
    );
    let mpHead: Uint8Array | undefined;
    if (viaMp) {
      if (!template) throw new RangeError(`announcing AFI ${fam.afi} SAFI ${fam.safi} needs an mp-reach attribute with the next hops`);
      const head = new WireWriter(64);
      encodeMpReach(head, template, ctx, []);
      mpHead = head.finish();
    }
    return new UpdatePacker(ctx, fam, false, viaMp, others.finish(), mpHead, template?.flags ?? AttrFlag.OPTIONAL);
  }

  /** Adds one prefix (with its path identifier where ADD-PATH is negotiated for the family). */
  add(nlri: Nlri): void {
    let w = this.#w ?? this.#open();
    const limit = this.#max - this.#trailer;
    if (limit - w.length >= MAX_PREFIX_OCTETS) {
      encodePrefix(w, nlri, this.#family, this.#addPath);
    } else {
      // Near the end of the message: measure first.
      const one = new WireWriter(MAX_PREFIX_OCTETS);
      encodePrefix(one, nlri, this.#family, this.#addPath);
      const bytes = one.finish();
      // Full: the prefix starts the next message, unless this one holds none yet.
      if (limit - w.length < bytes.length && w.length > this.#from) {
        this.#close();
        w = this.#open();
      }
      if (limit - w.length < bytes.length) throw new RangeError(`NLRI ${nlri.prefix} does not fit an UPDATE beside its attributes`);
      w.bytes(bytes);
    }
  }

  /** Every message, framed; the packer is empty afterwards. */
  finish(): Buffer[] {
    if (this.#w !== undefined) this.#close();
    const out = this.#messages;
    this.#messages = [];
    return out;
  }

  /** Starts a message: header, then everything before the first prefix. */
  #open(): WireWriter {
    const w = WireWriter.over(Buffer.allocUnsafe(this.#max));
    for (let i = 0; i < MARKER_LENGTH; i++) w.u8(0xff);
    w.u16(0).u8(MsgType.UPDATE);
    if (!this.#viaMp) {
      // IPv4 withdrawals: Withdrawn Routes Length (backfilled); announcements: no withdrawals, then the attributes.
      if (this.#withdraw) w.u16(0);
      else w.u16(0).u16(this.#fixed.length).bytes(this.#fixed);
    } else {
      w.u16(0).u16(0);
      const code = this.#withdraw ? AttrType.MP_UNREACH_NLRI : AttrType.MP_REACH_NLRI;
      w.u8(this.#mpFlags | AttrFlag.EXTENDED_LENGTH).u8(code).u16(0);
      w.bytes(this.#withdraw ? this.#fixed : this.#mpHead!);
    }
    this.#w = w;
    this.#from = w.length;
    return w;
  }

  /** Ends the message: lengths backfilled, the MP attribute narrowed when short, the trailer written. */
  #close(): void {
    const w = this.#w!;
    this.#w = undefined;
    if (!this.#viaMp) {
      if (this.#withdraw) w.u16(0);
      const out = w.finish();
      if (this.#withdraw) out.writeUInt16BE(out.length - HEADER_LENGTH - 4, HEADER_LENGTH);
      out.writeUInt16BE(out.length, MARKER_LENGTH);
      this.#keep(out);
      return;
    }
    // Header, Withdrawn Routes Length (0), Total Path Attribute Length, then the MP attribute.
    const attrsAt = HEADER_LENGTH + 2;
    const mpAt = attrsAt + 2;
    const valueAt = mpAt + LONG_ATTRIBUTE_HEADER;
    const valueLength = w.length - valueAt;
    if (!this.#withdraw) w.bytes(this.#fixed);
    let out = w.finish();
    if ((this.#mpFlags & AttrFlag.EXTENDED_LENGTH) === 0 && valueLength <= MAX_ONE_OCTET_LENGTH) {
      out.copyWithin(mpAt + 3, valueAt);
      out = out.subarray(0, out.length - 1);
      out[mpAt] = this.#mpFlags;
      out[mpAt + 2] = valueLength;
    } else out.writeUInt16BE(valueLength, mpAt + 2);
    out.writeUInt16BE(out.length - mpAt, attrsAt);
    out.writeUInt16BE(out.length, MARKER_LENGTH);
    this.#keep(out);
  }

  /**
   * Keeps a closed message. One much shorter than its storage (a single change, with 64 KiB
   * extended messages) is copied out, so a queue of small messages to a slow peer does not
   * hold a whole maximum-size buffer each.
   */
  #keep(message: Buffer): void {
    this.#messages.push(message.length * 4 < this.#max ? Buffer.from(message) : message);
  }
}
