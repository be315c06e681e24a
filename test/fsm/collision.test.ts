/** Connection collision (RFC 4271 §6.8, RFC 6286 §2.3) and Calico's passive rule. */
import { describe, expect, it } from 'vitest';
import { collisionCheck, isPassiveByAddress, resolveCollision, type CollisionInput } from '../../src/fsm/collision.js';
import { collisionFork } from '../../src/fsm/states.js';
import { FsmRunner, summarize } from '../helpers/fsm-runner.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { CTX, peerOpen } from './fixtures.js';

const base = { localAs: 64512, remoteAs: 64512 } as const;

describe('resolveCollision', () => {
  const cases: [string, Omit<CollisionInput, 'localAs' | 'remoteAs'>, 'existing' | 'arriving'][] = [
    ['our id higher: keep the connection we opened (existing)', { localId: '10.0.0.2', remoteId: '10.0.0.1', existing: 'local', arriving: 'remote' }, 'existing'],
    ['our id higher: keep the connection we opened (arriving)', { localId: '10.0.0.2', remoteId: '10.0.0.1', existing: 'remote', arriving: 'local' }, 'arriving'],
    ['their id higher: keep the connection they opened (arriving)', { localId: '10.0.0.1', remoteId: '10.0.0.2', existing: 'local', arriving: 'remote' }, 'arriving'],
    ['their id higher: keep the connection they opened (existing)', { localId: '10.0.0.1', remoteId: '10.0.0.2', existing: 'remote', arriving: 'local' }, 'existing'],
    // As 4-octet unsigned integers, not as strings: 10.0.0.9 > 9.0.0.10, and 200.x > 100.x (sign bit).
    ['compares identifiers as numbers', { localId: '9.0.0.10', remoteId: '10.0.0.9', existing: 'local', arriving: 'remote' }, 'arriving'],
    ['compares identifiers unsigned', { localId: '200.0.0.1', remoteId: '100.0.0.1', existing: 'local', arriving: 'remote' }, 'existing'],
    ['two connections from the peer: the newer stays', { localId: '10.0.0.9', remoteId: '10.0.0.1', existing: 'remote', arriving: 'remote' }, 'arriving'],
  ];
  it.each(cases)('%s', (_name, input, winner) => {
    expect(resolveCollision({ ...base, ...input })).toBe(winner);
  });

  it('breaks a tie of equal identifiers by the larger AS (RFC 6286 §2.3)', () => {
    const tie = { localId: '10.0.0.1', remoteId: '10.0.0.1', existing: 'local', arriving: 'remote' } as const;
    expect(resolveCollision({ ...tie, localAs: 65002, remoteAs: 65001 })).toBe('existing');
    expect(resolveCollision({ ...tie, localAs: 65001, remoteAs: 65002 })).toBe('arriving');
  });

  it('resolves only against OpenConfirm, dumps the arriving one against Established', () => {
    expect(collisionCheck('OpenConfirm')).toBe('resolve');
    expect(collisionCheck('Established')).toBe('dump-arriving');
    for (const s of ['Idle', 'Connect', 'Active', 'OpenSent'] as const) expect(collisionCheck(s)).toBe('none');
  });
});

describe('isPassiveByAddress (Calico mesh rule)', () => {
  it('is passive when the peer address sorts after ours as a string (confd TestPassiveCommentLogic)', () => {
    expect(isPassiveByAddress('10.0.0.10', '10.0.0.5')).toBe(true);
    expect(isPassiveByAddress('10.0.0.5', '10.0.0.10')).toBe(false);
    expect(isPassiveByAddress('fd00::10', 'fd00::9')).toBe(true);
  });

  it('makes exactly one side of every pair dial', () => {
    const addrs = ['10.0.0.1', '10.0.0.10', '10.0.0.2', '192.168.1.1', '9.9.9.9'];
    for (const a of addrs) for (const b of addrs) if (a !== b) expect(isPassiveByAddress(a, b) !== isPassiveByAddress(b, a)).toBe(true);
  });
});

/**
 * Both speakers dialled at once. Our machine (primary) opened a connection and is in OpenSent;
 * the peer's connection arrives and runs in a fork. The peer's OPEN comes first on our connection,
 * then on theirs, so the check runs when the second OPEN arrives.
 */
describe('collision, end to end through two state machines', () => {
  function collide(localId: string, remoteId: string): { primary: FsmRunner; fork: FsmRunner; winner: 'existing' | 'arriving' } {
    const clock = new FakeClock();
    const ctx = { ...CTX, ourOpen: { ...CTX.ourOpen, bgpId: localId } };
    const primary = new FsmRunner(ctx, clock);
    primary.feed({ type: 'ManualStart' });
    clock.advance(2000);
    primary.feed({ type: 'Tcp_CR_Acked' });
    expect(primary.feed({ type: 'TcpConnection_Valid' }).map(summarize)).toEqual(['fork-collision']);
    const fork = new FsmRunner(ctx, clock, collisionFork(primary.state));
    fork.feed({ type: 'TcpConnectionConfirms' });
    expect(fork.name).toBe('OpenSent');
    const open = peerOpen({ bgpId: remoteId });

    expect(collisionCheck(fork.name)).toBe('none');
    primary.feed({ type: 'BGPOpen', open });
    expect(primary.name).toBe('OpenConfirm');

    expect(collisionCheck(primary.name)).toBe('resolve');
    const winner = resolveCollision({ localId, remoteId, localAs: 64512, remoteAs: 64512, existing: 'local', arriving: 'remote' });
    primary.take();
    fork.take();
    if (winner === 'existing') fork.feed({ type: 'OpenCollisionDump' });
    else {
      primary.feed({ type: 'OpenCollisionDump' });
      fork.feed({ type: 'BGPOpen', open });
    }
    return { primary, fork, winner };
  }

  it('keeps our connection when our identifier is higher; the peer’s gets Cease 6/7', () => {
    const { primary, fork, winner } = collide('10.0.0.9', '10.0.0.2');
    expect(winner).toBe('existing');
    expect(fork.takeSent()).toEqual(['notification 6/7']);
    expect(fork.name).toBe('Idle');
    expect(fork.running('IdleHold')).toBe(false);
    primary.feed({ type: 'KeepAliveMsg' });
    expect(primary.name).toBe('Established');
  });

  it('keeps the peer’s connection when its identifier is higher; ours gets Cease 6/7', () => {
    const { primary, fork, winner } = collide('10.0.0.1', '10.0.0.2');
    expect(winner).toBe('arriving');
    expect(primary.takeSent()).toEqual(['notification 6/7']);
    expect(primary.name).toBe('Idle');
    expect(primary.running('IdleHold')).toBe(false);
    expect(fork.name).toBe('OpenConfirm');
    fork.feed({ type: 'KeepAliveMsg' });
    expect(fork.name).toBe('Established');
  });
});
