/**
 * Field schemas the config is built from: addresses, prefixes, communities, timers, paths and
 * passwords, each with a message that says what was expected and, where it helps, why. Values
 * come out in canonical text form (IPv6 per RFC 5952, prefixes with host bits checked), so two
 * spellings of one address compare equal after loading.
 */
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { canonicalAddress, formatIpv4, formatIpv6, formatPrefix, hasHostBits, parsePrefix, type IpFamily } from '../bgp/address.js';
import { resolveSecret, type SecretEnvironment } from './secrets.js';
import { bfdAuthKeyProblem } from '../bfd/auth.js';
import { BFD_AUTH_TYPE_NAMES, bfdAuthTypeOfName } from '../bfd/types.js';

export const MAX_U32 = 4294967295;

/** RFC 6793: four-octet AS numbers; 0 is reserved (RFC 7607). */
export const asNumberField = z
  .number({ error: 'expected an AS number (1..4294967295)' })
  .int()
  .min(1, 'AS 0 is reserved (RFC 7607)')
  .max(MAX_U32, 'AS numbers are at most 4294967295 (RFC 6793)')
  .meta({ title: 'AS number' });

export const portField = z.number({ error: 'expected a TCP port (1..65535)' }).int().min(1).max(65535).meta({ title: 'port' });

export const ipv4Field = z.ipv4({ error: 'expected an IPv4 address such as 10.0.0.1' }).meta({ title: 'IPv4 address' });

/** An IPv4 or IPv6 address, in canonical text form. */
export const ipAddressField = z.string({ error: 'expected an IP address' }).transform((text, ctx) => {
  const canonical = canonicalAddress(text);
  if (canonical === undefined) {
    ctx.issues.push({ code: 'custom', input: text, message: `"${text}" is not an IPv4 or IPv6 address` });
    return z.NEVER;
  }
  return canonical;
}).meta({ title: 'IP address' });

/**
 * An interface address `address/length` of the given family, as Calico's `Node.spec.bgp`
 * writes it: here host bits are the point (the address), the length gives the subnet that
 * decides IPIP CrossSubnet.
 */
export function interfaceAddressField(family: IpFamily) {
  const example = family === 4 ? '10.0.0.201/24' : 'fd00::201/64';
  return z.string({ error: `expected an IPv${family} interface address such as ${example}` }).transform((text, ctx) => {
    const p = parsePrefix(text);
    if (!p || p.family !== family) {
      ctx.issues.push({ code: 'custom', input: text, message: `"${text}" is not an IPv${family} address/length such as ${example}` });
      return z.NEVER;
    }
    const bits = family === 4 ? 32 : 128;
    // /31, /32 (RFC 3021) and their IPv6 kin have no separate subnet address.
    if (!hasHostBits(p) && p.length < bits - 1) {
      ctx.issues.push({ code: 'custom', input: text, message: `${text} is the subnet itself; write this node's address in it, e.g. ${example}` });
      return z.NEVER;
    }
    return `${family === 4 ? formatIpv4(p.bytes) : formatIpv6(p.bytes)}/${p.length}`;
  }).meta({ title: `IPv${family} address/length` });
}

/** A network prefix: host bits set is an error, as Calico's IPPool validation has it. */
export const cidrField = z.string({ error: 'expected a CIDR such as 10.244.0.0/16' }).transform((text, ctx) => {
  const p = parsePrefix(text);
  if (!p) {
    ctx.issues.push({ code: 'custom', input: text, message: `"${text}" is not a CIDR such as 10.244.0.0/16` });
    return z.NEVER;
  }
  const canonical = formatPrefix(p.family, p.bytes, p.length);
  if (hasHostBits(p)) {
    ctx.issues.push({ code: 'custom', input: text, message: `${text} has host bits set; did you mean ${canonical}?` });
    return z.NEVER;
  }
  return canonical;
}).meta({ title: 'CIDR prefix' });

