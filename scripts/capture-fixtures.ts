/**
 * Regenerates the golden wire fixtures in test/fixtures/wire/<daemon>/ from live sessions with
 * real BIRD 2, BIRD 1.6, GoBGP and FRR (SPEC.md §4). Run as root:
 *
 *   npx tsx scripts/capture-fixtures.ts [bird2 bird16 gobgp frr]
 *
 * Each daemon runs in its own network namespace (test/peers); the recorder (hand-built OPEN,
 * naive length framing, no petrel code) connects from a second namespace, once per scenario, from
 * a different source address so that each scenario is its own neighbor in the daemon's config:
 *   .2 main     iBGP, IPv4+IPv6, graceful restart, extended message: OPEN, KEEPALIVE, UPDATEs,
 *               End-of-RIB, withdrawals, ROUTE-REFRESH, NOTIFICATION Cease (admin shutdown)
 *   .3 as2      eBGP, the recorder without the four-octet AS capability: AS_PATH with AS_TRANS
 *               and AS4_PATH (the daemon's own AS is 4200000001)
 *   .4 addpath  iBGP, the recorder advertises ADD-PATH receive: NLRI with path identifiers
 *   .5 rr       iBGP route-reflector client; .6 rrsrc, another client, announces 10.99.0.0/24
 *               which the daemon reflects to .5 with ORIGINATOR_ID and CLUSTER_LIST
 *   .7 badtype  the recorder sends a message of type 200: the daemon's NOTIFICATION 1/3
 * Every message is written as <scenario>-<what>.hex (annotated one field per line by
 * test/peers/annotate.ts) plus <scenario>-<what>.meta.json (the negotiated codec context).
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { annotateMessage, familyName, formatFixture, type AnnotateContext } from '../test/peers/annotate.js';
import { createPeer, createTwoNamespaces, DAEMON_KINDS, type TwoNamespaces } from '../test/peers/daemons.js';
import { parseHexFixture, WIRE_FIXTURE_DIR } from '../test/peers/fixtures.js';
import type { DaemonKind, NeighborConfig, Peer, PeerConfig, StaticRoute } from '../test/peers/peer.js';
import { caps, IPV4_UNICAST, IPV6_UNICAST, message, MessageType, Recorder, buildUpdate, type RawCapability, type RecordedMessage } from '../test/peers/recorder.js';

const DAEMON_AS = 4200000001;
const DAEMON_ADDRESS = '10.0.0.1';
const CLUSTER_ID = '10.0.0.100';
const CLIENT = { main: '10.0.0.2', as2: '10.0.0.3', addpath: '10.0.0.4', rr: '10.0.0.5', rrsrc: '10.0.0.6', badtype: '10.0.0.7' } as const;
const AS2_PEER_AS = 65003;
const WAIT_MS = 15_000;

const IPV4_ROUTES: readonly StaticRoute[] = [
  {
    prefix: '10.10.1.0/24',
    nextHop: DAEMON_ADDRESS,
    communities: ['65000:1', '65000:2'],
    largeCommunities: ['4200000001:1:2'],
    routeTargets: ['65000:100'],
    med: 50,
    localPref: 200,
  },
  { prefix: '10.10.2.0/24', nextHop: DAEMON_ADDRESS },
  { prefix: '10.10.3.0/24', nextHop: DAEMON_ADDRESS, asPathPrepend: [65010] },
];
const IPV6_ROUTES: readonly StaticRoute[] = [
  { prefix: '2001:db8:10:1::/64', nextHop: 'fd00::1', communities: ['65000:6'], largeCommunities: ['4200000001:6:6'], med: 60 },
  { prefix: '2001:db8:10:2::/64', nextHop: 'fd00::1' },
];
const WITHDRAWN = ['10.10.2.0/24', '2001:db8:10:2::/64'];

function daemonConfig(kind: DaemonKind): PeerConfig {
  const v6 = kind !== 'bird16';
  const ibgp = (address: string, extra: Partial<NeighborConfig> = {}): NeighborConfig => ({
    address,
    remoteAs: DAEMON_AS,
    passive: true,
    holdTimeSec: 90,
    gracefulRestart: true,
    families: ['ipv4-unicast'],
    ...extra,
  });
  return {
    routerId: DAEMON_ADDRESS,
    localAs: DAEMON_AS,
    clusterId: CLUSTER_ID,
    hostname: 'petrel-frr',
    neighbors: [
      ibgp(CLIENT.main, { extendedMessage: true, families: v6 ? ['ipv4-unicast', 'ipv6-unicast'] : ['ipv4-unicast'] }),
      ibgp(CLIENT.as2, { remoteAs: AS2_PEER_AS }),
      ibgp(CLIENT.addpath, { addPath: 'send' }),
      ibgp(CLIENT.rr, { routeReflectorClient: true }),
      ibgp(CLIENT.rrsrc, { routeReflectorClient: true }),
      ibgp(CLIENT.badtype),
    ],
    routes: [...IPV4_ROUTES, ...(v6 ? IPV6_ROUTES : [])],
  };
}

interface Capture {
  readonly name: string;
  readonly message: RecordedMessage;
  readonly ctx: AnnotateContext & { readonly extendedMessage: boolean };
}

/** Capabilities as (code → value list) from an OPEN, read independently of petrel's codec. */
function openCapabilities(open: Buffer): Map<number, Buffer[]> {
  const out = new Map<number, Buffer[]>();
  let offset = 19 + 10;
  const end = 19 + 10 + open.readUInt8(19 + 9);
  while (offset + 2 <= end) {
    const [paramType, paramLength] = [open.readUInt8(offset), open.readUInt8(offset + 1)];
    if (paramType === 2) {
      let c = offset + 2;
      while (c + 2 <= offset + 2 + paramLength) {
        const [code, length] = [open.readUInt8(c), open.readUInt8(c + 1)];
        out.set(code, [...(out.get(code) ?? []), open.subarray(c + 2, c + 2 + length)]);
        c += 2 + length;
      }
    }
    offset += 2 + paramLength;
  }
  return out;
}

