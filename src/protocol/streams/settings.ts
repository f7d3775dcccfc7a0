/**
 * What a stream is created with (PUT `/v1/stream/{name}`): its content type, its time to live
 * or expiry time, and whether it is created closed. Read from the request's headers here, so
 * that a second PUT can be compared with the first (same settings: 200; others: 409).
 *
 * @module
 */
import {
  DEFAULT_STREAM_CONTENT_TYPE,
  STREAM_CLOSED_HEADER,
  STREAM_EXPIRES_AT_HEADER,
  STREAM_TTL_HEADER,
  streamMediaType,
} from "./headers.ts";

/** A stream's settings, as its creation gave them. */
export interface StreamSettings {
  /** The content type, as given (its media type is compared case-insensitively). */
  contentType: string;
  /** Seconds to live after the last read or write, or `null`. */
  ttlSeconds: number | null;
  /** The expiry time as given (RFC 3339), or `null`. */
  expiresAt: string | null;
}

/**
 * The settings and the closed flag of a create request.
 *
 * @param headers The PUT's headers.
 * @returns The settings, and whether the stream is created closed.
 * @throws {RangeError} When both a TTL and an expiry time are given, the TTL is not a
 * decimal integer without leading zeros, or the expiry time is not a date.
 *
 * @example
 * ```ts
 * import { readStreamSettings } from "./settings.ts";
 * import assert from "node:assert/strict";
 *
 * const { settings, closed } = readStreamSettings(
 *   new Headers({ "content-type": "text/plain", "stream-ttl": "60" }),
 * );
 * assert.deepEqual(settings, { contentType: "text/plain", ttlSeconds: 60, expiresAt: null });
 * assert.equal(closed, false);
 * assert.throws(() => readStreamSettings(new Headers({ "stream-ttl": "060" })), RangeError);
 * ```
 */
export function readStreamSettings(headers: Headers): {
  settings: StreamSettings;
  closed: boolean;
} {
  const given = headers.get("content-type");
  const contentType = given !== null && /^[\w.+-]+\/[\w.+-]+/.test(given.trim())
    ? given.trim()
    : DEFAULT_STREAM_CONTENT_TYPE;
  const ttl = headers.get(STREAM_TTL_HEADER);
  const expiresAt = headers.get(STREAM_EXPIRES_AT_HEADER);
  if (ttl !== null && expiresAt !== null) {
    throw new RangeError(`Give ${STREAM_TTL_HEADER} or ${STREAM_EXPIRES_AT_HEADER}, not both`);
  }
  let ttlSeconds: number | null = null;
  if (ttl !== null) {
    if (!/^(0|[1-9]\d{0,14})$/.test(ttl)) {
      throw new RangeError(`${STREAM_TTL_HEADER} must be whole seconds, got "${ttl}"`);
    }
    ttlSeconds = Number(ttl);
  }
  if (expiresAt !== null && Number.isNaN(Date.parse(expiresAt))) {
    throw new RangeError(`${STREAM_EXPIRES_AT_HEADER} must be a date, got "${expiresAt}"`);
  }
  return {
    settings: { contentType, ttlSeconds, expiresAt },
    closed: headers.get(STREAM_CLOSED_HEADER) === "true",
  };
}

/**
 * Whether two creations ask for the same stream (an idempotent PUT).
 *
 * @param a One stream's settings.
 * @param b The other's.
 * @returns `true` when the media types, TTLs and expiry times are equal.
 *
 * @example
 * ```ts
 * import { sameSettings } from "./settings.ts";
 * import assert from "node:assert/strict";
 *
 * const a = { contentType: "text/plain", ttlSeconds: null, expiresAt: null };
 * assert.equal(sameSettings(a, { ...a, contentType: "TEXT/PLAIN" }), true);
 * assert.equal(sameSettings(a, { ...a, ttlSeconds: 5 }), false);
 * ```
 */
export function sameSettings(a: StreamSettings, b: StreamSettings): boolean {
  return streamMediaType(a.contentType) === streamMediaType(b.contentType) &&
    a.ttlSeconds === b.ttlSeconds &&
    (a.expiresAt === b.expiresAt ||
      (a.expiresAt !== null && b.expiresAt !== null &&
        Date.parse(a.expiresAt) === Date.parse(b.expiresAt)));
}

/**
 * When a stream expires, given its settings and its last use.
 *
 * @param settings The stream's settings.
 * @param lastUsed Its last read or write, in milliseconds since the Unix epoch.
 * @returns The expiry time in milliseconds, or `Infinity` for a stream that never expires.
 *
 * @example
 * ```ts
 * import { expiryOf } from "./settings.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(expiryOf({ contentType: "a/b", ttlSeconds: 2, expiresAt: null }, 1000), 3000);
 * ```
 */
export function expiryOf(settings: StreamSettings, lastUsed: number): number {
  if (settings.ttlSeconds !== null) return lastUsed + settings.ttlSeconds * 1000;
  if (settings.expiresAt !== null) return Date.parse(settings.expiresAt);
  return Infinity;
}
