/**
 * The shape of petrel's config file (SPEC.md §2), as zod 4 schemas: every object strict (an
 * unknown key is an error, so a typo never silently falls back to a default), static defaults
 * filled in, and the checks that concern one object at a time (timers, pool encapsulation,
 * block sizes). Checks across objects — duplicates, blocks inside pools, our own address as a
 * peer — live in checks.ts and run once the shape is right.
 *
 * Defaults follow Calico's BIRD template (CALICO.md §1.1, §1.5): AS 64512, hold 240 s,
 * keepalive hold/3, connect delay 2 s, connect retry 5 s, graceful restart 120 s, ADD-PATH on,
 * every session multihop, routes written with protocol 12 ("bird") into the main table.
 */
import { z } from 'zod';
import { parsePrefix } from '../bgp/address.js';
import {
  MAX_U32,
  absolutePathField,
  asNumberField,
  cidrField,
  communityField,
  defaultKeepaliveSec,
  holdTimeField,
  hostPortField,
  interfaceAddressField,
  ipAddressField,
  ipv4Field,
  keepaliveField,
  keepaliveProblem,
  passwordField,
  portField,
  readPathField,
  validHoldTime,
  bfdField,
  errorWaitField,
  NORMAL_ROUTE_PRIORITY,
  routePriorityField,
} from './fields.js';
import { filterSchema } from './filters.js';
import { BGP_PORT, PeerNameKind, calicoPeerName } from './names.js';
import { addressFamily } from './prefixes.js';
import type { Secret, SecretEnvironment } from './secrets.js';

export const DEFAULT_AS_NUMBER = 64512;
export const DEFAULT_HOLD_TIME_SEC = 240;
export const DEFAULT_CONNECT_DELAY_SEC = 2;
export { DEFAULT_BFD } from './fields.js';
export const DEFAULT_CONNECT_RETRY_SEC = 5;
export const DEFAULT_RESTART_TIME_SEC = 120;
/** Most paths in one ECMP set (FRR's and the kernel's usual bound). */
export const MAX_MULTIPATHS = 16;
/** Calico's BIRD registers as "bird" (12) in /etc/iproute2/rt_protos: drop-in by default. */
export const DEFAULT_ROUTE_PROTOCOL = 12;
export const MAIN_ROUTE_TABLE = 254;

export const EncapMode = { ALWAYS: 'Always', CROSS_SUBNET: 'CrossSubnet', NEVER: 'Never' } as const;
export type EncapMode = (typeof EncapMode)[keyof typeof EncapMode];

/**
 * Which pools' cluster routes (remote blocks) petrel programs and which Felix does (BGPConfiguration
 * `programClusterRoutes`, CALICO.md §1.4): Enabled, petrel IPIP and no-encap pools (v3.32's
 * default); Disabled, neither; EnabledIPIPOnly / EnabledNoEncapOnly, one of the two. VXLAN pools
 * are unaffected (petrel programs them; under Felix, Felix's routes win a clash, see the syncer).
 */
export const ProgramClusterRoutes = { ENABLED: 'Enabled', DISABLED: 'Disabled', IPIP_ONLY: 'EnabledIPIPOnly', NO_ENCAP_ONLY: 'EnabledNoEncapOnly' } as const;
export type ProgramClusterRoutes = (typeof ProgramClusterRoutes)[keyof typeof ProgramClusterRoutes];

export const NextHopMode = { AUTO: 'Auto', SELF: 'Self', KEEP: 'Keep' } as const;
export type NextHopMode = (typeof NextHopMode)[keyof typeof NextHopMode];

export const AddPathsMode = { OFF: 'off', RECEIVE: 'receive', SEND: 'send', BOTH: 'both' } as const;
export type AddPathsMode = (typeof AddPathsMode)[keyof typeof AddPathsMode];

export const ExportPolicy = { CALICO: 'calico', ALL: 'all' } as const;
export type ExportPolicy = (typeof ExportPolicy)[keyof typeof ExportPolicy];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const PEER_FAMILIES = ['ipv4-unicast', 'ipv6-unicast'] as const;
export type PeerFamily = (typeof PEER_FAMILIES)[number];

const encapMode = z.enum([EncapMode.ALWAYS, EncapMode.CROSS_SUBNET, EncapMode.NEVER]);

/** RFC 4724 §3: the Restart Time is a 12-bit field. */
const restartTimeField = z.number().int().min(1).max(4095, 'the graceful restart time is a 12-bit field: at most 4095 s (RFC 4724 §3)');

/**
 * Route protocols 0\u20134 are the kernel's own (unspec, redirect, kernel, boot, static) and 80 is
 * Felix's; petrel deletes every route carrying its protocol, so sharing one would delete theirs.
 */
