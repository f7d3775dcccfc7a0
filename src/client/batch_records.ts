/**
 * The check every client append of a batch makes before it sends anything.
 *
 * @module
 */
import { assertBytes, describe } from "../core/validate.ts";

/**
 * Checks that `records` is a batch a log can take: a non-empty array of non-empty byte
 * arrays. Used by `LogClient.appendBatch` and `LogWriter.appendBatch`.
 *
 * @param records The batch.
 * @throws {TypeError} When `records` is not an array, or a record is not a Uint8Array.
 * @throws {RangeError} When `records` or a record is empty.
 *
 * @example
 * ```ts
 * import { assertBatchRecords } from "./batch_records.ts";
 * import assert from "node:assert/strict";
 *
 * assertBatchRecords([new Uint8Array([1])]);
 * assert.throws(() => assertBatchRecords([]), RangeError);
 * assert.throws(() => assertBatchRecords([new Uint8Array(0)]), RangeError);
 * ```
 */
export function assertBatchRecords(
  records: unknown,
): asserts records is readonly Uint8Array[] {
  if (!Array.isArray(records)) {
    throw new TypeError(`Expected records to be an array, got ${describe(records)}`);
  }
  if (records.length === 0) throw new RangeError("A batch must hold at least one record");
  records.forEach((record: unknown, i) => {
    assertBytes(`records[${i}]`, record);
    if (record.byteLength === 0) throw new RangeError(`Expected records[${i}] not to be empty`);
  });
}
