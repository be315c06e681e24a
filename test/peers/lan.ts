/**
 * One shared Ethernet segment for several speakers, each in a namespace of its own: a hub
 * namespace holds a bridge, and every member's `eth0` is a veth whose other end is a bridge port.
 *
 * Why not one namespace with many addresses: a next hop that is an address of the box itself is
 * refused (BIRD withdraws it as a bad next hop, FRR treats it as martian), so speakers that learn
 * each other's next hops — route-reflector clients — must not share a namespace. On one segment
 * every next hop is directly connected, as on a rack's LAN.
 */
import { NetNs } from './netns.js';

export interface Lan {
  /** The members' namespaces, in the order their addresses were given. */
  readonly members: readonly NetNs[];
  /** Deletes every namespace (stop the processes inside first). */
  remove(): Promise<void>;
}

const BRIDGE = 'br0';
export const LAN_IFNAME = 'eth0';

/** `memberAddresses[i]`: the `address/prefix` strings of member i's `eth0`. */
export async function createLan(memberAddresses: readonly (readonly string[])[]): Promise<Lan> {
  const namespaces: NetNs[] = [];
  const remove = async () => {
    for (const ns of [...namespaces].reverse()) await ns.remove();
  };
  try {
    const hub = await NetNs.create();
    namespaces.push(hub);
    await hub.ip('link', 'add', BRIDGE, 'type', 'bridge');
    await hub.ip('link', 'set', BRIDGE, 'up');
    for (const [i, addresses] of memberAddresses.entries()) {
      const member = await NetNs.create();
      namespaces.push(member);
      const port = `port${i}`;
      // A fixed MAC per member keeps IPv6 link-local addresses stable across runs.
      const mac = `02:00:00:00:01:${(i + 1).toString(16).padStart(2, '0')}`;
      await hub.ip('link', 'add', port, 'type', 'veth', 'peer', 'name', LAN_IFNAME, 'address', mac, 'netns', member.name);
      await hub.ip('link', 'set', port, 'master', BRIDGE);
      await hub.ip('link', 'set', port, 'up');
      for (const address of addresses) {
        await member.ip('addr', 'add', address, 'dev', LAN_IFNAME, ...(address.includes(':') ? ['nodad'] : []));
      }
      await member.ip('link', 'set', LAN_IFNAME, 'up');
    }
  } catch (err) {
    await remove();
    throw err;
  }
  return { members: namespaces.slice(1), remove };
}
