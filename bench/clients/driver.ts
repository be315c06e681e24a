/**
 * The benchmark's client side, run as a child process inside the benchmark's network namespace
 * (`ip netns exec <ns> node --import tsx bench/clients/driver.ts`, with an IPC channel). It holds
 * every test client's session and does the timing itself, so the clock starts at the first
 * UPDATE written and stops at the last prefix counted, in one process. It exits when the runner
 * goes away.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { BenchClient, type ClientEvents } from './session.js';
import type { ConvergenceResult, DriverReply, DriverRequest, ReflectorEndpoint } from './protocol.js';
import { encodeAnnouncements, encodeWithdrawals, type UpdateStream } from './wire.js';

const RECONNECT_MS = 200;

interface Prepared {
  readonly announce: UpdateStream;
  readonly withdraw: UpdateStream;
}

/** What the receivers must reach, and who to tell when they all have. */
interface Target {
  readonly held: number;
  remaining: number;
  readonly done: () => void;
}

class Driver implements ClientEvents {
  private clients: BenchClient[] = [];
  private prepared = new Map<number, Prepared>();
  private current: Prepared | undefined;
  private target: Target | undefined;
  /** Receivers that have reached the current target (each counted once). */
  private readonly reached = new Set<BenchClient>();
  private failure: string | undefined;
  private lastEstablishedAt = 0;
  private lastUpdateAt = 0;
  private connecting = false;

  async handle(req: DriverRequest): Promise<DriverReply> {
    try {
      switch (req.op) {
        case 'prepare': {
          const t0 = performance.now();
          let p = this.prepared.get(req.count);
          if (p === undefined) {
            p = { announce: encodeAnnouncements(req.count, req.nextHop), withdraw: encodeWithdrawals(req.count) };
            this.prepared.set(req.count, p);
          }
          this.current = p;
          return { id: req.id, ok: true, ms: performance.now() - t0 };
        }
        case 'connect':
          return { id: req.id, ok: true, ms: await this.connectAll(req.reflector, req.addresses, req.holdTimeSec, req.timeoutMs) };
        case 'settle':
          return { id: req.id, ok: true, ms: await this.settle(req.quietMs, req.timeoutMs) };
        case 'announce':
        case 'withdraw':
          return { id: req.id, ok: true, result: await this.converge(req.op, req.count, req.timeoutMs) };
        case 'disconnect':
          this.disconnect();
          return { id: req.id, ok: true };
      }
    } catch (err) {
      return { id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  established(): void {
    this.lastEstablishedAt = performance.now();
  }

  update(client: BenchClient): void {
    this.lastUpdateAt = performance.now();
    const t = this.target;
    if (t === undefined || client === this.clients[0]) return;
    if (client.holdings.held === t.held && !this.reached.has(client)) {
      this.reached.add(client);
      t.remaining -= 1;
      if (t.remaining === 0) t.done();
    }
  }

  failed(client: BenchClient, reason: string): void {
    // While sessions come up (a reflector still loading its peers resets them) we retry; once
    // they are up, a lost session spoils the measurement.
    if (this.connecting) void delay(RECONNECT_MS).then(() => this.connectOne(client));
    else this.failure ??= reason;
  }

  private async connectOne(client: BenchClient): Promise<void> {
    if (!this.connecting || !this.clients.includes(client)) return;
    while ((await client.connect()) === 'refused') {
      await delay(RECONNECT_MS);
      if (!this.connecting) return;
    }
  }

  private async connectAll(reflector: ReflectorEndpoint, addresses: readonly string[], holdTimeSec: number, timeoutMs: number): Promise<number> {
    this.disconnect();
    this.failure = undefined;
    const t0 = performance.now();
    this.connecting = true;
    this.clients = addresses.map(
      (address) =>
        new BenchClient({ host: reflector.host, port: reflector.port, localAddress: address, asn: reflector.asn, bgpId: address, holdTimeSec }, this),
    );
    for (const c of this.clients) void this.connectOne(c);
    try {
      await this.poll(() => this.clients.every((c) => c.state === 'established'), timeoutMs, () => {
        const up = this.clients.filter((c) => c.state === 'established').length;
        return `${up} of ${this.clients.length} sessions Established after ${timeoutMs} ms`;
      });
    } finally {
      this.connecting = false;
    }
    return performance.now() - t0;
  }

  private async settle(quietMs: number, timeoutMs: number): Promise<number> {
    const t0 = performance.now();
    await this.poll(() => performance.now() - Math.max(this.lastEstablishedAt, this.lastUpdateAt) >= quietMs, timeoutMs, () => 'the reflector kept sending UPDATEs');
    return performance.now() - t0;
  }

  private converge(op: 'announce' | 'withdraw', count: number, timeoutMs: number): Promise<ConvergenceResult> {
    const p = this.current;
    if (p === undefined) throw new Error('prepare first');
    const announcer = this.clients[0];
    const receivers = this.clients.slice(1);
    if (announcer === undefined || receivers.length === 0) throw new Error('connect an announcer and receivers first');
    const stream = op === 'announce' ? p.announce : p.withdraw;
    const wanted = op === 'announce' ? count : 0;
    if (op === 'announce') for (const r of receivers) r.holdings.reset(count);
    this.reached.clear();
    return new Promise((resolve, reject) => {
      let t0 = 0;
      let cpu0 = process.cpuUsage();
      const finish = (timedOut: boolean) => {
        clearTimeout(timer);
        clearInterval(watch);
        this.target = undefined;
        const helds = receivers.map((r) => r.holdings.held);
        const cpu = process.cpuUsage(cpu0);
        resolve({
          ms: performance.now() - t0,
          timedOut,
          worstHeld: op === 'announce' ? Math.min(...helds) : Math.max(...helds),
          receivers: receivers.length,
          updatesSent: stream.messages,
          clientCpuMs: (cpu.user + cpu.system) / 1000,
        });
      };
      const timer = setTimeout(() => finish(true), timeoutMs);
      const watch = setInterval(() => {
        if (this.failure === undefined) return;
        clearTimeout(timer);
        clearInterval(watch);
        this.target = undefined;
        reject(new Error(this.failure));
      }, 100);
      const remaining = receivers.filter((r) => r.holdings.held !== wanted).length;
      this.target = { held: wanted, remaining, done: () => finish(false) };
      for (const r of receivers) if (r.holdings.held === wanted) this.reached.add(r);
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      announcer.send(stream.bytes);
      if (remaining === 0) finish(false);
    });
  }

  private disconnect(): void {
    for (const c of this.clients) c.close();
    this.clients = [];
  }

  private async poll(done: () => boolean, timeoutMs: number, why: () => string): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!done()) {
      if (this.failure !== undefined) throw new Error(this.failure);
      if (performance.now() > deadline) throw new Error(why());
      await delay(50);
    }
  }
}

const driver = new Driver();
process.on('message', (msg: DriverRequest) => {
  void driver.handle(msg).then((reply) => process.send?.(reply));
});
// The runner is gone (finished, or killed): nothing left to measure for.
process.on('disconnect', () => process.exit(0));
