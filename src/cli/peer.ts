/**
 * `petrel peer reset|disable|enable NAME`: reset drops and re-establishes the session (Cease /
 * Administrative Reset); disable closes it (Cease / Administrative Shutdown) until enabled.
 */
import type { ExitCode, PeerOptions } from './commands.js';
import { ask } from './control-command.js';
import { processOutput, type CommandOutput } from './validate.js';

const DONE: Readonly<Record<PeerOptions['action'], string>> = { reset: 'reset', disable: 'disabled', enable: 'enabled' };

export async function peerCommand(options: PeerOptions, output: CommandOutput = processOutput): Promise<ExitCode> {
  const answer = await ask(options, { command: 'peer', action: options.action, name: options.name }, output);
  if (!answer.ok) return answer.code;
  output.out(options.json ? `${JSON.stringify({ ok: true, peer: options.name, action: options.action })}\n` : `peer ${options.name}: ${DONE[options.action]}\n`);
  return 0;
}
