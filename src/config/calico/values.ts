/**
 * Calico's value formats, as its API types parse them: AS numbers (`numorstring.ASNumber`:
 * an integer, a decimal string or asdot `high.low`, RFC 5396), Kubernetes durations
 * (`metav1.Duration`, Go's `time.ParseDuration` syntax such as `120s`, `2m`, `1m30s`), and
 * BGPPeer `peerIP` with an optional port (`10.0.0.1`, `10.0.0.1:1790`, `[fd00::1]:1790`).
 * Each parser returns the value or a message saying what was expected.
 */
import { canonicalAddress } from '../../bgp/address.js';
import { MAX_U32 } from '../fields.js';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(message: string): Parsed<T> => ({ ok: false, message });

/** RFC 6793 four-octet AS numbers, written plain or in RFC 5396 asdot form. */
export function parseAsNumber(input: unknown): Parsed<number> {
  // YAML reads an unquoted asdot `1.10` as the number 1.1: only integers are taken unquoted.
  if (typeof input === 'number' && !Number.isInteger(input)) return bad(`${input} is not an AS number; quote an asdot AS number ("1.10")`);
  const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input.trim() : undefined;
  const m = text === undefined ? null : /^(?:(\d{1,5})\.)?(\d{1,10})$/.exec(text);
  if (!m) return bad(`expected an AS number such as 64512 or 1.10 (asdot), got ${JSON.stringify(input)}`);
  const high = m[1] === undefined ? 0 : Number(m[1]);
  const low = Number(m[2]);
  const value = m[1] === undefined ? low : high * 65536 + low;
  if (m[1] !== undefined && (high > 65535 || low > 65535)) return bad(`${text}: both halves of an asdot AS number are 0..65535 (RFC 5396)`);
  if (value < 1 || value > MAX_U32) return bad(`${text}: AS numbers are 1..4294967295 (RFC 6793; 0 is reserved, RFC 7607)`);
  return ok(value);
}

const DURATION_UNITS_SEC: Readonly<Record<string, number>> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/**
 * A Go duration in whole seconds, rounded as confd rounds it (`math.Round(d.Seconds())`) for
 * BIRD's timers, which take seconds.
 */
export function parseDurationSec(input: unknown): Parsed<number> {
  if (typeof input !== 'string' || input === '') return bad(`expected a duration such as 120s or 2m, got ${JSON.stringify(input)}`);
  if (input === '0') return ok(0);
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < input.length) {
    part.lastIndex = at;
    const m = part.exec(input);
    if (!m) return bad(`"${input}" is not a duration: write a number with a unit (ns, us, ms, s, m, h), e.g. 120s or 1m30s`);
    total += Number(m[1]) * DURATION_UNITS_SEC[m[2]!]!;
    at = part.lastIndex;
  }
  return ok(Math.round(total));
}

export interface PeerEndpoint {
  /** Canonical text form. */
  readonly address: string;
  /** Only when `peerIP` named one. */
  readonly port?: number;
}

/** `ip`, `ipv4:port` or `[ipv6]:port`, as Calico's `IP:port` validator accepts them. */
export function parsePeerIp(input: unknown): Parsed<PeerEndpoint> {
  if (typeof input !== 'string') return bad(`expected an IP address with an optional port, got ${JSON.stringify(input)}`);
  const plain = canonicalAddress(input);
  if (plain !== undefined) return ok({ address: plain });
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(input) ?? /^([^:[\]]+):(\d{1,5})$/.exec(input);
  const address = m ? canonicalAddress(m[1]!) : undefined;
  const port = m ? Number(m[2]) : 0;
  if (!m || address === undefined) return bad(`"${input}" is not an IP address, IPv4:port or [IPv6]:port`);
  if (address.includes(':') !== input.startsWith('[')) return bad(`"${input}": write an IPv6 address with a port as [address]:port`);
  if (port < 1 || port > 65535) return bad(`"${input}": ports are 1..65535`);
  return ok({ address, port });
}
