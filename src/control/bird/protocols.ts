/**
 * `show protocols [all]` as BIRD 1.6 prints it (nest/proto.c `proto_do_show`, BGP's
 * `bgp_get_status` and `bgp_show_proto_info`). Each BGP session is a protocol named as petrel's
 * peer (Calico's `Mesh_`/`Node_`/`Global_` names, from which calicoctl infers the peer type);
 * the state column is `up` when Established, `start` while connecting and `down` when disabled;
 * the info column starts with the BGP state padded to 14 (`Established`, `Active`, `Passive`,
 * `Connect`, `OpenSent`, `OpenConfirm`, `Idle`) and goes on with the last error in BIRD's words
 * (`Socket: Connection refused`, `Received: Administrative shutdown`).
 *
 * Around them stand the pseudo-protocols BIRD has under Calico — `kernel1` (when petrel programs
 * the kernel), `device1`, and `static1`, whose name `show route` gives petrel's originated
 * blackholes. calicoctl and calico-node skip every row whose proto is not `BGP`.
 */
import { Preference, type Path } from '../../rib/path.js';
import { line, ReplyCode, type ReplyLine } from './reply.js';
import type { BirdCliSource, BirdPeer } from './source.js';
import { formatSince } from './time.js';

export const PROTOCOL_HEADING = 'name     proto    table    state  since       info';

/** BIRD 1.6 has one routing table. */
const TABLE = 'master';

/** BIRD's default preference of device routes (`DEF_PREF_DIRECT`). */
const DEVICE_PREFERENCE = 240;

export const PseudoProtocol = { KERNEL: 'kernel1', DEVICE: 'device1', STATIC: 'static1' } as const;

type ProtoState = 'up' | 'start' | 'down';

interface ProtocolEntry {
  readonly name: string;
  readonly proto: 'BGP' | 'Kernel' | 'Device' | 'Static';
  readonly state: ProtoState;
  readonly since: Date;
  readonly info: string;
  readonly details: (preferred: ReadonlyMap<string, number>) => string[];
}

/** strerror(3) texts for the errno names Node puts in socket error messages. */
const STRERROR: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EADDRINUSE: 'Address already in use',
  EPIPE: 'Broken pipe',
  ECONNABORTED: 'Software caused connection abort',
  EACCES: 'Permission denied',
};

/** `Cease / Administrative Shutdown` → `Administrative shutdown`, BIRD's sentence case. */
function notificationText(text: string): string {
  const last = text.split(' / ').at(-1) ?? text;
  return last.charAt(0) + last.slice(1).toLowerCase();
}

function socketText(detail: string): string {
  const errno = /\b(E[A-Z]+)\b/.exec(detail)?.[1];
  if (errno !== undefined) return STRERROR[errno] ?? errno;
  return detail.startsWith('no answer') ? STRERROR['ETIMEDOUT']! : 'Connection closed';
}

/**
 * petrel's last error in BIRD's classes (`bgp_err_classes`): `Socket: `, `Received: ` (a
 * NOTIFICATION from the peer), `BGP Error: ` (one we sent), `Error: `. An administrative stop
 * or a lost collision is no error to BIRD.
 */
export function birdLastError(lastError: string | null): string {
  if (lastError === null) return '';
  const colon = lastError.indexOf(': ');
  const kind = colon < 0 ? lastError : lastError.slice(0, colon);
  // BIRD's last error has no shutdown communication (it shows that apart): drop petrel's `: "…"`.
  const quoted = lastError.indexOf(': "', colon + 2);
  const detail = colon < 0 ? '' : lastError.slice(colon + 2, quoted < 0 ? undefined : quoted);
  switch (kind) {
    case 'notification-received':
      return `Received: ${notificationText(detail)}`;
    case 'notification-sent':
      return `BGP Error: ${notificationText(detail)}`;
    case 'hold-timer-expired':
      return 'Error: Hold timer expired';
    case 'connect':
    case 'connection':
    case 'connection-lost':
      return `Socket: ${socketText(detail)}`;
    case 'admin-down':
    case 'connection-collision':
      return '';
    default:
      return `Error: ${lastError}`;
  }
}

/**
 * The RFC 9003 shutdown communication in petrel's last error (`…: "text"`), which BIRD shows as
 * the protocol's message (`proto_set_message`, for one received or given at `disable`), on a
 * line of its own: control characters become spaces, so the text cannot break the reply framing.
 */
