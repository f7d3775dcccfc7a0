// Turns the server's JSON error bodies (PROTOCOL.md, Errors) back into the core's error
// classes and HttpError. Internal to the client: not exported from its module.
import {
  ClosedError,
  ConflictError,
  FutureOffsetError,
  NotFoundError,
  OutOfRangeError,
  RecordTooLargeError,
} from "../core/errors.ts";
import { HttpError, SERVER_ERROR_STATUS, type ServerErrorCode } from "./http_error.ts";

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
  const error = isObject(body) && isObject(body.error) ? body.error : undefined;
  const code = typeof error?.code === "string" ? error.code : undefined;
  const message = typeof error?.message === "string" && error.message !== ""
    ? error.message
    : undefined;
  if (error === undefined || code === undefined || message === undefined) {
    return unexpected(status, `Unexpected answer with status "${status}" and no error body`);
  }
  const field = (name: string) => {
    const value = error[name];
    return typeof value === "number" && Number.isSafeInteger(value) ? value : undefined;
  };
  switch (code) {
    case "CONFLICT": {
      const position = field("position") ?? context.expected;
      if (position !== undefined) return new ConflictError(position, field("end"));
      break;
    }
    case "FUTURE_OFFSET": {
      const offset = field("offset") ?? context.offset;
      if (offset !== undefined) return new FutureOffsetError(offset);
      break;
    }
    case "OUT_OF_RANGE": {
      const offset = field("offset") ?? context.offset;
      if (offset !== undefined) return new OutOfRangeError(offset);
      break;
    }
    case "NOT_FOUND": {
      const position = field("position") ?? context.offset;
      if (position !== undefined) return new NotFoundError(position);
      break;
    }
    case "RECORD_TOO_LARGE": {
      const size = field("size") ?? context.size;
      const limit = field("limit");
      if (size !== undefined && limit !== undefined) return new RecordTooLargeError(size, limit);
      break;
    }
    case "CLOSED":
      return new ClosedError("remote log");
    case "BAD_REQUEST":
      if (context.badRequestIsRange === true) return new RangeError(message);
      return new HttpError("BAD_REQUEST", status, message);
    default:
      if (Object.hasOwn(SERVER_ERROR_STATUS, code)) {
        return new HttpError(code as ServerErrorCode, status, message);
      }
      return unexpected(status, `Unexpected error code "${code}" with status "${status}"`);
  }
  return unexpected(status, `Error "${code}" arrived without its fields`);
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
