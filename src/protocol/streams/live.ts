/**
 * The timing of live reads on `/v1/stream/` (long-poll and SSE), held by the Worker, and the
 * close code the LogObject sends to the Worker's waiting sockets when a stream is closed.
 *
 * @module
 */

/** How long a long-poll waits for a record before answering 204, in milliseconds. */
export const LONG_POLL_TIMEOUT_MS = 15_000;
/** How long an SSE answer waits without a record before a keep-alive control event. */
export const SSE_KEEP_ALIVE_MS = 15_000;
/**
 * How long one SSE answer lasts before the server ends it and the client reconnects from its
 * last offset (so that proxies and CDNs see bounded responses), in milliseconds.
 */
export const SSE_RECONNECT_MS = 60_000;
/** The tag of the Worker's waiting sockets among a LogObject's tails. */
export const STREAM_WAIT_TAG = "stream-wait";
/** The close code of a waiting socket whose stream was closed: read it again. */
export const CLOSE_STREAM_CLOSED = 4409;
/** The reason sent with {@linkcode CLOSE_STREAM_CLOSED}. */
export const CLOSE_STREAM_CLOSED_REASON = "STREAM_CLOSED";
