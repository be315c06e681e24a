/**
 * The lab's proof is real traffic between pods (SPEC §5): ICMP echo with iputils `ping`, and a
 * TCP exchange between a tiny Node server in one pod and a client in another, over IPv4 or IPv6 —
 * both run inside the pods' namespaces, so every packet crosses the nodes' kernels along
 * petrel's routes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { registerTeardown } from './cleanup.js';
import { hasCommand, run, runIn } from './exec.js';

export const TCP_PROBE_PORT = 8080;

export interface PingResult {
  readonly transmitted: number;
  readonly received: number;
  /** ping's own summary lines, for display. */
  readonly summary: string;
}

/** Parses ping's `N packets transmitted, M received` line. */
export function parsePingSummary(output: string): PingResult {
  const match = /(\d+) packets transmitted, (\d+) received/.exec(output);
  const summary = output
    .split('\n')
    .filter((line) => /packets transmitted|rtt /.test(line))
    .join('\n');
  return { transmitted: Number(match?.[1] ?? 0), received: Number(match?.[2] ?? 0), summary };
}

export interface PingOptions {
  readonly count: number;
  readonly intervalSec?: number;
  /** Per-reply wait. */
  readonly timeoutSec?: number;
}

/** Pings `target` (IPv4 or IPv6) from inside the namespace `from`; resolves when ping has sent every probe. */
export async function ping(from: string, target: string, options: PingOptions): Promise<PingResult> {
  if (!hasCommand('ping')) throw new Error('ping (iputils) is not installed: apt-get install iputils-ping');
  const interval = options.intervalSec ?? 0.2;
  const family = target.includes(':') ? '-6' : '-4';
  const args = [family, '-n', '-c', String(options.count), '-i', String(interval), '-W', String(options.timeoutSec ?? 1), target];
  const budgetMs = (options.count * interval + (options.timeoutSec ?? 1) + 5) * 1000;
  const result = await runIn(from, 'ping', args, budgetMs);
  return parsePingSummary(result.stdout);
}

/** A server that answers one line per connection with `pong <line>`, then closes it; `::` takes IPv4 and IPv6. */
const SERVER = `
const net = require('node:net');
const server = net.createServer((socket) => {
  let data = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    data += chunk;
    const nl = data.indexOf('\\n');
    if (nl >= 0) socket.end('pong ' + data.slice(0, nl) + '\\n');
  });
  socket.on('error', () => {});
});
server.listen(Number(process.argv[1]), '::', () => process.stdout.write('listening\\n'));
`;

/** Connects, sends one line, prints the reply line; exit 1 on any error or after the timeout. */
const CLIENT = `
const net = require('node:net');
const [host, port, message, timeoutMs] = process.argv.slice(1);
const socket = net.connect({ host, port: Number(port) });
const timer = setTimeout(() => { process.stderr.write('timed out\\n'); process.exit(1); }, Number(timeoutMs));
let reply = '';
socket.setEncoding('utf8');
socket.on('connect', () => socket.write(message + '\\n'));
socket.on('data', (chunk) => { reply += chunk; });
socket.on('end', () => { clearTimeout(timer); process.stdout.write(reply); process.exit(reply.startsWith('pong ') ? 0 : 1); });
socket.on('error', (err) => { process.stderr.write(err.message + '\\n'); process.exit(1); });
`;

export interface TcpResult {
  readonly ok: boolean;
  /** The server's reply line, or why there was none. */
  readonly detail: string;
}

/** A TCP server running in a pod until stopped (by its PID). */
export class TcpServer {
  #unregister: (() => void) | undefined;

  private constructor(private readonly child: ChildProcess) {
    this.#unregister = registerTeardown({ label: 'TCP probe server', run: () => this.stop(), runSync: () => void child.kill('SIGKILL') });
    child.once('exit', () => {
      this.#unregister?.();
      this.#unregister = undefined;
    });
  }

  static async start(namespace: string, port = TCP_PROBE_PORT): Promise<TcpServer> {
    const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', SERVER, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new TcpServer(child);
    let output = '';
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('listening')) resolve();
      });
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`TCP server in ${namespace} exited ${code}: ${output.trim()}`)));
    });
    await ready;
    return server;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** One TCP exchange from the namespace `from` to `host:port`. */
export async function tcpExchange(from: string, host: string, message: string, port = TCP_PROBE_PORT, timeoutMs = 3000): Promise<TcpResult> {
  const result = await run('ip', ['netns', 'exec', from, process.execPath, '-e', CLIENT, host, String(port), message, String(timeoutMs)], timeoutMs + 5000);
  return result.code === 0 ? { ok: true, detail: result.stdout.trim() } : { ok: false, detail: (result.stderr || result.stdout).trim() || `exit ${result.code}` };
}

/** A ping that runs in the background while something else happens (faults), then reports. */
export class BackgroundPing {
  private constructor(private readonly result: Promise<PingResult>) {}

  static start(from: string, target: string, options: PingOptions): BackgroundPing {
    return new BackgroundPing(ping(from, target, options));
  }

  /** Waits for every probe to be sent and answered or timed out. */
  done(): Promise<PingResult> {
    return this.result;
  }
}
