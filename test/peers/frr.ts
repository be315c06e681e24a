/**
 * FRR (`bgpd` with its own `zebra`) as a test peer, inside a test namespace: FRR rejects 127/8
 * next hops as martians, so it cannot peer over loopback. zebra runs too (not `bgpd -Z`) because
 * bgpd learns the interfaces' addresses from it: without them it has no global and link-local
 * IPv6 next hops to announce and no connected routes to validate next hops against.
 *
 * Both daemons get private paths so they never meet the system's FRR service: `-z` for the
 * zserv socket, `--vty_socket` for the vty sockets (vtysh is pointed at the same directory),
 * `-i` pid files, `-P 0` (no TCP vty), and `--log file:` for the logs. They run as the `frr` user
 * (root is not in the frrvty group they check for), so the private directory is handed to it.
 *
 * When a neighbor has `bfd`, `bfdd` runs too (RFC 5880/5881): bgpd asks zebra for the session,
 * zebra relays to bfdd, so bfdd shares the zserv socket and vty directory, plus a private
 * `--bfdctl` control socket. Its intervals come from a `bfd` / `profile` block that the neighbor
 * names with `neighbor X bfd profile NAME`. Without BFD neighbors bfdd is not started at all.
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
import { GiveUp, runningPids, runOk, waitFor, type ManagedProcess } from './process.js';
import { WorkDir } from './workdir.js';

const FRR_DIR = '/usr/lib/frr';
/** The daemons drop to this user; it is in the frrvty group they insist on (root is not). */
const FRR_USER = 'frr';

export class FrrPeer implements Peer {
  readonly kind = 'frr' as const;
  private work: WorkDir | undefined;
  private zebra: ManagedProcess | undefined;
  private bgpd: ManagedProcess | undefined;
  private bfdd: ManagedProcess | undefined;
  private routeSet: StaticRoute[];

  constructor(
    readonly ns: NetNs,
    readonly config: PeerConfig,
  ) {
    this.routeSet = [...(config.routes ?? [])];
  }

  async start(): Promise<void> {
    const work = await WorkDir.create('frr');
    this.work = work;
    const common = ['-z', work.file('zserv.api'), '--vty_socket', work.dir, '-u', FRR_USER, '-g', FRR_USER, '-P', '0'];
    await work.write('zebra.conf', 'hostname zebra\n');
    await work.write('bgpd.conf', this.renderConfig());
    const bfd = this.hasBfd();
    if (bfd) await work.write('bfdd.conf', this.renderBfdConfig());
    const [uid, gid] = await Promise.all([runOk('id', ['-u', FRR_USER]), runOk('id', ['-g', FRR_USER])]);
    await work.chownAll(Number(uid), Number(gid));
    this.zebra = this.ns.spawn('zebra', `${FRR_DIR}/zebra`, [
      ...common, '-i', work.file('zebra.pid'), '-f', work.file('zebra.conf'), '--log', `file:${work.file('zebra.log')}`,
    ]);
    await this.waitVty('zebra', 'show interface brief');
    if (bfd) {
      // Before bgpd, so its session requests (relayed by zebra) find bfdd already listening.
      this.bfdd = this.ns.spawn('bfdd', `${FRR_DIR}/bfdd`, [
        ...common, '-i', work.file('bfdd.pid'), '-f', work.file('bfdd.conf'), '--bfdctl', work.file('bfdd.sock'),
        '--log', `file:${work.file('bfdd.log')}`,
      ]);
      await this.waitVty('bfdd', 'show bfd peers json');
    }
    this.bgpd = this.ns.spawn('bgpd', `${FRR_DIR}/bgpd`, [
      ...common, '-i', work.file('bgpd.pid'), '-f', work.file('bgpd.conf'), '-p', String(this.config.listenPort ?? 179),
      ...(this.config.listenAddress === undefined ? [] : ['-l', this.config.listenAddress]),
      '--log', `file:${work.file('bgpd.log')}`,
    ]);
    await this.waitVty('bgpd', 'show bgp summary json');
  }

  async sessionState(neighbor: string): Promise<SessionState> {
    const out = JSON.parse(await this.vtysh([`show bgp neighbors ${neighbor} json`])) as Record<string, { bgpState?: string }>;
    const state = out[neighbor]?.bgpState;
    const known: readonly SessionState[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];
    const match = known.find((s) => s === state);
    if (match === undefined) throw new Error(`FRR neighbor ${neighbor}: state ${String(state)}`);
    return match;
  }

