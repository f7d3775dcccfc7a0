/**
 * What the console says about an error: the protocol's code, the HTTP status that goes with
 * it, and the message, as the client reports them (`HttpError` for the HTTP layer, the
 * core's `LogError` classes for the log's own conditions). No DOM.
 *
 * @example
 * ```ts
 * import { OutOfRangeError } from "../../mod.ts";
 * import { HttpError } from "../client/mod.ts";
 * import { errorText } from "./error_text.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   errorText(new HttpError("FORBIDDEN", 403, "The token does not allow append")),
 *   "FORBIDDEN (403): The token does not allow append",
 * );
 * assert.match(errorText(new OutOfRangeError(0)), /^OUT_OF_RANGE \(410\): /);
 * ```
 *
 * @module
 */
import { LogError } from "../core/errors.ts";
import { HttpError } from "../client/http_error.ts";
import { STATUS_BY_CODE } from "../protocol/errors.ts";

/**
 * One line for an error: `CODE (status): message` for the protocol's errors, the message
 * for others (a value the console refused before sending, say).
 *
 * @param error What was thrown.
 * @returns The line.
 */
export function errorText(error: unknown): string {
  if (error instanceof HttpError) {
    return error.status === 0
      ? `${error.code}: ${error.message}`
      : `${error.code} (${error.status}): ${error.message}`;
  }
  if (error instanceof LogError) {
    const status = STATUS_BY_CODE[error.code];
    return `${error.code}${status === undefined ? "" : ` (${status})`}: ${error.message}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
