/**
 * Calico's BGPFilter rules (CALICO.md §1.7) compiled for the RIB: one peer's rules of one
 * direction, IPv4 and IPv6, in the order confd emits them into the BIRD functions
 * `bgp_<name>_{import,export}FilterV{4,6}`. `evaluate` walks them top-down and returns the first
 * matching rule's verdict, or undefined when none matches: the caller then falls through to
 * Calico's normal policy (import: accept; export: `calico_export_to_bgp_peers`).
 *
 * A rule matches when all of its conditions hold (confd joins them with `&&`):
 * - `cidr` + `matchOperator`: Equal `net = cidr`, NotEqual `net != cidr`, In `net ~ cidr` (inside
 *   it or equal), NotIn `net !~ cidr`; with `prefixLength` In/NotIn test BIRD's prefix pattern
 *   `[cidr{min,max}]` with min/max clamped to the cidr's length and the family's width;
 * - `source: RemotePeers`: the route was learned over BGP (`source ~ [RTS_BGP]`), not originated;
 * - `interface`: the route has an interface matching the glob (`defined(ifname) && ifname ~ …`);
 *   here only kernel-learned routes have one;
 * - `peerType`: the session is iBGP / eBGP (confd's `is_same_as` guard, v3.32).
 *
 * IPv4 prefixes are matched on 32-bit numbers without allocation, like prefix-set.ts.
 */
import { parsePrefix } from '../bgp/address.js';
import type { KernelRouteInfo, PeerKind } from './path.js';
import { ipv4Value, prefixLength } from './prefix-set.js';

/** One rule as BGPFilter (and petrel's `filters`) spell it. */
export interface FilterRuleSpec {
  readonly action: 'Accept' | 'Reject';
  readonly matchOperator?: 'Equal' | 'NotEqual' | 'In' | 'NotIn' | undefined;
  readonly cidr?: string | undefined;
  readonly prefixLength?: { readonly min?: number | undefined; readonly max?: number | undefined } | undefined;
  readonly source?: 'RemotePeers' | undefined;
  readonly interface?: string | undefined;
  readonly peerType?: 'eBGP' | 'iBGP' | undefined;
}

/** A peer's rules of one direction, per family (`importV4` + `importV6`, or the export pair). */
export interface FamilyRuleSpecs {
  readonly ipv4: readonly FilterRuleSpec[];
  readonly ipv6: readonly FilterRuleSpec[];
}

export type FilterVerdict = 'accept' | 'reject';

/** What a rule may ask about a route's source (a `PeerInfo` fits). */
export interface RouteOrigin {
  readonly kind: PeerKind;
  readonly kernel: KernelRouteInfo | undefined;
}

const PeerTypeGuard = { ANY: 0, IBGP: 1, EBGP: 2 } as const;
type PeerTypeGuard = (typeof PeerTypeGuard)[keyof typeof PeerTypeGuard];

interface CompiledRule {
  readonly verdict: FilterVerdict;
  /** No cidr condition when false. */
  readonly hasCidr: boolean;
  /** NotEqual / NotIn. */
  readonly negate: boolean;
  /** Equal / NotEqual: the prefix must be the cidr itself. */
  readonly exact: boolean;
  readonly cidrLength: number;
  readonly minLength: number;
  readonly maxLength: number;
  /** IPv4 network and mask (IPv4 rules). */
  readonly net: number;
  readonly mask: number;
  /** IPv6 network bytes (IPv6 rules). */
  readonly bytes: Uint8Array | undefined;
  readonly remoteOnly: boolean;
  readonly ifname: RegExp | undefined;
  readonly peerType: PeerTypeGuard;
}

