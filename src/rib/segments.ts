/**
 * A list that grows in fixed segments (BIRD's slab pages, in spirit): appending never copies what
 * is already there, and a prefix of it can be dropped a segment at a time. Both matter at a
 * million entries: a JS array doubled by `push` copies itself about twenty times on the way, and
 * each discarded backing store (megabytes, in V8's large-object space) stays in the process until
 * the next full collection, so a growing route table or export journal held two to three times
 * its own size at its peak. Segments are small, ordinary heap objects.
 *
 * Items have absolute positions: the first pushed is at 0, and dropping leading items does not
 * renumber the rest (the export journal's readers keep positions as cursors). Positions are
 * plain numbers, safe far beyond 2^32 (a journal's position only grows).
 */

/** Items per segment: 64 KiB of references, below V8's large-object threshold. */
export const SEGMENT = 8192;
const SEGMENT_BITS = 13;
/** Positions below this split into segment and offset with integer shifts (above, with division). */
const SHIFTABLE = 2 ** 31;

/** The number of the segment holding `position` (exported for its test). */
export function segmentNumber(position: number): number {
  return position < SHIFTABLE ? position >>> SEGMENT_BITS : Math.floor(position / SEGMENT);
}

export class Segments<T> {
  #segments: T[][] = [];
  /** Number of the segment `#segments[0]` is (segments before it were dropped). */
  #first = 0;
  #start = 0;
  #end = 0;

  /** Position just past the last item. */
  get end(): number {
    return this.#end;
  }

  /** First position still held (items before it were dropped). */
  get start(): number {
    return this.#start;
  }

  push(item: T): void {
    const end = this.#end;
    const offset = end % SEGMENT;
    let segment = this.#segments[segmentNumber(end) - this.#first];
    if (segment === undefined) {
      segment = new Array<T>(SEGMENT);
      this.#segments.push(segment);
    }
    segment[offset] = item;
    this.#end = end + 1;
  }

  /** The item at `position` (from `start` to `end` − 1). */
  at(position: number): T {
    return this.#segments[segmentNumber(position) - this.#first]![position % SEGMENT]!;
  }

  /**
   * The segment holding `position` (the item is at `position % SEGMENT` in it): a loop over a run
   * of positions reads each segment's items directly instead of calling `at` for each.
   */
  segmentOf(position: number): readonly T[] {
    return this.#segments[segmentNumber(position) - this.#first]!;
  }

  /** Lets go of the items before `position` a whole segment at a time (their positions stay unused). */
  dropBefore(position: number): void {
    const whole = Math.floor(Math.min(position, this.#end) / SEGMENT) - this.#first;
    if (whole <= 0) return;
    this.#segments.splice(0, whole);
    this.#first += whole;
    this.#start = this.#first * SEGMENT;
  }

  /** Drops every item; the next one pushed takes position `end` (positions are never reused). */
  clear(): void {
    this.#segments = [];
    this.#first = Math.floor(this.#end / SEGMENT);
    this.#start = this.#end;
  }

  /** Items from `start`, including those pushed while iterating. */
  *values(): IterableIterator<T> {
    for (let i = this.start; i < this.#end; i++) yield this.at(i);
  }
}
