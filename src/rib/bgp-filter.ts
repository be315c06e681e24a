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
 * Calico v3.32 adds (confd `template_funcs.go`: filterMatchCommunity, filterMatchASPathPrefix,
 * filterMatchPriority; limits from `api/.../v3/bgpfilter.go`):
 * - `communities`: the route carries the one community given (`(a,b) ~ bgp_community`, or
 *   `(a,b,c) ~ bgp_large_community`; the API allows one value);
 * - `asPathPrefix`: one AS is `bgp_path.first = a` (the first AS of a leading AS_SEQUENCE);
 *   several are the mask `[= a b * =]` (an AS_SET position matches an AS it contains). The path
 *   is the route's own: our AS is prepended for eBGP after the filter;
 * - `priority`: `krt_metric = n`. On export confd's per-peer prologue (`bgp_processor.go`
 *   buildExportFilter) set it first: 2^31-1 − LOCAL_PREF for a BGP route carrying one, else the
 *   route's own krt_metric (a kernel route's metric, or an import `setPriority`), else the normal
 *   route priority. A route just received has no krt_metric, so on import it never matches.
 *
 * An Accept rule's `operations` run in order before the `accept` (filterOperationStatements):
 * `addCommunity` is `bgp_community.add` / `bgp_large_community.add` (no duplicate, appended),
 * `prependASPath` one `bgp_path.prepend` per AS from the last, so the path starts with the list
 * as written, and `setPriority` is `krt_metric = n`. On export that is too late to change
 * anything sent (LOCAL_PREF came from the prologue; krt_metric is no BGP attribute), so it is
 * skipped; on import the priority stays with the route (`AttrSet.priority`). Results are new
 * interned sets, memoised on the input set per operation list.
 *
 * IPv4 prefixes are matched on 32-bit numbers without allocation, like prefix-set.ts; rules
 * without the v3.32 matches never look at the attributes.
 */
import { parsePrefix } from '../bgp/address.js';
import type { AsPathSegment, LargeCommunity } from '../bgp/types.js';
import { prependAs } from './as-path.js';
import type { AttrSet, PathAttributes } from './attr-set.js';
import type { KernelRouteInfo, PeerKind } from './path.js';
import { ipv4Value, prefixLength } from './prefix-set.js';

/** One operation as BGPFilter spells it: exactly one field set. */
export interface FilterOperationSpec {
  readonly addCommunity?: { readonly value: string } | undefined;
  readonly prependASPath?: { readonly prefix: readonly number[] } | undefined;
  readonly setPriority?: { readonly value: number } | undefined;
}

/** One rule as BGPFilter (and petrel's `filters`) spell it. */
export interface FilterRuleSpec {
  readonly action: 'Accept' | 'Reject';
  readonly matchOperator?: 'Equal' | 'NotEqual' | 'In' | 'NotIn' | undefined;
  readonly cidr?: string | undefined;
  readonly prefixLength?: { readonly min?: number | undefined; readonly max?: number | undefined } | undefined;
  readonly source?: 'RemotePeers' | undefined;
  readonly interface?: string | undefined;
  readonly peerType?: 'eBGP' | 'iBGP' | undefined;
  readonly communities?: { readonly values: readonly string[] } | undefined;
  readonly asPathPrefix?: readonly number[] | undefined;
  readonly priority?: number | undefined;
  readonly operations?: readonly FilterOperationSpec[] | undefined;
}

/** A peer's rules of one direction, per family (`importV4` + `importV6`, or the export pair). */
export interface FamilyRuleSpecs {
  readonly ipv4: readonly FilterRuleSpec[];
  readonly ipv6: readonly FilterRuleSpec[];
}

export type FilterVerdict = 'accept' | 'reject';

/** BIRD's largest int, from which LOCAL_PREF and priority are mirrored (confd `BirdIntMaxValue`). */
export const BIRD_INT_MAX = 2147483647;

/** Which way a route is going: an export `setPriority` changes nothing (see the header). */
export type FilterDirection = 'import' | 'export';

/**
 * The route attributes a v3.32 match reads. `normalPriority` is set on export only, where confd
 * normalises the priority before the filter runs; on import it is undefined.
 */
export interface RouteFacts {
  readonly attrs: PathAttributes;
  readonly normalPriority?: number | undefined;
}

/** BIRD's `krt_metric` as a rule sees it (see the header), or undefined when the route has none. */
export function routePriority(attrs: PathAttributes, source: RouteOrigin, normalPriority: number | undefined): number | undefined {
  if (normalPriority === undefined) return attrs.priority;
  if (source.kind !== 'local' && attrs.localPref !== undefined) return BIRD_INT_MAX - attrs.localPref;
  return attrs.priority ?? source.kernel?.metric ?? normalPriority;
}

