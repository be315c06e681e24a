/**
 * The golden wire fixtures and the tools that read and write them: the hex format parser, the
 * independent annotator (checked against messages built by hand in the recorder), and the
 * captures themselves — each holds one whole message whose annotation is what the file says, and
 * each daemon's set covers the scenarios the capture script drives.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { annotateMessage, formatFixture } from './annotate.js';
import { listWireFixtures, loadWireFixture, parseHexFixture, WIRE_FIXTURE_DIR } from './fixtures.js';
import { buildOpen, buildUpdate, caps, IPV4_UNICAST, message, MessageType } from './recorder.js';

const FOUR_OCTET = { fourOctetAs: true, addPath: [] };

function comments(bytes: Uint8Array, ctx: { fourOctetAs: boolean; addPath: readonly string[] }): string[] {
  return annotateMessage(Buffer.from(bytes), ctx).lines.map((l) => l.comment.trim());
}

describe('hex fixture format', () => {
  it('reads octets and ignores comments and spacing', () => {
    expect([...parseHexFixture('# title\nff 00  # two\n\n0a # ten\n')]).toEqual([0xff, 0x00, 0x0a]);
  });

  it('rejects text that is not whole hex octets', () => {
    expect(() => parseHexFixture('ff 0')).toThrow();
    expect(() => parseHexFixture('zz')).toThrow();
  });
});

describe('annotator on hand-built messages', () => {
  it('splits an OPEN into its fields and capabilities (RFC 4271 §4.2, RFC 5492)', () => {
    const open = buildOpen({ myAs: 4200000001, routerId: '192.0.2.1', holdTimeSec: 90, capabilities: [caps.multiprotocol(IPV4_UNICAST), caps.fourOctetAs(4200000001), caps.addPath([[IPV4_UNICAST, 1]])] });
    expect(comments(open, FOUR_OCTET)).toEqual([
      'marker',
      'length 49',
      'type 1 (OPEN)',
      'version 4',
      'my AS 23456',
      'hold time 90 s',
      'BGP identifier 192.0.2.1',
      'optional parameters length 20',
      'optional parameter 2 (capabilities), length 18',
      'capability 1 (multiprotocol), length 4',
      'AFI 1, reserved, SAFI 1 (ipv4-unicast)',
      'capability 65 (four-octet AS), length 4',
      'AS 4200000001',
      'capability 69 (ADD-PATH), length 4',
      'ipv4-unicast: receive',
    ]);
  });

  it('splits an UPDATE into attributes and NLRI (RFC 4271 §4.3)', () => {
    const update = buildUpdate({ nlri: ['10.99.0.0/24', '10.98.0.0/16'], nextHop: '192.0.2.6', asPath: [65001, 4200000001], localPref: 100 });
    const annotated = annotateMessage(update, FOUR_OCTET);
    expect(annotated.update?.announced).toEqual(['10.99.0.0/24', '10.98.0.0/16']);
    expect(comments(update, FOUR_OCTET).slice(3)).toEqual([
      'withdrawn routes length 0',
      'total path attribute length 31',
      'ORIGIN (type 1), flags 0x40 (well-known, transitive), length 1',
      'IGP',
      'AS_PATH (type 2), flags 0x40 (well-known, transitive), length 10',
      'AS_SEQUENCE, 2 AS',
      '65001 4200000001',
      'NEXT_HOP (type 3), flags 0x40 (well-known, transitive), length 4',
      '192.0.2.6',
      'LOCAL_PREF (type 5), flags 0x40 (well-known, transitive), length 4',
      '100',
      'NLRI: 10.99.0.0/24',
      'NLRI: 10.98.0.0/16',
    ]);
  });

  it('recognises the IPv4 End-of-RIB marker (RFC 4724 §2)', () => {
    expect(annotateMessage(message(MessageType.UPDATE, Buffer.from([0, 0, 0, 0])), FOUR_OCTET).update?.endOfRib).toBe('ipv4-unicast');
  });

  it('keeps every byte of a message it cannot split', () => {
    const truncated = buildUpdate({ nlri: ['10.99.0.0/24'], nextHop: '192.0.2.6', asPath: [65001] }).subarray(0, 30);
    const fixed = Buffer.from(truncated);
    fixed.writeUInt16BE(30, 16);
    const text = formatFixture(annotateMessage(fixed, FOUR_OCTET).lines);
    expect(Buffer.from(parseHexFixture(text)).equals(fixed)).toBe(true);
    expect(text).toContain('# unparsed');
  });
});

const fixtures = listWireFixtures();

describe('captured wire fixtures', () => {
  it('exist for every daemon', () => {
    expect(new Set(fixtures.map((f) => f.daemon))).toEqual(new Set(['bird16', 'bird2', 'frr', 'gobgp']));
  });

  it.each(fixtures)('$daemon/$name holds one whole message as annotated, with its session context', ({ daemon, name }) => {
    const f = loadWireFixture(daemon, name);
    const bytes = Buffer.from(f.bytes);
    expect(bytes.subarray(0, 16).equals(Buffer.alloc(16, 0xff))).toBe(true);
    expect(bytes.readUInt16BE(16)).toBe(bytes.length);
    expect(typeof f.meta.fourOctetAs).toBe('boolean');
    expect(typeof f.meta.extendedMessage).toBe('boolean');
    expect(Array.isArray(f.meta.addPath)).toBe(true);
    const text = readFileSync(path.join(WIRE_FIXTURE_DIR, daemon, `${name}.hex`), 'utf8');
    const body = text.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    expect(formatFixture(annotateMessage(bytes, f.meta).lines)).toBe(body);
  });

  describe.each(['bird2', 'bird16', 'gobgp', 'frr'])('%s', (daemon) => {
    const names = fixtures.filter((f) => f.daemon === daemon).map((f) => f.name);
    const load = (name: string) => loadWireFixture(daemon, name);
    const text = (name: string) => comments(load(name).bytes, load(name).meta).join('\n');

    it('has the session basics: OPEN, KEEPALIVE, UPDATEs, End-of-RIB, withdrawal, Cease', () => {
      for (const name of ['main-open', 'main-keepalive', 'main-eor-ipv4', 'main-withdraw-ipv4', 'main-notification-6-2']) expect(names).toContain(name);
      expect(names.some((n) => n.startsWith('main-update-ipv4-'))).toBe(true);
    });

    it('carries AS 4200000001 in AS4_PATH to a 2-octet-AS peer (RFC 6793 §4.2.2)', () => {
      const update = names.find((n) => n.startsWith('as2-update-'));
      expect(update).toBeDefined();
      expect(load(update!).meta.fourOctetAs).toBe(false);
      expect(text(update!)).toContain('AS4_PATH (type 17)');
      expect(text(update!)).toMatch(/^4200000001/m);
    });

    it('sends path identifiers on the ADD-PATH session (RFC 7911)', () => {
      const update = names.find((n) => n.startsWith('addpath-update-'));
      expect(load(update!).meta.addPath).toEqual(['ipv4-unicast']);
      expect(text(update!)).toMatch(/NLRI: path id \d+, /);
    });

    it('reflects a client route with ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 §8)', () => {
      expect(text('rr-update-reflected')).toContain('ORIGINATOR_ID (type 9)');
      expect(text('rr-update-reflected')).toContain('cluster ID 10.0.0.100');
    });
  });
});
