// The restart marker in stateDir (RFC 4724 §4.1): the decision as a pure function of what the
// markers say and the clock, then the files StateDir reads and writes, and its fall-back when the
// folder cannot be written.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { comesBackRestarting, previousRunFrom, restartPolicy, StateDir, STATE_DIR_MODE, type PreviousRun } from '../../src/daemon/state-dir.js';
import { silentLogger } from '../../src/log.js';
import { LEVEL, LogCapture } from './log-capture.js';

const START = new Date('2026-11-26T12:00:00.000Z');
const secondsBefore = (sec: number): Date => new Date(START.getTime() - sec * 1000);

describe('comesBackRestarting', () => {
  const cases: readonly { readonly name: string; readonly previous: PreviousRun; readonly restartTimeSec: number; readonly restarting: boolean }[] = [
    { name: 'no marker: a cold start', previous: { kind: 'none' }, restartTimeSec: 120, restarting: false },
    { name: 'a crash: peers hold our routes now', previous: { kind: 'crashed', pid: 4242, startedAt: secondsBefore(86_400) }, restartTimeSec: 120, restarting: true },
    { name: 'an unknown past: as before markers', previous: { kind: 'unknown', reason: 'EACCES' }, restartTimeSec: 120, restarting: true },
    { name: 'stopped 5 s ago, restart time 120 s', previous: { kind: 'stopped', stoppedAt: secondsBefore(5) }, restartTimeSec: 120, restarting: true },
    { name: 'stopped 119.999 s ago, restart time 120 s', previous: { kind: 'stopped', stoppedAt: new Date(START.getTime() - 119_999) }, restartTimeSec: 120, restarting: true },
    { name: 'stopped exactly the restart time ago', previous: { kind: 'stopped', stoppedAt: secondsBefore(120) }, restartTimeSec: 120, restarting: false },
    { name: 'stopped an hour ago', previous: { kind: 'stopped', stoppedAt: secondsBefore(3600) }, restartTimeSec: 120, restarting: false },
    { name: 'stopped 200 s ago, but this peer has 300 s', previous: { kind: 'stopped', stoppedAt: secondsBefore(200) }, restartTimeSec: 300, restarting: true },
    { name: 'restart time 0: nobody waits', previous: { kind: 'stopped', stoppedAt: START }, restartTimeSec: 0, restarting: false },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.restarting ? 'restarting' : 'cold'}`, () => {
      expect(comesBackRestarting(c.previous, START, c.restartTimeSec)).toBe(c.restarting);
    });
  }

  it('restartPolicy decides per peer restart time from one start time', () => {
    const policy = restartPolicy({ kind: 'stopped', stoppedAt: secondsBefore(200) }, START);
    expect([policy(120), policy(300)]).toEqual([false, true]);
  });

  it('judges a peer by the restart time the stopped run told it, not the one configured now (RFC 4724 §4.2)', () => {
    const previous: PreviousRun = { kind: 'stopped', stoppedAt: secondsBefore(200), restartTimes: { '10.0.0.1': 120, '10.0.0.2': 300 } };
    // Told 120 s: the peer dropped our routes at 120 s, whatever we would say now.
    expect(comesBackRestarting(previous, START, 300, '10.0.0.1')).toBe(false);
    // Told 300 s: the peer still holds them, though we now advertise 60 s.
    expect(comesBackRestarting(previous, START, 60, '10.0.0.2')).toBe(true);
    // A peer the stopped run did not record: the time it will be told now.
    expect(comesBackRestarting(previous, START, 300, '10.0.0.3')).toBe(true);
    expect(comesBackRestarting(previous, START, 120, '10.0.0.3')).toBe(false);
  });
});

describe('previousRunFrom (marker contents)', () => {
  const running = { pid: 77, startedAt: secondsBefore(600).toISOString() };
  it('reads no markers as none, running as a crash, stopped as a clean stop', () => {
    expect(previousRunFrom(undefined, undefined)).toEqual({ kind: 'none' });
    expect(previousRunFrom(running, undefined)).toEqual({ kind: 'crashed', pid: 77, startedAt: secondsBefore(600) });
    expect(previousRunFrom(undefined, { stoppedAt: secondsBefore(10).toISOString() })).toEqual({ kind: 'stopped', stoppedAt: secondsBefore(10) });
  });

  it('takes both markers as a clean stop that could not remove running, unless the stop is older than the start', () => {
    expect(previousRunFrom(running, { stoppedAt: secondsBefore(10).toISOString() })).toEqual({ kind: 'stopped', stoppedAt: secondsBefore(10) });
    expect(previousRunFrom(running, { stoppedAt: secondsBefore(900).toISOString() })).toMatchObject({ kind: 'crashed', pid: 77 });
  });

  it('treats unreadable or garbled markers as unknown, and a crash with a garbled stop as a crash', () => {
    expect(previousRunFrom(new Error('EACCES'), undefined)).toEqual({ kind: 'unknown', reason: 'EACCES' });
    expect(previousRunFrom(undefined, new Error('not a marker'))).toEqual({ kind: 'unknown', reason: 'not a marker' });
    expect(previousRunFrom(undefined, { stoppedAt: 'yesterday-ish' })).toMatchObject({ kind: 'unknown' });
    expect(previousRunFrom(running, { stoppedAt: 12 })).toMatchObject({ kind: 'crashed' });
    expect(previousRunFrom({}, undefined)).toEqual({ kind: 'crashed' });
    // Restart times outside RFC 4724's 12-bit field, or not numbers, are left out.
    expect(previousRunFrom(undefined, { stoppedAt: secondsBefore(10).toISOString(), restartTimes: { a: 120, b: 5000, c: '60', d: -1 } })).toEqual({
      kind: 'stopped',
      stoppedAt: secondsBefore(10),
      restartTimes: { a: 120 },
    });
  });
});

describe('StateDir (files)', () => {
  let root: string;
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('creates the folder 0750, writes running with pid and start time, then replaces it with stopped', () => {
    root = mkdtempSync(path.join(tmpdir(), 'petrel-state-'));
    const dir = path.join(root, 'var', 'lib', 'petrel');
    const first = StateDir.open(dir, silentLogger());
    expect(first.previous).toEqual({ kind: 'none' });
    expect(statSync(dir).mode & 0o777).toBe(STATE_DIR_MODE);
    expect(first.markRunning(START, 1234)).toEqual({ kind: 'none' });
    expect(JSON.parse(readFileSync(path.join(dir, 'running'), 'utf8'))).toEqual({ pid: 1234, startedAt: START.toISOString() });

    // Killed here: the next start finds a crash.
    expect(StateDir.open(dir, silentLogger()).previous).toEqual({ kind: 'crashed', pid: 1234, startedAt: START });

    first.markStopped(secondsBefore(-30), { '10.0.0.1': 120, 'fd00::1': 300 });
    expect(existsSync(path.join(dir, 'running'))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(dir, 'stopped'), 'utf8'))).toEqual({
      stoppedAt: secondsBefore(-30).toISOString(),
      restartTimes: { '10.0.0.1': 120, 'fd00::1': 300 },
    });
    const second = StateDir.open(dir, silentLogger());
    expect(second.previous).toEqual({ kind: 'stopped', stoppedAt: secondsBefore(-30), restartTimes: { '10.0.0.1': 120, 'fd00::1': 300 } });
    second.markRunning(secondsBefore(-40), 99);
    expect(existsSync(path.join(dir, 'stopped'))).toBe(false);
  });

  it('puts the markers back when the start fails after markRunning, restart times included', () => {
    root = mkdtempSync(path.join(tmpdir(), 'petrel-state-'));
    writeFileSync(path.join(root, 'stopped'), JSON.stringify({ stoppedAt: secondsBefore(50).toISOString(), restartTimes: { '10.0.0.1': 90 } }));
    const state = StateDir.open(root, silentLogger());
    state.markRunning(START);
    state.markStartFailed();
    expect(StateDir.open(root, silentLogger()).previous).toEqual({ kind: 'stopped', stoppedAt: secondsBefore(50), restartTimes: { '10.0.0.1': 90 } });
  });

  it('falls back to restarting with one warning when the markers cannot be written', () => {
    root = mkdtempSync(path.join(tmpdir(), 'petrel-state-'));
    // A folder where a marker's temp file goes: the write fails, for root too (EISDIR).
    mkdirSync(path.join(root, 'running.tmp'));
    mkdirSync(path.join(root, 'stopped.tmp'));
    const log = new LogCapture();
    const state = StateDir.open(root, log.logger);
    expect(state.previous).toEqual({ kind: 'none' });
    const decided = state.markRunning(START);
    expect(decided.kind).toBe('unknown');
    expect(comesBackRestarting(decided, START, 120)).toBe(true);
    state.markStopped(START);
    expect(log.messages(LEVEL.warn)).toHaveLength(1);
    expect(log.messages(LEVEL.warn)[0]).toMatch(/^stateDir .* cannot be used .*R bit/);
  });

  it('falls back to restarting with one warning when the folder cannot be created', () => {
    root = mkdtempSync(path.join(tmpdir(), 'petrel-state-'));
    const blocker = path.join(root, 'file');
    writeFileSync(blocker, '');
    const log = new LogCapture();
    const state = StateDir.open(path.join(blocker, 'state'), log.logger);
    expect(state.previous.kind).toBe('unknown');
    expect(state.markRunning(START).kind).toBe('unknown');
    state.markStopped(START);
    expect(log.messages(LEVEL.warn)).toHaveLength(1);
  });
});
