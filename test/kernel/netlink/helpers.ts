/**
 * Test helpers for the rtnetlink codec, independent of it: a loader for the hex fixtures that
 * scripts/capture-netlink.sh captured from iproute2 and the kernel, a hand-written little-endian
 * byte builder (netlink is host order; this machine is x86-64), and a canonical form of a message
 * that compares attributes as a sorted multiset, so our encoder is checked against iproute2's
 * bytes although the two write attributes in different orders.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const FIXTURES = path.join(import.meta.dirname, '..', '..', 'fixtures', 'netlink');

export interface Fixture {
  readonly comments: readonly string[];
  readonly datagrams: readonly Buffer[];
}

export function loadFixture(name: string): Fixture {
  const comments: string[] = [];
  const datagrams: number[][] = [];
  for (const line of readFileSync(path.join(FIXTURES, `${name}.hex`), 'utf8').split('\n')) {
    if (line.startsWith('# datagram')) datagrams.push([]);
    else if (line.startsWith('#')) comments.push(line);
    else if (line.trim() !== '') datagrams.at(-1)!.push(...line.trim().split(/\s+/).map((h) => parseInt(h, 16)));
  }
  return { comments, datagrams: datagrams.map((d) => Buffer.from(d)) };
}

/** The ifindex the capture script recorded for a device (`# ... ifindex veth0 3`). */
export function ifindexIn(fixture: Fixture, device: string): number {
  for (const line of fixture.comments) {
    const m = new RegExp(`ifindex ${device.replace('.', '\\.')} (\\d+)`).exec(line);
    if (m) return Number(m[1]);
  }
  throw new Error(`no ifindex for ${device}`);
}

/** Header fields of the first message of a datagram, read by hand. */
export function headerOf(datagram: Buffer): { length: number; type: number; flags: number; seq: number; pid: number } {
  return {
    length: datagram.readUInt32LE(0),
    type: datagram.readUInt16LE(4),
    flags: datagram.readUInt16LE(6),
    seq: datagram.readUInt32LE(8),
    pid: datagram.readUInt32LE(12),
  };
}

export function le16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
}

export function le32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}

export function be16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}

/** rtattr: u16 len (header + payload), u16 type, payload, zero padding to 4. */
export function rtattr(type: number, ...payload: Uint8Array[]): Buffer {
  const body = Buffer.concat(payload);
  const pad = (4 - ((4 + body.length) % 4)) % 4;
  return Buffer.concat([le16(4 + body.length), le16(type), body, Buffer.alloc(pad)]);
}

/** A whole netlink message: nlmsghdr (length including the header) then the body, padded. */
export function nlmsg(type: number, flags: number, seq: number, pid: number, ...body: Uint8Array[]): Buffer {
  const payload = Buffer.concat(body);
  const pad = (4 - (payload.length % 4)) % 4;
  return Buffer.concat([le32(16 + payload.length + pad), le16(type), le16(flags), le32(seq), le32(pid), payload, Buffer.alloc(pad)]);
}

export function bytes(...octets: number[]): Buffer {
  return Buffer.from(octets);
}

export interface CanonAttr {
  readonly type: number;
  readonly payload?: string;
  readonly nested?: readonly CanonAttr[];
}

export interface CanonMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly fixed: string;
  readonly attrs: readonly CanonAttr[];
}

/**
 * A message with its attributes sorted by type (then payload), recursing into the attribute
 * paths listed in `nested` ("18" = IFLA_LINKINFO, "18.2" = its IFLA_INFO_DATA).
 */
export function canonical(datagram: Buffer, fixedBytes: number, nested: readonly string[] = []): CanonMessage {
  const length = datagram.readUInt32LE(0);
  return {
    type: datagram.readUInt16LE(4),
    flags: datagram.readUInt16LE(6),
    seq: datagram.readUInt32LE(8),
    fixed: datagram.subarray(16, 16 + fixedBytes).toString('hex'),
    attrs: canonAttrs(datagram, 16 + fixedBytes, length, nested, ''),
  };
}

function canonAttrs(buf: Buffer, start: number, end: number, nested: readonly string[], prefix: string): CanonAttr[] {
  const out: CanonAttr[] = [];
  for (let at = start; at + 4 <= end; ) {
    const len = buf.readUInt16LE(at);
    const type = buf.readUInt16LE(at + 2);
    const key = prefix === '' ? `${type}` : `${prefix}.${type}`;
    if (len < 4 || at + len > end) throw new Error(`bad rtattr at ${at}`);
    out.push(
      nested.includes(key)
        ? { type, nested: canonAttrs(buf, at + 4, at + len, nested, key) }
        : { type, payload: buf.subarray(at + 4, at + len).toString('hex') },
    );
    at += (len + 3) & ~3;
  }
  return out.sort((a, b) => a.type - b.type || (a.payload ?? '').localeCompare(b.payload ?? ''));
}
