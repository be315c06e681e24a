/**
 * BIRD 2 (Debian's `bird2`) and BIRD 1.6 (the line Calico's fork is on, unpacked beside it by
 * scripts/install-peers.sh) as test peers. Each instance runs in the foreground inside a test
 * namespace with its own config, control socket, pid file and log in a private directory; routes
 * to originate are blackhole static routes whose BGP attributes are set by the static protocol's
 * import filter; announce/withdraw rewrite the config and run `birdc configure`.
 *
 * BIRD 1.6 runs each family in its own daemon: a 1.6 peer with IPv6 neighbors is a `bird6`
 * (all neighbors and routes IPv6), otherwise a `bird` (all IPv4).
 */
import { fileURLToPath } from 'node:url';
import type { NetNs } from './netns.js';
import {
  isIpv6,
  neighborFamilies,
  restartTimeSec,
  splitPair,
  type AddressFamily,
  type NeighborConfig,
  type Peer,
  type PeerConfig,
  type PeerRoute,
  type SessionState,
  type StaticRoute,
} from './peer.js';
import { GiveUp, run, runningPids, waitFor, type ManagedProcess } from './process.js';
import { WorkDir } from './workdir.js';

export type BirdVersion = '2' | '1.6';

const BIRD16_DIR = process.env['PETREL_BIRD16_DIR'] ?? fileURLToPath(new URL('../../.peers/bird16/usr/sbin/', import.meta.url));

/** BIRD 1.6 splits by family: `bird6`/`birdc6` carry the IPv6 sessions. */
function binaries(version: BirdVersion, ipv6: boolean): { bird: string; birdc: string } {
  if (version === '2') return { bird: '/usr/sbin/bird', birdc: '/usr/sbin/birdc' };
  return ipv6 ? { bird: `${BIRD16_DIR}bird6`, birdc: `${BIRD16_DIR}birdc6` } : { bird: `${BIRD16_DIR}bird`, birdc: `${BIRD16_DIR}birdc` };
}

/** BIRD protocol names must be symbols: `peer_10_0_0_2`, `peer_fd00__2`, `peer_fe80__2_veth0` (fe80::2%veth0). */
export function birdProtocolName(address: string): string {
  return `peer_${address.replace(/[.:%]/g, '_')}`;
}

export class BirdPeer implements Peer {
  readonly kind;
  private work: WorkDir | undefined;
  private daemon: ManagedProcess | undefined;
  private routeSet: StaticRoute[];
  /** BIRD 1.6 with IPv6 neighbors: the separate bird6 daemon. */
  private readonly ipv6Daemon: boolean;

  constructor(
    readonly ns: NetNs,
    readonly config: PeerConfig,
    readonly version: BirdVersion = '2',
  ) {
    this.kind = version === '2' ? ('bird2' as const) : ('bird16' as const);
    this.routeSet = [...(config.routes ?? [])];
    const v6Neighbors = config.neighbors.filter((n) => isIpv6(n.address)).length;
    // BIRD 1.6 runs one daemon per family: all-IPv6 configs go to bird6, mixed ones cannot run.
    this.ipv6Daemon = version === '1.6' && v6Neighbors > 0;
    const mixed = (v6Neighbors > 0 && v6Neighbors < config.neighbors.length) || this.routeSet.some((r) => isIpv6(r.prefix) !== this.ipv6Daemon);
    if (version === '1.6' && mixed) {
      throw new Error('BIRD 1.6 runs IPv4 (bird) and IPv6 (bird6) as separate daemons: give each its own BirdPeer');
    }
  }

  async start(): Promise<void> {
    this.work = await WorkDir.create(this.kind);
    const conf = await this.work.write('bird.conf', this.renderConfig());
    const { bird } = binaries(this.version, this.ipv6Daemon);
    this.daemon = this.ns.spawn(this.kind, bird, ['-f', ...(this.config.restarting === true ? ['-R'] : []), '-c', conf, '-s', this.work.file('bird.ctl'), '-P', this.work.file('bird.pid')]);
    await waitFor(
      async () => {
        if (!this.daemon?.running) throw new GiveUp(`${this.kind} exited: ${this.daemon?.log ?? ''}`);
        const out = await this.birdc('show status');
        return out.includes('Daemon is up and running') ? true : undefined;
      },
      { timeoutMs: 10_000, what: `${this.kind} control socket` },
    );
  }

