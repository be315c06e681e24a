/**
 * Prefix relations the config checks need (is a block inside a pool, do two pools overlap),
 * over the parsed forms of `src/bgp/address.ts`.
 */
import { parseIpv4, parseIpv6, parsePrefix, type IpFamily, type ParsedPrefix } from '../bgp/address.js';

/** True when every address of `inner` is inside `outer` (same family, shorter or equal length). */
export function prefixContains(outer: ParsedPrefix, inner: ParsedPrefix): boolean {
  if (outer.family !== inner.family || inner.length < outer.length) return false;
  return leadingBitsEqual(outer.bytes, inner.bytes, outer.length);
}

export function prefixesOverlap(a: ParsedPrefix, b: ParsedPrefix): boolean {
  return prefixContains(a, b) || prefixContains(b, a);
}

/** True when `address` (text) lies inside `prefix`. */
export function prefixContainsAddress(prefix: ParsedPrefix, address: string): boolean {
  const bytes = prefix.family === 4 ? parseIpv4(address) : parseIpv6(address);
  return bytes !== undefined && leadingBitsEqual(prefix.bytes, bytes, prefix.length);
}

/** Parses a prefix the schema has already validated. */
export function mustParsePrefix(text: string): ParsedPrefix {
  const p = parsePrefix(text);
  if (!p) throw new Error(`not a prefix: ${text}`);
  return p;
}

export function addressFamily(address: string): IpFamily | undefined {
  if (parseIpv4(address)) return 4;
  if (parseIpv6(address)) return 6;
  return undefined;
}

/** The address part of an interface address such as `10.0.0.201/24`. */
export function addressOf(interfaceAddress: string): string {
  const slash = interfaceAddress.indexOf('/');
  return slash < 0 ? interfaceAddress : interfaceAddress.slice(0, slash);
}

function leadingBitsEqual(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const whole = bits >>> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[whole]! ^ b[whole]!) & mask) === 0;
}
