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
} from './fields.js';
import { BGP_PORT, PeerNameKind, calicoPeerName } from './names.js';
import { addressFamily } from './prefixes.js';
import type { Secret, SecretEnvironment } from './secrets.js';

export const DEFAULT_AS_NUMBER = 64512;
export const DEFAULT_HOLD_TIME_SEC = 240;
export const DEFAULT_CONNECT_DELAY_SEC = 2;
export const DEFAULT_CONNECT_RETRY_SEC = 5;
export const DEFAULT_RESTART_TIME_SEC = 120;
/** Calico's BIRD registers as "bird" (12) in /etc/iproute2/rt_protos: drop-in by default. */
export const DEFAULT_ROUTE_PROTOCOL = 12;
export const MAIN_ROUTE_TABLE = 254;

export const EncapMode = { ALWAYS: 'Always', CROSS_SUBNET: 'CrossSubnet', NEVER: 'Never' } as const;
export type EncapMode = (typeof EncapMode)[keyof typeof EncapMode];

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
 * Route protocols 0–4 are the kernel's own (unspec, redirect, kernel, boot, static) and 80 is
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
      .optional(),
    address: ipAddressField,
    /** The interface of an IPv6 link-local peer (fe80::/10 needs a zone). */
    interface: z.string().min(1).max(15).optional(),
    port: portField.default(BGP_PORT),
    asNumber: asNumberField,
    passive: z.boolean().default(false),
    /** Unset: the Calico rule decides (peers.ts); set: overrides it. */
    routeReflectorClient: z.boolean().optional(),
    /** The peer's own cluster ID, when it is a reflector of ours (RFC 4456 §7). */
    routeReflectorClusterId: ipv4Field.optional(),
    holdTimeSec: holdTimeField.default(DEFAULT_HOLD_TIME_SEC),
    keepaliveSec: keepaliveField.optional(),
    connectDelaySec: z.number().int().min(0).max(3600).default(DEFAULT_CONNECT_DELAY_SEC),
    connectRetrySec: z.number().int().min(1).max(65535).default(DEFAULT_CONNECT_RETRY_SEC),
    nextHopMode: z.enum([NextHopMode.AUTO, NextHopMode.SELF, NextHopMode.KEEP]).default(NextHopMode.AUTO),
    password: passwordField(environment).optional(),
    /** RFC 5082 GTSM: the peer is at most this many hops away. */
    ttlSecurity: z.number().int().min(1).max(254).optional(),
    sourceAddress: ipAddressField.optional(),
    multihop: z
      .union([z.boolean(), z.number().int()], { error: 'expected true, false or a TTL 1..255' })
      .refine((m) => typeof m === 'boolean' || (m >= 1 && m <= 255), 'expected true, false or a TTL 1..255')
      .default(true),
    gracefulRestart: z.object({ enabled: z.boolean().optional(), restartTimeSec: restartTimeField.optional() }).strict().optional(),
    maxPrefixes: z.object({ limit: z.number().int().min(1).max(MAX_U32), warningOnly: z.boolean().default(false) }).strict().optional(),
    addPaths: z.enum([AddPathsMode.OFF, AddPathsMode.RECEIVE, AddPathsMode.SEND, AddPathsMode.BOTH]).default(AddPathsMode.BOTH),
    families: z.array(z.enum(PEER_FAMILIES)).min(1).optional(),
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
  .refine((mac) => (parseInt(mac.slice(0, 2), 16) & 1) === 0, 'a VTEP MAC must be unicast (the lowest bit of the first octet clear)');

/**
 * A node's VXLAN tunnel endpoint, as Calico's Node resource records it (`ipv4VXLANTunnelAddr`,
 * `vxlanTunnelMACAddr`); without a MAC, every petrel derives the same one from the node IP
 * (src/kernel/vxlan.ts `vtepMacFor`).
 */
const vtepFields = {
  vxlanTunnelAddress: ipv4Field.optional(),
  vxlanTunnelMac: vtepMacField.optional(),
};

function vtepMacNeedsAddress(node: { readonly vxlanTunnelAddress?: string | undefined; readonly vxlanTunnelMac?: string | undefined }, ctx: z.RefinementCtx): void {
  if (node.vxlanTunnelMac !== undefined && node.vxlanTunnelAddress === undefined) {
    ctx.addIssue({ code: 'custom', path: ['vxlanTunnelMac'], message: 'vxlanTunnelMac needs vxlanTunnelAddress (the VTEP IP the MAC answers for)' });
  }
}

