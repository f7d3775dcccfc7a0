/**
 * HTTP plumbing shared by the Worker entry and the LogObject: the error codes and their
 * statuses (one table), JSON error bodies, strict query parameters and bounded bodies.
 *
 * @module
 */
import {
  ConflictError,
  FutureOffsetError,
  LogError,
  NotFoundError,
  OutOfRangeError,
  RecordTooLargeError,
} from "../src/core/errors.ts";
import { SERVER_ERROR_STATUS, type ServerErrorCode } from "../src/client/http_error.ts";

/** Error codes of the HTTP layer, beside the core's `LogErrorCode`s. */
export type HttpErrorCode = ServerErrorCode;

/** The one table from error code to HTTP status. */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  // The core's codes.
  CONFLICT: 409,
  NOT_FOUND: 404,
  FUTURE_OFFSET: 404,
  OUT_OF_RANGE: 410,
  RECORD_TOO_LARGE: 413,
  CLOSED: 503,
  // The HTTP layer's codes, from the table the client reads them with.
  ...SERVER_ERROR_STATUS,
};

/** An error of the HTTP layer: a code of {@linkcode STATUS_BY_CODE} and extra headers. */
export class HttpError extends Error {
  /** The machine-readable code. */
  readonly code: HttpErrorCode;
  /** Headers to add to the error response. */
  readonly headers: Record<string, string>;

  /**
   * Creates the error.
   *
   * @param code The code; its status comes from {@linkcode STATUS_BY_CODE}.
   * @param message One sentence for humans.
   * @param headers Extra response headers (e.g. `Allow`).
   */
  constructor(code: HttpErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "HttpError";
    this.code = code;
    this.headers = headers;
  }
}

/**
 * The JSON error response for any thrown value. The status is chosen by the error's
 * `code` in {@linkcode STATUS_BY_CODE}, never by its message; invalid input
 * (`TypeError`/`RangeError`) is 400; anything else is 500 with a generic message.
 *
 * @param error What was thrown.
 * @param end The log's current end, reported with a `CONFLICT`.
 * @returns The response.
 */
export function errorResponse(error: unknown, end?: () => number): Response {
  let code: string;
  let message: string;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-content-type-options": "nosniff",
  };
  const extra: Record<string, unknown> = {};
  if (error instanceof HttpError) {
    code = error.code;
    message = error.message;
    Object.assign(headers, error.headers);
  } else if (error instanceof LogError) {
    code = error.code;
    message = error.message;
    // Each class's fields, so that a client can rebuild the same error.
    if (error instanceof FutureOffsetError || error instanceof OutOfRangeError) {
      extra.offset = error.offset;
    } else if (error instanceof NotFoundError) {
      extra.position = error.position;
    } else if (error instanceof ConflictError) {
      extra.position = error.position;
      if (end !== undefined) {
        const current = end();
        extra.end = current;
        headers["edgelog-end"] = String(current);
      }
    } else if (error instanceof RecordTooLargeError) {
      extra.size = error.size;
      extra.limit = error.limit;
    }
  } else if (error instanceof TypeError || error instanceof RangeError) {
    code = "BAD_REQUEST";
    message = error.message;
  } else {
    code = "INTERNAL";
    message = "Internal error";
    console.error(error);
  }
  const status = STATUS_BY_CODE[code] ?? 500;
  return new Response(JSON.stringify({ error: { code, message, ...extra } }), {
    status,
    headers,
  });
}

/**
 * Parses a strictly decimal, safe, non-negative integer (no sign, no exponent, no spaces).
 *
 * @param name The parameter's name, for the message.
 * @param value The raw value.
 * @returns The integer.
 * @throws {HttpError} `BAD_REQUEST` otherwise.
 */
export function parseInteger(name: string, value: string): number {
  if (!/^[0-9]{1,16}$/.test(value)) {
    throw new HttpError("BAD_REQUEST", `${name} must be a non-negative integer, got "${value}"`);
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new HttpError("BAD_REQUEST", `${name} must be a safe integer, got "${value}"`);
  }
  return n;
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
 * Reads an optional integer query parameter. A parameter given twice is a 400.
 *
 * @param query The parameters ({@linkcode queryOf}); `undefined` when there are none.
 * @param name The parameter.
 * @returns The integer, or `undefined` when absent.
 */
export function queryInteger(query: URLSearchParams | undefined, name: string): number | undefined {
  const values = query?.getAll(name);
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1) throw new HttpError("BAD_REQUEST", `${name} must be given once`);
  return parseInteger(name, values[0]!);
}

/**
 * Rejects query parameters outside `allowed`.
 *
 * @param query The parameters ({@linkcode queryOf}); `undefined` when there are none.
 * @param allowed The parameters the route takes.
 * @throws {HttpError} `BAD_REQUEST` for any other parameter.
 */
export function onlyQuery(query: URLSearchParams | undefined, allowed: readonly string[]): void {
  if (query === undefined) return;
  for (const key of query.keys()) {
    if (!allowed.includes(key)) {
      throw new HttpError("BAD_REQUEST", `Unknown query parameter "${key}"`);
    }
  }
}

/**
 * Refused request bodies up to this many bytes are read to their end, larger ones cancelled.
 * A body left unread makes workerd close the connection after the response, and a client
 * that reuses it (wrangler dev's proxy does) may see its next request fail; the bound keeps a
 * refused upload cheap.
 */
export const DRAIN_LIMIT = 1024 * 1024;

/**
 * Disposes of a request body that will not be used: reads it to its end when it holds at
 * most {@linkcode DRAIN_LIMIT} bytes, else cancels it.
 *
 * @param request The request.
 */
export async function discardBody(request: Request): Promise<void> {
  if (request.body === null || request.bodyUsed) return;
  try {
    const length = request.headers.get("content-length");
    if (length !== null && !(Number(length) <= DRAIN_LIMIT)) {
      await request.body.cancel();
      return;
    }
    const reader = request.body.getReader();
    for (let size = 0; size <= DRAIN_LIMIT;) {
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
 * Reads a request body of at most `limit` bytes: a larger `Content-Length` is refused
 * before reading; a body with a `Content-Length` is read in one piece, one without (a
 * streamed body) is counted while reading and refused as soon as it passes the limit.
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
    if (!/^[0-9]+$/.test(length)) {
      throw new HttpError("BAD_REQUEST", `Content-Length must be decimal digits, got "${length}"`);
    }
    const declared = Number(length);
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
      throw new HttpError(
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
      await reader.cancel().catch(() => {});
      throw tooLarge(size);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

/** A JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
