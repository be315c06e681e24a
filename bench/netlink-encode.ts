/**
 * rtnetlink encode micro-benchmark (not a test): 100,000 RTM_NEWROUTE requests in the shape
 * petrel installs for Calico (`/26 via <node> dev tunl0 onlink proto bird`, and 2-way ECMP), packed
 * into 64 KiB datagrams by RequestBatch; then the same bytes decoded back as a dump would be.
 * Prints the median of 5 runs after a warm-up. Run: `npx tsx bench/netlink-encode.ts [count]`.
 */
import { RequestBatch } from '../src/kernel/netlink/batch.js';
import { RtmType, RtProt, RtnType, RtnhFlag } from '../src/kernel/netlink/constants.js';
import { splitDatagram } from '../src/kernel/netlink/message.js';
import { ROUTE_REPLACE_FLAGS, type RouteMessage, decodeRouteBody, writeRouteBody } from '../src/kernel/netlink/route.js';

const count = Number(process.argv[2] ?? 100_000);

/**
 * Each route is one object literal of a fixed shape, as the syncer should build them: V8 gives
 * objects built by spreading (`{ ...base, dst }`) maps that make every property read megamorphic,
 * which measured 4–5x slower to encode here.
 */
function routes(multipath: boolean): RouteMessage[] {
  return Array.from({ length: count }, (_, i): RouteMessage => {
    const dst = `10.${(i >> 10) & 255}.${(i >> 2) & 255}.${(i & 3) << 6}/26`;
    const node = `172.18.${(i >> 8) & 255}.${i & 255}`;
    return multipath
      ? {
          family: 4, dst, table: 254, protocol: RtProt.BIRD, scope: 0, type: RtnType.UNICAST, flags: 0,
          multipath: [{ gateway: node, ifindex: 3, flags: RtnhFlag.ONLINK, weight: 1 }, { gateway: '172.19.0.1', ifindex: 4, flags: RtnhFlag.ONLINK, weight: 1 }],
        }
      : { family: 4, dst, table: 254, protocol: RtProt.BIRD, scope: 0, type: RtnType.UNICAST, flags: RtnhFlag.ONLINK, gateway: node, oif: 3 };
  });
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

function bench(label: string, input: RouteMessage[]): void {
  const encodeMs: number[] = [];
  const decodeMs: number[] = [];
  let datagrams = 0;
  let bytes = 0;
  for (let run = 0; run < 6; run++) {
    let t0 = process.hrtime.bigint();
    const batch = new RequestBatch<number>({ firstSeq: 1 });
    for (let i = 0; i < input.length; i++) batch.add(i, RtmType.NEWROUTE, ROUTE_REPLACE_FLAGS, writeRouteBody, input[i]!);
    const sealed = batch.finish();
    const encoded = Number(process.hrtime.bigint() - t0) / 1e6;
    datagrams = sealed.datagrams.length;
    bytes = sealed.datagrams.reduce((n, d) => n + d.length, 0);
    t0 = process.hrtime.bigint();
    let decoded = 0;
    for (const d of sealed.datagrams) for (const m of splitDatagram(d)) if (m.type === RtmType.NEWROUTE && decodeRouteBody(m.payload).oif !== -1) decoded++;
    const decodeTime = Number(process.hrtime.bigint() - t0) / 1e6;
    if (decoded !== input.length) throw new Error(`decoded ${decoded} of ${input.length}`);
    if (run > 0) {
      encodeMs.push(encoded);
      decodeMs.push(decodeTime);
    }
  }
  const e = median(encodeMs);
  const d = median(decodeMs);
  console.log(
    `${label}: encode ${count} requests ${e.toFixed(1)} ms (${Math.round(count / (e / 1000)).toLocaleString('en')} routes/s, ` +
      `${datagrams} datagrams, ${(bytes / 1e6).toFixed(1)} MB); decode ${d.toFixed(1)} ms (${Math.round(count / (d / 1000)).toLocaleString('en')} routes/s)`,
  );
}

bench('single path onlink', routes(false));
bench('2-way ECMP', routes(true));
