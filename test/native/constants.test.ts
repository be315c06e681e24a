import { describe, expect, it } from 'vitest';
import { addon } from '../../src/native/addon.js';
import { NetlinkProtocol, SocketLevel, SocketOption, TCP_MD5_MAX_KEY_BYTES } from '../../src/native/constants.js';

describe('native constants', () => {
  const header = addon().headerConstants;

  it('gives every socket option the level and name of the system headers', () => {
    const levelOf: Record<string, string> = { SO: 'SOL_SOCKET', IP: 'IPPROTO_IP', IPV6: 'IPPROTO_IPV6', TCP: 'IPPROTO_TCP', NETLINK: 'SOL_NETLINK' };
    for (const [name, option] of Object.entries(SocketOption)) {
      expect(header[name], name).toBe(option.name);
      const levelName = levelOf[name.split('_')[0]!]!;
      expect(header[levelName], `${name} level`).toBe(option.level);
    }
  });

  it('matches the headers for levels, netlink families and the MD5 key size', () => {
    for (const [name, value] of Object.entries(SocketLevel)) expect(header[name], name).toBe(value);
    for (const [name, value] of Object.entries(NetlinkProtocol)) expect(header[name], name).toBe(value);
    expect(header['TCP_MD5SIG_MAXKEYLEN']).toBe(TCP_MD5_MAX_KEY_BYTES);
  });
});
