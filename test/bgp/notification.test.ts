import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CeaseSubcode, NotifCode } from '../../src/bgp/constants.js';
import type { BgpError} from '../../src/bgp/errors.js';
import { cease, headerError, openError } from '../../src/bgp/errors.js';
import { describeNotification, notificationName, NOTIFICATION_NAMES } from '../../src/bgp/notification-names.js';
import { decodeNotification, encodeNotification, notificationFor, shutdownCease, shutdownCommunicationOf, shutdownNotification } from '../../src/bgp/notification.js';
import type { NotificationMessage } from '../../src/bgp/types.js';
import { WireReader } from '../../src/bgp/wire/reader.js';
import { WireWriter } from '../../src/bgp/wire/writer.js';
import { notificationArb } from '../arbitraries/messages.js';
import { concat, hex, u8 } from '../helpers/bytes.js';

const shortRead = (): BgpError => headerError(2, 'test.short', 'short read');

function decode(body: Uint8Array): NotificationMessage {
  return decodeNotification(new WireReader(body, shortRead));
}

function encode(m: NotificationMessage): Uint8Array {
  const w = new WireWriter(4);
  encodeNotification(w, m);
  return new Uint8Array(w.finish());
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('NOTIFICATION (RFC 4271 §4.5)', () => {
  it('decodes code, subcode and data, and re-encodes byte for byte', () => {
    const body = hex`02 01 00 04`;
    const m = decode(body);
    expect(m).toEqual({ type: 'notification', code: 2, subcode: 1, data: hex`00 04` });
    expect(encode(m)).toEqual(body);
  });

  it('decodes a NOTIFICATION with no data', () => {
    expect(decode(hex`04 00`)).toEqual({ type: 'notification', code: 4, subcode: 0, data: new Uint8Array(0) });
  });

  it('copies the data so it does not alias the receive buffer', () => {
    const body = hex`03 01 aa`;
    const m = decode(body);
    body[2] = 0;
    expect(m.data).toEqual(hex`aa`);
  });

  it.each([
    [CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, 'maintenance: rebooting node1'],
    [CeaseSubcode.ADMINISTRATIVE_RESET, 'config change ✈ 再起動'],
  ])('decodes the shutdown communication of Cease/%i into shutdownMessage (RFC 9003 §2)', (subcode, text) => {
    const bytes = utf8(text);
    const body = concat(u8(6), u8(subcode), u8(bytes.length), bytes);
    const m = decode(body);
    expect(m.shutdownMessage).toBe(text);
    expect(encode(m)).toEqual(body);
  });

  it.each([
    ['a length longer than the data', hex`06 02 05 61 62`],
    ['a length shorter than the data', hex`06 02 01 61 62`],
    ['invalid UTF-8', hex`06 02 02 c3 28`],
    ['a zero length (no communication)', hex`06 02 00`],
    ['another Cease subcode', hex`06 03 01 61`],
  ])('leaves shutdownMessage unset for %s, keeping the data (RFC 9003 §4)', (_name, body) => {
    const m = decode(body);
    expect(m.shutdownMessage).toBeUndefined();
    expect(m.data).toEqual(body.subarray(2));
    expect(encode(m)).toEqual(body);
  });

  it('builds a Cease/Administrative Shutdown with the text (RFC 9003 §2)', () => {
    const m = shutdownNotification('bye');
    expect(m).toEqual({ type: 'notification', code: 6, subcode: 2, data: hex`03 62 79 65`, shutdownMessage: 'bye' });
    expect(shutdownNotification('', CeaseSubcode.ADMINISTRATIVE_RESET)).toEqual({ type: 'notification', code: 6, subcode: 4, data: hex`00` });
  });

  it('cuts a long shutdown text to 255 octets on a character boundary (RFC 9003 §2)', () => {
    const m = shutdownNotification('é'.repeat(200)); // 400 octets of 2-octet characters
    expect(m.data[0]).toBe(254);
    expect(m.data.length).toBe(255);
    expect(m.shutdownMessage).toBe('é'.repeat(127));
    expect(shutdownNotification('a'.repeat(300)).shutdownMessage).toBe('a'.repeat(255));
  });

  it('finds the shutdown communication a session ended with, received or sent, with control characters blanked', () => {
    expect(shutdownCommunicationOf({ received: shutdownNotification('maintenance\nwindow') })).toBe('maintenance window');
    expect(shutdownCommunicationOf({ sent: shutdownCease('back at 14:00', CeaseSubcode.ADMINISTRATIVE_RESET) })).toBe('back at 14:00');
    expect(shutdownCommunicationOf({ sent: cease(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, 'cease.admin-shutdown', 'no text') })).toBeUndefined();
    expect(shutdownCommunicationOf({ received: { type: 'notification', code: 6, subcode: 2, data: hex`00` } })).toBeUndefined();
    expect(shutdownCommunicationOf({})).toBeUndefined();
  });

  it('turns a BgpError into its NOTIFICATION', () => {
    expect(notificationFor(openError(1, 'open.version', 'v', hex`00 04`))).toEqual({
      type: 'notification',
      code: 2,
      subcode: 1,
      data: hex`00 04`,
    });
    expect(notificationFor(cease(2, 'admin', 'x', hex`02 6f 6b`)).shutdownMessage).toBe('ok');
  });

  it('round-trips NOTIFICATIONs (fast-check)', () => {
    fc.assert(
      fc.property(notificationArb, (m) => {
        expect(decode(encode(m))).toEqual(m);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe('NOTIFICATION names (IANA registries)', () => {
  it.each([
    [1, 1, 'Message Header Error / Connection Not Synchronized'],
    [1, 3, 'Message Header Error / Bad Message Type'],
    [2, 4, 'OPEN Message Error / Unsupported Optional Parameter'],
    [2, 7, 'OPEN Message Error / Unsupported Capability'],
    [2, 11, 'OPEN Message Error / Role Mismatch'],
    [3, 11, 'UPDATE Message Error / Malformed AS_PATH'],
    [4, 0, 'Hold Timer Expired / Unspecific'],
    [5, 2, 'Finite State Machine Error / Receive Unexpected Message in OpenConfirm State'],
    [6, 2, 'Cease / Administrative Shutdown'],
    [6, 9, 'Cease / Hard Reset'],
    [6, 10, 'Cease / BFD Down'],
    [7, 1, 'ROUTE-REFRESH Message Error / Invalid Message Length'],
    [6, 99, 'Cease / subcode 99'],
    [42, 1, 'Error code 42 / subcode 1'],
  ])('names %i/%i "%s"', (code, subcode, name) => {
    expect(notificationName(code, subcode)).toBe(name);
  });

  it('has a name for every code and the subcodes of RFC 4271, 4486, 6608, 7313, 8538 and 9384', () => {
    const counts = Object.fromEntries(Object.entries(NOTIFICATION_NAMES).map(([c, e]) => [c, Object.keys(e.subcodes).length]));
    expect(counts).toEqual({ 1: 4, 2: 9, 3: 12, 4: 1, 5: 4, 6: 11, 7: 2 });
  });

  it('describes a shutdown with its text and data hex', () => {
    expect(describeNotification(shutdownNotification('bye'))).toBe('Cease / Administrative Shutdown (6/2): "bye" data 03 62 79 65');
  });

  it('caps the data hex at 64 octets', () => {
    const line = describeNotification({ code: 3, subcode: 1, data: new Uint8Array(100).fill(0xab) });
    expect(line).toBe(`UPDATE Message Error / Malformed Attribute List (3/1) data ${Array(64).fill('ab').join(' ')} … (+36 octets)`);
  });

  it('names the error inside a Hard Reset (RFC 8538 §3.1)', () => {
    const m: NotificationMessage = { type: 'notification', code: NotifCode.CEASE, subcode: CeaseSubcode.HARD_RESET, data: hex`04 00` };
    expect(describeNotification(m)).toBe('Cease / Hard Reset (6/9) for Hold Timer Expired / Unspecific (4/0)');
  });
});
