/**
 * The live tail's WebSocket protocol (PROTOCOL.md, Live tail), beside the frame codec of
 * `wire.ts`: the subprotocols, the close codes and reasons, the keep-alive messages. The
 * error frame the server sends before closing with {@linkcode CLOSE_OUT_OF_RANGE} is an
 * error body (`errors.ts`).
 *
 * Browsers cannot set an `Authorization` header on a WebSocket, so a client may carry its
 * token in the subprotocol offer instead: `Sec-WebSocket-Protocol: edgelog,
 * edgelog.bearer.<jwt>`. The server selects `edgelog`, never the entry holding the token.
 *
 * @example
 * ```ts ignore
 * new WebSocket(url, tailSubprotocols(token)); // ["edgelog", "edgelog.bearer.<token>"]
 * ```
 *
 * @module
 */

/** The subprotocol the server selects when a client offers it. */
export const TAIL_SUBPROTOCOL = "edgelog";
/** The prefix of the offered subprotocol that carries a bearer token. */
export const BEARER_SUBPROTOCOL_PREFIX = "edgelog.bearer.";

/** The close code of a tail whose next offset was purged, after the error frame. */
export const CLOSE_OUT_OF_RANGE = 4410;
/** The close reason sent with {@linkcode CLOSE_OUT_OF_RANGE}. */
export const CLOSE_OUT_OF_RANGE_REASON = "OUT_OF_RANGE";
/** The close code sent to tails when their log is deleted. */
export const CLOSE_LOG_DELETED = 4404;
/** The close reason sent with {@linkcode CLOSE_LOG_DELETED}. */
export const CLOSE_LOG_DELETED_REASON = "LOG_DELETED";

/** The text message a client sends to check that an idle connection is alive. */
export const TAIL_PING = "ping";
/** The server's answer to {@linkcode TAIL_PING} (sent by the runtime, without waking the log). */
export const TAIL_PONG = "pong";

/**
 * The subprotocols a client offers for a tail with a token.
 *
 * @param token The bearer token.
 * @returns `["edgelog", "edgelog.bearer.<token>"]`.
 *
 * @example
 * ```ts ignore
 * tailSubprotocols("abc"); // ["edgelog", "edgelog.bearer.abc"]
 * ```
 */
export function tailSubprotocols(token: string): string[] {
  return [TAIL_SUBPROTOCOL, BEARER_SUBPROTOCOL_PREFIX + token];
}

/**
 * The subprotocols of a `Sec-WebSocket-Protocol` header, in the order offered.
 *
 * @param header The header's value (repeated headers arrive joined by commas).
 * @returns The offered subprotocols; none when the header is absent.
 *
 * @example
 * ```ts ignore
 * offeredSubprotocols("edgelog, edgelog.bearer.abc"); // ["edgelog", "edgelog.bearer.abc"]
 * ```
 */
export function offeredSubprotocols(header: string | null | undefined): string[] {
  if (header === null || header === undefined) return [];
  return header.split(",").map((p) => p.trim()).filter((p) => p !== "");
}
