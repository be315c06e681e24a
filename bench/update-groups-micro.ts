/**
 * Update-group micro-benchmark (not a test): 1,000,000 IPv4 prefixes from one reflector client
 * go through the Loc-RIB and one update group to another client, flushed every 16,384 prefixes
 * as the daemon's event loop would; prints the time, bytes sent and the live heap. `addpath`
 * makes the group an ADD-PATH (RFC 7911) sender, as Calico's sessions negotiate by default.
 *
 *   node --expose-gc --import tsx bench/update-groups-micro.ts [plain|addpath]
 */
import { Ipv4Nlri } from '../src/bgp/nlri.js';
import { AttrTable } from '../src/rib/attr-set.js';
import { DEFAULT_DECISION_OPTIONS } from '../src/rib/decision.js';
import { makeExportTarget } from '../src/rib/export-attrs.js';
import { LocRib } from '../src/rib/loc-rib.js';
import type { PeerInfo } from '../src/rib/path.js';
import { UpdateGroups, type GroupMember } from '../src/rib/update-groups.js';
import { exportAll, peer, SELF } from '../test/rib/helpers.js';

const N = 1_000_000;
const addPath = process.argv[2] === 'addpath';
/** A group member that counts what it is sent. */
class Sink implements GroupMember {
  bytes = 0;
  constructor(
    readonly name: string,
    readonly peer: PeerInfo,
  ) {}
  send(messages: readonly Uint8Array[]): boolean {
    for (const m of messages) this.bytes += m.length;
    return true;
  }
}
const scheduled: (() => void)[] = [];
const loc = new LocRib(DEFAULT_DECISION_OPTIONS, (d) => groups.enqueue(d), (d) => groups.enqueueCandidate(d));
const groups = new UpdateGroups(exportAll(true), loc, (fn) => scheduled.push(fn));
const c1 = peer('10.0.0.11', { isClient: true });
const c2 = peer('10.0.0.12', { isClient: true });
const group = groups.obtain({ key: 'k', target: makeExportTarget({ peer: c2, self: SELF, localAddress: '10.0.0.100', nextHopMode: 'Auto' }), toInternalPeer: true, targetKind: 'client', families: ['ipv4-unicast'], sendContext: addPath ? { addPath: ['ipv4-unicast'] } : {} }, () => undefined);
const sink = new Sink('c2', c2);
group.join(sink);
const attrs = new AttrTable().intern({ origin: 'igp', asPath: [], nextHops: ['10.0.0.11'], localPref: 100 });
const t = performance.now();
for (let i = 0; i < N; i++) {
  // As a session stores a received route: the new entry is the path.
  loc.announce(new Ipv4Nlri(((10 << 24) + (i << 8)) | 0, 24, undefined), 0, attrs, c1, null);
  if ((i & 16383) === 16383) groups.flushNow();
}
groups.flushNow();
const ms = performance.now() - t;
globalThis.gc?.();
console.log(addPath ? 'addpath' : 'plain', ms.toFixed(0), 'ms', (sink.bytes / 1e6).toFixed(1), 'MB sent', 'heap', (process.memoryUsage().heapUsed / 1e6).toFixed(0), 'MB');
