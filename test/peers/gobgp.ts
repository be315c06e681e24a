/**
 * GoBGP (`gobgpd`) as a test peer. It runs in the foreground inside a test namespace (GoBGP
 * treats a 127/8 next hop as a withdrawal, so loopback sessions do not work), with its gRPC API
 * on the namespace's own loopback; the `gobgp` CLI is run inside the namespace to reach it.
 * Neighbors come from a generated TOML config; routes are originated through the CLI
 * (`gobgp global rib add`), since gobgpd's config file has no static routes.
 */
import type { NetNs } from './netns.js';
import {
  isIpv6,
  neighborFamilies,
  restartTimeSec,
  type AddressFamily,
  type NeighborConfig,
  type Peer,
  type PeerConfig,
  type PeerRoute,
  type SessionState,
  type StaticRoute,
} from './peer.js';
import { GiveUp, runningPids, waitFor, type ManagedProcess } from './process.js';
import { WorkDir } from './workdir.js';

const API_HOST = '127.0.0.1';

/** gobgp's JSON session_state values (its FSM enum, lower-cased names or numbers by version). */
const STATE_BY_NAME: Readonly<Record<string, SessionState>> = {
  idle: 'Idle',
  connect: 'Connect',
  active: 'Active',
  opensent: 'OpenSent',
  openconfirm: 'OpenConfirm',
  established: 'Established',
  '1': 'Idle',
  '2': 'Connect',
  '3': 'Active',
  '4': 'OpenSent',
  '5': 'OpenConfirm',
  '6': 'Established',
};

export class GobgpPeer implements Peer {
  readonly kind = 'gobgp' as const;
  private work: WorkDir | undefined;
  private daemon: ManagedProcess | undefined;

  constructor(
    readonly ns: NetNs,
    readonly config: PeerConfig,
    readonly apiPort = 50051,
  ) {}

  async start(): Promise<void> {
    this.work = await WorkDir.create('gobgp');
    const conf = await this.work.write('gobgpd.toml', this.renderConfig());
    this.daemon = this.ns.spawn('gobgpd', 'gobgpd', [
      '-f', conf, '-t', 'toml', '-p', '-l', 'debug', '--api-hosts', `${API_HOST}:${this.apiPort}`, '--pprof-disable',
      ...(this.config.restarting === true ? ['--graceful-restart'] : []),
    ]);
    await waitFor(
      async () => {
        if (!this.daemon?.running) throw new GiveUp(`gobgpd exited: ${this.daemon?.log ?? ''}`);
        await this.cli(['global']);
        // The config file's neighbors are applied after the API comes up.
        const n = JSON.parse(await this.cli(['neighbor', '-j'])) as unknown[];
        return n.length >= this.config.neighbors.length ? true : undefined;
      },
      { timeoutMs: 10_000, what: 'gobgpd API' },
    );
    for (const route of this.config.routes ?? []) await this.announce(route);
  }

  async sessionState(neighbor: string): Promise<SessionState> {
    const out = JSON.parse(await this.cli(['neighbor', neighbor, '-j'])) as { state?: { session_state?: string | number } };
    const state = STATE_BY_NAME[String(out.state?.session_state ?? '').toLowerCase()];
    if (state === undefined) throw new Error(`gobgp neighbor ${neighbor}: unknown state ${JSON.stringify(out.state)}`);
    return state;
  }

  async waitEstablished(neighbor: string, timeoutMs = 15_000): Promise<void> {
    await waitFor(async () => ((await this.sessionState(neighbor)) === 'Established' ? true : undefined), {
      timeoutMs,
      what: `gobgp session with ${neighbor} Established`,
    });
  }

  async routes(family: AddressFamily = 'ipv4-unicast'): Promise<readonly PeerRoute[]> {
    const out = await this.cli(['global', 'rib', '-a', family === 'ipv4-unicast' ? 'ipv4' : 'ipv6', '-j']);
    return parseGobgpRib(out);
  }

  async announce(route: StaticRoute): Promise<void> {
    await this.cli(['global', 'rib', 'add', route.prefix, ...routeArgs(route), '-a', isIpv6(route.prefix) ? 'ipv6' : 'ipv4']);
  }

  async withdraw(prefix: string): Promise<void> {
    await this.cli(['global', 'rib', 'del', prefix, '-a', isIpv6(prefix) ? 'ipv6' : 'ipv4']);
  }

  async disableNeighbor(neighbor: string): Promise<void> {
    await this.cli(['neighbor', neighbor, 'disable']);
  }

  async refreshNeighbor(neighbor: string): Promise<void> {
    await this.cli(['neighbor', neighbor, 'softresetin']);
  }

  pids(): readonly number[] {
    return runningPids([this.daemon]);
  }

  logs(): Promise<string> {
    return Promise.resolve(this.daemon?.log ?? '');
  }

  async stop(): Promise<void> {
    await this.daemon?.stop();
    await this.work?.remove();
    this.daemon = undefined;
    this.work = undefined;
  }

  /** One `gobgp` CLI call inside the namespace, against this instance's API port. */
  async cli(args: readonly string[]): Promise<string> {
    return this.ns.execOk('gobgp', ['-u', API_HOST, '-p', String(this.apiPort), ...args]);
  }

  renderConfig(): string {
    const c = this.config;
    const lines = [
      '[global.config]',
      `  as = ${c.localAs}`,
      `  router-id = "${c.routerId}"`,
      `  port = ${c.listenPort ?? 179}`,
      ...(c.listenAddress === undefined ? [] : [`  local-address-list = ["${c.listenAddress}"]`]),
      ...c.neighbors.flatMap((n) => this.neighbor(n)),
    ];
    return `${lines.join('\n')}\n`;
  }