/** `a:b` (RFC 1997, 16-bit halves) or `a:b:c` (RFC 8092 large community, 32-bit parts). */
export const communityField = z.string({ error: 'expected a community "a:b" or "a:b:c"' }).transform((text, ctx) => {
  const parts = text.split(':');
  const limit = parts.length === 2 ? 0xffff : MAX_U32;
  const ok = (parts.length === 2 || parts.length === 3) && parts.every((x) => /^[0-9]{1,10}$/.test(x) && Number(x) <= limit);
  if (!ok) {
    ctx.issues.push({
      code: 'custom',
      input: text,
      message: `"${text}" is not a community: write a:b with each part 0..65535 (RFC 1997) or a:b:c with each part 0..4294967295 (RFC 8092)`,
    });
    return z.NEVER;
  }
  return parts.map(Number).join(':');
}).meta({ title: 'community' });

/** RFC 4271 §4.2: the Hold Time is 0 or at least three seconds. */
export const holdTimeField = z
  .number({ error: 'expected a hold time in seconds' })
  .int()
  .min(0)
  .max(65535, 'the hold time is a 16-bit field (RFC 4271 §4.2)')
  .refine(validHoldTime, 'hold time must be 0 or at least 3 seconds (RFC 4271 §4.2)')
  .meta({ title: 'seconds' });

export function validHoldTime(holdTimeSec: number): boolean {
  return holdTimeSec === 0 || holdTimeSec >= 3;
}

/** Calico's BIRD template: `error wait time 5,30`, BIRD's default `error forget time 300`. */
export const DEFAULT_ERROR_WAIT = { minSec: 5, maxSec: 30, forgetSec: 300 } as const;

/**
 * The backoff after a failed session (RFC 4271 §8.1.1 DampPeerOscillations; BIRD `error wait time`
 * and `error forget time`): Calico's 5–30 s by default. A cluster that must come back faster after
 * an outage shortens it (CALICO.md §4.5: users patched BIRD's for that).
 */
export const errorWaitField = z
  .object({
    minSec: z.number().int().min(1).max(3600).default(DEFAULT_ERROR_WAIT.minSec).describe('Seconds to wait after the first failure.'),
    maxSec: z.number().int().min(1).max(65535).default(DEFAULT_ERROR_WAIT.maxSec).describe('The wait doubles with each further failure up to this many seconds.'),
    forgetSec: z.number().int().min(1).max(86400).default(DEFAULT_ERROR_WAIT.forgetSec).describe('A failure this many seconds after the previous one waits minSec again.'),
  })
  .strict()
  .refine((w) => w.maxSec >= w.minSec, { message: 'maxSec must be at least minSec', path: ['maxSec'] })
  .prefault({})
  .describe('Backoff after a failed session (RFC 4271 §8.1.1 DampPeerOscillations; BIRD error wait time 5,30 and error forget time 300, Calico\u2019s values by default).');

export type ErrorWait = z.output<typeof errorWaitField>;

/** Felix's normal route priority (kernel metric) by default (BGPConfiguration ipv4NormalRoutePriority). */
export const NORMAL_ROUTE_PRIORITY = 1024;

/** A route priority, in Felix's `...RoutePriority` units (the kernel metric), as Calico's API bounds it. */
export const routePriorityField = z
  .number({ error: 'expected a route priority (1..2147483646)' })
  .int()
  .min(1, 'priorities are 1..2147483646')
  .max(2147483646, 'priorities are 1..2147483646')
  .meta({ title: 'priority' });

/** `bfd: true`: FRR's bfdd defaults (300 ms both ways, multiplier 3: down within 0.9 s). */
export const DEFAULT_BFD = { minTxMs: 300, minRxMs: 300, multiplier: 3 } as const;
/** Multihop BFD accepts any TTL unless `minTtl` says otherwise (see `bfdField`). */
export const DEFAULT_BFD_MIN_TTL = 1;

/** The Auth Key ID petrel uses unless told: BIRD numbers a lone password 1 too. */
export const DEFAULT_BFD_AUTH_KEY_ID = 1;

/**
 * BFD authentication (RFC 5880 §6.7): the type, the Auth Key ID, and the key from a file or an
 * environment variable like every secret (never inline), of the length its type allows.
 */
