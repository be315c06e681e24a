import { describe, expect, it } from 'vitest';
import { AttrTable } from '../../src/rib/attr-set.js';
import { importAttrs, importEligibility } from '../../src/rib/import-check.js';
import { peer, SELF } from './helpers.js';

describe('import checks', () => {
  const t = new AttrTable();
  const tor = peer('10.0.0.254', { kind: 'ebgp', asn: 65001 });
  const rr = peer('10.0.0.50');
  const path = (...asns: number[]) => t.intern({ origin: 'igp', asPath: [{ type: 'sequence', asns }] });

  it('flags our AS in an eBGP AS_PATH as a loop (RFC 4271 §9.1.2)', () => {
    expect(importEligibility(path(65001, SELF.asn), tor, SELF)).toBe('as-loop');
    expect(importEligibility(path(65001, 65002), tor, SELF)).toBeNull();
  });

  it('allows our AS up to numAllowedLocalASNumbers times', () => {
    expect(importEligibility(path(65001, SELF.asn), tor, SELF, 1)).toBeNull();
    expect(importEligibility(path(65001, SELF.asn, SELF.asn), tor, SELF, 1)).toBe('as-loop');
    expect(importEligibility(path(65001, SELF.asn, SELF.asn), tor, SELF, 2)).toBeNull();
  });

  it('applies the reflection loop checks to iBGP paths', () => {
    expect(importEligibility(t.intern({ origin: 'igp', clusterList: [SELF.clusterId] }), rr, SELF)).toBe('cluster-loop');
    expect(importEligibility(t.intern({ origin: 'igp', originatorId: SELF.routerId }), rr, SELF)).toBe('originator-loop');
    expect(importEligibility(t.intern({ origin: 'igp' }), rr, SELF)).toBeNull();
  });

  it('ignores a LOCAL_PREF received over eBGP (RFC 4271 §5.1.5), keeps it over iBGP', () => {
    const withLp = t.intern({ origin: 'igp', localPref: 300 });
    expect(importAttrs(withLp, tor).localPref).toBeUndefined();
    expect(importAttrs(withLp, tor)).toBe(importAttrs(withLp, tor));
    expect(importAttrs(withLp, rr)).toBe(withLp);
  });
});
