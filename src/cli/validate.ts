/**
 * `petrel validate --config FILE`: load the config exactly as the daemon would and report.
 * Invalid: every error, one per line as `FILE:LINE:COL: path.to.key: message`, on stderr, exit 1.
 * Valid: a one-line summary on stdout, exit 0. `--json` prints either as one JSON object on
 * stdout; `--print` adds the canonical form. Passwords are resolved (so a missing key file is
 * reported) but never printed.
 */
import { canonicalConfig } from '../config/canonical.js';
import { formatIssue, loadConfigFile, processEnvironment, type LoadEnvironment } from '../config/load.js';
import { effectivePeers, PeerKind } from '../config/peers.js';
import type { Config } from '../config/schema.js';
import type { ExitCode, ValidateOptions } from './commands.js';

export interface CommandOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const processOutput: CommandOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export interface ConfigSummary {
  readonly peers: number;
  readonly meshPeers: number;
  readonly explicitPeers: number;
  readonly meshNodes: number;
  readonly pools: number;
  readonly blocks: number;
}

export function summarize(config: Config): ConfigSummary {
  const peers = effectivePeers(config);
  const meshPeers = peers.filter((p) => p.kind === PeerKind.MESH).length;
  return {
    peers: peers.length,
    meshPeers,
    explicitPeers: peers.length - meshPeers,
    meshNodes: config.mesh.enabled ? config.mesh.nodes.length : 0,
    pools: config.pools.length,
    blocks: config.blocks.length,
  };
}

export function validateCommand(
  options: ValidateOptions,
  output: CommandOutput = processOutput,
  environment: LoadEnvironment = processEnvironment(),
): Promise<ExitCode> {
  const result = loadConfigFile(options.config, environment);
  if (!result.ok) {
    if (options.json) output.out(`${JSON.stringify({ ok: false, file: options.config, errors: result.errors })}\n`);
    else output.err(result.errors.map((e) => `${formatIssue(e)}\n`).join(''));
    return Promise.resolve(1);
  }
  const summary = summarize(result.config);
  if (options.json) {
    const canonical = options.print ? { canonical: canonicalConfig(result.config) } : {};
    output.out(`${JSON.stringify({ ok: true, file: options.config, summary, ...canonical })}\n`);
  } else {
    output.out(
      `${options.config}: valid: ${summary.peers} peers (${summary.meshPeers} mesh, ${summary.explicitPeers} explicit), ` +
        `${summary.meshNodes} mesh nodes, ${summary.pools} pools, ${summary.blocks} blocks\n`,
    );
    if (options.print) output.out(canonicalConfig(result.config));
  }
  return Promise.resolve(0);
}
