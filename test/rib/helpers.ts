// Builders shared by the RIB and reflector tests.
import { AttrTable } from '../../src/rib/attr-set.js';
import type { PathAttributesInit } from '../../src/rib/attr-set.js';
import { makePeerInfo, Path } from '../../src/rib/path.js';
import type { IneligibleReason, PeerInfo, PeerInfoInit } from '../../src/rib/path.js';
import { ExportPolicy } from '../../src/rib/export-policy.js';

export function peer(name: string, init: Partial<PeerInfoInit> = {}): PeerInfo {
  const address = init.address ?? name;
  return makePeerInfo({ name, address, routerId: init.routerId ?? address, asn: init.asn ?? 64512, kind: init.kind ?? 'ibgp', ...init });
}

export const SELF = { asn: 64512, routerId: '10.0.0.100', clusterId: '244.0.0.1' } as const;

export function pathFactory(table = new AttrTable()) {
  return {
    table,
    path: (prefix: string, source: PeerInfo, attrs: Partial<PathAttributesInit> = {}, opts: { pathId?: number; ineligible?: IneligibleReason } = {}): Path => {
      const set = table.intern({ origin: 'igp', nextHops: [source.address || '0.0.0.0'], ...attrs });
      return Path.create(prefix, opts.pathId ?? 0, set, source, opts.ineligible ?? null);
    },
  };
}

/** Every permutation of `items` (Heap's algorithm). */
export function permutations<T>(items: readonly T[]): T[][] {
  const a = items.slice();
  const out: T[][] = [a.slice()];
  const c = new Array<number>(a.length).fill(0);
  let i = 0;
  while (i < a.length) {
    if (c[i]! < i) {
      const j = i % 2 === 0 ? 0 : c[i]!;
      [a[j], a[i]] = [a[i]!, a[j]!];
      out.push(a.slice());
      c[i]!++;
      i = 0;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return out;
}

/** Export everything (`exportPolicy: all`), as a central reflector for non-Calico clients does. */
export function exportAll(isReflector: boolean): ExportPolicy {
  return new ExportPolicy({
    exportPolicy: 'all',
    pools: [],
    localBlocks: [],
    staticRoutes: [],
    serviceLoadBalancerIPs: [],
    serviceExternalIPs: [],
    prefixAdvertisements: [],
    isReflector,
  });
}
