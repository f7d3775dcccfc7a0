/**
 * The Durable Streams protocol's names, written once for edgelog's `/v1/stream/{name}` routes
 * (PROTOCOL.md, Durable Streams): the path, the headers, the query parameters, the content
 * types and the headers a browser may send and read.
 *
 * @module
 */
import {
  PRODUCER_EPOCH_HEADER,
  PRODUCER_EXPECTED_SEQ_HEADER,
  PRODUCER_ID_HEADER,
  PRODUCER_RECEIVED_SEQ_HEADER,
  PRODUCER_SEQ_HEADER,
} from "../headers.ts";

/** Every Durable Streams path starts with it: `/v1/stream/{name}`, `{name}` a log name. */
export const STREAMS_PREFIX = "/v1/stream/";
/**
 * The route inside a log that serves its stream: the Worker hands `/v1/stream/{name}` to the
 * LogObject of that name as `/logs/{name}/stream` (see `ROUTES` in `../routes.ts`).
 */
export const STREAM_ROUTE = "/stream";

/** The answer's next offset: where the reader continues. */
export const STREAM_NEXT_OFFSET_HEADER = "Stream-Next-Offset";
/** The answer's cursor of a live read: the client echoes it as `cursor`. */
export const STREAM_CURSOR_HEADER = "Stream-Cursor";
/** `true` when the answer reaches the stream's tail. */
export const STREAM_UP_TO_DATE_HEADER = "Stream-Up-To-Date";
/** `true` on a closed stream (create, append, HEAD, reads at the tail). */
export const STREAM_CLOSED_HEADER = "Stream-Closed";
/** A writer's own sequence: each append's must sort after the previous one's. */
export const STREAM_SEQ_HEADER = "Stream-Seq";
/** A stream's time to live after its last use, in seconds. */
export const STREAM_TTL_HEADER = "Stream-TTL";
/** A stream's absolute expiry time (RFC 3339). */
export const STREAM_EXPIRES_AT_HEADER = "Stream-Expires-At";
/** The source of a fork on a create: edgelog has no forks, and refuses it (400). */
export const STREAM_FORKED_FROM_HEADER = "Stream-Forked-From";
/** `base64` on an SSE answer whose data events carry base64 (binary streams). */
export const STREAM_SSE_DATA_ENCODING_HEADER = "Stream-SSE-Data-Encoding";

/** The query parameter of the read start: an offset, `-1` (the beginning) or `now`. */
export const OFFSET_PARAM = "offset";
/** The query parameter of the live mode: `long-poll` or `sse`. */
export const LIVE_PARAM = "live";
/** The query parameter that echoes the last `Stream-Cursor`. */
export const CURSOR_PARAM = "cursor";

/** The live modes of a read. */
export type LiveMode = "long-poll" | "sse";

/** The content type of a stream created without one. */
export const DEFAULT_STREAM_CONTENT_TYPE = "application/octet-stream";
/** The content type of an SSE answer. */
export const SSE_CONTENT_TYPE = "text/event-stream";

/** The request headers a browser may send to `/v1/stream/` (the preflight's answer). */
export const STREAM_CORS_ALLOW_HEADERS: readonly string[] = [
  "Authorization",
  "Content-Type",
  "If-None-Match",
  STREAM_SEQ_HEADER,
  STREAM_TTL_HEADER,
  STREAM_EXPIRES_AT_HEADER,
  STREAM_CLOSED_HEADER,
  PRODUCER_ID_HEADER,
  PRODUCER_EPOCH_HEADER,
  PRODUCER_SEQ_HEADER,
];

/** The response headers a browser page may read from `/v1/stream/`. */
export const STREAM_CORS_EXPOSE_HEADERS: readonly string[] = [
  STREAM_NEXT_OFFSET_HEADER,
  STREAM_CURSOR_HEADER,
  STREAM_UP_TO_DATE_HEADER,
  STREAM_CLOSED_HEADER,
  STREAM_TTL_HEADER,
  STREAM_EXPIRES_AT_HEADER,
  STREAM_SSE_DATA_ENCODING_HEADER,
  PRODUCER_EPOCH_HEADER,
  PRODUCER_SEQ_HEADER,
  PRODUCER_EXPECTED_SEQ_HEADER,
  PRODUCER_RECEIVED_SEQ_HEADER,
  "ETag",
  "Content-Type",
  "Location",
];

/** The methods a browser may use on `/v1/stream/`. */
export const STREAM_CORS_ALLOW_METHODS: readonly string[] = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
];

/** `Cross-Origin-Resource-Policy` of every answer: streams are read across origins. */
export const CROSS_ORIGIN_RESOURCE_POLICY = "cross-origin";

/**
 * A content type's media type, lower case, without parameters.
 *
 * @param contentType A `Content-Type` value.
 * @returns Its media type (`""` for none).
 *
 * @example
 * ```ts
 * import { streamMediaType } from "./headers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(streamMediaType("Application/JSON; charset=utf-8"), "application/json");
 * ```
 */
export function streamMediaType(contentType: string | null | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * Whether a stream of this content type is in JSON mode: each append's array items (or its
 * one value) become records, and reads answer a JSON array.
 *
 * @param contentType The stream's content type.
 * @returns `true` for `application/json`.
 *
 * @example
 * ```ts
 * import { isJsonMode } from "./headers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isJsonMode("application/json; charset=utf-8"), true);
 * assert.equal(isJsonMode("text/plain"), false);
 * ```
 */
export function isJsonMode(contentType: string): boolean {
  return streamMediaType(contentType) === "application/json";
}

/**
 * Whether SSE sends this stream's records as base64: every type but `text/*` and
 * `application/json`.
 *
 * @param contentType The stream's content type.
 * @returns `true` when data events carry base64.
 *
 * @example
 * ```ts
 * import { isBase64InSse } from "./headers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isBase64InSse("application/octet-stream"), true);
 * assert.equal(isBase64InSse("text/plain"), false);
 * ```
 */
export function isBase64InSse(contentType: string): boolean {
  const type = streamMediaType(contentType);
  return !(type.startsWith("text/") || type === "application/json");
}
