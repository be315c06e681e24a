/**
 * RFC 5492 §5 capability fallback on a real loopback socket: a raw peer rejects petrel's first
 * OPEN with 2/7 (naming capabilities) or 2/4 (no capabilities at all), then accepts the next
 * one. The OPENs are read byte by byte here, independently of petrel's codec.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionLogger } from '../../src/fsm/session.js';
import { caps, IPV4_UNICAST, message, type RawCapability } from '../peers/recorder.js';
import { cleanup, established, MessageType, next, quickConfig, rawServer, session, speaker, type RawMessage, type RawPeer } from './session-harness.js';

afterEach(cleanup);

const AS = 64512;
const PEER_AS = 65002;
const OPEN_ERROR = 2;
const UNSUPPORTED_OPTIONAL_PARAMETER = 4;
const UNSUPPORTED_CAPABILITY = 7;
/** RFC 5492 §4: optional parameter type 2. */
const CAPABILITIES_PARAMETER = 2;
const CODE = { EXTENDED_MESSAGE: 6, FOUR_OCTET_AS: 65, ADD_PATH: 69 } as const;

/** Every Capability TLV of a raw OPEN as hex (RFC 4271 §4.2: optional parameters from octet 29). */
function capabilityTlvs(open: RawMessage): string[] {
  const end = 29 + open.bytes.readUInt8(28);
  const tlvs: string[] = [];
  for (let at = 29; at < end; ) {
    const type = open.bytes.readUInt8(at);
    const length = open.bytes.readUInt8(at + 1);
    if (type === CAPABILITIES_PARAMETER) {
      for (let c = at + 2; c < at + 2 + length; c += 2 + open.bytes.readUInt8(c + 1)) {
        tlvs.push(open.bytes.subarray(c, c + 2 + open.bytes.readUInt8(c + 1)).toString('hex'));
      }
    }
    at += 2 + length;
  }
  return tlvs;
}

const codeOf = (tlv: string): number => Number.parseInt(tlv.slice(0, 2), 16);

function tlv(c: RawCapability): Buffer {
  return Buffer.concat([Buffer.from([c.code, c.value.length]), c.value]);
}

function openError(subcode: number, data: Buffer = Buffer.alloc(0)): Buffer {
  return message(MessageType.NOTIFICATION, Buffer.concat([Buffer.from([OPEN_ERROR, subcode]), data]));
}

/** Keeps warn lines; everything else is dropped. */
function warnings(): { logger: SessionLogger; lines: { msg: string | undefined; fields: Record<string, unknown> }[] } {
  const lines: { msg: string | undefined; fields: Record<string, unknown> }[] = [];
  const logger: SessionLogger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (fields, msg) => void lines.push({ msg, fields: { ...fields } }),
    error: () => undefined,
    child: () => logger,
  };
  return { logger, lines };
}

async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} not within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The peer takes the OPEN: its own OPEN (offering everything back) and a KEEPALIVE. */
function accept(raw: RawPeer, capabilities: readonly RawCapability[]): void {
  raw.sendOpen(PEER_AS, '10.0.5.200', 90, capabilities);
  raw.sendKeepalive();
}

