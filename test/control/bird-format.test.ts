/**
 * The BIRD socket's replies, line for line, against reference replies captured from BIRD 1.6.8
 * (`bird -R` with Calico's kernel/device/direct/static protocols and two BGP peers, asked over
 * its control socket): framing, protocol rows, `show status` with the graceful restart block,
 * `show route [all]`, and the command grammar.
 */
import { describe, expect, it } from 'vitest';
import { parseBirdCommand } from '../../src/control/bird/command.js';
import { birdLastError, type ShowProtocols } from '../../src/control/bird/protocols.js';
import { StartupRecovery } from '../../src/control/bird/recovery.js';
import { finalLine, line, ReplyCode, ReplyFramer, type ReplyLine } from '../../src/control/bird/reply.js';
import { showRoute } from '../../src/control/bird/routes.js';
import { answerBirdCommand } from '../../src/control/bird/server.js';
import { showStatus } from '../../src/control/bird/status.js';
import { Path } from '../../src/rib/path.js';
import { formatDateTime, formatSince } from '../../src/control/bird/time.js';
import { at, BirdFixture, peer } from './bird-fixture.js';

function render(lines: Iterable<ReplyLine> | 'quit'): string {
  if (lines === 'quit') throw new Error('quit has no reply');
  const framer = new ReplyFramer();
  return [...lines].map((l) => framer.frame(l)).join('');
}

function protocols(source: BirdFixture, command: ShowProtocols): string {
  return render(answerBirdCommand(source, { kind: 'show-protocols', ...command }));
}

const mesh3 = { name: 'Mesh_127_0_0_3', address: '127.0.0.3' };
const node2 = { name: 'Node_127_0_0_2', address: '127.0.0.2' };

describe('reply framing (nest/cli.c cli_printf)', () => {
  it('prefixes the first line of a code with CODE-, repeats with a space, ends with CODE and a space', () => {
    const text = render([line(ReplyCode.TABLE_HEADING, 'h'), line(ReplyCode.PROTOCOL_LIST, 'a'), line(ReplyCode.PROTOCOL_LIST, 'b'), finalLine(ReplyCode.OK, '')]);
    expect(text).toBe('2002-h\n1002-a\n b\n0000 \n');
  });

  it('starts afresh after a final line, so the next reply repeats its code', () => {
    const framer = new ReplyFramer();
    framer.frame(line(ReplyCode.UPTIME, 'x'));
    framer.frame(finalLine(ReplyCode.STATUS_REPORT, 'done'));
    expect(framer.frame(line(ReplyCode.UPTIME, 'y'))).toBe('1011-y\n');
  });
});

describe('BIRD time formats (timeformat protocol / base)', () => {
  it('prints %T within 20 hours and %F after, and %F %T for show status', () => {
    const now = at(9, 35, 42);
    expect(formatSince(at(9, 34, 47), now)).toBe('09:34:47');
    expect(formatSince(new Date(now.getTime() - 20 * 3600_000), now)).toBe('2026-11-25');
    expect(formatDateTime(at(9, 4, 5))).toBe('2026-11-26 09:04:05');
  });
});

