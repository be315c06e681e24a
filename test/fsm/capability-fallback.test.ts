/**
 * The pure part of the RFC 5492 §5 capability fallback: which of our capabilities a 2/7 data
 * field names (built here byte by byte, independent of our encoder), what is kept because we
 * require it, and when a 2/4 makes the next OPEN capability-less.
 */
import { describe, expect, it } from 'vitest';
import { NotifCode, OpenSubcode } from '../../src/bgp/constants.js';
import type { Capability, NotificationMessage } from '../../src/bgp/types.js';
import { applyFallback, describeCapability, fallBack, NO_FALLBACK } from '../../src/fsm/capability-fallback.js';
import { buildOpen } from '../../src/fsm/open.js';
import type { NegotiationPolicy } from '../../src/fsm/session-config.js';
import { caps, IPV4_UNICAST, IPV6_UNICAST, type RawCapability } from '../peers/recorder.js';

const OURS = buildOpen({
  localAs: 64512,
  routerId: '10.0.0.1',
  holdTimeSec: 90,
  families: ['ipv4-unicast', 'ipv6-unicast'],
  addPath: { 'ipv4-unicast': 'both', 'ipv6-unicast': 'both' },
  extendedMessage: true,
});
const POLICY: NegotiationPolicy = { peerAs: 64513 };

function data(...listed: RawCapability[]): Uint8Array {
  return Buffer.concat(listed.map((c) => Buffer.concat([Buffer.from([c.code, c.value.length]), c.value])));
}

function notification(subcode: number, bytes: Uint8Array = new Uint8Array()): NotificationMessage {
  return { type: 'notification', code: NotifCode.OPEN_MESSAGE_ERROR, subcode, data: bytes };
}

const names = (cs: readonly Capability[] | undefined): string[] => (cs ?? []).map(describeCapability);

describe('2/7 Unsupported Capability (RFC 5492 §5)', () => {
  it('leaves out exactly the capabilities the data names, whatever ADD-PATH value the peer echoes', () => {
    const addPathAsPeerSaw = caps.addPath([[IPV4_UNICAST, 1]]);
    const step = fallBack(NO_FALLBACK, OURS, notification(OpenSubcode.UNSUPPORTED_CAPABILITY, data(addPathAsPeerSaw, caps.extendedMessage())), POLICY);
    expect(names(step?.dropped)).toEqual(['extended-message', 'add-path']);
    const next = applyFallback(OURS, step!.fallback);
    expect(next.capabilities.map((c) => c.code)).toEqual(['multiprotocol', 'multiprotocol', 'route-refresh', 'enhanced-route-refresh', 'four-octet-as']);
  });

  it('tells multiprotocol capabilities apart by their family', () => {
    const step = fallBack(NO_FALLBACK, OURS, notification(OpenSubcode.UNSUPPORTED_CAPABILITY, data(caps.multiprotocol(IPV6_UNICAST))), POLICY);
    expect(names(step?.dropped)).toEqual(['multiprotocol ipv6-unicast']);
    expect(names(applyFallback(OURS, step!.fallback).capabilities.filter((c) => c.code === 'multiprotocol'))).toEqual(['multiprotocol ipv4-unicast']);
  });

  it('accumulates over rejections and never names what the OPEN no longer carries', () => {
    const first = fallBack(NO_FALLBACK, OURS, notification(OpenSubcode.UNSUPPORTED_CAPABILITY, data(caps.extendedMessage())), POLICY)!;
    const sent = applyFallback(OURS, first.fallback);
    const again = fallBack(first.fallback, sent, notification(OpenSubcode.UNSUPPORTED_CAPABILITY, data(caps.extendedMessage(), caps.routeRefresh())), POLICY)!;
    expect(names(again.dropped)).toEqual(['route-refresh']);
    expect(names(again.fallback.omitted)).toEqual(['extended-message', 'route-refresh']);
  });

  it('changes nothing for capabilities we do not send, empty data (BIRD require) or a truncated entry of a code we send twice', () => {
    const vendor = caps.gracefulRestart(120, [IPV4_UNICAST]);
    for (const bytes of [data(vendor), new Uint8Array(), Uint8Array.of(1, 4, 0, 2)]) {
      const step = fallBack(NO_FALLBACK, OURS, notification(OpenSubcode.UNSUPPORTED_CAPABILITY, bytes), POLICY);
      expect(step).toEqual({ fallback: NO_FALLBACK, dropped: [], kept: [] });
    }
  });

  it('names the code of a truncated last entry when we send that code once', () => {
    const step = fallBack(NO_FALLBACK, OURS, notification(OpenSubcode.UNSUPPORTED_CAPABILITY, Uint8Array.of(69, 8, 0, 1)), POLICY);
    expect(names(step?.dropped)).toEqual(['add-path']);
  });

  it('keeps the capabilities we require from the peer', () => {
    const policy: NegotiationPolicy = { peerAs: 64513, required: { fourOctetAs: true, families: ['ipv6-unicast'] } };
    const listed = data(caps.fourOctetAs(64512), caps.multiprotocol(IPV6_UNICAST), caps.extendedMessage());
    const step = fallBack(NO_FALLBACK, OURS, notification(OpenSubcode.UNSUPPORTED_CAPABILITY, listed), policy);
    expect(names(step?.dropped)).toEqual(['extended-message']);
    expect(names(step?.kept)).toEqual(['multiprotocol ipv6-unicast', 'four-octet-as']);
  });
});

describe('2/4 Unsupported Optional Parameter (RFC 5492 §5)', () => {
  it('retries once without any capabilities', () => {
    const step = fallBack(NO_FALLBACK, OURS, notification(OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER), POLICY)!;
    expect(step.dropped).toEqual(OURS.capabilities);
    expect(applyFallback(OURS, step.fallback)).toEqual({ ...OURS, capabilities: [] });
    const again = fallBack(step.fallback, applyFallback(OURS, step.fallback), notification(OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER), POLICY)!;
    expect(again).toEqual({ fallback: step.fallback, dropped: [], kept: [] });
  });

  it('does not fall back when we require a capability or the peer has a four-octet AS (RFC 6793 §4.2)', () => {
    const required = fallBack(NO_FALLBACK, OURS, notification(OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER), { peerAs: 64513, required: { fourOctetAs: true } });
    expect(required?.dropped).toEqual([]);
    expect(names(required?.kept)).toEqual(['four-octet-as']);
    const wide = fallBack(NO_FALLBACK, OURS, notification(OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER), { peerAs: 4200000001 });
    expect(wide).toEqual({ fallback: NO_FALLBACK, dropped: [], kept: [] });
  });
});

describe('other NOTIFICATIONs', () => {
  it('leave the OPEN alone', () => {
    expect(fallBack(NO_FALLBACK, OURS, notification(OpenSubcode.BAD_PEER_AS), POLICY)).toBeUndefined();
    expect(fallBack(NO_FALLBACK, OURS, { code: NotifCode.CEASE, subcode: 2, data: new Uint8Array() }, POLICY)).toBeUndefined();
    expect(applyFallback(OURS, NO_FALLBACK)).toBe(OURS);
  });
});
