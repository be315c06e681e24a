import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTROL_SOCKET, controlSocketPath } from '../../src/cli/control-socket-path.js';

const files: Record<string, string> = {
  '/etc/petrel/a.yaml': 'node: {name: a}\ncontrol: {socket: /run/petrel/a.sock}\n',
  '/etc/petrel/b.yaml': 'node: {name: b}\n',
  '/etc/petrel/bad.yaml': 'control: [\n',
};
const readFile = (path: string): string => {
  const text = files[path];
  if (text === undefined) throw new Error(`ENOENT: ${path}`);
  return text;
};

describe('controlSocketPath', () => {
  it('prefers --socket, then control.socket of --config, then the default', () => {
    expect(controlSocketPath({ socket: '/tmp/x.sock', config: '/etc/petrel/a.yaml' }, readFile)).toEqual({ ok: true, path: '/tmp/x.sock' });
    expect(controlSocketPath({ config: '/etc/petrel/a.yaml' }, readFile)).toEqual({ ok: true, path: '/run/petrel/a.sock' });
    expect(controlSocketPath({ config: '/etc/petrel/b.yaml' }, readFile)).toEqual({ ok: true, path: DEFAULT_CONTROL_SOCKET });
    expect(controlSocketPath({}, readFile)).toEqual({ ok: true, path: '/run/petrel/petrel.sock' });
  });

  it('explains an unreadable or broken config instead of guessing', () => {
    expect(controlSocketPath({ config: '/etc/petrel/none.yaml' }, readFile)).toMatchObject({ ok: false, message: expect.stringContaining('cannot read') });
    expect(controlSocketPath({ config: '/etc/petrel/bad.yaml' }, readFile)).toMatchObject({ ok: false, message: expect.stringContaining('not valid YAML') });
  });
});