describe('show protocols', () => {
  it('prints BIRD 1.6.8 rows for the pseudo-protocols and for Established, Active, Passive and disabled sessions', () => {
    const source = new BirdFixture({
      peers: [
        peer({ ...mesh3, state: 'Active', since: at(9, 34, 47), lastError: 'connection-lost' }),
        peer({ ...node2, state: 'Active', since: at(9, 34, 47), passive: true }),
        peer({ name: 'Global_127_0_0_4', address: '127.0.0.4', since: at(9, 35, 35) }),
        peer({ name: 'Node_127_0_0_5', address: '127.0.0.5', state: 'Idle', since: at(9, 35, 23), disabled: true }),
      ],
    });
    // The first six lines as BIRD 1.6.8 sent them; BIRD's direct1 has no petrel counterpart.
    expect(protocols(source, { all: false })).toBe(
      [
        '2002-name     proto    table    state  since       info',
        '1002-kernel1  Kernel   master   up     09:34:47    ',
        ' device1  Device   master   up     09:34:47    ',
        ' static1  Static   master   up     09:34:47    ',
        ' Mesh_127_0_0_3 BGP      master   start  09:34:47    Active        Socket: Connection closed',
        ' Node_127_0_0_2 BGP      master   start  09:34:47    Passive       ',
        ' Global_127_0_0_4 BGP      master   up     09:35:35    Established   ',
        ' Node_127_0_0_5 BGP      master   down   09:35:23    ',
        '0000 ',
        '',
      ].join('\n'),
    );
  });

  it('leaves kernel1 out when petrel does not program the kernel', () => {
    expect(protocols(new BirdFixture({ kernel: false }), { all: false })).not.toContain('kernel1');
  });

  it('shows one protocol with BIRD 1.6 detail lines, BGP state and neighbor first as calico-node reads them', () => {
    const p = peer({ ...mesh3, routerId: '10.0.0.3', localAddress: '127.0.0.1', prefixesAccepted: 2, prefixesAdvertised: 1 });
    const source = new BirdFixture({ peers: [p] });
    source.learn('10.244.7.0/26', p);
    source.learn('10.244.8.0/26', p);
    expect(protocols(source, { all: true, name: 'Mesh_127_0_0_3' })).toBe(
      [
        '2002-name     proto    table    state  since       info',
        '1002-Mesh_127_0_0_3 BGP      master   up     09:35:35    Established   ',
        '1006-  Preference:     100',
        '   Input filter:   ACCEPT',
        '   Output filter:  ACCEPT',
        '   Routes:         2 imported, 1 exported, 2 preferred',
        '   BGP state:          Established',
        '     Neighbor address: 127.0.0.3',
        '     Neighbor AS:      64512',
        '     Neighbor ID:      10.0.0.3',
        '     Session:          internal multihop',
        '     Source address:   127.0.0.1',
        ' ',
        '0000 ',
        '',
      ].join('\n'),
    );
  });

  it('reports the last error of a session that is not up', () => {
    const source = new BirdFixture({ peers: [peer({ ...mesh3, state: 'Active', since: at(9, 34, 47), lastError: 'connection-lost' })] });
    const text = protocols(source, { all: true, name: 'Mesh_127_0_0_3' });
    expect(text).toContain('   BGP state:          Active\n     Neighbor address: 127.0.0.3\n     Neighbor AS:      64512\n     Last error:       Socket: Connection closed\n');
    expect(text).not.toContain('Neighbor ID');
  });

  it('shows a shutdown communication as the protocol message, before its other lines (RFC 9003, BIRD proto_set_message)', () => {
    const lastError = 'notification-received: Cease / Administrative Shutdown: "maintenance:\\nback at 14:00"';
    const source = new BirdFixture({ peers: [peer({ ...mesh3, state: 'Active', since: at(9, 34, 47), lastError })] });
    const text = protocols(source, { all: true, name: 'Mesh_127_0_0_3' });
    expect(text).toContain('Active        Received: Administrative shutdown\n1006-  Message:        maintenance: back at 14:00\n   Preference:     100\n');
    expect(protocols(new BirdFixture({ peers: [peer({ ...mesh3, state: 'Active', lastError: 'connection-lost' })] }), { all: true })).not.toContain('Message:');
  });

  it('answers 9002 for a name that is no protocol and 8003 for a pattern that matches none', () => {
    const source = new BirdFixture({ peers: [peer(mesh3)] });
    expect(protocols(source, { all: true, name: 'nope' })).toBe('9002 nope is not a protocol\n');
    expect(protocols(source, { all: false, pattern: 'Node_*' })).toBe('8003 No protocols match\n');
    expect(protocols(source, { all: false, pattern: 'Mesh_127_0_0_?' })).toContain('1002-Mesh_127_0_0_3 BGP');
  });

  it.each([
    ['connect: connect ECONNREFUSED 127.0.0.3:179', 'Socket: Connection refused'],
    ['connection-lost: read ECONNRESET', 'Socket: Connection reset by peer'],
    ['connect: no answer within 5 s', 'Socket: Connection timed out'],
    ['notification-received: Cease / Administrative Shutdown', 'Received: Administrative shutdown'],
    ['notification-received: Cease / Administrative Shutdown: "maintenance: back at 14:00"', 'Received: Administrative shutdown'],
    ['notification-sent: OPEN Message Error / Bad Peer AS', 'BGP Error: Bad peer as'],
    ['hold-timer-expired', 'Error: Hold timer expired'],
    ['admin-down', ''],
  ])('words petrel error %j as BIRD does: %j', (petrel, bird) => {
    expect(birdLastError(petrel)).toBe(bird);
  });
});

