import { describe, expect, it } from 'vitest';
import { CODE_BY_TYPE } from '../../src/bgp/attributes/codes.js';
import { ATTRIBUTE_TABLE, DESCRIPTOR_BY_CODE } from '../../src/bgp/attributes/table.js';
import { decodeAttributes, encodeAttribute, forReadvertisement } from '../../src/bgp/attributes/walk.js';
import { AttrType } from '../../src/bgp/constants.js';
import { resolveContext } from '../../src/bgp/context.js';
import type { PathAttribute } from '../../src/bgp/types.js';
import { WireWriter } from '../../src/bgp/wire/writer.js';
import { concat, toHex, u32 } from '../helpers/bytes.js';
import { attr, FLAG, ON, OT, WK } from '../helpers/update-bytes.js';

const ctx = resolveContext();
const walk = (...attrs: Uint8Array[]) => {
  const b = concat(...attrs);
  return decodeAttributes(b, 0, b.length, ctx);
};
function enc(a: PathAttribute): string {
  const w = new WireWriter();
  encodeAttribute(w, a, ctx);
  return toHex(w.finish());
}

describe('attribute table (RFC 4271 §5, RFC 7606 §7)', () => {
  it('has one descriptor per IANA code petrel knows, under its own code', () => {
    for (const code of Object.values(AttrType)) expect(DESCRIPTOR_BY_CODE[code]?.code, `code ${code}`).toBe(code);
    for (const [type, d] of Object.entries(ATTRIBUTE_TABLE)) {
      expect(d.type).toBe(type);
      expect(CODE_BY_TYPE[d.type]).toBe(d.code);
    }
  });

  it('flags well-known attributes transitive, optional ones by their RFCs', () => {
    expect(ATTRIBUTE_TABLE.origin.flags).toBe(WK);
    expect(ATTRIBUTE_TABLE.med.flags).toBe(ON);
    expect(ATTRIBUTE_TABLE['originator-id'].flags).toBe(ON);
    expect(ATTRIBUTE_TABLE['mp-reach'].flags).toBe(ON);
    expect(ATTRIBUTE_TABLE.communities.flags).toBe(OT);
    expect(ATTRIBUTE_TABLE['large-communities'].flags).toBe(OT);
  });
});

describe('attribute walker', () => {
  it('keeps the received flags octet, Extended Length and Partial included, and re-encodes it', () => {
    const origin = attr(WK | FLAG.EXTENDED, 1, [2]);
    const comm = attr(OT | FLAG.PARTIAL, 8, u32(5));
    const r = walk(origin, comm);
    expect(r.attributes).toEqual([
      { type: 'origin', flags: WK | FLAG.EXTENDED, origin: 'incomplete' },
      { type: 'communities', flags: OT | FLAG.PARTIAL, communities: [5] },
    ]);
    expect(enc(r.attributes[0]!)).toBe(toHex(origin));
    expect(enc(r.attributes[1]!)).toBe(toHex(comm));
  });

  it('sets Extended Length when a value outgrows one octet, whatever the flags said', () => {
    const value = new Uint8Array(300).fill(7);
    expect(enc({ type: 'unknown', flags: OT, code: 200, value })).toBe(toHex(attr(OT | FLAG.EXTENDED, 200, value)));
  });

  it('records every type code seen, malformed ones too (for RFC 7606 §3 d)', () => {
    const r = walk(attr(WK, 1, [7]), attr(WK, 3, [1, 2, 3, 4]));
    expect(r.seen[1]).toBe(1);
    expect(r.seen[3]).toBe(1);
    expect(r.seen[2]).toBe(0);
    expect(r.attributes.map((a) => a.type)).toEqual(['next-hop']);
    expect(r.problem?.id).toBe('update.origin.malformed');
  });

  it('copies unknown values out of the receive buffer', () => {
    const b = attr(OT, 150, [1, 2]);
    const r = decodeAttributes(b, 0, b.length, ctx);
    b[3] = 99;
    expect(r.attributes[0]).toEqual({ type: 'unknown', flags: OT, code: 150, value: Uint8Array.of(1, 2) });
  });
});

describe('forReadvertisement (RFC 4271 §5)', () => {
  it('drops unrecognised non-transitive attributes and sets Partial on transitive ones', () => {
    const attrs: PathAttribute[] = [
      { type: 'origin', origin: 'igp' },
      { type: 'unknown', flags: ON, code: 150, value: Uint8Array.of(1) },
      { type: 'unknown', flags: OT, code: 151, value: Uint8Array.of(2) },
      { type: 'unknown', flags: OT | FLAG.PARTIAL | FLAG.EXTENDED, code: 152, value: Uint8Array.of(3) },
      { type: 'med', flags: ON, med: 5 },
    ];
    expect(forReadvertisement(attrs)).toEqual([
      { type: 'origin', origin: 'igp' },
      { type: 'unknown', flags: OT | FLAG.PARTIAL, code: 151, value: Uint8Array.of(2) },
      { type: 'unknown', flags: OT | FLAG.PARTIAL | FLAG.EXTENDED, code: 152, value: Uint8Array.of(3) },
      { type: 'med', flags: ON, med: 5 },
    ]);
  });
});
