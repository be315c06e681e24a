/**
 * petrel as the reflector under test: `petrel run --config <generated yaml>` inside the
 * benchmark namespace, as production runs it: the compiled build (`npm run bench` builds first;
 * sources through tsx only when the build is stale, which costs about 45 MB of RSS), as a central
 * reflector (SPEC §2, config/central-reflector.yaml): no kernel programming, `exportPolicy: all`,
 * every client a passive route-reflector client with ADD-PATH off, all paths under a private dir.
 *
 * When this build cannot run the daemon (the command is missing, or the process exits before it
 * listens), start() throws `NotRunnable` with the reason, and the benchmark reports it instead
 * of a figure.
 */
import path from 'node:path';
import { stringify } from 'yaml';
import { petrelCommand } from '../../test/interop/petrel-process.js';
import { GiveUp, run, waitFor } from '../../test/peers/process.js';
import { WorkDir } from '../../test/peers/workdir.js';
import type { NetNs } from '../../test/peers/netns.js';
import { isListening, OneProcessReflector, type GcPauses, type ReflectorKind, type ReflectorSetup } from './reflector.js';

const START_TIMEOUT_MS = 20_000;
const METRICS_LISTEN = '127.0.0.1:9900';
const GC_METRIC = 'petrel_nodejs_gc_duration_seconds';
/** Prints the daemon's metrics; run inside the benchmark namespace, where they listen. */
const SCRAPE = `fetch('http://${METRICS_LISTEN}/metrics').then((r) => r.text()).then((t) => process.stdout.write(t), (e) => { console.error(String(e)); process.exit(1); })`;

/**
 * The GC pauses in a metrics exposition (petrel's `nodejs_gc_duration_seconds`, which counts
 * every pause: src/daemon/gc-metrics.ts); undefined when the exposition lacks the metric.
 */
export function gcPausesIn(exposition: string): GcPauses | undefined {
  let seconds = 0;
  let minor = 0;
  let major = 0;
  // Declared but without series: no pause yet since the metric was registered.
  const found = exposition.includes(`# TYPE ${GC_METRIC} histogram`);
  for (const line of exposition.split('\n')) {
    const m = /^(\w+)\{kind="(\w+)"\} (\S+)$/.exec(line);
    if (m === null || (m[1] !== `${GC_METRIC}_sum` && m[1] !== `${GC_METRIC}_count`)) continue;
    const value = Number(m[3]);
    if (m[1] === `${GC_METRIC}_sum`) seconds += value;
    else if (m[2] === 'minor') minor += value;
    else if (m[2] === 'major') major += value;
  }
  return found ? { ms: seconds * 1000, minor, major } : undefined;
}

/** petrel cannot act as a reflector in this build; the message says why. */
export class NotRunnable extends Error {}

/** The config for `petrel run`; every path petrel writes lies under `dir`. */
export function petrelConfig(s: Omit<ReflectorSetup, 'ns'>, dir: string): string {
  return stringify({
    asNumber: s.asn,
    routerId: s.address,
    node: { name: 'bench-reflector', ipv4Address: `${s.address}/32`, routeReflectorClusterId: s.clusterId },
    listen: { address: s.address, port: s.port },
    mesh: { enabled: false },
    peers: s.clients.map((address) => ({
      address,
      asNumber: s.asn,
      passive: true,
      routeReflectorClient: true,
      holdTimeSec: s.holdTimeSec,
      addPaths: 'off',
    })),
    exportPolicy: 'all',
    kernel: { enabled: false },
    gracefulRestart: { enabled: false },
    stateDir: path.join(dir, 'state'),
    control: { socket: path.join(dir, 'petrel.sock') },
    metrics: { listen: METRICS_LISTEN },
    log: { level: 'warn' },
  });
}

/** The last lines a failed daemon wrote, without its JSON noise where possible. */
function lastWords(log: string): string {
  const lines = log.trim().split('\n').filter((l) => l.length > 0);
  const tail = lines.slice(-3).map((l) => {
    try {
      const parsed = JSON.parse(l) as { msg?: unknown };
      return typeof parsed.msg === 'string' ? parsed.msg : l;
    } catch {
      return l;
    }
  });
  return tail.join(' | ') || 'no output';
}

class PetrelReflector extends OneProcessReflector {
  readonly name = 'petrel' as const;
  #ns: NetNs | undefined;

  /** From the daemon's own metrics: where a measurement's time went besides the work itself. */
  async gcPauses(): Promise<GcPauses | undefined> {
    if (this.#ns === undefined || this.daemon?.running !== true) return undefined;
    const r = await this.#ns.exec(process.execPath, ['-e', SCRAPE], 10_000);
    return r.code === 0 ? gcPausesIn(r.stdout) : undefined;
  }

  async start(s: ReflectorSetup): Promise<void> {
    this.#ns = s.ns;
    const work = await WorkDir.create('bench-petrel');
    this.work = work;
    const conf = await work.write('petrel.yaml', petrelConfig(s, work.dir));
    // PETREL_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": where the reflector's time goes.
    const nodeArgs = (process.env['PETREL_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a.length > 0);
    const [node, ...script] = await petrelCommand();
    const daemon = s.ns.spawn('petrel', node!, [...nodeArgs, ...script, 'run', '--config', conf]);
    this.daemon = daemon;
    try {
      await waitFor(
        async () => {
          if (!daemon.running) throw new GiveUp(`petrel run exited before listening: ${lastWords(daemon.log)}`);
          return (await isListening(s.ns, s.port)) ? true : undefined;
        },
        { timeoutMs: START_TIMEOUT_MS, what: 'petrel listening' },
      );
    } catch (err) {
      throw new NotRunnable(err instanceof Error ? err.message : String(err));
    }
  }
}

export const petrel: ReflectorKind = {
  name: 'petrel',
  unavailable: async () => {
    const [node, ...script] = await petrelCommand();
    // Said once, where the run starts: the figures are then not the build's (tsx costs memory and time).
    if (script.includes('tsx')) process.stderr.write('[bench] petrel: dist/ is older than src/, so petrel runs from the sources through tsx; run `npm run build` for the figures systemd would see\n');
    const help = await run(node!, [...script, 'run', '--help'], 30_000);
    if (help.code !== 0) return `\`petrel run --help\` exited ${help.code}: ${lastWords(help.stderr || help.stdout)}`;
    return undefined;
  },
  create: () => new PetrelReflector(),
};