describe('show status', () => {
  it('prints the BIRD 1.6.8 status lines with petrel as version, and the graceful restart block during recovery', () => {
    const source = new BirdFixture({ now: at(9, 36, 12), startedAt: at(9, 36, 12), recovery: { waiting: 2, remainingSec: 240, waitSec: 240 } });
    expect(render(showStatus(source))).toBe(
      [
        '1000-BIRD v0.1.0+petrel',
        '1011-Router ID is 10.0.0.1',
        ' Current server time is 2026-11-26 09:36:12',
        ' Last reboot on 2026-11-26 09:36:12',
        ' Last reconfiguration on 2026-11-26 09:36:12',
        '0024-Graceful restart recovery in progress',
        '   Waiting for 2 protocols to recover',
        '   Wait timer is 240/240',
        '0013 Daemon is up and running',
        '',
      ].join('\n'),
    );
    source.recoveryStatus = undefined;
    expect(render(showStatus(source))).toMatch(/Last reconfiguration on 2026-11-26 09:36:12\n0013 Daemon is up and running\n$/);
  });
});

describe('startup recovery (bird -R)', () => {
  const start = at(9, 0, 0);
  const later = (sec: number) => new Date(start.getTime() + sec * 1000);

  it('waits for every enabled session to be seen Established, then stays over', () => {
    const r = new StartupRecovery(start);
    const a = { name: 'a', state: 'Active', disabled: false };
    const b = { name: 'b', state: 'Connect', disabled: false };
    const off = { name: 'c', state: 'Idle', disabled: true };
    expect(r.observe([a, b, off], later(10))).toEqual({ waiting: 2, remainingSec: 230, waitSec: 240 });
    expect(r.observe([{ ...a, state: 'Established' }, b, off], later(20))).toEqual({ waiting: 1, remainingSec: 220, waitSec: 240 });
    // a dropped again: it recovered once, which is what counts.
    expect(r.observe([a, b, off], later(30))).toEqual({ waiting: 1, remainingSec: 210, waitSec: 240 });
    expect(r.observe([a, { ...b, state: 'Established' }, off], later(40))).toBeUndefined();
    expect(r.observe([a, b, off], later(50))).toBeUndefined();
  });

  it('ends when the wait timer runs out', () => {
    const r = new StartupRecovery(start, 240);
    const a = { name: 'a', state: 'Active', disabled: false };
    expect(r.observe([a], later(239))).toEqual({ waiting: 1, remainingSec: 1, waitSec: 240 });
    expect(r.observe([a], later(240))).toBeUndefined();
  });
});

