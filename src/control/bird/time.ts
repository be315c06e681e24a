/**
 * BIRD 1.6's default time formats, in local time like BIRD's `localtime()`: protocol and route
 * times (`timeformat protocol`/`route`) are `%T` within 20 hours and `%F` after, and `show
 * status` uses `%F %T`. Both protocol forms are one word, which calicoctl relies on when it
 * splits a `show protocols` row on white space.
 */

/** BIRD's switch from time of day to date for protocol and route times. */
const RECENT_LIMIT_MS = 20 * 3600 * 1000;

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** `%F`: 2024-03-01. */
function date(t: Date): string {
  return `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())}`;
}

/** `%T`: 09:34:47. */
function timeOfDay(t: Date): string {
  return `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}`;
}

/** A protocol's or route's time: `%T` when less than 20 hours ago, else `%F`. */
export function formatSince(t: Date, now: Date): string {
  return now.getTime() - t.getTime() < RECENT_LIMIT_MS ? timeOfDay(t) : date(t);
}

/** `show status` times: `%F %T`. */
export function formatDateTime(t: Date): string {
  return `${date(t)} ${timeOfDay(t)}`;
}
