/**
 * An independent byte builder for tests (pg-protocol's BufferList idea): expected wire bytes are
 * written out by hand with these helpers, never produced by petrel's own encoder, so an encoder
 * bug cannot hide behind a matching decoder bug.
 */

/**
 * Hex bytes from a template: whitespace separates, `#` starts a comment up to the line end,
 * and interpolated values may be numbers (one octet) or byte arrays.
 *   hex`ff ff  # marker` or hex`${u16(4)} 01`
 */
export function hex(strings: TemplateStringsArray, ...values: (number | Uint8Array)[]): Uint8Array {
  const out: number[] = [];
  strings.forEach((s, i) => {
    const text = s.replace(/#[^\n]*/g, '');
    for (const token of text.split(/\s+/).filter(Boolean)) {
      if (!/^([0-9a-fA-F]{2})+$/.test(token)) throw new Error(`bad hex token ${token}`);
      for (let j = 0; j < token.length; j += 2) out.push(parseInt(token.slice(j, j + 2), 16));
    }
    if (i < values.length) {
      const v = values[i]!;
      if (typeof v === 'number') {
        if (!Number.isInteger(v) || v < 0 || v > 255) throw new Error(`interpolated ${v} is not an octet`);
        out.push(v);
      } else {
        out.push(...v);
      }
    }
  });
  return Uint8Array.from(out);
}

export function u8(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff);
}

export function u16(n: number): Uint8Array {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff);
}

export function u24(n: number): Uint8Array {
  return Uint8Array.of((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

export function u32(n: number): Uint8Array {
  return Uint8Array.of(Math.floor(n / 0x1000000) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export function ipv4(s: string): Uint8Array {
  return Uint8Array.from(s.split('.').map(Number));
}

export const MARKER = new Uint8Array(16).fill(0xff);

/** A whole message: marker, the length computed here, type, body. */
export function message(type: number, ...body: Uint8Array[]): Uint8Array {
  const b = concat(...body);
  return concat(MARKER, u16(19 + b.length), u8(type), b);
}

/** A Capability TLV (RFC 5492): code, length, value. */
export function capability(code: number, ...value: Uint8Array[]): Uint8Array {
  const v = concat(...value);
  return concat(u8(code), u8(v.length), v);
}

/** An optional parameter in the RFC 4271 form: type, 1-octet length, value. */
export function optParam(type: number, ...value: Uint8Array[]): Uint8Array {
  const v = concat(...value);
  return concat(u8(type), u8(v.length), v);
}

/** An OPEN body with the classic 1-octet optional parameters length. */
export function openBody(o: { version?: number; myAs: number; holdTimeSec: number; bgpId: string }, ...params: Uint8Array[]): Uint8Array {
  const p = concat(...params);
  return concat(u8(o.version ?? 4), u16(o.myAs), u16(o.holdTimeSec), ipv4(o.bgpId), u8(p.length), p);
}

/** The same message with its header length field replaced (for length error tests). */
export function withLength(msg: Uint8Array, length: number): Uint8Array {
  const out = Uint8Array.from(msg);
  out[16] = (length >> 8) & 0xff;
  out[17] = length & 0xff;
  return out;
}

/** The first n octets with the header's length field set to n: a message cut short but framed. */
export function truncatedMessage(msg: Uint8Array, n: number): Uint8Array {
  return withLength(msg.subarray(0, n), n);
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