describe('show route', () => {
  function fixture() {
    const mesh = peer({ ...mesh3, since: at(9, 35, 35) });
    const ebgp = peer({ name: 'Global_10_0_0_9', address: '10.0.0.9', asNumber: 65001, internal: false, since: at(9, 35, 35) });
    const source = new BirdFixture({ peers: [mesh, ebgp], interfaces: { '10.0.0.9': 'eth0', '10.0.0.5': 'eth0' } });
    return { source, mesh, ebgp };
  }

  it('prints routes as BIRD 1.6.8 does: unresolved BGP next hops unreachable, originated blocks static1 blackholes', () => {
    const { source, mesh } = fixture();
    source.learn('10.244.7.0/26', mesh);
    source.originate('10.244.1.0/26');
    const text = render(showRoute(source, { all: false }));
    expect(text.split('\n')).toEqual([
      '1007-10.244.7.0/26      unreachable [Mesh_127_0_0_3 09:35:35 from 127.0.0.3] * (100/-) [i]',
      ' 10.244.1.0/26      blackhole [static1 09:34:47] * (200)',
      '0000 ',
      '',
    ]);
  });

  it('shows an IPv6 link-local next hop (`::` + fe80::…, RFC 2545 §3) on the session\u2019s link, as BIRD does', () => {
    const tor = peer({ name: 'tor1', address: 'fe80::1', asNumber: 65001, internal: false, since: at(9, 35, 35) });
    const source = new BirdFixture({ peers: [tor], links: { tor1: 'eth0' } });
    source.learn('2001:db8:7::/48', tor, { nextHops: ['::', 'fe80::1'] }, [65001]);
    const text = render(showRoute(source, { all: false }));
    expect(text.split('\n')[0]).toBe('1007-2001:db8:7::/48    via fe80::1 on eth0 [tor1 09:35:35] * (100/0) [AS65001i]');
    // Without a known link the route cannot be resolved.
    const unlinked = new BirdFixture({ peers: [tor] });
    unlinked.learn('2001:db8:7::/48', tor, { nextHops: ['::', 'fe80::1'] }, [65001]);
    expect(render(showRoute(unlinked, { all: false })).split('\n')[0]).toContain('unreachable');
  });

  it('resolves next hops on connected subnets, names the sender when it is not the next hop, and lists the other paths unstarred', () => {
    const { source, mesh, ebgp } = fixture();
    source.learn('10.30.0.0/24', ebgp, {}, [65001, 65002]);
    source.learn('10.30.0.0/24', mesh, { nextHops: ['10.0.0.5'], localPref: 50 }, [65003]);
    source.kernelRoute('10.244.1.7/32', 'cali1234');
    const text = render(showRoute(source, { all: false }));
    expect(text.split('\n')).toEqual([
      '1007-10.30.0.0/24       via 10.0.0.9 on eth0 [Global_10_0_0_9 09:35:35] * (100/0) [AS65002i]',
      '                    via 10.0.0.5 on eth0 [Mesh_127_0_0_3 09:35:35 from 127.0.0.3] (100/0) [AS65003i]',
      ' 10.244.1.7/32      dev cali1234 [kernel1 09:34:47] * (10)',
      '0000 ',
      '',
    ]);
  });

  it('adds the Type line and BGP attributes with all, in attribute code order', () => {
    const { source, mesh } = fixture();
    source.learn('10.244.7.0/26', mesh, { med: 5, communities: [(64512 << 16) | 100], originatorId: '10.0.0.7', clusterList: ['10.0.0.1'], largeCommunities: [[1, 2, 3]] }, [64512]);
    source.originate('10.244.1.0/26');
    expect(render(showRoute(source, { all: true })).split('\n')).toEqual([
      '1007-10.244.7.0/26      unreachable [Mesh_127_0_0_3 09:35:35 from 127.0.0.3] * (100/-) [AS64512i]',
      '1008-\tType: BGP unicast univ',
      '1012-\tBGP.origin: IGP',
      ' \tBGP.as_path: 64512',
      ' \tBGP.next_hop: 127.0.0.3',
      ' \tBGP.med: 5',
      ' \tBGP.local_pref: 100',
      ' \tBGP.community: (64512,100)',
      ' \tBGP.originator_id: 10.0.0.7',
      ' \tBGP.cluster_list: 10.0.0.1',
      ' \tBGP.large_community: (1, 2, 3)',
      '1007-10.244.1.0/26      blackhole [static1 09:34:47] * (200)',
      '1008-\tType: static unicast univ',
      '0000 ',
      '',
    ]);
  });

  it('finds the longest match with for, an exact prefix without, and answers 8001 when there is none', () => {
    const { source, mesh } = fixture();
    source.learn('10.244.0.0/16', mesh);
    source.learn('10.244.7.0/26', mesh);
    expect(render(showRoute(source, { all: false, for: '10.244.7.9' }))).toMatch(/^1007-10\.244\.7\.0\/26 /);
    expect(render(showRoute(source, { all: false, for: '10.244.9.0/24' }))).toMatch(/^1007-10\.244\.0\.0\/16 /);
    expect(render(showRoute(source, { all: false, prefix: '10.244.0.0/16' }))).toMatch(/^1007-10\.244\.0\.0\/16 [^\n]*\n0000 \n$/);
    expect(render(showRoute(source, { all: false, for: '192.168.0.1' }))).toBe('8001 Network not in table\n');
    expect(render(showRoute(source, { all: false, prefix: '10.244.7.0/25' }))).toBe('8001 Network not in table\n');
  });

  it('filters by protocol, and answers 9002 for a protocol that does not exist', () => {
    const { source, mesh, ebgp } = fixture();
    source.learn('10.1.0.0/24', mesh);
    source.learn('10.2.0.0/24', ebgp);
    const text = render(showRoute(source, { all: false, protocol: 'Global_10_0_0_9' }));
    expect(text).toContain('10.2.0.0/24');
    expect(text).not.toContain('10.1.0.0/24');
    expect(render(showRoute(source, { all: false, protocol: 'bogus' }))).toBe('9002 bogus is not a protocol\n');
  });

  it('leaves out paths the import checks made ineligible', () => {
    const { source, mesh } = fixture();
    const shown = source.learn('10.9.0.0/24', mesh);
    source.routes.put(Path.create('10.9.2.0/24', 0, source.table.intern({ origin: 'igp' }), shown.source, 'as-loop'));
    const text = render(showRoute(source, { all: false }));
    expect(text).toContain('10.9.0.0/24');
    expect(text).not.toContain('10.9.2.0/24');
  });
});