const FOREIGN_ROUTE_PROTOCOLS: ReadonlyMap<number, string> = new Map([
  [0, 'RTPROT_UNSPEC'],
  [1, 'RTPROT_REDIRECT'],
  [2, 'the kernel'],
  [3, 'boot-time routes (and Felix\u2019s pod routes)'],
  [4, 'static routes'],
  [80, 'Calico Felix'],
]);

function buildPeerSchema(environment: SecretEnvironment) {
  const shape = {
    name: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'peer names start with a letter and use only letters, digits, _ . - (at most 64)')
      .optional()
      .describe('Name in logs, metrics, `petrel show` and calicoctl; a letter, then letters, digits, _ . - (at most 64). Default: Calico\u2019s name for the address, e.g. Node_10_0_0_2 (Node_10_0_0_2_port_1790 off port 179).'),
    address: ipAddressField.describe('The peer\u2019s IPv4 or IPv6 address.'),
    /** The interface of an IPv6 link-local peer (fe80::/10 needs a zone). */
    interface: z.string().min(1).max(15).optional().describe('Interface an IPv6 link-local (fe80::/10) peer is reached on; required for those, refused for any other address.'),
    port: portField.default(BGP_PORT).describe('The peer\u2019s TCP port.'),
    asNumber: asNumberField.describe('The peer\u2019s AS: ours makes the session iBGP, any other eBGP.'),
    localAsNumber: asNumberField.optional().describe('The AS this session speaks as (OPEN My AS, prepended towards eBGP; BIRD `local as`, Calico BGPPeer localASNumber); the peer\u2019s AS equal to it makes the session iBGP. Default: asNumber.'),
    numAllowedLocalAsNumbers: z.number().int().min(0).max(10).optional().describe('Accept eBGP routes whose AS_PATH holds our AS this many times (BIRD `allow local as`, Calico numAllowedLocalASNumbers); 0 or unset: any is a loop (RFC 4271 §9.1.2).'),
    filters: z.array(z.string().min(1)).min(1).optional().describe('Names of filters (top-level `filters`) applied to this session, in order: the first matching rule decides, else Calico\u2019s policy does (Calico BGPPeer filters).'),
    passive: z.boolean().default(false).describe('Never dial; only accept the peer\u2019s connection.'),
    /** Unset: the Calico rule decides (peers.ts); set: overrides it. */
    routeReflectorClient: z.boolean().optional().describe('Treat the peer as our route-reflector client (RFC 4456). Unset: Calico\u2019s rule decides (a reflector node reflects to non-reflector iBGP peers).'),
    /** The peer's own cluster ID, when it is a reflector of ours (RFC 4456 §7). */
    routeReflectorClusterId: ipv4Field.optional().describe('The peer\u2019s own cluster ID when it is a route reflector of ours (RFC 4456 §7).'),
    holdTimeSec: holdTimeField.default(DEFAULT_HOLD_TIME_SEC).describe('Hold time offered in our OPEN: 0 (no keepalives, no hold timer) or 3..65535 (RFC 4271 §4.2); the session uses the smaller of ours and the peer\u2019s.'),
    keepaliveSec: keepaliveField.optional().describe('Keepalive interval: at most a third of the hold time, 0 only with hold time 0. Default: hold time / 3.'),
    connectDelaySec: z.number().int().min(0).max(3600).default(DEFAULT_CONNECT_DELAY_SEC).describe('Seconds to wait before the first connection attempt (BIRD\u2019s connect delay time).'),
    connectRetrySec: z.number().int().min(1).max(65535).default(DEFAULT_CONNECT_RETRY_SEC).describe('Seconds between connection attempts (ConnectRetryTimer, RFC 4271 §10; jittered).'),
    delayOpenSec: z.number().int().min(0).max(240).default(0).describe('Once connected, wait this many seconds for the peer\u2019s OPEN before sending ours (RFC 4271 §8.1.1 DelayOpen; FRR `timers delayopen`); 0 sends it at once.'),
    errorWait: errorWaitField,
    nextHopMode: z.enum([NextHopMode.AUTO, NextHopMode.SELF, NextHopMode.KEEP]).default(NextHopMode.AUTO).describe('Next hop on routes sent to the peer: Auto keeps it towards iBGP and sets ourselves towards eBGP (BIRD\u2019s default); Self always sets ourselves; Keep never changes it. Routes we originate always carry our address.'),
    password: passwordField(environment).optional().describe('TCP MD5 signature key (RFC 2385, at most 80 bytes), from a file or an environment variable; never inline.'),
    /** RFC 5082 GTSM: the peer is at most this many hops away. */
    ttlSecurity: z.number().int().min(1).max(254).optional().describe('GTSM (RFC 5082): send with TTL 255 and accept only packets from at most this many hops away.'),
    sourceAddress: ipAddressField.optional().describe('Local address our connections to the peer come from; same family as the peer\u2019s address.'),
    multihop: z
      .union([z.boolean(), z.number().int()], { error: 'expected true, false or a TTL 1..255' })
      .refine((m) => typeof m === 'boolean' || (m >= 1 && m <= 255), 'expected true, false or a TTL 1..255')
      .default(true)
      .describe('true: the peer may be several hops away (TTL 255, as Calico configures every session); a number 1..255: that TTL; false: directly connected (eBGP sends TTL 1).'),
    gracefulRestart: z
      .object({
        enabled: z.boolean().optional().describe('Override the top-level gracefulRestart.enabled for this peer.'),
        restartTimeSec: restartTimeField.optional().describe('Override the top-level gracefulRestart.restartTimeSec for this peer (12-bit field, RFC 4724 §3).'),
      })
      .strict()
      .optional()
      .describe('Graceful restart (RFC 4724) settings for this peer; unset keys follow the top-level gracefulRestart.'),
    maxPrefixes: z
      .object({
        limit: z.number().int().min(1).max(MAX_U32).describe('Most prefixes accepted from the peer.'),
        warningOnly: z.boolean().default(false).describe('Only log when the limit is passed; otherwise the session ends with Cease / Maximum Number of Prefixes Reached (RFC 4486).'),
      })
      .strict()
      .optional()
      .describe('Limit on prefixes received from the peer; unset: no limit.'),
    bfd: bfdField(environment).describe(
      'BFD (RFC 5880) towards this peer: single hop (RFC 5881) when it is on the node\u2019s subnet or link, else multihop (RFC 5883; see multihop). When a BFD session that was up goes down, the BGP session is stopped at once with Cease / BFD Down (RFC 9384) instead of waiting for the hold time. true: 300 ms intervals, multiplier 3 (FRR\u2019s defaults); an object {minTxMs, minRxMs, multiplier, multihop, minTtl, auth} sets them, auth being {type: simple | keyed-md5 | meticulous-keyed-md5 | keyed-sha1 | meticulous-keyed-sha1, keyId (default 1), password: {file} or {env}} for RFC 5880 §6.7 authentication. A BFD session that never comes up does not hold BGP back (RFC 5882 §3.2).',
    ),
    addPaths: z.enum([AddPathsMode.OFF, AddPathsMode.RECEIVE, AddPathsMode.SEND, AddPathsMode.BOTH]).default(AddPathsMode.BOTH).describe('ADD-PATH (RFC 7911) directions offered to the peer, as Calico\u2019s BIRD does by default.'),
    families: z.array(z.enum(PEER_FAMILIES)).min(1).optional().describe('Address families to negotiate (RFC 4760), each at most once. Default: the family of the peer\u2019s address.'),
  };
  return z
    .object(shape)
    .strict()
    .superRefine((peer, ctx) => {
      const hold = peer.holdTimeSec;
      // A hold time of 1 or 2 s is already reported by its own field.
      const problem = validHoldTime(hold) ? keepaliveProblem(hold, peer.keepaliveSec ?? defaultKeepaliveSec(hold)) : undefined;
      if (problem) ctx.addIssue({ code: 'custom', path: [peer.keepaliveSec === undefined ? 'holdTimeSec' : 'keepaliveSec'], message: problem });
      const linkLocal = /^fe[89ab][0-9a-f]:/.test(peer.address);
      if (linkLocal && peer.interface === undefined) {
        ctx.addIssue({ code: 'custom', path: ['interface'], message: `${peer.address} is IPv6 link-local: name the interface it is reached on` });
      }
      if (!linkLocal && peer.interface !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['interface'], message: 'interface is only used with IPv6 link-local (fe80::/10) peers' });
      }
      if (peer.sourceAddress !== undefined && addressFamily(peer.sourceAddress) !== addressFamily(peer.address)) {
        ctx.addIssue({ code: 'custom', path: ['sourceAddress'], message: `sourceAddress ${peer.sourceAddress} is not of the same family as ${peer.address}` });
      }
      if (peer.filters && new Set(peer.filters).size !== peer.filters.length) {
        ctx.addIssue({ code: 'custom', path: ['filters'], message: 'each filter may be listed once' });
      }
      if (peer.families && new Set(peer.families).size !== peer.families.length) {
        ctx.addIssue({ code: 'custom', path: ['families'], message: 'each family may be listed once' });
      }
    })
    .transform((peer) =>
      inShapeOrder(shape, {
        ...peer,
        name: peer.name ?? calicoPeerName(PeerNameKind.NODE, peer.address, peer.port),
        keepaliveSec: peer.keepaliveSec ?? defaultKeepaliveSec(peer.holdTimeSec),
        families: peer.families ?? [addressFamily(peer.address) === 6 ? ('ipv6-unicast' as const) : ('ipv4-unicast' as const)],
      }),
    );
}

