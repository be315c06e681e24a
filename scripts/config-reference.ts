/**
 * Writes docs/config-reference.md from the config schema (src/config/reference.ts).
 * Run after changing src/config/schema.ts: `npx tsx scripts/config-reference.ts`;
 * test/config/config-reference.test.ts fails while the committed file differs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigReference } from '../src/config/reference.js';

export const CONFIG_REFERENCE_PATH = fileURLToPath(new URL('../docs/config-reference.md', import.meta.url));

mkdirSync(fileURLToPath(new URL('../docs/', import.meta.url)), { recursive: true });
writeFileSync(CONFIG_REFERENCE_PATH, renderConfigReference());
process.stdout.write(`wrote ${CONFIG_REFERENCE_PATH}\n`);
