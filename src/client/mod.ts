/**
 * The client side of a deployed edgelog. For now: the wire framings of the protocol
 * ({@linkcode encodeBatch}, {@linkcode decodeTailFrame}, ...), shared with the Worker.
 *
 * @example
 * ```ts
 * import { decodeBatch, encodeBatch } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * const records = [new Uint8Array([1]), new Uint8Array([2, 3])];
 * assert.deepEqual(decodeBatch(encodeBatch(records), 1000), records);
 * ```
 *
 * @module
 */
export {
  BATCH_CONTENT_TYPE,
  decodeBatch,
  decodeRecordLines,
  decodeTailFrame,
  encodeBatch,
  encodeRecordLine,
  encodeTailFrame,
  fromBase64,
  TAIL_RECORD_HEADER,
  toBase64,
  type WireRecord,
} from "./wire.ts";