  async waitEstablished(neighbor: string, timeoutMs = 15_000): Promise<void> {
    await waitFor(async () => ((await this.sessionState(neighbor)) === 'Established' ? true : undefined), {
      timeoutMs,
      what: `FRR session with ${neighbor} Established`,
    });
  }

  async routes(family: AddressFamily = 'ipv4-unicast'): Promise<readonly PeerRoute[]> {
    // FRR 8.4 has no table-wide detail JSON; the table lists prefixes, each prefix its paths.
    const afi = family === 'ipv4-unicast' ? 'ipv4' : 'ipv6';
    const table = JSON.parse(await this.vtysh([`show bgp ${afi} unicast json`])) as { routes?: Record<string, unknown> };
    const routes: PeerRoute[] = [];
    for (const prefix of Object.keys(table.routes ?? {})) {
      routes.push(...parseFrrPrefixDetail(await this.vtysh([`show bgp ${afi} unicast ${prefix} json`])));
    }
    return routes;
  }

  async announce(route: StaticRoute): Promise<void> {
    this.routeSet = [...this.routeSet.filter((r) => r.prefix !== route.prefix), route];
    const index = this.routeSet.length - 1;
    await this.configure([
      ...routeMap(route, index),
      `router bgp ${this.config.localAs}`,
      `address-family ${isIpv6(route.prefix) ? 'ipv6' : 'ipv4'} unicast`,
      networkLine(route, index),
    ]);
  }

  async withdraw(prefix: string): Promise<void> {
    this.routeSet = this.routeSet.filter((r) => r.prefix !== prefix);
    await this.configure([`router bgp ${this.config.localAs}`, `address-family ${isIpv6(prefix) ? 'ipv6' : 'ipv4'} unicast`, `no network ${prefix}`]);
  }

  async disableNeighbor(neighbor: string): Promise<void> {
    await this.configure([`router bgp ${this.config.localAs}`, `neighbor ${neighbor} shutdown`]);
  }

  async refreshNeighbor(neighbor: string): Promise<void> {
    await this.vtysh([`clear bgp ${neighbor} soft in`]);
  }

  /** Every FRR daemon process this instance started (zebra, bgpd, and bfdd when BFD is on). */
  pids(): readonly number[] {
    return runningPids([this.zebra, this.bgpd, this.bfdd]);
  }

  /** bfdd's sessions (`show bfd peers json`); empty when bfdd is not running. */
  async bfdPeers(): Promise<readonly FrrBfdPeer[]> {
    if (!this.bfdd) return [];
    return JSON.parse(await this.vtysh(['show bfd peers json'])) as FrrBfdPeer[];
  }

  async logs(): Promise<string> {
    if (!this.work) return '';
    return [
      await this.work.read('zebra.log'),
      await this.work.read('bgpd.log'),
      await this.work.read('bfdd.log'),
      this.zebra?.log ?? '',
      this.bgpd?.log ?? '',
      this.bfdd?.log ?? '',
    ].join('\n');
  }

  async stop(): Promise<void> {
    await this.bgpd?.stop();
    await this.bfdd?.stop();
    await this.zebra?.stop();
    await this.work?.remove();
    this.bgpd = undefined;
    this.bfdd = undefined;
    this.zebra = undefined;
    this.work = undefined;
  }

  /** vtysh against this instance's vty sockets only, run inside the namespace. */
  async vtysh(commands: readonly string[]): Promise<string> {
    if (!this.work) throw new Error('FRR is not started');
    return this.ns.execOk('vtysh', ['--vty_socket', this.work.dir, ...commands.flatMap((c) => ['-c', c])]);
  }

  private async configure(lines: readonly string[]): Promise<void> {
    const out = await this.vtysh(['configure terminal', ...lines]);
    if (/% |Unknown command/.test(out)) throw new Error(`vtysh configure: ${out}`);
  }

