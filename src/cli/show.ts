/**
 * `petrel show status | peers | routes [PREFIX]`: asks the running daemon over its control socket.
 * Human output is a table in the manner of `calicoctl node status`; `--json` prints exactly what
 * the daemon answered (SPEC §2 fields: routes carry prefix, nextHop, peer, peerAddress, best,
 * asPath, origin, localPref, med, communities, largeCommunities, originatorId, clusterList, reason,
 * ineligible; peers carry name, address, asNumber, state, since, holdTimeSec, routerId,
 * prefixesReceived, prefixesAccepted, prefixesAdvertised).
 */
import type { BfdView, PeerView, RouteView, StatusView } from '../daemon/views.js';
import type { ExitCode, ShowOptions } from './commands.js';
import { ask } from './control-command.js';
import { processOutput, type CommandOutput } from './validate.js';

/** An ASCII table with a header row, as calicoctl prints them. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+\n`;
  const line = (cells: readonly string[]): string => `|${cells.map((c, i) => ` ${c.padEnd(widths[i]!)} `).join('|')}|\n`;
  return rule + line(header) + rule + rows.map(line).join('') + rule;
}

function time(iso: string): string {
  // "2026-11-26T09:01:02.345Z" → "2026-11-26 09:01:02"
  return iso.slice(0, 19).replace('T', ' ');
}

export function formatPeers(peers: readonly PeerView[]): string {
  if (peers.length === 0) return 'No BGP peers configured.\n';
  return table(
    ['NAME', 'PEER ADDRESS', 'AS', 'STATE', 'SINCE', 'RECEIVED', 'ACCEPTED', 'ADVERTISED', 'INFO'],
    peers.map((p) => [
      p.name,
      p.address,
      String(p.asNumber),
      p.disabled ? `${p.state} (disabled)` : p.state,
      time(p.since),
      String(p.prefixesReceived),
      String(p.prefixesAccepted),
      String(p.prefixesAdvertised),
      p.state === 'Established' ? `router ID ${p.routerId ?? '?'}, hold ${p.holdTimeSec ?? '?'} s${p.bfdState === null ? '' : `, BFD ${p.bfdState}`}` : notEstablishedInfo(p),
    ]),
  );
}

/**
 * Why the session is down and when it tries again: what an operator asks first (CALICO.md §4.7);
 * or, connected with DelayOpen, how long our OPEN still waits for the peer's.
 */
function notEstablishedInfo(p: PeerView): string {
  const next = p.nextAttemptInSec === null || p.disabled ? undefined : `next attempt in ${p.nextAttemptInSec} s`;
  const delayed = p.openDelayedForSec === null ? undefined : `connected, our OPEN held back ${p.openDelayedForSec} s more (DelayOpen)`;
  return [p.lastError ?? undefined, delayed, next].filter((x) => x !== undefined && x !== '').join('; ');
}

/** `show bfd`: one row per peer that runs BFD (RFC 5880 §6.8.1 state variables). */
export function formatBfd(sessions: readonly BfdView[]): string {
  if (sessions.length === 0) return 'No BFD sessions (no peer sets bfd).\n';
  return table(
    ['NAME', 'ADDRESS', 'HOPS', 'STATE', 'SINCE', 'REMOTE', 'TX / DETECT', 'AUTH', 'DIAG'],
    sessions.map((s) => [
      s.name,
      s.address,
      s.multihop ? 'multi' : 'single',
      s.state,
      time(s.since),
      s.remoteState,
      `${s.txIntervalMs} ms / ${s.detectionTimeMs} ms`,
      // RFC 5880 §6.7: the type and key ID, never the key; failures when there are any.
      s.auth === null ? '-' : `${s.auth.type} id ${s.auth.keyId}${s.authFailures > 0 ? `, ${s.authFailures} failed` : ''}`,
      s.localDiag === 'No Diagnostic' && s.remoteDiag === 'No Diagnostic' ? '-' : `local: ${s.localDiag}; remote: ${s.remoteDiag}`,
    ]),
  );
}

export function formatRoutes(routes: readonly RouteView[]): string {
  if (routes.length === 0) return 'No routes.\n';
  return table(
    ['PREFIX', 'NEXT HOP', 'PEER', 'BEST', 'AS PATH', 'LOCAL PREF', 'MED', 'COMMUNITIES', 'REASON'],
    routes.map((r) => [
      r.prefix,
      r.nextHopInterface === null ? (r.nextHop ?? '-') : `${r.nextHop ?? '-'} on ${r.nextHopInterface}`,
      r.peer,
      r.best ? '*' : '',
      r.asPath.length > 0 ? r.asPath.join(' ') : '-',
      r.localPref === null ? '-' : String(r.localPref),
      r.med === null ? '-' : String(r.med),
      [...r.communities, ...r.largeCommunities].join(' ') || '-',
      r.ineligible !== null ? `ineligible: ${r.ineligible}` : `${r.reason}${r.stale ? ' (stale)' : ''}`,
    ]),
  );
}

export function formatStatus(s: StatusView): string {
  const rows: [string, string][] = [
    ['petrel', s.version],
    ['node', s.nodeName],
    ['router ID', s.routerId],
    ['AS', String(s.asNumber)],
    ['route reflector cluster ID', s.routeReflectorClusterId ?? '-'],
    ['started', time(s.startedAt)],
    ['last reload', s.lastReload === null ? '-' : time(s.lastReload)],
    ['peers', `${s.peersEstablished} of ${s.peers} established`],
    ['prefixes', String(s.prefixes)],
    ['export policy', s.exportPolicy],
    ['kernel', s.kernel],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join('');
}

export async function showCommand(options: ShowOptions, output: CommandOutput = processOutput): Promise<ExitCode> {
  const request =
    options.what === 'routes' ? { command: 'routes' as const, ...(options.prefix !== undefined ? { prefix: options.prefix } : {}) } : { command: options.what };
  const answer = await ask(options, request, output);
  if (!answer.ok) return answer.code;
  if (options.json) {
    output.out(`${JSON.stringify(answer.result, null, 2)}\n`);
    return 0;
  }
  switch (options.what) {
    case 'status':
      output.out(formatStatus(answer.result as StatusView));
      break;
    case 'peers':
      output.out(formatPeers(answer.result as PeerView[]));
      break;
    case 'routes':
      output.out(formatRoutes(answer.result as RouteView[]));
      break;
    case 'bfd':
      output.out(formatBfd(answer.result as BfdView[]));
      break;
  }
  return 0;
}
