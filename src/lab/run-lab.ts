/**
 * `petrel lab` from start to end, for a newcomer to watch (SPEC §2, §5): build the dual-stack
 * topology, start one petrel per machine, wait for the BGP sessions and the kernel routes, print
 * each node's IPv4 and IPv6 routing tables, send ping and TCP between pods on different nodes
 * over both families, print the results, and tear everything down — at the end, on failure, and
 * on Ctrl-C — unless asked to keep it.
 */
import { readFileSync } from 'node:fs';
import type { IpFamily } from '../bgp/address.js';
import { LAB_HOLD_TIME_SEC, LabMode } from './configs.js';
import { hasCommand, ipIn } from './exec.js';
import { Lab, type ProbeResult } from './lab.js';
import { LAB_AS_NUMBER, LAB_POOL, LAB_POOL_V6, type NodePlan, SUBNETS, podAddress } from './plan.js';
import { formatExpected, holdsExpected, trafficPossible } from './routes.js';

export interface RunLabOptions {
  readonly mode: LabMode;
  readonly reflector: boolean;
  /** Leave the lab running after printing the results. */
  readonly keep: boolean;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const MODE_TEXT: Record<LabMode, string> = {
  noencap: 'no encapsulation (ipipMode Never, vxlanMode Never): routes via the node IP on eth0',
  vxlan: 'VXLAN Always: routes via the remote VTEP on vxlan.calico (IPv6: vxlan-v6.calico)',
  crosssubnet: 'VXLAN CrossSubnet: native inside a subnet, VXLAN across the router (IPv6: vxlan-v6.calico)',
  ipip: 'IPIP Always: routes via the node IP on tunl0; the IPv6 pool has no encapsulation (Calico has no IPIP for IPv6)',
};

const IPIP_NOTE =
  'This kernel has no ipip module, so tunl0 is a stand-in veth: the IPIP routes above are exactly what petrel installs, but no IPv4 traffic is sent over them.';

const FAMILIES: readonly IpFamily[] = [4, 6];

/** pino's level number for warn. */
const PINO_WARN = 40;

function seconds(startMs: number): string {
  return `${((Date.now() - startMs) / 1000).toFixed(1)} s`;
}

/** The last warnings and errors of a petrel JSON log, one line each, for a failed run. */
function warnings(file: string, count: number): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return '  (no log)';
  }
  const lines = text.split('\n').flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { level?: number; time?: string; msg?: string; peer?: string };
      if ((entry.level ?? 0) < PINO_WARN) return [];
      return [`  ${entry.time ?? ''} ${entry.peer !== undefined ? `${entry.peer}: ` : ''}${entry.msg ?? line}`];
    } catch {
      return line.trim() === '' ? [] : [`  ${line}`];
    }
  });
  return lines.length === 0 ? '  (no warnings or errors)' : lines.slice(-count).join('\n');
}

function printWarnings(lab: Lab, out: (text: string) => void): void {
  for (const machine of lab.machines) out(`\npetrel's warnings and errors on ${machine}:\n${warnings(lab.logFileOf(machine), 8)}\n`);
}

/** `a1 block 10.244.1.0/26 (pod 10.244.1.10)`, or with the IPv6 block and pod addresses. */
function blockText(node: NodePlan, family: IpFamily): string {
  const pods = node.pods.flatMap((p) => podAddress(p, family) ?? []);
  return `${node.name} block ${family === 4 ? node.block : node.block6} (pod ${pods.join(', ')})`;
}

