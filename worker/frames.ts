/**
 * The Worker's side of the wire framings: the codecs live in `src/protocol/wire.ts`, shared
 * with the client; this module turns their decoding errors into the HTTP errors of the API.
 *
 * @module
 */
import { decodeBatch as decodeWireBatch } from "../src/protocol/wire.ts";
import { HttpError } from "./http.ts";

export {
  BATCH_CONTENT_TYPE,
  decodeTailFrame,
  encodeBatch,
  encodeTailFrame,
  fromBase64,
  TAIL_RECORD_HEADER,
  toBase64,
  type WireRecord as TailRecord,
} from "../src/protocol/wire.ts";

/**
 * Splits a batch body: repeated `[u32 big-endian length][length bytes]`.
 *
 * @param body The request body.
 * @param maxCount The most records accepted.
 * @returns Views of the records, in order.
 * @throws {HttpError} `BAD_REQUEST` when the framing is broken, `REQUEST_TOO_LARGE` past
 * `maxCount` records.
 */
export function decodeBatch(body: Uint8Array, maxCount: number): Uint8Array[] {
  try {
    return decodeWireBatch(body, maxCount);
  } catch (error) {
    if (error instanceof SyntaxError) throw new HttpError("BAD_REQUEST", error.message);
    if (error instanceof RangeError) throw new HttpError("REQUEST_TOO_LARGE", error.message);
    throw error;
  }
}
