/**
 * `control.bird6Socket`: BIRD 1.x Calico ran `bird` and `bird6` side by side, and older calicoctl
 * (`IPv6 BGP status` from bird6.ctl) and calico-node's `-bird6-ready` / `-bird6-live` read the
 * second socket. petrel serves it with bird6's view — IPv6 sessions and IPv6 routes only — while
 * `birdSocket` keeps showing every session and route. Checked with BIRD 1.6's own `birdc6` and
 * BIRD 2's `birdcl`, against a daemon in this process peering over the host loopback with a real
 * BIRD 1.6 `bird` (IPv4, announcing a route) and `bird6` (IPv6, on ::1 at both ends), free high
 * ports, never 179.
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, processEnvironment } from '../../src/config/load.js';
import { CONTROL_SOCKET_MODE } from '../../src/control/unix-socket.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { TcpSessionBackend } from '../../src/daemon/tcp-backend.js';
import { silentLogger } from '../../src/log.js';
import { createPeer } from '../peers/daemons.js';
import { NetNs } from '../peers/netns.js';
import type { Peer } from '../peers/peer.js';
import { waitFor } from '../peers/process.js';
import { WorkDir } from '../peers/workdir.js';
import { freePort } from '../peers/ports.js';
import { birdClient, protocolRow } from './bird-cli.js';

const BIRDCL2 = '/usr/sbin/birdcl';
const BIRDC16 = fileURLToPath(new URL('../../.peers/bird16/usr/sbin/birdc', import.meta.url));
const BIRDC6 = fileURLToPath(new URL('../../.peers/bird16/usr/sbin/birdc6', import.meta.url));

const BIRD_ADDRESS = '127.0.5.1';
const PETREL_ADDRESS = '127.0.5.2';
const BIRD6_ADDRESS = '::1';

let work: WorkDir;
let bird: Peer;
let bird6: Peer;
let daemon: Daemon;
let birdSocket: string;
let bird6Socket: string;

const client = birdClient;

beforeAll(async () => {
  work = await WorkDir.create('bird6-socket');
  birdSocket = work.file('bird.ctl');
  bird6Socket = work.file('bird6.ctl');
  const birdPort = await freePort(BIRD_ADDRESS);
  const bird6Port = await freePort(BIRD6_ADDRESS);
  const petrelPort = await freePort(PETREL_ADDRESS);
  // Both BIRDs wait for petrel to dial (passive), so petrel needs to listen on IPv4 loopback only.
  bird = createPeer('bird16', NetNs.host(), {
    routerId: '10.5.0.1',
    localAs: 64512,
    listenPort: birdPort,
    listenAddress: BIRD_ADDRESS,
    neighbors: [{ address: PETREL_ADDRESS, remoteAs: 64512, port: petrelPort, localAddress: BIRD_ADDRESS, multihop: true, passive: true }],
    routes: [{ prefix: '10.244.7.0/26' }],
  });
  bird6 = createPeer('bird16', NetNs.host(), {
    routerId: '10.5.0.6',
    localAs: 64512,
    listenPort: bird6Port,
    listenAddress: BIRD6_ADDRESS,
    neighbors: [{ address: BIRD6_ADDRESS, remoteAs: 64512, port: petrelPort, localAddress: BIRD6_ADDRESS, multihop: true, passive: true }],
    routes: [],
  });
  await bird.start();
  await bird6.start();
  const yaml = `asNumber: 64512
routerId: 10.5.0.2
node: {name: node2, ipv4Address: ${PETREL_ADDRESS}/8, ipv6Address: fd00:5::2/64}
listen: {address: ${PETREL_ADDRESS}, port: ${petrelPort}}
mesh: {enabled: false}
kernel: {enabled: false}
pools: [{cidr: 10.244.0.0/16, blockSize: 26}, {cidr: 'fd00:10:244::/48', blockSize: 122}]
blocks: [10.244.1.0/26, 'fd00:10:244:1::/122']
control: {socket: ${work.file('petrel.sock')}, birdSocket: ${birdSocket}, bird6Socket: ${bird6Socket}}
stateDir: ${work.file('state')}
metrics: {listen: ${PETREL_ADDRESS}:${await freePort(PETREL_ADDRESS)}}
reload: {watchFiles: false}
peers:
  - {name: Node_127_5_0_1, address: ${BIRD_ADDRESS}, port: ${birdPort}, asNumber: 64512, sourceAddress: ${PETREL_ADDRESS}, multihop: true, connectDelaySec: 0, connectRetrySec: 1}
  - {name: Node___1, address: '${BIRD6_ADDRESS}', port: ${bird6Port}, asNumber: 64512, sourceAddress: '${BIRD6_ADDRESS}', multihop: true, connectDelaySec: 0, connectRetrySec: 1}
`;
  const configFile = await work.write('petrel.yaml', yaml);
  const loaded = parseConfig(yaml, configFile, processEnvironment());
  if (!loaded.ok) throw new Error(`config: ${JSON.stringify(loaded.errors)}`);
  const logger = silentLogger();
  daemon = await Daemon.start({ configFile, config: loaded.config, logger, backend: new TcpSessionBackend(logger), version: '0.1.0' });
  for (const [socket, what] of [
    [birdSocket, 'the IPv4 session'],
    [bird6Socket, 'the IPv6 session'],
  ] as const) {
    await waitFor(async () => ((await client(BIRDCL2, socket, 'show', 'protocols')).out.includes('Established') ? true : undefined), {
      timeoutMs: 20_000,
      what: `${what} Established`,
    });
  }
  await waitFor(async () => ((await client(BIRDCL2, birdSocket, 'show', 'route')).out.includes('10.244.7.0/26') ? true : undefined), {
    timeoutMs: 10_000,
    what: "bird's route in petrel's table",
  });
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await bird6?.stop();
  await bird?.stop();
  await work?.remove();
});

const ROW = protocolRow;

describe("bird6.ctl: bird6's view on a second BIRD socket (control.bird6Socket)", () => {
  it('BIRD 1.6 birdc6 lists the IPv6 session only, beside the pseudo-protocols', async () => {
    const { code, out } = await client(BIRDC6, bird6Socket, 'show', 'protocols');
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('BIRD v0.1.0+petrel ready.');
    expect(lines[1]).toBe('name     proto    table    state  since       info');
    expect(lines[2]).toMatch(ROW('device1', 'Device', 'up', ''));
    expect(lines[3]).toMatch(ROW('static1', 'Static', 'up', ''));
    expect(lines[4]).toMatch(ROW('Node___1', 'BGP', 'up', 'Established'));
    expect(lines).toHaveLength(5);
  });

  it('bird.ctl becomes BIRD 1.x bird\u2019s IPv4 view beside bird6.ctl, as old calicoctl reads the two', async () => {
    const { out } = await client(BIRDC16, birdSocket, 'show', 'protocols');
    expect(out).toMatch(/^Node_127_5_0_1 +BGP +master +up .*Established/m);
    expect(out).not.toMatch(/Node___1/);
  });

  it("birdc6 shows IPv6 routes only (petrel's IPv6 block as a static1 blackhole), bird.ctl IPv4 only", async () => {
    const { out } = await client(BIRDC6, bird6Socket, 'show', 'route');
    expect(out).toMatch(/^fd00:10:244:1::\/122 +blackhole \[static1 \d\d:\d\d:\d\d\] \* \(200\)$/m);
    expect(out).not.toMatch(/10\.244\./);
    expect((await client(BIRDC6, bird6Socket, 'show', 'route', 'for', '10.244.7.9')).out).toContain('Network not in table');
    expect((await client(BIRDC6, bird6Socket, 'show', 'route', 'protocol', 'Node_127_5_0_1')).out).toContain('Node_127_5_0_1 is not a protocol');
    const v4 = await client(BIRDC16, birdSocket, 'show', 'route');
    expect(v4.out).toMatch(/^10\.244\.7\.0\/26 +unreachable \[Node_127_5_0_1 /m);
    expect(v4.out).toMatch(/^10\.244\.1\.0\/26 +blackhole \[static1 /m);
    expect(v4.out).not.toMatch(/fd00:/);
  });

  it('an IPv4 session is no protocol of bird6', async () => {
    const r = await client(BIRDC6, bird6Socket, 'show', 'protocols', 'all', 'Node_127_5_0_1');
    expect(r.out).toContain('Node_127_5_0_1 is not a protocol');
    const detail = await client(BIRDC6, bird6Socket, 'show', 'protocols', 'all', 'Node___1');
    expect(detail.out).toContain('  BGP state:          Established\n    Neighbor address: ::1\n    Neighbor AS:      64512\n    Neighbor ID:      10.5.0.6\n');
  });

  it("birdcl show status on bird6.ctl starts with BIRD (calico-node's -bird6-live), recovery over once its session is up", async () => {
    const { code, out } = await client(BIRDCL2, bird6Socket, 'show', 'status');
    expect(code).toBe(0);
    expect(out).toMatch(/^BIRD v0\.1\.0\+petrel ready\.\nBIRD v0\.1\.0\+petrel\nRouter ID is 10\.5\.0\.2\n/);
    expect(out).not.toContain('Graceful restart recovery');
    expect(out).toMatch(/Daemon is up and running\n$/);
  });

  it('serves bird6.ctl mode 0660 too', () => {
    expect(statSync(bird6Socket).mode & 0o777).toBe(CONTROL_SOCKET_MODE);
  });
});
