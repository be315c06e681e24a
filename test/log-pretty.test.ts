// The terminal rendering of pino's JSON lines: time, level, message, the stable fields first,
// the rest after, error stacks below; anything that is not a pino line passes through.
import { describe, expect, it } from 'vitest';
import { formatPrettyLine, prettyDestination } from '../src/log-pretty.js';

const line = (record: Record<string, unknown>): string => JSON.stringify({ level: 30, time: '2026-11-26T10:08:13.042Z', pid: 7, ...record });

describe('formatPrettyLine', () => {
  it('renders time, level and message, then peer, state, code, subcode, prefix in that order', () => {
    const json = line({ level: 40, msg: 'NOTIFICATION received', direction: 'received', subcode: 2, code: 6, state: 'Established', peer: 'node-b', prefix: '10.244.1.0/26' });
    expect(formatPrettyLine(json)).toBe('10:08:13.042 WARN  NOTIFICATION received peer=node-b state=Established code=6 subcode=2 prefix=10.244.1.0/26 direction=received\n');
  });

  it('quotes values that would not read as one word and prints objects as JSON; drops pid and hostname', () => {
    const json = line({ msg: 'hello', hostname: 'h', notification: 'Cease / Administrative Shutdown', empty: '', families: ['ipv4-unicast'], up: true });
    expect(formatPrettyLine(json)).toBe('10:08:13.042 INFO  hello notification="Cease / Administrative Shutdown" empty="" families=["ipv4-unicast"] up=true\n');
  });

  it('puts an error\u2019s message inline and its stack on indented lines', () => {
    const json = line({ level: 60, msg: 'cannot start', err: { type: 'Error', message: 'EADDRINUSE', stack: 'Error: EADDRINUSE\n    at listen' } });
    expect(formatPrettyLine(json)).toBe('10:08:13.042 FATAL cannot start err=EADDRINUSE\n    Error: EADDRINUSE\n        at listen\n');
  });

  it('colours the level only when asked', () => {
    expect(formatPrettyLine(line({ level: 50, msg: 'x' }), { colour: true })).toBe('10:08:13.042 \u001b[31mERROR\u001b[0m x\n');
  });

  it('passes a line that is not a JSON object through unchanged', () => {
    expect(formatPrettyLine('not json')).toBe('not json\n');
    expect(formatPrettyLine('[1,2]')).toBe('[1,2]\n');
  });
});

describe('prettyDestination', () => {
  it('renders each line of a chunk separately', () => {
    const out: string[] = [];
    const destination = prettyDestination({ write: (text: string) => out.push(text) });
    destination.write(`${line({ msg: 'a' })}\n${line({ msg: 'b' })}\n`);
    expect(out).toEqual(['10:08:13.042 INFO  a\n', '10:08:13.042 INFO  b\n']);
  });
});
