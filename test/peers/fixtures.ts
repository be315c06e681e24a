/**
 * Loads the golden wire fixtures captured from real daemons (test/fixtures/wire/<daemon>/):
 * `<name>.hex` holds one whole BGP message as hex octets with `#` comments, `<name>.meta.json`
 * the codec context the capture session negotiated.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const WIRE_FIXTURE_DIR = fileURLToPath(new URL('../fixtures/wire/', import.meta.url));

/** What the capture session negotiated: the `ctx` to decode the message with. */
export interface WireFixtureMeta {
  readonly fourOctetAs: boolean;
  readonly addPath: readonly ('ipv4-unicast' | 'ipv6-unicast')[];
  readonly extendedMessage: boolean;
}

export interface WireFixture {
  readonly daemon: string;
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly meta: WireFixtureMeta;
}

/** Strips `#` comments and whitespace and returns the octets; anything but hex pairs throws. */
export function parseHexFixture(text: string): Uint8Array {
  const hex = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new Error('fixture is not a sequence of hex octets');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export function loadWireFixture(daemon: string, name: string): WireFixture {
  const base = path.join(WIRE_FIXTURE_DIR, daemon, name);
  const bytes = parseHexFixture(readFileSync(`${base}.hex`, 'utf8'));
  const meta = JSON.parse(readFileSync(`${base}.meta.json`, 'utf8')) as WireFixtureMeta;
  return { daemon, name, bytes, meta };
}

/** Every captured fixture, daemon by daemon, in name order. */
export function listWireFixtures(): { readonly daemon: string; readonly name: string }[] {
  const out: { daemon: string; name: string }[] = [];
  for (const daemon of readdirSync(WIRE_FIXTURE_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const file of readdirSync(path.join(WIRE_FIXTURE_DIR, daemon)).filter((f) => f.endsWith('.hex')).sort()) {
      out.push({ daemon, name: file.slice(0, -'.hex'.length) });
    }
  }
  return out;
}
