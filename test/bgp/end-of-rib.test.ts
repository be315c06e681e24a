import { describe, expect, it } from 'vitest';
import { resolveContext } from '../../src/bgp/context.js';
import { endOfRib, isEndOfRib } from '../../src/bgp/end-of-rib.js';
import { updateError } from '../../src/bgp/errors.js';
import type { UpdateMessage } from '../../src/bgp/types.js';
import { decodeUpdate, encodeUpdate } from '../../src/bgp/update.js';
import { WireReader } from '../../src/bgp/wire/reader.js';
import { WireWriter } from '../../src/bgp/wire/writer.js';
import { toHex, u16 } from '../helpers/bytes.js';
import { attr, pfx, updateBody } from '../helpers/update-bytes.js';

const ctx = resolveContext();
const decode = (b: Uint8Array): UpdateMessage => decodeUpdate(new WireReader(b, () => updateError(1, 'test', 'short')), ctx);
function encode(m: UpdateMessage): string {
  const w = new WireWriter();
  encodeUpdate(w, m, ctx);
  return toHex(w.finish());
}

describe('End-of-RIB (RFC 4724 §2)', () => {
  it('is an empty UPDATE for IPv4 unicast', () => {
    const body = updateBody([], [], []);
    expect(encode(endOfRib(1, 1))).toBe(toHex(body));
    expect(isEndOfRib(decode(body))).toEqual({ afi: 1, safi: 1 });
  });

  it.each([
    [2, 1],
    [2, 2],
    [1, 2],
    [25, 70],
  ])('is an UPDATE with only an empty MP_UNREACH_NLRI for AFI %i SAFI %i', (afi, safi) => {
    const body = updateBody([], [attr(0x80, 15, u16(afi), [safi])], []);
    expect(encode(endOfRib(afi, safi))).toBe(toHex(body));
    expect(isEndOfRib(decode(body))).toEqual({ afi, safi });
  });

  it('is not an UPDATE that withdraws or announces anything', () => {
    expect(isEndOfRib(decode(updateBody([pfx(8, 10)], [], [])))).toBeUndefined();
    expect(isEndOfRib(decode(updateBody([], [attr(0x80, 15, u16(2), [1], pfx(8, 0x20))], [])))).toBeUndefined();
    expect(isEndOfRib(decode(updateBody([], [attr(0x80, 15, u16(2), [1]), attr(0xc0, 8, [0, 0, 0, 1])], [])))).toBeUndefined();
    expect(isEndOfRib(decode(updateBody([], [attr(0x40, 1, [0])], [])))).toBeUndefined();
  });

  it('is told apart from withdrawals decoded packed (the daemon\'s form)', () => {
    const packed = { ...ctx, packedIpv4: true };
    const read = (b: Uint8Array): UpdateMessage => decodeUpdate(new WireReader(b, () => updateError(1, 'test', 'short')), packed);
    const withdrawal = read(updateBody([pfx(8, 10)], [], []));
    expect(withdrawal.withdrawn).toEqual([]);
    expect(isEndOfRib(withdrawal)).toBeUndefined();
    expect(isEndOfRib(read(updateBody([], [attr(0x40, 1, [0]), attr(0x40, 2), attr(0x40, 3, [10, 0, 0, 1])], [pfx(8, 10)])))).toBeUndefined();
    expect(isEndOfRib(read(updateBody([], [], [])))).toEqual({ afi: 1, safi: 1 });
  });
});
