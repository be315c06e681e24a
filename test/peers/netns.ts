/**
 * Network namespaces for tests that talk to real BGP daemons (SPEC.md §4).
 *
 * Every namespace is created by the test itself with a unique name (`petrel-peers-<pid>-<n>`),
 * joined to another by a veth pair with addresses the test chooses, and deleted by name
 * afterwards — the host's own interfaces, addresses and routes are never touched. Namespaces this
 * process created are also deleted on process exit, so a failing test does not leave them behind.
 *
 * How a Node test process talks into a namespace: a socket belongs to the namespace it was
 * created in, forever, whichever process later holds it. So `NetNs.connect()` and `NetNs.listen()`
 * spawn a tiny helper (`ip netns exec <ns> node -e …`, ~70 ms) that creates the TCP socket or
 * listening server inside the namespace and hands the handle back over Node's IPC channel
 * (SCM_RIGHTS), then exits. The test then owns an ordinary `net.Socket` / `net.Server` that lives
 * in the namespace: in-process recorders and fakes need no stdio protocol. A whole program that
 * must run inside (a daemon, or petrel itself for interop tests) is started with `ns.spawn()`,
 * which is `ip netns exec <ns> <command>`, so the child's PID is the program's own PID.
 */
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import { ManagedProcess, run, runOk, type RunResult } from './process.js';

const created = new Set<string>();
let counter = 0;

process.once('exit', () => {
  // Last resort for namespaces a failed test did not remove. The daemons inside were spawned via
  // ManagedProcess, whose own exit hook (registered first, as process.ts loads first) kills them.
  for (const name of created) {
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
});

/**
 * Runs inside the namespace: creates the requested socket and sends its handle to the parent.
 * Sockets are created paused so that no byte is read by the helper before the hand-over.
 */
const HELPER = `
const net = require('node:net');
// The parent gone (its test ended or failed first): nobody will take the handle.
process.once('disconnect', () => process.exit(1));
process.once('message', (req) => {
  const fail = (err) => { process.send({ error: err.message }, () => process.exit(1)); };
  if (req.kind === 'listen') {
    const server = net.createServer({ pauseOnConnect: true });
    server.once('error', fail);
    server.listen({ host: req.host, port: req.port }, () => {
      const { port } = server.address();
      process.send({ port }, server, () => process.exit(0));
    });
  } else {
    const socket = new net.Socket();
    socket.pause();
    socket.once('error', fail);
    socket.connect({ host: req.host, port: req.port, localAddress: req.localAddress }, () => {
      process.send({ port: socket.localPort }, socket, () => process.exit(0));
    });
  }
});`;

interface HelperRequest {
  readonly kind: 'listen' | 'connect';
  readonly host: string;
  readonly port: number;
  readonly localAddress?: string;
}

interface HelperReply {
  readonly port?: number;
  readonly error?: string;
}

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly localAddress?: string;
  readonly timeoutMs?: number;
}

export interface ListenOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

export class NetNs {
  private constructor(
    readonly name: string,
    /** The host's own namespace (`NetNs.host()`): programs run directly, nothing is configured. */
    readonly isHost = false,
  ) {}

  /**
   * The host namespace, for daemons that peer over the host's loopback (BIRD on 127.0.0.0/8 and
   * ::1, SPEC §4). Programs run without `ip netns exec`; `ip()` refuses, so a test can never
   * change the host's links, addresses or routes through it, and `remove()` does nothing.
   */
  static host(): NetNs {
    return new NetNs('host', true);
  }

