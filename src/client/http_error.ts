/**
 * The one error class of the client for conditions outside the log's own: the server refused
 * the request at the HTTP layer, answered something the client cannot read, or could not be
 * reached.
 *
 * @module
 */
import type { ServerErrorCode } from "../protocol/errors.ts";

/**
 * The closed set of codes an {@linkcode HttpError} carries, with the HTTP status each comes
 * with (`SERVER_ERROR_STATUS` is the table of the codes a server sends):
 *
 * | code | status | meaning |
 * | --- | --- | --- |
 * | `BAD_REQUEST` | 400 | the server refused a parameter, header or body |
 * | `UNAUTHORIZED` | 401 | no token, or a token that is invalid or expired |
 * | `FORBIDDEN` | 403 | the token does not allow this log or this operation |
 * | `ROUTE_NOT_FOUND` | 404 | no such route (a server of another version?) |
 * | `METHOD_NOT_ALLOWED` | 405 | the route exists with other methods |
 * | `REQUEST_TOO_LARGE` | 413 | a batch or config body, or a batch's record count, is over its limit |
 * | `UNSUPPORTED_MEDIA_TYPE` | 415 | a body of the wrong content type |
 * | `UPGRADE_REQUIRED` | 426 | the tail was asked for without a WebSocket upgrade |
 * | `TOO_MANY_TAILS` | 429 | the log has as many tails connected as it allows |
 * | `INTERNAL` | 500 | the server failed |
 * | `AUTH_NOT_CONFIGURED` | 503 | the server has neither a secret nor the open development flag |
 * | `UNEXPECTED_RESPONSE` | any | an answer this client cannot read: no JSON error body (say, from a proxy), an error code it does not know, or a malformed success body |
 * | `NETWORK` | 0 | no answer at all: the connection was refused, reset or could not be made, or (an append's try) no answer came within its timeout |
 *
 * The log's own conditions are never an `HttpError`: they arrive as the core's error classes
 * (`ConflictError`, `FutureOffsetError`, `OutOfRangeError`, `RecordTooLargeError`,
 * `NotFoundError`, `ClosedError`).
 */
export type HttpErrorCode = ServerErrorCode | "UNEXPECTED_RESPONSE" | "NETWORK";

/**
 * A request failed outside the log's own conditions. It is not a `LogError`: code that
 * catches `LogError` still catches exactly the conditions a local `Log` reports.
 *
 * @example Telling HTTP-layer failures apart
 * ```ts
 * import { HttpError, LogClient } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * // A stand-in for a server that refuses every token, so that this example runs anywhere.
 * const fetch = async () =>
 *   Response.json({ error: { code: "UNAUTHORIZED", message: "Invalid token" } }, { status: 401 });
 * const client = new LogClient("http://127.0.0.1:8787", "acme/demo", { fetch, token: "x" });
 * const error = await client.bounds().catch((e) => e);
 * assert(error instanceof HttpError);
 * assert.equal(error.code, "UNAUTHORIZED");
 * assert.equal(error.status, 401);
 * ```
 */
export class HttpError extends Error {
  /** What went wrong; see {@linkcode HttpErrorCode}. */
  readonly code: HttpErrorCode;
  /** The HTTP status of the answer, or 0 when there was none (`NETWORK`). */
  readonly status: number;

  /**
   * Creates the error.
   *
   * @param code What went wrong.
   * @param status The HTTP status of the answer, or 0 when there was none.
   * @param message One sentence for humans: the server's message when it sent one.
   * @param options The standard error options, such as the `cause`.
   */
  constructor(code: HttpErrorCode, status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HttpError";
    this.code = code;
    this.status = status;
  }
}
