/**
 * The WebSocket subprotocols of the tail. Browsers cannot set an `Authorization` header on a
 * WebSocket, so a client may carry its token in the subprotocol offer instead:
 * `Sec-WebSocket-Protocol: edgelog, edgelog.bearer.<jwt>`. The server selects `edgelog`,
 * never the entry holding the token.
 *
 * @module
 */

/** The subprotocol the server selects when a client offers it. */
export const TAIL_SUBPROTOCOL = "edgelog";
/** The prefix of the offered subprotocol that carries a bearer token. */
export const BEARER_SUBPROTOCOL_PREFIX = "edgelog.bearer.";

/**
 * The subprotocols of a `Sec-WebSocket-Protocol` header, in the order offered.
 *
 * @param header The header's value (repeated headers arrive joined by commas).
 * @returns The offered subprotocols; none when the header is absent.
 */
export function offeredSubprotocols(header: string | null | undefined): string[] {
  if (header === null || header === undefined) return [];
  return header.split(",").map((p) => p.trim()).filter((p) => p !== "");
}