function buildMeshSchema(environment: SecretEnvironment) {
  const meshNode = z
    .object({
      name: z.string().min(1),
      ipv4Address: interfaceAddressField(4),
      ipv6Address: interfaceAddressField(6).optional(),
      port: portField.default(BGP_PORT),
      /** Calico's per-node AS; default: ours. */
      asNumber: asNumberField.optional(),
      /** A reflector node: Calico's mesh skips it (CALICO.md §1.5). */
      routeReflectorClusterId: ipv4Field.optional(),
      ...vtepFields,
    })
    .strict()
    .superRefine(vtepMacNeedsAddress);
  return z
    .object({
      enabled: z.boolean().default(true),
      nodes: z.array(meshNode).default([]),
      /** Calico's nodeMeshPassword. */
      password: passwordField(environment).optional(),
      holdTimeSec: holdTimeField.default(DEFAULT_HOLD_TIME_SEC),
      keepaliveSec: keepaliveField.optional(),
    })
    .strict()
    .superRefine((mesh, ctx) => {
      const hold = mesh.holdTimeSec;
      const problem = validHoldTime(hold) ? keepaliveProblem(hold, mesh.keepaliveSec ?? defaultKeepaliveSec(hold)) : undefined;
      if (problem) ctx.addIssue({ code: 'custom', path: [mesh.keepaliveSec === undefined ? 'holdTimeSec' : 'keepaliveSec'], message: problem });
    })
    .transform(({ enabled, nodes, password, holdTimeSec, keepaliveSec }) => ({
      enabled,
      nodes,
      ...(password ? { password } : {}),
      holdTimeSec,
      keepaliveSec: keepaliveSec ?? defaultKeepaliveSec(holdTimeSec),
    }));
}

/** Calico IPPool (CALICO.md §2): block sizes 20–32 for IPv4, 116–128 for IPv6. */
const poolSchema = z
  .object({
    cidr: cidrField,
    blockSize: z.number().int().optional(),
    ipipMode: encapMode.default(EncapMode.NEVER),
    vxlanMode: encapMode.default(EncapMode.NEVER),
    natOutgoing: z.boolean().default(false),
    disabled: z.boolean().default(false),
    disableBGPExport: z.boolean().default(false),
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
    enabled: z.boolean().default(true),
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
      .default(DEFAULT_ROUTE_PROTOCOL),
    /** Import other programs' kernel routes (Felix's pod /32s) as BIRD's `learn` does. */
    learn: z.boolean().default(true),
    /** Leave petrel's routes in the kernel when it stops (BIRD's `persist`). */
    persist: z.boolean().default(true),
    table: z
      .number()
      .int()
      .min(1, 'table 0 is RT_TABLE_UNSPEC')
      .max(MAX_U32)
      .refine((t) => t !== 255, 'table 255 is the kernel\u2019s local table')
      .default(MAIN_ROUTE_TABLE),
  })
  .strict();

const vxlanSchema = z
  .object({
    device: z.string().min(1).max(15, 'Linux interface names are at most 15 characters').default('vxlan.calico'),
    /** RFC 7348 §5: a 24-bit VXLAN Network Identifier. */
    vni: z.number().int().min(1).max(16777215).default(4096),
    port: portField.default(4789),
    mtu: z.number().int().min(68).max(65535).default(1450),
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
      asNumber: asNumberField.default(DEFAULT_AS_NUMBER),
      routerId: ipv4Field.optional(),
      node: z
        .object({
          name: z.string().min(1),
          ipv4Address: interfaceAddressField(4).optional(),
          ipv6Address: interfaceAddressField(6).optional(),
          /** Set: this speaker is a route reflector with this cluster ID (RFC 4456 §7). */
          routeReflectorClusterId: ipv4Field.optional(),
          /** This node's own VTEP, put on the VXLAN device. */
          ...vtepFields,
        })
        .strict()
        .superRefine(vtepMacNeedsAddress),
      listen: z.object({ address: ipAddressField.default('0.0.0.0'), port: portField.default(BGP_PORT) }).strict().prefault({}),
      mesh: buildMeshSchema(environment).prefault({}),
      peers: z.array(buildPeerSchema(environment)).default([]),
      pools: z.array(poolSchema).default([]),
      /** Blocks affine to this node, originated as blackholes (CALICO.md §1.2). */
      blocks: z.array(cidrField).default([]),
      serviceClusterIPs: z.array(cidrField).default([]),
      serviceExternalIPs: z.array(cidrField).default([]),
      serviceLoadBalancerIPs: z.array(cidrField).default([]),
      prefixAdvertisements: z.array(z.object({ cidr: cidrField, communities: z.array(communityField).min(1) }).strict()).default([]),
      kernel: kernelSchema.prefault({}),
      vxlan: vxlanSchema.prefault({}),
      exportPolicy: z.enum([ExportPolicy.CALICO, ExportPolicy.ALL]).default(ExportPolicy.CALICO),
      gracefulRestart: z
        .object({ enabled: z.boolean().default(true), restartTimeSec: restartTimeField.default(DEFAULT_RESTART_TIME_SEC) })
        .strict()
        .prefault({}),
      stateDir: absolutePathField.default('/var/lib/petrel'),
      control: z
        .object({
          socket: absolutePathField.default('/run/petrel/petrel.sock'),
          /** Serve BIRD's control protocol subset here for calicoctl and the readiness probe. */
          birdSocket: absolutePathField.optional(),
          /** Group allowed to use the control socket (it is never world-writable). */
          socketGroup: z.string().min(1).optional(),
        })
        .strict()
        .prefault({}),
      metrics: z.object({ listen: hostPortField.default('127.0.0.1:9900') }).strict().prefault({}),
      log: z.object({ level: z.enum(LOG_LEVELS).default('info') }).strict().prefault({}),
      /** Calico resource manifests (files or folders), mapped as CALICO.md describes. */
      calicoResources: z.array(readPathField(environment.baseDir)).default([]),
    })
    .strict()
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
