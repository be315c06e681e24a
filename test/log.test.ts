// The logger: JSON lines unless a terminal or --log-format asks for pretty ones, and in either
// format a configured password never appears (SPEC §8).
import { describe, expect, it } from 'vitest';
import { Secret } from '../src/config/secrets.js';
import { chooseLogFormat, createLogger, type LogFormat } from '../src/log.js';
import { config } from './daemon/harness.js';

const PASSWORD = 'hunter2-md5-key';

function capture(format: LogFormat) {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', format, destination: { write: (text: string) => void lines.push(text) } });
  return { logger, text: () => lines.join('') };
}

describe('chooseLogFormat', () => {
  it('is pretty on a terminal and JSON lines when piped or unknown', () => {
    expect(chooseLogFormat(undefined, true)).toBe('pretty');
    expect(chooseLogFormat(undefined, false)).toBe('json');
    expect(chooseLogFormat(undefined, undefined)).toBe('json');
  });

  it('follows --log-format whatever stdout is', () => {
    expect(chooseLogFormat('json', true)).toBe('json');
    expect(chooseLogFormat('pretty', false)).toBe('pretty');
  });
});

describe('createLogger', () => {
  it('writes JSON lines with the stable fields by default', () => {
    const { logger, text } = capture('json');
    logger.child({ peer: 'node-b' }).info({ state: 'Established' }, 'up');
    expect(JSON.parse(text())).toMatchObject({ level: 30, peer: 'node-b', state: 'Established', msg: 'up' });
  });

  it('writes pretty lines when asked', () => {
    const { logger, text } = capture('pretty');
    logger.child({ peer: 'node-b' }).info({ state: 'Established' }, 'up');
    expect(text()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}up peer=node-b state=Established\n$/);
  });

  it.each(['json', 'pretty'] as const)('never prints a password in %s output: a Secret, a config, a bare field', (format) => {
    const { logger, text } = capture(format);
    const secret = new Secret(PASSWORD, { env: 'PEER_PASSWORD' });
    const loaded = config(`node: {name: node-a, ipv4Address: 10.0.0.1/24}\nmesh: {enabled: false}\npeers: [{name: b, address: 10.0.0.2, asNumber: 64512}]\n`);
    const withSecret = { ...loaded, peers: loaded.peers.map((p) => ({ ...p, password: secret })) };
    logger.info({ peer: 'b', key: secret }, 'secret object');
    logger.info({ config: withSecret }, 'whole config');
    logger.info({ password: PASSWORD }, 'bare password field');
    logger.info({ peerConfig: { password: PASSWORD } }, 'nested password field');
    const out = text();
    expect(out).toContain('whole config');
    expect(out).toContain('[redacted]');
    expect(out).not.toContain(PASSWORD);
  });
});
