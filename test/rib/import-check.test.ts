import { describe, expect, it } from 'vitest';
import { AttrTable } from '../../src/rib/attr-set.js';
import { BgpFilter } from '../../src/rib/bgp-filter.js';
import { importAttrs, importEligibility, importFilterVerdict, reevaluateImport } from '../../src/rib/import-check.js';
import { Path } from '../../src/rib/path.js';
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

  it('takes the allowed local AS count and the session’s local AS (BIRD `local as`) from the peer', () => {
    const allowing = peer('10.0.0.254', { kind: 'ebgp', asn: 65001, allowedLocalAs: 1 });
    expect(importEligibility(path(65001, SELF.asn), allowing, SELF)).toBeNull();
    expect(importEligibility(path(65001, SELF.asn, SELF.asn), allowing, SELF)).toBe('as-loop');
    const speakingAs = peer('10.0.0.254', { kind: 'ebgp', asn: 65001, localAsn: 65201 });
    expect(importEligibility(path(65001, 65201), speakingAs, SELF)).toBe('as-loop');
    expect(importEligibility(path(65001, SELF.asn), speakingAs, SELF)).toBeNull();
  });

  describe('import filter (CALICO.md §1.7)', () => {
    const importFilter = BgpFilter.compile({
      ipv4: [
        { action: 'Reject', matchOperator: 'Equal', cidr: '0.0.0.0/0' },
        { action: 'Accept', matchOperator: 'In', cidr: '10.0.0.0/8' },
        { action: 'Reject', peerType: 'iBGP' },
      ],
      ipv6: [],
    })!;
    const filtered = peer('10.0.0.254', { kind: 'ebgp', asn: 65001, importFilter });

    it('flags a rejected prefix import-rejected and accepts on Accept or no matching rule', () => {
      expect(importFilterVerdict('0.0.0.0/0', filtered)).toBe('import-rejected');
      expect(importFilterVerdict('10.1.0.0/16', filtered)).toBeNull();
      // No rule matches: Calico's import filter ends in accept.
      expect(importFilterVerdict('192.0.2.0/24', filtered)).toBeNull();
      expect(importFilterVerdict('0.0.0.0/0', tor)).toBeNull();
    });

    it('passes the session type to peerType rules', () => {
      const internal = peer('10.0.0.50', { importFilter });
      expect(importFilterVerdict('192.0.2.0/24', internal)).toBe('import-rejected');
      expect(importFilterVerdict('10.1.0.0/16', internal)).toBeNull();
    });

    it('re-evaluates stored paths under new settings; RFC 7606 verdicts stand', () => {
      const attrs = path(65001);
      const rejected = Path.create('0.0.0.0/0', 0, attrs, tor, 'import-rejected');
      expect(reevaluateImport(rejected, tor, SELF)).toBeNull();
      const accepted = Path.create('0.0.0.0/0', 0, attrs, tor, null);
      expect(reevaluateImport(accepted, filtered, SELF)).toBe('import-rejected');
      const looped = Path.create('10.1.0.0/16', 0, path(65001, SELF.asn), tor, 'as-loop');
      expect(reevaluateImport(looped, peer('10.0.0.254', { kind: 'ebgp', asn: 65001, allowedLocalAs: 1 }), SELF)).toBeNull();
      const malformed = Path.create('10.1.0.0/16', 0, attrs, tor, 'treat-as-withdraw');
      expect(reevaluateImport(malformed, filtered, SELF)).toBe('treat-as-withdraw');
    });
  });
});