  private async waitVty(daemon: 'zebra' | 'bgpd' | 'bfdd', probe: string): Promise<void> {
    const proc = { zebra: this.zebra, bgpd: this.bgpd, bfdd: this.bfdd }[daemon];
    await waitFor(
      async () => {
        if (!proc?.running) throw new GiveUp(`${daemon} exited: ${proc?.log ?? ''}`);
        if (!this.work) return undefined;
        // `-d` sends the command to this one daemon, so a half-started pair is not mistaken for ready.
        await this.ns.execOk('vtysh', ['--vty_socket', this.work.dir, '-d', daemon, '-c', probe]);
        return true;
      },
      { timeoutMs: 15_000, what: `FRR ${daemon} vty` },
    );
  }

  renderConfig(): string {
    const c = this.config;
    const lines = [
      // datacenter defaults: no 30 s eBGP advertisement interval, quicker timers.
      'frr defaults datacenter',
      `hostname ${c.hostname ?? 'petrel-frr'}`,
      ...this.routeSet.flatMap((r, i) => routeMap(r, i)),
      `router bgp ${c.localAs}`,
      ` bgp router-id ${c.routerId}`,
      ' no bgp ebgp-requires-policy',
      ' no bgp network import-check',
      ' no bgp default ipv4-unicast',
      ...(c.clusterId === undefined ? [] : [` bgp cluster-id ${c.clusterId}`]),
      // RFC 4724 §4.1: the Forwarding State bit, set only when told the forwarding state survived.
      ...(c.restarting === true ? [' bgp graceful-restart preserve-fw-state'] : []),
      ...c.neighbors.flatMap((n, i) => neighborLines(n, i).map((l) => ` ${l}`)),
      ...(['ipv4-unicast', 'ipv6-unicast'] as const).flatMap((family) => this.addressFamily(family)),
    ];
    return `${lines.join('\n')}\n`;
  }

  private hasBfd(): boolean {
    return this.config.neighbors.some((n) => n.bfd !== undefined);
  }

  /** bfdd's config: one profile per neighbor with BFD, named after its index (see neighborLines). */
  renderBfdConfig(): string {
    const lines = [`hostname ${this.config.hostname ?? 'petrel-frr'}`, 'bfd'];
    this.config.neighbors.forEach((n, i) => {
      if (n.bfd === undefined) return;
      lines.push(
        ` profile ${bfdProfileName(i)}`,
        `  receive-interval ${n.bfd.minRxMs}`,
        `  transmit-interval ${n.bfd.minTxMs}`,
        `  detect-multiplier ${n.bfd.multiplier}`,
        ' exit',
      );
    });
    lines.push('exit');
    return `${lines.join('\n')}\n`;
  }

  private addressFamily(family: AddressFamily): string[] {
    const v6 = family === 'ipv6-unicast';
    const neighbors = this.config.neighbors.filter((n) => neighborFamilies(this.config, n).includes(family));
    const networks = this.routeSet.map((r, i) => [r, i] as const).filter(([r]) => isIpv6(r.prefix) === v6);
    if (neighbors.length === 0 && networks.length === 0) return [];
    const body = [
      ...networks.map(([r, i]) => networkLine(r, i)),
      ...neighbors.flatMap((n) => [
        `neighbor ${n.address} activate`,
        ...(n.addPath === 'send' || n.addPath === 'both' ? [`neighbor ${n.address} addpath-tx-all-paths`] : []),
        ...(n.routeReflectorClient ? [`neighbor ${n.address} route-reflector-client`] : []),
      ]),
    ];
    return [` address-family ${v6 ? 'ipv6' : 'ipv4'} unicast`, ...body.map((l) => `  ${l}`), ' exit-address-family'];
  }
}

/** A session as `show bfd peers json` lists it (FRR 8.4; intervals in milliseconds). */
export interface FrrBfdPeer {
  readonly peer: string;
  readonly interface?: string;
  readonly status: string;
  readonly 'receive-interval'?: number;
  readonly 'transmit-interval'?: number;
  readonly 'detect-multiplier'?: number;
}

function bfdProfileName(neighborIndex: number): string {
  return `petrel-${neighborIndex}`;
}

