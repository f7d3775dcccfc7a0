// Turns the server's JSON error bodies (PROTOCOL.md, Errors) back into the core's error
// classes and HttpError. Internal to the client: not exported from its module.
import {
  isLogErrorCode,
  isServerErrorCode,
  logErrorFromFields,
  readErrorBody,
} from "../protocol/errors.ts";
import { HttpError } from "./http_error.ts";

/**
 * What the client knows about the request, for fields an older server's body lacks, and for
 * the one 400 that has a meaning in the contract.
 */
export interface ErrorContext {
  /** The offset the request asked for (reads, tails). */
  offset?: number | undefined;
  /** The expected offset the request gave (appends). */
  expected?: number | undefined;
  /** The size of the record sent (single appends). */
  size?: number | undefined;
  /**
   * The client has checked every argument of this request, so a `BAD_REQUEST` can only
   * mean a value out of range for the log's state (an expected offset or truncation point
   * past the end, a config value past the server's limit): a `RangeError`, as the core
   * reports it.
   */
  badRequestIsRange?: boolean;
}

/**
 * The error a failed response stands for. Reads (and so consumes) the body.
 *
 * @param response A response whose status is not 2xx.
 * @param context What the request was about.
 * @returns The core's error class for the log's own conditions, a `RangeError` for a
 * `BAD_REQUEST` that `context` marks as one, else an {@linkcode HttpError}.
 */
export async function errorFromResponse(
  response: Response,
  context: ErrorContext = {},
): Promise<Error> {
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    return new HttpError(
      "NETWORK",
      0,
      `The answer "${response.status}" was cut off before its body arrived`,
      { cause },
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return errorFromBody(response.status, body, context);
}

/**
 * The error a parsed error body stands for (see {@linkcode errorFromResponse}).
 *
 * @param status The HTTP status, or 0 for a tail's error frame.
 * @param body The parsed JSON body, or `undefined` when it was not JSON.
 * @param context What the request was about.
 * @returns The error.
 */
export function errorFromBody(status: number, body: unknown, context: ErrorContext = {}): Error {
  const read = readErrorBody(body);
  if (read === undefined) {
    return unexpected(status, `Unexpected answer with status "${status}" and no error body`);
  }
  const { code, message, fields } = read;
  if (isLogErrorCode(code)) {
    // What the request was about stands in for the fields an older server's body lacks.
    const error = logErrorFromFields(code, {
      ...fields,
      offset: fields.offset ?? context.offset,
      position: fields.position ?? (code === "CONFLICT" ? context.expected : context.offset),
      size: fields.size ?? context.size,
    });
    return error ?? unexpected(status, `Error "${code}" arrived without its fields`);
  }
  if (code === "BAD_REQUEST" && context.badRequestIsRange === true) return new RangeError(message);
  if (isServerErrorCode(code)) return new HttpError(code, status, message);
  return unexpected(status, `Unexpected error code "${code}" with status "${status}"`);
}

/** An `UNEXPECTED_RESPONSE` error. */
export function unexpected(status: number, message: string, cause?: unknown): HttpError {
  return new HttpError(
    "UNEXPECTED_RESPONSE",
    status,
    message,
    cause === undefined ? undefined : { cause },
  );
}
