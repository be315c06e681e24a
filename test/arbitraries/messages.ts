/**
 * fast-check arbitraries for the non-UPDATE messages, in the canonical form the decoders return
 * (so `decode(encode(m))` equals `m`): every capability kind, OPEN with grouping and RFC 9072
 * form, NOTIFICATION (with and without RFC 9003 text), KEEPALIVE and ROUTE-REFRESH.
 */
import fc from 'fast-check';
import { CapCode } from '../../src/bgp/constants.js';
import { shutdownNotification } from '../../src/bgp/notification.js';
import type {
  AddPathFamily,
  Capability,
  GracefulRestartFamily,
  KeepaliveMessage,
  LlgrFamily,
  NotificationMessage,
  OpenMessage,
  RouteRefreshMessage,
} from '../../src/bgp/types.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });

const KNOWN_CODES = new Set<number>(Object.values(CapCode));

/** Any Unicode text (no lone surrogates, so it survives a strict UTF-8 round trip); ≤ 4 octets a character. */
const text = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: 'binary', maxLength });

const grFamily: fc.Arbitrary<GracefulRestartFamily> = fc.record({ afi: u16, safi: u8, forwardingPreserved: fc.boolean() });
const llgrFamily: fc.Arbitrary<LlgrFamily> = fc.record({
  afi: u16,
  safi: u8,
  forwardingPreserved: fc.boolean(),
  staleTimeSec: fc.integer({ min: 0, max: 0xffffff }),
});
const addPathFamily: fc.Arbitrary<AddPathFamily> = fc.record({
  afi: u16,
  safi: u8,
  mode: fc.constantFrom('receive', 'send', 'both'),
});

export const capabilityArb: fc.Arbitrary<Capability> = fc.oneof(
  fc.record({ code: fc.constant('multiprotocol'), afi: u16, safi: u8 }),
  fc.constant({ code: 'route-refresh' }),
  fc.constant({ code: 'enhanced-route-refresh' }),
  fc.constant({ code: 'extended-message' }),
  fc.record({ code: fc.constant('four-octet-as'), asn: u32 }),
  fc.record({
    code: fc.constant('graceful-restart'),
    restarting: fc.boolean(),
    notification: fc.boolean(),
    restartTimeSec: fc.integer({ min: 0, max: 0xfff }),
    families: fc.array(grFamily, { maxLength: 4 }),
  }),
  fc.record({ code: fc.constant('long-lived-graceful-restart'), families: fc.array(llgrFamily, { maxLength: 4 }) }),
  fc.record({ code: fc.constant('add-path'), families: fc.array(addPathFamily, { maxLength: 4 }) }),
  // Both names share one 255-octet capability value: 2 + 2 × 4 × 30 octets at most.
  fc.record({ code: fc.constant('fqdn'), hostname: text(30), domain: text(30) }),
  fc.record({
    code: fc.constant('unknown'),
    type: u8.filter((t) => !KNOWN_CODES.has(t)),
    value: bytes(40),
  }),
);

/** Split `n` capabilities into parameter groups (possibly empty ones), or undefined for one group. */
const groupingFor = (n: number): fc.Arbitrary<number[] | undefined> =>
  fc.oneof(
    fc.constant(undefined),
    fc.array(fc.integer({ min: 0, max: n }), { minLength: 1, maxLength: 4 }).map((cuts) => {
      const sorted = [...cuts, n].sort((a, b) => a - b);
      return sorted.map((c, i) => c - (i === 0 ? 0 : sorted[i - 1]!));
    }),
  );

const bgpIdArb = fc.tuple(u8, u8, u8, u8).filter((t) => t.some((x) => x !== 0)).map((t) => t.join('.'));

export const openArb: fc.Arbitrary<OpenMessage> = fc
  .record({
    myAs: u16,
    holdTimeSec: u16.filter((h) => h !== 1 && h !== 2),
    bgpId: bgpIdArb,
    capabilities: fc.array(capabilityArb, { maxLength: 12 }),
    extended: fc.boolean(),
  })
  .chain(({ capabilities, extended, ...rest }) =>
    groupingFor(capabilities.length).map((grouping): OpenMessage => {
      // One parameter holding everything is the default form (grouping absent); the decoder
      // reports a grouping only when it differs from that.
      const canonical = grouping && (grouping.length > 1 || grouping[0] === 0) ? grouping : undefined;
      return {
        type: 'open',
        version: 4,
        ...rest,
        capabilities,
        ...(canonical ? { capabilityGrouping: canonical } : {}),
        ...(extended ? { extendedOptionalParameters: true } : {}),
      };
    }),
  );

export const notificationArb: fc.Arbitrary<NotificationMessage> = fc.oneof(
  fc
    .record({ code: u8, subcode: u8, data: bytes(64) })
    // Cease 2/4 data that happens to be a valid shutdown text decodes with the text: build those below.
    .filter((m) => !(m.code === 6 && (m.subcode === 2 || m.subcode === 4)))
    .map((m): NotificationMessage => ({ type: 'notification', ...m })),
  fc.tuple(text(60), fc.constantFrom(2 as const, 4 as const)).map(([text, subcode]) => shutdownNotification(text, subcode)),
);

export const keepaliveArb: fc.Arbitrary<KeepaliveMessage> = fc.constant({ type: 'keepalive' });

export const routeRefreshArb: fc.Arbitrary<RouteRefreshMessage> = fc.record({
  type: fc.constant('route-refresh'),
  afi: u16,
  safi: u8,
  subtype: fc.oneof(fc.constantFrom('normal', 'borr', 'eorr'), fc.integer({ min: 3, max: 255 })),
});
