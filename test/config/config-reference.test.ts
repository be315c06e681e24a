// docs/config-reference.md is generated from the schema: it must match what the schema says
// now, and every key must carry a description.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { referenceRows, renderConfigReference } from '../../src/config/reference.js';

const COMMITTED = new URL('../../docs/config-reference.md', import.meta.url);

describe('configuration reference', () => {
  it('matches the schema (run `npx tsx scripts/config-reference.ts` after changing src/config/schema.ts)', () => {
    const committed = readFileSync(COMMITTED, 'utf8');
    const fresh = renderConfigReference();
    if (committed !== fresh) expect.fail('docs/config-reference.md is out of date: run `npx tsx scripts/config-reference.ts` and commit the result');
  });

  it('renders the real schema’s types, defaults, ranges and allowed values', () => {
    const reference = renderConfigReference();
    expect(reference).toContain('| `peers[].holdTimeSec` | seconds | `240` | 0..65535 |');
    expect(reference).toContain('| `peers[].addPaths` | enum | `both` | `off`, `receive`, `send`, `both` |');
    expect(reference).toContain('| `node.name` | string | required |');
    expect(reference).toContain('| `metrics.listen` | host:port | `127.0.0.1:9900` |');
  });

  it('walks wrappers down to the field and refuses a key without a description', () => {
    const schema = z
      .object({
        a: z.number().int().min(1).max(9).default(3).describe('A number.'),
        b: z.object({ c: z.enum(['x', 'y']).optional().describe('Nested.') }).prefault({}).describe('An object.'),
        d: z.array(z.object({ e: z.string().transform(Number).describe('Parsed.') })).describe('A list.'),
      })
      .transform((v) => v);
    expect(referenceRows(schema)).toEqual([
      { path: 'a', type: 'integer', required: false, defaultValue: '`3`', allowed: '1..9', description: 'A number.' },
      { path: 'b', type: 'object', required: false, description: 'An object.' },
      { path: 'b.c', type: 'enum', required: false, allowed: '`x`, `y`', description: 'Nested.' },
      { path: 'd', type: 'list of object', required: true, description: 'A list.' },
      { path: 'd[].e', type: 'string', required: true, description: 'Parsed.' },
    ]);
    expect(() => referenceRows(z.object({ undocumented: z.boolean(), documented: z.boolean().describe('Yes.') }))).toThrow('config keys without a .describe() text: undocumented');
  });

  it('documents the keys of the object side of a `true`-or-object union (bfd)', () => {
    const schema = z.object({ f: z.union([z.boolean(), z.object({ g: z.number().describe('Inner.') })]).optional().describe('Either.') });
    expect(referenceRows(schema).map((r) => r.path)).toEqual(['f', 'f.g']);
    expect(renderConfigReference()).toContain('| `peers[].bfd.auth.keyId` | integer | `1` | 0..255 |');
  });
});
