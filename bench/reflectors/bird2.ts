/**
 * BIRD 2 (Debian's `bird2`) as the reflector under test: one BGP protocol per client, passive,
 * `rr client` with the shared cluster ID, hold time as configured. No kernel protocol (a central
 * reflector installs nothing) and no per-route debug logging. The clients sit on the namespace's
 * loopback prefix, so they are directly connected and their next hops resolve on it.
 */
import { GiveUp, run, waitFor } from '../../test/peers/process.js';
import { WorkDir } from '../../test/peers/workdir.js';
import { isListening, OneProcessReflector, type ReflectorKind, type ReflectorSetup } from './reflector.js';

const BIRD = '/usr/sbin/bird';
const BIRDC = '/usr/sbin/birdc';

function protocolName(address: string): string {
  return `c_${address.replace(/\./g, '_')}`;
}

export function birdConfig(s: Omit<ReflectorSetup, 'ns'>, logFile: string): string {
  const lines = [`router id ${s.address};`, `log "${logFile}" { warning, error, fatal };`, 'protocol device { scan time 60; }'];
  for (const client of s.clients) {
    lines.push(
      `protocol bgp ${protocolName(client)} {`,
      `  local ${s.address} port ${s.port} as ${s.asn};`,
      `  neighbor ${client} as ${s.asn};`,
      '  passive on;',
      '  direct;',
      `  hold time ${s.holdTimeSec};`,
      '  rr client;',
      `  rr cluster id ${s.clusterId};`,
      '  ipv4 { import all; export all; gateway direct; };',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

class Bird2Reflector extends OneProcessReflector {
  readonly name = 'bird2' as const;

  async start(s: ReflectorSetup): Promise<void> {
    const work = await WorkDir.create('bench-bird2');
    this.work = work;
    const conf = await work.write('bird.conf', birdConfig(s, work.file('bird.log')));
    const daemon = s.ns.spawn('bird2', BIRD, ['-f', '-c', conf, '-s', work.file('bird.ctl'), '-P', work.file('bird.pid')]);
    this.daemon = daemon;
    await waitFor(
      async () => {
        if (!daemon.running) throw new GiveUp(`bird exited: ${daemon.log}`);
        const status = await run(BIRDC, ['-s', work.file('bird.ctl'), 'show', 'status']);
        return status.stdout.includes('Daemon is up and running') && (await isListening(s.ns, s.port)) ? true : undefined;
      },
      { timeoutMs: 15_000, what: 'BIRD 2 up and listening' },
    );
  }


  override async logs(): Promise<string> {
    return `${(await this.work?.read('bird.log')) ?? ''}${this.daemon?.log ?? ''}`;
  }

}

export const bird2: ReflectorKind = {
  name: 'bird2',
  unavailable: async () => ((await run('test', ['-x', BIRD])).code === 0 ? undefined : `${BIRD} is not installed (apt-get install bird2)`),
  create: () => new Bird2Reflector(),
};
