/**
 * The benchmark's network: one private namespace whose loopback carries 10.255.0.1/16. On a
 * loopback device the kernel makes the whole prefix local (as it does for 127/8), so the
 * reflector listens on 10.255.0.1 and each client binds its own 10.255.x.y: distinct peers over
 * loopback speed, with next hops that GoBGP and FRR accept (they refuse 127/8, SPEC §4). Every
 * implementation runs in this same setup.
 */
import { NetNs } from '../test/peers/netns.js';

export const REFLECTOR_ADDRESS = '10.255.0.1';
const LOOPBACK_PREFIX = `${REFLECTOR_ADDRESS}/16`;

/** Client i's address: 10.255.1.1, 10.255.1.2, … (never the reflector's). */
export function clientAddress(index: number): string {
  const host = 256 + 1 + index;
  return `10.255.${host >>> 8}.${host & 255}`;
}

export async function createBenchNamespace(): Promise<NetNs> {
  const ns = await NetNs.create();
  try {
    await ns.ip('addr', 'add', LOOPBACK_PREFIX, 'dev', 'lo');
    // Room for 200 clients connecting at once, whatever backlog a daemon asks for.
    await ns.execOk('sysctl', ['-q', '-w', 'net.core.somaxconn=4096', 'net.ipv4.tcp_max_syn_backlog=4096']);
  } catch (err) {
    await ns.remove();
    throw err;
  }
  return ns;
}
