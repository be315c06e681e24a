/**
 * `petrel peer reset|disable|enable NAME [--message TEXT]`: reset drops and re-establishes the
 * session (Cease / Administrative Reset); disable closes it (Cease / Administrative Shutdown) until
 * enabled. `--message` travels in that NOTIFICATION as an RFC 9003 shutdown communication.
 */
import type { ExitCode, PeerOptions } from './commands.js';
import { controlRequestSchema } from '../control/protocol.js';
import { ask } from './control-command.js';
import { processOutput, type CommandOutput } from './validate.js';

const DONE: Readonly<Record<PeerOptions['action'], string>> = { reset: 'reset', disable: 'disabled', enable: 'enabled' };

export async function peerCommand(options: PeerOptions, output: CommandOutput = processOutput): Promise<ExitCode> {
  const request = { command: 'peer' as const, action: options.action, name: options.name, ...(options.message !== undefined ? { message: options.message } : {}) };
  // Checked here as the daemon would: a usage error, before any socket is opened.
  const checked = controlRequestSchema.safeParse(request);
  if (!checked.success) {
    for (const issue of checked.error.issues) output.err(`petrel: ${issue.path.length > 0 ? `--${issue.path.join('.')}: ` : ''}${issue.message}\n`);
    return 2;
  }
  const answer = await ask(options, request, output);
  if (!answer.ok) return answer.code;
  output.out(options.json ? `${JSON.stringify({ ok: true, peer: options.name, action: options.action })}\n` : `peer ${options.name}: ${DONE[options.action]}\n`);
  return 0;
}