/** What both OPENs agree on (RFC 6793 §4, RFC 7911 §4, RFC 8654 §3). */
function negotiated(ours: Buffer, theirs: Buffer): Capture['ctx'] {
  const [a, b] = [openCapabilities(ours), openCapabilities(theirs)];
  const addPathModes = (caps: Map<number, Buffer[]>) => {
    const modes = new Map<string, number>();
    for (const v of caps.get(69) ?? []) {
      for (let i = 0; i + 4 <= v.length; i += 4) modes.set(`${v.readUInt16BE(i)}/${v.readUInt8(i + 2)}`, v.readUInt8(i + 3));
    }
    return modes;
  };
  const [ourModes, theirModes] = [addPathModes(a), addPathModes(b)];
  const addPath: string[] = [];
  for (const [key, name] of [['1/1', 'ipv4-unicast'], ['2/1', 'ipv6-unicast']] as const) {
    // The daemon (theirs) sends path IDs if it may send (2/3) and we may receive (1/3).
    if (((theirModes.get(key) ?? 0) & 2) !== 0 && ((ourModes.get(key) ?? 0) & 1) !== 0) addPath.push(name);
  }
  return { fourOctetAs: a.has(65) && b.has(65), addPath, extendedMessage: a.has(6) && b.has(6) };
}

class Session {
  private constructor(
    readonly recorder: Recorder,
    readonly ctx: Capture['ctx'],
  ) {}

  static async open(ns: TwoNamespaces, peer: Peer, source: string, opts: { myAs: number; capabilities: RawCapability[] }): Promise<Session> {
    const socket = await ns.client.connect({ host: DAEMON_ADDRESS, port: 179, localAddress: source });
    const recorder = new Recorder(socket, { myAs: opts.myAs, routerId: source, holdTimeSec: 90, capabilities: opts.capabilities });
    await recorder.established(WAIT_MS);
    await peer.waitEstablished(source, WAIT_MS);
    return new Session(recorder, negotiated(recorder.sentOpen, recorder.peerOpen!));
  }

  /** Waits for End-of-RIB for each family (RFC 4724 §2); every daemon sends it with GR on. */
  async endOfRib(families: readonly string[]): Promise<void> {
    for (const family of families) {
      await this.recorder.waitFor((m) => annotateMessage(m.bytes, this.ctx).update?.endOfRib === family, WAIT_MS, `End-of-RIB ${family}`);
    }
  }
}

function standardCaps(families: readonly (readonly [number, number])[], extra: RawCapability[] = []): RawCapability[] {
  return [
    ...families.map((f) => caps.multiprotocol(f)),
    caps.routeRefresh(),
    caps.gracefulRestart(120, families),
    ...extra,
  ];
}