function describeTopology(lab: Lab, reflector: boolean): string {
  const lines = [`petrel lab: ${MODE_TEXT[lab.mode]}`];
  lines.push(`  BGP: AS ${LAB_AS_NUMBER}, ${reflector ? 'every node a client of the route reflector rr' : 'full iBGP mesh'}, one session per family, hold time ${LAB_HOLD_TIME_SEC} s`);
  for (const subnet of Object.values(SUBNETS)) {
    const hosts = [...lab.plan.nodes, ...(lab.plan.reflector ? [lab.plan.reflector] : [])].filter((h) => h.subnet === subnet.name);
    lines.push(`  subnet ${subnet.name.toUpperCase()} ${subnet.cidr} and ${subnet.cidr6}, router ${subnet.gateway} and ${subnet.gateway6}:`);
    lines.push(`    ${hosts.map((h) => `${h.name} ${h.address} ${h.address6}`).join(', ')}`);
  }
  lines.push(`  pool ${LAB_POOL}: ${lab.plan.nodes.map((n) => blockText(n, 4)).join('; ')}`);
  lines.push(`  pool ${LAB_POOL_V6}: ${lab.plan.nodes.map((n) => blockText(n, 6)).join('; ')}`);
  lines.push(`  namespaces ${lab.topology.prefix}-*, configs and logs in ${lab.workDir}`);
  return lines.join('\n');
}

/** A kernel route line, marked when petrel wrote it. */
function routeLine(line: string): string {
  return `  ${line}${/ proto bird\b/.test(line) ? '    <- petrel' : ''}\n`;
}

/** Every interface's fe80::/64: the same on each, and nothing petrel does. */
function isLinkLocalRoute(line: string): boolean {
  return line.startsWith('fe80::/64 ');
}

async function printRoutes(lab: Lab, out: (text: string) => void): Promise<void> {
  for (const node of lab.plan.nodes) {
    const ns = lab.topology.namespaceOf(node.name);
    const table = await ipIn(ns, 'route', 'show', 'table', 'main');
    out(`\n${node.name} (${node.address}) ip route:\n`);
    for (const line of table.trimEnd().split('\n')) out(routeLine(line));
    const table6 = await ipIn(ns, '-6', 'route', 'show', 'table', 'main');
    out(`${node.name} (${node.address6}) ip -6 route, fe80::/64 left out:\n`);
    for (const line of table6.trimEnd().split('\n')) if (!isLinkLocalRoute(line)) out(routeLine(line));
  }
}

/** Routes petrel should have installed and has not: printed, and a failure. */
async function missingRoutes(lab: Lab): Promise<string[]> {
  const missing: string[] = [];
  for (const { node, route } of lab.expectedRoutes()) {
    if (!holdsExpected(await lab.routesOf(node), route)) missing.push(`${node}: ${formatExpected(route)}`);
  }
  return missing;
}

function formatProbe(result: ProbeResult): string {
  const { from, to, ping, tcp } = result;
  const pingText = `ping ${ping.received}/${ping.transmitted}`;
  const tcpText = tcp.ok ? `TCP ok ("${tcp.detail}")` : `TCP failed (${tcp.detail})`;
  return `  ${from.name} ${result.source} -> ${to.name} ${result.target}: ${pingText}, ${tcpText}`;
}

function probeOk(result: ProbeResult): boolean {
  return result.ping.transmitted > 0 && result.ping.received === result.ping.transmitted && result.tcp.ok;
}

interface ProbeCounts {
  ok: number;
  failed: number;
}

/** Probes every reachable pair of pods on different nodes over one family, printing each result. */
async function probeAll(lab: Lab, family: IpFamily, counts: ProbeCounts, out: (text: string) => void): Promise<void> {
  for (const [from, to] of lab.reachablePodPairs(family)) {
    const result = await lab.probe(from, to, family);
    out(`${formatProbe(result)}\n`);
    if (probeOk(result)) counts.ok += 1;
    else counts.failed += 1;
  }
}

/** Node pairs with no traffic of this family: without encapsulation, those across the router. */
function skippedPairs(lab: Lab, family: IpFamily): string[] {
  // IPv4 over IPIP is not tried at all here (IPIP_NOTE).
  if (lab.mode === LabMode.IPIP && family === 4) return [];
  const skipped: string[] = [];
  for (const a of lab.plan.nodes) {
    for (const b of lab.plan.nodes) {
      if (a.name < b.name && !trafficPossible(lab.mode, a, b, family)) skipped.push(`${a.name} <-> ${b.name}`);
    }
  }
  return skipped;
}

