/**
 * An independent annotator for captured BGP messages: splits one whole message into its fields,
 * one line each, with a `#` comment naming the field (the fixture format of STYLE.md). It shares
 * no code with petrel's codec (src/bgp) on purpose, so the golden fixtures it writes are a second
 * opinion, not an echo. It reads leniently: whatever it cannot split stays on one raw line, so the
 * lines always concatenate back to the exact input bytes.
 *
 * Layouts: RFC 4271 §4 (messages), RFC 5492 (capabilities), RFC 4760 (MP_REACH/MP_UNREACH),
 * RFC 6793 (AS4), RFC 7911 (ADD-PATH), RFC 1997/4360/8092 (communities), RFC 4456 (reflection),
 * RFC 2918/7313 (ROUTE-REFRESH), RFC 4724 (End-of-RIB, graceful restart).
 */

export interface AnnotateContext {
  readonly fourOctetAs: boolean;
  /** `ipv4-unicast` etc.: families whose NLRI carry a path identifier. */
  readonly addPath: readonly string[];
}

export interface FieldLine {
  readonly bytes: Buffer;
  readonly comment: string;
}

export interface UpdateSummary {
  /** The family of an End-of-RIB marker (RFC 4724 §2), if this UPDATE is one. */
  readonly endOfRib?: string;
  readonly announced: readonly string[];
  readonly withdrawn: readonly string[];
  /** Families with announced or withdrawn NLRI. */
  readonly families: readonly string[];
}

export interface Annotated {
  readonly type: number;
  readonly lines: readonly FieldLine[];
  readonly update?: UpdateSummary;
}

const MESSAGE_NAMES: Readonly<Record<number, string>> = { 1: 'OPEN', 2: 'UPDATE', 3: 'NOTIFICATION', 4: 'KEEPALIVE', 5: 'ROUTE-REFRESH' };

const CAPABILITY_NAMES: Readonly<Record<number, string>> = {
  1: 'multiprotocol',
  2: 'route refresh',
  5: 'extended next hop',
  6: 'extended message',
  9: 'BGP role',
  64: 'graceful restart',
  65: 'four-octet AS',
  69: 'ADD-PATH',
  70: 'enhanced route refresh',
  71: 'long-lived graceful restart',
  73: 'FQDN',
  128: 'route refresh (pre-standard Cisco)',
};

const ATTRIBUTE_NAMES: Readonly<Record<number, string>> = {
  1: 'ORIGIN',
  2: 'AS_PATH',
  3: 'NEXT_HOP',
  4: 'MULTI_EXIT_DISC',
  5: 'LOCAL_PREF',
  6: 'ATOMIC_AGGREGATE',
  7: 'AGGREGATOR',
  8: 'COMMUNITIES',
  9: 'ORIGINATOR_ID',
  10: 'CLUSTER_LIST',
  14: 'MP_REACH_NLRI',
  15: 'MP_UNREACH_NLRI',
  16: 'EXTENDED_COMMUNITIES',
  17: 'AS4_PATH',
  18: 'AS4_AGGREGATOR',
  32: 'LARGE_COMMUNITY',
};

const ADD_PATH_MODES: Readonly<Record<number, string>> = { 1: 'receive', 2: 'send', 3: 'send and receive' };

export function familyName(afi: number, safi: number): string {
  const a = afi === 1 ? 'ipv4' : afi === 2 ? 'ipv6' : `afi${afi}`;
  const s = safi === 1 ? 'unicast' : safi === 2 ? 'multicast' : `safi${safi}`;
  return `${a}-${s}`;
}