/** Names each UPDATE after what it carries: update-ipv4-10.10.1.0-24, eor-ipv6, withdraw-ipv4. */
function updateName(m: RecordedMessage, ctx: AnnotateContext): string {
  const u = annotateMessage(m.bytes, ctx).update;
  if (!u) return 'update-unparsed';
  if (u.endOfRib !== undefined) return `eor-${u.endOfRib.replace('-unicast', '')}`;
  const family = (u.families[0] ?? 'ipv4-unicast').replace('-unicast', '');
  if (u.withdrawn.length > 0 && u.announced.length === 0) return `withdraw-${family}`;
  return `update-${family}-${(u.announced[0] ?? 'none').replace(/:/g, '.').replace('/', '-')}`;
}

function collect(scenario: string, session: Session, fromIndex = 0): Capture[] {
  const out: Capture[] = [];
  const seen = new Set<string>();
  for (const m of session.recorder.messages.slice(fromIndex)) {
    const base =
      m.type === MessageType.UPDATE
        ? updateName(m, session.ctx)
        : m.type === MessageType.NOTIFICATION
          ? `notification-${m.bytes.readUInt8(19)}-${m.bytes.readUInt8(20)}`
          : m.type === MessageType.ROUTE_REFRESH
            ? `route-refresh-${familyName(m.bytes.readUInt16BE(19), m.bytes.readUInt8(22)).replace('-unicast', '')}`
            : ({ 1: 'open', 4: 'keepalive' } as Record<number, string>)[m.type] ?? `type-${m.type}`;
    // Identical messages (repeated KEEPALIVEs, a re-sent UPDATE) are kept once.
    const key = m.bytes.toString('hex');
    if (seen.has(key)) continue;
    seen.add(key);
    let name = `${scenario}-${base}`;
    for (let n = 2; out.some((c) => c.name === name); n += 1) name = `${scenario}-${base}-${n}`;
    out.push({ name, message: m, ctx: session.ctx });
  }
  return out;
}

async function optional<T>(what: string, notes: string[], work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (err) {
    notes.push(`${what}: not captured (${err instanceof Error ? err.message : String(err)})`);
    return undefined;
  }
}