function neighborLines(n: NeighborConfig, index: number): string[] {
  const a = n.address;
  const lines = [`neighbor ${a} remote-as ${n.remoteAs}`];
  if (n.port !== undefined) lines.push(`neighbor ${a} port ${n.port}`);
  if (n.passive) lines.push(`neighbor ${a} passive`);
  if (n.localAddress !== undefined) lines.push(`neighbor ${a} update-source ${n.localAddress}`);
  if (n.password !== undefined) lines.push(`neighbor ${a} password ${n.password}`);
  if (n.multihop !== undefined && n.multihop !== false) lines.push(`neighbor ${a} ebgp-multihop${n.multihop === true ? '' : ` ${n.multihop}`}`);
  if (n.holdTimeSec !== undefined) lines.push(`neighbor ${a} timers ${Math.floor(n.holdTimeSec / 3)} ${n.holdTimeSec}`);
  if (n.connectRetrySec !== undefined) lines.push(`neighbor ${a} timers connect ${n.connectRetrySec}`);
  if (n.delayOpenSec !== undefined) lines.push(`neighbor ${a} timers delayopen ${n.delayOpenSec}`);
  if (restartTimeSec(n) !== undefined) lines.push(`neighbor ${a} graceful-restart`);
  if (n.strictCapabilityMatch) lines.push(`neighbor ${a} strict-capability-match`);
  if (n.bfd !== undefined) lines.push(`neighbor ${a} bfd profile ${bfdProfileName(index)}`);
  return lines;
}

function routeMap(r: StaticRoute, index: number): string[] {
  const sets = [
    ...(r.communities === undefined ? [] : [`set community ${r.communities.join(' ')}`]),
    ...(r.largeCommunities === undefined ? [] : [`set large-community ${r.largeCommunities.join(' ')}`]),
    ...(r.routeTargets === undefined ? [] : [`set extcommunity rt ${r.routeTargets.join(' ')}`]),
    ...(r.med === undefined ? [] : [`set metric ${r.med}`]),
    ...(r.localPref === undefined ? [] : [`set local-preference ${r.localPref}`]),
    ...(r.asPathPrepend === undefined ? [] : [`set as-path prepend ${r.asPathPrepend.join(' ')}`]),
  ];
  if (sets.length === 0) return [];
  return [`route-map originate-${index} permit 10`, ...sets.map((s) => ` ${s}`), 'exit'];
}

function networkLine(r: StaticRoute, index: number): string {
  const hasMap = routeMap(r, index).length > 0;
  return `network ${r.prefix}${hasMap ? ` route-map originate-${index}` : ''}`;
}

interface FrrPathJson {
  readonly aspath?: { readonly string?: string };
  readonly community?: { readonly string?: string };
  readonly largeCommunity?: { readonly string?: string };
  readonly metric?: number;
  readonly locPrf?: number;
  readonly nexthops?: readonly { readonly ip?: string }[];
  readonly peer?: { readonly peerId?: string };
  /** RFC 4456 attributes of a reflected path. */
  readonly originatorId?: string;
  readonly clusterList?: { readonly list?: readonly string[] };
}

/** Parses `show bgp <afi> unicast <prefix> json`: every path FRR holds for one prefix. */
export function parseFrrPrefixDetail(out: string): PeerRoute[] {
  const doc = JSON.parse(out) as { prefix?: string; paths?: readonly FrrPathJson[] };
  const prefix = doc.prefix ?? '';
  return (doc.paths ?? []).map((p) => {
    const from = p.peer?.peerId;
    const clusterList = p.clusterList?.list;
    return {
      prefix,
      nextHop: p.nexthops?.[0]?.ip ?? '',
      asPath: (p.aspath?.string ?? '').split(/\s+/).filter((x) => /^\d+$/.test(x)).map(Number),
      communities: (p.community?.string ?? '').split(/\s+/).filter((x) => x.length > 0),
      largeCommunities: (p.largeCommunity?.string ?? '').split(/\s+/).filter((x) => x.length > 0),
      ...(p.metric === undefined ? {} : { med: p.metric }),
      ...(p.locPrf === undefined ? {} : { localPref: p.locPrf }),
      // A path FRR originates itself has peer 0.0.0.0 (or :: for IPv6).
      ...(from === undefined || from === '0.0.0.0' || from === '::' ? {} : { fromNeighbor: from }),
      ...(p.originatorId === undefined ? {} : { originatorId: p.originatorId }),
      ...(clusterList === undefined ? {} : { clusterList: [...clusterList] }),
    };
  });
}