type CompiledOp =
  | { readonly kind: 'community'; readonly value: number }
  | { readonly kind: 'large-community'; readonly value: LargeCommunity }
  | { readonly kind: 'prepend'; readonly asns: readonly number[] }
  | { readonly kind: 'priority'; readonly value: number };

let operationListCount = 0;

/** An Accept rule's operations, compiled: `apply` gives the interned set they produce. */
export class FilterOperations {
  /** Unique per compiled list: the memo key of what it derives from a set. */
  readonly id: string;
  readonly #ops: readonly CompiledOp[];

  constructor(specs: readonly FilterOperationSpec[]) {
    this.id = `filter-ops#${++operationListCount}`;
    this.#ops = specs.map(compileOperation);
  }

  /** The set `attrs` becomes (itself when nothing changes); memoised per input set and direction. */
  apply(attrs: AttrSet, direction: FilterDirection): AttrSet {
    const memoKey = `${this.id}|${direction}`;
    const cached = attrs.derived(memoKey);
    if (cached !== undefined) return cached;
    let communities: readonly number[] = attrs.communities;
    let large: readonly LargeCommunity[] = attrs.largeCommunities;
    let asPath: readonly AsPathSegment[] = attrs.asPath;
    let priority = attrs.priority;
    for (const op of this.#ops) {
      switch (op.kind) {
        case 'community':
          if (!communities.includes(op.value)) communities = [...communities, op.value];
          break;
        case 'large-community': {
          const [a, b, c] = op.value;
          if (!large.some((l) => l[0] === a && l[1] === b && l[2] === c)) large = [...large, op.value];
          break;
        }
        case 'prepend':
          // confd emits one prepend per AS from the last: the path then starts with the list.
          for (let i = op.asns.length - 1; i >= 0; i--) asPath = prependAs(asPath, op.asns[i]!);
          break;
        case 'priority':
          if (direction === 'import') priority = op.value;
          break;
      }
    }
    const out = attrs.with({ communities, largeCommunities: large, asPath, priority });
    attrs.remember(memoKey, out);
    return out;
  }
}

/** `a:b` / `a:b:c` (already checked by the config schema) as a community or a large one. */
function parseCommunity(text: string): { readonly standard: number } | { readonly large: LargeCommunity } {
  const parts = text.split(':').map(Number);
  if (parts.length === 2) return { standard: ((parts[0]! << 16) | parts[1]!) >>> 0 };
  if (parts.length === 3) return { large: [parts[0]!, parts[1]!, parts[2]!] };
  throw new RangeError(`not a community: ${text}`);
}

function compileOperation(spec: FilterOperationSpec): CompiledOp {
  if (spec.addCommunity !== undefined) {
    const c = parseCommunity(spec.addCommunity.value);
    return 'standard' in c ? { kind: 'community', value: c.standard } : { kind: 'large-community', value: c.large };
  }
  if (spec.prependASPath !== undefined) return { kind: 'prepend', asns: spec.prependASPath.prefix.slice() };
  if (spec.setPriority !== undefined) return { kind: 'priority', value: spec.setPriority.value };
  throw new RangeError('a BGPFilter operation sets none of addCommunity, prependASPath, setPriority');
}

/** The first matching rule's verdict and, for an Accept rule with operations, those. */
export interface FilterOutcome {
  readonly verdict: FilterVerdict;
  readonly operations: FilterOperations | undefined;
}

/** What a rule may ask about a route's source (a `PeerInfo` fits). */
export interface RouteOrigin {
  readonly kind: PeerKind;
  readonly kernel: KernelRouteInfo | undefined;
}

const PeerTypeGuard = { ANY: 0, IBGP: 1, EBGP: 2 } as const;
type PeerTypeGuard = (typeof PeerTypeGuard)[keyof typeof PeerTypeGuard];

