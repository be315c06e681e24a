// Prometheus metrics scraped over HTTP from two in-process daemons peering over in-memory
// sessions (SPEC §2): names, labels and values, checked against what the sessions really carried.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MsgType } from '../../src/bgp/constants.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { silentLogger } from '../../src/log.js';
import type { LoadResult } from '../../src/config/load.js';
import { parseExposition, sampleValue, type Sample } from './exposition.js';
import { config, MemoryNetwork, until } from './harness.js';
import type { MemorySession } from './memory-session.js';

const value = sampleValue;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sentOfType = (end: MemorySession, type: number): number => end.sentRaw.filter((m) => m[18] === type).length;

function nodeYaml(o: { name: string; address: string; peer: string; peerName: string; block: string; dir: string; metricsPort: number }): string {
  return `asNumber: 64512
node: {name: ${o.name}, ipv4Address: ${o.address}/24}
mesh: {enabled: false}
kernel: {enabled: false}
pools: [{cidr: 10.244.0.0/16, blockSize: 26}]
blocks: [${o.block}]
peers: [{name: ${o.peerName}, address: ${o.peer}, asNumber: 64512}]
control: {socket: ${o.dir}/${o.name}.sock}
stateDir: ${o.dir}
metrics: {listen: 127.0.0.1:${o.metricsPort}}
`;
}

let dir: string;
let network: MemoryNetwork;
let a: Daemon;
let b: Daemon;
let aUrl: string;
let bUrl: string;
/** What the next `reload()` of node A reads. */
let nextLoad: LoadResult;

async function scrape(url: string): Promise<Sample[]> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return parseExposition(await response.text());
}

/**
 * The two daemons peering, each with its endpoint on a port the kernel just called free. Between
 * `freePort` and the daemon's bind another process on the machine may take that port (an outgoing
 * connection's ephemeral port, under a loaded suite); the daemon then runs without metrics by
 * design, so the whole pair starts again on fresh ports and a fresh network.
 */
