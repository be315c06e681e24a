/**
 * RIB micro-benchmark (not a test): 1,000,000 IPv4 prefixes sharing one attribute set from one
 * iBGP client go into Adj-RIB-In and Loc-RIB; then each change event is run through Calico export
 * policy and export attribute rewriting towards another client, as a reflector would; then all
 * are withdrawn. Prints the time per stage. Run: `npx tsx bench/rib-micro.ts [count]`.
 */
import { AdjRibIn } from '../src/rib/adj-rib-in.js';
import { AttrTable } from '../src/rib/attr-set.js';
import { DEFAULT_DECISION_OPTIONS } from '../src/rib/decision.js';
import { exportAttrs, makeExportTarget } from '../src/rib/export-attrs.js';
import { ExportPolicy } from '../src/rib/export-policy.js';
import { LocRib } from '../src/rib/loc-rib.js';
import type { LocRibChange } from '../src/rib/loc-rib.js';
import { makePeerInfo, Path } from '../src/rib/path.js';

const count = Number(process.argv[2] ?? 1_000_000);
const prefixes: string[] = new Array<string>(count);
for (let i = 0; i < count; i++) prefixes[i] = `${10 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24`;

const self = { asn: 64512, routerId: '10.0.0.100', clusterId: '244.0.0.1' };
const client = makePeerInfo({ name: 'client1', address: '10.0.0.1', routerId: '10.0.0.1', asn: 64512, kind: 'ibgp', isClient: true });
const receiver = makePeerInfo({ name: 'client2', address: '10.0.0.2', routerId: '10.0.0.2', asn: 64512, kind: 'ibgp', isClient: true });
const table = new AttrTable();
const attrs = table.intern({ origin: 'igp', asPath: [], nextHops: ['10.0.0.1'], localPref: 100 });

const changes: LocRibChange[] = [];
const adjIn = new AdjRibIn(client);
const locRib = new LocRib(DEFAULT_DECISION_OPTIONS, (c) => changes.push(c));

function ms(t0: bigint): string {
  return (Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0);
}

let t0 = process.hrtime.bigint();
for (let i = 0; i < count; i++) {
  const path = new Path(prefixes[i]!, 0, attrs, client);
  const previous = adjIn.put(path);
  if (previous !== null) locRib.update(path, previous);
}
console.log(`insert ${count} paths (Adj-RIB-In + Loc-RIB + events): ${ms(t0)} ms; events ${changes.length}; sets ${table.size}`);

const policy = new ExportPolicy({
  exportPolicy: 'all',
  pools: [],
  localBlocks: [],
  staticRoutes: [],
  serviceLoadBalancerIPs: [],
  serviceExternalIPs: [],
  prefixAdvertisements: [],
  isReflector: true,
});
const target = makeExportTarget({ peer: receiver, self, localAddress: '10.0.0.100', nextHopMode: 'Auto', defaultLocalPref: 100 });
t0 = process.hrtime.bigint();
let exported = 0;
for (const c of changes) {
  const best = c.best!;
  const d = policy.decide(c.prefix, best.source, true);
  if (d.accept && exportAttrs(best, target, d).clusterList.length === 1) exported++;
}
console.log(`export policy + reflected attributes for ${exported} routes: ${ms(t0)} ms; sets ${table.size}`);

t0 = process.hrtime.bigint();
for (let i = 0; i < count; i++) {
  const old = adjIn.withdraw(prefixes[i]!, 0);
  if (old) locRib.remove(old);
}
console.log(`withdraw ${count} paths: ${ms(t0)} ms; Loc-RIB ${locRib.size}; sets ${table.size}`);
console.log(`heap used ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB`);
