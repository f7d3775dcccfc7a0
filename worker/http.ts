/**
 * Request plumbing shared by the Worker entry, its middleware and the LogObject's routes:
 * the Worker's error class and JSON error responses (statuses from the protocol's one
 * table), strict query parameters and bounded bodies.
 *
 * @module
 */
import { LogError, ProducerSeqGapError, StaleEpochError } from "../src/core/errors.ts";
import { producerErrorHeaders } from "../src/protocol/producer.ts";
import {
  encodeErrorBody,
  type ErrorCode,
  type ErrorFields,
  logErrorFields,
  type ServerErrorCode,
  STATUS_BY_CODE,
} from "../src/protocol/errors.ts";
import { END_HEADER, EXPECTED_OFFSET_HEADER, JSON_CONTENT_TYPE } from "../src/protocol/headers.ts";
import { concatBytes } from "../src/protocol/bytes.ts";
import { DRAIN_LIMIT, parseDecimal } from "../src/protocol/limits.ts";
import type { LogPath } from "../src/protocol/log_name.ts";
import {
  LOGS_PREFIX,
  type QueryParam,
  ROUTE_SEGMENTS,
  routePattern,
} from "../src/protocol/routes.ts";

/**
 * An error of the API outside the core's: a code of the protocol's `SERVER_ERROR_STATUS`,
 * and extra headers. (The client reads these back as its `HttpError`.)
 */
export class ApiError extends Error {
  /** The machine-readable code. */
  readonly code: ServerErrorCode;
  /** Headers to add to the error response. */
  readonly headers: Record<string, string>;

  /**
   * Creates the error.
   *
   * @param code The code; its status comes from the protocol's table.
   * @param message One sentence for humans.
   * @param headers Extra response headers (e.g. `Allow`).
   */
  constructor(code: ServerErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.headers = headers;
  }
}

/**
 * The JSON error response for any thrown value. The status is chosen by the error's
 * `code` in the protocol's `STATUS_BY_CODE`, never by its message; a core error carries its
 * class's fields; invalid input (`TypeError`/`RangeError`) is 400; anything else is 500 with
 * a generic message.
 *
 * @param error What was thrown.
 * @param end The log's committed end, reported with a `CONFLICT` that names no end.
 * @returns The response.
 */
export function errorResponse(error: unknown, end?: () => number): Response {
  const { code, message, fields } = errorBodyOf(error, end);
  const headers: Record<string, string> = {
    "content-type": JSON_CONTENT_TYPE,
    "x-content-type-options": "nosniff",
  };
  if (error instanceof ApiError) Object.assign(headers, error.headers);
  else if (error instanceof ProducerSeqGapError || error instanceof StaleEpochError) {
    Object.assign(headers, producerErrorHeaders(error));
  }
  if (code === "CONFLICT" && fields?.end !== undefined) headers[END_HEADER] = String(fields.end);
  return new Response(encodeErrorBody(code, message, fields), {
    status: STATUS_BY_CODE[code] ?? 500,
    headers,
  });
}

/**
 * The code, message and fields of the error body of any thrown value, as
 * {@linkcode errorResponse} sends it and the append session's error frames carry it.
 *
 * @param error What was thrown.
 * @param end The log's committed end, reported with a `CONFLICT` that names no end.
 * @returns The body's parts.
 */
export function errorBodyOf(
  error: unknown,
  end?: () => number,
): { code: ErrorCode; message: string; fields: ErrorFields | undefined } {
  if (error instanceof ApiError) {
    return { code: error.code, message: error.message, fields: undefined };
  }
  if (error instanceof LogError) {
    const fields = logErrorFields(error);
    if (error.code === "CONFLICT") {
      // The end the Log names, after the commit that took the position; the committed end
      // only for an error that names none.
      const current = fields.end ?? end?.();
      if (current !== undefined) fields.end = current;
    }
    return { code: error.code, message: error.message, fields };
  }
  if (error instanceof TypeError || error instanceof RangeError) {
    return { code: "BAD_REQUEST", message: error.message, fields: undefined };
  }
  console.error(error);
  return { code: "INTERNAL", message: "Internal error", fields: undefined };
}

/**
 * The raw (percent-encoded) path of a URL, sliced out of the string: request URLs are
 * already serialized by the runtime, so this is `new URL(url).pathname` without a parse.
 *
 * @param url An absolute URL, e.g. a `Request`'s `url`.
 * @returns The path, from `/`.
 */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const end = endOfPath(url, start);
  return url.slice(start, end);
}

/**
 * The query of a URL, parsed only when there is one (most requests have none).
 *
 * @param url An absolute URL, e.g. a `Request`'s `url`.
 * @returns The parameters, or `undefined` when the URL has no query.
 */
export function queryOf(url: string): URLSearchParams | undefined {
  const start = url.indexOf("?");
  if (start === -1) return undefined;
  const hash = url.indexOf("#", start);
  return new URLSearchParams(url.slice(start + 1, hash === -1 ? undefined : hash));
}

