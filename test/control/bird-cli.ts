/** Running BIRD's own command-line clients against a control socket, and reading their tables. */
import { run } from '../peers/process.js';

/** A BIRD client (`birdc`, `birdcl`, `birdc6`) run once against `socket`. */
export async function birdClient(binary: string, socket: string, ...command: string[]): Promise<{ code: number; out: string }> {
  const r = await run(binary, ['-s', socket, ...command]);
  return { code: r.code, out: r.stdout };
}

/** One row of `show protocols` as BIRD prints it (name, protocol, table, state, since, info). */
export function protocolRow(name: string, proto: string, state: string, info: string): RegExp {
  return new RegExp(`^${name} +${proto} +master +${state} +\\d\\d:\\d\\d:\\d\\d +${info.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}
