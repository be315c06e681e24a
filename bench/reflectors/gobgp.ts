/**
 * GoBGP (`gobgpd`) as the reflector under test: a generated TOML config with every client a
 * passive route-reflector client (shared cluster ID, hold time as configured, IPv4 unicast only),
 * its gRPC API on the namespace's own 127.0.0.1, info-level logging (debug logs every update).
 * Ready once the API lists every configured neighbor and port 179 listens.
 */
import { GiveUp, run, waitFor } from '../../test/peers/process.js';
import { WorkDir } from '../../test/peers/workdir.js';
import { isListening, OneProcessReflector, type ReflectorKind, type ReflectorSetup } from './reflector.js';

const API = '127.0.0.1:50051';

export function gobgpConfig(s: Omit<ReflectorSetup, 'ns'>): string {
  const lines = [
    '[global.config]',
    `  as = ${s.asn}`,
    `  router-id = "${s.address}"`,
    `  port = ${s.port}`,
    `  local-address-list = ["${s.address}"]`,
  ];
  for (const client of s.clients) {
    lines.push(
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = "${client}"`,
      `    peer-as = ${s.asn}`,
      '  [neighbors.transport.config]',
      '    passive-mode = true',
      `    local-address = "${s.address}"`,
      '  [neighbors.timers.config]',
      `    hold-time = ${s.holdTimeSec}`,
      `    keepalive-interval = ${Math.floor(s.holdTimeSec / 3)}`,
      '  [neighbors.route-reflector.config]',
      '    route-reflector-client = true',
      `    route-reflector-cluster-id = "${s.clusterId}"`,
      '  [[neighbors.afi-safis]]',
      '    [neighbors.afi-safis.config]',
      '      afi-safi-name = "ipv4-unicast"',
    );
  }
  return `${lines.join('\n')}\n`;
}

class GobgpReflector extends OneProcessReflector {
  readonly name = 'gobgp' as const;

  async start(s: ReflectorSetup): Promise<void> {
    const work = await WorkDir.create('bench-gobgp');
    this.work = work;
    const conf = await work.write('gobgpd.toml', gobgpConfig(s));
    const daemon = s.ns.spawn('gobgpd', 'gobgpd', ['-f', conf, '-t', 'toml', '-l', 'info', '--api-hosts', API, '--pprof-disable']);
    this.daemon = daemon;
    const [host, port] = API.split(':') as [string, string];
    await waitFor(
      async () => {
        if (!daemon.running) throw new GiveUp(`gobgpd exited: ${daemon.log}`);
        // The config file's neighbors are applied after the API comes up.
        const neighbors = JSON.parse(await s.ns.execOk('gobgp', ['-u', host, '-p', port, 'neighbor', '-j'])) as unknown[];
        return neighbors.length >= s.clients.length && (await isListening(s.ns, s.port)) ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'gobgpd API with every neighbor' },
    );
  }



}

export const gobgp: ReflectorKind = {
  name: 'gobgp',
  unavailable: async () => ((await run('sh', ['-c', 'command -v gobgpd && command -v gobgp'])).code === 0 ? undefined : 'gobgpd/gobgp are not installed'),
  create: () => new GobgpReflector(),
};
