/**
 * FRR as the reflector under test: zebra (bgpd resolves next hops through it) and bgpd with
 * `--no_kernel`, so that, like every other implementation here, it installs nothing into the
 * kernel. The clients are one peer group: passive, route-reflector clients, the configured hold
 * time, IPv4 unicast. Private paths for every socket, pid file and log, as in test/peers/frr.ts;
 * both daemons drop to the `frr` user, so their directory is handed to it.
 */
import type { ManagedProcess } from '../../test/peers/process.js';
import { GiveUp, run, runningPids, runOk, waitFor } from '../../test/peers/process.js';
import { WorkDir } from '../../test/peers/workdir.js';
import { isListening, type Reflector, type ReflectorKind, type ReflectorSetup } from './reflector.js';

const FRR_DIR = '/usr/lib/frr';
const FRR_USER = 'frr';
const GROUP = 'clients';

export function frrConfig(s: Omit<ReflectorSetup, 'ns'>): string {
  const lines = [
    'frr defaults datacenter',
    'hostname bench-frr',
    `router bgp ${s.asn}`,
    ` bgp router-id ${s.address}`,
    ` bgp cluster-id ${s.clusterId}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    ` neighbor ${GROUP} peer-group`,
    ` neighbor ${GROUP} remote-as ${s.asn}`,
    ` neighbor ${GROUP} passive`,
    ` neighbor ${GROUP} update-source ${s.address}`,
    ` neighbor ${GROUP} timers ${Math.floor(s.holdTimeSec / 3)} ${s.holdTimeSec}`,
    ...s.clients.map((c) => ` neighbor ${c} peer-group ${GROUP}`),
    ' address-family ipv4 unicast',
    `  neighbor ${GROUP} activate`,
    `  neighbor ${GROUP} route-reflector-client`,
    ' exit-address-family',
  ];
  return `${lines.join('\n')}\n`;
}

class FrrReflector implements Reflector {
  readonly name = 'frr' as const;
  private work: WorkDir | undefined;
  private zebra: ManagedProcess | undefined;
  private bgpd: ManagedProcess | undefined;

  async start(s: ReflectorSetup): Promise<void> {
    const work = await WorkDir.create('bench-frr');
    this.work = work;
    const common = ['-z', work.file('zserv.api'), '--vty_socket', work.dir, '-u', FRR_USER, '-g', FRR_USER, '-P', '0'];
    await work.write('zebra.conf', 'hostname zebra\n');
    await work.write('bgpd.conf', frrConfig(s));
    const [uid, gid] = await Promise.all([runOk('id', ['-u', FRR_USER]), runOk('id', ['-g', FRR_USER])]);
    await work.chownAll(Number(uid), Number(gid));
    this.zebra = s.ns.spawn('zebra', `${FRR_DIR}/zebra`, [
      ...common, '-i', work.file('zebra.pid'), '-f', work.file('zebra.conf'), '--log', `file:${work.file('zebra.log')}`,
    ]);
    await this.waitVty(s, 'zebra', 'show interface brief');
    this.bgpd = s.ns.spawn('bgpd', `${FRR_DIR}/bgpd`, [
      ...common, '--no_kernel', '-i', work.file('bgpd.pid'), '-f', work.file('bgpd.conf'), '-p', String(s.port),
      '--log', `file:${work.file('bgpd.log')}`,
    ]);
    await this.waitVty(s, 'bgpd', 'show bgp summary json');
    await waitFor(async () => ((await isListening(s.ns, s.port)) ? true : undefined), { timeoutMs: 15_000, what: 'bgpd listening' });
  }

  pids(): readonly number[] {
    return runningPids([this.zebra, this.bgpd]);
  }

  async logs(): Promise<string> {
    const files = this.work ? `${await this.work.read('zebra.log')}${await this.work.read('bgpd.log')}` : '';
    return `${files}${this.zebra?.log ?? ''}${this.bgpd?.log ?? ''}`;
  }

  async stop(): Promise<void> {
    await this.bgpd?.stop();
    await this.zebra?.stop();
    await this.work?.remove();
    this.bgpd = undefined;
    this.zebra = undefined;
    this.work = undefined;
  }

  private async waitVty(s: ReflectorSetup, daemon: 'zebra' | 'bgpd', probe: string): Promise<void> {
    const proc = daemon === 'zebra' ? this.zebra : this.bgpd;
    const dir = this.work?.dir ?? '';
    await waitFor(
      async () => {
        if (!proc?.running) throw new GiveUp(`${daemon} exited: ${proc?.log ?? ''}`);
        await s.ns.execOk('vtysh', ['--vty_socket', dir, '-d', daemon, '-c', probe]);
        return true;
      },
      { timeoutMs: 15_000, what: `FRR ${daemon} vty` },
    );
  }
}

export const frr: ReflectorKind = {
  name: 'frr',
  unavailable: async () => ((await run('test', ['-x', `${FRR_DIR}/bgpd`])).code === 0 ? undefined : `${FRR_DIR}/bgpd is not installed`),
  create: () => new FrrReflector(),
};