function endOfPath(url: string, start: number): number | undefined {
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x3f || c === 0x23) return i; // "?" or "#"
  }
  return undefined;
}

/**
 * Whether a request asks for a WebSocket upgrade (`Upgrade: websocket`, in any case).
 *
 * @param headers The request's headers.
 * @returns `true` for a WebSocket handshake.
 */
export function isWebSocketUpgrade(headers: Headers): boolean {
  return (headers.get("upgrade") ?? "").toLowerCase() === "websocket";
}

/**
 * Reads an optional integer query parameter. A parameter given twice is a 400.
 *
 * @param query The parameters ({@linkcode queryOf}); `undefined` when there are none.
 * @param name The parameter.
 * @returns The integer, or `undefined` when absent.
 */
export function queryInteger(
  query: URLSearchParams | undefined,
  name: QueryParam,
): number | undefined {
  const values = query?.getAll(name);
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1) throw new ApiError("BAD_REQUEST", `${name} must be given once`);
  return parseDecimal(name, values[0]!);
}

/**
 * Rejects query parameters outside `allowed`.
 *
 * @param query The parameters ({@linkcode queryOf}); `undefined` when there are none.
 * @param allowed The parameters the route takes.
 * @throws {ApiError} `BAD_REQUEST` for any other parameter.
 */
export function onlyQuery(
  query: URLSearchParams | undefined,
  allowed: readonly QueryParam[],
): void {
  if (query === undefined) return;
  for (const key of query.keys()) {
    if (!(allowed as readonly string[]).includes(key)) {
      throw new ApiError("BAD_REQUEST", `Unknown query parameter "${key}"`);
    }
  }
}

/**
 * The length a request declares in its `Content-Length`; `undefined` when there is none or
 * one that is not decimal digits.
 */
function declaredLength(headers: Headers): number | undefined {
  return lengthOf(headers.get("content-length"));
}

/** A `Content-Length` value as a number; `undefined` when absent or not decimal digits. */
function lengthOf(length: string | null): number | undefined {
  return length !== null && /^[0-9]+$/.test(length) ? Number(length) : undefined;
}

/**
 * Whether a request declares a body larger than any route accepts ({@linkcode DRAIN_LIMIT}):
 * one the server refuses from its `Content-Length` and never reads.
 *
 * @param headers The request's headers.
 * @returns `true` for such a body.
 */
export function declaresOversizedBody(headers: Headers): boolean {
  return (declaredLength(headers) ?? 0) > DRAIN_LIMIT;
}

/**
 * Disposes of a request body that will not be used, before the answer is sent: reads it to
 * its end and drops it when it holds at most {@linkcode DRAIN_LIMIT} bytes; a streamed body
 * (no `Content-Length`) longer than that is cancelled once that much was read; a body
 * declared longer is left alone ({@linkcode declaresOversizedBody}).
 *
 * Why not cancel it: a cancelled body makes the runtime close the connection with the rest
 * unread, and a client still sending then gets a reset, often instead of the answer. A body
 * the Worker handed to a LogObject must even be read by the object: left unread, the Worker's
 * runtime keeps pumping it into the object after the object answered, fails ("Can't read
 * from request stream after response has been sent") and resets the connection. A body the
 * Worker's own code leaves alone, workerd reads and drops after the answer.
 *
 * @param request The request.
 */
export async function discardBody(request: Request): Promise<void> {
  if (request.body === null || request.bodyUsed || declaresOversizedBody(request.headers)) return;
  await drain(request.body.getReader(), 0);
}

/**
 * Reads on to the end of a body of which `size` bytes were read already, dropping what it
 * reads; cancels it once more than {@linkcode DRAIN_LIMIT} bytes were read in all. Never
 * throws.
 */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, size: number): Promise<void> {
  try {
    while (size <= DRAIN_LIMIT) {
      const { done, value } = await reader.read();
      if (done) return;
      size += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // Already closed or errored: nothing to release.
  }
}

/**
 * Reads a request body of at most `limit` bytes (at most {@linkcode DRAIN_LIMIT}). A body
 * with a `Content-Length` is refused from it when it is larger, else read in one piece; one
 * without (a streamed body) is counted while reading and refused as soon as it passes the
 * limit. A refused body is first read on and dropped ({@linkcode discardBody}), so the error
 * answer arrives whole.
 *
 * @param request The request.
 * @param limit The most bytes accepted.
 * @param tooLarge Makes the error thrown when the body is larger (given the size seen).
 * @returns The body's bytes.
 */
export async function readBody(
  request: Request,
  limit: number,
  tooLarge: (size: number) => Error,
): Promise<Uint8Array> {
  const length = request.headers.get("content-length");
  if (length !== null) {
    const declared = lengthOf(length);
    if (declared === undefined) {
      throw new ApiError("BAD_REQUEST", `Content-Length must be decimal digits, got "${length}"`);
    }
    if (declared > limit) {
      await discardBody(request);
      throw tooLarge(declared);
    }
    // One native read costs less than a reader loop. A client's request arrives framed by
    // its Content-Length (the runtime's HTTP server reads that many bytes), so this buffers
    // at most `limit`; a body built inside the runtime is not held to its header, so the
    // size is checked again.
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.byteLength > limit) throw tooLarge(body.byteLength);
    // A wrong length gets past HTTP framing only from an in-process caller (a service binding).
    if (body.byteLength !== declared) {
      throw new ApiError(
        "BAD_REQUEST",
        `The body holds ${body.byteLength} bytes, not the "${length}" of its Content-Length`,
      );
    }
    return body;
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await drain(reader, size);
      throw tooLarge(size);
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}

/**
 * A JSON response.
 *
 * @param body The value to send.
 * @param headers More headers beside the content type.
 * @returns A 200 response.
 */
export function json(body: unknown, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    headers: headers === undefined
      ? { "content-type": JSON_CONTENT_TYPE }
      : { "content-type": JSON_CONTENT_TYPE, ...headers },
  });
}

