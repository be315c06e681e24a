/**
 * The K1 route set, the same for every implementation: /26 blocks `10.a.b.c/26` (as Calico's
 * IPAM hands them out) via 200 node addresses in 172.18.0.0/16, as many blocks per node as N/200.
 */
export function benchPrefix(i: number): string {
  return `10.${(i >> 10) & 255}.${(i >> 2) & 255}.${(i & 3) << 6}/26`;
}

export function benchGateway(i: number): string {
  return `172.18.0.${1 + (i % 200)}`;
}
