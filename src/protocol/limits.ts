/**
 * The limits of the HTTP API that both sides rely on (PROTOCOL.md, Limits): the server
 * enforces them, and the client and the command line size their requests by them.
 *
 * @example
 * ```ts
 * import { MAX_BATCH_RECORDS } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(MAX_BATCH_RECORDS, 1000);
 * ```
 *
 * @module
 */
/**
 * The most records in one batch append (`POST /logs/{name}/batch`).
 *
 * @example
 * ```ts
 * import { MAX_BATCH_RECORDS } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(MAX_BATCH_RECORDS, 1000);
 * ```
 */
export const MAX_BATCH_RECORDS = 1000;

/** The most bytes in one batch append's body, its length prefixes included: 8 MiB. */
export const MAX_BATCH_BYTES = 8 * 1024 * 1024;

/** The most records one batch read returns (`GET /logs/{name}/records?limit=`). */
export const MAX_READ_LIMIT = 1000;

/** The records a batch read returns when it has no `limit`. */
export const DEFAULT_READ_LIMIT = 100;

/**
 * The checked `limit` of a batch read: {@linkcode DEFAULT_READ_LIMIT} when none is given.
 *
 * @param limit The limit asked for.
 * @returns The limit.
 * @throws {RangeError} When it is not an integer from 1 to {@linkcode MAX_READ_LIMIT}.
 */
export function readLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_READ_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_READ_LIMIT) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_READ_LIMIT}, got "${limit}"`);
  }
  return limit;
}

/** A batch read stops once it holds this many record bytes (it always holds one record). */
export const MAX_READ_BYTES = 4 * 1024 * 1024;

/** The most bytes in a configuration body (`PUT /logs/{name}/config`). */
export const MAX_CONFIG_BYTES = 4096;

/** The most records in one tail frame. */
export const MAX_FRAME_RECORDS = 256;

/** A tail frame stops once it holds this many record bytes (it always holds one record). */
export const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * The largest `maxRecordSize` a log accepts: a Durable Object's SQLite row holds at most
 * 2,000,000 bytes, and a record's row also holds its position and creation time.
 */
export const MAX_RECORD_SIZE_LIMIT = 2_000_000 - 1_000;

/** The most tails connected to one log at once, unless `MAX_TAILS_PER_LOG` says otherwise. */
export const DEFAULT_MAX_TAILS = 2000;

/**
 * The largest request body any route accepts (a batch's {@linkcode MAX_BATCH_BYTES}), and so
 * the most bytes of a refused body the server reads and drops before it answers (PROTOCOL.md,
 * Errors). A body declared larger is refused from its `Content-Length` and never read.
 */
export const DRAIN_LIMIT = Math.max(MAX_BATCH_BYTES, MAX_RECORD_SIZE_LIMIT, MAX_CONFIG_BYTES);

/**
 * The most digits of an integer in a path, query or header (leading zeros counted): 16,
 * enough for every safe integer.
 */
export const MAX_INTEGER_DIGITS = 16;

const DECIMAL = new RegExp(`^[0-9]{1,${MAX_INTEGER_DIGITS}}$`);

/**
 * Parses an integer as the API writes them (PROTOCOL.md, Conventions): plain decimal digits
 * only (no sign, exponent, fraction or spaces), at most {@linkcode MAX_INTEGER_DIGITS} of
 * them, and a safe integer.
 *
 * @param name The parameter's or header's name, for the message.
 * @param text The text.
 * @returns The integer.
 * @throws {RangeError} When `text` is not such an integer (the server answers it 400
 * `BAD_REQUEST`).
 *
 * @example
 * ```ts ignore
 * parseDecimal("from", "0042"); // 42
 * parseDecimal("from", "1e3"); // throws RangeError
 * ```
 */
export function parseDecimal(name: string, text: string): number {
  if (!DECIMAL.test(text)) {
    throw new RangeError(`${name} must be a non-negative integer, got "${text}"`);
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`${name} must be a safe integer, got "${text}"`);
  }
  return n;
}
