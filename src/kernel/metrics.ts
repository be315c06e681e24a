/**
 * Kernel syncer counters, a plain object the daemon exports as Prometheus metrics
 * (`petrel_kernel_routes{state}` from `routesByState`, the totals as counters), so this folder
 * needs no metrics library.
 */
import type { RouteState, RouteStatus } from './fib-port.js';

export interface KernelCounters {
  /** Routes written successfully (adds and replacements). */
  installed: number;
  /** petrel's routes deleted successfully. */
  removed: number;
  /** Writes the kernel refused, other than conflicts; each route's refusal is logged once. */
  failed: number;
  /** Routes that met another owner's route at the same prefix and metric (`File exists`). */
  conflicts: number;
  /** Full dumps after the start: overflow (ENOBUFS), a vanished link or address, the periodic safety net. */
  resyncs: number;
  /** Receive-buffer overflows reported by the kernel. */
  overflows: number;
  /** petrel routes found missing or changed behind its back and written again. */
  repaired: number;
  /** petrel routes found in the kernel at start and kept (persist). */
  adopted: number;
}

export function newKernelCounters(): KernelCounters {
  return { installed: 0, removed: 0, failed: 0, conflicts: 0, resyncs: 0, overflows: 0, repaired: 0, adopted: 0 };
}

/** Route counts by state, every state present (zeros included) for a stable gauge. */
export function routesByState(routes: readonly RouteStatus[]): Record<RouteState, number> {
  const counts: Record<RouteState, number> = { installed: 0, pending: 0, conflict: 0, failed: 0, stale: 0 };
  for (const { state } of routes) counts[state]++;
  return counts;
}
