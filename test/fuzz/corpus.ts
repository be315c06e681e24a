/**
 * Built-in fuzz seeds: one well-formed message of every kind, with every capability and path
 * attribute, encoded by petrel's encoder under the contexts the fuzzer uses. Real captures from
 * BIRD, GoBGP and FRR (test/fixtures/wire) are added beside these.
 */
import { encodeMessage } from '../../src/bgp/index.js';
import type { BgpMessage, CodecContext } from '../../src/bgp/types.js';

const open: BgpMessage = {
  type: 'open',
  version: 4,
  myAs: 23456,
  holdTimeSec: 240,
  bgpId: '10.0.0.201',
  capabilities: [
    { code: 'multiprotocol', afi: 1, safi: 1 },
    { code: 'multiprotocol', afi: 2, safi: 1 },
    { code: 'route-refresh' },
    { code: 'enhanced-route-refresh' },
    { code: 'extended-message' },
    { code: 'four-octet-as', asn: 4200000001 },
    { code: 'graceful-restart', restarting: true, notification: true, restartTimeSec: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] },
    { code: 'long-lived-graceful-restart', families: [{ afi: 1, safi: 1, forwardingPreserved: false, staleTimeSec: 3600 }] },
    { code: 'add-path', families: [{ afi: 1, safi: 1, mode: 'both' }, { afi: 2, safi: 1, mode: 'receive' }] },
    { code: 'fqdn', hostname: 'node1', domain: 'cluster.local' },
    { code: 'unknown', type: 131, value: Uint8Array.from([1, 2, 3]) },
  ],
};

const updateV4: BgpMessage = {
  type: 'update',
  withdrawn: [{ prefix: '10.244.7.0/26' }, { prefix: '0.0.0.0/0' }],
  attributes: [
    { type: 'origin', origin: 'igp' },
    { type: 'as-path', segments: [{ type: 'sequence', asns: [65001, 4200000001] }, { type: 'set', asns: [1, 2] }] },
    { type: 'next-hop', nextHop: '10.0.0.202' },
    { type: 'med', med: 10 },
    { type: 'local-pref', localPref: 100 },
    { type: 'atomic-aggregate' },
    { type: 'aggregator', asn: 65001, address: '10.0.0.1' },
    { type: 'communities', communities: [(64512 << 16) | 100, 0xffffff01] },
    { type: 'originator-id', originatorId: '10.0.0.203' },
    { type: 'cluster-list', clusterIds: ['244.0.0.1', '244.0.0.2'] },
    { type: 'extended-communities', communities: [{ type: 0x03, subtype: 0x0c, value: '00000000' + '0008' }] },
    { type: 'large-communities', communities: [[64512, 1, 2]] },
    { type: 'unknown', code: 99, flags: 0xc0, value: Uint8Array.from([9, 9]) },
  ],
  nlri: [{ prefix: '10.244.101.128/26' }, { prefix: '10.244.0.0/16' }, { prefix: '192.0.2.1/32' }],
};

const updateV6: BgpMessage = {
  type: 'update',
  withdrawn: [],
  attributes: [
    { type: 'mp-reach', afi: 2, safi: 1, nextHops: ['fd00::202', 'fe80::1'], nlri: [{ prefix: 'fd00:244::/80' }, { prefix: '2001:db8::/32' }] },
    { type: 'origin', origin: 'incomplete' },
    { type: 'as-path', segments: [] },
    { type: 'mp-unreach', afi: 2, safi: 1, withdrawn: [{ prefix: 'fd00:245::/80' }] },
  ],
  nlri: [],
};

const messages: readonly BgpMessage[] = [
  open,
  updateV4,
  updateV6,
  { type: 'update', withdrawn: [], attributes: [], nlri: [] },
  { type: 'keepalive' },
  { type: 'notification', code: 6, subcode: 2, data: Uint8Array.from([5, 0x62, 0x79, 0x65, 0x21, 0x21]) },
  { type: 'notification', code: 3, subcode: 11, data: Uint8Array.from([0x40, 2, 0]) },
  { type: 'route-refresh', afi: 1, safi: 1, subtype: 'normal' },
  { type: 'route-refresh', afi: 2, safi: 1, subtype: 'borr' },
];

const contexts: readonly CodecContext[] = [{}, { fourOctetAs: false }, { addPath: ['ipv4-unicast', 'ipv6-unicast'] }];

export function builtinCorpus(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const ctx of contexts) for (const m of messages) out.push(Uint8Array.from(encodeMessage(m, ctx)));
  return out;
}