function maskOf(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

/** BIRD's string patterns: `*` any run of characters, `?` any one; the rest literal. */
function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function compileRule(rule: FilterRuleSpec, bits: 32 | 128): CompiledRule {
  const cidr = rule.cidr === undefined ? undefined : parsePrefix(rule.cidr);
  if (rule.cidr !== undefined && (!cidr || cidr.bytes.length * 8 !== bits)) throw new RangeError(`not an IPv${bits === 32 ? 4 : 6} prefix: ${rule.cidr}`);
  const cidrLength = cidr?.length ?? 0;
  const operator = rule.matchOperator ?? 'In';
  const exact = operator === 'Equal' || operator === 'NotEqual';
  // confd's filterMatchPrefixLength: min = max(cidr length, min), max = min(width, max).
  const minLength = exact ? cidrLength : Math.max(cidrLength, rule.prefixLength?.min ?? cidrLength);
  const maxLength = exact ? cidrLength : Math.min(bits, rule.prefixLength?.max ?? bits);
  let net = 0;
  const mask = maskOf(Math.min(cidrLength, 32));
  if (cidr && bits === 32) net = (((cidr.bytes[0]! << 24) | (cidr.bytes[1]! << 16) | (cidr.bytes[2]! << 8) | cidr.bytes[3]!) >>> 0) & mask;
  return {
    verdict: rule.action === 'Accept' ? 'accept' : 'reject',
    hasCidr: cidr !== undefined,
    negate: operator === 'NotEqual' || operator === 'NotIn',
    exact,
    cidrLength,
    minLength,
    maxLength,
    net: net >>> 0,
    mask,
    bytes: cidr && bits === 128 ? cidr.bytes : undefined,
    remoteOnly: rule.source === 'RemotePeers',
    ifname: rule.interface === undefined ? undefined : globRegExp(rule.interface),
    peerType: rule.peerType === 'iBGP' ? PeerTypeGuard.IBGP : rule.peerType === 'eBGP' ? PeerTypeGuard.EBGP : PeerTypeGuard.ANY,
  };
}

function v6Inside(bytes: Uint8Array, net: Uint8Array, length: number): boolean {
  const whole = length >>> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== net[i]) return false;
  const rem = length & 7;
  if (rem === 0) return true;
  const m = (0xff << (8 - rem)) & 0xff;
  return ((bytes[whole]! ^ net[whole]!) & m) === 0;
}

/** The conditions other than the prefix: source, interface, session type. */
function otherConditionsHold(rule: CompiledRule, source: RouteOrigin, internalPeer: boolean): boolean {
  if (rule.remoteOnly && source.kind === 'local') return false;
  if (rule.ifname !== undefined && (source.kernel === undefined || !rule.ifname.test(source.kernel.ifname))) return false;
  if (rule.peerType === PeerTypeGuard.IBGP && !internalPeer) return false;
  if (rule.peerType === PeerTypeGuard.EBGP && internalPeer) return false;
  return true;
}

export class BgpFilter {
  /** Equal for filters with the same rules: peers whose export filters share it may share an update group. */
  readonly key: string;
  readonly #v4: readonly CompiledRule[];
  readonly #v6: readonly CompiledRule[];

  private constructor(rules: FamilyRuleSpecs) {
    this.key = JSON.stringify([rules.ipv4.map(ruleKey), rules.ipv6.map(ruleKey)]);
    this.#v4 = rules.ipv4.map((r) => compileRule(r, 32));
    this.#v6 = rules.ipv6.map((r) => compileRule(r, 128));
  }

  /** The compiled rules; undefined when there are none (nothing to consult). */
  static compile(rules: FamilyRuleSpecs | undefined): BgpFilter | undefined {
    if (rules === undefined || rules.ipv4.length + rules.ipv6.length === 0) return undefined;
    return new BgpFilter(rules);
  }

  /**
   * The verdict of the first rule matching the route for `prefix` from `source` on a session
   * that is iBGP when `internalPeer`; undefined when no rule matches.
   */
  evaluate(prefix: string, source: RouteOrigin, internalPeer: boolean): FilterVerdict | undefined {
    const v4 = ipv4Value(prefix);
    if (v4 >= 0) {
      const rules = this.#v4;
      if (rules.length === 0) return undefined;
      const length = prefixLength(prefix);
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i]!;
        if (rule.hasCidr) {
          const inside = length >= rule.minLength && length <= rule.maxLength && ((v4 & rule.mask) >>> 0) === rule.net;
          if (inside === rule.negate) continue;
        }
        if (otherConditionsHold(rule, source, internalPeer)) return rule.verdict;
      }
      return undefined;
    }
    const rules = this.#v6;
    if (rules.length === 0) return undefined;
    const parsed = parsePrefix(prefix);
    if (!parsed || parsed.family !== 6) return undefined;
    for (const rule of rules) {
      if (rule.hasCidr) {
        const inside = parsed.length >= rule.minLength && parsed.length <= rule.maxLength && v6Inside(parsed.bytes, rule.bytes!, rule.cidrLength);
        if (inside === rule.negate) continue;
      }
      if (otherConditionsHold(rule, source, internalPeer)) return rule.verdict;
    }
    return undefined;
  }
}

/** A rule's fields in a fixed order, for `BgpFilter.key`. */
function ruleKey(rule: FilterRuleSpec): unknown[] {
  return [rule.action, rule.matchOperator ?? null, rule.cidr ?? null, rule.prefixLength?.min ?? null, rule.prefixLength?.max ?? null, rule.source ?? null, rule.interface ?? null, rule.peerType ?? null];
}
