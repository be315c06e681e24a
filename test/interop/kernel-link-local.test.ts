/**
 * IPv6 next hops into the kernel (RFC 2545 §3) through `petrel run` against a real BIRD 2 eBGP
 * neighbor on a veth (fd00::/64, BIRD fd00::1, petrel fd00::2): BIRD's usual 32-octet next hop
 * (its global address and its link-local one) is installed via the global on the veth; a next hop
 * that is link-local only (`next hop address fe80::…`: BIRD then sends `::` and the link-local,
 * as it does on sessions over link-local addresses) is installed `via fe80::… dev veth0`, the link the session runs over. petrel
 * runs with its kernel plane inside its own namespace.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPeer, createTwoNamespaces } from '../peers/daemons.js';
import type { NetNs } from '../peers/netns.js';
import type { StaticRoute } from '../peers/peer.js';
import { waitFor } from '../peers/process.js';
import { DAEMON_AS, DAEMON_ROUTER_ID, FOUR_OCTET_AS } from './daemon-topology.js';
import { PetrelProcess } from './petrel-process.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step();
  cleanups = [];
});

const BIRD_V6 = 'fd00::1';
const PETREL_V6 = 'fd00::2';
/** The EUI-64 link-local address of BIRD's veth end (MAC 02:00:00:00:00:01, fixed by the harness). */
const BIRD_LINK_LOCAL = 'fe80::ff:fe00:1';
const PREFIX = '2001:db8:10::/48';

/** BIRD 2 and petrel in namespaces of their own, one eBGP IPv6 session over the veth between them. */
async function topology(routes: readonly StaticRoute[]): Promise<{ readonly petrel: PetrelProcess; readonly ns: NetNs }> {
  const pair = await createTwoNamespaces({ daemonAddresses: ['10.0.0.1/24', `${BIRD_V6}/64`], clientAddresses: ['10.0.0.2/24', `${PETREL_V6}/64`] });
  cleanups.push(() => pair.remove());
  const bird = createPeer('bird2', pair.daemon, {
    routerId: DAEMON_ROUTER_ID,
    localAs: DAEMON_AS,
    neighbors: [{ address: PETREL_V6, remoteAs: FOUR_OCTET_AS, localAddress: BIRD_V6, passive: true, families: ['ipv6-unicast'], holdTimeSec: 30 }],
    routes,
  });
  cleanups.push(() => bird.stop());
  await bird.start();
  const petrel = await PetrelProcess.start(pair.client, {
    name: 'node-ll',
    asNumber: FOUR_OCTET_AS,
    ipv4Address: '10.0.0.2/24',
    listen: { address: PETREL_V6, port: 179 },
    pools: [{ cidr: '10.244.0.0/16' }],
    blocks: [],
    peers: [
      {
        name: 'tor',
        address: BIRD_V6,
        asNumber: DAEMON_AS,
        sourceAddress: PETREL_V6,
        families: ['ipv6-unicast'],
        multihop: false,
        gracefulRestart: { enabled: false },
      },
    ],
    kernel: { enabled: true, persist: false },
  });
  cleanups.push(() => petrel.stop());
  await petrel.waitPeerState('tor', 'Established');
  return { petrel, ns: pair.client };
}

/** The kernel's route for `prefix` in petrel's namespace, once it is there. */
async function kernelRoute(ns: NetNs, prefix: string): Promise<string> {
  return waitFor(
    async () => {
      const out = (await ns.ip('-6', 'route', 'show', prefix)).trim();
      return out === '' ? undefined : out;
    },
    { timeoutMs: 15_000, intervalMs: 100, what: `the kernel route for ${prefix}` },
  );
}

describe('IPv6 next hops from a directly connected eBGP BIRD 2 into the kernel (RFC 2545 §3)', () => {
  it('installs a link-local-only next hop via fe80::… on the session\u2019s veth', async () => {
    const { petrel, ns } = await topology([{ prefix: PREFIX, nextHop: BIRD_LINK_LOCAL }]);
    // BIRD 2 sends it as 32 octets, `::` then the link-local (what FRR calls "::(fe80::…)");
    // `show routes` prints the link-local on the session's veth, as BIRD does. The veth may show
    // in petrel's interface list a moment after the session came up over it (IFF_RUNNING):
    // petrel looks again then.
    const [route] = await petrel.waitRoutes(`${PREFIX} on veth0`, (r) => r.some((x) => x.prefix === PREFIX && x.best && x.nextHopInterface === 'veth0'));
    expect(route).toMatchObject({ nextHop: BIRD_LINK_LOCAL, nextHopInterface: 'veth0' });
    expect(await kernelRoute(ns, PREFIX)).toMatch(new RegExp(`^${PREFIX} via ${BIRD_LINK_LOCAL} dev veth0 proto bird `));
    // The route forwards: the kernel resolves BIRD's link-local address on the veth.
    await ns.execOk('ping', ['-6', '-c', '1', '-W', '2', '-I', 'veth0', BIRD_LINK_LOCAL]);
  });

  it('installs a global and link-local next hop via the global, which is on the veth\u2019s subnet', async () => {
    const { petrel, ns } = await topology([{ prefix: PREFIX }]);
    await petrel.waitRoutes(PREFIX, (r) => r.some((x) => x.prefix === PREFIX && x.best));
    expect(await kernelRoute(ns, PREFIX)).toMatch(new RegExp(`^${PREFIX} via ${BIRD_V6} dev veth0 proto bird `));
  });
});