  /** Creates a fresh namespace with loopback up and IPv6 DAD off (link-locals usable at once). */
  static async create(): Promise<NetNs> {
    counter += 1;
    const name = `petrel-peers-${process.pid}-${counter}`;
    await runOk('ip', ['netns', 'add', name]);
    created.add(name);
    const ns = new NetNs(name);
    await ns.ip('link', 'set', 'lo', 'up');
    await ns.execOk('sysctl', ['-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    return ns;
  }

  /** `ip -n <ns> …`: configure this namespace's links, addresses and routes. */
  async ip(...args: string[]): Promise<string> {
    if (this.isHost) throw new Error(`refusing to run ip ${args.join(' ')} in the host namespace`);
    return runOk('ip', ['-n', this.name, ...args]);
  }

  /** Runs a command inside the namespace to completion. */
  exec(command: string, args: readonly string[], timeoutMs?: number): Promise<RunResult> {
    return this.isHost ? run(command, args, timeoutMs) : run('ip', ['netns', 'exec', this.name, command, ...args], timeoutMs);
  }

  async execOk(command: string, args: readonly string[], timeoutMs?: number): Promise<string> {
    const r = await this.exec(command, args, timeoutMs);
    if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} in ${this.name} exited ${r.code}: ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  /** Starts a long-running program inside the namespace; its PID is the program's own. */
  spawn(label: string, command: string, args: readonly string[]): ManagedProcess {
    return this.isHost ? ManagedProcess.spawn(label, command, args) : ManagedProcess.spawn(label, 'ip', ['netns', 'exec', this.name, command, ...args]);
  }

  /** A TCP connection made from inside this namespace, owned by the calling process. */
  async connect(opts: ConnectOptions): Promise<net.Socket> {
    const req: HelperRequest = {
      kind: 'connect',
      host: opts.host,
      port: opts.port,
      ...(opts.localAddress === undefined ? {} : { localAddress: opts.localAddress }),
    };
    const handle = await this.viaHelper(req, opts.timeoutMs ?? 5000);
    if (!(handle instanceof net.Socket)) throw new Error(`helper in ${this.name} returned no socket`);
    return handle;
  }

  /** A listening TCP server inside this namespace, owned by the calling process. */
  async listen(opts: ListenOptions): Promise<net.Server> {
    const handle = await this.viaHelper({ kind: 'listen', host: opts.host, port: opts.port }, 5000);
    if (!(handle instanceof net.Server)) throw new Error(`helper in ${this.name} returned no server`);
    return handle;
  }

  /** Deletes the namespace. Its veth ends go with it; processes must have been stopped first. */
  async remove(): Promise<void> {
    if (!created.has(this.name)) return;
    await runOk('ip', ['netns', 'del', this.name]);
    created.delete(this.name);
  }

  private viaHelper(req: HelperRequest, timeoutMs: number): Promise<net.Socket | net.Server> {
    return new Promise((resolve, reject) => {
      const command = this.isHost ? [process.execPath, '-e', HELPER] : ['ip', 'netns', 'exec', this.name, process.execPath, '-e', HELPER];
      const child = spawn(command[0]!, command.slice(1), {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${req.kind} ${req.host}:${req.port} in ${this.name} timed out`));
      }, timeoutMs);
      child.once('message', (reply: HelperReply, handle: unknown) => {
        clearTimeout(timer);
        if (reply.error !== undefined || !(handle instanceof net.Socket || handle instanceof net.Server)) {
          reject(new Error(`${req.kind} ${req.host}:${req.port} in ${this.name}: ${reply.error ?? 'no handle'}`));
          return;
        }
        resolve(handle);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (code !== 0) reject(new Error(`helper in ${this.name} exited ${code}: ${stderr}`));
      });
      child.send(req);
    });
  }
}

export interface VethEnd {
  readonly ns: NetNs;
  readonly ifname: string;
  /** `address/prefix` strings, IPv4 or IPv6. */
  readonly addresses: readonly string[];
  /** A fixed MAC, so the IPv6 link-local address (EUI-64) is the same on every run. */
  readonly mac?: string;
}

/**
 * Joins two namespaces with a veth pair, assigns the addresses and brings both ends up. The pair
 * is created directly inside the namespaces, so its names never clash with the host's.
 */
export async function connectVeth(a: VethEnd, b: VethEnd): Promise<void> {
  const mac = (end: VethEnd) => (end.mac === undefined ? [] : ['address', end.mac]);
  await runOk('ip', [
    'link', 'add', 'name', a.ifname, ...mac(a), 'netns', a.ns.name, 'type', 'veth',
    'peer', 'name', b.ifname, ...mac(b), 'netns', b.ns.name,
  ]);
  for (const end of [a, b]) {
    for (const address of end.addresses) {
      await end.ns.ip('addr', 'add', address, 'dev', end.ifname, ...(address.includes(':') ? ['nodad'] : []));
    }
    await end.ns.ip('link', 'set', end.ifname, 'up');
  }
}

/** The interface's IPv6 link-local address (fe80::/64), once the kernel has assigned it. */
export async function linkLocalAddress(ns: NetNs, ifname: string): Promise<string | undefined> {
  const out = await ns.ip('-6', '-o', 'addr', 'show', 'dev', ifname, 'scope', 'link');
  const match = /inet6 (fe80:[0-9a-f:]+)\/64/.exec(out);
  return match?.[1];
}

/** Names of the namespaces this process has created and not yet removed. */
export function liveNamespaces(): readonly string[] {
  return [...created];
}
