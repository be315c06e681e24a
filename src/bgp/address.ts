/**
 * IP address and prefix text forms: IPv4 dotted quad, IPv6 per RFC 5952 (lowercase, longest
 * run of zero groups compressed, leftmost on a tie, a single zero group never compressed), and
 * `address/length` prefixes with host bits cleared. Pure and allocation-light: the UPDATE codec
 * calls these once per NLRI.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16));

export function formatIpv4(b: Uint8Array, off = 0): string {
  return `${b[off]!}.${b[off + 1]!}.${b[off + 2]!}.${b[off + 3]!}`;
}

/** RFC 5952 §4 text form of 16 octets starting at `off`. */
export function formatIpv6(b: Uint8Array, off = 0): string {
  const groups: number[] = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = (b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!;
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${formatIpv4(b, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 1; // §4.2.2: a single 0 group is not compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number): string => (g < 256 ? HEX[g]! : g.toString(16));
  if (bestStart < 0) return groups.map(hex).join(':');
  const head = groups.slice(0, bestStart).map(hex).join(':');
  const tail = groups.slice(bestStart + bestLen).map(hex).join(':');
  return `${head}::${tail}`;
}

/** Parses a dotted quad; returns undefined when it is not one. */
export function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

/** Parses any RFC 4291 §2.2 text form (with `::` and an embedded IPv4 tail). */
export function parseIpv6(s: string): Uint8Array | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  let text = s;
  const out = new Uint8Array(16);
  let tail4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail4 = parseIpv4(text.slice(lastColon + 1));
    if (!tail4) return undefined;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = text.indexOf('::');
  if (dbl !== text.lastIndexOf('::')) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const gs = part.split(':');
    const vals: number[] = [];
    for (const g of gs) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      vals.push(parseInt(g, 16));
    }
    return vals;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(text.slice(0, dbl));
    const tail = parseGroups(text.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(text);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i]! >>> 8;
    out[2 * i + 1] = groups[i]! & 0xff;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

export type IpFamily = 4 | 6;

export interface ParsedPrefix {
  readonly family: IpFamily;
  /** Address octets (4 or 16), host bits as written. */
  readonly bytes: Uint8Array;
  readonly length: number;
}

/** Parses `address/length`. Host bits are kept as written: see `hasHostBits`. */
export function parsePrefix(s: string): ParsedPrefix | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const lenText = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return undefined;
  const length = Number(lenText);
  const v4 = parseIpv4(addr);
  if (v4) return length <= 32 ? { family: 4, bytes: v4, length } : undefined;
  const v6 = parseIpv6(addr);
  if (v6) return length <= 128 ? { family: 6, bytes: v6, length } : undefined;
  return undefined;
}

export function hasHostBits(p: ParsedPrefix): boolean {
  for (let bit = p.length; bit < p.bytes.length * 8; bit++) {
    if (p.bytes[bit >>> 3]! & (0x80 >>> (bit & 7))) return true;
  }
  return false;
}

/** Canonical `address/length` with host bits cleared. */
export function formatPrefix(family: IpFamily, bytes: Uint8Array, length: number): string {
  const full = new Uint8Array(family === 4 ? 4 : 16);
  const n = Math.min((length + 7) >>> 3, full.length);
  full.set(bytes.subarray(0, n));
  if (length & 7 && n > 0) full[n - 1]! &= (0xff << (8 - (length & 7))) & 0xff;
  return `${family === 4 ? formatIpv4(full) : formatIpv6(full)}/${length}`;
}

/** Canonical form of a prefix string, or undefined when it does not parse. */
export function canonicalPrefix(s: string): string | undefined {
  const p = parsePrefix(s);
  return p ? formatPrefix(p.family, p.bytes, p.length) : undefined;
}

/** Canonical form of an address string (IPv4 or IPv6), or undefined. */
export function canonicalAddress(s: string): string | undefined {
  const v4 = parseIpv4(s);
  if (v4) return formatIpv4(v4);
  const v6 = parseIpv6(s);
  return v6 ? formatIpv6(v6) : undefined;
}

/** fe80::/10, IPv6 link-local unicast (RFC 4291 §2.5.6); false for IPv4 and non-addresses. */
export function isIpv6LinkLocal(address: string): boolean {
  const bytes = address.includes(':') ? parseIpv6(address) : undefined;
  return bytes !== undefined && bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80;
}

/** `::`, the unspecified address (RFC 4291 §2.5.2): BIRD's "no global next hop" (RFC 2545 §3). */
export function isIpv6Unspecified(address: string): boolean {
  const bytes = address.includes(':') ? parseIpv6(address) : undefined;
  return bytes !== undefined && bytes.every((b) => b === 0);
}
