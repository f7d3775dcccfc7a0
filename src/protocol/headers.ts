/**
 * The header names and content types of the edgelog HTTP API (PROTOCOL.md), and the CORS
 * policy's lists that name them. Names are written as PROTOCOL.md writes them; HTTP header
 * names are case-insensitive, and `Headers` accepts them in any case.
 *
 * @example
 * ```ts ignore
 * const offset = Number(response.headers.get(OFFSET_HEADER));
 * ```
 *
 * @module
 */

/** The offset of the record an append stored or a read returned (the first of a batch). */
export const OFFSET_HEADER = "Edgelog-Offset";
/** The creation time of the record a read returned, in milliseconds since the Unix epoch. */
export const CREATED_HEADER = "Edgelog-Created";
/** The offset after the last line of a batch read: where to read on. */
export const NEXT_OFFSET_HEADER = "Edgelog-Next-Offset";
/** The log's current end, with a `409 CONFLICT`. */
export const END_HEADER = "Edgelog-End";
/** The expected offset of an append (optimistic concurrency), as `?expected=` gives it. */
export const EXPECTED_OFFSET_HEADER = "Edgelog-Expected-Offset";
/** A random id of the Durable Object instance that answered, for diagnostics. */
export const INSTANCE_HEADER = "Edgelog-Instance";
/** `true` on the answer to a producer's retry: nothing was written, the offsets are the original ones. */
export const DUPLICATE_HEADER = "Edgelog-Duplicate";
/** The producer's id, on an append (with the epoch and seq headers, all three or none). */
export const PRODUCER_ID_HEADER = "Producer-Id";
/** The producer's epoch on an append and its answer; the current epoch with a `STALE_EPOCH`. */
export const PRODUCER_EPOCH_HEADER = "Producer-Epoch";
/** The write's sequence number on an append and its answer. */
export const PRODUCER_SEQ_HEADER = "Producer-Seq";
/** The producer's next sequence number, with a `PRODUCER_SEQ_GAP`. */
export const PRODUCER_EXPECTED_SEQ_HEADER = "Producer-Expected-Seq";
/** The sequence number the write carried, with a `PRODUCER_SEQ_GAP`. */
export const PRODUCER_RECEIVED_SEQ_HEADER = "Producer-Received-Seq";

/** The content type of a batch append body. */
export const BATCH_CONTENT_TYPE = "application/vnd.edgelog.batch";
/** The content type of a batch read: one JSON record per line. */
export const NDJSON_CONTENT_TYPE = "application/x-ndjson";
/** The content type of one record's raw bytes (a single append, a single read). */
export const BYTES_CONTENT_TYPE = "application/octet-stream";
/** The content type of JSON bodies: answers, errors, configurations. */
export const JSON_CONTENT_TYPE = "application/json";

/**
 * The media type of a `Content-Type` header as the API compares it: in lower case, without
 * parameters (`;` and what follows) and surrounding spaces.
 *
 * @param contentType The header's value, or `null`/`undefined` when there is none.
 * @returns The media type; `""` without a header.
 *
 * @example
 * ```ts ignore
 * mediaType("Application/VND.edgelog.batch; x=1"); // "application/vnd.edgelog.batch"
 * ```
 */
export function mediaType(contentType: string | null | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/** The methods a browser may use across origins (the preflight's answer). */
export const CORS_ALLOW_METHODS: readonly string[] = ["GET", "HEAD", "POST", "PUT", "DELETE"];
/** The request headers a browser may send across origins. */
export const CORS_ALLOW_HEADERS: readonly string[] = [
  "Authorization",
  "Content-Type",
  EXPECTED_OFFSET_HEADER,
  PRODUCER_ID_HEADER,
  PRODUCER_EPOCH_HEADER,
  PRODUCER_SEQ_HEADER,
];
/**
 * The response headers a browser page may read: `Allow`, the `Edgelog-*` and `Producer-*`
 * headers, `WWW-Authenticate`.
 */
export const CORS_EXPOSE_HEADERS: readonly string[] = [
  "Allow",
  CREATED_HEADER,
  DUPLICATE_HEADER,
  END_HEADER,
  INSTANCE_HEADER,
  NEXT_OFFSET_HEADER,
  OFFSET_HEADER,
  PRODUCER_EPOCH_HEADER,
  PRODUCER_EXPECTED_SEQ_HEADER,
  PRODUCER_RECEIVED_SEQ_HEADER,
  PRODUCER_SEQ_HEADER,
  "WWW-Authenticate",
];
/** How long a browser may cache a preflight's answer, in seconds. */
export const PREFLIGHT_MAX_AGE = 600;

/**
 * The `Content-Security-Policy` of the web console's page and assets: its own scripts and
 * styles only (no inline script or style, no other origin), and connections to its own origin
 * alone, over HTTP and over the WebSocket scheme that goes with the page's (`ws:` for `http:`,
 * `wss:` for `https:`), named explicitly for browsers whose `'self'` does not cover WebSockets.
 *
 * @param url The URL the page was requested at.
 * @returns The policy.
 *
 * @example
 * ```ts ignore
 * consoleContentSecurityPolicy(new URL("https://logs.example.com/console/"));
 * // "default-src 'self'; ... connect-src 'self' wss://logs.example.com; ..."
 * ```
 */
export function consoleContentSecurityPolicy(url: URL): string {
  const socket = `${url.protocol === "https:" ? "wss:" : "ws:"}//${url.host}`;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self' ${socket}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}
