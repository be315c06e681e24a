/**
 * `petrel lab [--mode noencap|vxlan|crosssubnet|ipip] [--reflector] [--keep]`: the demo topology
 * of SPEC §5 on this machine (src/lab/run-lab.ts). Needs root; exit 0 when every expected route
 * is installed and every pod reached the others, 1 otherwise.
 */
import { runLab } from '../lab/run-lab.js';
import type { ExitCode, LabOptions } from './commands.js';

export function labCommand(options: LabOptions): Promise<ExitCode> {
  return runLab({
    mode: options.mode,
    reflector: options.reflector,
    keep: options.keep,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
  });
}
