/**
 * The daemon object: builds one session per effective peer (config/peers.ts), runs the RIB, and
 * wires the two together (RFC 4271 §9).
 *
 *   session 'update' → PeerRib (import checks, Adj-RIB-In) → Loc-RIB → change events
 *   change events    → every update group's pending queue (flushed on setImmediate) and, in
 *                      batches, the RouteSink (the kernel syncer)
 *
 * Sessions come from an injected `SessionBackend`, so the same code runs against real TCP
 * sessions and against in-memory pairs in tests. Per peer it handles End-of-RIB (RFC 4724 §2),
 * graceful restart (stale marking, sweep at End-of-RIB or after the restart time, RFC 4724
 * §4.2), ROUTE-REFRESH in both directions (RFC 2918, RFC 7313), the prefix limit (Cease 6/1,
 * RFC 4486, then a restart after a back-off, or a warning only), and applies reloads with
 * `diffConfigs`: sessions are reset only when a session setting changed.
 */
import { CeaseSubcode } from '../bgp/constants.js';
import { afiSafiName } from '../bgp/context.js';
import { isEndOfRib } from '../bgp/end-of-rib.js';
import { shutdownCease, shutdownCommunicationOf } from '../bgp/notification.js';
import { cease, type BgpError } from '../bgp/errors.js';
import type { AfiSafiName, RouteRefreshMessage, UpdateMessage } from '../bgp/types.js';
import { diffConfigs, type ConfigDiff } from '../config/diff.js';
import { effectivePeers, type EffectivePeer } from '../config/peers.js';
import { addressOf } from '../config/prefixes.js';
import type { Config } from '../config/schema.js';
import type { Negotiated } from '../fsm/negotiate.js';
import type { SessionDown, SessionHandle } from '../fsm/session-api.js';
import type { Logger } from '../log.js';
import { AdjRibIn } from '../rib/adj-rib-in.js';
import { AttrTable } from '../rib/attr-set.js';
import { DEFAULT_DECISION_OPTIONS, type MultipathOptions } from '../rib/decision.js';
import type { Dest } from '../rib/dest.js';
import { makeExportTarget } from '../rib/export-attrs.js';
import type { ExportPolicy } from '../rib/export-policy.js';
import { changeOf, LocRib, type LocRibChange } from '../rib/loc-rib.js';
import { reimport } from '../rib/import-check.js';
import { makePeerInfo, Path, Preference, type KernelRouteInfo, type PeerInfo } from '../rib/path.js';
import type { LocalSpeaker } from '../rib/speaker.js';
import { UpdateGroups, type GroupMember, type UpdateGroup, type UpdateGroupSettings } from '../rib/update-groups.js';
import { targetKindOf } from '../reflector/targets.js';
import { liveTimesOf } from './live-times.js';
import { exportPolicyOf, originatedPrefixes } from './policy.js';
import { exportFilterOf, importPolicyOf, resourcedPath, routeRefreshRequests, sameImportPolicy } from './peer-policy.js';
import { PeerRib, unicastFamily } from './peer-rib.js';
import type { RouteSink } from './route-sink.js';
import type { SessionBackend } from './session-backend.js';
import { localAddressListed, ownIpv6NextHop, sessionLink, type SessionLink } from './session-link.js';
import { routeViews, type PeerView, type RouteView, type StatusView } from './views.js';

/** Cancels a timer. */
export type CancelTimer = () => void;

export interface Timers {
  after(ms: number, fn: () => void): CancelTimer;
}

/**
 * How long a route-table rebuild waits once most entries are unused: a peer withdrawing its
 * whole table is not slowed by copying the rest while its withdrawals stream in.
 */
const COMPACTION_DELAY_MS = 1000;