interface CompiledRule {
  readonly verdict: FilterVerdict;
  readonly outcome: FilterOutcome;
  /** Some v3.32 match reads the attributes; false keeps the rule on the old fast path. */
  readonly readsAttrs: boolean;
  readonly community: number | undefined;
  readonly largeCommunity: LargeCommunity | undefined;
  readonly asPathPrefix: readonly number[] | undefined;
  readonly priority: number | undefined;
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
  const verdict: FilterVerdict = rule.action === 'Accept' ? 'accept' : 'reject';
  const community = rule.communities === undefined ? undefined : parseCommunity(rule.communities.values[0]!);
  const operations = rule.operations !== undefined && rule.operations.length > 0 && verdict === 'accept' ? new FilterOperations(rule.operations) : undefined;
  return {
    verdict,
    outcome: Object.freeze({ verdict, operations }),
    readsAttrs: community !== undefined || (rule.asPathPrefix?.length ?? 0) > 0 || rule.priority !== undefined,
    community: community !== undefined && 'standard' in community ? community.standard : undefined,
    largeCommunity: community !== undefined && 'large' in community ? community.large : undefined,
    asPathPrefix: rule.asPathPrefix !== undefined && rule.asPathPrefix.length > 0 ? rule.asPathPrefix.slice() : undefined,
    priority: rule.priority,
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

/** The conditions other than the prefix: source, interface, session type, and the v3.32 ones. */
function otherConditionsHold(rule: CompiledRule, source: RouteOrigin, internalPeer: boolean, route: RouteFacts | undefined): boolean {
  if (rule.remoteOnly && source.kind === 'local') return false;
  if (rule.ifname !== undefined && (source.kernel === undefined || !rule.ifname.test(source.kernel.ifname))) return false;
  if (rule.peerType === PeerTypeGuard.IBGP && !internalPeer) return false;
  if (rule.peerType === PeerTypeGuard.EBGP && internalPeer) return false;
  return !rule.readsAttrs || (route !== undefined && attrConditionsHold(rule, source, route));
}

function attrConditionsHold(rule: CompiledRule, source: RouteOrigin, route: RouteFacts): boolean {
  const attrs = route.attrs;
  if (rule.community !== undefined && !attrs.communities.includes(rule.community)) return false;
  const large = rule.largeCommunity;
  if (large !== undefined && !attrs.largeCommunities.some((l) => l[0] === large[0] && l[1] === large[1] && l[2] === large[2])) return false;
  if (rule.asPathPrefix !== undefined && !asPathStartsWith(attrs.asPath, rule.asPathPrefix)) return false;
  if (rule.priority !== undefined && routePriority(attrs, source, route.normalPriority) !== rule.priority) return false;
  return true;
}

/**
 * confd's asPathPrefix test: for one AS, BIRD's `bgp_path.first` (the path must open with an
 * AS_SEQUENCE); for several, the mask `[= a b * =]`, position by position, where an AS_SET is
 * one position matching any AS it holds.
 */
export function asPathStartsWith(path: readonly AsPathSegment[], asns: readonly number[]): boolean {
  if (asns.length === 1) {
    const first = path[0];
    return first !== undefined && first.type === 'sequence' && first.asns[0] === asns[0];
  }
  let i = 0;
  for (const segment of path) {
    if (segment.type === 'set' || segment.type === 'confed-set') {
      if (!segment.asns.includes(asns[i]!)) return false;
      if (++i === asns.length) return true;
      continue;
    }
    for (const asn of segment.asns) {
      if (asn !== asns[i]) return false;
      if (++i === asns.length) return true;
    }
  }
  return false;
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
   * that is iBGP when `internalPeer`; undefined when no rule matches. Rules with v3.32 matches
   * need `route`; without it they do not match.
   */
  evaluate(prefix: string, source: RouteOrigin, internalPeer: boolean, route?: RouteFacts): FilterVerdict | undefined {
    return this.match(prefix, source, internalPeer, route)?.verdict;
  }

  /** As `evaluate`, with the matching rule's operations (see `FilterOutcome`). */
  match(prefix: string, source: RouteOrigin, internalPeer: boolean, route?: RouteFacts): FilterOutcome | undefined {
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
        if (otherConditionsHold(rule, source, internalPeer, route)) return rule.outcome;
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
      if (otherConditionsHold(rule, source, internalPeer, route)) return rule.outcome;
    }
    return undefined;
  }

  /** Some rule reads the route's attributes (callers then pass them). */
  get readsAttrs(): boolean {
    return this.#v4.some((r) => r.readsAttrs) || this.#v6.some((r) => r.readsAttrs);
  }

  /** Some Accept rule changes the routes it matches. */
  get hasOperations(): boolean {
    return this.#v4.some((r) => r.outcome.operations !== undefined) || this.#v6.some((r) => r.outcome.operations !== undefined);
  }
}

/** A rule's fields in a fixed order, for `BgpFilter.key`. */
function ruleKey(rule: FilterRuleSpec): unknown[] {
  return [
    rule.action,
    rule.matchOperator ?? null,
    rule.cidr ?? null,
    rule.prefixLength?.min ?? null,
    rule.prefixLength?.max ?? null,
    rule.source ?? null,
    rule.interface ?? null,
    rule.peerType ?? null,
    rule.communities?.values ?? null,
    rule.asPathPrefix ?? null,
    rule.priority ?? null,
    // Operations change what is sent: peers whose rules differ here never share an update group.
    (rule.operations ?? []).map((op) => [op.addCommunity?.value ?? null, op.prependASPath?.prefix ?? null, op.setPriority?.value ?? null]),
  ];
}
