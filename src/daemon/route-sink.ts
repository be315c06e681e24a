/**
 * Where Loc-RIB best-path changes go besides the update groups: the kernel syncer (src/kernel/)
 * implements this to program the FIB. Changes are delivered in batches, once per event-loop turn,
 * in the order they happened; a prefix may appear more than once in a batch (the last wins).
 */
import type { LocRibChange } from '../rib/loc-rib.js';

export interface RouteSink {
  apply(changes: readonly LocRibChange[]): void;
}