/**
 * A VTEP's MAC (Calico Node `spec.vxlanTunnelMACAddr`): six colon-separated octets, unicast
 * (IEEE 802: the I/G bit, the lowest bit of the first octet, clear), written lower-case.
 */
const vtepMacField = z
  .string({ error: 'expected a MAC address such as 66:2f:c1:0a:1b:2c' })
  .regex(/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/, 'expected a MAC address such as 66:2f:c1:0a:1b:2c')
  .transform((mac) => mac.toLowerCase())
  .refine((mac) => (parseInt(mac.slice(0, 2), 16) & 1) === 0, 'a VTEP MAC must be unicast (the lowest bit of the first octet clear)')
  .meta({ title: 'MAC address' });

/**
 * A node's VXLAN tunnel endpoints, as Calico's Node resource records them (`ipv4VXLANTunnelAddr`,
 * `vxlanTunnelMACAddr`; for IPv6 pools `ipv6VXLANTunnelAddr`, `vxlanTunnelMACAddrV6`); without a
 * MAC, every petrel derives the same one from the node IP (src/kernel/vxlan.ts `vtepMacFor`).
 */
const vtepFields = {
  vxlanTunnelAddress: ipv4Field.optional().describe('The node\u2019s VXLAN tunnel endpoint address (Node spec.ipv4VXLANTunnelAddr); routes to its VXLAN blocks go via it on the VXLAN device.'),
  vxlanTunnelMac: vtepMacField.optional().describe('The VTEP\u2019s unicast MAC (Node spec.vxlanTunnelMACAddr); needs vxlanTunnelAddress. Default: derived from the node IP, the same on every petrel.'),
  vxlanTunnelAddressV6: ipAddressField
    .refine((address) => address.includes(':'), 'expected an IPv6 address such as fd00:247::1')
    .optional()
    .describe('The node\u2019s IPv6 VXLAN tunnel endpoint address (Node spec.ipv6VXLANTunnelAddr); routes to its IPv6 VXLAN blocks go via it on vxlan-v6.calico.'),
  vxlanTunnelMacV6: vtepMacField.optional().describe('The IPv6 VTEP\u2019s unicast MAC (Node spec.vxlanTunnelMACAddrV6); needs vxlanTunnelAddressV6. Default: derived from the node\u2019s IPv6 address.'),
};