export function birdMessage(lastError: string | null): string | undefined {
  if (lastError === null) return undefined;
  const colon = lastError.indexOf(': ');
  const quoted = colon < 0 ? -1 : lastError.indexOf(': "', colon + 2);
  if (quoted < 0) return undefined;
  let text: unknown;
  try {
    text = JSON.parse(lastError.slice(quoted + 2));
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  return typeof text === 'string' ? text.replace(/[\u0000-\u001f\u007f]/g, ' ') : undefined;
}

/** `bgp_state_dsc`: the FSM state, `Passive` for a passive session waiting, `Down` when disabled. */
function bgpStateText(p: BirdPeer): string {
  if (p.disabled) return 'Down';
  if (p.passive && (p.state === 'Idle' || p.state === 'Active')) return 'Passive';
  return p.state;
}

function protoState(p: BirdPeer): ProtoState {
  if (p.disabled) return 'down';
  return p.state === 'Established' ? 'up' : 'start';
}

/** `bgp_get_status`: a down protocol shows only its error; others the state padded to 14, then it. */
function bgpInfo(p: BirdPeer): string {
  const error = birdLastError(p.lastError);
  if (p.disabled) return error;
  return `${bgpStateText(p).padEnd(14)}${p.state === 'Established' ? '' : error}`;
}

function basicInfo(preference: number, inputFilter: string, outputFilter: string): string[] {
  return [`  Preference:     ${preference}`, `  Input filter:   ${inputFilter}`, `  Output filter:  ${outputFilter}`];
}

function bgpDetails(p: BirdPeer, preferred: ReadonlyMap<string, number>): string[] {
  const message = birdMessage(p.lastError);
  // proto_cmd_show: the message comes before the protocol's own lines.
  const out = [...(message === undefined ? [] : [`  Message:        ${message}`]), ...basicInfo(Preference.BGP, 'ACCEPT', 'ACCEPT')];
  if (!p.disabled) out.push(`  Routes:         ${p.prefixesAccepted} imported, ${p.prefixesAdvertised} exported, ${preferred.get(p.name) ?? 0} preferred`);
  out.push(`  BGP state:          ${bgpStateText(p)}`, `    Neighbor address: ${p.address}`, `    Neighbor AS:      ${p.asNumber}`);
  if (p.state === 'Established' && !p.disabled) {
    const session = [p.internal ? 'internal' : 'external', ...(p.multihop ? ['multihop'] : []), ...(p.routeReflectorClient ? ['route-reflector'] : [])];
    if (p.routerId !== null) out.push(`    Neighbor ID:      ${p.routerId}`);
    out.push(`    Session:          ${session.join(' ')}`);
    if (p.localAddress !== null) out.push(`    Source address:   ${p.localAddress}`);
  }
  const error = birdLastError(p.lastError);
  if (error !== '') out.push(`    Last error:       ${error}`);
  return out;
}

function bgpEntry(p: BirdPeer): ProtocolEntry {
  return { name: p.name, proto: 'BGP', state: protoState(p), since: p.since, info: bgpInfo(p), details: (preferred) => bgpDetails(p, preferred) };
}

function pseudoEntries(source: BirdCliSource): ProtocolEntry[] {
  const status = source.status();
  const since = status.startedAt;
  const entry = (name: string, proto: ProtocolEntry['proto'], preference: number, input: string, output: string): ProtocolEntry => ({
    name,
    proto,
    state: 'up',
    since,
    info: '',
    details: () => basicInfo(preference, input, output),
  });
  return [
    ...(status.kernel ? [entry(PseudoProtocol.KERNEL, 'Kernel', Preference.KERNEL, 'ACCEPT', 'ACCEPT')] : []),
    entry(PseudoProtocol.DEVICE, 'Device', DEVICE_PREFERENCE, 'ACCEPT', 'REJECT'),
    entry(PseudoProtocol.STATIC, 'Static', Preference.STATIC, 'ACCEPT', 'REJECT'),
  ];
}

/** proto.c `proto_do_show`: `%-8s %-8s %-8s %-5s  %-10s  %s`, the columns under the heading. */
function row(e: ProtocolEntry, now: Date): string {
  return `${e.name.padEnd(8)} ${e.proto.padEnd(8)} ${TABLE.padEnd(8)} ${e.state.padEnd(5)}  ${formatSince(e.since, now).padEnd(10)}  ${e.info}`;
}

/** Best paths per source protocol: the `preferred` count of `show protocols all`. */
function preferredCounts(source: BirdCliSource): Map<string, number> {
  const counts = new Map<string, number>();
  source.routes.forEachBest((best: Path) => counts.set(best.source.name, (counts.get(best.source.name) ?? 0) + 1));
  return counts;
}

/** BIRD's shell-style protocol patterns: `*` and `?`. */
function patternMatcher(pattern: string): (name: string) => boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return (name) => re.test(name);
}

export interface ShowProtocols {
  readonly all: boolean;
  readonly name?: string;
  readonly pattern?: string;
}

/** The reply lines of `show protocols`, or the error line when nothing matches. */
export function showProtocols(source: BirdCliSource, command: ShowProtocols): ReplyLine[] | { readonly error: ReplyLine } {
  const now = source.now();
  let entries = [...pseudoEntries(source), ...source.peers().map(bgpEntry)];
  if (command.name !== undefined) {
    entries = entries.filter((e) => e.name === command.name);
    if (entries.length === 0) return { error: { code: ReplyCode.INVALID_SYMBOL, text: `${command.name} is not a protocol`, final: true } };
  } else if (command.pattern !== undefined) {
    const matches = patternMatcher(command.pattern);
    entries = entries.filter((e) => matches(e.name));
    if (entries.length === 0) return { error: { code: ReplyCode.NO_PROTOCOLS_MATCH, text: 'No protocols match', final: true } };
  }
  const preferred = command.all ? preferredCounts(source) : new Map<string, number>();
  const out: ReplyLine[] = [line(ReplyCode.TABLE_HEADING, PROTOCOL_HEADING)];
  for (const e of entries) {
    out.push(line(ReplyCode.PROTOCOL_LIST, row(e, now)));
    if (command.all) {
      for (const text of e.details(preferred)) out.push(line(ReplyCode.PROTOCOL_DETAILS, text));
      // proto_do_show ends each protocol's details with an empty line.
      out.push(line(ReplyCode.PROTOCOL_DETAILS, ''));
    }
  }
  return out;
}