describe('command grammar', () => {
  it.each([
    ['show status', { kind: 'show-status' }],
    ['  SHOW   Protocols  ', { kind: 'show-protocols', all: false }],
    ['show protocols all Mesh_10_0_0_2', { kind: 'show-protocols', all: true, name: 'Mesh_10_0_0_2' }],
    ['show protocols "Mesh_*"', { kind: 'show-protocols', all: false, pattern: 'Mesh_*' }],
    ['show route', { kind: 'show-route', all: false }],
    ['show route all for 10.0.0.1', { kind: 'show-route', all: true, for: '10.0.0.1' }],
    ['show route for 10.244.7.9/26 all', { kind: 'show-route', all: true, for: '10.244.7.0/26' }],
    ['show route fd00:0:0::1/64 protocol Mesh_fd00__2', { kind: 'show-route', all: false, prefix: 'fd00::/64', protocol: 'Mesh_fd00__2' }],
    ['quit', { kind: 'quit' }],
    ['', { kind: 'empty' }],
    ['configure', { kind: 'refused', command: 'configure' }],
    ['disable Mesh_10_0_0_2', { kind: 'refused', command: 'disable' }],
    ['show interfaces', { kind: 'syntax-error' }],
    ['show route for banana', { kind: 'syntax-error' }],
    ['show protocols all a b', { kind: 'syntax-error' }],
    ['show protocols "Mesh_*', { kind: 'syntax-error' }],
    ['show protocols 1abc', { kind: 'syntax-error' }],
  ])('parses %j', (input, expected) => {
    expect(parseBirdCommand(input)).toEqual(expected);
  });

  it('refuses state-changing commands with 8007 and answers anything else with 9001', () => {
    const source = new BirdFixture();
    expect(render(answerBirdCommand(source, parseBirdCommand('restart all')))).toMatch(/^8007 Access denied: .*read-only.*restart\n$/);
    expect(render(answerBirdCommand(source, parseBirdCommand('show ospf')))).toBe('9001 syntax error\n');
  });
});
