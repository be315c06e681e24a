/**
 * config/petrel.service is checked with systemd's own verifier, as the issue asks. The binary
 * path is swapped for this checkout's built CLI (systemd-analyze refuses a unit whose
 * ExecStart does not exist); everything else is verified as shipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const unit = readFileSync(path.join(root, 'config/petrel.service'), 'utf8');
const dir = mkdtempSync(path.join(tmpdir(), 'petrel-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function directives(key: string): string[] {
  return unit
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

describe('config/petrel.service', () => {
  it('passes systemd-analyze verify with no warnings', () => {
    const cli = path.join(root, 'dist/cli/main.js');
    const local = unit.replaceAll('/usr/bin/petrel', `${process.execPath} ${cli}`);
    const file = path.join(dir, 'petrel.service');
    writeFileSync(file, local);
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('restarts on failure with only CAP_NET_ADMIN and CAP_NET_BIND_SERVICE, no new privileges, a read-only system', () => {
    expect(directives('Type')).toEqual(['exec']);
    expect(directives('Restart')).toEqual(['on-failure']);
    expect(directives('CapabilityBoundingSet')).toEqual(['CAP_NET_ADMIN CAP_NET_BIND_SERVICE']);
    expect(directives('NoNewPrivileges')).toEqual(['yes']);
    expect(directives('ProtectSystem')).toEqual(['strict']);
    expect(directives('StateDirectory')).toEqual(['petrel']);
    expect(directives('RuntimeDirectory')).toEqual(['petrel']);
  });

  it('runs the CLI it names: validate and run accept the same --config flag', () => {
    const cli = path.join(root, 'dist/cli/main.js');
    for (const cmd of [...directives('ExecStartPre'), ...directives('ExecStart')]) {
      const [bin, sub, flag] = cmd.split(' ');
      expect(bin).toBe('/usr/bin/petrel');
      expect(flag).toBe('--config');
      // The subcommand exists and takes --config (yargs --help exits 0 and lists the flag).
      const help = execFileSync(process.execPath, [cli, sub!, '--help'], { encoding: 'utf8' });
      expect(help).toContain('--config');
    }
  });
});