export function bfdAuthField(environment: SecretEnvironment) {
  return z
    .object({
      type: z
        .enum(BFD_AUTH_TYPE_NAMES)
        .describe('simple: Simple Password (RFC 5880 §6.7.2, the key in clear); keyed-md5, meticulous-keyed-md5 (§6.7.3); keyed-sha1, meticulous-keyed-sha1 (§6.7.4). Meticulous types advance the sequence number with every packet. As BIRD’s `authentication`; the peer must use the same.'),
      keyId: z.number().int().min(0).max(255).default(DEFAULT_BFD_AUTH_KEY_ID).describe(`Auth Key ID sent, and required of received packets (BIRD \`password "…" { id N; }\`). Default ${DEFAULT_BFD_AUTH_KEY_ID}.`),
      password: passwordField(environment).describe('The key, from a file or an environment variable, never inline: 1–16 bytes for simple and MD5, 1–20 for SHA1 (RFC 5880 §4.2–4.4).'),
    })
    .strict()
    .superRefine((auth, ctx) => {
      // §4.2–4.4: the key's length, in octets; the message names the length, never the key.
      const problem = bfdAuthKeyProblem(bfdAuthTypeOfName(auth.type), Buffer.byteLength(auth.password.reveal()));
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['password'], message: problem });
    });
}

/**
 * BFD intervals (RFC 5880 §6.8.1) and authentication (§6.7); `true` means the defaults, `false`
 * none: read as settings or absent. A function of the secret environment, for the key.
 */
export function bfdField(environment: SecretEnvironment) {
  return z
    .union([
      z.boolean(),
      z
        .object({
          minTxMs: z.number().int().min(10).max(60_000).default(DEFAULT_BFD.minTxMs).describe('Desired Min TX Interval once the BFD session is up, in ms (RFC 5880 §6.8.3; 1 s while it is not).'),
          minRxMs: z.number().int().min(10).max(60_000).default(DEFAULT_BFD.minRxMs).describe('Required Min RX Interval: the fastest rate we accept packets at, in ms.'),
          multiplier: z.number().int().min(1).max(255).default(DEFAULT_BFD.multiplier).describe('Detect Mult: the peer is down after this many intervals without a packet.'),
          multihop: z
            .boolean()
            .optional()
            .describe(
              'true: multihop BFD (RFC 5883, UDP port 4784); false: single hop (RFC 5881, port 3784, TTL 255 only). Unset: single hop to a peer on the node\u2019s own subnet (node.ipv4Address / ipv6Address), on an interface (link-local) or with multihop false; multihop to any other.',
            ),
          minTtl: z
            .number()
            .int()
            .min(1)
            .max(255)
            .optional()
            .describe(`Multihop only: the lowest TTL / Hop Limit accepted from the peer (RFC 5883 §5; petrel sends 255). Default ${DEFAULT_BFD_MIN_TTL}: any, as BIRD and FRR\u2019s BGP-requested sessions accept; 254: at most one router away (FRR\u2019s default for its configured multihop peers).`),
          auth: bfdAuthField(environment)
            .optional()
            .describe('Authentication (RFC 5880 §6.7): packets are signed, and received ones without the same type, key ID and key are discarded. Unset: none, and packets with the A bit set are discarded.'),
        })
        .strict()
        .refine((b) => !(b.multihop === false && b.minTtl !== undefined), {
          message: 'minTtl is for multihop sessions; a single-hop one accepts TTL 255 only (RFC 5881 §5)',
          path: ['minTtl'],
        }),
    ], { error: 'expected true, false or an object {minTxMs, minRxMs, multiplier, multihop, minTtl, auth}' })
    .optional()
    .transform((bfd) => (bfd === true ? { ...DEFAULT_BFD } : bfd === false ? undefined : bfd));
}

export type BfdSettings = NonNullable<z.output<ReturnType<typeof bfdField>>>;

export const keepaliveField = z.number({ error: 'expected a keepalive time in seconds' }).int().min(0).max(21845).meta({ title: 'seconds' });

/**
 * RFC 4271 §4.4 and §10: keepalives are sent at most a third of the hold time apart, and never
 * when the hold time is 0. A larger keepalive is an error, not clamped: the user asked for a
 * timer the session cannot honour, and a silent change would hide that.
 */
