/**
 * The shared half of the control-socket commands (`show`, `reload`, `peer`): find the socket,
 * send one request, and turn what comes back into output and an exit code — 0 on success, 1 when
 * the daemon refused, is not running, or the socket is not accessible, with a one-line reason.
 */
import { controlRequest, ControlError } from '../control/client.js';
import type { ControlRequest } from '../control/protocol.js';
import type { ControlOptions, ExitCode } from './commands.js';
import { controlSocketPath } from './control-socket-path.js';
import type { CommandOutput } from './validate.js';

export type Answer = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly code: ExitCode };

export async function ask(options: ControlOptions, request: ControlRequest, output: CommandOutput): Promise<Answer> {
  const where = controlSocketPath(options);
  if (!where.ok) {
    output.err(`petrel: ${where.message}\n`);
    return { ok: false, code: 1 };
  }
  try {
    const response = await controlRequest(where.path, request);
    if (response.ok) return { ok: true, result: response.result };
    if (options.json) output.out(`${JSON.stringify(response)}\n`);
    output.err(`petrel: ${response.error}\n`);
    for (const d of response.details ?? []) output.err(`  ${d}\n`);
    return { ok: false, code: 1 };
  } catch (err) {
    if (!(err instanceof ControlError)) throw err;
    output.err(`petrel: ${err.message}\n`);
    return { ok: false, code: 1 };
  }
}
