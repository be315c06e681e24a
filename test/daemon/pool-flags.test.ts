// IPPool `disabled` and `natOutgoing` (CALICO.md §1.3 rule 8): both are accepted and change no
// routing. `disabled` only stops IPAM allocating new addresses from the pool; blocks already
// affine to the node stay and are exported like any other (only `disableBGPExport` holds them back).
import { describe, expect, it } from 'vitest';
import { isEndOfRib } from '../../src/bgp/end-of-rib.js';
import { config, MemoryNetwork, startSpeaker, until } from './harness.js';

const NODE = `
asNumber: 64512
node: {name: node-a, ipv4Address: 10.0.0.1/24}
mesh: {enabled: false}
kernel: {enabled: false}
pools:
  - {cidr: 10.244.0.0/16, blockSize: 26, natOutgoing: true}
  - {cidr: 10.250.0.0/16, blockSize: 26, disabled: true, natOutgoing: false}
  - {cidr: 10.251.0.0/16, blockSize: 26, disableBGPExport: true}
blocks: [10.244.1.0/26, 10.250.1.0/26, 10.251.1.0/26]
peers: [{name: b, address: 10.0.0.2, asNumber: 64512}]
`;

describe('IPPool disabled / natOutgoing', () => {
  it('accepts both flags and keeps them in the loaded config', () => {
    expect(config(NODE).pools.map((p) => [p.cidr, p.disabled, p.natOutgoing])).toEqual([
      ['10.244.0.0/16', false, true],
      ['10.250.0.0/16', true, false],
      ['10.251.0.0/16', false, false],
    ]);
  });

  it("exports a disabled pool's block; a disableBGPExport pool's block stays home", async () => {
    const network = new MemoryNetwork();
    await startSpeaker(network, '10.0.0.1', NODE);
    const b = network.scripted({ name: 'to-a', asNumber: 64512, localAs: 64512, routerId: '10.0.0.2', localAddress: '10.0.0.2', address: '10.0.0.1' });
    b.start();
    await until(() => b.updates().some((u) => isEndOfRib(u) !== undefined));
    const announced = b.updates().flatMap((u) => u.nlri.map((n) => n.prefix));
    expect(announced.sort()).toEqual(['10.244.1.0/26', '10.250.1.0/26']);
  });
});