/** Probes both families (IPv4 not over IPIP), then says which pairs were not tried and why. */
async function probeFamilies(lab: Lab, out: (text: string) => void): Promise<ProbeCounts> {
  const counts = { ok: 0, failed: 0 };
  const families = lab.mode === LabMode.IPIP ? FAMILIES.filter((f) => f === 6) : FAMILIES;
  for (const family of families) {
    out(`\ntraffic between pods on different nodes over IPv${family} (ping, then a TCP exchange):\n`);
    await probeAll(lab, family, counts, out);
    const skipped = skippedPairs(lab, family);
    if (skipped.length > 0) {
      out(`  not tried: ${skipped.join(', ')} — without encapsulation a node IP across the router is not on-link (use --mode vxlan or crosssubnet)\n`);
    }
  }
  return counts;
}

function keptText(lab: Lab, script: string): string {
  const [first, second] = lab.plan.nodes;
  const [from, to] = [first?.pods[0], second?.pods[0]];
  const lines = ['', 'kept running. Try:'];
  if (from !== undefined && to !== undefined) {
    lines.push(`  ip netns exec ${lab.topology.namespaceOf(from.name)} ping ${to.ip}`);
    if (to.ip6 !== undefined) lines.push(`  ip netns exec ${lab.topology.namespaceOf(from.name)} ping -6 ${to.ip6}`);
  }
  if (first !== undefined) {
    lines.push(`  ip -n ${lab.topology.namespaceOf(first.name)} route`);
    lines.push(`  ip -n ${lab.topology.namespaceOf(first.name)} -6 route`);
    lines.push(`  petrel show peers --socket ${lab.socketOf(first.name)}`);
  }
  lines.push(`tear it down with: sh ${script}`, '');
  return lines.join('\n');
}

export async function runLab(options: RunLabOptions): Promise<number> {
  const { out, err } = options;
  if (process.getuid?.() !== 0) {
    err('petrel lab: needs root — it creates network namespaces, veths and routes (try: sudo petrel lab)\n');
    return 1;
  }
  if (!hasCommand('ping')) {
    err('petrel lab: needs ping (iputils) to send ICMP between pods: apt-get install iputils-ping\n');
    return 1;
  }
  const started = Date.now();
  const lab = await Lab.start({ mode: options.mode, reflector: options.reflector });
  let kept = false;
  try {
    out(`${describeTopology(lab, options.reflector)}\n`);
    out(`\nstarted petrel on ${lab.machines.join(', ')} (topology built and daemons started in ${seconds(started)})\n`);
    const sessionsFrom = Date.now();
    try {
      await lab.waitForSessions();
    } catch (e) {
      err(`petrel lab: ${e instanceof Error ? e.message : String(e)}\n`);
      printWarnings(lab, out);
      return 1;
    }
    out(`BGP sessions Established after ${seconds(sessionsFrom)}\n`);
    const routesFrom = Date.now();
    let routesOk = true;
    try {
      await lab.waitForRoutes(20_000);
      out(`kernel routes installed after ${seconds(routesFrom)}\n`);
    } catch (e) {
      routesOk = false;
      err(`petrel lab: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    await printRoutes(lab, out);
    const missing = await missingRoutes(lab);
    if (missing.length > 0) {
      routesOk = false;
      out(`\nroutes petrel should have installed but has not:\n${missing.map((m) => `  ${m}\n`).join('')}`);
    }
    if (lab.mode === LabMode.IPIP) out(`\n${IPIP_NOTE}\n`);
    const { ok, failed } = await probeFamilies(lab, out);
    const trafficOk = failed === 0;
    out(`\n${ok} of ${ok + failed} pod-to-pod probes reached their pod through petrel's routes\n`);
    if (!routesOk || !trafficOk) printWarnings(lab, out);
    if (options.keep) {
      const script = await lab.keep();
      kept = true;
      out(keptText(lab, script));
    }
    return routesOk && trafficOk ? 0 : 1;
  } finally {
    if (!kept) {
      out('\ntearing down: stopping petrel, deleting the namespaces\n');
      await lab.stop();
    }
  }
}
