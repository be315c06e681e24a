/**
 * The Session's administrative surface and what it reports: start/stop/reset, `info()`, the
 * last error, NOTIFICATION logging (once per message, never a password), and the pure helpers
 * for TTLs and shutdown communications.
 */
import { once } from 'node:events';
import net from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CeaseSubcode } from '../../src/bgp/constants.js';
import { shutdownCease } from '../../src/bgp/notification.js';
import { ttlFor, type HopSettings, type SessionLogger } from '../../src/fsm/session.js';
import { cleanup, established, next, petrelPair, quickConfig, session, speaker, until } from './session-harness.js';

afterEach(cleanup);

interface LogLine {
  readonly level: string;
  readonly msg: string | undefined;
  readonly fields: Record<string, unknown>;
}

/** A pino-shaped logger that keeps every line with its child bindings. */
class RecordingLogger implements SessionLogger {
  constructor(
    readonly lines: LogLine[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}

  debug(obj: object, msg?: string): void {
    this.push('debug', obj, msg);
  }
  info(obj: object, msg?: string): void {
    this.push('info', obj, msg);
  }
  warn(obj: object, msg?: string): void {
    this.push('warn', obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.push('error', obj, msg);
  }
  child(bindings: Record<string, unknown>): SessionLogger {
    return new RecordingLogger(this.lines, { ...this.bindings, ...bindings });
  }

  private push(level: string, obj: object, msg?: string): void {
    this.lines.push({ level, msg, fields: { ...this.bindings, ...obj } });
  }
}

describe('Session lifecycle', () => {
  it('logs each NOTIFICATION once on both sides, with names and the shutdown text, and never the MD5 key', async () => {
    const logA = new RecordingLogger();
    const logB = new RecordingLogger();
    const { a, b } = await petrelPair(
      { address: '127.0.0.50', as: 64512, routerId: '10.0.0.50', passive: true, security: { md5Key: 'very-secret-key' }, logger: logA },
      { address: '127.0.0.51', as: 64512, routerId: '10.0.0.51', security: { md5Key: 'very-secret-key' }, logger: logB },
    );
    a.start();
    b.start();
    await Promise.all([established(a), established(b)]);
    const down = next(b, 'down');
    await a.stop(shutdownCease('upgrade to petrel 1.1'));
    await down;

    const sent = logA.lines.filter((l) => l.msg === 'NOTIFICATION sent');
    const received = logB.lines.filter((l) => l.msg === 'NOTIFICATION received');
    expect(sent).toHaveLength(1);
    expect(received).toHaveLength(1);
    for (const line of [...sent, ...received]) {
      expect(line.fields['notification']).toMatch(/^Cease \/ Administrative Shutdown \(6\/2\): "upgrade to petrel 1\.1" data 15 /);
    }
    expect(sent[0]!.fields).toMatchObject({ peer: 'to-127.0.0.51', address: '127.0.0.51', code: 6, subcode: 2 });
    expect(JSON.stringify([...logA.lines, ...logB.lines])).not.toContain('very-secret-key');
  });

  it('reset() sends Cease/Administrative Reset and comes back without being disabled', async () => {
    const { a, b } = await petrelPair(
      { address: '127.0.0.52', as: 64512, routerId: '10.0.0.52' },
      { address: '127.0.0.53', as: 64512, routerId: '10.0.0.53', passive: true },
    );
    a.start();
    b.start();
    await Promise.all([established(a), established(b)]);
    const downB = next(b, 'down');
    const downA = next(a, 'down');
    a.reset();
    const [[dA], [dB]] = await Promise.all([downA, downB]);
    expect(dA).toMatchObject({ reason: 'admin-down', wasEstablished: true, retainRoutes: false });
    expect(dB.received).toMatchObject({ code: 6, subcode: CeaseSubcode.ADMINISTRATIVE_RESET });
    await Promise.all([established(a), established(b)]);
    expect(a.info().disabled).toBe(false);
  });

  it('reports a refused dial in lastError and retries on the ConnectRetryTimer (RFC 4271 §8.2.2 Connect)', async () => {
    const closed = net.createServer();
    closed.listen(0, '127.0.0.54');
    await once(closed, 'listening');
    const { port } = closed.address() as net.AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const s = session({
      name: 'nobody', remoteAddress: '127.0.0.54', remotePort: port, localAddress: '127.0.0.55', config: quickConfig(64512, { connectRetrySec: 0.2 }), local: speaker('10.0.0.55', 64512),
    });
    const states: string[] = [];
    s.on('state', (from, to) => states.push(`${from}>${to}`));
    s.start();
    await until('two failed attempts', () => states.filter((x) => x === 'Active>Connect').length >= 1 && s.info().connectRetryCounter >= 2);
    expect(s.info().lastError).toMatch(/^connect: connect ECONNREFUSED/);
    expect(states.slice(0, 3)).toEqual(['Idle>Connect', 'Connect>Active', 'Active>Connect']);
    // Nothing to send on: the RIB is told there is no backpressure, and nothing is queued.
    expect(s.send([new Uint8Array(19)])).toBe(true);
    expect(s.backpressured).toBe(false);

    await s.stop();
    expect(s.info()).toMatchObject({ state: 'Idle', disabled: true, connectRetryCounter: 0 });
    s.start();
    expect(s.info()).toMatchObject({ state: 'Connect', disabled: false });
  });

  it('accepts a pino logger', () => {
    const logger: SessionLogger = pino({ level: 'silent' });
    const s = session({ name: 'pino', remoteAddress: '127.0.0.56', remotePort: 179, config: quickConfig(64512, { passive: true }), local: speaker('10.0.0.56', 64512), logger });
    expect(s.info()).toMatchObject({ name: 'pino', state: 'Idle', address: '127.0.0.56', port: 179, asNumber: 64512 });
  });
});

describe('ttlFor', () => {
  const cases: [HopSettings, ReturnType<typeof ttlFor>, string][] = [
    [{ internal: false, multihop: false }, { ttl: 1 }, 'single-hop eBGP never crosses a router'],
    [{ internal: true, multihop: false }, { ttl: 255 }, 'iBGP is multihop by default'],
    [{ internal: false, multihop: true }, { ttl: 255 }, 'multihop sends 255'],
    [{ internal: false, multihop: 5 }, { ttl: 5 }, 'a multihop TTL is sent as configured'],
    [{ internal: false, multihop: true, ttlSecurity: 1 }, { ttl: 255, minTtl: 255 }, 'GTSM for a neighbour one hop away (RFC 5082 §3)'],
    [{ internal: false, multihop: false, ttlSecurity: 3 }, { ttl: 255, minTtl: 253 }, 'GTSM three hops away'],
  ];
  it.each(cases)('%o → %o: %s', (hops, expected) => {
    expect(ttlFor(hops)).toEqual(expected);
  });
});

describe('shutdownCease', () => {
  it('carries the RFC 9003 communication: a length octet, then UTF-8', () => {
    const e = shutdownCease('démarrage');
    expect([e.code, e.subcode]).toEqual([6, CeaseSubcode.ADMINISTRATIVE_SHUTDOWN]);
    expect(e.data[0]).toBe(Buffer.byteLength('démarrage'));
    expect(Buffer.from(e.data.subarray(1)).toString('utf8')).toBe('démarrage');
    expect(shutdownCease('x', CeaseSubcode.ADMINISTRATIVE_RESET).id).toBe('cease.admin-reset');
  });
});
