/**
 * Durable Streams offsets in edgelog: an offset names the position of the next record to
 * read, as 16 decimal digits (zero-padded, so that offsets sort as strings in the order of
 * the log), and two sentinels: `-1` (the stream's beginning) and `now` (its tail).
 *
 * @module
 */
import { MAX_INTEGER_DIGITS } from "../limits.ts";

/** The digits of an offset. */
const OFFSET_DIGITS = 16;
/** The sentinel of the stream's beginning. */
export const BEGINNING_OFFSET = "-1";
/** The sentinel of the stream's tail. */
export const NOW_OFFSET = "now";

/** A read's start: a position, the beginning or the tail. */
export type StreamStart = number | "beginning" | "now";

/**
 * The offset of a position.
 *
 * @param position The position of the next record (the log's end for the tail).
 * @returns The offset: 16 digits.
 *
 * @example
 * ```ts
 * import { encodeStreamOffset } from "./offset.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(encodeStreamOffset(42), "0000000000000042");
 * assert.ok(encodeStreamOffset(9) < encodeStreamOffset(10));
 * ```
 */
export function encodeStreamOffset(position: number): string {
  return String(position).padStart(OFFSET_DIGITS, "0");
}

/**
 * Reads the `offset` query parameter.
 *
 * @param offset The parameter (`undefined` when absent: the beginning).
 * @returns The start.
 * @throws {RangeError} When it is empty, or neither a sentinel nor an offset of this server.
 *
 * @example
 * ```ts
 * import { decodeStreamOffset } from "./offset.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(decodeStreamOffset("0000000000000042"), 42);
 * assert.equal(decodeStreamOffset("-1"), "beginning");
 * assert.equal(decodeStreamOffset("now"), "now");
 * assert.throws(() => decodeStreamOffset("0,1"), RangeError);
 * ```
 */
export function decodeStreamOffset(offset: string | undefined): StreamStart {
  if (offset === undefined || offset === BEGINNING_OFFSET) return "beginning";
  if (offset === NOW_OFFSET) return "now";
  if (!/^\d+$/.test(offset) || offset.replace(/^0+(?=\d)/, "").length > MAX_INTEGER_DIGITS) {
    throw new RangeError(
      `The offset must be "-1", "now" or an offset this server gave, got "${offset}"`,
    );
  }
  return Number(offset);
}
