/**
 * `show route [all] [for ADDRESS|PREFIX] [PREFIX] [protocol NAME]` as BIRD 1.6 prints it
 * (nest/rt-table.c `rt_show_rte`, `rta_show`; BGP's `bgp_get_route_info`):
 *
 *   10.244.7.0/26      via 10.0.0.3 on eth0 [Mesh_10_0_0_3 09:35:35] * (100/0) [i]
 *   10.244.1.0/26      blackhole [static1 09:35:34] * (200)
 *
 * one line per path, the prefix only on the first path of a network, ` *` on the best one.
 * Every eligible candidate in the Loc-RIB is listed (RFC 4271 §9.1); paths the import checks made
 * ineligible are not in BIRD's table and are not shown. A BGP next hop is resolved as BIRD's
 * `gateway recursive` does it on a Calico node: to the interface whose subnet holds it (IGP
 * metric 0), else the route is `unreachable` (`/-`). petrel's originated blocks are BIRD's
 * `static1` blackholes and kernel-learned routes `kernel1` device routes, as calico-node's
 * route populator expects. `all` adds the `Type:` line and the BGP attributes (extended
 * communities excepted).
 */
import { formatPrefix, isIpv6LinkLocal, isIpv6Unspecified, parseIpv4, parseIpv6, parsePrefix } from '../../bgp/address.js';
import type { AsPathSegment } from '../../bgp/types.js';
import type { AttrSet } from '../../rib/attr-set.js';
import type { Path } from '../../rib/path.js';
import { PseudoProtocol } from './protocols.js';
import { finalLine, line, ReplyCode, type ReplyLine } from './reply.js';
import type { BirdCliSource } from './source.js';
import { formatSince } from './time.js';

export interface ShowRoute {
  readonly all: boolean;
  readonly for?: string;
  readonly prefix?: string;
  readonly protocol?: string;
}

const ORIGIN_NAME = { igp: 'IGP', egp: 'EGP', incomplete: 'Incomplete' } as const;
const ORIGIN_CHAR = { igp: 'i', egp: 'e', incomplete: '?' } as const;

/** The BIRD protocol a path came from. */
function protocolName(path: Path): string {
  const s = path.source;
  if (s.kind !== 'local') return s.name;
  return s.kernel ? PseudoProtocol.KERNEL : PseudoProtocol.STATIC;
}

/** `as_path_get_last`: the origin AS, unless the path is empty or ends in an AS_SET. */
function originAs(segments: readonly AsPathSegment[]): number | undefined {
  const last = segments.at(-1);
  if (last === undefined || last.type === 'set' || last.type === 'confed-set') return undefined;
  return last.asns.at(-1);
}

function asPathText(segments: readonly AsPathSegment[]): string {
  return segments.map((s) => (s.type === 'set' || s.type === 'confed-set' ? `{${s.asns.join(' ')}}` : s.asns.join(' '))).join(' ');
}

/** `BGP.x: value` lines in attribute code order, as `ea_show` lists them. */
function bgpAttributeLines(a: AttrSet): string[] {
  const out = [`\tBGP.origin: ${ORIGIN_NAME[a.origin]}`, `\tBGP.as_path: ${asPathText(a.asPath)}`];
  if (a.nextHops.length > 0) out.push(`\tBGP.next_hop: ${a.nextHops.join(' ')}`);
  if (a.med !== undefined) out.push(`\tBGP.med: ${a.med}`);
  if (a.localPref !== undefined) out.push(`\tBGP.local_pref: ${a.localPref}`);
  if (a.atomicAggregate) out.push('\tBGP.atomic_aggr: ');
  if (a.aggregator) out.push(`\tBGP.aggregator: ${a.aggregator.address} AS${a.aggregator.asn}`);
  if (a.communities.length > 0) out.push(`\tBGP.community: ${a.communities.map((c) => `(${c >>> 16},${c & 0xffff})`).join(' ')}`);
  if (a.originatorId !== undefined) out.push(`\tBGP.originator_id: ${a.originatorId}`);
  if (a.clusterList.length > 0) out.push(`\tBGP.cluster_list: ${a.clusterList.join(' ')}`);
  if (a.largeCommunities.length > 0) out.push(`\tBGP.large_community: ${a.largeCommunities.map((c) => `(${c[0]}, ${c[1]}, ${c[2]})`).join(' ')}`);
  return out;
}

interface RouteContext {
  readonly source: BirdCliSource;
  readonly now: Date;
  /** When each BGP protocol last changed state: BIRD's route time is when the route arrived. */
  readonly peerSince: ReadonlyMap<string, Date>;
  readonly startedAt: Date;
  readonly all: boolean;
}

