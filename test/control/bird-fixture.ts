/**
 * A `BirdCliSource` made of plain records and a real Loc-RIB, for the BIRD socket's format and
 * parser tests: times are local (BIRD prints local time), fixed, and chosen to match the
 * reference lines captured from BIRD 1.6.8.
 */
import type { AsPathSegment } from '../../src/bgp/types.js';
import type { BirdCliSource, BirdDaemonStatus, BirdPeer } from '../../src/control/bird/source.js';
import type { RecoveryStatus } from '../../src/control/bird/recovery.js';
import { AttrTable, type PathAttributesInit } from '../../src/rib/attr-set.js';
import { DEFAULT_DECISION_OPTIONS } from '../../src/rib/decision.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import { makePeerInfo, Path, type PeerInfo } from '../../src/rib/path.js';

/** 2026-11-26 at the given local time. */
export function at(hours: number, minutes: number, seconds: number): Date {
  return new Date(2026, 10, 26, hours, minutes, seconds);
}

export function peer(overrides: Partial<BirdPeer> & Pick<BirdPeer, 'name' | 'address'>): BirdPeer {
  return {
    asNumber: 64512,
    state: 'Established',
    since: at(9, 35, 35),
    disabled: false,
    passive: false,
    internal: true,
    multihop: true,
    routeReflectorClient: false,
    routerId: null,
    localAddress: null,
    lastError: null,
    prefixesAccepted: 0,
    prefixesAdvertised: 0,
    ...overrides,
  };
}

export interface FixtureOptions {
  readonly peers?: readonly BirdPeer[];
  readonly now?: Date;
  readonly startedAt?: Date;
  readonly kernel?: boolean;
  readonly recovery?: RecoveryStatus;
  /** Next hop → interface; others are unreachable. */
  readonly interfaces?: Readonly<Record<string, string>>;
  /** Peer name → the interface its session runs over (link-local next hops). */
  readonly links?: Readonly<Record<string, string>>;
}

export class BirdFixture implements BirdCliSource {
  readonly routes = new LocRib(DEFAULT_DECISION_OPTIONS);
  readonly table = new AttrTable();
  peerList: BirdPeer[];
  recoveryStatus: RecoveryStatus | undefined;
  readonly #options: FixtureOptions;
  readonly #status: BirdDaemonStatus;

  constructor(options: FixtureOptions = {}) {
    this.#options = options;
    this.peerList = [...(options.peers ?? [])];
    this.recoveryStatus = options.recovery;
    const startedAt = options.startedAt ?? at(9, 34, 47);
    this.#status = { version: '0.1.0', routerId: '10.0.0.1', startedAt, lastReconfiguration: startedAt, kernel: options.kernel ?? true };
  }

  now(): Date {
    return this.#options.now ?? at(9, 35, 42);
  }

  status(): BirdDaemonStatus {
    return this.#status;
  }

  peers(): readonly BirdPeer[] {
    return this.peerList;
  }

  recovery(): RecoveryStatus | undefined {
    return this.recoveryStatus;
  }

  interfaceFor(nextHop: string): string | undefined {
    return this.#options.interfaces?.[nextHop];
  }

  linkOf(peerName: string): string | undefined {
    return this.#options.links?.[peerName];
  }

  /** A BGP path from one of the peers. */
  learn(prefix: string, from: BirdPeer, attrs: Partial<PathAttributesInit> = {}, asPath: readonly number[] = []): Path {
    const segments: AsPathSegment[] = asPath.length === 0 ? [] : [{ type: 'sequence', asns: asPath }];
    const info = makePeerInfo({ name: from.name, address: from.address, routerId: from.address, asn: from.asNumber, kind: from.internal ? 'ibgp' : 'ebgp' });
    return this.#add(prefix, info, { origin: 'igp', asPath: segments, nextHops: [from.address], ...(from.internal ? { localPref: 100 } : {}), ...attrs });
  }

  /** A block petrel originates (BIRD's static blackhole). */
  originate(prefix: string): Path {
    return this.#add(prefix, makePeerInfo({ name: 'local', routerId: '10.0.0.1', asn: 64512, kind: 'local' }), { origin: 'igp' });
  }

  /** A route learned from the kernel (Felix's `cali*` routes). */
  kernelRoute(prefix: string, ifname: string): Path {
    return this.#add(prefix, makePeerInfo({ name: 'local', routerId: '10.0.0.1', asn: 64512, kind: 'local', kernel: { ifname, metric: 0 } }), { origin: 'incomplete' });
  }

  #add(prefix: string, info: PeerInfo, init: PathAttributesInit): Path {
    const path = Path.create(prefix, 0, this.table.intern(init), info);
    this.routes.put(path);
    return path;
  }
}
