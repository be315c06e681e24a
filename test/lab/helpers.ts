/**
 * Shared by the lab tests: `ip monitor route` inside a node (to see that a route was never
 * deleted), and assertions over a running lab's routes and pod-to-pod probes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect } from 'vitest';
import type { Lab, ProbeResult } from '../../src/lab/lab.js';
import type { HostPlan } from '../../src/lab/plan.js';
import { holdsExpected, isPetrels } from '../../src/lab/routes.js';

/** Route notifications in one namespace, from start() until stop(). */
export class RouteMonitor {
  #output = '';

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.#output += d.toString()));
  }

  /**
   * Resolves once `ip monitor` is subscribed: it prints nothing until an event, so a marker
   * route is added and deleted until the monitor reports it.
   */
  static async start(namespace: string): Promise<RouteMonitor> {
    const child = spawn('ip', ['-n', namespace, 'monitor', 'route'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const monitor = new RouteMonitor(child);
    for (let attempt = 0; !monitor.#output.includes(MARKER); attempt += 1) {
      if (attempt === 50) throw new Error(`ip monitor in ${namespace} saw no event`);
      const seen = monitor.#nextOutput(100);
      await spawnOk('ip', ['-n', namespace, 'route', 'add', 'unreachable', `${MARKER}/32`]);
      await spawnOk('ip', ['-n', namespace, 'route', 'del', 'unreachable', `${MARKER}/32`]);
      await seen;
    }
    return monitor;
  }

  /** Stops the monitor (by its PID) and returns the lines it printed, the marker's left out. */
  async stop(): Promise<string[]> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await exited;
    }
    return this.#output.split('\n').filter((line) => line !== '' && !line.includes(MARKER));
  }

  /** Resolves at the monitor's next output, or after `timeoutMs` without any. */
  #nextOutput(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.child.stdout?.off('data', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.child.stdout?.on('data', done);
    });
  }
}

/** An address of the benchmarking range (RFC 2544) that no lab route uses. */
const MARKER = '198.18.0.1';

async function spawnOk(command: string, args: readonly string[]): Promise<void> {
  const child = spawn(command, args, { stdio: 'ignore' });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}`);
}

/**
 * Every node holds exactly the route petrel should install for each other node's blocks (IPv4
 * and IPv6), and no other unicast route of petrel's: no pod /32 or /128 from beneath a remote
 * block (CALICO.md §1.2).
 */
export async function expectExactRoutes(lab: Lab): Promise<void> {
  const expected = lab.expectedRoutes();
  for (const node of lab.plan.nodes) {
    const routes = await lab.routesOf(node.name);
    const mine = expected.filter((e) => e.node === node.name).map((e) => e.route);
    for (const route of mine) expect(holdsExpected(routes, route), `${node.name}: ${route.prefix} via ${route.gateway} dev ${route.device}`).toBe(true);
    const unicast = routes.filter((r) => isPetrels(r) && (r.type === undefined || r.type === 'unicast')).map((r) => r.dst);
    expect(unicast.sort(), `${node.name}: petrel's unicast routes`).toEqual(mine.map((r) => r.prefix).sort());
  }
}

export function expectReached(result: ProbeResult): void {
  const what = `${result.from.name} -> ${result.to.name} over IPv${result.family} (${result.target})`;
  expect(result.ping.transmitted, `${what}: ping sent`).toBeGreaterThan(0);
  expect(result.ping.received, `${what}: ping ${result.ping.summary}`).toBe(result.ping.transmitted);
  expect(result.tcp, what).toEqual({ ok: true, detail: `pong hello from ${result.from.name} (${result.source})` });
}

/** The addresses a machine should have sessions with: each peer's IPv4 and IPv6 address. */
export function expectedPeerAddresses(lab: Lab, machine: string): string[] {
  const { nodes, reflector } = lab.plan;
  let peers: readonly HostPlan[];
  if (reflector === undefined) peers = nodes.filter((n) => n.name !== machine);
  else peers = machine === reflector.name ? nodes : [reflector];
  return peers.flatMap((p) => [p.address, p.address6]);
}
