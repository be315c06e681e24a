/**
 * Entry point of the real-peer harness: build a daemon of any kind from the common config, and
 * the usual two-namespace layout (the daemon in one namespace, the test's side in another, joined
 * by one veth pair with fixed MACs so IPv6 link-local addresses are stable).
 */
import { BirdPeer } from './bird.js';
import { FrrPeer } from './frr.js';
import { GobgpPeer } from './gobgp.js';
import { connectVeth, NetNs } from './netns.js';
import type { DaemonKind, Peer, PeerConfig } from './peer.js';

export const DAEMON_KINDS: readonly DaemonKind[] = ['bird2', 'bird16', 'gobgp', 'frr'];

export function createPeer(kind: DaemonKind, ns: NetNs, config: PeerConfig): Peer {
  switch (kind) {
    case 'bird2':
      return new BirdPeer(ns, config, '2');
    case 'bird16':
      return new BirdPeer(ns, config, '1.6');
    case 'gobgp':
      return new GobgpPeer(ns, config);
    case 'frr':
      return new FrrPeer(ns, config);
  }
}

export interface TwoNamespaces {
  /** Where the daemon runs. */
  readonly daemon: NetNs;
  /** Where the test's own speaker (recorder, petrel) runs or connects from. */
  readonly client: NetNs;
  /** Deletes both namespaces (stop the processes inside first). */
  remove(): Promise<void>;
}

export interface TwoNamespaceOptions {
  /** `address/prefix` strings on the daemon's end of the veth. */
  readonly daemonAddresses: readonly string[];
  readonly clientAddresses: readonly string[];
  /** Interface name on both ends (default `veth0`). */
  readonly ifname?: string;
}

export async function createTwoNamespaces(opts: TwoNamespaceOptions): Promise<TwoNamespaces> {
  const daemon = await NetNs.create();
  let client: NetNs | undefined;
  try {
    client = await NetNs.create();
    const ifname = opts.ifname ?? 'veth0';
    await connectVeth(
      { ns: daemon, ifname, addresses: opts.daemonAddresses, mac: '02:00:00:00:00:01' },
      { ns: client, ifname, addresses: opts.clientAddresses, mac: '02:00:00:00:00:02' },
    );
  } catch (err) {
    await client?.remove();
    await daemon.remove();
    throw err;
  }
  const created = client;
  return {
    daemon,
    client: created,
    remove: async () => {
      await created.remove();
      await daemon.remove();
    },
  };
}
