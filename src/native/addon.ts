/**
 * Loads petrel's native addon (native/*.c, built by node-gyp into build/Release/petrel.node on
 * `npm install`) on first use, so that importing this package never fails where the addon is
 * not needed. Every function returns an errno name instead of throwing on a syscall failure.
 */
import { createRequire } from 'node:module';

/** An errno name such as "ECONNREFUSED". */
export type ErrnoName = string;

declare const watchHandleBrand: unique symbol;
/** Opaque handle of a native fd watcher. */
export interface WatchHandle {
  readonly [watchHandleBrand]: true;
}

export type NetlinkBatchCallback = (error: ErrnoName | undefined, datagrams: Buffer[]) => void;
export type ConnectCallback = (error: ErrnoName | undefined) => void;

export interface PetrelAddon {
  tcpSocket(ipVersion: 4 | 6): number | ErrnoName;
  bindAddress(fd: number, address: string, port: number): ErrnoName | undefined;
  /** undefined when connected at once, "EINPROGRESS" while the handshake runs, else the error. */
  connect(fd: number, address: string, port: number): ErrnoName | undefined;
  setTcpMd5(fd: number, peerAddress: string, key: Buffer): ErrnoName | undefined;
  setIntOption(fd: number, level: number, name: number, value: number): ErrnoName | undefined;
  getIntOption(fd: number, level: number, name: number): number | ErrnoName;
  socketError(fd: number): ErrnoName | undefined;
  closeFd(fd: number): ErrnoName | undefined;
  netlinkSocket(protocol: number): number | ErrnoName;
  netlinkPortId(fd: number): number | ErrnoName;
  netlinkSend(fd: number, datagram: Buffer): ErrnoName | undefined;
  /** Attaches a socket filter dropping datagrams whose first nlmsg_pid is `port`. */
  netlinkSkipPort(fd: number, port: number): ErrnoName | undefined;
  watchNetlink(fd: number, callback: NetlinkBatchCallback): WatchHandle | ErrnoName;
  watchConnect(fd: number, callback: ConnectCallback): WatchHandle | ErrnoName;
  unwatch(handle: WatchHandle): undefined;
  refWatch(handle: WatchHandle, ref: boolean): undefined;
  sdNotify(socketName: string, message: Buffer): ErrnoName | undefined;
  /** The constants' values in the headers the addon was compiled against. */
  readonly headerConstants: Readonly<Record<string, number>>;
}

const FUNCTION_NAMES = [
  'tcpSocket', 'bindAddress', 'connect', 'setTcpMd5', 'setIntOption', 'getIntOption', 'socketError',
  'closeFd', 'netlinkSocket', 'netlinkPortId', 'netlinkSend', 'netlinkSkipPort', 'watchNetlink',
  'watchConnect', 'unwatch', 'refWatch', 'sdNotify',
] as const satisfies readonly (keyof PetrelAddon)[];

// src/native/ and dist/native/ are both two levels below the package root.
const ADDON_PATH = '../../build/Release/petrel.node';

let loaded: PetrelAddon | undefined;

function isPetrelAddon(value: unknown): value is PetrelAddon {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return FUNCTION_NAMES.every((name) => typeof record[name] === 'function');
}

function isModuleNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'MODULE_NOT_FOUND';
}

/** The addon, loaded once; throws a clear error when it was never built or is out of date. */
export function addon(): PetrelAddon {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  let module: unknown;
  try {
    module = require(ADDON_PATH);
  } catch (cause) {
    if (isModuleNotFound(cause)) throw new Error('native addon not built: run npm install', { cause });
    throw cause;
  }
  if (!isPetrelAddon(module)) throw new Error('native addon is out of date: run npm install');
  loaded = module;
  return loaded;
}
