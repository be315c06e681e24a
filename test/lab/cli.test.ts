// `petrel lab` as a newcomer runs it (SPEC §2): the whole demo to exit 0 with routes and traffic
// printed, IPv4 and IPv6; `--keep` leaving it running with a script that tears it down; Ctrl-C (SIGINT) in the
// middle stopping every petrel and deleting every namespace.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run, runOk } from '../../src/lab/exec.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function petrelLab(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', MAIN, 'lab', ...args], 120_000);
}

/** The namespace prefix the lab prints: `namespaces plab-<pid>-<n>-*`. */
function prefixIn(output: string): string {
  const match = /namespaces (plab-\d+-\d+)-\*/.exec(output);
  if (match?.[1] === undefined) throw new Error(`no namespace prefix in:\n${output}`);
  return match[1];
}

async function namespacesNamed(prefix: string): Promise<string[]> {
  const out = await runOk('ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`${prefix}-`));
}

/** The lab's work directory, from a daemon's `--config <workDir>/<machine>/petrel.yaml`. */
function workDirOf(pid: number): string {
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const config = args[args.indexOf('--config') + 1];
  if (config === undefined || !config.endsWith('/petrel.yaml')) throw new Error(`no --config in ${args.join(' ')}`);
  return dirname(dirname(config));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether a process is `petrel run` (not a passing `ip -n` the lab runs in that namespace). */
function isPetrelRun(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('run');
  } catch {
    return false;
  }
}

/** PIDs of the petrels inside the lab's namespaces. */
async function pidsIn(namespaces: readonly string[]): Promise<number[]> {
  const pids: number[] = [];
  for (const ns of namespaces) {
    const out = await runOk('ip', ['netns', 'pids', ns]);
    for (const pid of out.split('\n').filter((l) => l !== '').map(Number)) if (isPetrelRun(pid)) pids.push(pid);
  }
  return pids;
}

describe('petrel lab', () => {
  it('shows routes and pod-to-pod traffic for VXLAN in a full mesh, IPv4 and IPv6, exits 0 and leaves nothing behind', async () => {
    const r = await petrelLab('--mode', 'vxlan');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('petrel lab: VXLAN Always');
    expect(r.stdout).toContain('full iBGP mesh');
    expect(r.stdout).toContain('a1 10.0.1.11 fd00:0:1::11, a2 10.0.1.12 fd00:0:1::12');
    expect(r.stdout).toContain('pool fd10:244::/64: a1 block fd10:244::1:0/122 (pod fd10:244::1:10)');
    expect(r.stdout).toMatch(/10\.244\.2\.0\/26 via 10\.244\.2\.0 dev vxlan\.calico proto bird onlink +<- petrel/);
    expect(r.stdout).toMatch(/fd10:244::2:0\/122 via fd10:244::2:0 dev vxlan-v6\.calico proto bird .*onlink.* +<- petrel/);
    expect(r.stdout).not.toMatch(/^ {2}fe80::\/64/m);
    expect(r.stdout).toContain('a1-p1 10.244.1.10 -> b1-p1 10.244.3.10: ping 3/3, TCP ok ("pong hello from a1-p1 (10.244.1.10)")');
    expect(r.stdout).toContain('a1-p1 fd10:244::1:10 -> b1-p1 fd10:244::3:10: ping 3/3, TCP ok ("pong hello from a1-p1 (fd10:244::1:10)")');
    expect(r.stdout).toContain('12 of 12 pod-to-pod probes reached their pod');
    expect(await namespacesNamed(prefixIn(r.stdout))).toEqual([]);
  });

  it('says why IPIP carries no IPv4 traffic here, and sends IPv6 over the native IPv6 pool', async () => {
    const r = await petrelLab('--mode', 'ipip', '--reflector');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('every node a client of the route reflector rr');
    expect(r.stdout).toMatch(/10\.244\.3\.0\/26 via 10\.0\.2\.11 dev tunl0 proto bird onlink +<- petrel/);
    expect(r.stdout).toContain('no ipip module');
    expect(r.stdout).not.toContain('over IPv4 (ping');
    expect(r.stdout).toContain('a1-p1 fd10:244::1:10 -> a2-p1 fd10:244::2:10: ping 3/3');
    expect(r.stdout).toContain('2 of 2 pod-to-pod probes reached their pod');
  });

  it('keeps the lab running with --keep, and its teardown script removes it', async () => {
    const r = await petrelLab('--mode', 'noencap', '--keep');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('4 of 4 pod-to-pod probes reached their pod');
    expect(r.stdout.match(/not tried: a1 <-> b1, a2 <-> b1/g)).toHaveLength(2);
    const prefix = prefixIn(r.stdout);
    const script = /tear it down with: sh (\S+)/.exec(r.stdout)?.[1];
    expect(script).toBeDefined();
    const namespaces = await namespacesNamed(prefix);
    expect(namespaces).toHaveLength(7);
    const pids = await pidsIn(namespaces);
    expect(pids).toHaveLength(3);
    expect(pids.every(alive)).toBe(true);
    // Still routing after the lab process has exited.
    const ping = await run('ip', ['netns', 'exec', `${prefix}-a1-p1`, 'ping', '-n', '-c', '1', '-W', '2', '10.244.2.10']);
    expect(ping.stdout).toContain('1 received');
    const ping6 = await run('ip', ['netns', 'exec', `${prefix}-a1-p1`, 'ping', '-6', '-n', '-c', '1', '-W', '2', 'fd10:244::2:10']);
    expect(ping6.stdout).toContain('1 received');

    await runOk('sh', [script!], 30_000);
    expect(await namespacesNamed(prefix)).toEqual([]);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(dirname(script!))).toBe(false);
  });

  it('refuses to run without root, saying why', async () => {
    const r = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', MAIN, 'lab'], 60_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('petrel lab: needs root \u2014 it creates network namespaces, veths and routes (try: sudo petrel lab)\n');
    expect(r.stdout).toBe('');
  });

  it('tears everything down on Ctrl-C (SIGINT) and ends by that signal', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'lab', '--mode', 'crosssubnet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('BGP sessions Established')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`petrel lab exited ${code} early:\n${stdout}`)));
    });
    const prefix = prefixIn(stdout);
    const pids = await pidsIn((await namespacesNamed(prefix)).filter((ns) => /-(a1|a2|b1)$/.test(ns)));
    expect(pids).toHaveLength(3);
    const workDir = workDirOf(pids[0]!);
    expect(existsSync(workDir)).toBe(true);
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }, `stderr:\n${stderr}`).toEqual({ code: null, signal: 'SIGINT' });
    expect(await namespacesNamed(prefix)).toEqual([]);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(workDir)).toBe(false);
  });
});
