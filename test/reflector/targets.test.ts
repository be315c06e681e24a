import { describe, expect, it } from 'vitest';
import { isReflection, mayAdvertise, REFLECTION_TARGETS } from '../../src/reflector/targets.js';
import { peer } from '../rib/helpers.js';

describe('reflection targets (RFC 4456 §6, RFC 4271 §9.2)', () => {
  const client1 = peer('10.0.0.1', { isClient: true });
  const client2 = peer('10.0.0.2', { isClient: true });
  const nonClient = peer('10.0.0.3');
  const nonClient2 = peer('10.0.0.4');
  const ebgp = peer('10.0.0.5', { kind: 'ebgp', asn: 65001 });
  const ebgp2 = peer('10.0.0.6', { kind: 'ebgp', asn: 65002 });
  const local = peer('local', { kind: 'local', address: '', routerId: '10.0.0.100' });
  const targets = [client1, client2, nonClient, nonClient2, ebgp, ebgp2];
  const names = (source: typeof client1) => targets.filter((t) => mayAdvertise(source, t)).map((t) => t.name);

  it('sends a client route to the other clients, non-clients and eBGP', () => {
    expect(names(client1)).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
  });
  it('sends a non-client route to clients and eBGP only', () => {
    expect(names(nonClient)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.5', '10.0.0.6']);
  });
  it('sends an eBGP route to everyone but its source', () => {
    expect(names(ebgp)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.6']);
  });
  it('sends a local route to everyone', () => {
    expect(names(local)).toEqual(targets.map((t) => t.name));
  });
  it('is the table the RFC gives', () => {
    expect(REFLECTION_TARGETS).toEqual({
      client: { client: true, 'non-client': true, ebgp: true },
      'non-client': { client: true, 'non-client': false, ebgp: true },
      ebgp: { client: true, 'non-client': true, ebgp: true },
      local: { client: true, 'non-client': true, ebgp: true },
    });
  });
  it('counts only iBGP to iBGP as reflection', () => {
    expect(isReflection(client1, nonClient)).toBe(true);
    expect(isReflection(ebgp, client1)).toBe(false);
    expect(isReflection(local, client1)).toBe(false);
    expect(isReflection(client1, ebgp)).toBe(false);
  });
});
