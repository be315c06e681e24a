/**
 * BIRD's own command-line clients against petrel's BIRD socket: `birdc` and `birdcl` from BIRD 2
 * and `birdc` from BIRD 1.6 (the line calico-node ships), with a petrel daemon running in this
 * process, peering over the host loopback with a real BIRD 1.6 (free high ports, never 179) and
 * with a second peer that refuses connections. What the clients print is what an operator and
 * calico-node's `birdcl` probes see.
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

const BIRDC2 = '/usr/sbin/birdc';
const BIRDCL2 = '/usr/sbin/birdcl';
const BIRDC16 = fileURLToPath(new URL('../../.peers/bird16/usr/sbin/birdc', import.meta.url));

const BIRD_ADDRESS = '127.0.3.1';
const PETREL_ADDRESS = '127.0.3.2';
const DEAD_ADDRESS = '127.0.3.9';

let work: WorkDir;
let bird: Peer;
let daemon: Daemon;
let birdSocket: string;

const client = (binary: string, ...command: string[]) => birdClient(binary, birdSocket, ...command);

beforeAll(async () => {
  work = await WorkDir.create('bird-socket');
  birdSocket = work.file('bird.ctl');
  const birdPort = await freePort(BIRD_ADDRESS);
  const petrelPort = await freePort(PETREL_ADDRESS);
  const deadPort = await freePort(DEAD_ADDRESS);
  bird = createPeer('bird16', NetNs.host(), {
    routerId: '10.3.0.1',
    localAs: 64512,
    listenPort: birdPort,
    listenAddress: BIRD_ADDRESS,
    neighbors: [{ address: PETREL_ADDRESS, remoteAs: 64512, port: petrelPort, localAddress: BIRD_ADDRESS, multihop: true, passive: true }],
    routes: [{ prefix: '10.244.7.0/26' }],
  });
  await bird.start();
  const yaml = `asNumber: 64512
routerId: 10.3.0.2
node: {name: node2, ipv4Address: ${PETREL_ADDRESS}/8}
listen: {address: ${PETREL_ADDRESS}, port: ${petrelPort}}
mesh: {enabled: false}
kernel: {enabled: false}
pools: [{cidr: 10.244.0.0/16, blockSize: 26}]
blocks: [10.244.1.0/26]
control: {socket: ${work.file('petrel.sock')}, birdSocket: ${birdSocket}}
stateDir: ${work.file('state')}
peers:
  - {name: Node_127_0_3_1, address: ${BIRD_ADDRESS}, port: ${birdPort}, asNumber: 64512, sourceAddress: ${PETREL_ADDRESS}, multihop: true, connectDelaySec: 0, connectRetrySec: 1}
  - {name: Global_127_0_3_9, address: ${DEAD_ADDRESS}, port: ${deadPort}, asNumber: 65009, sourceAddress: ${PETREL_ADDRESS}, multihop: true, connectDelaySec: 0, connectRetrySec: 1}
`;
  const configFile = await work.write('petrel.yaml', yaml);
  const loaded = parseConfig(yaml, configFile, processEnvironment());
  if (!loaded.ok) throw new Error(`config: ${JSON.stringify(loaded.errors)}`);
  const logger = silentLogger();
  daemon = await Daemon.start({ configFile, config: loaded.config, logger, backend: new TcpSessionBackend(logger), version: '0.1.0' });
  await waitFor(async () => ((await client(BIRDC2, 'show', 'protocols')).out.includes('Established') ? true : undefined), {
    timeoutMs: 20_000,
    what: 'petrel reporting its BIRD session Established on the BIRD socket',
  });
  await waitFor(async () => ((await client(BIRDC2, 'show', 'route', 'for', '10.244.7.0/26')).out.includes('Node_127_0_3_1') ? true : undefined), {
    timeoutMs: 10_000,
    what: "BIRD's route in petrel's table",
  });
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await bird?.stop();
  await work?.remove();
});

const ROW = protocolRow;

describe("BIRD's clients on petrel's BIRD socket", () => {
  it('BIRD 2 birdc prints the protocol table: pseudo-protocols, the Established BIRD peer, the refused one', async () => {
    const { code, out } = await client(BIRDC2, 'show', 'protocols');
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('BIRD v0.1.0+petrel ready.');
    expect(lines[1]).toBe('name     proto    table    state  since       info');
    expect(lines[2]).toMatch(ROW('device1', 'Device', 'up', ''));
    expect(lines[3]).toMatch(ROW('static1', 'Static', 'up', ''));
    expect(lines[4]).toMatch(ROW('Node_127_0_3_1', 'BGP', 'up', 'Established'));
    expect(lines[5]).toMatch(ROW('Global_127_0_3_9', 'BGP', 'start', 'Active        Socket: Connection refused'));
    expect(lines).toHaveLength(6);
  });

  it("birdcl show status starts with BIRD (calico-node's -bird-live) and shows recovery waiting for the refused peer", async () => {
    const { code, out } = await client(BIRDCL2, 'show', 'status');
    expect(code).toBe(0);
    expect(out.startsWith('BIRD')).toBe(true);
    expect(out).toMatch(
      /^BIRD v0\.1\.0\+petrel ready\.\nBIRD v0\.1\.0\+petrel\nRouter ID is 10\.3\.0\.2\nCurrent server time is \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\nLast reboot on [-\d: ]+\nLast reconfiguration on [-\d: ]+\nGraceful restart recovery in progress\n {2}Waiting for 1 protocols to recover\n {2}Wait timer is \d+\/240\nDaemon is up and running\n$/,
    );
  });

  it('BIRD 1.6 birdc shows the session details calico-node reads', async () => {
    const { code, out } = await client(BIRDC16, 'show', 'protocols', 'all', 'Node_127_0_3_1');
    expect(code).toBe(0);
    expect(out).toContain('  BGP state:          Established\n    Neighbor address: 127.0.3.1\n    Neighbor AS:      64512\n    Neighbor ID:      10.3.0.1\n');
    expect(out).toContain('  Routes:         1 imported, 1 exported, 1 preferred\n');
    expect(out).toContain(`    Source address:   ${PETREL_ADDRESS}\n`);
  });

  it('BIRD 1.6 birdc shows routes: the learned one unreachable over loopback as BIRD does, the block as a static1 blackhole', async () => {
    const { out } = await client(BIRDC16, 'show', 'route');
    expect(out).toMatch(/^10\.244\.7\.0\/26 +unreachable \[Node_127_0_3_1 \d\d:\d\d:\d\d from 127\.0\.3\.1\] \* \(100\/-\) \[i\]$/m);
    expect(out).toMatch(/^10\.244\.1\.0\/26 +blackhole \[static1 \d\d:\d\d:\d\d\] \* \(200\)$/m);
    const detail = await client(BIRDC16, 'show', 'route', 'all', 'for', '10.244.7.9');
    expect(detail.out).toContain('\tType: BGP unicast univ\n\tBGP.origin: IGP\n\tBGP.as_path: \n\tBGP.next_hop: 127.0.3.1\n\tBGP.local_pref: 100\n');
  });

  it('BIRD 2 birdc gets BIRD errors: an unknown protocol (exit 1), a missing network, a refused command', async () => {
    const unknown = await client(BIRDC2, '-v', 'show', 'protocols', 'all', 'nope');
    expect(unknown.out).toBe('0001 BIRD v0.1.0+petrel ready.\n9002 nope is not a protocol\n');
    expect(unknown.code).toBe(1);
    expect((await client(BIRDC2, 'show', 'route', 'for', '192.0.2.1')).out).toContain('Network not in table');
    expect((await client(BIRDC2, 'configure')).out).toContain('Access denied');
  });

  it('serves the socket mode 0660', () => {
    expect(statSync(birdSocket).mode & 0o777).toBe(CONTROL_SOCKET_MODE);
  });
});