async function startPair(): Promise<{ a: Daemon; b: Daemon; network: MemoryNetwork }> {
  for (let attempt = 1; ; attempt++) {
    const pair = new MemoryNetwork();
    const [pa, pb] = [await freePort(), await freePort()];
    const aConfig = config(nodeYaml({ name: 'node-a', address: '10.0.0.1', peer: '10.0.0.2', peerName: 'b', block: '10.244.1.0/26', dir, metricsPort: pa }));
    nextLoad = { ok: true, config: aConfig };
    const da = await Daemon.start({ configFile: 'a.yaml', config: aConfig, logger: silentLogger(), backend: pair.backend('10.0.0.1'), load: () => nextLoad });
    const bConfig = config(nodeYaml({ name: 'node-b', address: '10.0.0.2', peer: '10.0.0.1', peerName: 'a', block: '10.244.2.0/26', dir, metricsPort: pb }));
    const db = await Daemon.start({ configFile: 'b.yaml', config: bConfig, logger: silentLogger(), backend: pair.backend('10.0.0.2') });
    if (da.metricsAddress?.port === pa && db.metricsAddress?.port === pb) return { a: da, b: db, network: pair };
    await da.stop();
    await db.stop();
    if (attempt === 5) throw new Error(`metrics endpoints could not bind in ${attempt} attempts`);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'petrel-metrics-'));
  ({ a, b, network } = await startPair());
  aUrl = `http://127.0.0.1:${a.metricsAddress!.port}/metrics`;
  bUrl = `http://127.0.0.1:${b.metricsAddress!.port}/metrics`;
  await until(() => a.speaker.peers()[0]?.prefixesReceived === 1 && b.speaker.peers()[0]?.prefixesReceived === 1);
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('metrics endpoint (SPEC §2)', () => {
  it('listens where metrics.listen says, on loopback', () => {
    expect(a.metricsAddress).toMatchObject({ address: '127.0.0.1' });
  });

  it('exports session state, prefixes and uptime per peer', async () => {
    const samples = await scrape(aUrl);
    expect(value(samples, 'petrel_bgp_session_state', { peer: 'b' })).toBe(6);
    expect(value(samples, 'petrel_bgp_prefixes_received', { peer: 'b' })).toBe(1);
    expect(value(samples, 'petrel_bgp_prefixes_accepted', { peer: 'b' })).toBe(1);
    expect(value(samples, 'petrel_bgp_prefixes_advertised', { peer: 'b' })).toBe(1);
    expect(value(samples, 'petrel_bgp_established_transitions_total', { peer: 'b' })).toBe(1);
    expect(value(samples, 'petrel_bgp_session_uptime_seconds', { peer: 'b' })).toBeGreaterThanOrEqual(0);
    expect(value(samples, 'petrel_rib_prefixes', { table: 'loc-rib' })).toBe(2);
    expect(value(samples, 'petrel_rib_prefixes', { table: 'adj-rib-in' })).toBe(1);
    expect(value(samples, 'petrel_rib_prefixes', { table: 'adj-rib-out' })).toBe(1);
    expect(samples.filter((s) => s.name === 'petrel_update_group_queue_depth').map((s) => s.value)).toEqual([0]);
  });

  it('counts messages per peer, direction and type as the sessions carried them', async () => {
    const samples = await scrape(aUrl);
    const toB = network.end('10.0.0.1', '10.0.0.2')!;
    const fromB = network.end('10.0.0.2', '10.0.0.1')!;
    // The block and an End-of-RIB per family, each way.
    expect(sentOfType(toB, MsgType.UPDATE)).toBe(3);
    expect(value(samples, 'petrel_bgp_messages_total', { peer: 'b', direction: 'sent', type: 'update' })).toBe(sentOfType(toB, MsgType.UPDATE));
    expect(value(samples, 'petrel_bgp_messages_total', { peer: 'b', direction: 'received', type: 'update' })).toBe(sentOfType(fromB, MsgType.UPDATE));
    expect(value(samples, 'petrel_bgp_messages_total', { peer: 'b', direction: 'received', type: 'notification' })).toBe(0);
    expect(value(samples, 'petrel_bgp_messages_total', { peer: 'b', direction: 'received', type: 'route-refresh' })).toBe(0);
    // In-memory sessions skip the OPEN exchange; real ones count it (session-messages.test.ts).
    expect(value(samples, 'petrel_bgp_messages_total', { peer: 'b', direction: 'sent', type: 'keepalive' })).toBe(0);
  });

  it('exports process metrics with the petrel_ prefix and no kernel metrics on a speaker without a kernel', async () => {
    const samples = await scrape(aUrl);
    expect(value(samples, 'petrel_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(value(samples, 'petrel_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(samples.some((s) => s.name.startsWith('petrel_kernel_'))).toBe(false);
    expect(samples.every((s) => s.name.startsWith('petrel_'))).toBe(true);
  });

  it('answers GET /metrics only: 404 for other paths, 405 for other methods', async () => {
    const ok = await fetch(aUrl);
    expect(ok.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    await ok.text();
    expect((await fetch(aUrl.replace('/metrics', '/'))).status).toBe(404);
    expect((await fetch(aUrl.replace('/metrics', '/metrics/x'))).status).toBe(404);
    const post = await fetch(aUrl, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });

  it('counts reloads by result', async () => {
    const before = await scrape(aUrl);
    expect(value(before, 'petrel_config_reloads_total', { result: 'success' })).toBe(0);
    expect(value(before, 'petrel_config_reloads_total', { result: 'failure' })).toBe(0);
    expect((await a.reload()).ok).toBe(true);
    const good = nextLoad;
    nextLoad = { ok: false, errors: [{ file: 'a.yaml', path: 'asNumber', line: 1, column: 1, message: 'broken' }] };
    expect((await a.reload()).ok).toBe(false);
    nextLoad = good;
    const after = await scrape(aUrl);
    expect(value(after, 'petrel_config_reloads_total', { result: 'success' })).toBe(1);
    expect(value(after, 'petrel_config_reloads_total', { result: 'failure' })).toBe(1);
  });

  it('counts the NOTIFICATION that ends a session on both sides, by code and subcode (RFC 4486)', async () => {
    await a.handle({ command: 'peer', name: 'b', action: 'disable' });
    await until(() => b.speaker.peers()[0]?.state === 'Idle');
    const [sa, sb] = [await scrape(aUrl), await scrape(bUrl)];
    expect(value(sa, 'petrel_bgp_notifications_total', { peer: 'b', direction: 'sent', code: '6', subcode: '2' })).toBe(1);
    expect(value(sb, 'petrel_bgp_notifications_total', { peer: 'a', direction: 'received', code: '6', subcode: '2' })).toBe(1);
    expect(value(sa, 'petrel_bgp_messages_total', { peer: 'b', direction: 'sent', type: 'notification' })).toBe(1);
    expect(value(sa, 'petrel_bgp_session_state', { peer: 'b' })).toBe(1);
    expect(value(sa, 'petrel_bgp_session_uptime_seconds', { peer: 'b' })).toBe(0);
    await a.handle({ command: 'peer', name: 'b', action: 'enable' });
    await until(() => a.speaker.peers()[0]?.state === 'Established');
    expect(value(await scrape(aUrl), 'petrel_bgp_established_transitions_total', { peer: 'b' })).toBe(2);
  });
});