  private neighbor(n: NeighborConfig): string[] {
    const c = this.config;
    const lines = [
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = "${n.address}"`,
      `    peer-as = ${n.remoteAs}`,
      ...(n.password === undefined ? [] : [`    auth-password = "${n.password}"`]),
      '  [neighbors.transport.config]',
      `    passive-mode = ${n.passive === true}`,
      ...(n.port === undefined ? [] : [`    remote-port = ${n.port}`]),
      ...(n.localAddress === undefined ? [] : [`    local-address = "${n.localAddress}"`]),
    ];
    if (n.holdTimeSec !== undefined || n.connectRetrySec !== undefined) {
      lines.push('  [neighbors.timers.config]');
      if (n.holdTimeSec !== undefined) lines.push(`    hold-time = ${n.holdTimeSec}`, `    keepalive-interval = ${Math.floor(n.holdTimeSec / 3)}`);
      if (n.connectRetrySec !== undefined) lines.push(`    connect-retry = ${n.connectRetrySec}`);
    }
    if (n.multihop !== undefined && n.multihop !== false) {
      lines.push('  [neighbors.ebgp-multihop.config]', '    enabled = true', `    multihop-ttl = ${n.multihop === true ? 255 : n.multihop}`);
    }
    const gr = restartTimeSec(n);
    if (gr !== undefined) lines.push('  [neighbors.graceful-restart.config]', '    enabled = true', `    restart-time = ${gr}`);
    if (n.routeReflectorClient) {
      lines.push(
        '  [neighbors.route-reflector.config]',
        '    route-reflector-client = true',
        `    route-reflector-cluster-id = "${c.clusterId ?? c.routerId}"`,
      );
    }
    for (const family of neighborFamilies(c, n)) {
      lines.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${family}"`);
      if (gr !== undefined) lines.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
      if (n.addPath !== undefined) {
        lines.push('    [neighbors.afi-safis.add-paths.config]');
        if (n.addPath !== 'send') lines.push('      receive = true');
        if (n.addPath !== 'receive') lines.push('      send-max = 8');
      }
    }
    return lines;
  }
}

/** `gobgp global rib add` arguments for a route's attributes. */
function routeArgs(r: StaticRoute): string[] {
  return [
    ...(r.nextHop === undefined ? [] : ['nexthop', r.nextHop]),
    'origin', 'igp',
    ...(r.asPathPrepend === undefined || r.asPathPrepend.length === 0 ? [] : ['aspath', r.asPathPrepend.join(' ')]),
    ...(r.communities === undefined ? [] : ['community', r.communities.join(',')]),
    ...(r.largeCommunities === undefined ? [] : ['large-community', r.largeCommunities.join(',')]),
    ...(r.routeTargets === undefined ? [] : ['rt', ...r.routeTargets]),
    ...(r.med === undefined ? [] : ['med', String(r.med)]),
    ...(r.localPref === undefined ? [] : ['local-pref', String(r.localPref)]),
  ];
}

interface GobgpPathJson {
  readonly nlri?: { readonly prefix?: string };
  readonly 'source-id'?: string;
  readonly 'neighbor-ip'?: string;
  readonly attrs?: readonly {
    readonly type: number;
    readonly nexthop?: string;
    readonly as_paths?: readonly { readonly asns?: readonly number[] }[];
    readonly communities?: readonly number[];
    readonly value?: unknown;
    readonly metric?: number;
  }[];
}

/** Parses `gobgp global rib -j`: an object from prefix to its paths. */
export function parseGobgpRib(out: string): PeerRoute[] {
  const rib = JSON.parse(out) as Record<string, readonly GobgpPathJson[]>;
  const routes: PeerRoute[] = [];
  for (const [prefix, paths] of Object.entries(rib)) {
    for (const p of paths) {
      const attrs = p.attrs ?? [];
      const byType = (t: number) => attrs.find((a) => a.type === t);
      const from = p['neighbor-ip'];
      const med = byType(4)?.metric;
      const localPref = byType(5)?.value as number | undefined;
      const mpNextHop = byType(14)?.nexthop;
      // RFC 4456: ORIGINATOR_ID (9) is one address, CLUSTER_LIST (10) a list of them.
      const originatorId = byType(9)?.value as string | undefined;
      const clusterList = byType(10)?.value as readonly string[] | undefined;
      const large = (byType(32)?.value ?? []) as readonly { ASN: number; LocalData1: number; LocalData2: number }[];
      routes.push({
        prefix,
        nextHop: byType(3)?.nexthop ?? mpNextHop ?? '',
        asPath: (byType(2)?.as_paths ?? []).flatMap((s) => s.asns ?? []),
        communities: (byType(8)?.communities ?? []).map((x) => `${Math.floor(x / 65536)}:${x % 65536}`),
        largeCommunities: large.map((v) => `${v.ASN}:${v.LocalData1}:${v.LocalData2}`),
        ...(med === undefined ? {} : { med }),
        ...(localPref === undefined ? {} : { localPref }),
        ...(from === undefined || from === '<nil>' || from === '0.0.0.0' || from === '::' ? {} : { fromNeighbor: from }),
        ...(originatorId === undefined ? {} : { originatorId }),
        ...(clusterList === undefined ? {} : { clusterList: [...clusterList] }),
      });
    }
  }
  return routes;
}
