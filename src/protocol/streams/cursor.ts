/**
 * The cursor of live reads (`Stream-Cursor`, SSE's `streamCursor`): the number of the
 * 20-second interval since 2024-10-09, so that CDNs collapse the long-polls of one interval;
 * a client that echoes a cursor not older than the current one gets a later one (a random
 * jitter of up to an hour), so that its next request is never served from the same cache
 * entry. The rules of the Durable Streams protocol (its section on caching).
 *
 * @module
 */

/** The length of an interval, in milliseconds. */
const INTERVAL_MS = 20_000;
/** The start of interval 0. */
const CURSOR_EPOCH_MS = Date.UTC(2024, 9, 9);
/** The most jitter added on a collision, in seconds. */
const MAX_JITTER_SECONDS = 3600;

/**
 * The cursor of an answer.
 *
 * @param echoed The `cursor` query parameter of the request, if any.
 * @param now The time, in milliseconds since the Unix epoch.
 * @param random A number in [0, 1).
 * @returns Decimal digits.
 *
 * @example
 * ```ts
 * import { responseCursor } from "./cursor.ts";
 * import assert from "node:assert/strict";
 *
 * const now = Date.UTC(2025, 0, 1);
 * const cursor = responseCursor(undefined, now);
 * assert.match(cursor, /^\d+$/);
 * assert.ok(Number(responseCursor(cursor, now)) > Number(cursor));
 * ```
 */
export function responseCursor(
  echoed: string | undefined,
  now: number = Date.now(),
  random: number = Math.random(),
): string {
  const current = Math.floor((now - CURSOR_EPOCH_MS) / INTERVAL_MS);
  if (echoed === undefined || !/^\d{1,15}$/.test(echoed)) return String(current);
  const client = Number(echoed);
  if (client < current) return String(current);
  const jitterSeconds = 1 + Math.floor(random * MAX_JITTER_SECONDS);
  return String(client + Math.max(1, Math.ceil(jitterSeconds / (INTERVAL_MS / 1000))));
}
