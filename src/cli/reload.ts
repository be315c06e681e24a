/**
 * `petrel reload`: the daemon re-reads its config file, as on SIGHUP. Prints what changed, or
 * every error of the rejected file (exit 1; the daemon keeps its running config).
 */
import type { ReloadOutcome } from '../daemon/speaker.js';
import type { ExitCode, ReloadOptions } from './commands.js';
import { ask } from './control-command.js';
import { processOutput, type CommandOutput } from './validate.js';

export async function reloadCommand(options: ReloadOptions, output: CommandOutput = processOutput): Promise<ExitCode> {
  const answer = await ask(options, { command: 'reload' }, output);
  if (!answer.ok) return answer.code;
  const o = answer.result as ReloadOutcome;
  if (options.json) {
    output.out(`${JSON.stringify({ ok: true, ...o })}\n`);
    return 0;
  }
  const parts: string[] = [];
  const list = (label: string, names: readonly string[]): void => {
    if (names.length > 0) parts.push(`${label}: ${names.join(', ')}`);
  };
  list('peers added', o.peersAdded);
  list('peers removed', o.peersRemoved);
  list('sessions reset', o.peersReset);
  list('peers updated without reset', o.peersUpdated);
  list('policy changed', o.policyChanged);
  list('other changes', o.otherChanged);
  output.out(parts.length === 0 ? 'reloaded: no changes\n' : `reloaded: ${parts.join('; ')}\n`);
  return 0;
}