/** Bounds-checked cursor; reading past the end throws, and the caller falls back to raw bytes. */
class Cursor {
  offset = 0;
  constructor(readonly buf: Buffer) {}
  get left(): number {
    return this.buf.length - this.offset;
  }
  take(n: number): Buffer {
    if (n > this.left) throw new RangeError(`need ${n} octets, ${this.left} left`);
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

function ipv4(b: Buffer): string {
  return [...b].join('.');
}

function ipv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // RFC 5952 §4.2.3: compress the leftmost longest run of two or more zero groups.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j += 1;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function address(b: Buffer): string {
  if (b.length === 4) return ipv4(b);
  if (b.length === 16) return ipv6(b);
  return b.toString('hex');
}

/** One NLRI entry (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 §3) as a line, and its text. */
function nlriLine(c: Cursor, afi: number, addPath: boolean, what: string): { line: FieldLine; prefix: string } {
  const start = c.offset;
  const pathId = addPath ? c.take(4).readUInt32BE(0) : undefined;
  const length = c.take(1).readUInt8(0);
  const octets = Buffer.alloc(afi === 2 ? 16 : 4);
  c.take(Math.ceil(length / 8)).copy(octets);
  const prefix = `${address(octets)}/${length}`;
  const id = pathId === undefined ? '' : `path id ${pathId}, `;
  return { line: { bytes: c.buf.subarray(start, c.offset), comment: `${what}: ${id}${prefix}` }, prefix };
}

function headerLines(msg: Buffer): FieldLine[] {
  const type = msg.readUInt8(18);
  return [
    { bytes: msg.subarray(0, 16), comment: 'marker' },
    { bytes: msg.subarray(16, 18), comment: `length ${msg.readUInt16BE(16)}` },
    { bytes: msg.subarray(18, 19), comment: `type ${type} (${MESSAGE_NAMES[type] ?? 'unknown'})` },
  ];
}

function capabilityValueLines(code: number, value: Buffer): FieldLine[] {
  const c = new Cursor(value);
  const lines: FieldLine[] = [];
  const push = (n: number, comment: string) => lines.push({ bytes: c.take(n), comment: `  ${comment}` });
  switch (code) {
    case 1: {
      const v = c.buf;
      push(4, `AFI ${v.readUInt16BE(0)}, reserved, SAFI ${v.readUInt8(3)} (${familyName(v.readUInt16BE(0), v.readUInt8(3))})`);
      break;
    }
    case 5:
      while (c.left >= 6) {
        const v = c.buf.subarray(c.offset);
        push(6, `NLRI ${familyName(v.readUInt16BE(0), v.readUInt16BE(2))}, next hop AFI ${v.readUInt16BE(4)}`);
      }
      break;
    case 64: {
      const flags = c.buf.readUInt16BE(0);
      push(2, `restart flags R=${(flags >> 15) & 1} N=${(flags >> 14) & 1}, restart time ${flags & 0x0fff} s`);
      while (c.left >= 4) {
        const v = c.buf.subarray(c.offset);
        push(4, `${familyName(v.readUInt16BE(0), v.readUInt8(2))}, forwarding state ${(v.readUInt8(3) >> 7) & 1}`);
      }
      break;
    }
    case 65:
      push(4, `AS ${c.buf.readUInt32BE(0)}`);
      break;
    case 69:
      while (c.left >= 4) {
        const v = c.buf.subarray(c.offset);
        push(4, `${familyName(v.readUInt16BE(0), v.readUInt8(2))}: ${ADD_PATH_MODES[v.readUInt8(3)] ?? `mode ${v.readUInt8(3)}`}`);
      }
      break;
    case 71:
      while (c.left >= 7) {
        const v = c.buf.subarray(c.offset);
        push(7, `${familyName(v.readUInt16BE(0), v.readUInt8(2))}, flags 0x${v.readUInt8(3).toString(16)}, stale time ${v.readUIntBE(4, 3)} s`);
      }
      break;
    case 73: {
      const hostLength = c.buf.readUInt8(0);
      push(1, `host name length ${hostLength}`);
      if (hostLength > 0) push(hostLength, `host name "${c.buf.toString('latin1', 1, 1 + hostLength)}"`);
      const domainLength = c.buf.readUInt8(c.offset);
      push(1, `domain name length ${domainLength}`);
      if (domainLength > 0) push(domainLength, `domain name "${c.buf.toString('latin1', c.offset, c.offset + domainLength)}"`);
      break;
    }
    default:
      break;
  }
  if (c.left > 0) lines.push({ bytes: c.take(c.left), comment: '  value' });
  return lines;
}

function openLines(body: Cursor): FieldLine[] {
  const lines: FieldLine[] = [];
  const v = body.buf;
  lines.push({ bytes: body.take(1), comment: `version ${v.readUInt8(0)}` });
  lines.push({ bytes: body.take(2), comment: `my AS ${v.readUInt16BE(1)}` });
  lines.push({ bytes: body.take(2), comment: `hold time ${v.readUInt16BE(3)} s` });
  lines.push({ bytes: body.take(4), comment: `BGP identifier ${ipv4(v.subarray(5, 9))}` });
  lines.push({ bytes: body.take(1), comment: `optional parameters length ${v.readUInt8(9)}` });
  while (body.left >= 2) {
    const paramStart = body.offset;
    const [paramType, paramLength] = [v.readUInt8(paramStart), v.readUInt8(paramStart + 1)];
    lines.push({ bytes: body.take(2), comment: `optional parameter ${paramType}${paramType === 2 ? ' (capabilities)' : ''}, length ${paramLength}` });
    const param = new Cursor(body.take(paramLength));
    if (paramType !== 2) {
      lines.push({ bytes: param.take(param.left), comment: ' value' });
      continue;
    }
    while (param.left >= 2) {
      const code = param.buf.readUInt8(param.offset);
      const length = param.buf.readUInt8(param.offset + 1);
      lines.push({ bytes: param.take(2), comment: ` capability ${code} (${CAPABILITY_NAMES[code] ?? 'unknown'}), length ${length}` });
      lines.push(...capabilityValueLines(code, param.take(length)));
    }
  }
  return lines;
}

interface AttributeResult {
  readonly lines: FieldLine[];
  readonly announced: string[];
  readonly withdrawn: string[];
  readonly families: string[];
  /** MP_UNREACH_NLRI with no NLRI: the End-of-RIB marker for that family. */
  emptyUnreach?: string;
}

function asPathLines(value: Cursor, asSize: 2 | 4): FieldLine[] {
  const lines: FieldLine[] = [];
  const segmentNames: Readonly<Record<number, string>> = { 1: 'AS_SET', 2: 'AS_SEQUENCE', 3: 'AS_CONFED_SEQUENCE', 4: 'AS_CONFED_SET' };
  while (value.left >= 2) {
    const [segType, count] = [value.buf.readUInt8(value.offset), value.buf.readUInt8(value.offset + 1)];
    lines.push({ bytes: value.take(2), comment: `  ${segmentNames[segType] ?? `segment type ${segType}`}, ${count} AS` });
    const asns = value.take(count * asSize);
    const list = Array.from({ length: count }, (_, i) => (asSize === 4 ? asns.readUInt32BE(i * 4) : asns.readUInt16BE(i * 2)));
    lines.push({ bytes: asns, comment: `  ${list.join(' ')}` });
  }
  return lines;
}

function attributeValueLines(type: number, value: Cursor, ctx: AnnotateContext, out: AttributeResult): void {
  const lines = out.lines;
  const each = (size: number, describe: (b: Buffer) => string) => {
    while (value.left >= size) {
      const b = value.take(size);
      lines.push({ bytes: b, comment: `  ${describe(b)}` });
    }
  };
  switch (type) {
    case 1:
      each(1, (b) => ['IGP', 'EGP', 'INCOMPLETE'][b.readUInt8(0)] ?? `origin ${b.readUInt8(0)}`);
      break;
    case 2:
      lines.push(...asPathLines(value, ctx.fourOctetAs ? 4 : 2));
      break;
    case 17:
      lines.push(...asPathLines(value, 4));
      break;
    case 3:
    case 9:
      each(4, ipv4);
      break;
    case 4:
    case 5:
      each(4, (b) => String(b.readUInt32BE(0)));
      break;
    case 7:
    case 18: {
      const asSize = type === 18 || ctx.fourOctetAs ? 4 : 2;
      const asn = value.take(asSize);
      lines.push({ bytes: asn, comment: `  AS ${asSize === 4 ? asn.readUInt32BE(0) : asn.readUInt16BE(0)}` });
      each(4, (b) => `aggregator ${ipv4(b)}`);
      break;
    }
    case 8:
      each(4, (b) => `${b.readUInt16BE(0)}:${b.readUInt16BE(2)}`);
      break;
    case 10:
      each(4, (b) => `cluster ID ${ipv4(b)}`);
      break;
    case 16:
      each(8, (b) => {
        const [typeHigh, subType] = [b.readUInt8(0), b.readUInt8(1)];
        if (subType === 2 && typeHigh === 0) return `route target ${b.readUInt16BE(2)}:${b.readUInt32BE(4)}`;
        if (subType === 2 && typeHigh === 2) return `route target ${b.readUInt32BE(2)}:${b.readUInt16BE(6)}`;
        return `type 0x${typeHigh.toString(16)} subtype 0x${subType.toString(16)}`;
      });
      break;
    case 32:
      each(12, (b) => `${b.readUInt32BE(0)}:${b.readUInt32BE(4)}:${b.readUInt32BE(8)}`);
      break;
    case 14:
    case 15: {
      const [afi, safi] = [value.buf.readUInt16BE(0), value.buf.readUInt8(2)];
      const family = familyName(afi, safi);
      lines.push({ bytes: value.take(3), comment: `  AFI ${afi}, SAFI ${safi} (${family})` });
      if (type === 14) {
        const nhLengthField = value.take(1);
        const nhLength = nhLengthField.readUInt8(0);
        lines.push({ bytes: nhLengthField, comment: `  next hop length ${nhLength}` });
        const nh = new Cursor(value.take(nhLength));
        // RFC 2545 §3: an IPv6 next hop may be followed by a link-local one.
        const size = nhLength === 32 || nhLength === 16 ? 16 : nhLength === 4 ? 4 : nhLength;
        let index = 0;
        while (nh.left > 0) {
          const b = nh.take(Math.min(size, nh.left));
          lines.push({ bytes: b, comment: `  next hop${index === 1 ? ' (link-local)' : ''} ${address(b)}` });
          index += 1;
        }
        lines.push({ bytes: value.take(1), comment: '  reserved' });
      }
      const addPath = ctx.addPath.includes(family);
      const list = type === 14 ? out.announced : out.withdrawn;
      let count = 0;
      while (value.left > 0) {
        const { line, prefix } = nlriLine(value, afi, addPath, type === 14 ? '  NLRI' : '  withdrawn');
        lines.push(line);
        list.push(prefix);
        count += 1;
      }
      if (count > 0 && !out.families.includes(family)) out.families.push(family);
      if (type === 15 && count === 0) out.emptyUnreach = family;
      break;
    }
    default:
      break;
  }
  if (value.left > 0) lines.push({ bytes: value.take(value.left), comment: '  value' });
}

function flagNames(flags: number): string {
  const names = [
    flags & 0x80 ? 'optional' : 'well-known',
    flags & 0x40 ? 'transitive' : 'non-transitive',
    ...(flags & 0x20 ? ['partial'] : []),
    ...(flags & 0x10 ? ['extended length'] : []),
  ];
  return names.join(', ');
}

function updateLines(body: Cursor, ctx: AnnotateContext): { lines: FieldLine[]; summary: UpdateSummary } {
  const v = body.buf;
  const result: AttributeResult = { lines: [], announced: [], withdrawn: [], families: [] };
  const lines = result.lines;
  const withdrawnLength = v.readUInt16BE(0);
  lines.push({ bytes: body.take(2), comment: `withdrawn routes length ${withdrawnLength}` });
  const withdrawn = new Cursor(body.take(withdrawnLength));
  while (withdrawn.left > 0) {
    const { line, prefix } = nlriLine(withdrawn, 1, ctx.addPath.includes('ipv4-unicast'), 'withdrawn');
    lines.push(line);
    result.withdrawn.push(prefix);
  }
  const attrLength = v.readUInt16BE(body.offset);
  lines.push({ bytes: body.take(2), comment: `total path attribute length ${attrLength}` });
  const attrs = new Cursor(body.take(attrLength));
  while (attrs.left > 0) {
    const flags = attrs.buf.readUInt8(attrs.offset);
    const type = attrs.buf.readUInt8(attrs.offset + 1);
    const extended = (flags & 0x10) !== 0;
    const head = attrs.take(extended ? 4 : 3);
    const length = extended ? head.readUInt16BE(2) : head.readUInt8(2);
    lines.push({ bytes: head, comment: `${ATTRIBUTE_NAMES[type] ?? 'attribute'} (type ${type}), flags 0x${flags.toString(16)} (${flagNames(flags)}), length ${length}` });
    attributeValueLines(type, new Cursor(attrs.take(length)), ctx, result);
  }
  let nlriCount = 0;
  while (body.left > 0) {
    const { line, prefix } = nlriLine(body, 1, ctx.addPath.includes('ipv4-unicast'), 'NLRI');
    lines.push(line);
    result.announced.push(prefix);
    nlriCount += 1;
  }
  if (nlriCount > 0 || withdrawnLength > 0) result.families.unshift('ipv4-unicast');
  // RFC 4724 §2: End-of-RIB is an UPDATE with nothing in it (IPv4) or only an empty MP_UNREACH.
  const ipv4Eor = withdrawnLength === 0 && attrLength === 0 && nlriCount === 0;
  const endOfRib = ipv4Eor ? 'ipv4-unicast' : result.emptyUnreach !== undefined && result.announced.length === 0 && result.withdrawn.length === 0 ? result.emptyUnreach : undefined;
  return {
    lines,
    summary: {
      ...(endOfRib === undefined ? {} : { endOfRib }),
      announced: result.announced,
      withdrawn: result.withdrawn,
      families: [...new Set(result.families)],
    },
  };
}

function notificationLines(body: Cursor): FieldLine[] {
  const v = body.buf;
  const [code, subcode] = [v.readUInt8(0), v.readUInt8(1)];
  const lines = [
    { bytes: body.take(1), comment: `error code ${code}` },
    { bytes: body.take(1), comment: `error subcode ${subcode}` },
  ];
  // RFC 9003 §2: Cease/Administrative Shutdown or Reset may carry a length-prefixed UTF-8 text.
  if (code === 6 && (subcode === 2 || subcode === 4) && body.left >= 1 && v.readUInt8(2) === body.left - 1) {
    const textLength = v.readUInt8(2);
    lines.push({ bytes: body.take(1), comment: `shutdown communication length ${textLength}` });
    if (textLength > 0) lines.push({ bytes: body.take(textLength), comment: `shutdown communication "${v.toString('utf8', 3, 3 + textLength)}"` });
  }
  if (body.left > 0) lines.push({ bytes: body.take(body.left), comment: 'data' });
  return lines;
}

function routeRefreshLines(body: Cursor): FieldLine[] {
  const v = body.buf;
  const subtypes: Readonly<Record<number, string>> = { 0: 'normal request', 1: 'BoRR', 2: 'EoRR' };
  return [
    { bytes: body.take(2), comment: `AFI ${v.readUInt16BE(0)}` },
    { bytes: body.take(1), comment: `subtype ${v.readUInt8(2)} (${subtypes[v.readUInt8(2)] ?? 'reserved'})` },
    { bytes: body.take(1), comment: `SAFI ${v.readUInt8(3)} (${familyName(v.readUInt16BE(0), v.readUInt8(3))})` },
  ];
}

/** Splits one whole message into annotated fields; the lines' bytes concatenate to `msg`. */
export function annotateMessage(msg: Buffer, ctx: AnnotateContext): Annotated {
  if (msg.length < 19) return { type: -1, lines: [{ bytes: msg, comment: 'short message' }] };
  const type = msg.readUInt8(18);
  const lines = headerLines(msg);
  const body = new Cursor(msg.subarray(19));
  let update: UpdateSummary | undefined;
  try {
    if (type === 1) lines.push(...openLines(body));
    else if (type === 2) {
      const u = updateLines(body, ctx);
      lines.push(...u.lines);
      update = u.summary;
    } else if (type === 3) lines.push(...notificationLines(body));
    else if (type === 5) lines.push(...routeRefreshLines(body));
  } catch {
    // Unsplittable: the section builders add their lines only when they finish, so everything
    // after the header (or after the last finished section) goes on one raw line.
    const covered = lines.reduce((n, l) => n + l.bytes.length, 0);
    return { type, lines: [...lines, { bytes: msg.subarray(covered), comment: 'unparsed' }] };
  }
  if (body.left > 0) lines.push({ bytes: body.take(body.left), comment: 'trailing octets' });
  return { type, lines, ...(update === undefined ? {} : { update }) };
}

/** Renders annotated lines as fixture text: hex octets, padded, then `# comment`. */
export function formatFixture(lines: readonly FieldLine[], title: readonly string[] = []): string {
  const hexLines = lines.map((l) => ({ hex: [...l.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' '), comment: l.comment }));
  const width = Math.min(48, Math.max(...hexLines.map((l) => l.hex.length)));
  const body = hexLines.map((l) => `${l.hex.padEnd(width)}  # ${l.comment}`);
  return `${[...title.map((t) => `# ${t}`), ...body].join('\n')}\n`;
}
