/**
 * Peer names as Calico's confd writes them into bird.cfg (CALICO.md §1.5): `Mesh_<ip>` for
 * node-to-node mesh sessions, `Node_<ip>` for peers configured for this node, `Global_<ip>` for
 * cluster-wide peers, with `.` and `:` turned into `_`, and `_port_<p>` when the peer does not
 * listen on 179. `calicoctl node status` and calico-node's readiness probe read the session type
 * from the prefix (CALICO.md §6), so petrel keeps these names.
 */

export const BGP_PORT = 179;

export const PeerNameKind = {
  MESH: 'Mesh',
  NODE: 'Node',
  GLOBAL: 'Global',
} as const;
export type PeerNameKind = (typeof PeerNameKind)[keyof typeof PeerNameKind];

export function calicoPeerName(kind: PeerNameKind, address: string, port: number = BGP_PORT): string {
  const base = `${kind}_${address.replace(/[.:]/g, '_')}`;
  return port === BGP_PORT ? base : `${base}_port_${port}`;
}