function pathLines(ctx: RouteContext, shownPrefix: string, path: Path, primary: boolean): ReplyLine[] {
  const s = path.source;
  const time = formatSince(s.kind === 'local' ? ctx.startedAt : (ctx.peerSince.get(s.name) ?? ctx.startedAt), ctx.now);
  const star = primary ? ' *' : '';
  let via: string;
  let from = '';
  let info: string;
  let type: string;
  if (s.kind === 'local') {
    via = s.kernel ? `dev ${s.kernel.ifname}` : 'blackhole';
    info = ` (${s.preference})`;
    type = s.kernel ? 'inherit' : 'static';
  } else {
    // RFC 2545 §3: a global next hop if there is one, else the link-local on the session's link.
    const hops = path.attrs.nextHops;
    const global = hops.find((h) => !isIpv6LinkLocal(h) && !isIpv6Unspecified(h));
    const linkLocal = global === undefined ? hops.find(isIpv6LinkLocal) : undefined;
    const nextHop = global ?? linkLocal ?? path.attrs.nextHop;
    const iface = nextHop === undefined ? undefined : linkLocal !== undefined ? ctx.source.linkOf(s.name) : ctx.source.interfaceFor(nextHop);
    via = iface === undefined ? 'unreachable' : `via ${nextHop} on ${iface}`;
    // BIRD compares the sender with the resolved gateway: an unresolved route always says `from`.
    if (s.address !== '' && (iface === undefined || s.address !== nextHop)) from = ` from ${s.address}`;
    const origin = originAs(path.attrs.asPath);
    info = ` (${s.preference}/${iface === undefined ? '-' : '0'}) [${origin === undefined ? '' : `AS${origin}`}${ORIGIN_CHAR[path.attrs.origin]}]`;
    type = 'BGP';
  }
  const out = [line(ReplyCode.ROUTE_LIST, `${shownPrefix.padEnd(18)} ${via} [${protocolName(path)} ${time}${from}]${star}${info}`)];
  if (ctx.all) {
    out.push(line(ReplyCode.ROUTE_DETAILS, `\tType: ${type} unicast univ`));
    if (s.kind !== 'local') for (const text of bgpAttributeLines(path.attrs)) out.push(line(ReplyCode.ROUTE_ATTRIBUTES, text));
  }
  return out;
}

/** The network's eligible paths, best first, optionally from one protocol only. */
function networkPaths(ctx: RouteContext, prefix: string, protocol: string | undefined): { readonly paths: Path[]; readonly best: Path | undefined } {
  const best = ctx.source.routes.best(prefix);
  const others = ctx.source.routes.candidates(prefix).filter((p) => p.ineligible === null && p !== best);
  const paths = best === undefined ? others : [best, ...others];
  return { paths: protocol === undefined ? paths : paths.filter((p) => protocolName(p) === protocol), best };
}

function* networkLines(ctx: RouteContext, prefix: string, protocol: string | undefined): Generator<ReplyLine> {
  const { paths, best } = networkPaths(ctx, prefix, protocol);
  let shown = prefix;
  for (const p of paths) {
    yield* pathLines(ctx, shown, p, p === best);
    shown = '';
  }
}

/** BIRD's `for`: the longest prefix in the table that covers the address or prefix. */
function longestMatch(ctx: RouteContext, target: string): string | undefined {
  const parsed = target.includes('/') ? parsePrefix(target) : undefined;
  const v4 = parsed ? undefined : parseIpv4(target);
  const bytes = parsed?.bytes ?? v4 ?? parseIpv6(target);
  if (bytes === undefined) return undefined;
  const family = bytes.length === 4 ? 4 : 6;
  for (let length = parsed?.length ?? bytes.length * 8; length >= 0; length--) {
    const prefix = formatPrefix(family, bytes, length);
    if (ctx.source.routes.best(prefix) !== undefined) return prefix;
  }
  return undefined;
}

/**
 * The reply to `show route`, produced lazily so a large table streams under backpressure. A
 * lookup (`for`, a prefix) that finds nothing is BIRD's `8001 Network not in table`.
 */
export function* showRoute(source: BirdCliSource, command: ShowRoute): Generator<ReplyLine> {
  const peers = source.peers();
  const status = source.status();
  const protocols = new Set<string>([...peers.map((p) => p.name), PseudoProtocol.STATIC, ...(status.kernel ? [PseudoProtocol.KERNEL] : [])]);
  if (command.protocol !== undefined && !protocols.has(command.protocol)) {
    yield finalLine(ReplyCode.INVALID_SYMBOL, `${command.protocol} is not a protocol`);
    return;
  }
  const ctx: RouteContext = {
    source,
    now: source.now(),
    peerSince: new Map(peers.map((p) => [p.name, p.since])),
    startedAt: status.startedAt,
    all: command.all,
  };
  const lookup = command.for ?? command.prefix;
  if (lookup !== undefined) {
    const prefix = command.for !== undefined ? longestMatch(ctx, command.for) : lookup;
    const lines = prefix === undefined ? [] : [...networkLines(ctx, prefix, command.protocol)];
    if (lines.length === 0) {
      yield finalLine(ReplyCode.ROUTE_NOT_FOUND, 'Network not in table');
      return;
    }
    yield* lines;
  } else {
    const prefixes: string[] = [];
    source.routes.forEachBest((best) => prefixes.push(best.prefix));
    for (const prefix of prefixes) yield* networkLines(ctx, prefix, command.protocol);
  }
  yield finalLine(ReplyCode.OK, '');
}