export function keepaliveProblem(holdTimeSec: number, keepaliveSec: number): string | undefined {
  if (holdTimeSec === 0) {
    return keepaliveSec === 0 ? undefined : 'with holdTimeSec 0 no keepalives are sent (RFC 4271 §4.4): set keepaliveSec to 0 or leave it out';
  }
  if (keepaliveSec === 0) return `keepaliveSec 0 sends no keepalives, so the peer's ${holdTimeSec} s hold timer would expire`;
  if (keepaliveSec * 3 > holdTimeSec) {
    return `keepaliveSec ${keepaliveSec} is more than a third of holdTimeSec ${holdTimeSec} (RFC 4271 §10); use at most ${Math.floor(holdTimeSec / 3)}`;
  }
  return undefined;
}

/** The keepalive Calico's BIRD uses when none is configured: a third of the hold time. */
export function defaultKeepaliveSec(holdTimeSec: number): number {
  return Math.floor(holdTimeSec / 3);
}

/** A path petrel writes or listens on: relative paths would depend on the daemon's cwd. */
export const absolutePathField = z
  .string({ error: 'expected an absolute path' })
  .min(1)
  .refine((p) => isAbsolute(p), 'must be an absolute path (petrel writes only under configured paths)')
  .meta({ title: 'absolute path' });

/** A path petrel reads; relative paths are taken from the config file's folder. */
export function readPathField(baseDir: string) {
  return z
    .string({ error: 'expected a path' })
    .min(1)
    .transform((p) => (isAbsolute(p) ? p : resolve(baseDir, p)))
    .meta({ title: 'path' });
}

/** `host:port` with an IP host, `[v6]:port` for IPv6; returned in canonical form. */
export const hostPortField = z.string({ error: 'expected host:port such as 127.0.0.1:9900' }).transform((text, ctx) => {
  const parsed = parseHostPort(text);
  if (!parsed) {
    ctx.issues.push({ code: 'custom', input: text, message: `"${text}" is not IP:port such as 127.0.0.1:9900 or [::1]:9900` });
    return z.NEVER;
  }
  return parsed.host.includes(':') ? `[${parsed.host}]:${parsed.port}` : `${parsed.host}:${parsed.port}`;
}).meta({ title: 'host:port' });

export function parseHostPort(text: string): { readonly host: string; readonly port: number } | undefined {
  const m = /^\[([^\]]+)\]:([0-9]{1,5})$/.exec(text) ?? /^([^:]+):([0-9]{1,5})$/.exec(text);
  if (!m) return undefined;
  const host = canonicalAddress(m[1]!);
  const port = Number(m[2]!);
  if (host === undefined || port < 1 || port > 65535) return undefined;
  // An IPv6 host must be bracketed; an IPv4 one must not.
  if (host.includes(':') !== text.startsWith('[')) return undefined;
  return { host, port };
}

const INLINE_PASSWORD =
  'inline passwords are not accepted: a secret in the config file ends up in backups, diffs and `petrel validate --print` output; ' +
  'name a file ({file: /etc/petrel/peer.key}) or an environment variable ({env: VAR}) instead';

/**
 * `{file: PATH}` or `{env: VAR}`, resolved at load time into a `Secret` (see secrets.ts).
 */
export function passwordField(environment: SecretEnvironment) {
  return z
    .object(
      {
        file: z.string().min(1).optional().describe('File holding the secret (trailing newline dropped); relative to the config file\u2019s folder. Give file or env, not both.'),
        env: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
          .optional()
          .describe('Environment variable holding the secret. Give file or env, not both.'),
      },
      { error: (issue) => (typeof issue.input === 'string' || typeof issue.input === 'number' ? INLINE_PASSWORD : undefined) },
    )
    .strict()
    .transform((source, ctx) => {
      const { file, env } = source;
      if ((file === undefined) === (env === undefined)) {
        ctx.issues.push({ code: 'custom', input: source, message: 'give exactly one of file or env' });
        return z.NEVER;
      }
      const result = resolveSecret(file !== undefined ? { file } : { env: env! }, environment);
      if (!result.ok) {
        ctx.issues.push({ code: 'custom', input: source, path: [result.key], message: result.message });
        return z.NEVER;
      }
      return result.secret;
    })
    .meta({ title: '{file} or {env}' });
}