export const realTimers: Timers = {
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

export interface SpeakerOptions {
  readonly config: Config;
  readonly backend: SessionBackend;
  readonly logger: Logger;
  readonly routeSink?: RouteSink;
  readonly timers?: Timers;
  /** After a Cease 6/1 the session restarts after this long (BIRD's error wait). Default 60 s. */
  readonly maxPrefixRestartMs?: number;
  /** Flush scheduling (setImmediate); tests may run flushes by hand. */
  readonly schedule?: (fn: () => void) => void;
  readonly version?: string;
  /**
   * A member blocked this long while the rest of its update group could take more is moved to a
   * group of its own, so one slow peer cannot hold back every other. Default 10 s.
   */
  readonly slowMemberMs?: number;
  /** The update groups' clock (milliseconds), for tests. */
  readonly now?: () => number;
}

export interface ReloadOutcome {
  readonly peersAdded: readonly string[];
  readonly peersRemoved: readonly string[];
  readonly peersReset: readonly string[];
  readonly peersUpdated: readonly string[];
  readonly policyChanged: readonly string[];
  readonly otherChanged: readonly string[];
}

const LOCAL_NAME = 'local';
/** `show routes` names kernel-learned routes after BIRD's kernel protocol. */
const KERNEL_NAME = 'kernel';
const DEFAULT_MAX_PREFIX_RESTART_MS = 60_000;
const DEFAULT_SLOW_MEMBER_MS = 10_000;
const LINK_RETRY_MS = 1_000;
const LINK_RETRIES = 10;
const UNICAST: readonly AfiSafiName[] = ['ipv4-unicast', 'ipv6-unicast'];
/** The Loc-RIB decision options: the defaults with the configured ECMP bounds. */
function decisionOptionsOf(config: Config): MultipathOptions {
  return { ...DEFAULT_DECISION_OPTIONS, maxPaths: config.multipath.maxPaths, relaxNeighborAs: config.multipath.relaxNeighborAs };
}

const UNICAST_FAMILIES: readonly (readonly [AfiSafiName, 4 | 6])[] = [['ipv4-unicast', 4], ['ipv6-unicast', 6]];

/** One configured peer: its session and, once it has been up, its routes. */
class PeerState {
  rib: PeerRib | undefined;
  negotiated: Negotiated | undefined;
  group: UpdateGroup | undefined;
  member: GroupMember | undefined;
  cancelStale: CancelTimer | undefined;
  cancelRestart: CancelTimer | undefined;
  overLimit = false;
  /** The link the session runs over while it is up (session-link.ts); undefined when multihop. */
  link: SessionLink | undefined;
  /** Moved out of its update group for being slow; back in a shared group from its next session. */
  isolated = false;
  /** Looking again for the session's link (its local address was on no listed interface yet). */
  cancelLinkRetry: CancelTimer | undefined;
  constructor(
    public peer: EffectivePeer,
    public session: SessionHandle,
  ) {}
}

function maxPrefixData(limit: number): Uint8Array {
  // RFC 4486 §4: AFI (2), SAFI (1), the upper bound (4).
  const data = new Uint8Array(7);
  data[1] = 1;
  data[2] = 1;
  new DataView(data.buffer).setUint32(3, limit);
  return data;
}

export class Speaker {
  readonly table = new AttrTable();
  readonly locRib: LocRib;
  readonly groups: UpdateGroups;
  #config: Config;
  #self: LocalSpeaker;
  #policy: ExportPolicy;
  readonly #backend: SessionBackend;
  readonly #log: Logger;
  readonly #sink: RouteSink | undefined;
  readonly #timers: Timers;
  readonly #schedule: (fn: () => void) => void;
  readonly #maxPrefixRestartMs: number;
  readonly #peers = new Map<string, PeerState>();
  /** Export rules of the update groups that have some, by group key (CALICO.md §1.7). */
  #local: AdjRibIn;
  /** Other owners' kernel routes, originated as BIRD's kernel protocol with `learn` does. */
  #kernel: AdjRibIn;
  readonly #startedAt = new Date();
  readonly #version: string;
  #lastReload: Date | undefined;
  readonly #selfNow = (): LocalSpeaker => this.#self;
  #sinkBatch: LocRibChange[] = [];
  #sinkScheduled = false;
  #stopping = false;

  constructor(options: SpeakerOptions) {
    this.#config = options.config;
    this.#backend = options.backend;
    this.#log = options.logger;
    this.#sink = options.routeSink;
    this.#timers = options.timers ?? realTimers;
    this.#schedule = options.schedule ?? setImmediate;
    this.#maxPrefixRestartMs = options.maxPrefixRestartMs ?? DEFAULT_MAX_PREFIX_RESTART_MS;
    this.#version = options.version ?? '0.0.0';
    this.#self = localSpeakerOf(options.config);
    this.#policy = exportPolicyOf(options.config);
    this.locRib = new LocRib(
      decisionOptionsOf(options.config),
      (dest, previousBest) => this.#onLocRibChange(dest, previousBest),
      (dest) => this.groups.enqueueCandidate(dest),
      () => this.#timers.after(COMPACTION_DELAY_MS, () => this.locRib.compact()),
    );
    this.groups = new UpdateGroups(this.#policy, this.locRib, this.#schedule, {
      afterMs: options.slowMemberMs ?? DEFAULT_SLOW_MEMBER_MS,
      onSlowMember: (_group, member) => this.#isolate(member),
      ...(options.now ? { now: options.now } : {}),
    });
    this.#local = new AdjRibIn(localPeerOf(options.config), this.locRib);
    this.#kernel = new AdjRibIn(kernelPeerOf(options.config), this.locRib);
  }

  get config(): Config {
    return this.#config;
  }

  /** Originates the local routes, opens the listener and starts every session. */
  async start(): Promise<void> {
    this.#originate(originatedPrefixes(this.#config));
    await this.#backend.open?.(this.#config);
    for (const peer of effectivePeers(this.#config)) this.#addPeer(peer);
    this.#log.info({ routerId: this.#self.routerId, asNumber: this.#self.asn, peers: this.#peers.size }, 'petrel started');
  }

  /** Cease / Administrative Shutdown to every peer (RFC 4486, RFC 9003), then close the listener. */
  async stop(): Promise<void> {
    this.#stopping = true;
    // RFC 9003: tell the peer's operator why, in the NOTIFICATION's data.
    const shutdown = shutdownCease('petrel is shutting down');
    await Promise.all([...this.#peers.values()].map((s) => s.session.stop(shutdown)));
    for (const state of this.#peers.values()) this.#cancelTimers(state);
    await this.#backend.close?.();
    this.#log.info('petrel stopped');
  }

  // ------------------------------------------------------------------------------------------
  // Local routes

  #originate(prefixes: readonly string[]): void {
    const attrs = this.table.intern({ origin: 'igp' });
    const source = this.#local.peer;
    for (const prefix of prefixes) {
      const path = Path.create(prefix, 0, attrs, source);
      this.#local.put(path);
    }
  }

  /**
   * A route of another owner in the kernel (Felix's pod /32s, its blocks), or its removal
   * (`kernel` undefined). Its interface and metric travel with the path: the export policy holds
   * back /32s beneath a local block and routes on Felix's devices (CALICO.md §1.3).
   */
  learnKernelRoute(prefix: string, kernel: KernelRouteInfo | undefined): void {
    if (kernel === undefined) {
      this.#kernel.withdraw(prefix);
      return;
    }
    this.#kernel.put(Path.create(prefix, 0, this.table.intern({ origin: 'igp' }), kernelPeerOf(this.#config, kernel, this.#kernel.peer)));
  }

  /** Kernel routes carry our AS and router ID as their source: re-source them after a change. */
  #resourceKernel(): void {
    const previous = this.#kernel;
    const learned = [...previous];
    this.#kernel = new AdjRibIn(kernelPeerOf(this.#config), this.locRib);
    for (const old of learned) {
      // The new path goes in first, so the prefix never looks unreachable downstream.
      this.#kernel.put(Path.create(old.dest, 0, this.table.intern({ origin: 'igp' }), kernelPeerOf(this.#config, old.source.kernel, this.#kernel.peer)));
      previous.withdraw(old.prefix);
    }
  }

  #withdrawLocal(prefixes: readonly string[]): void {
    for (const prefix of prefixes) this.#local.withdraw(prefix);
  }

  // ------------------------------------------------------------------------------------------
  // Loc-RIB changes

  #onLocRibChange(dest: Dest, previousBest: Path | undefined): void {
    this.groups.enqueue(dest);
    if (this.#sink === undefined) return;
    this.#sinkBatch.push(changeOf(dest, previousBest));
    if (this.#sinkScheduled) return;
    this.#sinkScheduled = true;
    this.#schedule(this.#applySinkBatch);
  }

  /** Built once: a closure in `#onLocRibChange` (called per change) would cost a context per call. */
  readonly #applySinkBatch = (): void => {
    this.#sinkScheduled = false;
    const batch = this.#sinkBatch;
    this.#sinkBatch = [];
    this.#sink?.apply(batch);
  };

  // ------------------------------------------------------------------------------------------
  // Sessions

  #addPeer(peer: EffectivePeer): void {
    const session = this.#backend.create(peer, this.#config);
    const state = new PeerState(peer, session);
    this.#peers.set(peer.name, state);
    this.#attach(state, session);
    session.start();
  }

  #attach(state: PeerState, session: SessionHandle): void {
    const current = (): boolean => state.session === session;
    session.on('state', (from, to) => {
      if (current()) this.#log.info({ peer: state.peer.name, state: to, from }, `session ${from} -> ${to}`);
    });
    session.on('established', (negotiated) => {
      if (current()) this.#onEstablished(state, negotiated);
    });
    session.on('down', (down) => {
      if (current()) this.#onDown(state, down);
    });
    session.on('update', (update) => {
      if (current()) this.#onUpdate(state, update);
    });
    session.on('routeRefresh', (message) => {
      if (current()) this.#onRouteRefresh(state, message);
    });
    session.on('drain', () => {
      if (current() && state.group && state.member) state.group.drained(state.member);
    });
  }

  #peerInfo(state: PeerState, negotiated: Negotiated): PeerInfo {
    const p = state.peer;
    return makePeerInfo({
      name: p.name,
      address: p.address,
      routerId: negotiated.peerId,
      asn: negotiated.peerAs,
      kind: negotiated.internal ? 'ibgp' : 'ebgp',
      isClient: p.routeReflectorClient,
      ...importPolicyOf(p),
    });
  }

  #onEstablished(state: PeerState, negotiated: Negotiated): void {
    state.negotiated = negotiated;
    const info = this.#peerInfo(state, negotiated);
    const old = state.rib;
    if (old && !samePeerInfo(old.info, info)) {
      // A different speaker (router ID, AS or role) behind the address: its old routes are not
      // this one's to refresh.
      old.clear();
      state.rib = undefined;
    }
    // Import settings changed while the session was down: judge the kept routes anew.
    if (state.rib && !sameImportPolicy(state.rib.info, info)) this.#resource(state, info, true);
    state.rib ??= new PeerRib(info, this.table, this.locRib, this.#selfNow);
    if (state.rib.hasStale()) {
      // RFC 4724 §4.2: without graceful restart this time, the stale routes go at once;
      // with it, they wait for End-of-RIB, bounded by the restart time.
      const gracefulRestart = negotiated.gracefulRestart;
      if (gracefulRestart === undefined) this.#sweep(state);
      else {
        // RFC 4724 §4.2: a family the new OPEN leaves out, or lists with the Forwarding State
        // bit clear, lost its forwarding state: its stale routes go at once.
        for (const [name, family] of UNICAST_FAMILIES) {
          const entry = gracefulRestart.families.find((f) => f.name === name);
          if (entry?.forwardingPreserved !== true) this.#sweep(state, family);
        }
        if (state.rib?.hasStale() === true) this.#armStaleTimer(state, gracefulRestart.restartTimeSec);
      }
    }
    this.#log.info({ peer: state.peer.name, state: 'Established', routerId: negotiated.peerId, holdTimeSec: negotiated.holdTimeSec }, 'session established');
    this.#joinGroup(state, true);
  }

  #onDown(state: PeerState, down: SessionDown): void {
    this.#leaveGroup(state);
    state.isolated = false;
    state.cancelLinkRetry?.();
    state.cancelLinkRetry = undefined;
    const negotiated = state.negotiated;
    state.negotiated = undefined;
    const rib = state.rib;
    this.#log.info({ peer: state.peer.name, state: 'Idle', reason: down.reason, ...notificationFields(down) }, 'session down');
    if (!rib || !down.wasEstablished) return;
    const restartTimeSec = negotiated?.gracefulRestart?.restartTimeSec;
    if (down.retainRoutes && restartTimeSec !== undefined && !this.#stopping) {
      const n = rib.markStale();
      this.#log.info({ peer: state.peer.name, stale: n, restartTimeSec }, 'graceful restart: keeping routes as stale');
      this.#armStaleTimer(state, restartTimeSec);
      return;
    }
    this.#cancelStale(state);
    rib.clear();
    state.rib = undefined;
  }

  #armStaleTimer(state: PeerState, seconds: number): void {
    this.#cancelStale(state);
    state.cancelStale = this.#timers.after(seconds * 1000, () => {
      state.cancelStale = undefined;
      this.#sweep(state);
    });
  }

  #sweep(state: PeerState, family?: 4 | 6): void {
    const rib = state.rib;
    if (!rib) return;
    const n = rib.sweepStale(family);
    if (family === undefined || !rib.hasStale()) this.#cancelStale(state);
    if (n > 0) this.#log.info({ peer: state.peer.name, removed: n }, 'stale routes swept');
    if (rib.received === 0 && state.negotiated === undefined) state.rib = undefined;
  }

  #onUpdate(state: PeerState, update: UpdateMessage): void {
    const rib = state.rib;
    if (!rib) return;
    const eor = isEndOfRib(update);
    if (eor) {
      // RFC 4724 §4.2: the peer's table is complete; what is still stale is gone.
      const family = unicastFamily(eor.afi, eor.safi);
      if (family !== undefined && state.cancelStale) this.#sweep(state, family);
      return;
    }
    if (update.problem) {
      this.#log.warn({ peer: state.peer.name, code: update.problem.code, subcode: update.problem.subcode, id: update.problem.id, action: update.problem.action }, update.problem.message);
    }
    rib.applyUpdate(update);
    this.#checkLimit(state, rib);
  }

  /** `maxPrefixes`: Cease 6/1 and a restart after a back-off, or a warning (RFC 4486 §4). */
  #checkLimit(state: PeerState, rib: PeerRib): void {
    const limit = state.peer.maxPrefixes;
    if (!limit) return;
    const over = rib.accepted > limit.limit;
    if (!over) {
      state.overLimit = false;
      return;
    }
    if (state.overLimit) return;
    state.overLimit = true;
    const fields = { peer: state.peer.name, limit: limit.limit, accepted: rib.accepted };
    if (limit.warningOnly) {
      this.#log.warn(fields, 'prefix limit exceeded (warning only)');
      return;
    }
    this.#log.warn({ ...fields, code: 6, subcode: CeaseSubcode.MAXIMUM_NUMBER_OF_PREFIXES_REACHED, restartMs: this.#maxPrefixRestartMs }, 'prefix limit exceeded: closing the session');
    const error = cease(CeaseSubcode.MAXIMUM_NUMBER_OF_PREFIXES_REACHED, 'cease.max-prefixes', `more than ${limit.limit} prefixes`, maxPrefixData(limit.limit));
    const session = state.session;
    void session.stop(error).then(() => {
      if (state.session !== session || this.#stopping) return;
      state.cancelRestart = this.#timers.after(this.#maxPrefixRestartMs, () => {
        state.cancelRestart = undefined;
        state.overLimit = false;
        if (state.session === session && !this.#stopping) session.start();
      });
    });
  }

  #onRouteRefresh(state: PeerState, message: RouteRefreshMessage): void {
    const name = afiSafiName(message.afi, message.safi);
    const family = unicastFamily(message.afi, message.safi);
    if (name === undefined || family === undefined) return;
    switch (message.subtype) {
      case 'normal':
        // RFC 2918 §4 / RFC 7313 §4: re-advertise the Adj-RIB-Out for the family.
        if (state.group && state.member) state.group.refresh(state.member, name, state.negotiated?.enhancedRouteRefresh === true);
        return;
      case 'borr':
        // RFC 7313 §4: the peer resends its table; what it does not resend goes at EoRR.
        state.rib?.markStale(family);
        return;
      case 'eorr':
        this.#sweep(state, family);
        return;
      default:
        return;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Update groups

  #groupSettings(state: PeerState, info: PeerInfo, negotiated: Negotiated): UpdateGroupSettings {
    const p = state.peer;
    const sessionLocal = state.session.info().localAddress;
    const v4 = this.#config.node.ipv4Address ? addressOf(this.#config.node.ipv4Address) : undefined;
    const v6 = this.#config.node.ipv6Address ? addressOf(this.#config.node.ipv6Address) : undefined;
    const localAddress = p.sourceAddress ?? sessionLocal ?? (p.family === 4 ? v4 : v6) ?? this.#self.routerId;
    // RFC 2545 §3: on a link, our IPv6 next hop may carry our link-local address (session-link.ts).
    state.link = p.family === 6 ? sessionLink({ peerAddress: p.address, ...(p.interface !== undefined ? { peerInterface: p.interface } : {}), localAddress: sessionLocal ?? localAddress }) : undefined;
    if (p.family === 6 && state.link === undefined && !localAddressListed(sessionLocal ?? localAddress)) this.#retryLink(state, 0);
    const ownV6 = ownIpv6NextHop(p.family === 6 ? localAddress : v6, state.link);
    const localAddressV6 = ownV6.global;
    const families = negotiated.families.filter((f) => UNICAST.includes(f));
    const send = negotiated.sendContext;
    const targetKind = targetKindOf(info);
    const exportFilter = exportFilterOf(p);
    const key = [
      state.isolated ? `isolated:${p.name}` : '', // a slow peer's group of its own (#isolate)
      this.#config.exportPolicy,
      exportFilter?.key ?? '', // §1.7: peers with different export rules never share UPDATEs
      p.localAsNumber, // prepended towards eBGP (BIRD `local as`)
      targetKind,
      negotiated.internal,
      localAddress,
      localAddressV6 ?? '',
      ownV6.linkLocal ?? '', // peers on different links never share a next hop (RFC 2545 §3)
      p.nextHopMode,
      families.join(','),
      send.fourOctetAs ?? true,
      (send.addPath ?? []).join(','),
      send.extendedMessage ?? false,
    ].join('|');
    const target = makeExportTarget({
      peer: info,
      self: { ...this.#self, asn: p.localAsNumber },
      localAddress,
      ...(localAddressV6 !== undefined ? { localAddressV6 } : {}),
      ...(ownV6.linkLocal !== undefined ? { linkLocalV6: ownV6.linkLocal } : {}),
      nextHopMode: p.nextHopMode,
    });
    return { key, target, toInternalPeer: negotiated.internal, targetKind, families, sendContext: send, ...(exportFilter ? { exportFilter } : {}) };
  }

  /**
   * A member that held its whole group back: it gets a group of its own (the full table again,
   * then withdrawals of what it no longer should hold, as any re-homing), the others go on.
   */
  #isolate(member: GroupMember): void {
    for (const state of this.#peers.values()) {
      if (state.member !== member || state.isolated) continue;
      state.isolated = true;
      this.#log.warn({ peer: state.peer.name }, 'peer is slow to take updates: moved out of its update group so the others are not held back');
      this.#rehome(state);
      return;
    }
  }

  #joinGroup(state: PeerState, initial: boolean): void {
    const rib = state.rib;
    const negotiated = state.negotiated;
    if (!rib || !negotiated) return;
    const session = state.session;
    const name = state.peer.name;
    const member: GroupMember = {
      name,
      peer: rib.info,
      send: (messages) => session.send(messages),
    };
    const group = this.groups.obtain(this.#groupSettings(state, rib.info, negotiated), (g) => this.locRib.forEachBest((_best, _set, dest) => g.addBacklog(dest)));
    state.group = group;
    state.member = member;
    group.join(member, { initial });
  }

  #leaveGroup(state: PeerState): void {
    if (state.group && state.member) this.groups.leave(state.group, state.member);
    state.group = undefined;
    state.member = undefined;
  }

  /**
   * Moves an established peer to the group its current settings call for (a policy change on
   * reload), without resetting it: the new group sends its table, and once it has, whatever the
   * peer still holds from the old group and the new one does not advertise is withdrawn.
   */
  #rehome(state: PeerState): void {
    const oldGroup = state.group;
    const oldMember = state.member;
    if (!oldGroup || !oldMember || !state.negotiated || !state.rib) return;
    const held = oldGroup.heldBy(oldMember);
    this.#leaveGroup(state);
    this.#joinGroup(state, false);
    const group = state.group;
    const member = state.member;
    if (!group || !member) return;
    group.onSettled(() => {
      if (state.member !== member) return;
      group.withdrawFrom(member, held);
    });
  }

  #cancelStale(state: PeerState): void {
    state.cancelStale?.();
    state.cancelStale = undefined;
  }

  /**
   * The session runs over an address no interface lists yet (session-link.ts
   * `localAddressListed`): look again shortly, and once the interface shows, re-home the peer so
   * its next hop gets the link-local (RFC 2545 §3). Up to 10 tries, a second apart.
   */
  #retryLink(state: PeerState, attempt: number): void {
    if (state.cancelLinkRetry !== undefined || attempt >= LINK_RETRIES) return;
    const session = state.session;
    state.cancelLinkRetry = this.#timers.after(LINK_RETRY_MS, () => {
      state.cancelLinkRetry = undefined;
      if (state.session !== session || !state.group || this.#stopping) return;
      const local = session.info().localAddress ?? state.peer.sourceAddress;
      if (local !== undefined && localAddressListed(local)) this.#rehome(state);
      else this.#retryLink(state, attempt + 1);
    });
  }

  #cancelTimers(state: PeerState): void {
    state.cancelLinkRetry?.();
    state.cancelLinkRetry = undefined;
    this.#cancelStale(state);
    state.cancelRestart?.();
    state.cancelRestart = undefined;
  }

  // ------------------------------------------------------------------------------------------
  // Operator commands

  peerNames(): string[] {
    return [...this.#peers.keys()];
  }

  /**
   * `petrel peer reset|disable|enable NAME [--message TEXT]`; false when no such peer. A message
   * goes to the peer's operator in the Cease NOTIFICATION (RFC 9003 shutdown communication).
   */
  /**
   * Stops one peer's session by itself (RFC 4271 AutomaticStop) with `why`, e.g. Cease / BFD Down
   * (RFC 9384); it comes back after the error-wait backoff. False when there is no such peer.
   */
  stopPeerAutomatically(name: string, why: BgpError): boolean {
    const state = this.#peers.get(name);
    if (!state) return false;
    state.session.stopAutomatically(why);
    return true;
  }

  peerAction(name: string, action: 'reset' | 'disable' | 'enable', message?: string): boolean {
    const state = this.#peers.get(name);
    if (!state) return false;
    this.#log.info({ peer: name, action, ...(message !== undefined ? { message } : {}) }, `operator: peer ${action}`);
    switch (action) {
      case 'reset':
        state.session.reset(message === undefined ? undefined : shutdownCease(message, CeaseSubcode.ADMINISTRATIVE_RESET));
        break;
      case 'disable':
        state.cancelRestart?.();
        state.cancelRestart = undefined;
        void state.session.stop(
          message === undefined ? cease(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, 'cease.admin-shutdown', 'disabled by the operator') : shutdownCease(message),
        );
        break;
      case 'enable':
        state.session.start();
        break;
    }
    return true;
  }

  /**
   * Applies a new, valid config (OpenBGPD's reconfigure): sessions are reset only when one of
   * their session settings changed; policy changes re-run export without resetting anyone.
   */
  async reload(next: Config): Promise<ReloadOutcome> {
    const diff: ConfigDiff = diffConfigs(this.#config, next);
    const before = this.#config;
    this.#config = next;
    this.#lastReload = new Date();
    const reset: string[] = [];
    const updated: string[] = [];
    const nextPeers = new Map(effectivePeers(next).map((p) => [p.name, p]));
    const stops: Promise<void>[] = [];

    for (const name of diff.peersRemoved) {
      const state = this.#peers.get(name);
      if (!state) continue;
      this.#peers.delete(name);
      stops.push(this.#retire(state, cease(CeaseSubcode.PEER_DECONFIGURED, 'cease.peer-deconfigured', 'peer removed from the configuration')));
    }

    const selfChanged = before.asNumber !== next.asNumber || before.routerId !== next.routerId || before.node.routeReflectorClusterId !== next.node.routeReflectorClusterId;
    if (selfChanged) this.#self = localSpeakerOf(next);
    if (diff.policyChanged.length > 0) this.#policy = exportPolicyOf(next);
    const oldOriginated = new Set(originatedPrefixes(before));
    const newOriginated = originatedPrefixes(next);
    if (selfChanged) {
      // Local routes carry our AS and router ID as their source: originate them afresh.
      this.#withdrawLocal([...oldOriginated]);
      this.#local = new AdjRibIn(localPeerOf(next), this.locRib);
      this.#originate(newOriginated);
      this.#resourceKernel();
    } else {
      this.#withdrawLocal([...oldOriginated].filter((p) => !newOriginated.includes(p)));
      this.#originate(newOriginated.filter((p) => !oldOriginated.has(p)));
    }

    for (const change of diff.peersChanged) {
      const state = this.#peers.get(change.name);
      const peer = nextPeers.get(change.name);
      if (!state || !peer) continue;
      if (change.session.length > 0) {
        reset.push(change.name);
        this.#peers.delete(change.name);
        const why = `configuration changed: ${change.session.join(', ')}`;
        stops.push(this.#retire(state, cease(CeaseSubcode.OTHER_CONFIGURATION_CHANGE, 'cease.config-change', why)).then(() => this.#addPeer(peer)));
        continue;
      }
      state.peer = peer;
      // Connect and error-wait times: the running session uses them from its next attempt or failure on.
      if (change.live.length > 0) state.session.retime(liveTimesOf(peer));
      if (change.policy.length > 0) {
        updated.push(change.name);
        this.#refreshPeerInfo(state, change.policy.includes('importRules'));
      }
    }
    for (const peer of diff.peersAdded) this.#addPeer(peer);
    // The ECMP bounds apply live: every prefix's set is recomputed, the kernel sink gets the changes.
    if (diff.otherChanged.includes('multipath')) this.locRib.setOptions(decisionOptionsOf(next));

    if (diff.policyChanged.length > 0 || selfChanged) {
      // Re-run export everywhere: each group re-examines the Loc-RIB and what it advertised.
      this.groups.setPolicy(this.#policy);
      if (selfChanged) for (const state of this.#peers.values()) this.#rehome(state);
    }
    await Promise.all(stops);
    this.#log.info({ added: diff.peersAdded.map((p) => p.name), removed: diff.peersRemoved, reset, updated, policy: diff.policyChanged, other: diff.otherChanged }, 'configuration reloaded');
    return {
      peersAdded: diff.peersAdded.map((p) => p.name),
      peersRemoved: diff.peersRemoved,
      peersReset: reset,
      peersUpdated: updated,
      policyChanged: diff.policyChanged,
      otherChanged: diff.otherChanged,
    };
  }

  /**
   * A peer's role or policy changed (route reflector client, next-hop mode, filters): re-source
   * its routes, re-home it. Changed import rules re-run import as BIRD reloads a protocol: a
   * ROUTE-REFRESH per family when the peer supports it (RFC 2918), else the stored Adj-RIB-In,
   * rejected paths included, is judged again here.
   */
  #refreshPeerInfo(state: PeerState, importRulesChanged = false): void {
    const rib = state.rib;
    const negotiated = state.negotiated;
    if (!rib || !negotiated) return;
    const info = this.#peerInfo(state, negotiated);
    const askPeer = importRulesChanged && negotiated.routeRefresh;
    if (!samePeerInfo(rib.info, info) || !sameImportPolicy(rib.info, info)) this.#resource(state, info, !askPeer);
    if (askPeer) {
      this.#log.info({ peer: state.peer.name }, 'import rules changed: requesting route refresh');
      state.session.send(routeRefreshRequests(negotiated));
    }
    this.#rehome(state);
  }

  /** Moves the peer's stored paths to `info`; `reevaluate`: judge them under its import settings. */
  #resource(state: PeerState, info: PeerInfo, reevaluate: boolean): void {
    const rib = state.rib;
    if (!rib) return;
    const fresh = new PeerRib(info, this.table, this.locRib, this.#selfNow);
    for (const path of [...rib.adjIn]) {
      // Judged again from what the peer sent, not from what earlier import operations made of it.
      const received = rib.receivedAttrs(path);
      if (!reevaluate) {
        fresh.applyPath(resourcedPath(path, info, path.ineligible), received);
        continue;
      }
      const again = reimport(path, info, this.#self, received);
      fresh.applyPath(resourcedPath(path, info, again.ineligible, again.attrs), received);
    }
    rib.clear();
    state.rib = fresh;
  }

  async #retire(state: PeerState, why: BgpError): Promise<void> {
    this.#cancelTimers(state);
    await state.session.stop(why);
    // The 'down' event withdrew its routes unless it never came up; GR does not apply to removal.
    this.#leaveGroup(state);
    state.rib?.clear();
    state.rib = undefined;
    this.#backend.retire?.(state.session);
  }

  // ------------------------------------------------------------------------------------------
  // Views for `petrel show`

  status(): StatusView {
    let established = 0;
    for (const state of this.#peers.values()) if (state.negotiated) established++;
    return {
      version: this.#version,
      routerId: this.#self.routerId,
      asNumber: this.#self.asn,
      nodeName: this.#config.node.name,
      routeReflectorClusterId: this.#self.clusterId ?? null,
      startedAt: this.#startedAt.toISOString(),
      lastReload: this.#lastReload?.toISOString() ?? null,
      peers: this.#peers.size,
      peersEstablished: established,
      prefixes: this.locRib.size,
      exportPolicy: this.#config.exportPolicy,
      kernel: this.#config.kernel.enabled ? 'enabled' : 'disabled',
    };
  }

  peers(): PeerView[] {
    const counts = new Map<UpdateGroup, Map<string, number>>();
    const advertised = (state: PeerState): number => {
      const group = state.group;
      if (!group || !state.member) return 0;
      let held = counts.get(group);
      if (!held) counts.set(group, (held = group.heldBackByAddress()));
      return group.adjRibOut.size - (held.get(state.member.peer.address) ?? 0);
    };
    return [...this.#peers.values()].map((state) => {
      const info = state.session.info();
      const n = state.negotiated;
      return {
        name: state.peer.name,
        address: state.peer.address,
        asNumber: state.peer.asNumber,
        state: info.state,
        since: info.since.toISOString(),
        holdTimeSec: n?.holdTimeSec ?? null,
        routerId: n?.peerId ?? null,
        prefixesReceived: state.rib?.received ?? 0,
        prefixesAccepted: state.rib?.accepted ?? 0,
        prefixesAdvertised: advertised(state),
        localAddress: info.localAddress ?? null,
        disabled: info.disabled,
        lastError: info.lastError ?? null,
        nextAttemptInSec: info.nextAttemptInMs === undefined ? null : Math.ceil(info.nextAttemptInMs / 1000),
        openDelayedForSec: info.openDelayedForMs === undefined ? null : Math.ceil(info.openDelayedForMs / 1000),
        // BFD is the daemon's (bfd-plane.ts), which fills this in for `show peers`.
        bfdState: null,
      };
    });
  }

  /** The interface a peer's session runs over when it shares a link with us (RFC 2545 §3). */
  linkOf(peerName: string): string | undefined {
    return this.#peers.get(peerName)?.link?.interface;
  }

  /** Every candidate path, of one prefix or of all (one pass over the table), best first per prefix. */
  routes(prefix?: string): RouteView[] {
    const links = (peerName: string): string | undefined => this.linkOf(peerName);
    if (prefix !== undefined) return routeViews(this.locRib, prefix, links);
    const out: RouteView[] = [];
    for (const dest of this.locRib.dests()) if (dest.paths !== undefined) out.push(...routeViews(this.locRib, dest.prefix, links));
    return out;
  }
}

function samePeerInfo(a: PeerInfo, b: PeerInfo): boolean {
  return a.routerId === b.routerId && a.asn === b.asn && a.kind === b.kind && a.isClient === b.isClient && a.address === b.address && a.name === b.name;
}

function localSpeakerOf(config: Config): LocalSpeaker {
  return { asn: config.asNumber, routerId: config.routerId, clusterId: config.node.routeReflectorClusterId };
}

function localPeerOf(config: Config): PeerInfo {
  return makePeerInfo({ name: LOCAL_NAME, routerId: config.routerId, asn: config.asNumber, kind: 'local' });
}

/** The kernel table's source; each learned route's own (with its interface) when `kernel` is given. */
function kernelPeerOf(config: Config, kernel?: KernelRouteInfo, owner?: PeerInfo): PeerInfo {
  return makePeerInfo({ name: KERNEL_NAME, routerId: config.routerId, asn: config.asNumber, kind: 'local', preference: Preference.KERNEL, ...(kernel ? { kernel } : {}), ...(owner ? { owner } : {}) });
}

function notificationFields(down: SessionDown): Record<string, number | string> {
  const text = shutdownCommunicationOf(down);
  const communication = text === undefined ? {} : { shutdownCommunication: text };
  if (down.sent) return { code: down.sent.code, subcode: down.sent.subcode, direction: 'sent', ...communication };
  if (down.received) return { code: down.received.code, subcode: down.received.subcode, direction: 'received', ...communication };
  return {};
}