/**
 * Where a read or a tail starts: `?from=` (an offset) or `?since=` (a time in milliseconds
 * since the Unix epoch: the first record created at or after it), not both.
 *
 * @param query The parameters ({@linkcode queryOf}).
 * @returns The offset or the time given, or `undefined` when the request gives neither.
 * @throws {ApiError} `BAD_REQUEST` when it gives both, or a value that is no integer.
 */
export function readStart(
  query: URLSearchParams | undefined,
): { from: number } | { since: number } | undefined {
  const from = queryInteger(query, "from");
  const since = queryInteger(query, "since");
  if (from !== undefined && since !== undefined) {
    throw new ApiError("BAD_REQUEST", "Give from or since, not both");
  }
  return from !== undefined ? { from } : since !== undefined ? { since } : undefined;
}

/**
 * The expected offset of an append, from `?expected=` or the `Edgelog-Expected-Offset`
 * header (not both).
 *
 * @param query The parameters ({@linkcode queryOf}).
 * @param headers The request's headers.
 * @returns The offset, or `undefined` when the request gives none.
 * @throws {ApiError} `BAD_REQUEST` when it gives both or a value that is no integer.
 */
export function expectedOffset(
  query: URLSearchParams | undefined,
  headers: Headers,
): number | undefined {
  const fromQuery = queryInteger(query, "expected");
  const header = headers.get(EXPECTED_OFFSET_HEADER);
  if (header === null) return fromQuery;
  if (fromQuery !== undefined) {
    throw new ApiError(
      "BAD_REQUEST",
      "Give the expected offset as a header or a query parameter, not both",
    );
  }
  return parseDecimal(EXPECTED_OFFSET_HEADER, header);
}

/**
 * The 405 answer to a method a route does not take, naming the route. On the log itself
 * (`/logs/{name}`, `DELETE` only), a POST or GET is most often a mistyped route word read as
 * part of the name (`/logs/acme/demo/record`): the message lists the route words and names
 * the one meant when the name's last segment is one letter or two away from it.
 *
 * @param method The request's method.
 * @param logPath The log and the route inside it (only the route when the object is called
 * with a bare route).
 * @param allow The methods the route takes (`Allow`).
 * @returns The error to throw.
 */
export function wrongMethod(
  method: string,
  logPath: Pick<LogPath, "route"> & { name?: string | undefined },
  allow: string,
): ApiError {
  const { name, route } = logPath;
  if (route !== "/" || name === undefined) {
    return new ApiError(
      "METHOD_NOT_ALLOWED",
      `Use ${allow} on ${LOGS_PREFIX}{name}${routePattern(route) ?? route}, not ${method}`,
      { allow },
    );
  }
  const words = [...ROUTE_SEGMENTS];
  const last = name.slice(name.lastIndexOf("/") + 1);
  const meant = name.includes("/") ? words.find((word) => nearWord(last, word)) : undefined;
  const hint = meant === undefined
    ? ""
    : `; did you mean "${LOGS_PREFIX}${name.slice(0, name.lastIndexOf("/"))}/${meant}"?`;
  return new ApiError(
    "METHOD_NOT_ALLOWED",
    `No route ${method} ${LOGS_PREFIX}${name}: the path names the log "${name}", which takes ` +
      `${allow} only; a log's routes follow its name: ${words.join(", ")}${hint}`,
    { allow },
  );
}

/** Whether `typed` is at most two single-letter edits from `word` (and not too short). */
function nearWord(typed: string, word: string): boolean {
  if (typed.length < 3 || Math.abs(typed.length - word.length) > 2) return false;
  let previous = Array.from({ length: word.length + 1 }, (_, i) => i);
  for (let i = 1; i <= typed.length; i++) {
    const row = [i];
    for (let j = 1; j <= word.length; j++) {
      const cost = typed[i - 1]!.toLowerCase() === word[j - 1] ? 0 : 1;
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = row;
  }
  return previous[word.length]! <= 2;
}