  async sessionState(neighbor: string): Promise<SessionState> {
    const out = await this.birdc(`show protocols ${birdProtocolName(neighbor)}`);
    const line = out.split('\n').find((l) => l.startsWith(birdProtocolName(neighbor)));
    if (line === undefined) throw new Error(`${this.kind} has no protocol for ${neighbor}: ${out}`);
    for (const state of ['Established', 'OpenConfirm', 'OpenSent', 'Connect', 'Active'] as const) {
      if (line.includes(state)) return state;
    }
    return 'Idle';
  }

  async waitEstablished(neighbor: string, timeoutMs = 15_000): Promise<void> {
    await waitFor(async () => ((await this.sessionState(neighbor)) === 'Established' ? true : undefined), {
      timeoutMs,
      what: `${this.kind} session with ${neighbor} Established`,
    });
  }

  async routes(family: AddressFamily = 'ipv4-unicast'): Promise<readonly PeerRoute[]> {
    const table = this.version === '2' ? (family === 'ipv4-unicast' ? 'master4' : 'master6') : 'master';
    const out = await this.birdc(`show route table ${table} all`);
    const byProtocol = new Map(this.config.neighbors.map((n) => [birdProtocolName(n.address), n.address]));
    return parseBirdRoutes(out, byProtocol);
  }

  async announce(route: StaticRoute): Promise<void> {
    this.routeSet = [...this.routeSet.filter((r) => r.prefix !== route.prefix), route];
    await this.reconfigure();
  }

  async withdraw(prefix: string): Promise<void> {
    this.routeSet = this.routeSet.filter((r) => r.prefix !== prefix);
    await this.reconfigure();
  }

  async disableNeighbor(neighbor: string): Promise<void> {
    await this.birdcOk(`disable ${birdProtocolName(neighbor)}`, 'disabled');
  }

  async refreshNeighbor(neighbor: string): Promise<void> {
    await this.birdcOk(`reload in ${birdProtocolName(neighbor)}`, 'reload');
  }

  pids(): readonly number[] {
    return runningPids([this.daemon]);
  }

  async logs(): Promise<string> {
    const file = this.work ? await this.work.read('bird.log') : '';
    return `${file}${this.daemon?.log ?? ''}`;
  }

  async stop(): Promise<void> {
    await this.daemon?.stop();
    await this.work?.remove();
    this.daemon = undefined;
    this.work = undefined;
  }

