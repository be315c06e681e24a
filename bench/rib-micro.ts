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
import { changeOf, LocRib } from '../src/rib/loc-rib.js';
import type { LocRibChange } from '../src/rib/loc-rib.js';
import { makePeerInfo, Path } from '../src/rib/path.js';

const count = Number(process.argv[2] ?? 1_000_000);
// Fresh string objects, as a decoder produces them: their hash is computed on first Map use.
function makePrefixes(): string[] {
  const out: string[] = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = `${10 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24`;
  return out;
}
const prefixes = makePrefixes();

const self = { asn: 64512, routerId: '10.0.0.100', clusterId: '244.0.0.1' };
const client = makePeerInfo({ name: 'client1', address: '10.0.0.1', routerId: '10.0.0.1', asn: 64512, kind: 'ibgp', isClient: true });
const receiver = makePeerInfo({ name: 'client2', address: '10.0.0.2', routerId: '10.0.0.2', asn: 64512, kind: 'ibgp', isClient: true });
const table = new AttrTable();
const attrs = table.intern({ origin: 'igp', asPath: [], nextHops: ['10.0.0.1'], localPref: 100 });

const changes: LocRibChange[] = [];
// Insert events are kept for the export stage; withdraw events are only counted.
let keepEvents = true;
let withdrawEvents = 0;
const locRib = new LocRib(DEFAULT_DECISION_OPTIONS, (dest, previousBest) => {
  if (keepEvents) changes.push(changeOf(dest, previousBest));
  else withdrawEvents++;
});
const adjIn = new AdjRibIn(client, locRib);

function ms(t0: bigint): string {
  return (Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0);
}

// Anchor measured in the same run (the machine is shared): one Map.set per fresh prefix string.
const anchorPrefixes = makePrefixes();
let t0 = process.hrtime.bigint();
const anchor = new Map<string, number>();
for (let i = 0; i < count; i++) anchor.set(anchorPrefixes[i]!, i);
const anchorMs = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`anchor: ${count} Map.set with fresh prefix strings: ${anchorMs.toFixed(0)} ms`);
anchor.clear();

t0 = process.hrtime.bigint();
for (let i = 0; i < count; i++) {
  adjIn.put(Path.create(prefixes[i]!, 0, attrs, client));
}
const insertMs = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`insert ${count} paths (Adj-RIB-In + Loc-RIB + events): ${insertMs.toFixed(0)} ms (${(insertMs / anchorMs).toFixed(1)}x anchor); events ${changes.length}; sets ${table.size}`);

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
const target = makeExportTarget({ peer: receiver, self, localAddress: '10.0.0.100', nextHopMode: 'Auto' });
t0 = process.hrtime.bigint();
let exported = 0;
for (const c of changes) {
  const best = c.best!;
  const d = policy.decide(c.prefix, best.source, true);
  if (d.accept && exportAttrs(best, target, d).clusterList.length === 1) exported++;
}
console.log(`export policy + reflected attributes for ${exported} routes: ${ms(t0)} ms; sets ${table.size}`);

keepEvents = false;
changes.length = 0;
t0 = process.hrtime.bigint();
for (let i = 0; i < count; i++) {
  adjIn.withdraw(prefixes[i]!, 0);
}
console.log(`withdraw ${count} paths: ${ms(t0)} ms; events ${withdrawEvents}; Loc-RIB ${locRib.size}; sets ${table.size}`);
console.log(`heap used ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB`);