async function captureDaemon(kind: DaemonKind): Promise<{ captures: Capture[]; notes: string[] }> {
  const captures: Capture[] = [];
  const notes: string[] = [];
  const v6 = kind !== 'bird16';
  const ns = await createTwoNamespaces({
    daemonAddresses: [`${DAEMON_ADDRESS}/24`, 'fd00::1/64'],
    clientAddresses: [...Object.values(CLIENT).map((a) => `${a}/24`), 'fd00::2/64'],
  });
  const peer = createPeer(kind, ns.daemon, daemonConfig(kind));
  try {
    await peer.start();
    const families = v6 ? [IPV4_UNICAST, IPV6_UNICAST] : [IPV4_UNICAST];
    const familyNames = v6 ? ['ipv4-unicast', 'ipv6-unicast'] : ['ipv4-unicast'];

    // main: the ordinary iBGP session, then a withdrawal, a ROUTE-REFRESH and a Cease.
    const main = await Session.open(ns, peer, CLIENT.main, {
      myAs: DAEMON_AS,
      capabilities: standardCaps(families, [caps.fourOctetAs(DAEMON_AS), caps.extendedMessage()]),
    });
    await main.endOfRib(familyNames);
    for (const prefix of WITHDRAWN.filter((p) => v6 || !p.includes(':'))) {
      const mark = main.recorder.messages.length;
      await peer.withdraw(prefix);
      await optional(`withdrawal of ${prefix}`, notes, () =>
        main.recorder.waitFor(
          (m) => main.recorder.messages.indexOf(m) >= mark && (annotateMessage(m.bytes, main.ctx).update?.withdrawn.includes(prefix) ?? false),
          WAIT_MS,
          `withdrawal of ${prefix}`,
        ),
      );
    }
    await peer.refreshNeighbor(CLIENT.main);
    await optional('ROUTE-REFRESH', notes, () => main.recorder.waitFor((m) => m.type === MessageType.ROUTE_REFRESH, 3000, 'ROUTE-REFRESH'));
    await peer.disableNeighbor(CLIENT.main);
    await optional('Cease', notes, () => main.recorder.waitFor((m) => m.type === MessageType.NOTIFICATION, WAIT_MS, 'NOTIFICATION Cease'));
    captures.push(...collect('main', main));
    await main.recorder.close();

    // as2: no four-octet AS capability, so AS 4200000001 travels in AS4_PATH (RFC 6793 §4.2.2).
    const as2 = await Session.open(ns, peer, CLIENT.as2, { myAs: AS2_PEER_AS, capabilities: standardCaps([IPV4_UNICAST]) });
    await as2.endOfRib(['ipv4-unicast']);
    captures.push(...collect('as2', as2).filter((c) => !c.name.endsWith('keepalive')));
    await as2.recorder.close();

    // addpath: we receive path identifiers (RFC 7911 §4 mode 1).
    const addpath = await Session.open(ns, peer, CLIENT.addpath, {
      myAs: DAEMON_AS,
      capabilities: standardCaps([IPV4_UNICAST], [caps.fourOctetAs(DAEMON_AS), caps.addPath([[IPV4_UNICAST, 1]])]),
    });
    await addpath.endOfRib(['ipv4-unicast']);
    captures.push(...collect('addpath', addpath).filter((c) => !c.name.endsWith('keepalive')));
    await addpath.recorder.close();

    // rr: client .6 announces a route, the daemon reflects it to client .5 (RFC 4456 §8).
    const ibgpCaps = () => standardCaps([IPV4_UNICAST], [caps.fourOctetAs(DAEMON_AS)]);
    const rr = await Session.open(ns, peer, CLIENT.rr, { myAs: DAEMON_AS, capabilities: ibgpCaps() });
    await rr.endOfRib(['ipv4-unicast']);
    const mark = rr.recorder.messages.length;
    const source = await Session.open(ns, peer, CLIENT.rrsrc, { myAs: DAEMON_AS, capabilities: ibgpCaps() });
    source.recorder.send(buildUpdate({ nlri: ['10.99.0.0/24'], nextHop: CLIENT.rrsrc, asPath: [], localPref: 100 }));
    source.recorder.send(message(MessageType.UPDATE, Buffer.from([0, 0, 0, 0]))); // End-of-RIB
    await optional('reflected route', notes, () =>
      rr.recorder.waitFor((m) => annotateMessage(m.bytes, rr.ctx).update?.announced.includes('10.99.0.0/24') ?? false, WAIT_MS, 'the reflected route'),
    );
    captures.push(...collect('rr', rr, mark).filter((c) => c.name.includes('10.99.0.0')).map((c) => ({ ...c, name: 'rr-update-reflected' })));
    await source.recorder.close();
    await rr.recorder.close();

    // badtype: RFC 4271 §6.1, an unknown message type is a Bad Message Type header error.
    const bad = await Session.open(ns, peer, CLIENT.badtype, { myAs: DAEMON_AS, capabilities: ibgpCaps() });
    const badMark = bad.recorder.messages.length;
    bad.recorder.send(message(200));
    await optional('NOTIFICATION for a bad type', notes, () => bad.recorder.waitFor((m) => m.type === MessageType.NOTIFICATION, WAIT_MS, 'NOTIFICATION'));
    captures.push(...collect('badtype', bad, badMark).filter((c) => c.message.type === MessageType.NOTIFICATION));
    await bad.recorder.close();
  } catch (err) {
    process.stderr.write(`${kind} failed; its log:\n${await peer.logs()}\n`);
    throw err;
  } finally {
    await peer.stop();
    await ns.remove();
  }
  return { captures, notes };
}

async function writeCaptures(kind: DaemonKind, captures: readonly Capture[]): Promise<void> {
  const dir = path.join(WIRE_FIXTURE_DIR, kind);
  await mkdir(dir, { recursive: true });
  for (const file of await readdir(dir)) {
    if (file.endsWith('.hex') || file.endsWith('.meta.json')) await rm(path.join(dir, file));
  }
  for (const c of captures) {
    const annotated = annotateMessage(c.message.bytes, c.ctx);
    const text = formatFixture(annotated.lines, [`${c.name}: captured from ${kind} by scripts/capture-fixtures.ts`]);
    // The annotation must give back the exact bytes it was made from.
    if (!Buffer.from(parseHexFixture(text)).equals(c.message.bytes)) throw new Error(`${kind}/${c.name}: annotation lost bytes`);
    await writeFile(path.join(dir, `${c.name}.hex`), text);
    const meta = { fourOctetAs: c.ctx.fourOctetAs, addPath: c.ctx.addPath, extendedMessage: c.ctx.extendedMessage };
    await writeFile(path.join(dir, `${c.name}.meta.json`), `${JSON.stringify(meta)}\n`);
  }
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const kinds = wanted.length === 0 ? DAEMON_KINDS : DAEMON_KINDS.filter((k) => wanted.includes(k));
  for (const kind of kinds) {
    const { captures, notes } = await captureDaemon(kind);
    await writeCaptures(kind, captures);
    process.stdout.write(`${kind}: ${captures.length} fixtures\n${captures.map((c) => `  ${c.name}`).join('\n')}\n`);
    for (const note of notes) process.stdout.write(`  ! ${note}\n`);
  }
}

await main();
