// The restart marker end to end: a daemon with the TCP backend dials a bare TCP peer on loopback,
// which reads petrel's first OPEN and reports the Graceful Restart capability's R and F bits
// (RFC 4724 §3). Cold start → R clear; clean stop and start again → R set; a crash (running
// marker left) → R set; a stop long ago → R clear.
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, type Capability, type OpenMessage } from '../../src/bgp/index.js';
import { parseConfig, processEnvironment } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { TcpSessionBackend } from '../../src/daemon/tcp-backend.js';
import { silentLogger } from '../../src/log.js';
import { waitFor } from '../peers/process.js';
import { WorkDir } from '../peers/workdir.js';
import { freePort } from '../peers/ports.js';

const PETREL_ADDRESS = '127.0.4.1';
const PEER_ADDRESS = '127.0.4.2';

type GracefulRestart = Extract<Capability, { code: 'graceful-restart' }>;

/** A peer that only listens: it keeps the first OPEN of each connection and hangs up. */
class OpenCollector {
  readonly opens: OpenMessage[] = [];
  readonly #server: net.Server;

  private constructor(server: net.Server) {
    this.#server = server;
  }

  static async listen(): Promise<OpenCollector> {
    const server = net.createServer();
    const collector = new OpenCollector(server);
    server.on('connection', (socket) => collector.#read(socket));
    server.listen(0, PEER_ADDRESS);
    await once(server, 'listening');
    return collector;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  #read(socket: net.Socket): void {
    let buffer = Buffer.alloc(0);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 19) return;
      const length = buffer.readUInt16BE(16);
      if (buffer.length < length) return;
      const message = decodeMessage(buffer.subarray(0, length));
      if (message.type === 'open') this.opens.push(message);
      socket.destroy();
    });
  }

  async nextOpen(after: number): Promise<GracefulRestart> {
    const open = await waitFor(() => Promise.resolve(this.opens[after]), { timeoutMs: 10_000, what: "petrel's OPEN" });
    const gr = open.capabilities.find((c): c is GracefulRestart => c.code === 'graceful-restart');
    if (gr === undefined) throw new Error('no Graceful Restart capability in the OPEN');
    return gr;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

let work: WorkDir;
let peer: OpenCollector;
let config: Config;
let configFile: string;

beforeAll(async () => {
  work = await WorkDir.create('restart-marker');
  peer = await OpenCollector.listen();
  const yaml = `asNumber: 64512
node: {name: solo, ipv4Address: ${PETREL_ADDRESS}/8}
listen: {address: ${PETREL_ADDRESS}, port: ${await freePort(PETREL_ADDRESS)}}
mesh: {enabled: false}
kernel: {enabled: false}
gracefulRestart: {restartTimeSec: 120}
control: {socket: ${work.file('petrel.sock')}}
metrics: {listen: ${PETREL_ADDRESS}:${await freePort(PETREL_ADDRESS)}}
stateDir: ${work.file('state')}
reload: {watchFiles: false}
peers:
  - {name: collector, address: ${PEER_ADDRESS}, port: ${peer.port}, asNumber: 64512, sourceAddress: ${PETREL_ADDRESS}, multihop: true, connectDelaySec: 0, connectRetrySec: 30}
`;
  configFile = await work.write('petrel.yaml', yaml);
  const loaded = parseConfig(yaml, configFile, processEnvironment());
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  config = loaded.config;
});

afterAll(async () => {
  await peer?.close();
  await work?.remove();
});

/** Starts a daemon the way `petrel run` does, takes the R and F bits of its first OPEN, and returns the daemon. */
async function startAndReadOpen(): Promise<{ daemon: Daemon; restarting: boolean; forwardingPreserved: boolean | undefined }> {
  const seen = peer.opens.length;
  const logger = silentLogger();
  const daemon = await Daemon.start({ configFile, config, logger, backend: (restarting) => new TcpSessionBackend(logger, restarting), version: '0.1.0' });
  const gr = await peer.nextOpen(seen);
  return { daemon, restarting: gr.restarting, forwardingPreserved: gr.families[0]?.forwardingPreserved };
}

describe('restart marker (stateDir) and the R bit of the first OPEN (RFC 4724 §4.1)', () => {
  it('starts cold on a fresh stateDir (R clear), and comes back restarting after a clean stop (R set)', async () => {
    const cold = await startAndReadOpen();
    expect(cold.restarting).toBe(false);
    // kernel.enabled is false: no forwarding state survives, F stays clear either way.
    expect(cold.forwardingPreserved).toBe(false);
    await cold.daemon.stop();
    expect(await work.read('state/running')).toBe('');
    // The Restart Time the peer was told, which bounds how long it keeps our routes.
    expect(JSON.parse(await work.read('state/stopped'))).toMatchObject({ restartTimes: { [PEER_ADDRESS]: 120 } });

    const again = await startAndReadOpen();
    expect(again.restarting).toBe(true);
    expect(JSON.parse(await work.read('state/running'))).toMatchObject({ pid: process.pid });
    await again.daemon.stop();
  });

  it('comes back restarting after a crash (running marker left behind)', async () => {
    writeFileSync(work.file('state/running'), JSON.stringify({ pid: 999_999, startedAt: new Date(Date.now() - 86_400_000).toISOString() }));
    const crashed = await startAndReadOpen();
    expect(crashed.restarting).toBe(true);
    await crashed.daemon.stop();
  });

  it('starts cold when the last clean stop is older than the restart time', async () => {
    writeFileSync(work.file('state/stopped'), JSON.stringify({ stoppedAt: new Date(Date.now() - 121_000).toISOString() }));
    const late = await startAndReadOpen();
    expect(late.restarting).toBe(false);
    await late.daemon.stop();
  });

  it('judges the restart by the time the peer was told, not the one configured now', async () => {
    // Stopped 100 s ago after telling the peer 90 s: it dropped our routes; 120 s now does not matter.
    writeFileSync(work.file('state/stopped'), JSON.stringify({ stoppedAt: new Date(Date.now() - 100_000).toISOString(), restartTimes: { [PEER_ADDRESS]: 90 } }));
    const told = await startAndReadOpen();
    expect(told.restarting).toBe(false);
    await told.daemon.stop();
  });
});
