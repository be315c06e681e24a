import { describe, expect, it } from 'vitest';
import { parseAsNumber, parseDurationSec, parsePeerIp } from '../../src/config/calico/values.js';

describe('Calico value formats', () => {
  it.each([
    [64512, 64512],
    ['64512', 64512],
    ['1.10', 65546],
    ['0.65000', 65000],
    [4294967295, 4294967295],
  ])('reads AS number %j as %d (RFC 6793, asdot RFC 5396)', (input, value) => {
    expect(parseAsNumber(input)).toEqual({ ok: true, value });
  });

  it.each([0, -1, 4294967296, 1.1, '1.65536', 'AS64512', null, true])('rejects AS number %j', (input) => {
    expect(parseAsNumber(input).ok).toBe(false);
  });

  it.each([
    ['120s', 120],
    ['2m', 120],
    ['1m30s', 90],
    ['1h', 3600],
    ['1.5s', 2],
    ['500ms', 1],
    ['0', 0],
  ])('reads duration %s as %d whole seconds, rounded as confd does', (input, value) => {
    expect(parseDurationSec(input)).toEqual({ ok: true, value });
  });

  it.each(['120', 's', '2 m', '1d', '', 120])('rejects duration %j', (input) => {
    expect(parseDurationSec(input).ok).toBe(false);
  });

  it.each([
    ['10.0.1.1', { address: '10.0.1.1' }],
    ['10.0.1.1:1790', { address: '10.0.1.1', port: 1790 }],
    ['FD00::0001', { address: 'fd00::1' }],
    ['[fd00::1]:1790', { address: 'fd00::1', port: 1790 }],
  ])('reads peerIP %s', (input, value) => {
    expect(parsePeerIp(input)).toEqual({ ok: true, value });
  });

  it.each(['10.0.1.1:0', '10.0.1.1:70000', '[10.0.1.1]:179', 'fd00::1:179x', 'router1', '10.0.1.256'])('rejects peerIP %s', (input) => {
    expect(parsePeerIp(input).ok).toBe(false);
  });
});
