/**
 * petrel's BIRD socket read by Calico's own parsing rules, re-implemented here from their source
 * (read, not copied): calicoctl `node status` (calicoctl/commands/node/status.go `scanBIRDPeers`,
 * `unmarshalBIRD`), calico-node's readiness probe (node/pkg/health/bird/bird.go `GetPeers`,
 * `GRInProgress`; health.go `checkBIRDReady`) and its CalicoNodeStatus populators
 * (node/pkg/status/populators: bird_status.go, peers.go with `show protocols all NAME` on the same
 * connection, route.go's regular expressions). Each reader talks to a real BirdControlServer over
 * its Unix socket the way the Go code does: one connection, a command, lines until its end mark.
 * Also here: the server's own socket behaviour (mode, pipelining, limits, streaming, quit).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BirdControlServer, MAX_COMMAND_BYTES } from '../../src/control/bird/server.js';
import type { BirdCliSource } from '../../src/control/bird/source.js';
import { CONTROL_SOCKET_MODE } from '../../src/control/unix-socket.js';
import { silentLogger } from '../../src/log.js';
import { at, BirdFixture, peer } from './bird-fixture.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

async function serve(source: BirdCliSource): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'petrel-bird-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const socketPath = path.join(dir, 'bird.ctl');
  const server = new BirdControlServer({ path: socketPath, source, logger: silentLogger() });
  await server.listen();
  cleanups.push(() => server.close());
  return socketPath;
}

/** A line reader over one connection, like Go's bufio.Scanner on a net.Conn. */
class Conn {
  readonly #socket: net.Socket;
  readonly #lines: string[] = [];
  #partial = '';
  #waiter: (() => void) | undefined;
  #closed = false;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const parts = (this.#partial + chunk).split('\n');
      this.#partial = parts.pop()!;
      this.#lines.push(...parts);
      this.#waiter?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#waiter?.();
    });
  }

  static async open(socketPath: string): Promise<Conn> {
    const socket = net.connect(socketPath);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const conn = new Conn(socket);
    cleanups.push(() => conn.close());
    return conn;
  }

  write(text: string): void {
    this.#socket.write(text);
  }

  /** The next line, or undefined at end of stream (Scan() false). */
  async next(): Promise<string | undefined> {
    while (this.#lines.length === 0) {
      if (this.#closed) return undefined;
      await new Promise<void>((resolve) => (this.#waiter = resolve));
      this.#waiter = undefined;
    }
    return this.#lines.shift();
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#socket.destroy();
  }
}

// --- The Go readers, rule for rule ---------------------------------------------------------

const BGP_PEER_NAME = /^(Global|Node|Mesh)_(.+)$/;
const PEER_TYPE: Readonly<Record<string, string>> = { Global: 'global', Mesh: 'node-to-node mesh', Node: 'node specific' };
const EXPECTED_HEADINGS = ['name', 'proto', 'table', 'state', 'since', 'info'];

interface CalicoPeer {
  peerIP: string;
  peerType: string;
  state: string;
  since: string;
  bgpState: string;
  info: string;
}

function fields(s: string): string[] {
  return s.split(/\s+/).filter((f) => f !== '');
}

/** health/bird.go `unmarshalBIRD`: ≥ 6 columns, proto BGP, a Calico name; IPv4 if it parses as one. */
function unmarshalPeer(row: string): CalicoPeer | undefined {
  const columns = fields(row);
  if (columns.length < 6 || columns[1] !== 'BGP') return undefined;
  const m = BGP_PEER_NAME.exec(columns[0]!);
  if (!m) return undefined;
  const v4 = m[2]!.replaceAll('_', '.');
  const peerIP = net.isIPv4(v4) ? v4 : m[2]!.replaceAll('_', ':');
  const peerType = PEER_TYPE[m[1]!];
  if (peerType === undefined) return undefined;
  return { peerIP, peerType, state: columns[3]!, since: columns[4]!, bgpState: columns[5]!, info: columns.slice(6).join(' ') };
}

/** health/bird.go `scanBIRDPeers` after `show protocols`, filtered to one family. */
async function scanPeers(conn: Conn, ipv: '4' | '6'): Promise<CalicoPeer[]> {
  const peers: CalicoPeer[] = [];
  let s: string | undefined;
  while ((s = await conn.next()) !== undefined) {
    if (s.startsWith('0000')) break;
    else if (s.startsWith('0001')) continue;
    else if (s.startsWith('2002')) {
      if (fields(s.slice(5).toLowerCase()).join(' ') !== EXPECTED_HEADINGS.join(' ')) throw new Error('unknown BIRD table output format');
    } else if (s.startsWith('1002')) {
      const p = unmarshalPeer(s.slice(5));
      if (p) peers.push(p);
    } else if (s.startsWith(' ')) {
      const p = unmarshalPeer(s.slice(1));
      if (p) peers.push(p);
    } else throw new Error(`unexpected output line from BIRD: '${s}'`);
  }
  return peers.filter((p) => p.peerIP.includes(':') === (ipv === '6'));
}

async function getPeers(socketPath: string, ipv: '4' | '6'): Promise<CalicoPeer[]> {
  const conn = await Conn.open(socketPath);
  conn.write('show protocols\n');
  return scanPeers(conn, ipv);
}

/** health/bird.go `GRInProgress`. */
async function grInProgress(socketPath: string): Promise<boolean> {
  const conn = await Conn.open(socketPath);
  conn.write('show status\n');
  let s: string | undefined;
  while ((s = await conn.next()) !== undefined) {
    if (s.startsWith('0013')) break;
    if (s.startsWith('0024')) return true;
    if (!(s.startsWith('0001') || s.startsWith('1000') || s.startsWith('1011') || s.startsWith(' '))) throw new Error(`unexpected output line from BIRD: '${s}'`);
  }
  return false;
}

/** health.go `checkBIRDReady`: during startup every peer must be up and no GR running; later one is enough. */
async function checkBirdReady(socketPath: string, ipv: '4' | '6', startingUp: boolean): Promise<string | undefined> {
  const peers = await getPeers(socketPath, ipv);
  const down = peers.filter((p) => p.bgpState !== 'Established').map((p) => p.peerIP);
  const established = peers.length - down.length;
  if (peers.length === 0) return undefined;
  if (startingUp) {
    if (down.length > 0) return `BGP not established with ${down.join(',')}`;
    return (await grInProgress(socketPath)) ? 'graceful restart in progress' : undefined;
  }
  return established > 0 ? undefined : `BGP not established with ${down.join(',')}`;
}

/** populators/bird_status.go `scanBIRDStatus`. */
async function birdStatus(conn: Conn): Promise<Record<string, string | boolean>> {
  const status: Record<string, string | boolean> = { ready: false };
  const take = (l: string): void => {
    if (l.includes('BIRD') && l.includes('ready')) status['ready'] = true;
    else if (l.startsWith('BIRD v')) status['version'] = l.slice('BIRD '.length);
    else
      for (const [key, label] of [
        ['routerID', 'Router ID is '],
        ['serverTime', 'Current server time is '],
        ['lastBootTime', 'Last reboot on '],
        ['lastReconfigTime', 'Last reconfiguration on '],
      ] as const)
        if (l.startsWith(label)) status[key] = l.slice(label.length);
  };
  let s: string | undefined;
  while ((s = await conn.next()) !== undefined) {
    if (s.startsWith('0013')) break;
    if (s.startsWith('0001') || s.startsWith('1000') || s.startsWith('1011')) take(s.slice(5));
    else if (s.startsWith(' ')) take(s.slice(1));
    else break;
  }
  return status;
}

/** populators/peers.go `complete`: `show protocols all NAME`, `BGP state:` and `Neighbor address:`. */
async function completePeer(conn: Conn, session: string): Promise<{ bgpState?: string; peerIP?: string }> {
  conn.write(`show protocols all ${session}\n`);
  const out: { bgpState?: string; peerIP?: string } = {};
  const value = (l: string, key: string): string | undefined => (l.includes(key) ? l.replaceAll(key, ' ').trim() : undefined);
  let s: string | undefined;
  while ((s = await conn.next()) !== undefined) {
    if (s.startsWith('0000')) break;
    const state = value(s, 'BGP state:');
    const address = value(s, 'Neighbor address:');
    if (state !== undefined) out.bgpState = state;
    else if (address !== undefined) out.peerIP = address;
  }
  return out;
}

/** populators/route.go's expressions and `scanBIRDRoutes`. */
const VIA = /(\S*)\s*via\s(\S*)\s*on\s(.*)\s\[(\S*)\s.*\].*/;
const DEV = /(\S*)\s*dev\s(.*)\s\[(\S*)\s.*\].*/;
const BLACKHOLE = /(\S*)\s*blackhole\s\[(\S*)\s.*\].*/;
const UNREACHABLE = /(\S*)\s*unreachable\s\[(\S*)\s.*\].*/;

interface CalicoRoute {
  dest: string;
  gateway: string;
  iface: string;
  learnedFrom: string;
  primary: boolean;
}

function unmarshalRoute(l: string, previousDest: string): CalicoRoute | undefined {
  let m: RegExpExecArray | null;
  let r: CalicoRoute | undefined;
  if (l.includes(' via ') && (m = VIA.exec(l))) r = { dest: m[1]!, gateway: m[2]!, iface: m[3]!, learnedFrom: m[4]!, primary: false };
  else if (l.includes(' dev ') && (m = DEV.exec(l))) r = { dest: m[1]!, gateway: 'N/A', iface: m[2]!, learnedFrom: m[3]!, primary: false };
  else if (l.includes(' blackhole ') && (m = BLACKHOLE.exec(l))) r = { dest: m[1]!, gateway: 'N/A', iface: 'blackhole', learnedFrom: m[2]!, primary: false };
  else if (l.includes(' unreachable ') && (m = UNREACHABLE.exec(l))) r = { dest: m[1]!, gateway: 'N/A', iface: 'unreachable', learnedFrom: m[2]!, primary: false };
  if (!r) return undefined;
  if (r.dest === '') {
    if (previousDest === '') return undefined;
    r.dest = previousDest;
  }
  r.primary = l.includes('] *');
  return r;
}

async function scanRoutes(socketPath: string): Promise<CalicoRoute[]> {
  const conn = await Conn.open(socketPath);
  conn.write('show route\n');
  const routes: CalicoRoute[] = [];
  let previous = '';
  let s: string | undefined;
  while ((s = await conn.next()) !== undefined) {
    if (s.startsWith('0000')) break;
    if (s.startsWith('0001')) continue;
    let body: string;
    if (s.startsWith('1007')) body = s.slice(5);
    else if (s.startsWith(' ')) body = s.slice(1);
    else throw new Error(`unexpected output line from BIRD: ${s}`);
    const r = unmarshalRoute(body, previous);
    if (r) {
      routes.push(r);
      previous = r.dest;
    }
  }
  return routes;
}

// --- Tests ---------------------------------------------------------------------------------

function clusterFixture(): BirdFixture {
  return new BirdFixture({
    now: at(9, 40, 0),
    peers: [
      peer({ name: 'Mesh_10_0_0_2', address: '10.0.0.2', routerId: '10.0.0.2', localAddress: '10.0.0.1', since: at(9, 35, 35) }),
      peer({ name: 'Node_10_0_0_3', address: '10.0.0.3', state: 'Active', lastError: 'connect: connect ECONNREFUSED 10.0.0.3:179', since: at(9, 34, 47) }),
      peer({ name: 'Global_10_0_0_254', address: '10.0.0.254', asNumber: 65001, internal: false, state: 'Established', since: at(9, 35, 40) }),
      peer({ name: 'Mesh_fd00__2', address: 'fd00::2', state: 'Active', passive: true, since: at(9, 34, 47) }),
      peer({ name: 'tor_plain', address: '10.0.0.9', since: at(9, 34, 47) }),
    ],
    interfaces: { '10.0.0.2': 'eth0', '10.0.0.254': 'eth0' },
  });
}

describe("calicoctl node status and calico-node's readiness probe", () => {
  it('finds Established peers, their type from the name prefix and address from the name, by family', async () => {
    const socketPath = await serve(clusterFixture());
    const v4 = await getPeers(socketPath, '4');
    expect(v4).toEqual([
      { peerIP: '10.0.0.2', peerType: 'node-to-node mesh', state: 'up', since: '09:35:35', bgpState: 'Established', info: '' },
      { peerIP: '10.0.0.3', peerType: 'node specific', state: 'start', since: '09:34:47', bgpState: 'Active', info: 'Socket: Connection refused' },
      { peerIP: '10.0.0.254', peerType: 'global', state: 'up', since: '09:35:40', bgpState: 'Established', info: '' },
    ]);
    const v6 = await getPeers(socketPath, '6');
    expect(v6).toEqual([{ peerIP: 'fd00::2', peerType: 'node-to-node mesh', state: 'start', since: '09:34:47', bgpState: 'Passive', info: '' }]);
  });

  it('is not ready while starting up with a peer down, ready later with one Established', async () => {
    const socketPath = await serve(clusterFixture());
    expect(await checkBirdReady(socketPath, '4', true)).toBe('BGP not established with 10.0.0.3');
    expect(await checkBirdReady(socketPath, '4', false)).toBeUndefined();
  });

  it('detects graceful restart in progress from the 0024 block, and its end', async () => {
    const source = new BirdFixture({ peers: [peer({ name: 'Mesh_10_0_0_2', address: '10.0.0.2' })], recovery: { waiting: 1, remainingSec: 215, waitSec: 240 } });
    const socketPath = await serve(source);
    expect(await grInProgress(socketPath)).toBe(true);
    expect(await checkBirdReady(socketPath, '4', true)).toBe('graceful restart in progress');
    source.recoveryStatus = undefined;
    expect(await grInProgress(socketPath)).toBe(false);
    expect(await checkBirdReady(socketPath, '4', true)).toBeUndefined();
  });
});

describe('CalicoNodeStatus populators', () => {
  it('reads ready, version, router ID and the times from show status', async () => {
    const conn = await Conn.open(await serve(clusterFixture()));
    conn.write('show status\n');
    expect(await birdStatus(conn)).toEqual({
      ready: true,
      version: 'v0.1.0+petrel',
      routerID: '10.0.0.1',
      serverTime: '2026-11-26 09:40:00',
      lastBootTime: '2026-11-26 09:34:47',
      lastReconfigTime: '2026-11-26 09:34:47',
    });
  });

  it('completes every peer with show protocols all NAME on the same connection', async () => {
    const conn = await Conn.open(await serve(clusterFixture()));
    conn.write('show protocols\n');
    const rows = await scanPeers(conn, '4');
    const sessions = ['Mesh_10_0_0_2', 'Node_10_0_0_3', 'Global_10_0_0_254'];
    expect(rows.map((r) => r.peerIP)).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.254']);
    const details = [];
    for (const s of sessions) details.push(await completePeer(conn, s));
    expect(details).toEqual([
      { bgpState: 'Established', peerIP: '10.0.0.2' },
      { bgpState: 'Active', peerIP: '10.0.0.3' },
      { bgpState: 'Established', peerIP: '10.0.0.254' },
    ]);
  });

  it('parses show route into FIB and RIB routes with their gateway, interface and source protocol', async () => {
    const source = clusterFixture();
    const [mesh, , global] = source.peerList;
    source.learn('10.244.7.0/26', mesh!);
    source.learn('10.244.7.0/26', global!, { nextHops: ['10.0.0.254'] }, [65001]);
    source.learn('10.244.9.0/26', source.peerList[1]!);
    source.originate('10.244.1.0/26');
    source.kernelRoute('10.244.1.5/32', 'cali0123456789a');
    const routes = await scanRoutes(await serve(source));
    expect(routes).toEqual(
      expect.arrayContaining([
        { dest: '10.244.7.0/26', gateway: '10.0.0.2', iface: 'eth0', learnedFrom: 'Mesh_10_0_0_2', primary: true },
        { dest: '10.244.7.0/26', gateway: '10.0.0.254', iface: 'eth0', learnedFrom: 'Global_10_0_0_254', primary: false },
        { dest: '10.244.9.0/26', gateway: 'N/A', iface: 'unreachable', learnedFrom: 'Node_10_0_0_3', primary: true },
        { dest: '10.244.1.0/26', gateway: 'N/A', iface: 'blackhole', learnedFrom: 'static1', primary: true },
        { dest: '10.244.1.5/32', gateway: 'N/A', iface: 'cali0123456789a', learnedFrom: 'kernel1', primary: true },
      ]),
    );
    expect(routes).toHaveLength(5);
  });
});

describe('the BIRD socket itself', () => {
  it('is created mode 0660 and greets each connection with 0001 … ready.', async () => {
    const socketPath = await serve(new BirdFixture());
    expect(statSync(socketPath).mode & 0o777).toBe(CONTROL_SOCKET_MODE);
    const conn = await Conn.open(socketPath);
    expect(await conn.next()).toBe('0001 BIRD v0.1.0+petrel ready.');
  });

  it('answers pipelined commands in order, refuses an overlong line with 9000 and closes on quit', async () => {
    const conn = await Conn.open(await serve(new BirdFixture()));
    conn.write(`show route for 1.2.3.4\nbogus\n${'x'.repeat(MAX_COMMAND_BYTES + 10)}\nshow route\nquit\nshow status\n`);
    const lines: string[] = [];
    let l: string | undefined;
    while ((l = await conn.next()) !== undefined) lines.push(l);
    expect(lines).toEqual(['0001 BIRD v0.1.0+petrel ready.', '8001 Network not in table', '9001 syntax error', '9000 Command too long', '0000 ']);
    expect(conn.closed).toBe(true);
  });

  it('streams a large show route whole, in order, to a client that reads slowly', async () => {
    const source = new BirdFixture();
    const p = peer({ name: 'Mesh_10_0_0_2', address: '10.0.0.2' });
    source.peerList = [p];
    const count = 20_000;
    for (let i = 0; i < count; i++) source.learn(`10.${(i >> 8) & 0xff}.${i & 0xff}.0/24`, p);
    const socketPath = await serve(source);
    const socket = net.connect(socketPath);
    cleanups.push(() => void socket.destroy());
    socket.on('connect', () => socket.write('show route\n'));
    let text = '';
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        // Read one chunk at a time on later turns of the event loop: the server must wait for drain.
        socket.pause();
        setImmediate(() => socket.resume());
        if (text.endsWith('0000 \n')) resolve();
      });
    });
    const lines = text.slice(0, -1).split('\n');
    expect(lines[0]).toBe('0001 BIRD v0.1.0+petrel ready.');
    expect(lines[1]).toMatch(/^1007-10\.0\.0\.0\/24 /);
    expect(lines.filter((l) => l.startsWith(' 10.'))).toHaveLength(count - 1);
    expect(lines.at(-1)).toBe('0000 ');
  });

  it('refuses to start on a socket another daemon answers on, and replaces a stale file', async () => {
    const socketPath = await serve(new BirdFixture());
    const second = new BirdControlServer({ path: socketPath, source: new BirdFixture(), logger: silentLogger() });
    await expect(second.listen()).rejects.toThrow(/in use by another running daemon/);

    const dir = mkdtempSync(path.join(tmpdir(), 'petrel-bird-stale-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const stalePath = path.join(dir, 'bird.ctl');
    // A daemon killed while listening leaves its socket file with nobody behind it.
    const crash = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stalePath)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(crash.signal).toBe('SIGKILL');
    expect(statSync(stalePath).isSocket()).toBe(true);
    const fresh = new BirdControlServer({ path: stalePath, source: new BirdFixture(), logger: silentLogger() });
    await fresh.listen();
    cleanups.push(() => fresh.close());
    const conn = await Conn.open(stalePath);
    expect(await conn.next()).toBe('0001 BIRD v0.1.0+petrel ready.');
  });
});