  /** One birdc command; BIRD 2's client takes the command as arguments, as does 1.6's. */
  async birdc(command: string): Promise<string> {
    if (!this.work) throw new Error(`${this.kind} is not started`);
    const r = await run(binaries(this.version, this.ipv6Daemon).birdc, ['-s', this.work.file('bird.ctl'), ...command.split(' ')]);
    if (r.code !== 0) throw new Error(`birdc ${command}: ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  private async birdcOk(command: string, expect: string): Promise<void> {
    const out = await this.birdc(command);
    if (!out.toLowerCase().includes(expect)) throw new Error(`birdc ${command}: ${out}`);
  }

  private async reconfigure(): Promise<void> {
    if (!this.work) throw new Error(`${this.kind} is not started`);
    await this.work.write('bird.conf', this.renderConfig());
    const out = await this.birdc('configure');
    if (!/Reconfigured|Reconfiguration in progress/.test(out)) throw new Error(`birdc configure: ${out}`);
  }

  renderConfig(): string {
    const c = this.config;
    const lines = [
      `router id ${c.routerId};`,
      `log "${this.work?.file('bird.log') ?? 'bird.log'}" all;`,
      'debug protocols { states, events };',
      ...(this.version === '1.6' && (c.listenAddress !== undefined || c.listenPort !== undefined)
        ? [`listen bgp${c.listenAddress === undefined ? '' : ` address ${c.listenAddress}`}${c.listenPort === undefined ? '' : ` port ${c.listenPort}`};`]
        : []),
      'protocol device { scan time 10; }',
      ...this.staticProtocol(false),
      ...(this.version === '2' || this.ipv6Daemon ? this.staticProtocol(true) : []),
      ...this.bfdProtocol(),
      ...c.neighbors.flatMap((n) => this.bgpProtocol(n)),
    ];
    return `${lines.join('\n')}\n`;
  }

  /** BIRD 2's BFD (RFC 5880/5881), which BGP protocols with `bfd on` ask for sessions. */
  private bfdProtocol(): string[] {
    const bfd = this.config.neighbors.find((n) => n.bfd !== undefined)?.bfd;
    if (bfd === undefined) return [];
    if (this.version !== '2') throw new Error('BFD is configured for BIRD 2 only in these tests');
    // RFC 5880 §6.7: BIRD's `authentication` names the types with spaces (`keyed sha1`).
    const auth = bfd.auth === undefined ? '' : ` authentication ${bfd.auth.type.replaceAll('-', ' ')}; password "${bfd.auth.password}" { id ${bfd.auth.keyId}; };`;
    const options = `min rx interval ${bfd.minRxMs} ms; min tx interval ${bfd.minTxMs} ms; multiplier ${bfd.multiplier};${auth}`;
    return [
      'protocol bfd {',
      `  interface "*" { ${options} };`,
      // What a `multihop` BGP neighbor's BFD session runs with (RFC 5883).
      `  multihop { ${options} };`,
      '}',
    ];
  }

  private staticProtocol(ipv6: boolean): string[] {
    const routes = this.routeSet.filter((r) => isIpv6(r.prefix) === ipv6);
    if (routes.length === 0) return [];
    const filter = ['filter {', ...routes.flatMap(birdRouteAttributes), '  accept;', '}'];
    const name = ipv6 ? 'originate6' : 'originate4';
    const importLine = this.version === '2' ? [`${ipv6 ? 'ipv6' : 'ipv4'} { import ${filter.join('\n')}; };`] : [`import ${filter.join('\n')};`];
    return [`protocol static ${name} {`, ...importLine, ...routes.map((r) => `route ${r.prefix} blackhole;`), '}'];
  }

  private bgpProtocol(n: NeighborConfig): string[] {
    const c = this.config;
    const v2 = this.version === '2';
    const port = n.port === undefined ? '' : ` port ${n.port}`;
    const listenPort = v2 && c.listenPort !== undefined ? ` port ${c.listenPort}` : '';
    const body = [
      `local${n.localAddress === undefined ? '' : ` ${n.localAddress}`}${listenPort} as ${c.localAs};`,
      `neighbor ${n.address}${port} as ${n.remoteAs};`,
    ];
    if (n.passive) body.push('passive on;');
    // BIRD 2 has no global listen address: each protocol binds its own local address.
    if (v2 && c.listenAddress !== undefined) body.push('strict bind on;');
    if (n.connectRetrySec !== undefined) {
      const t = n.connectRetrySec;
      body.push(`connect delay time ${t};`, `connect retry time ${t};`, `error wait time ${t},${2 * t};`);
    }
    if (n.holdTimeSec !== undefined) body.push(`hold time ${n.holdTimeSec};`);
    if (n.password !== undefined) body.push(`password "${n.password}";`);
    if (n.multihop !== undefined && n.multihop !== false) body.push(n.multihop === true ? 'multihop;' : `multihop ${n.multihop};`);
    else body.push('direct;');
    const gr = restartTimeSec(n);
    if (gr !== undefined) body.push('graceful restart on;', `graceful restart time ${gr};`);
    if (n.bfd !== undefined) body.push('bfd on;');
    if (n.routeReflectorClient) body.push('rr client;');
    if (n.routeReflectorClient && c.clusterId !== undefined) body.push(`rr cluster id ${c.clusterId};`);
    if (n.extendedMessage && v2) body.push('enable extended messages on;');
    const addPath = n.addPath === undefined ? undefined : { send: 'tx', receive: 'rx', both: 'on' }[n.addPath];
    // Routes learned from a directly connected neighbor resolve through the shared link; there is
    // no IGP table to resolve iBGP next hops recursively in these tests.
    // BIRD refuses `gateway direct` for multihop sessions. Without an IGP route to resolve
    // through (loopback peering has none: BIRD ignores 127/8 and ::1 routes), learned routes
    // stay in the table as unreachable, which is all a test reads.
    const multihop = n.multihop !== undefined && n.multihop !== false;
    const gateway = multihop ? 'gateway recursive;' : 'gateway direct;';
    const channelOptions = ['import all;', 'export all;', gateway, ...(addPath ? [`add paths ${addPath};`] : [])];
    if (v2) {
      for (const family of neighborFamilies(c, n)) body.push(...this.channel(family, channelOptions));
    } else {
      body.push(...channelOptions);
    }
    return [`protocol bgp ${birdProtocolName(n.address)} {`, ...body.map((l) => `  ${l}`), '}'];
  }

  private channel(family: AddressFamily, options: readonly string[]): string[] {
    if (family === 'ipv4-unicast') return ['ipv4 {', ...options.map((o) => `  ${o}`), '};'];
    const v6NextHop = this.routeSet.find((r) => isIpv6(r.prefix) && r.nextHop !== undefined)?.nextHop;
    // RFC 4760 §3: an IPv6 route over an IPv4 session still needs an IPv6 next hop.
    const nh = v6NextHop === undefined ? [] : [`  next hop address ${v6NextHop};`];
    return ['ipv6 {', ...options.map((o) => `  ${o}`), ...nh, '};'];
  }
}

/** Filter statements that give one originated route its BGP attributes. */
function birdRouteAttributes(r: StaticRoute): string[] {
  const sets = [
    ...(r.communities ?? []).map((x) => `bgp_community.add((${splitPair(x).join(',')}));`),
    ...(r.largeCommunities ?? []).map((x) => `bgp_large_community.add((${x.split(':').join(',')}));`),
    ...(r.routeTargets ?? []).map((x) => `bgp_ext_community.add((rt,${splitPair(x).join(',')}));`),
    ...(r.med === undefined ? [] : [`bgp_med = ${r.med};`]),
    ...(r.localPref === undefined ? [] : [`bgp_local_pref = ${r.localPref};`]),
    // BIRD 1.6 cannot prepend to a static route's missing path: start from the empty one.
    ...(r.asPathPrepend === undefined ? [] : ['bgp_path = +empty+;']),
    ...[...(r.asPathPrepend ?? [])].reverse().map((asn) => `bgp_path.prepend(${asn});`),
  ];
  if (sets.length === 0) return [];
  return [`  if net = ${r.prefix} then {`, ...sets.map((s) => `    ${s}`), '  }'];
}

/**
 * Parses `birdc show route all` (BIRD 2 and 1.6 print the same attribute lines): a route line
 * starts with the prefix (or with spaces for another route to the same prefix), then tab-indented
 * `via …` and `BGP.x: …` lines.
 */
export function parseBirdRoutes(out: string, neighborByProtocol: ReadonlyMap<string, string>): PeerRoute[] {
  interface Draft {
    prefix: string;
    protocol: string;
    via?: string;
    attrs: Map<string, string>;
  }
  const drafts: Draft[] = [];
  let prefix = '';
  for (const line of out.split('\n')) {
    const routeLine = /^(\S+)?\s+.*\[(\w+) /.exec(line);
    if (!line.startsWith('\t') && routeLine && !line.startsWith('Table')) {
      prefix = routeLine[1] ?? prefix;
      const via = /\bvia (\S+)/.exec(line)?.[1];
      drafts.push({ prefix, protocol: routeLine[2]!, ...(via === undefined ? {} : { via }), attrs: new Map() });
      continue;
    }
    const current = drafts.at(-1);
    if (!current || !line.startsWith('\t')) continue;
    const via = /^\tvia (\S+)/.exec(line);
    if (via) current.via = via[1]!;
    const attr = /^\tBGP\.(\w+): ?(.*)$/.exec(line);
    if (attr) current.attrs.set(attr[1]!, attr[2]!.trim());
  }
  return drafts.map((d) => {
    const med = d.attrs.get('med');
    const localPref = d.attrs.get('local_pref');
    const from = neighborByProtocol.get(d.protocol);
    const nextHop = d.attrs.get('next_hop')?.split(' ')[0] ?? d.via ?? '';
    const originatorId = d.attrs.get('originator_id');
    const clusterList = d.attrs.get('cluster_list')?.split(/\s+/).filter((x) => x.length > 0);
    return {
      prefix: d.prefix,
      nextHop,
      asPath: (d.attrs.get('as_path') ?? '').split(/\s+/).filter((x) => /^\d+$/.test(x)).map(Number),
      communities: [...(d.attrs.get('community') ?? '').matchAll(/\((\d+),(\d+)\)/g)].map((m) => `${m[1]}:${m[2]}`),
      largeCommunities: [...(d.attrs.get('large_community') ?? '').matchAll(/\((\d+), (\d+), (\d+)\)/g)].map((m) => `${m[1]}:${m[2]}:${m[3]}`),
      ...(med === undefined ? {} : { med: Number(med) }),
      ...(localPref === undefined ? {} : { localPref: Number(localPref) }),
      ...(from === undefined ? {} : { fromNeighbor: from }),
      ...(originatorId === undefined ? {} : { originatorId }),
      ...(clusterList === undefined ? {} : { clusterList }),
    };
  });
}