function vtepMacNeedsAddress(
  node: {
    readonly vxlanTunnelAddress?: string | undefined;
    readonly vxlanTunnelMac?: string | undefined;
    readonly vxlanTunnelAddressV6?: string | undefined;
    readonly vxlanTunnelMacV6?: string | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (node.vxlanTunnelMac !== undefined && node.vxlanTunnelAddress === undefined) {
    ctx.addIssue({ code: 'custom', path: ['vxlanTunnelMac'], message: 'vxlanTunnelMac needs vxlanTunnelAddress (the VTEP IP the MAC answers for)' });
  }
  if (node.vxlanTunnelMacV6 !== undefined && node.vxlanTunnelAddressV6 === undefined) {
    ctx.addIssue({ code: 'custom', path: ['vxlanTunnelMacV6'], message: 'vxlanTunnelMacV6 needs vxlanTunnelAddressV6 (the VTEP IP the MAC answers for)' });
  }
}

function buildMeshSchema(environment: SecretEnvironment) {
  const meshNode = z
    .object({
      name: z.string().min(1).describe('The node\u2019s name (Calico Node resource); the entry naming this node is skipped.'),
      ipv4Address: interfaceAddressField(4).describe('The node\u2019s IPv4 address/length (Node spec.bgp.ipv4Address); the mesh session goes to the address.'),
      ipv6Address: interfaceAddressField(6).optional().describe('The node\u2019s IPv6 address/length; set: an IPv6 mesh session too.'),
      port: portField.default(BGP_PORT).describe('The node\u2019s BGP port.'),
      /** Calico's per-node AS; default: ours. */
      asNumber: asNumberField.optional().describe('The node\u2019s AS (Calico\u2019s per-node asNumber). Default: ours.'),
      /** A reflector node: Calico's mesh skips it (CALICO.md §1.5). */
      routeReflectorClusterId: ipv4Field.optional().describe('Set on a route reflector node: the mesh does not peer with it (CALICO.md §1.5).'),
      ...vtepFields,
    })
    .strict()
    .superRefine(vtepMacNeedsAddress);
  return z
    .object({
      enabled: z.boolean().default(true).describe('Peer with every other node of `nodes` (Calico\u2019s node-to-node mesh).'),
      nodes: z.array(meshNode).default([]).describe('The cluster\u2019s nodes, this one included; usually filled from calicoResources.'),
      /** Calico's nodeMeshPassword. */
      password: passwordField(environment).optional().describe('TCP MD5 key of every mesh session (Calico\u2019s nodeMeshPassword), from a file or an environment variable.'),
      holdTimeSec: holdTimeField.default(DEFAULT_HOLD_TIME_SEC).describe('Hold time of mesh sessions: 0 or 3..65535 (RFC 4271 §4.2).'),
      keepaliveSec: keepaliveField.optional().describe('Keepalive interval of mesh sessions: at most a third of the hold time. Default: hold time / 3.'),
      errorWait: errorWaitField,
      bfd: bfdField(environment).describe(
        'BFD (RFC 5880) with every other mesh node, as for a peer: a node that dies is dropped in under a second. Nodes on our subnet run single hop (RFC 5881), nodes in other subnets multihop (RFC 5883, UDP 4784), unless multihop says otherwise; auth as for a peer (RFC 5880 §6.7, one key for the whole mesh).',
      ),
    })
    .strict()
    .superRefine((mesh, ctx) => {
      const hold = mesh.holdTimeSec;
      const problem = validHoldTime(hold) ? keepaliveProblem(hold, mesh.keepaliveSec ?? defaultKeepaliveSec(hold)) : undefined;
      if (problem) ctx.addIssue({ code: 'custom', path: [mesh.keepaliveSec === undefined ? 'holdTimeSec' : 'keepaliveSec'], message: problem });
    })
    .transform(({ enabled, nodes, password, holdTimeSec, keepaliveSec, errorWait, bfd }) => ({
      enabled,
      nodes,
      ...(password ? { password } : {}),
      holdTimeSec,
      keepaliveSec: keepaliveSec ?? defaultKeepaliveSec(holdTimeSec),
      errorWait,
      ...(bfd ? { bfd } : {}),
    }));
}

/** Calico IPPool (CALICO.md §2): block sizes 20\u201332 for IPv4, 116\u2013128 for IPv6. */
const poolSchema = z
  .object({
    cidr: cidrField.describe('The pool\u2019s prefix (IPPool spec.cidr), host bits clear.'),
    blockSize: z.number().int().optional().describe('Prefix length of the pool\u2019s blocks: 20..32 for IPv4, 116..128 for IPv6, not shorter than the pool. Default: 26 (IPv4) or 122 (IPv6), or the pool\u2019s own length if longer.'),
    ipipMode: encapMode.default(EncapMode.NEVER).describe('IPIP for routes into this pool (IPv4 only): Always, CrossSubnet (only to nodes outside our subnet) or Never.'),
    vxlanMode: encapMode.default(EncapMode.NEVER).describe('VXLAN for routes into this pool, as ipipMode; a pool uses one of the two.'),
    natOutgoing: z.boolean().default(false).describe('Calico IPPool field accepted for compatibility; Felix does the NAT, petrel ignores it.'),
    disabled: z.boolean().default(false).describe('Calico IPPool field (no new IPAM allocations) accepted for compatibility; routing is unchanged.'),
    disableBGPExport: z.boolean().default(false).describe('Do not advertise the pool\u2019s routes to BGP peers (Calico\u2019s calico_export_to_bgp_peers).'),
  })
  .strict()
  .transform((pool, ctx) => {
    const prefix = parsePrefix(pool.cidr)!;
    const [min, max, fallback] = prefix.family === 4 ? [20, 32, 26] : [116, 128, 122];
    const blockSize = pool.blockSize ?? Math.max(fallback, prefix.length);
    if (blockSize < min || blockSize > max) {
      ctx.issues.push({ code: 'custom', input: pool, path: ['blockSize'], message: `IPv${prefix.family} block sizes are ${min}..${max}` });
    } else if (blockSize < prefix.length) {
      ctx.issues.push({ code: 'custom', input: pool, path: ['blockSize'], message: `blocks of /${blockSize} do not fit in the /${prefix.length} pool` });
    }
    if (prefix.family === 6 && pool.ipipMode !== EncapMode.NEVER) {
      ctx.issues.push({ code: 'custom', input: pool, path: ['ipipMode'], message: 'IPIP carries IPv4 only: IPv6 pools need ipipMode Never' });
    }
    if (pool.ipipMode !== EncapMode.NEVER && pool.vxlanMode !== EncapMode.NEVER) {
      ctx.issues.push({
        code: 'custom',
        input: pool,
        path: ['vxlanMode'],
        message: 'a pool uses IPIP or VXLAN, not both (Calico rejects ipipMode and vxlanMode both enabled)',
      });
    }
    const { cidr, ipipMode, vxlanMode, natOutgoing, disabled, disableBGPExport } = pool;
    return { cidr, blockSize, ipipMode, vxlanMode, natOutgoing, disabled, disableBGPExport };
  });

const kernelSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Write selected routes into the kernel; false on a central route reflector.'),
    routeProtocol: z
      .number()
      .int()
      .min(0)
      .max(255)
      .superRefine((proto, ctx) => {
        const owner = FOREIGN_ROUTE_PROTOCOLS.get(proto);
        if (owner !== undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `route protocol ${proto} belongs to ${owner}; petrel deletes routes carrying its own protocol, so pick another (default ${DEFAULT_ROUTE_PROTOCOL})`,
          });
        }
      })
      .default(DEFAULT_ROUTE_PROTOCOL)
      .describe('rtnetlink protocol number on petrel\u2019s routes; petrel deletes and adopts only routes carrying it. 12 is \u201cbird\u201d, so BIRD\u2019s routes are adopted on a switch. Not 0\u20134 (the kernel\u2019s) nor 80 (Felix\u2019s).'),
    /** Import other programs' kernel routes (Felix's pod /32s) as BIRD's `learn` does. */
    learn: z.boolean().default(true).describe('Import other programs\u2019 kernel routes (Felix\u2019s pod routes) as BIRD\u2019s `learn` does.'),
    /** Leave petrel's routes in the kernel when it stops (BIRD's `persist`). */
    persist: z.boolean().default(true).describe('Leave petrel\u2019s routes in the kernel when it stops, so pod traffic keeps flowing across a restart (BIRD\u2019s `persist`).'),
    table: z
      .number()
      .int()
      .min(1, 'table 0 is RT_TABLE_UNSPEC')
      .max(MAX_U32)
      .refine((t) => t !== 255, 'table 255 is the kernel\u2019s local table')
      .default(MAIN_ROUTE_TABLE)
      .describe('Routing table petrel writes to: 254 is main; 0 and 255 (local) are refused.'),
  })
  .strict();