describe('capability fallback (RFC 5492 §5)', () => {
  it('leaves out the capabilities a 2/7 names, retries at once, comes up without them, and remembers them', async () => {
    const server = await rawServer('127.0.5.2');
    const log = warnings();
    const s = session({
      name: 'fallback-27', remoteAddress: '127.0.5.2', remotePort: server.port, localAddress: '127.0.5.1',
      // An error wait far beyond the test: the retry after a fallback must not wait for it.
      config: quickConfig(PEER_AS, { errorWaitMinSec: 60, errorWaitMaxSec: 60 }),
      local: speaker('10.0.5.1', AS, { families: ['ipv4-unicast'], addPath: { 'ipv4-unicast': 'both' }, extendedMessage: true }),
      logger: log.logger,
    });
    s.start();
    const first = await server.accepted();
    const firstTlvs = capabilityTlvs(await first.nth(MessageType.OPEN));
    expect(firstTlvs.map(codeOf)).toEqual(expect.arrayContaining([CODE.ADD_PATH, CODE.EXTENDED_MESSAGE]));

    const down = next(s, 'down');
    // The peer echoes ADD-PATH with a value of its own (receive only), as some speakers do.
    first.send(openError(UNSUPPORTED_CAPABILITY, Buffer.concat([tlv(caps.addPath([[IPV4_UNICAST, 1]])), tlv(caps.extendedMessage())])));
    first.socket.end();
    const [d] = await down;
    expect(d).toMatchObject({ reason: 'notification-received', received: { code: OPEN_ERROR, subcode: UNSUPPORTED_CAPABILITY } });

    const second = await within(3000, 'the second connection', server.accepted());
    const secondTlvs = capabilityTlvs(await second.nth(MessageType.OPEN));
    expect(secondTlvs).toEqual(firstTlvs.filter((t) => codeOf(t) !== CODE.ADD_PATH && codeOf(t) !== CODE.EXTENDED_MESSAGE));
    accept(second, [caps.multiprotocol(IPV4_UNICAST), caps.fourOctetAs(PEER_AS), caps.addPath([[IPV4_UNICAST, 3]]), caps.extendedMessage()]);
    await established(s);
    expect(s.info().negotiated).toMatchObject({ extendedMessage: false, addPath: { send: [], receive: [] }, fourOctetAs: true });

    const fallbacks = log.lines.filter((l) => l.msg?.includes('RFC 5492'));
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]!.fields).toEqual({ omitted: ['extended-message', 'add-path'] });

    // Remembered for the life of the session: a reset does not bring them back.
    s.reset();
    const third = await server.accepted();
    expect(capabilityTlvs(await third.nth(MessageType.OPEN))).toEqual(secondTlvs);
  });

  it('retries once without any capabilities after 2/4 and comes up with an old speaker', async () => {
    const server = await rawServer('127.0.5.4');
    const log = warnings();
    const s = session({
      name: 'fallback-24', remoteAddress: '127.0.5.4', remotePort: server.port, localAddress: '127.0.5.3',
      config: quickConfig(PEER_AS, { errorWaitMinSec: 60, errorWaitMaxSec: 60 }),
      local: speaker('10.0.5.3', AS),
      logger: log.logger,
    });
    s.start();
    const first = await server.accepted();
    expect(capabilityTlvs(await first.nth(MessageType.OPEN))).not.toEqual([]);
    first.send(openError(UNSUPPORTED_OPTIONAL_PARAMETER));
    first.socket.end();

    const second = await within(3000, 'the second connection', server.accepted());
    const open = await second.nth(MessageType.OPEN);
    // RFC 4271 §4.2: Optional Parameters Length 0, and the OPEN ends there.
    expect(open.bytes.readUInt8(28)).toBe(0);
    expect(open.bytes.length).toBe(29);
    accept(second, []);
    await established(s);
    expect(s.info().negotiated).toMatchObject({ fourOctetAs: false, families: ['ipv4-unicast'], routeRefresh: false });
    expect(log.lines.filter((l) => l.msg?.includes('RFC 5492'))).toEqual([
      { msg: expect.stringContaining('carry none'), fields: { omitted: ['multiprotocol ipv4-unicast', 'route-refresh', 'enhanced-route-refresh', 'four-octet-as'] } },
    ]);
  });

  it('keeps a capability it requires, waits out the error wait as for any other rejection, and says so once', async () => {
    const server = await rawServer('127.0.5.6');
    const log = warnings();
    const errorWaitMs = 500;
    const s = session({
      name: 'fallback-required', remoteAddress: '127.0.5.6', remotePort: server.port, localAddress: '127.0.5.5',
      config: quickConfig(PEER_AS, { errorWaitMinSec: errorWaitMs / 1000, required: { fourOctetAs: true } }),
      local: speaker('10.0.5.5', AS),
      logger: log.logger,
    });
    s.start();
    const first = await server.accepted();
    const firstTlvs = capabilityTlvs(await first.nth(MessageType.OPEN));
    first.send(openError(UNSUPPORTED_CAPABILITY, tlv(caps.fourOctetAs(AS))));
    first.socket.end();
    const rejectedAt = performance.now();

    const second = await server.accepted();
    expect(performance.now() - rejectedAt).toBeGreaterThanOrEqual(errorWaitMs - 50);
    expect(capabilityTlvs(await second.nth(MessageType.OPEN))).toEqual(firstTlvs);
    second.send(openError(UNSUPPORTED_CAPABILITY, tlv(caps.fourOctetAs(AS))));
    second.socket.end();
    const third = await server.accepted();
    expect(capabilityTlvs(await third.nth(MessageType.OPEN))).toEqual(firstTlvs);
    expect(log.lines.filter((l) => l.msg?.includes('RFC 5492')).map((l) => l.fields)).toEqual([{ kept: ['four-octet-as'] }]);
  });
});
