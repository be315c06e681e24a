/**
 * Golden decodes of the messages captured from real BIRD 2, BIRD 1.6, GoBGP and FRR sessions:
 * each `<name>.hex` decodes (with the context its session negotiated) to exactly `<name>.json`,
 * and re-encodes byte for byte. After recapturing, regenerate the JSON with
 * `PETREL_UPDATE_GOLDENS=1 npx vitest run test/bgp/golden-fixtures.test.ts` and review the diff.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BgpError, decodeMessage, encodeMessage } from '../../src/bgp/index.js';
import { listWireFixtures, loadWireFixture, WIRE_FIXTURE_DIR } from '../peers/fixtures.js';

const update = process.env.PETREL_UPDATE_GOLDENS === '1';

/** JSON form of a decoded message: octet strings as hex, errors as their NOTIFICATION fields. */
function toJson(value: unknown): string {
  return `${JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (v instanceof Uint8Array) return { hex: Buffer.from(v).toString('hex') };
      if (v instanceof BgpError) return { code: v.code, subcode: v.subcode, action: v.action, id: v.id };
      return v;
    },
    2,
  )}\n`;
}

const fixtures = listWireFixtures();

describe('golden captures from real daemons', () => {
  it('has captures from all four daemons', () => {
    expect(new Set(fixtures.map((f) => f.daemon))).toEqual(new Set(['bird16', 'bird2', 'frr', 'gobgp']));
  });

  it.each(fixtures.map((f) => [`${f.daemon}/${f.name}`, f] as const))('%s decodes to its golden and re-encodes byte-exact', (_label, f) => {
    const fx = loadWireFixture(f.daemon, f.name);
    const msg = decodeMessage(fx.bytes, fx.meta);
    const json = toJson(msg);
    const goldenPath = path.join(WIRE_FIXTURE_DIR, f.daemon, `${f.name}.json`);
    if (update || !existsSync(goldenPath)) {
      if (!update) throw new Error(`missing golden ${goldenPath}: run with PETREL_UPDATE_GOLDENS=1 and review it`);
      writeFileSync(goldenPath, json);
    }
    expect(json).toBe(readFileSync(goldenPath, 'utf8'));
    if (msg.type === 'update') expect(msg.problem).toBeUndefined();
    expect(Buffer.from(encodeMessage(msg, fx.meta)).equals(Buffer.from(fx.bytes))).toBe(true);
  });
});