const vxlanSchema = z
  .object({
    device: z.string().min(1).max(15, 'Linux interface names are at most 15 characters').default('vxlan.calico').describe('VXLAN device routes into VXLAN pools go through (Felix\u2019s vxlan.calico).'),
    /** RFC 7348 §5: a 24-bit VXLAN Network Identifier. */
    vni: z.number().int().min(1).max(16777215).default(4096).describe('VXLAN Network Identifier (24 bits, RFC 7348 §5); Calico uses 4096.'),
    port: portField.default(4789).describe('UDP port of the VXLAN device.'),
    mtu: z.number().int().min(68).max(65535).default(1450).describe('MTU of the VXLAN device.'),
  })
  .strict();

/** The same object with its keys in the order of `shape`, so canonical output is stable. */
function inShapeOrder<T extends object>(shape: Record<string, unknown>, value: T): T {
  const out: Record<string, unknown> = {};
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(shape)) if (record[key] !== undefined) out[key] = record[key];
  return out as T;
}

export function buildConfigSchema(environment: SecretEnvironment) {
  return z
    .object({
      asNumber: asNumberField.default(DEFAULT_AS_NUMBER).describe('Our AS (RFC 6793 four-octet); Calico\u2019s default 64512.'),
      routerId: ipv4Field.optional().describe('BGP identifier (RFC 4271 §4.2). Default: the address of node.ipv4Address; required without it.'),
      node: z
        .object({
          name: z.string().min(1).describe('This node\u2019s name (Calico Node resource, usually the host name); picks this node\u2019s settings out of calicoResources.'),
          ipv4Address: interfaceAddressField(4).optional().describe('This node\u2019s IPv4 address/length (Node spec.bgp.ipv4Address): mesh and next-hop address; the length decides IPIP CrossSubnet.'),
          ipv6Address: interfaceAddressField(6).optional().describe('This node\u2019s IPv6 address/length (Node spec.bgp.ipv6Address).'),
          /** Set: this speaker is a route reflector with this cluster ID (RFC 4456 §7). */
          routeReflectorClusterId: ipv4Field.optional().describe('Set: this node is a route reflector with this cluster ID (RFC 4456 §7).'),
          /** This node's own VTEP, put on the VXLAN device. */
          ...vtepFields,
        })
        .strict()
        .superRefine(vtepMacNeedsAddress)
        .describe('This node.'),
      listen: z
        .object({
          address: ipAddressField.default('0.0.0.0').describe('Address to accept BGP connections on: 0.0.0.0 is every IPv4 address, :: every IPv4 and IPv6 address.'),
          port: portField.default(BGP_PORT).describe('TCP port to accept BGP connections on.'),
        })
        .strict()
        .prefault({})
        .describe('Where petrel accepts BGP connections.'),
      mesh: buildMeshSchema(environment).prefault({}).describe('Calico\u2019s node-to-node mesh.'),
      peers: z.array(buildPeerSchema(environment)).default([]).describe('Explicit BGP peers (Calico BGPPeer resources map here too).'),
      filters: z.array(filterSchema).optional().describe('Route filters peers refer to by name (Calico BGPFilter resources map here too; CALICO.md §1.7).'),
      pools: z.array(poolSchema).default([]).describe('Calico IP pools: which routes are pod routes, and their encapsulation.'),
      /** Blocks affine to this node, originated as blackholes (CALICO.md §1.2). */
      blocks: z.array(cidrField).default([]).describe('IPAM blocks affine to this node: advertised, and installed as blackhole routes (CALICO.md §1.2).'),
      serviceClusterIPs: z.array(cidrField).default([]).describe('Service cluster IP ranges to advertise (BGPConfiguration serviceClusterIPs).'),
      serviceExternalIPs: z.array(cidrField).default([]).describe('Service external IP ranges to advertise (BGPConfiguration serviceExternalIPs).'),
      serviceLoadBalancerIPs: z.array(cidrField).default([]).describe('Service LoadBalancer IP ranges to advertise (BGPConfiguration serviceLoadBalancerIPs).'),
      prefixAdvertisements: z
        .array(
          z
            .object({
              cidr: cidrField.describe('Prefix whose advertised routes get the communities.'),
              communities: z.array(communityField).min(1).describe('Communities to add: a:b (RFC 1997) or a:b:c (large, RFC 8092).'),
            })
            .strict(),
        )
        .default([])
        .describe('Communities added to exported routes (BGPConfiguration prefixAdvertisements).'),
      kernel: kernelSchema.prefault({}).describe('The kernel routing table.'),
      vxlan: vxlanSchema.prefault({}).describe('The VXLAN device for VXLAN pools.'),
      exportPolicy: z.enum([ExportPolicy.CALICO, ExportPolicy.ALL]).default(ExportPolicy.CALICO).describe('calico: export only pool, block and service routes as Calico\u2019s BIRD does (SPEC §3); all: reflect everything (a central reflector for non-Calico clients).'),
      programClusterRoutes: z
        .enum([ProgramClusterRoutes.ENABLED, ProgramClusterRoutes.DISABLED, ProgramClusterRoutes.IPIP_ONLY, ProgramClusterRoutes.NO_ENCAP_ONLY])
        .default(ProgramClusterRoutes.ENABLED)
        .describe(
          'Whose cluster routes (other nodes\u2019 blocks) petrel installs, as BGPConfiguration programClusterRoutes tells BIRD: Enabled, IPIP and no-encap pools (v3.32\u2019s default); Disabled, neither (Felix programs them); EnabledIPIPOnly / EnabledNoEncapOnly, only those. A pool left to Felix is skipped in the kernel, and an iBGP export of its tunl0 routes is refused. VXLAN pools are not affected.',
        ),
      normalRoutePriority: z
        .object({
          ipv4: routePriorityField.default(NORMAL_ROUTE_PRIORITY).describe('For IPv4 routes (BGPConfiguration ipv4NormalRoutePriority).'),
          ipv6: routePriorityField.default(NORMAL_ROUTE_PRIORITY).describe('For IPv6 routes (BGPConfiguration ipv6NormalRoutePriority).'),
        })
        .strict()
        .prefault({})
        .describe(
          'Felix\u2019s normal route priority (the kernel metric of its routes; must match Felix\u2019s). A pod route below it is elevated (a live-migrated VM\u2019s /32) and is exported beneath its block, and a route without LOCAL_PREF is sent to iBGP peers with 2147483647 \u2212 its priority, this one unless it has its own (Calico v3.32, CALICO.md §1.2–1.3).',
        ),
      multipath: z
        .object({
          maxPaths: z.number().int().min(1).max(MAX_MULTIPATHS).default(1).describe('Most equal-cost BGP paths installed together as one ECMP kernel route, the best included; 1 installs only the best path.'),
          relaxNeighborAs: z.boolean().default(false).describe('Allow eBGP paths from different neighbouring ASes into one ECMP set (FRR multipath-relax); otherwise they must share the neighbouring AS.'),
        })
        .strict()
        .prefault({})
        .describe('Equal-cost multipath: which equally good paths to a prefix the kernel route uses.'),
      gracefulRestart: z
        .object({
          enabled: z.boolean().default(true).describe('Offer graceful restart (RFC 4724) and keep a restarting peer\u2019s routes as stale.'),
          restartTimeSec: restartTimeField.default(DEFAULT_RESTART_TIME_SEC).describe('Restart Time we advertise (12-bit field, RFC 4724 §3).'),
        })
        .strict()
        .prefault({})
        .describe('Graceful restart for every session; peers[].gracefulRestart overrides it.'),
      stateDir: absolutePathField.default('/var/lib/petrel').describe('Folder for petrel\u2019s state files (petrel writes only under configured paths).'),
      control: z
        .object({
          socket: absolutePathField.default('/run/petrel/petrel.sock').describe('Unix socket for `petrel show`, `reload` and `peer`.'),
          /** Serve BIRD's control protocol subset here for calicoctl and the readiness probe. */
          birdSocket: absolutePathField.optional().describe('Also serve the subset of BIRD\u2019s control protocol calicoctl node status and the calico-node readiness probe use, e.g. /var/run/calico/bird.ctl.'),
          /** BIRD 1.x Calico ran bird6 beside bird: its socket shows the IPv6 sessions and routes only. */
          bird6Socket: absolutePathField.optional().describe('Also serve that protocol with bird6\u2019s view (IPv6 sessions and routes only) for older calicoctl and the -bird6-ready probe, e.g. /var/run/calico/bird6.ctl; birdSocket then shows IPv4 only, as BIRD 1.x\u2019s bird did.'),
          /** Group allowed to use the control socket (it is never world-writable). */
          socketGroup: z.string().min(1).optional().describe('Group allowed to use the control sockets (they are never world-writable).'),
        })
        .strict()
        .prefault({})
        .describe('Control sockets.'),
      reload: z
        .object({ watchFiles: z.boolean().default(true).describe('Reload when the config file or a calicoResources file or folder changes, as SIGHUP does (after 500 ms without further changes).') })
        .strict()
        .prefault({})
        .describe('Configuration reloads.'),
      metrics: z
        .object({ listen: hostPortField.default('127.0.0.1:9900').describe('Address of the Prometheus endpoint GET /metrics, IP:port ([v6]:port for IPv6).') })
        .strict()
        .prefault({})
        .describe('Prometheus metrics.'),
      log: z
        .object({ level: z.enum(LOG_LEVELS).default('info').describe('Lowest level logged; `petrel run --log-level` overrides it.') })
        .strict()
        .prefault({})
        .describe('Logging.'),
      /** Calico resource manifests (files or folders), mapped as CALICO.md describes. */
      calicoResources: z.array(readPathField(environment.baseDir)).default([]).describe('Calico resource manifests (YAML files or folders; relative to the config file) mapped onto these keys as CALICO.md describes: Nodes, BGPPeers, BGPConfiguration, IPPools, block affinities.'),
    })
    .strict()
    .superRefine(checkFilterReferences)
    .transform((config, ctx) => {
      // SPEC §2: the router ID defaults to the node's IPv4 address.
      const routerId = config.routerId ?? config.node.ipv4Address?.split('/')[0];
      if (routerId === undefined) {
        ctx.issues.push({
          code: 'custom',
          input: config,
          path: ['routerId'],
          message: 'routerId is required when node.ipv4Address is not set (a BGP identifier is an IPv4 address, RFC 4271 §4.2)',
        });
        return z.NEVER;
      }
      const { asNumber, routerId: _written, ...rest } = config;
      return { asNumber, routerId, ...rest };
    });
}

/** Filter names are unique, and every name a peer lists is defined. */
function checkFilterReferences(
  config: { readonly filters?: readonly { readonly name: string }[] | undefined; readonly peers: readonly { readonly filters?: readonly string[] | undefined }[] },
  ctx: z.RefinementCtx,
): void {
  const defined = new Map<string, number>();
  (config.filters ?? []).forEach((filter, i) => {
    const first = defined.get(filter.name);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['filters', i, 'name'], message: `filter ${filter.name} is already defined at filters[${first}]` });
    else defined.set(filter.name, i);
  });
  config.peers.forEach((peer, i) => {
    peer.filters?.forEach((name, j) => {
      if (!defined.has(name)) ctx.addIssue({ code: 'custom', path: ['peers', i, 'filters', j], message: `no filter named "${name}" in filters` });
    });
  });
}

/** Read-only all the way down: a loaded config is shared and swapped whole, never edited. */
export type DeepReadonly<T> = T extends Secret
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

export type Config = DeepReadonly<z.output<ReturnType<typeof buildConfigSchema>>>;
export type PeerConfig = Config['peers'][number];
export type MeshConfig = Config['mesh'];
export type MeshNodeConfig = MeshConfig['nodes'][number];
export type PoolConfig = Config['pools'][number];
